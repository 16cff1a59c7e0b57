//! The command line: --help, --version, defaults (onedir, ./dist, the
//! script's stem, python3 on PATH), --name and -q.
mod support;

use std::fs;
use std::process::Command;

use support::*;

#[test]
fn help_lists_the_options() {
    let out = run(pybundle().arg("--help"));
    assert_exit(&out, 0);
    for opt in ["--onefile", "--onedir", "--name", "--python", "--distpath", "--quiet", "--version"] {
        assert!(out.stdout.contains(opt), "--help does not mention {opt}\n{out}");
    }
}

#[test]
fn version_prints_the_version() {
    let out = run(pybundle().arg("--version"));
    assert_exit(&out, 0);
    assert!(out.stdout.contains(env!("CARGO_PKG_VERSION")), "{out}");
}

/// `pybundle hello.py` in a directory: onedir into ./dist/hello/, named after
/// the script, with `python3` from PATH.
#[test]
fn defaults_onedir_dist_stem_and_python3_on_path() {
    let py = first_python();
    let tmp = tempdir();
    fs::copy(App::Hello.script(), tmp.path().join("hello.py")).unwrap();
    let bin = tmp.path().join("bin");
    fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(&py.path, bin.join("python3")).unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let mut cmd = pybundle();
    cmd.arg("hello.py").current_dir(tmp.path()).env("PATH", &path).env("HOME", scratch_home());
    let out = run(&mut cmd);
    assert_exit(&out, 0);
    assert_no_panic(&out);
    assert!(out.stdout.trim().is_empty(), "progress belongs on stderr\n{out}");
    let last = out.stderr_lines().last().copied().unwrap_or("");
    assert!(last.contains("dist/hello"), "the summary line should name the output\n{out}");

    let exe = tmp.path().join("dist/hello/hello");
    assert!(is_executable(&exe), "{} missing\n{out}", exe.display());
    assert!(tmp.path().join("dist/hello/_internal").is_dir(), "onedir has no _internal\n{out}");
    let run_out = run_bundle(&exe, &["x"]);
    assert_exit(&run_out, 3);
    assert_eq!(run_out.stdout, "hello from pybundle\nargs: ['x']\n", "{run_out}");
}

/// Without --python and with no python3 on PATH: a clear error, not a panic.
#[test]
fn no_python3_on_path() {
    let tmp = tempdir();
    let empty_bin = tmp.path().join("bin");
    fs::create_dir(&empty_bin).unwrap();
    let out = run(pybundle()
        .arg(App::Hello.script())
        .arg("-q")
        .env("PATH", &empty_bin)
        .current_dir(tmp.path()));
    assert_one_error_line(&out, &["python3"]);
    assert_nothing_created(&tmp.path().join("dist"));
}

#[test]
fn quiet_build_prints_nothing() {
    let py = first_python();
    let tmp = tempdir();
    let dist = tmp.path().join("out");
    let out = run(pybundle()
        .arg(App::Hello.script())
        .args(["--onefile", "--quiet", "--name", "greeter", "--python"])
        .arg(&py.path)
        .arg("--distpath")
        .arg(&dist));
    assert_exit(&out, 0);
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(out.stderr, "", "{out}");
    let run_out = run_bundle(&dist.join("greeter"), &[]);
    assert_exit(&run_out, 3);
    assert!(run_out.stdout.starts_with("hello from pybundle\n"), "{run_out}");
}

/// A relative --distpath is relative to the working directory.
#[test]
fn relative_distpath() {
    let py = first_python();
    let tmp = tempdir();
    let out = run(pybundle()
        .arg(App::Hello.script())
        .args(["--onefile", "-q", "--distpath", "rel/out", "--python"])
        .arg(&py.path)
        .current_dir(tmp.path()));
    assert_exit(&out, 0);
    assert!(is_executable(&tmp.path().join("rel/out/hello")), "{out}");
}

/// Building again over an existing output replaces it.
#[test]
fn rebuild_replaces_the_output() {
    let py = first_python();
    let tmp = tempdir();
    let script = tmp.path().join("app.py");
    for (mode, msg) in [("--onedir", "one"), ("--onedir", "two"), ("--onefile", "three"), ("--onefile", "four")] {
        let dist = tmp.path().join(&mode[2..]);
        fs::write(&script, format!("print('{msg}')\n")).unwrap();
        let out = run(pybundle()
            .arg(&script)
            .args([mode, "-q", "--python"])
            .arg(&py.path)
            .arg("--distpath")
            .arg(&dist));
        assert_exit(&out, 0);
        let exe = if mode == "--onefile" { dist.join("app") } else { dist.join("app/app") };
        let run_out = run(Command::new(&exe).env_clear().env("PATH", "/usr/bin:/bin"));
        assert_exit(&run_out, 0);
        assert_eq!(run_out.stdout, format!("{msg}\n"), "{run_out}");
    }
}
