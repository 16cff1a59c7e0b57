//! What real apps rely on at run time, each through a small app bundled
//! onefile: multiprocessing (fork, spawn, forkserver) without
//! freeze_support(), subprocess environments, signals, threads, `__file__`
//! and the sys paths, awkward paths and arguments, interpreter flags fixed at
//! build time, stdin from a pipe and a terminal, and the glibc floor.
mod support;

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use support::matrix::*;
use support::proc::*;
use support::root::{self, require_root, root_command, run_in_root, RootKind, RootWork, ROOT_ENV};
use support::*;

fn build(app: &str, extra: &[&str]) -> &'static Built {
    shared_build_of(&app_path(app), None, Mode::Onefile, first_python(), extra)
}

fn json_line(out: &Out, n: usize) -> Value {
    let line = out.stdout.lines().nth(n).unwrap_or_else(|| panic!("no output line {n}\n{out}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("line {n} is not JSON ({e})\n{out}"))
}

fn canonical(p: &Path) -> PathBuf {
    fs::canonicalize(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

// ---------------------------------------------------------------------------
// multiprocessing

const MP_METHODS: &[&str] = &["fork", "spawn", "forkserver"];

fn check_mp(out: &Out, method: &str, what: &str) {
    assert_no_panic(out);
    assert_exit(out, 0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let mains = lines.iter().filter(|l| l.starts_with("main ")).count();
    assert_eq!(mains, 1, "{what}: the app's main ran {mains} times: a worker re-ran the app\n{out}");
    let rest: Vec<&str> = lines.iter().copied().filter(|l| !l.starts_with("main ")).collect();
    let all_ok = format!("all ok {method}");
    assert_eq!(
        rest,
        ["process+queue ok", "pool.map ok", "executor ok", "semaphore ok", all_ok.as_str()],
        "{what}\n{out}"
    );
    assert!(!out.stderr.contains("Traceback"), "{what}: a process failed\n{out}");
}

/// Every start method, on every CPython: the helpers that multiprocessing
/// starts through sys.executable (`--multiprocessing-fork`, `-c` for the
/// resource tracker and the forkserver) work, the app's main runs once, and
/// no process of the bundle is left when it is done.
#[test]
fn multiprocessing_every_start_method_every_version() {
    for_each_cpython("multiprocessing fork/spawn/forkserver", |py| {
        let b = shared_build_of(&app_path("mp_app.py"), None, Mode::Onefile, py, &[]);
        for method in MP_METHODS {
            let out = run_bundle(&b.exe, &[*method]);
            check_mp(&out, method, method);
            let left = wait_until_gone(&b.exe);
            assert!(left.is_empty(), "{method}: processes of the bundle still run after it ended: {left:?}\n{out}");
        }
        String::new()
    });
}

/// `--python-option "-X dev"`: multiprocessing starts its helpers and
/// workers through sys.executable with `-X dev` (spawn, forkserver); the
/// bundle still knows them for helpers, so the app's main runs once, the
/// resource tracker lives, and the workers run in dev mode as under
/// `python -X dev`.
#[test]
fn multiprocessing_children_get_the_x_options() {
    let b = build("mp_xoptions_app.py", &["--python-option", "-X dev"]);
    for method in ["spawn", "forkserver"] {
        let out = run_bundle(&b.exe, &[method]);
        let mut plain = Command::new(&first_python().path);
        minimal_env(&mut plain).args(["-X", "dev"]).arg(app_path("mp_xoptions_app.py")).arg(method);
        let plain = run(&mut plain);
        assert_exit(&plain, 0);
        assert_exit(&out, 0);
        let without_pids = |out: &Out| -> Vec<String> { out.stdout.lines().filter(|l| !l.starts_with("main ")).map(String::from).collect() };
        assert_eq!(out.stdout.lines().filter(|l| l.starts_with("main ")).count(), 1, "{method}: a worker re-ran the app\n{out}");
        assert_eq!(without_pids(&out), ["worker dev_mode True", "parent dev_mode True"], "{method}\n{out}");
        assert_eq!(without_pids(&out), without_pids(&plain), "{method}: not as with python -X dev\n{out}\n{plain}");
        assert!(!out.stderr.contains("Traceback"), "{method}: a process failed\n{out}");
    }
}

#[test]
fn multiprocessing_in_root() {
    require_root();
    let b = build("mp_app.py", &[]);
    let work = RootWork::new("mp");
    let exe = work.install(b);
    for kind in [RootKind::Writable, RootKind::ReadOnly] {
        for method in MP_METHODS {
            if kind == RootKind::ReadOnly && *method == "forkserver" {
                // Its socket goes in a temporary directory, which a root
                // without any writable directory does not have (plain
                // python fails there the same way).
                continue;
            }
            let out = run_in_root(kind, &exe, &[method], ROOT_ENV);
            check_mp(&out, method, &format!("{method} in {kind:?} root"));
        }
    }
    let left = wait_until_gone(&work.host_path(&exe));
    assert!(left.is_empty(), "processes of the bundle still run in the root: {left:?}");
}

// ---------------------------------------------------------------------------
// subprocess

fn env_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

/// A child python, /usr/bin/env and the bundle itself started by the app
/// see exactly the environment the bundle was started with: no
/// LD_LIBRARY_PATH, no variable of pybundle's own; and when the user set
/// them, they are passed on unchanged.
#[test]
fn subprocess_children_see_the_original_environment() {
    let b = build("env_app.py", &[]);
    let child_py = first_python().path.to_str().unwrap().to_string();
    let cache = tempdir();
    let cases: Vec<Vec<(String, String)>> = vec![
        vec![
            ("PATH".into(), "/usr/bin:/bin".into()),
            ("HOME".into(), scratch_home().display().to_string()),
            ("SOME_VAR".into(), "caf\u{e9} au lait".into()),
        ],
        vec![
            ("PATH".into(), "/usr/bin:/bin".into()),
            ("HOME".into(), scratch_home().display().to_string()),
            ("LANG".into(), "C.UTF-8".into()),
            ("LD_LIBRARY_PATH".into(), "/nonexistent/lib".into()),
            ("PYBUNDLE_NO_MEMFD".into(), "1".into()),
            ("PYBUNDLE_CACHE_DIR".into(), cache.path().display().to_string()),
        ],
    ];
    for env in cases {
        let given: BTreeMap<String, String> = env.iter().cloned().collect();
        let mut cmd = Command::new(&b.exe);
        cmd.env_clear().envs(env.iter().map(|(k, v)| (k, v))).arg(&child_py);
        let out = run(&mut cmd);
        assert_no_panic(&out);
        assert_exit(&out, 0);
        assert!(out.stdout.ends_with("all ok\n"), "{out}");

        // The reference: the same python started directly with this env.
        let mut direct = Command::new(&child_py);
        direct.env_clear().envs(env.iter().map(|(k, v)| (k, v))).args([
            "-I",
            "-c",
            "import json, os; print(json.dumps(dict(os.environ)))",
        ]);
        let direct = run(&mut direct);
        assert_exit(&direct, 0);
        let python_direct = env_map(&serde_json::from_str::<Value>(direct.stdout.trim()).unwrap());

        let parent = env_map(&json_line(&out, 0)["parent"]);
        let tool = env_map(&json_line(&out, 1)["env"]);
        let python = env_map(&json_line(&out, 2)["python"]);
        let itself = env_map(&json_line(&out, 3)["self"]);
        // What python itself makes of that environment: it coerces the C
        // locale (PEP 538) by setting LC_CTYPE, which its children inherit.
        let expected = &python_direct;
        assert_eq!(&parent, expected, "the app's os.environ is not what python's is\n{out}");
        assert_eq!(&tool, expected, "/usr/bin/env run by the app saw another environment\n{out}");
        assert_eq!(&itself, expected, "the bundle started again by the app saw another environment\n{out}");
        assert_eq!(python, python_direct, "a child python saw another environment than when started directly\n{out}");
        for (name, seen) in [("parent", &parent), ("env", &tool), ("python", &python), ("self", &itself)] {
            for k in seen.keys() {
                let ours = k.starts_with("LD_") || k.to_ascii_uppercase().contains("PYBUNDLE") || k.starts_with("_MEI");
                assert!(!ours || given.contains_key(k), "{name}: {k} was added to the environment\n{out}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Signals

fn signals_app() -> &'static Built {
    build("signals_app.py", &[])
}

fn plain_signals_app(py: &Python) -> Command {
    let mut cmd = Command::new(&py.path);
    minimal_env(&mut cmd).arg("-I").arg(app_path("signals_app.py"));
    cmd
}

fn sigterm(cmd: &mut Command) -> Out {
    let r = start_until_ready(cmd.arg("sleep"));
    r.signal(libc::SIGTERM);
    r.finish()
}

/// SIGTERM kills the app as it kills plain python: by the signal, no
/// traceback, nothing printed after "ready".
#[test]
fn sigterm_ends_the_app_like_python() {
    let py = first_python();
    let plain = sigterm(&mut plain_signals_app(py));
    let out = sigterm(&mut bundle_command(&signals_app().exe));
    assert_eq!(plain.signal(), Some(libc::SIGTERM), "plain python was not killed by SIGTERM\n{plain}");
    assert_eq!(out.signal(), Some(libc::SIGTERM), "the bundle was not killed by SIGTERM like python\n{out}");
    assert_eq!(out.status.into_raw(), plain.status.into_raw(), "\n{out}\n{plain}");
    assert_eq!(out.stdout.lines().count(), 1, "{out}");
    assert_eq!(out.stderr, plain.stderr, "{out}\n{plain}");
}

/// From a shell, a SIGTERMed app is status 143, as plain python.
#[test]
fn sigterm_is_status_143_from_a_shell() {
    let py = first_python();
    let script = r#""$0" "$@"; echo "status=$?""#;
    for (what, prog, args) in [
        ("bundle", signals_app().exe.clone(), vec![OsString::from("sleep")]),
        ("python", py.path.clone(), vec!["-I".into(), app_path("signals_app.py").into(), "sleep".into()]),
    ] {
        let mut cmd = Command::new("/bin/sh");
        minimal_env(&mut cmd).arg("-c").arg(script).arg(&prog).args(&args);
        let r = start_until_ready(&mut cmd);
        r.signal(libc::SIGTERM);
        let out = r.finish();
        assert_exit(&out, 0);
        assert!(out.stdout.ends_with("status=143\n"), "{what}: the shell did not see status 143\n{out}");
    }
}

/// The app's own SIGUSR1 and SIGTERM handlers run; the SIGTERM one exits 7.
#[test]
fn app_signal_handlers_run() {
    let mut r = start_until_ready(bundle_command(&signals_app().exe).arg("handlers"));
    for _ in 0..2 {
        r.signal(libc::SIGUSR1);
        assert_eq!(r.next_line("the SIGUSR1 handler's line"), "got SIGUSR1 True");
    }
    r.signal(libc::SIGTERM);
    assert_eq!(r.next_line("the SIGTERM handler's line"), "got SIGTERM True");
    let out = r.finish();
    assert_no_panic(&out);
    assert_exit(&out, 7);
    assert_eq!(out.stderr, "", "{out}");
}

/// SIGKILL (no chance to clean up) leaves nothing on disk: HOME, the cache
/// dirs and TMPDIR stay empty, on the host and in the root.
#[test]
fn sigkill_leaves_nothing_on_disk() {
    let b = signals_app();
    let tmp = tempdir();
    let (home, tmpdir, xdg) = (tmp.path().join("home"), tmp.path().join("tmp"), tmp.path().join("xdg-cache"));
    for d in [&home, &tmpdir, &xdg] {
        fs::create_dir(d).unwrap();
    }
    let mut cmd = Command::new(&b.exe);
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &home)
        .env("TMPDIR", &tmpdir)
        .env("XDG_CACHE_HOME", &xdg)
        .arg("sleep");
    let r = start_until_ready(&mut cmd);
    r.signal(libc::SIGKILL);
    let out = r.finish();
    assert_eq!(out.signal(), Some(libc::SIGKILL), "{out}");
    for d in [&home, &tmpdir, &xdg] {
        let left = files_under(d);
        assert!(left.is_empty(), "SIGKILL left files in {}: {left:?}", d.display());
        assert_eq!(fs::read_dir(d).unwrap().count(), 0, "SIGKILL left directories in {}", d.display());
    }
}

#[test]
fn sigkill_leaves_nothing_in_the_root() {
    require_root();
    let b = signals_app();
    let work = RootWork::new("sigkill");
    let exe = work.install(b);
    // What the root holds outside /work, /proc and /dev, before and after.
    let snapshot = || -> Vec<PathBuf> {
        let r = root::root();
        let mut all = Vec::new();
        for top in fs::read_dir(r).unwrap().flatten() {
            let name = top.file_name();
            if ["work", "proc", "dev"].iter().any(|n| OsStr::new(n) == name) {
                continue;
            }
            let p = top.path();
            if p.is_dir() {
                walk(&p, &mut |f, _| all.push(f.to_path_buf()));
                all.push(p);
            } else {
                all.push(p);
            }
        }
        // Other tests' multiprocessing temp dirs may come and go in /tmp.
        all.retain(|p| !p.to_string_lossy().contains("/tmp/pymp-"));
        all.sort();
        all
    };
    let before = snapshot();
    let mut cmd = root_command(RootKind::Writable, &exe, &["sleep"], ROOT_ENV);
    let r = start_until_ready(&mut cmd);
    r.signal(libc::SIGKILL);
    let out = r.finish();
    assert!(out.stdout.starts_with("ready "), "{out}");
    let after = snapshot();
    let new: Vec<_> = after.iter().filter(|p| !before.contains(p)).collect();
    assert!(new.is_empty(), "SIGKILL of the app left files in the root: {new:?}\n{out}");
    let mut in_work = files_under(&work.host);
    in_work.retain(|p| p != Path::new(&b.name));
    assert!(in_work.is_empty(), "files appeared beside the bundle: {in_work:?}");
}

// ---------------------------------------------------------------------------
// Threads

const THREADS_OUT: &str = "50 threads joined\n\
    excepthook got ValueError thread failure in failing\n\
    daemon threads running: 8\n\
    main done\n";

fn check_threads(out: &Out) {
    assert_no_panic(out);
    assert!(!out.stderr.contains("libgcc_s"), "glibc could not find libgcc_s.so.1\n{out}");
    assert_eq!(out.stdout, THREADS_OUT, "{out}");
    assert_eq!(out.stderr, "", "{out}");
    assert_exit(out, 0);
}

/// 50 threads join, threading.excepthook sees a failing thread, daemon
/// threads still running at exit do not stop a clean exit 0: on every
/// version, in the root.
#[test]
fn threads_every_version_in_root() {
    require_root();
    for_each_cpython("threads in root", |py| {
        let b = shared_build_of(&app_path("threads_app.py"), None, Mode::Onefile, py, &[]);
        check_threads(&run_bundle(&b.exe, &[]));
        let work = RootWork::new("threads");
        let exe = work.install(b);
        check_threads(&run_in_root(RootKind::Writable, &exe, &[], ROOT_ENV));
        check_threads(&run_in_root(RootKind::ReadOnly, &exe, &[], ROOT_ENV));
        String::new()
    });
}

// ---------------------------------------------------------------------------
// __file__, sys paths, awkward directories and arguments

fn paths_build(py: &Python) -> &'static Built {
    shared_build_of(&app_path("paths_app/main.py"), Some("paths_app"), Mode::Onefile, py, &[])
}

/// Arguments: non-ASCII text, and bytes that are not UTF-8.
fn awkward_args() -> Vec<OsString> {
    vec![
        OsString::from("h\u{e9}llo w\u{f6}rld"),
        OsString::from("\u{65e5}\u{672c}\u{8a9e} \u{3b4}"),
        OsString::from_vec(b"\xff".to_vec()),
        OsString::from_vec(b"caf\xe9-latin1 \x80\xfe".to_vec()),
        OsString::from(""),
    ]
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `__file__` of the main script is the bundle, of modules
/// `<bundle>/pkg/mod.pyc`; `os.path.dirname(__file__)` is the bundle's
/// directory whatever the cwd; `sys.path == [<bundle>]`; the prefixes are the
/// bundle's directory; `sys.executable == sys._base_executable ==` the
/// bundle: with the bundle in a directory named with spaces and non-ASCII
/// letters, on every version. Arguments come through as python gives them
/// (surrogateescape for non-UTF-8 bytes).
#[test]
fn file_and_sys_paths_every_version() {
    for_each_cpython("__file__ and sys paths", |py| {
        let b = paths_build(py);
        let tmp = tempdir();
        let dir = tmp.path().join("dir with spaces").join("\u{3b4}\u{3bf}\u{3ba}\u{3b9}\u{3bc}\u{3ae}");
        fs::create_dir_all(&dir).unwrap();
        let exe = dir.join("paths_app");
        fs::copy(&b.exe, &exe).unwrap();
        let exe = canonical(&exe);
        let dir = canonical(&dir);
        let elsewhere = tempdir();
        let args = awkward_args();

        // By absolute path from another cwd, and as ./paths_app from its own
        // directory.
        let mut by_abs = bundle_command(&exe);
        by_abs.args(&args).current_dir(elsewhere.path());
        let mut by_rel = Command::new("./paths_app");
        minimal_env(&mut by_rel).args(&args).current_dir(&dir);
        for (how, cmd) in [("absolute path", &mut by_abs), ("./paths_app", &mut by_rel)] {
            let out = run(cmd);
            assert_no_panic(&out);
            assert_exit(&out, 0);
            assert_eq!(out.stderr, "", "{out}");
            let v = json_line(&out, 0);
            let s = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("{how}: {k} is not a string\n{out}")).to_string();
            let ex = exe.to_str().unwrap();
            let d = dir.to_str().unwrap();
            assert_eq!(s("file"), ex, "{how}: __main__.__file__\n{out}");
            assert_eq!(s("dir"), d, "{how}: os.path.dirname(__file__)\n{out}");
            assert_eq!(s("dir_after_chdir"), d, "{how}: os.path.dirname(__file__) after os.chdir\n{out}");
            assert_eq!(s("pkg_file"), format!("{ex}/pathpkg/__init__.pyc"), "{how}\n{out}");
            assert_eq!(s("mod_file"), format!("{ex}/pathpkg/mod.pyc"), "{how}\n{out}");
            assert_eq!(s("mod_dir"), format!("{ex}/pathpkg"), "{how}\n{out}");
            assert_eq!(v["path"], serde_json::json!([ex]), "{how}: sys.path\n{out}");
            for k in ["prefix", "base_prefix", "exec_prefix", "base_exec_prefix"] {
                assert_eq!(s(k), d, "{how}: sys.{k}\n{out}");
            }
            assert_eq!(s("executable"), ex, "{how}: sys.executable\n{out}");
            assert_eq!(s("base_executable"), ex, "{how}: sys._base_executable\n{out}");
            let want_hex: Vec<String> = args.iter().map(|a| hex(a.as_bytes())).collect();
            assert_eq!(v["argv_hex"], serde_json::json!(want_hex), "{how}: arguments changed on the way\n{out}");
        }

        // The arguments as plain python of the same version sees them.
        let mut plain = Command::new(&py.path);
        minimal_env(&mut plain).args(["-B", "-s", "-E", "-X", "utf8"]).arg(app_path("paths_app/main.py")).args(&args);
        let plain = run(&mut plain);
        assert_exit(&plain, 0);
        let out = run(bundle_command(&exe).args(&args));
        let (got, want) = (json_line(&out, 0), json_line(&plain, 0));
        assert_eq!(got["argv_ascii"], want["argv_ascii"], "sys.argv differs from python's\n{out}\n{plain}");
        assert_eq!(got["argv_hex"], want["argv_hex"], "{out}\n{plain}");
        String::new()
    });
}

// ---------------------------------------------------------------------------
// --python-option and --hash-seed, one at a time (the matrix in
// tests/versions.rs combines them on every version)

fn flags(extra: &[&str]) -> Value {
    let b = build("flags_app.py", extra);
    let out = run_bundle(&b.exe, &[]);
    assert_no_panic(&out);
    assert_exit(&out, 0);
    json_line(&out, 0)
}

#[test]
fn python_option_default_flags() {
    let v = flags(&[]);
    assert_eq!(v["optimize"], 0);
    assert_eq!(v["asserts"], true);
    assert_eq!(v["doc"], "A docstring that -OO removes.");
    assert_eq!(v["dev_mode"], false);
    assert_eq!(v["utf8_mode"], 1);
    assert_eq!(v["unbuffered_stdout"], "BufferedWriter");
    assert_eq!(v["warning_raised"], false);
    assert_eq!(v["hash_randomization"], 1);
}

#[test]
fn python_option_o_removes_asserts() {
    let v = flags(&["--python-option", "-O"]);
    assert_eq!(v["optimize"], 1, "{v}");
    assert_eq!(v["debug"], false, "{v}");
    assert_eq!(v["asserts"], false, "assert statements still run under -O: {v}");
    assert_eq!(v["doc"], "A docstring that -OO removes.", "{v}");
    assert_eq!(v["stdlib_doc"], true, "{v}");
}

#[test]
fn python_option_oo_removes_docstrings() {
    let v = flags(&["--python-option", "-OO"]);
    assert_eq!(v["optimize"], 2, "{v}");
    assert_eq!(v["asserts"], false, "{v}");
    assert_eq!(v["doc"], Value::Null, "the app's docstring is still there under -OO: {v}");
    assert_eq!(v["stdlib_doc"], false, "the stdlib's docstrings are still there under -OO: {v}");
}

#[test]
fn python_option_x_dev() {
    // `-X dev=1` is dev mode too, as python takes it; both are in
    // sys._xoptions as python has them.
    let v = flags(&["--python-option", "-X dev=1"]);
    assert_eq!(v["dev_mode"], true, "{v}");
    assert_eq!(v["xoptions"], serde_json::json!({"dev": "1"}), "{v}");
    let v = flags(&["--python-option", "-X dev"]);
    assert_eq!(v["dev_mode"], true, "{v}");
    assert_eq!(v["xoptions"], serde_json::json!({"dev": true}), "{v}");
    assert_eq!(v["warnoptions"], serde_json::json!(["default"]), "{v}");
    // As `python -X dev`: the dev mode turns on faulthandler.
    assert_eq!(v["faulthandler"], true, "-X dev did not enable faulthandler as python -X dev does: {v}");
}

#[test]
fn python_option_w_error() {
    let v = flags(&["--python-option", "-W error"]);
    assert_eq!(v["warning_raised"], true, "-W error: warnings.warn did not raise: {v}");
    assert_eq!(v["warnoptions"], serde_json::json!(["error"]), "{v}");
}

#[test]
fn python_option_x_utf8_0() {
    let b = build("flags_app.py", &["--python-option", "-X utf8=0"]);
    for (locale, enc) in [("C", "ascii"), ("C.UTF-8", "utf-8")] {
        let out = run(bundle_command(&b.exe).env("LC_ALL", locale));
        assert_exit(&out, 0);
        let v = json_line(&out, 0);
        assert_eq!(v["utf8_mode"], 0, "{out}");
        assert_eq!(v["stdout_encoding"].as_str().unwrap().to_lowercase().replace('_', "-"), enc, "LC_ALL={locale}\n{out}");
    }
}

/// -u: a partial line written without flush reaches a reader while the app
/// still runs (it waits for our input before it ends).
#[test]
fn python_option_u_unbuffered() {
    let v = flags(&["--python-option", "-u"]);
    assert_eq!(v["unbuffered_stdout"], "FileIO", "{v}");
    assert_eq!(v["write_through"], true, "{v}");

    let b = build("flags_app.py", &["--python-option", "-u"]);
    let mut child = bundle_command(&b.exe)
        .arg("unbuffered")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut buf = [0u8; 256];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains("not flushed") {
        match rx.recv_timeout(HANG_GUARD) {
            Ok(chunk) => seen.extend(chunk),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("-u: the unflushed partial line never reached the pipe; saw {:?}", String::from_utf8_lossy(&seen));
            }
        }
    }
    assert!(child.try_wait().unwrap().is_none(), "the app ended before it was given its input");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"go\n").unwrap();
    }
    let status = wait_guarded(&mut child, "flags_app unbuffered");
    while let Ok(chunk) = rx.recv_timeout(HANG_GUARD) {
        seen.extend(chunk);
    }
    assert_eq!(status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&seen), "partial line, not flushed / read 'go'\n");
}

/// --hash-seed 0: no randomization, the same hash in every run and as
/// PYTHONHASHSEED=0 python; another seed gives python's hashes for that
/// seed; without it, hashes differ between runs.
#[test]
fn hash_seed() {
    let py = first_python();
    let plain = |seed: &str| -> Value {
        let mut cmd = Command::new(&py.path);
        minimal_env(&mut cmd).env("PYTHONHASHSEED", seed).arg("-s").arg(app_path("flags_app.py"));
        let out = run(&mut cmd);
        assert_exit(&out, 0);
        json_line(&out, 0)
    };
    for seed in ["0", "12345"] {
        let b = build("flags_app.py", &["--hash-seed", seed]);
        let runs: Vec<Value> = (0..2)
            .map(|_| {
                let out = run_bundle(&b.exe, &[]);
                assert_exit(&out, 0);
                json_line(&out, 0)
            })
            .collect();
        let want = plain(seed);
        assert_eq!(runs[0]["hash"], runs[1]["hash"], "--hash-seed {seed}: hash('pybundle') differs between runs");
        assert_eq!(runs[0]["hash"], want["hash"], "--hash-seed {seed}: not python's hash for PYTHONHASHSEED={seed}");
        assert_eq!(runs[0]["bytes_hash"], want["bytes_hash"]);
        assert_eq!(runs[0]["hash_randomization"], want["hash_randomization"], "--hash-seed {seed}");
    }
    assert_eq!(plain("0")["hash_randomization"], 0);

    let b = build("flags_app.py", &[]);
    let hashes: Vec<Value> = (0..2).map(|_| json_line(&run_bundle(&b.exe, &[]), 0)["hash"].clone()).collect();
    assert_ne!(hashes[0], hashes[1], "without --hash-seed, hashing is not randomized");
}

/// Unknown or incomplete interpreter flags are one-line build errors.
#[test]
fn python_option_errors() {
    for (opt, needle) in [("-Z", "-Z"), ("-m", "-m"), ("-X", "-X"), ("-W", "-W"), ("--verbose", "--verbose")] {
        let tmp = tempdir();
        let dist = tmp.path().join("dist");
        let out = build_hello_with(&dist, &format!("--python-option={opt}"));
        assert_one_error_line(&out, &[needle]);
        assert_nothing_created(&dist);
    }
}

// ---------------------------------------------------------------------------
// stdin

#[test]
fn stdin_lines_from_a_pipe() {
    let b = build("stdin_app.py", &[]);
    let input = "first\n\u{3b4}\u{3ad}\u{3bb}\u{3c4}\u{3b1}\n\nlast without newline";
    let mut child = bundle_command(&b.exe)
        .arg("lines")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(input.as_bytes()).unwrap();
    });
    let done = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let stdout = String::from_utf8_lossy(&done.stdout);
    assert_eq!(
        stdout,
        "1: FIRST\n2: \u{394}\u{388}\u{39b}\u{3a4}\u{391}\n3: \n4: LAST WITHOUT NEWLINE\nlines: 4\n",
        "stderr: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(done.status.code(), Some(0));
}

/// input() with a prompt on a terminal, as plain python does it.
#[test]
fn stdin_input_prompts_on_a_tty() {
    let b = build("stdin_app.py", &[]);
    let dialog = [("name? ", "world\n"), ("again? ", "m\u{f6}\u{f6}n\n")];
    let out = run_in_pty(bundle_command(&b.exe).arg("prompt"), &dialog);
    assert_no_panic(&out);
    assert_exit(&out, 0);
    assert!(out.stdout.starts_with("isatty True True\n"), "{out}");
    assert!(out.stdout.contains("name? world\nhello, world!\n"), "{out}");
    assert!(out.stdout.contains("again? m\u{f6}\u{f6}n\nbye, m\u{f6}\u{f6}n!\n"), "{out}");

    let mut plain = Command::new(&first_python().path);
    minimal_env(&mut plain).arg("-I").arg(app_path("stdin_app.py")).arg("prompt");
    let plain = run_in_pty(&mut plain, &dialog);
    assert_exit(&plain, 0);
    assert_eq!(out.stdout, plain.stdout, "the terminal shows something else than with plain python\n{out}\n{plain}");
}

// ---------------------------------------------------------------------------
// glibc floor

fn manifest(exe: &Path) -> Value {
    serde_json::from_slice(&zip_read(exe, ".pybundle/manifest.json")).expect("manifest is JSON")
}

/// What the dynamic loader loaded while `exe` ran (LD_DEBUG=files).
fn loaded_files(exe: &Path, args: &[&str]) -> (Out, Vec<String>) {
    let logs = tempdir();
    let out = run(bundle_command(exe)
        .args(args)
        .env("LD_DEBUG", "files")
        .env("LD_DEBUG_OUTPUT", logs.path().join("ld")));
    let mut files = Vec::new();
    for e in fs::read_dir(logs.path()).unwrap().flatten() {
        let text = fs::read_to_string(e.path()).unwrap();
        for l in text.lines() {
            if let Some(rest) = l.split("file=").nth(1) {
                files.push(rest.split_whitespace().next().unwrap_or("").to_string());
            }
        }
    }
    files.sort();
    files.dedup();
    (out, files)
}

fn check_floor_refusal(out: &Out, floor: &str, glibc: &str) {
    assert_clean_failure(out);
    assert_eq!(out.stdout, "", "{out}");
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "expected one line\n{out}");
    assert!(lines[0].contains(&format!("glibc {floor} or newer")), "the line does not name the bundle's floor {floor}\n{out}");
    assert!(lines[0].contains(glibc), "the line does not name the running glibc {glibc}\n{out}");
    assert!(!out.stderr.contains("Traceback"), "{out}");
}

/// `--glibc-floor 2.99`: recorded in the manifest; the bundle says in one
/// line that it needs 2.99 and this system has the running version, exits
/// non-zero, and loads nothing but libc (no libpython, no memfd).
#[test]
fn glibc_floor_raised_above_the_system() {
    let glibc = host_glibc_version();
    let b = build("hello.py", &["--glibc-floor", "2.99"]);
    assert_eq!(manifest(&b.exe)["glibc_floor"], "2.99");
    let (out, files) = loaded_files(&b.exe, &[]);
    check_floor_refusal(&out, "2.99", &glibc);
    assert_eq!(files, ["libc.so.6"], "the refused bundle loaded more than libc\n{out}");

    // The same check sees libpython's memfd in a bundle that starts.
    let ok = build("hello.py", &[]);
    let (out, files) = loaded_files(&ok.exe, &[]);
    assert_exit(&out, 3);
    assert!(files.iter().any(|f| f.starts_with("/proc/self/fd/") || f.contains("libpython")), "{files:?}\n{out}");

    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let work = RootWork::new("glibc-floor");
        let exe = work.install(b);
        let out = run_in_root(RootKind::Writable, &exe, &[], ROOT_ENV);
        check_floor_refusal(&out, "2.99", "2.36");
    } else {
        test_env::missing("root (for the distroless-like root)", "glibc_floor_raised_above_the_system in the root");
    }
}

