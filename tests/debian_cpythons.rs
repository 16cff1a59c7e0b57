//! Real CPythons from Debian suites other than this host's (see
//! `support::debian_root`): bullseye's 3.9, trixie's 3.13, sid's 3.14 and
//! 3.15. Bundles are built in each suite's build root with its
//! `python3.X` and run in a distroless-like root read-only as uid 65532.
//! Each behaviour is compared with what the same interpreter does for the
//! plain script, where that can differ. Every suite: start-up (onefile and
//! onedir, and a one-line refusal where glibc is too old), the stdlib app,
//! multiprocessing with every start method, the import system and package
//! files served by path. sid's newest CPythons also: the default start
//! method with `Pool()`, nested processes, threads, signals, a `-m` entry,
//! and venv apps with requests, click and rich.
mod support;

use support::debian_root::{Suite, SuiteWork, SID, SUITES};
use support::*;

/// The forkserver's socket goes to a temporary directory, which python
/// needs writable: in a read-only root only /dev/shm is.
const WRITABLE_TMP: &[&str] = &["TMPDIR=/dev/shm"];

/// Runs `f` for each CPython of `suites` (skipping, or under
/// `PYBUNDLE_REQUIRE_ALL=1` failing, a suite whose roots cannot be made),
/// so one failing version does not hide another; fails at the end naming
/// each one that failed.
fn for_each_python(test: &str, suites: &[&'static Suite], f: impl Fn(&'static Suite, &str)) {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    let mut failed = Vec::new();
    for &suite in suites {
        if suite.roots(test).is_none() {
            continue;
        }
        for v in suite.versions {
            let ok = catch_unwind(AssertUnwindSafe(|| f(suite, v))).is_ok();
            eprintln!("{test}: {} python{v}: {}", suite.name, if ok { "ok" } else { "FAILED" });
            if !ok {
                failed.push(format!("{} {v}", suite.name));
            }
        }
    }
    assert!(failed.is_empty(), "{test} failed with python {}", failed.join(", "));
}

/// What `python3.X script args` prints in the build root (not as PID 1 of
/// its namespace, which would ignore signals).
fn plain(work: &SuiteWork, python: &str, script: &str, args: &str) -> Out {
    work.in_build_root(&format!("{python} {script} {args}; exit $?"))
}

/// Where glibc is older than a bundle needs, its stub says so in one line,
/// before the dynamic loader can fail on a library.
fn assert_glibc_refusal(out: &Out) {
    assert_clean_failure(out);
    assert_eq!(out.stdout, "", "{out}");
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "expected one line\n{out}");
    assert!(lines[0].contains("this bundle needs glibc ") && lines[0].contains(" or newer, but this system has glibc "), "{out}");
}

/// Hello onefile and onedir print what python prints, and refuse in one
/// line where glibc is too old for the suite's libraries; the stdlib app's
/// checks pass.
#[test]
fn hello_and_stdlib_app_onefile_and_onedir() {
    for_each_python("hello+stdlib", &SUITES, |suite, v| {
        let work = SuiteWork::new(suite, "hello");
        work.add_app("hello.py");
        work.add_app("stdlib_app.py");
        let expected = plain(&work, &format!("python{v}"), "hello.py", "a b");
        for (flag, name) in [("--onefile", "hello-onefile"), ("--onedir", "hello-onedir")] {
            let exe = work.build(v, "hello.py", name, &[flag]);
            let out = work.run(&exe, &["a", "b"]);
            assert_eq!((out.code(), &out.stdout), (expected.code(), &expected.stdout), "{out}");
            if let Some(out) = work.run_on_old_glibc(&exe, &["a", "b"]) {
                assert_glibc_refusal(&out);
            }
        }
        let exe = work.build(v, "stdlib_app.py", "stdlib", &["--onefile"]);
        let out = work.run(&exe, &[]);
        assert_exit(&out, 0);
        assert_eq!(out.stdout.lines().last(), Some("all ok"), "{out}");
    });
}

/// The app's main runs once whatever the start method; no worker re-runs
/// it (the forkserver command of 3.14+ included).
#[test]
fn multiprocessing_every_start_method() {
    for_each_python("multiprocessing", &SUITES, |suite, v| {
        let work = SuiteWork::new(suite, "mp");
        work.add_app("mp_app.py");
        let exe = work.build(v, "mp_app.py", "mp", &["--onefile"]);
        for method in ["fork", "spawn", "forkserver"] {
            let out = work.run_with(&exe, &[method], WRITABLE_TMP);
            assert_exit(&out, 0);
            let mains = out.stdout.lines().filter(|l| l.starts_with("main ")).count();
            assert_eq!(mains, 1, "{method}: main ran {mains} times\n{out}");
            assert_eq!(out.stdout.lines().last(), Some(format!("all ok {method}").as_str()), "{out}");
        }
    });
}

/// `Pool()` with the default start method (forkserver since 3.14) and a
/// child of each method that starts its own child.
#[test]
fn default_start_method_pool_and_nested_processes() {
    for_each_python("mp default+nested", &[&SID], |suite, v| {
        let work = SuiteWork::new(suite, "mpnested");
        work.add_app("mp_nested.py");
        let exe = work.build(v, "mp_nested.py", "mpnested", &["--onefile"]);
        let out = work.run_with(&exe, &[], WRITABLE_TMP);
        assert_exit(&out, 0);
        let lines: Vec<&str> = out.stdout.lines().filter(|l| !l.starts_with("main ")).collect();
        assert_eq!(lines, ["pool() ok", "nested fork ok", "nested spawn ok", "nested forkserver ok", "all ok"], "{out}");
        assert_eq!(out.stdout.lines().filter(|l| l.starts_with("main ")).count(), 1, "{out}");
    });
}

