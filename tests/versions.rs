//! Every CPython on the machine (Debian's 3.11 and the pyenv builds 3.8 to
//! 3.13, when present): hello world and the stdlib app onefile inside the
//! distroless-like root; interpreter flags fixed at build time behave as on
//! python's command line on each version. And the interpreters pybundle
//! refuses: PyPy, CPython older than 3.8, free-threaded builds.
//!
//! Each matrix test prints one line per version to stderr.
mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::matrix::*;
use support::root::{require_root, run_in_root, RootKind, RootWork, ROOT_ENV};
use support::*;

const STDLIB_CHECKS: &[&str] = &[
    "json", "sqlite3", "ssl", "hashlib", "zlib", "lzma", "bz2", "decimal", "asyncio", "ctypes",
    "unicodedata", "zoneinfo", "threads",
];

fn size_mb(p: &Path) -> String {
    let len = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    format!("{:.1} MB", len as f64 / 1e6)
}

#[test]
fn matrix_hello_onefile_in_root() {
    require_root();
    for_each_cpython("hello onefile in root", |py| {
        let b = shared_build_of(&App::Hello.script(), None, Mode::Onefile, py, &[]);
        let work = RootWork::new("matrix-hello");
        let exe = work.install(b);
        let out = run_in_root(RootKind::Writable, &exe, &["a b", "\u{e9}t\u{e9}"], ROOT_ENV);
        assert_no_panic(&out);
        assert_exit(&out, 3);
        assert_eq!(out.stdout, "hello from pybundle\nargs: ['a b', '\u{e9}t\u{e9}']\n", "{out}");
        assert_eq!(out.stderr, "", "{out}");
        format!("(hello {})", size_mb(&b.exe))
    });
}

#[test]
fn matrix_stdlib_onefile_in_root() {
    require_root();
    for_each_cpython("stdlib app onefile in root", |py| {
        let b = shared_build_of(&App::Stdlib.script(), None, Mode::Onefile, py, &[]);
        let work = RootWork::new("matrix-stdlib");
        let exe = work.install(b);
        let out = run_in_root(RootKind::Writable, &exe, &[], ROOT_ENV);
        assert_no_panic(&out);
        // zoneinfo is new in 3.9; the app skips it before.
        let skip_zoneinfo = py.minor_version() < (3, 9);
        let want: String = STDLIB_CHECKS
            .iter()
            .filter(|c| !(skip_zoneinfo && **c == "zoneinfo"))
            .map(|c| format!("{c} ok\n"))
            .chain(["all ok\n".to_string()])
            .collect();
        assert_eq!(out.stdout, want, "{out}");
        assert_exit(&out, 0);
        assert_eq!(out.stderr, "", "{out}");
        format!("({} checks{})", want.lines().count() - 1, if skip_zoneinfo { ", no zoneinfo before 3.9" } else { "" })
    });
}

// ---------------------------------------------------------------------------
// Interpreter flags on every version: they are written into each version's
// own PyConfig layout, so a wrong offset shows up here.

fn flags_app() -> PathBuf {
    app_path("flags_app.py")
}

/// The flags app's JSON line.
fn flags_report(out: &Out) -> Value {
    assert_no_panic(out);
    let line = out.stdout.lines().next().unwrap_or_else(|| panic!("no output\n{out}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e})\n{out}"))
}

/// Plain python of the same version running the flags app with `flags`
/// (and `env`), as the reference.
fn plain_flags(py: &Python, flags: &[&str], env: &[(&str, &str)]) -> Value {
    let mut cmd = Command::new(&py.path);
    minimal_env(&mut cmd).envs(env.iter().copied()).args(["-B", "-s"]).args(flags).arg(flags_app());
    let out = run(&mut cmd);
    assert_exit(&out, 0);
    flags_report(&out)
}