/// A floor with a newer major version and a lower minor one (3.0 on glibc
/// 2.X) is still above the system: the major version counts first.
#[test]
fn glibc_floor_of_a_newer_major_version() {
    let b = build("hello.py", &["--glibc-floor", "3.0"]);
    assert_eq!(manifest(&b.exe)["glibc_floor"], "3.0");
    check_floor_refusal(&run_bundle(&b.exe, &[]), "3.0", &host_glibc_version());
}

/// The floor the build records is the newest glibc version that any
/// bundled native file needs, as readelf reads their version needs.
#[test]
fn glibc_floor_is_the_newest_any_bundled_file_needs() {
    let part = "glibc_floor_is_the_newest_any_bundled_file_needs";
    let b = shared_build_of(&App::Stdlib.script(), None, Mode::Onedir, first_python(), &[]);
    let recorded = manifest(&b.exe)["glibc_floor"].as_str().expect("a floor").to_string();
    let mut newest: Vec<((u32, u32), PathBuf)> = Vec::new();
    walk(&b.output.join("_internal"), &mut |path, _| {
        let is_elf = fs::read(path).is_ok_and(|d| d.starts_with(b"\x7fELF"));
        if let Some(versions) = is_elf.then(|| test_env::readelf_glibc_versions(path, part)).flatten() {
            newest.extend(versions.last().map(|v| (*v, path.to_path_buf())));
        }
    });
    newest.sort();
    let ((major, minor), file) = newest.last().expect("bundled ELF files with glibc version needs");
    assert!(newest.len() > 5 && newest[0].0 < newest[newest.len() - 1].0, "the files need different glibc versions: {newest:?}");
    assert_eq!(recorded, format!("{major}.{minor}"), "{} needs glibc {major}.{minor}", file.display());
}

