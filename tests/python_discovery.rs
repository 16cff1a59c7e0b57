//! Which CPython a build takes: `--python 3.X` searched on PATH, in pyenv
//! and in uv's managed Pythons, an interpreter without a shared libpython
//! skipped with the reason, and without `--python` the active venv or the
//! project's `.venv` before `python3` on PATH.
mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::*;

/// pybundle in `dir`, with nothing from the host's environment that points
/// at a Python.
fn isolated(dir: &Path) -> Command {
    let mut cmd = pybundle();
    cmd.current_dir(dir)
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir.join("home"))
        .env_remove("VIRTUAL_ENV")
        .env_remove("PYENV_ROOT")
        .env_remove("XDG_DATA_HOME")
        .env_remove("UV_PYTHON_INSTALL_DIR");
    cmd
}

/// A onefile build of hello.py in `dir`.
fn build_in(dir: &Path, args: &[&str]) -> Command {
    fs::copy(App::Hello.script(), dir.join("hello.py")).unwrap();
    let mut cmd = isolated(dir);
    cmd.args(["hello.py", "--onefile"]).args(args);
    cmd
}

/// The line that says which interpreter was taken.
fn using_line(out: &Out) -> String {
    out.stderr.lines().find(|l| l.starts_with("pybundle: using Python ")).unwrap_or_else(|| panic!("no 'using Python' line\n{out}")).to_string()
}

/// The bundled Python's version, as `inspect` reads it from the bundle.
fn bundled_version(exe: &Path) -> String {
    let out = run(pybundle().arg("inspect").arg(exe).arg("--json"));
    assert_exit(&out, 0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    json["python"].as_str().unwrap().to_string()
}

fn newest_pyenv(minor: u32) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = pyenv_roots()
        .into_iter()
        .flat_map(|root| fs::read_dir(root.join("versions")).into_iter().flatten().flatten().map(|e| e.path()))
        .filter(|dir| dir.file_name().unwrap().to_string_lossy().starts_with(&format!("3.{minor}.")))
        .filter(|dir| dir.join(format!("bin/python3.{minor}")).is_file())
        .collect();
    found.sort();
    found.pop()
}

#[test]
fn version_request_finds_debians_python_on_path() {
    let py = debian_python().expect("/usr/bin/python3.11 is missing: run scripts/setup.sh");
    let tmp = tempdir();
    let out = run(&mut build_in(tmp.path(), &["--python", "3.11"]));
    assert_exit(&out, 0);
    let line = using_line(&out);
    assert!(line.contains(&format!("at {} (PATH)", py.display())), "{line}\n{out}");
    assert!(bundled_version(&tmp.path().join("dist/hello")).starts_with("3.11."));
}

/// Debian's python3.11 without its libpython (shadowed in a private mount
/// namespace) is skipped with the reason; pyenv's 3.11 is taken.
#[test]
fn version_request_skips_a_python_without_shared_libpython_and_finds_pyenvs() {
    let pyenv = newest_pyenv(11).expect("no pyenv 3.11.X found (PYENV_ROOT or ~/.pyenv); install one with PYTHON_CONFIGURE_OPTS=--enable-shared");
    let root = pyenv.parent().unwrap().parent().unwrap();
    let tmp = tempdir();
    let empty = tmp.path().join("empty");
    fs::write(&empty, "").unwrap();
    let shadow = r#"set -eu
E=$1
shift
for f in /usr/lib/x86_64-linux-gnu/libpython3.11.so*; do
    [ -e "$f" ] && mount --bind "$E" "$f"
done
exec "$@"
"#;
    let build = build_in(tmp.path(), &["--python", "3.11"]);
    let mut cmd = Command::new(support::root::host_tool("unshare").expect("unshare"));
    cmd.args(["--mount", "--propagation", "private", "--kill-child", "--", "/bin/sh", "-c", shadow, "shadow"])
        .arg(&empty)
        .arg(build.get_program())
        .args(build.get_args())
        .current_dir(tmp.path())
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", tmp.path().join("home"))
        .env("PYENV_ROOT", root)
        .env_remove("VIRTUAL_ENV");
    let out = run(&mut cmd);
    assert_exit(&out, 0);
    assert!(
        out.stderr.lines().any(|l| l.starts_with("pybundle: warning: skipped /usr/bin/python3.11 (PATH)") && l.contains("no shared libpython3.11")),
        "Debian's python3.11 should be skipped with the reason\n{out}"
    );
    let line = using_line(&out);
    assert!(line.contains(&format!("at {} (pyenv)", pyenv.join("bin/python3.11").display())), "{line}\n{out}");
    let version = pyenv.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(bundled_version(&tmp.path().join("dist/hello")), version);
}