/// Threads, daemon threads at exit, and signals the app sends itself end
/// the process as python's own would.
#[test]
fn threads_and_signals_as_python() {
    for_each_python("threads+signals", &[&SID], |suite, v| {
        let python = format!("python{v}");
        let work = SuiteWork::new(suite, "threads");
        work.add_app("threads_app.py");
        work.add_app("self_signal.py");
        let exe = work.build(v, "threads_app.py", "threads", &["--onefile"]);
        let expected = plain(&work, &python, "threads_app.py", "");
        let out = work.run(&exe, &[]);
        assert_exit(&out, 0);
        assert_eq!(out.stdout, expected.stdout, "{out}");
        let exe = work.build(v, "self_signal.py", "signals", &["--onefile"]);
        for mode in ["term", "int", "handler"] {
            let expected = plain(&work, &python, "self_signal.py", mode);
            let out = work.run(&exe, &[mode]);
            assert_eq!(out.code(), expected.code(), "{mode}: python exits {:?}\n{out}", expected.code());
            assert_eq!(out.stdout, expected.stdout, "{mode}\n{out}");
        }
    });
}

/// `pybundle -m greet`: a package's `__main__` as the entry.
#[test]
fn module_entry() {
    for_each_python("-m entry", &[&SID], |suite, v| {
        let work = SuiteWork::new(suite, "module");
        work.add_app("modapp");
        let expected = work.in_build_root(&format!("cd modapp && python{v} -m greet x; exit $?"));
        assert_exit(&expected, 0);
        let exe = work.build_in(&format!("/usr/bin/python{v}"), "modapp", "-m greet", "greet", &["--onefile"]);
        let out = work.run(&exe, &["x"]);
        assert_exit(&out, 0);
        assert_eq!(out.stdout, expected.stdout, "{out}");
    });
}

/// The import system as code sees it (see tests/importer.rs): the bundle
/// prints what python prints.
#[test]
fn importer_behaves_as_python() {
    for_each_python("importer", &SUITES, |suite, v| {
        let work = SuiteWork::new(suite, "importer");
        work.add_app("importer_app");
        let expected = work.in_build_root(&format!("cd importer_app && python{v} {}/importer_app/main.py", work.inside()));
        assert_exit(&expected, 0);
        let exe = work.build(v, "importer_app/main.py", "importer", &["--onefile"]);
        let out = work.run(&exe, &[]);
        assert_exit(&out, 0);
        assert_eq!(out.stdout, expected.stdout, "{out}");
    });
}

/// Package files served by path (see tests/served_files.rs): the bundle,
/// read-only, prints what python prints, then refuses writes with EROFS
/// and serves `--add-data` files below `sys._MEIPASS`.
#[test]
fn package_files_are_served_by_path() {
    for_each_python("served", &SUITES, |suite, v| {
        let work = SuiteWork::new(suite, "served");
        work.add_app("served_app");
        let expected = work.in_build_root(&format!("cd served_app && python{v} {}/served_app/main.py", work.inside()));
        assert_exit(&expected, 0);
        let exe = work.build(v, "served_app/main.py", "served", &["--onefile", "--add-data", "served_app/extra:extra"]);
        let out = work.run(&exe, &[]);
        assert_exit(&out, 0);
        let frozen_only = out.stdout.strip_prefix(expected.stdout.as_str()).unwrap_or_else(|| panic!("the served tree differs\n{out}"));
        for line in ["write EROFS", "mkdir EROFS", "write to descriptor EBADF", "mtime True", "add-data added with --add-data True"] {
            assert!(frozen_only.lines().any(|l| l == line), "no {line:?}\n{out}");
        }
    });
}

/// Apps in a venv with requests, click and rich (pip-installed in the build
/// root once, kept with it) print what the venv's python prints: requests
/// against a local server, and a click command that prints a rich table.
#[test]
fn venv_apps_with_requests_and_rich() {
    for_each_python("venv requests+rich", &[&SID], |suite, v| {
        let venv = format!("/opt/venv-{v}-requests-rich-click");
        let python = format!("{venv}/bin/python");
        let work = SuiteWork::new(suite, "venv");
        let ready = work.in_build_root(&format!("{python} -c 'import requests, rich, click'"));
        if ready.code() != Some(0) {
            let made = work.in_build_root(&format!(
                "rm -rf {venv} && python{v} -m venv {venv} && {python} -m pip install -q {} requests rich click",
                support::debian_root::PIP_OPTIONS
            ));
            assert_exit(&made, 0);
        }
        work.add_app("real/requests_app.py");
        work.add_app("real/cli_app.py");
        for (script, name, args) in [("requests_app.py", "requests_app", ""), ("cli_app.py", "cli_app", "table 3")] {
            let expected = plain(&work, &python, script, args);
            assert_exit(&expected, 0);
            let exe = work.build_with(&python, script, name, &["--onefile"]);
            // certifi's CA bundle is opened by path, so it goes to the cache
            // directory: the only writable place here is /dev/shm.
            let args: Vec<&str> = args.split_whitespace().collect();
            let out = work.run_with(&exe, &args, WRITABLE_TMP);
            assert_exit(&out, 0);
            assert_eq!(out.stdout, expected.stdout, "{out}");
        }
    });
}