/// A floor below what the bundle needs does not lower it; a malformed one
/// is a one-line build error.
#[test]
fn glibc_floor_low_or_malformed() {
    let natural = manifest(&build("hello.py", &[]).exe)["glibc_floor"].clone();
    assert!(natural.as_str().is_some_and(|f| f.starts_with("2.")), "no glibc floor recorded: {natural}");
    let low = build("hello.py", &["--glibc-floor", "2.2"]);
    assert_eq!(manifest(&low.exe)["glibc_floor"], natural);
    let out = run_bundle(&low.exe, &[]);
    assert_exit(&out, 3);

    for bad in ["2", "two.36", "", "-1.0"] {
        let tmp = tempdir();
        let dist = tmp.path().join("dist");
        let out = build_hello_with(&dist, &format!("--glibc-floor={bad}"));
        assert_clean_failure(&out);
        assert!(out.stderr.contains("glibc-floor"), "{out}");
        assert_nothing_created(&dist);
    }
}

/// Builds hello world onefile into `dist` with one extra option; for the
/// option errors.
fn build_hello_with(dist: &Path, option: &str) -> Out {
    run(pybundle()
        .arg(App::Hello.script())
        .args(["--onefile", "-q", "--python"])
        .arg(&first_python().path)
        .arg("--distpath")
        .arg(dist)
        .arg(option))
}

// ---------------------------------------------------------------------------
// The locale

/// In an empty environment (as in a distroless container), the C locale is
/// coerced to C.UTF-8 as python does (PEP 538), and an explicit `LC_ALL=C`
/// is kept: the bundle sees what `python -I` sees (in both, the C locale
/// turns UTF-8 mode on, which a bundle has by default).
#[test]
fn c_locale_is_coerced_as_python_does() {
    let py = first_python();
    let b = build("locale_app.py", &[]);
    for env in [&[][..], &[("LC_ALL", "C")][..]] {
        let mut plain = Command::new(&py.path);
        plain.arg("-I").arg(app_path("locale_app.py")).env_clear().envs(env.iter().copied());
        let expected = run(&mut plain);
        let mut bundle = Command::new(&b.exe);
        bundle.env_clear().envs(env.iter().copied());
        let out = run(&mut bundle);
        assert_exit(&out, 0);
        assert_eq!(out.stdout, expected.stdout, "environment {env:?}\n{out}");
    }
}