/// Fields that must be equal between the bundle and plain python.
const SAME_AS_PYTHON: &[&str] = &[
    "optimize", "debug", "asserts", "doc", "stdlib_doc", "dev_mode", "utf8_mode", "stdout_encoding",
    "fs_encoding", "unbuffered_stdout", "write_through", "warning_raised", "warnoptions",
    "hash_randomization",
];

fn compare_fields(got: &Value, want: &Value, fields: &[&str], out: &Out) {
    let diffs: Vec<String> = fields
        .iter()
        .filter(|f| got[**f] != want[**f])
        .map(|f| format!("{f}: bundle {} / python {}", got[*f], want[*f]))
        .collect();
    assert!(diffs.is_empty(), "the bundle differs from plain python:\n  {}\n{out}", diffs.join("\n  "));
}

#[test]
fn matrix_python_options_and_hash_seed() {
    for_each_cpython("-OO -u -X dev -W error --hash-seed 0", |py| {
        let b = shared_build_of(
            &flags_app(),
            None,
            Mode::Onefile,
            py,
            &["--python-option", "-OO", "--python-option", "-u", "--python-option", "-X dev", "--python-option", "-W error", "--hash-seed", "0"],
        );
        let out = run_bundle(&b.exe, &[]);
        assert_exit(&out, 0);
        let got = flags_report(&out);
        let want = plain_flags(py, &["-OO", "-u", "-X", "dev", "-W", "error", "-X", "utf8"], &[("PYTHONHASHSEED", "0")]);
        compare_fields(&got, &want, SAME_AS_PYTHON, &out);
        assert_eq!(got["optimize"], 2, "{out}");
        assert_eq!(got["doc"], Value::Null, "-OO kept docstrings\n{out}");
        assert_eq!(got["asserts"], false, "-OO kept assert statements\n{out}");
        assert_eq!(got["dev_mode"], true, "{out}");
        assert_eq!(got["warning_raised"], true, "-W error did not turn a warning into an error\n{out}");
        assert_eq!(got["write_through"], true, "-u: stdout is not unbuffered\n{out}");
        assert_eq!(got["hash_randomization"], 0, "{out}");
        // PYTHONHASHSEED=0 hashing is the same in every process.
        assert_eq!(got["hash"], want["hash"], "hash('pybundle') differs from PYTHONHASHSEED=0 python\n{out}");
        assert_eq!(got["bytes_hash"], want["bytes_hash"], "{out}");
        "(flags as plain python, same hash as PYTHONHASHSEED=0)".to_string()
    });
}

#[test]
fn matrix_utf8_mode_off() {
    for_each_cpython("-X utf8=0 in the C locale", |py| {
        let b = shared_build_of(&flags_app(), None, Mode::Onefile, py, &["--python-option", "-X utf8=0"]);
        let out = run(bundle_command(&b.exe).env("LC_ALL", "C"));
        assert_exit(&out, 0);
        let got = flags_report(&out);
        let want = plain_flags(py, &["-X", "utf8=0"], &[("LC_ALL", "C")]);
        compare_fields(&got, &want, SAME_AS_PYTHON, &out);
        assert_eq!(got["utf8_mode"], 0, "{out}");

        // Without the option the bundle is in UTF-8 mode, even in the C locale.
        let d = shared_build_of(&flags_app(), None, Mode::Onefile, py, &[]);
        let out = run(bundle_command(&d.exe).env("LC_ALL", "C"));
        assert_exit(&out, 0);
        let got = flags_report(&out);
        assert_eq!(got["utf8_mode"], 1, "{out}");
        assert_eq!(got["stdout_encoding"], "utf-8", "{out}");
        assert_eq!(got["optimize"], 0, "{out}");
        assert_eq!(got["hash_randomization"], 1, "{out}");
        format!("(stdout {} with utf8=0, utf-8 by default)", want["stdout_encoding"])
    });
}

// ---------------------------------------------------------------------------
// Refusals

