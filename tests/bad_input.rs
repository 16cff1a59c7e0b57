//! Bad input: each is refused with exactly one `pybundle: error: ` line that
//! names the problem, a non-zero exit code, no panic, and nothing in the
//! distpath.
mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use support::root::require_root;
use support::*;

/// `pybundle SCRIPT --onefile -q --distpath DIST --python PY` in `cwd`.
fn quiet_build(cwd: &Path, script: &Path, dist: &Path, python: &Path) -> Out {
    run(pybundle()
        .arg(script)
        .arg("--onefile")
        .arg("-q")
        .arg("--distpath")
        .arg(dist)
        .arg("--python")
        .arg(python)
        .current_dir(cwd))
}

#[test]
fn missing_script() {
    let tmp = tempdir();
    let dist = tmp.path().join("dist");
    let script = tmp.path().join("no_such_app.py");
    let out = quiet_build(tmp.path(), &script, &dist, &first_python().path);
    assert_one_error_line(&out, &["no_such_app.py"]);
    assert_nothing_created(&dist);
}

#[test]
fn script_with_a_syntax_error_names_file_and_line() {
    for_each_python(|py| {
        let tmp = tempdir();
        let dist = tmp.path().join("dist");
        let script = tmp.path().join("broken_app.py");
        fs::write(&script, "import sys\nx = 1\ndef broken(:\n    pass\nprint(x)\n").unwrap();
        let out = quiet_build(tmp.path(), &script, &dist, &py.path);
        assert_one_error_line(&out, &["broken_app.py"]);
        let line = out.stderr_lines()[0];
        assert!(
            line.contains("line 3") || line.contains("broken_app.py:3"),
            "the error should give line 3\n{out}"
        );
        assert_nothing_created(&dist);
    });
}

#[test]
fn syntax_error_in_a_local_module_names_it() {
    let tmp = tempdir();
    let dist = tmp.path().join("dist");
    let script = tmp.path().join("main_app.py");
    fs::write(&script, "import helper_mod\nprint(helper_mod.X)\n").unwrap();
    fs::write(tmp.path().join("helper_mod.py"), "X = 1\n\nY = (\n").unwrap();
    let out = quiet_build(tmp.path(), &script, &dist, &first_python().path);
    assert_one_error_line(&out, &["helper_mod.py"]);
    assert_nothing_created(&dist);
}

#[test]
fn unwritable_output_dir() {
    let tmp = tempdir();
    // We run as root, so permissions do not stop a write: use a distpath
    // whose parent is a regular file.
    let blocker = tmp.path().join("a-file");
    fs::write(&blocker, "not a directory\n").unwrap();
    let dist = blocker.join("dist");
    let out = quiet_build(tmp.path(), &App::Hello.script(), &dist, &first_python().path);
    assert_one_error_line(&out, &[]);
    let line = out.stderr_lines()[0];
    assert!(line.contains("a-file"), "the error should name the output path\n{out}");
    assert_eq!(fs::read_to_string(&blocker).unwrap(), "not a directory\n", "the file in the way was changed");
    let leftovers: Vec<_> = fs::read_dir(tmp.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("a-file")], "files were left behind");
}

#[test]
fn python_that_does_not_exist() {
    let tmp = tempdir();
    let dist = tmp.path().join("dist");
    let out = quiet_build(tmp.path(), &App::Hello.script(), &dist, Path::new("/nonexistent/python3"));
    assert_one_error_line(&out, &["/nonexistent/python3"]);
    assert_nothing_created(&dist);
}

#[test]
fn python_that_is_not_a_python() {
    let tmp = tempdir();
    let dist = tmp.path().join("dist");
    let out = quiet_build(tmp.path(), &App::Hello.script(), &dist, Path::new("/usr/bin/false"));
    assert_one_error_line(&out, &["/usr/bin/false"]);
    assert_nothing_created(&dist);
}

/// Debian's python3.11 is linked statically with libpython; the shared one
/// comes from the libpython3.11 package. Shadow every libpython3.11.so* with
/// an empty file (in a private mount namespace) so there is no usable shared
/// libpython, and expect the packer to say so and how to get one.
#[test]
fn python_without_a_shared_libpython() {
    require_root();
    let py = debian_python().expect("/usr/bin/python3.11 is missing: run scripts/setup.sh");
    let tmp = tempdir();
    let dist = tmp.path().join("dist");
    let empty = tmp.path().join("empty");
    fs::write(&empty, "").unwrap();
    let script = r#"set -eu
E=$1
shift
for f in /usr/lib/x86_64-linux-gnu/libpython3.11.so*; do
    [ -e "$f" ] || continue
    mount --bind "$E" "$f"
    if [ -s "$f" ]; then echo "test harness: $f is not shadowed" >&2; exit 99; fi
done
exec "$@"
"#;
    let mut cmd = Command::new(support::root::host_tool("unshare").expect("unshare"));
    cmd.args(["--mount", "--propagation", "private", "--kill-child", "--", "/bin/sh", "-c", script, "shadow"])
        .arg(&empty)
        .arg(pybundle_exe())
        .arg(App::Hello.script())
        .args(["--onefile", "-q", "--distpath"])
        .arg(&dist)
        .arg("--python")
        .arg(&py)
        .current_dir(tmp.path());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("PYTHON") {
            cmd.env_remove(k);
        }
    }
    let out = run(&mut cmd);
    assert_ne!(out.code(), Some(99), "harness failure\n{out}");
    assert_one_error_line(&out, &["libpython", "apt-get install libpython3.11"]);
    assert_nothing_created(&dist);
}

#[test]
fn unknown_option_is_a_usage_error() {
    let tmp = tempdir();
    let out = run(pybundle().arg(App::Hello.script()).arg("--no-such-option").current_dir(tmp.path()));
    assert_exit(&out, 2);
    assert_no_panic(&out);
    assert!(out.stderr.contains("--no-such-option"), "{out}");
    assert_nothing_created(&tmp.path().join("dist"));
}

#[test]
fn no_script_is_a_usage_error() {
    let tmp = tempdir();
    let out = run(pybundle().arg("--onefile").current_dir(tmp.path()));
    assert_exit(&out, 2);
    assert_no_panic(&out);
    assert_nothing_created(&tmp.path().join("dist"));
}

/// A failed build leaves an earlier good bundle as it was.
#[test]
fn failed_build_keeps_the_previous_output() {
    let py = first_python();
    let tmp = tempdir();
    let script = tmp.path().join("app.py");
    fs::write(&script, "print('version one')\n").unwrap();
    let dist = tmp.path().join("dist");
    let out = quiet_build(tmp.path(), &script, &dist, &py.path);
    assert_exit(&out, 0);
    let before = fs::read(dist.join("app")).unwrap();

    fs::write(&script, "print('version two'\n").unwrap();
    let out = quiet_build(tmp.path(), &script, &dist, &py.path);
    assert_one_error_line(&out, &["app.py"]);
    assert_eq!(fs::read(dist.join("app")).unwrap(), before, "a failed build changed the previous bundle");
    let names: Vec<_> = fs::read_dir(&dist).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("app")], "a failed build left files in dist");
}