/// A CPython in uv's layout (`~/.local/share/uv/python/cpython-3.X.Y-...`).
#[test]
fn version_request_finds_uv_managed_pythons() {
    let pyenv = newest_pyenv(12).expect("no pyenv 3.12.X to lay out as a uv-managed Python");
    let version = pyenv.file_name().unwrap().to_string_lossy().into_owned();
    let tmp = tempdir();
    let uv_python = tmp.path().join("home/.local/share/uv/python");
    fs::create_dir_all(&uv_python).unwrap();
    let managed = uv_python.join(format!("cpython-{version}-linux-x86_64-gnu"));
    std::os::unix::fs::symlink(&pyenv, &managed).unwrap();
    let out = run(&mut build_in(tmp.path(), &["--python", "3.12"]));
    assert_exit(&out, 0);
    let line = using_line(&out);
    assert!(line.contains(&format!("at {} (uv)", managed.join("bin/python3.12").display())), "{line}\n{out}");
    assert_eq!(bundled_version(&tmp.path().join("dist/hello")), version);
}

#[test]
fn a_version_that_is_nowhere_is_one_error() {
    let tmp = tempdir();
    let out = run(&mut build_in(tmp.path(), &["--python", "3.99", "-q"]));
    assert_one_error_line(&out, &["no CPython 3.99", "--python PATH"]);
    assert_nothing_created(&tmp.path().join("dist"));
}

/// A venv at `dir` with a module of its own, `venvonly`, that says which
/// venv it is.
fn venv_with_module(dir: &Path, label: &str) {
    let py = debian_python().expect("/usr/bin/python3.11 is missing: run scripts/setup.sh");
    let made = run(Command::new(&py).args(["-m", "venv", "--without-pip"]).arg(dir));
    assert_exit(&made, 0);
    let site = dir.join("lib/python3.11/site-packages");
    fs::write(site.join("venvonly.py"), format!("WHICH = {label:?}\n")).unwrap();
}

/// Without --python: the project's .venv before python3 on PATH, and the
/// active venv before both.
#[test]
fn no_python_prefers_the_active_venv_then_the_projects_venv() {
    let tmp = tempdir();
    venv_with_module(&tmp.path().join(".venv"), "project");
    fs::write(tmp.path().join("app.py"), "import venvonly\nprint('from', venvonly.WHICH)\n").unwrap();
    let out = run(isolated(tmp.path()).args(["app.py", "--onefile", "--name", "project"]));
    assert_exit(&out, 0);
    assert!(using_line(&out).contains("(the project's .venv)"), "{out}");
    let ran = run_bundle(&tmp.path().join("dist/project"), &[]);
    assert_eq!(ran.stdout, "from project\n", "{ran}");

    let active = tmp.path().join("active");
    venv_with_module(&active, "active");
    let out = run(isolated(tmp.path()).args(["app.py", "--onefile", "--name", "active"]).env("VIRTUAL_ENV", &active));
    assert_exit(&out, 0);
    assert!(using_line(&out).contains("(the active venv)"), "{out}");
    let ran = run_bundle(&tmp.path().join("dist/active"), &[]);
    assert_eq!(ran.stdout, "from active\n", "{ran}");
}
