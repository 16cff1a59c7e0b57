//! A onefile bundle behaves like plain python running the script: argv, exit
//! codes, tracebacks, `__name__`, `sys.frozen`, `sys.executable`, UTF-8,
//! PYTHON* variables ignored, any cwd / PATH / symlink, SIGINT, one process.
mod support;

use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::*;

const NON_ASCII_LINE: &str = "non-ascii: h\u{e9}llo w\u{f6}rld \u{2713} \u{65e5}\u{672c}";

fn bundle(py: &Python) -> &'static Built {
    shared_build(App::Behaviour, Mode::Onefile, py)
}

/// The JSON report (first stdout line) of a successful run.
fn report(out: &Out) -> Value {
    assert_no_panic(out);
    let first = out.stdout.lines().next().unwrap_or_else(|| panic!("no output\n{out}"));
    let v: Value = serde_json::from_str(first).unwrap_or_else(|e| panic!("report is not JSON ({e})\n{out}"));
    let second = out.stdout.lines().nth(1).unwrap_or("");
    assert_eq!(second, NON_ASCII_LINE, "non-ASCII text garbled\n{out}");
    v
}

fn canonical(p: &Path) -> PathBuf {
    fs::canonicalize(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn assert_executable_is(v: &Value, exe: &Path, out: &Out) {
    let got = v["executable"].as_str().unwrap_or_else(|| panic!("sys.executable is not a string\n{out}"));
    assert!(
        Path::new(got) == exe || Path::new(got) == canonical(exe),
        "sys.executable is {got:?}, not the bundle {}\n{out}",
        exe.display()
    );
}

fn argv_tail(v: &Value) -> Vec<String> {
    v["argv"].as_array().expect("argv is a list")[1..].iter().map(|a| a.as_str().unwrap().to_string()).collect()
}

#[test]
fn argv_name_frozen_executable() {
    for_each_python(|py| {
        let b = bundle(py);
        let args = ["exit", "0", "h\u{e9}llo", "\u{65e5}\u{672c}\u{8a9e}", "with space", "", "--flag=1", "-c"];
        let out = run_bundle(&b.exe, &args);
        assert_exit(&out, 0);
        assert_eq!(out.stderr, "", "{out}");
        let v = report(&out);
        assert_eq!(argv_tail(&v), args, "sys.argv[1:] differs\n{out}");
        let argv0 = v["argv"][0].as_str().unwrap();
        assert!(!argv0.is_empty(), "sys.argv[0] is empty\n{out}");
        assert_eq!(v["name"], "__main__", "{out}");
        assert_eq!(v["frozen"], Value::Bool(true), "sys.frozen must be True\n{out}");
        assert_executable_is(&v, &b.exe, &out);
        assert_eq!(v["version"][0], 3);
        assert_eq!(v["version"][1], 11);
        assert_eq!(v["ld_library_path"], Value::Null, "LD_LIBRARY_PATH was set for the app\n{out}");
    });
}

#[test]
fn exit_codes_from_sys_exit() {
    for_each_python(|py| {
        let b = bundle(py);
        for n in [0, 1, 2, 7, 42, 255] {
            let out = run_bundle(&b.exe, &["exit", &n.to_string()]);
            assert_eq!(out.code(), Some(n), "sys.exit({n})\n{out}");
            report(&out);
        }
    });
}

#[test]
fn uncaught_exception_exits_1_with_traceback() {
    for_each_python(|py| {
        let b = bundle(py);
        let out = run_bundle(&b.exe, &["raise"]);
        assert_exit(&out, 1);
        assert_no_panic(&out);
        assert_eq!(out.stdout, "about to raise\n", "{out}");
        assert!(out.stderr.contains("Traceback (most recent call last):"), "no traceback\n{out}");
        assert!(out.stderr.contains("ValueError: boom from the behaviour app"), "no exception line\n{out}");
        // Like python: the traceback names the script.
        assert!(out.stderr.contains("behaviour"), "traceback does not name the script\n{out}");
    });
}

#[test]
fn utf8_even_in_the_c_locale() {
    for_each_python(|py| {
        let b = bundle(py);
        for locale in [&[("LC_ALL", "C")][..], &[("LANG", "C")][..], &[("LC_ALL", "POSIX")][..], &[][..]] {
            let args = ["x", "\u{e9}t\u{e9}", "\u{65e5}\u{672c}\u{8a9e}"];
            let mut cmd = bundle_command(&b.exe);
            cmd.args(args).envs(locale.iter().copied());
            let out = run(&mut cmd);
            assert_exit(&out, 0);
            let v = report(&out);
            let enc = |k: &str| v[k].as_str().unwrap_or("").to_lowercase().replace('_', "-");
            assert_eq!(enc("stdout_encoding"), "utf-8", "{locale:?}\n{out}");
            assert_eq!(enc("stderr_encoding"), "utf-8", "{locale:?}\n{out}");
            assert_eq!(enc("fs_encoding"), "utf-8", "{locale:?}\n{out}");
            assert_eq!(argv_tail(&v), args, "{locale:?}: non-ASCII arguments garbled\n{out}");
        }
    });
}

/// PYTHON* variables change nothing: the report is the same with and without
/// them (pid aside).
#[test]
fn python_environment_variables_are_ignored() {
    for_each_python(|py| {
        let b = bundle(py);
        let plain = run_bundle(&b.exe, &["x"]);
        assert_exit(&plain, 0);
        let mut want = report(&plain);
        want["pid"] = Value::Null;

        let out = run(bundle_command(&b.exe).arg("x").envs([
            ("PYTHONPATH", "/nonexistent"),
            ("PYTHONHOME", "/nonexistent"),
            ("PYTHONOPTIMIZE", "2"),
            ("PYTHONINSPECT", "1"),
            ("PYTHONUTF8", "0"),
            ("PYTHONIOENCODING", "latin-1"),
            ("PYTHONSAFEPATH", "0"),
            ("PYTHONSTARTUP", "/nonexistent/startup.py"),
            ("PYTHONWARNINGS", "error"),
        ]));
        assert_exit(&out, 0);
        assert_eq!(out.stderr, "", "{out}");
        let mut got = report(&out);
        got["pid"] = Value::Null;
        assert_eq!(got["optimize"], 0, "PYTHONOPTIMIZE was honoured\n{out}");
        assert_eq!(got["inspect"], 0, "PYTHONINSPECT was honoured\n{out}");
        assert_eq!(got["debug"], true, "PYTHONOPTIMIZE was honoured\n{out}");
        assert!(
            !got["path"].as_array().unwrap().iter().any(|p| p.as_str().unwrap_or("").contains("nonexistent")),
            "PYTHONPATH/PYTHONHOME reached sys.path\n{out}"
        );
        assert_eq!(got, want, "PYTHON* variables changed the report\n{out}");
    });
}

#[test]
fn runs_from_another_cwd_and_by_relative_path() {
    for_each_python(|py| {
        let b = bundle(py);
        let elsewhere = tempdir();
        let out = run(bundle_command(&b.exe).arg("x").current_dir(elsewhere.path()));
        assert_exit(&out, 0);
        let v = report(&out);
        assert_eq!(Path::new(v["cwd"].as_str().unwrap()), canonical(elsewhere.path()), "{out}");
        assert_executable_is(&v, &b.exe, &out);

        // A relative path to the bundle, from its dist dir's parent.
        let parent = b.dist.parent().unwrap();
        let rel = Path::new(b.dist.file_name().unwrap()).join(&b.name);
        let mut cmd = Command::new(&rel);
        minimal_env(&mut cmd).arg("x").current_dir(parent);
        let out = run(&mut cmd);
        assert_exit(&out, 0);
        let v = report(&out);
        assert_executable_is(&v, &b.exe, &out);
        assert!(Path::new(v["executable"].as_str().unwrap()).is_absolute(), "{out}");
    });
}

#[test]
fn runs_through_path() {
    for_each_python(|py| {
        let b = bundle(py);
        let bin = tempdir();
        let cwd = tempdir();
        fs::copy(&b.exe, bin.path().join("behaviour-on-path")).unwrap();
        let path = format!("{}:/usr/bin:/bin", bin.path().display());
        let mut cmd = Command::new("behaviour-on-path");
        cmd.env_clear().env("PATH", &path).env("HOME", scratch_home()).arg("x").current_dir(cwd.path());
        let out = run(&mut cmd);
        assert_exit(&out, 0);
        let v = report(&out);
        assert_executable_is(&v, &bin.path().join("behaviour-on-path"), &out);
        assert!(v["argv"][0].as_str().unwrap().ends_with("behaviour-on-path"), "{out}");
    });
}

#[test]
fn runs_through_a_symlink() {
    for_each_python(|py| {
        let b = bundle(py);
        let links = tempdir();
        let link = links.path().join("linked-app");
        std::os::unix::fs::symlink(&b.exe, &link).unwrap();
        let link2 = links.path().join("link-to-link");
        std::os::unix::fs::symlink("linked-app", &link2).unwrap();
        for l in [&link, &link2] {
            let out = run(bundle_command(l).args(["exit", "5"]).current_dir(links.path()));
            assert_exit(&out, 5);
            let v = report(&out);
            let exe = Path::new(v["executable"].as_str().unwrap()).to_path_buf();
            assert!(exe.is_absolute(), "sys.executable is not absolute\n{out}");
            assert_eq!(canonical(&exe), canonical(&b.exe), "sys.executable does not lead to the bundle\n{out}");
            assert_eq!(v["frozen"], true, "{out}");
        }
    });
}

/// Starts `cmd` in "sleep" mode, sends SIGINT once it is ready, and
/// returns how it ended and its stderr.
fn interrupt(cmd: &mut Command, what: &str) -> (std::process::ExitStatus, String) {
    let running = proc::start_until_ready(cmd);
    assert_eq!(running.pid, running.child.id(), "{what}: os.getpid() is not the started process");
    running.signal(libc::SIGINT);
    let out = running.finish();
    (out.status, out.stderr)
}

#[test]
fn sigint_raises_keyboard_interrupt_like_python() {
    for_each_python(|py| {
        let b = bundle(py);
        let mut plain = Command::new(&py.path);
        minimal_env(&mut plain).arg("-I").arg(App::Behaviour.script()).arg("sleep");
        let (py_status, py_err) = interrupt(&mut plain, "plain python");
        assert!(py_err.contains("KeyboardInterrupt"), "plain python: no KeyboardInterrupt:\n{py_err}");

        let (status, err) = interrupt(bundle_command(&b.exe).arg("sleep"), "bundle");
        assert!(err.contains("Traceback (most recent call last):"), "bundle: no traceback:\n{err}");
        assert!(err.contains("KeyboardInterrupt"), "bundle: no KeyboardInterrupt:\n{err}");
        assert_no_panic(&Out { cmd: "bundle".into(), status, stdout: String::new(), stderr: err.clone() });
        assert_eq!(
            (status.signal(), status.code()),
            (py_status.signal(), py_status.code()),
            "bundle ended with {status:?}, plain python with {py_status:?}\n{err}"
        );
        assert_eq!(status.signal(), Some(libc::SIGINT), "expected death by SIGINT like python 3.11: {status:?}\n{err}");
    });
}

/// Pids of the processes whose parent is `pid`.
fn children_of(pid: u32) -> Vec<u32> {
    let mut kids = Vec::new();
    for e in fs::read_dir("/proc").unwrap().flatten() {
        let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(stat) = fs::read_to_string(format!("/proc/{p}/stat")) else { continue };
        // pid (comm) state ppid ...; comm may contain spaces and parens.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { continue };
        let ppid = rest.split_whitespace().nth(1).and_then(|s| s.parse::<u32>().ok());
        if ppid == Some(pid) {
            kids.push(p);
        }
    }
    kids
}

#[test]
fn one_process() {
    for_each_python(|py| {
        let b = bundle(py);
        let mut running = proc::start_until_ready(bundle_command(&b.exe).arg("sleep"));
        let pid = running.pid;
        let check = || -> Result<(), String> {
            if pid != running.child.id() {
                return Err(format!("the app runs as pid {pid}, not the started process {}", running.child.id()));
            }
            let exe = fs::read_link(format!("/proc/{pid}/exe")).map_err(|e| e.to_string())?;
            if exe != canonical(&b.exe) {
                return Err(format!("/proc/{pid}/exe is {}, not the bundle", exe.display()));
            }
            let kids = children_of(pid);
            if !kids.is_empty() {
                return Err(format!("the bundle has child processes: {kids:?}"));
            }
            Ok(())
        };
        let result = check();
        let _ = running.child.kill();
        let _ = running.child.wait();
        if let Err(e) = result {
            panic!("{e}");
        }
    });
}

#[test]
fn onedir_is_frozen_with_its_stub_as_executable() {
    for_each_python(|py| {
        let b = shared_build(App::Behaviour, Mode::Onedir, py);
        let out = run_bundle(&b.exe, &["exit", "9", "\u{e9}"]);
        assert_exit(&out, 9);
        let v = report(&out);
        assert_eq!(v["frozen"], true, "{out}");
        assert_eq!(v["name"], "__main__", "{out}");
        assert_executable_is(&v, &b.exe, &out);
        assert_eq!(argv_tail(&v), ["exit", "9", "\u{e9}"], "{out}");
    });
}
