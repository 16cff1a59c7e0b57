//! The distroless-like root itself (so a failure there is not blamed on the
//! bundles), and the daemon-thread app inside it.
mod support;

use support::root::{self, check_distroless, require_root, run_in_root, RootKind, RootWork, ROOT_ENV};
use support::*;

/// Host coreutils `cat`, which needs nothing but libc: a probe that proves
/// chroot, /proc and the loader work in the root.
fn host_cat() -> std::path::PathBuf {
    let cat = std::path::PathBuf::from("/usr/bin/cat");
    let bytes = std::fs::read(&cat).expect("read /usr/bin/cat");
    let elf = goblin::elf::Elf::parse(&bytes).expect("parse /usr/bin/cat");
    assert_eq!(elf.libraries, vec!["libc.so.6"], "host cat needs more than libc; cannot use it as a probe");
    cat
}

#[test]
fn root_looks_like_distroless_base() {
    let r = root::root();
    check_distroless(r).unwrap_or_else(|e| panic!("{e}"));
    let passwd = std::fs::read_to_string(r.join("etc/passwd")).unwrap();
    assert!(passwd.contains("nonroot:x:65532:65532:"), "{passwd}");
    let os_release = std::fs::read_to_string(r.join("etc/os-release")).unwrap();
    assert!(os_release.contains("bookworm"), "{os_release}");
    let certs = std::fs::read_to_string(r.join("etc/ssl/certs/ca-certificates.crt")).unwrap();
    assert!(certs.matches("BEGIN CERTIFICATE").count() > 50, "too few CA certificates");
}

#[test]
fn root_runs_a_libc_only_program_with_proc_mounted() {
    require_root();
    let work = RootWork::new("probe-cat");
    let cat = work.install_file(&host_cat(), "cat");

    let out = run_in_root(RootKind::Writable, &cat, &["/etc/os-release", "/proc/self/mounts"], ROOT_ENV);
    assert_exit(&out, 0);
    assert!(out.stdout.contains("bookworm"), "not the Debian 12 root\n{out}");
    assert!(
        out.stdout.lines().any(|l| l.starts_with("proc /proc proc ")),
        "/proc is not mounted in the root\n{out}"
    );

    let out = run_in_root(RootKind::Writable, &cat, &["/bin/sh"], ROOT_ENV);
    assert!(out.code() != Some(0), "/bin/sh exists in the root\n{out}");
}

/// The host's own python3.11 needs libz.so.1, which the root lacks: proof
/// that the root does not borrow host libraries (and that plain Python, like
/// PyInstaller's stub, cannot run there).
#[test]
fn root_cannot_run_host_python() {
    require_root();
    let py = std::path::PathBuf::from("/usr/bin/python3.11");
    assert!(py.exists(), "/usr/bin/python3.11 is missing: run scripts/setup.sh");
    let bytes = std::fs::read(&py).unwrap();
    let elf = goblin::elf::Elf::parse(&bytes).unwrap();
    assert!(elf.libraries.contains(&"libz.so.1"), "host python3.11 no longer needs libz: {:?}", elf.libraries);
    let work = RootWork::new("probe-python");
    let exe = work.install_file(&py, "python3.11");
    let out = run_in_root(RootKind::Writable, &exe, &["-c", "print('ran')"], ROOT_ENV);
    assert!(out.code() != Some(0), "host python ran in the root\n{out}");
    assert!(out.stderr.contains("libz.so.1"), "expected a missing libz.so.1\n{out}");
}

#[test]
fn root_without_proc_has_no_proc() {
    require_root();
    let work = RootWork::new("probe-noproc");
    let cat = work.install_file(&host_cat(), "cat");
    let out = run_in_root(RootKind::WritableNoProc, &cat, &["/proc/self/mounts"], ROOT_ENV);
    assert!(out.code() != Some(0), "/proc is mounted\n{out}");
}

#[test]
fn readonly_root_is_read_only() {
    require_root();
    let work = RootWork::new("probe-cat-ro");
    let cat = work.install_file(&host_cat(), "cat");
    let out = run_in_root(RootKind::ReadOnly, &cat, &["/proc/self/mounts"], ROOT_ENV);
    assert_exit(&out, 0);
    let root_line = out
        .stdout
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some("/"))
        .unwrap_or_else(|| panic!("no / mount seen in the root\n{out}"));
    let opts = root_line.split_whitespace().nth(3).unwrap_or("");
    assert!(opts.split(',').any(|o| o == "ro"), "/ is not read-only: {root_line}\n{out}");
}

#[test]
fn root_env_is_minimal() {
    require_root();
    let work = RootWork::new("probe-env");
    let cat = work.install_file(&host_cat(), "cat");
    let out = run_in_root(RootKind::Writable, &cat, &["/proc/self/environ"], ROOT_ENV);
    assert_exit(&out, 0);
    let mut vars: Vec<&str> = out.stdout.split('\0').filter(|s| !s.is_empty()).collect();
    vars.sort();
    assert_eq!(vars, vec!["HOME=/root", "PATH=/usr/bin:/bin"], "{out}");
}

const DAEMON_OUT: &str = "main done\n";

fn check_daemon(out: &Out) {
    assert!(
        !out.stderr.contains("libgcc_s"),
        "glibc could not find libgcc_s.so.1 for pthread_exit\n{out}"
    );
    assert_no_panic(out);
    assert_exit(out, 0);
    assert_eq!(out.stdout, DAEMON_OUT, "{out}");
    assert_eq!(out.stderr, "", "{out}");
}

#[test]
fn daemon_thread_onefile_exits_0_in_root() {
    require_root();
    for_each_python(|py| {
        let b = shared_build(App::DaemonThread, Mode::Onefile, py);
        check_daemon(&run_bundle(&b.exe, &[]));
        let work = RootWork::new("daemon-onefile");
        let exe = work.install(b);
        check_daemon(&run_in_root(RootKind::Writable, &exe, &[], ROOT_ENV));
        check_daemon(&run_in_root(RootKind::ReadOnly, &exe, &[], ROOT_ENV));
    });
}

#[test]
fn daemon_thread_onedir_exits_0_in_root() {
    require_root();
    for_each_python(|py| {
        let b = shared_build(App::DaemonThread, Mode::Onedir, py);
        check_daemon(&run_bundle(&b.exe, &[]));
        let work = RootWork::new("daemon-onedir");
        let exe = work.install(b);
        check_daemon(&run_in_root(RootKind::Writable, &exe, &[], ROOT_ENV));
    });
}