/// Builds hello with `python` in a fresh directory, as a user would (cwd
/// there, `--distpath dist`), and checks the one-line refusal and that
/// nothing was created.
fn assert_refused(python: &Path, needles: &[&str]) {
    let tmp = tempdir();
    let dist = tmp.path().join("dist");
    let out = run(pybundle()
        .arg(App::Hello.script())
        .args(["--onefile", "-q", "--python"])
        .arg(python)
        .arg("--distpath")
        .arg(&dist)
        .current_dir(tmp.path()));
    assert_one_error_line(&out, needles);
    assert_nothing_created(&dist);
    let left = std::fs::read_dir(tmp.path()).unwrap().count();
    assert_eq!(left, 0, "the refused build left files in its working directory\n{out}");
    let _ = writeln!(std::io::stderr(), "refused {}: {}", python.display(), out.stderr.trim());
}

#[test]
fn refuses_pypy() {
    let Some(pypy) = pypy() else {
        test_env::missing("a PyPy (Debian: pypy3; scripts/setup.sh installs it)", "refuses_pypy");
        return;
    };
    assert_refused(&pypy, &["pypy", "not CPython"]);
}

#[test]
fn refuses_cpython_3_older_than_3_8() {
    let old: Vec<_> = old_cpythons().into_iter().filter(|(v, _)| v.starts_with("3.")).collect();
    if old.is_empty() {
        test_env::missing_from_pyenv("a CPython 3.0-3.7 (pyenv install 3.7)", "refuses_cpython_3_older_than_3_8");
        return;
    }
    for (version, exe) in old {
        let minor: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
        assert_refused(&exe, &[&minor, "older than 3.8"]);
    }
}

#[test]
fn refuses_python_2() {
    let old: Vec<_> = old_cpythons().into_iter().filter(|(v, _)| v.starts_with("2.")).collect();
    if old.is_empty() {
        test_env::missing_from_pyenv("a Python 2 (pyenv install 2.7)", "refuses_python_2");
        return;
    }
    for (version, exe) in old {
        let minor: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
        // The line names the version found and the one needed.
        assert_refused(&exe, &[&format!("Python {minor}"), "3.8"]);
    }
}

#[test]
fn refuses_free_threaded_builds() {
    let ft = free_threaded_cpythons();
    if ft.is_empty() {
        // Neither Debian 12 nor sid packages a free-threaded build.
        test_env::unobtainable("a free-threaded CPython (python3.13t)", "refuses_free_threaded_builds");
        return;
    }
    for exe in ft {
        assert_refused(&exe, &["free-threaded"]);
    }
}

/// The CPython versions every machine that runs the suite must test:
/// Debian's 3.11, and bullseye's 3.9, trixie's 3.13 and sid's 3.14 and 3.15
/// (tests/debian_cpythons.rs); pyenv builds, where there are any, add more.
const MUST_TEST: &[u32] = &[9, 11, 13, 14, 15];

/// The matrix the tests run with holds each version CI must test: losing
/// one (a root that no longer builds, a moved interpreter) fails here,
/// naming it, instead of quietly shrinking the matrix.
#[test]
fn matrix_holds_every_version_ci_must_test() {
    let part = "the version matrix";
    let mut labels: Vec<String> = all_cpythons().iter().map(|p| p.label.clone()).collect();
    let mut minors: Vec<(u32, u32)> = all_cpythons().iter().map(|p| p.minor_version()).collect();
    for suite in support::debian_root::SUITES {
        let Some(roots) = suite.roots(part) else { continue };
        for v in suite.versions.iter().filter(|v| roots.build.join(format!("usr/bin/python{v}")).exists()) {
            labels.push(format!("{}-{v}", suite.name));
            minors.push((3, v.trim_start_matches("3.").parse().unwrap()));
        }
    }
    let _ = writeln!(std::io::stderr(), "CPythons in the matrix: {}", labels.join(", "));
    for &minor in MUST_TEST {
        if !minors.contains(&(3, minor)) {
            test_env::missing(&format!("CPython 3.{minor} (matrix: {})", labels.join(", ")), part);
        }
    }
}
