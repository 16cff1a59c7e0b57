//! A root file system like gcr.io/distroless/base-debian12, made from real
//! Debian packages, and a way to run programs in it with chroot.
//!
//! The root is built once and cached in `target/test-cache/`. It is created
//! in a staging directory and renamed into place, so parallel tests and
//! separate test processes never see a half-made root.
use super::{run, test_cache_dir, walk, Built, Mode, Out};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The packages distroless base-debian12 is made of (plus libssl3, which
/// it also carries).
pub const PACKAGES: &[&str] = &[
    "base-files",
    "netbase",
    "tzdata",
    "media-types",
    "ca-certificates",
    "libc6",
    "libssl3",
];

/// Bump when the recipe changes, so a stale cached root is not reused.
const ROOT_VERSION: &str = "distroless-root-v1";
const DEBS_VERSION: &str = "debs-v1";

/// Fails the test unless it runs as root (needed for unshare and chroot).
pub fn require_root() {
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    assert_eq!(
        uid, 0,
        "this test needs root (unshare --mount, mount and chroot); run the suite as root, as CI does"
    );
    for tool in ["unshare", "mount", "chroot"] {
        assert!(host_tool(tool).is_some(), "this test needs `{tool}` (util-linux / coreutils): run scripts/setup.sh");
    }
}

/// Absolute path of a host tool, looked up in the usual system directories.
pub fn host_tool(name: &str) -> Option<PathBuf> {
    ["/usr/bin", "/usr/sbin", "/bin", "/sbin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
}

fn tool(name: &str) -> PathBuf {
    host_tool(name).unwrap_or_else(|| panic!("`{name}` not found: run scripts/setup.sh"))
}

/// The cached root, built on first use.
pub fn root() -> &'static Path {
    static ROOT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match ROOT.get_or_init(|| build_root(&test_cache_dir())) {
        Ok(p) => p,
        Err(e) => panic!("cannot build the distroless-like root: {e}"),
    }
}

fn sh(cmd: &mut Command) -> Result<Out, String> {
    let out = run(cmd);
    if out.code() == Some(0) {
        Ok(out)
    } else {
        Err(format!("{out}"))
    }
}

/// The packages' .deb files, downloaded once into `test-cache/debs-v1/`.
fn ensure_debs(cache: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = cache.join(DEBS_VERSION);
    let list = |dir: &Path| -> Option<Vec<PathBuf>> {
        let mut debs = Vec::new();
        for pkg in PACKAGES {
            let prefix = format!("{pkg}_");
            let found = fs::read_dir(dir).ok()?.flatten().map(|e| e.path()).find(|p| {
                let n = p.file_name().unwrap().to_string_lossy();
                n.starts_with(&prefix) && n.ends_with(".deb")
            })?;
            debs.push(found);
        }
        Some(debs)
    };
    if let Some(debs) = list(&dir) {
        return Ok(debs);
    }
    let staging = tempfile::Builder::new()
        .prefix(".debs-staging-")
        .tempdir_in(cache)
        .map_err(|e| e.to_string())?;
    let out = run(Command::new("apt-get")
        .arg("download")
        .args(PACKAGES)
        .current_dir(staging.path())
        .env("DEBIAN_FRONTEND", "noninteractive"));
    if out.code() != Some(0) {
        return Err(format!(
            "apt-get download failed; run scripts/setup.sh (it runs apt-get update)\n{out}"
        ));
    }
    list(staging.path()).ok_or_else(|| format!("apt-get download did not fetch every package\n{out}"))?;
    let staged = staging.keep();
    if fs::rename(&staged, &dir).is_err() {
        // Another process finished first; use its copy.
        let _ = fs::remove_dir_all(&staged);
    }
    list(&dir).ok_or_else(|| format!("{} is incomplete", dir.display()))
}

fn build_root(cache: &Path) -> Result<PathBuf, String> {
    let final_dir = cache.join(ROOT_VERSION);
    if final_dir.join("etc/passwd").exists() {
        check_distroless(&final_dir)?;
        return Ok(final_dir);
    }
    let debs = ensure_debs(cache)?;
    let staging = tempfile::Builder::new()
        .prefix(".root-staging-")
        .tempdir_in(cache)
        .map_err(|e| e.to_string())?;
    let r = staging.path().join("root");
    fs::create_dir(&r).map_err(|e| e.to_string())?;
    for deb in &debs {
        sh(Command::new("dpkg-deb").arg("-x").arg(deb).arg(&r))?;
    }

    // What ca-certificates' postinst (update-ca-certificates) would make.
    let mut certs = Vec::new();
    walk(&r.join("usr/share/ca-certificates"), &mut |p, _| {
        if p.extension().is_some_and(|e| e == "crt") {
            certs.push(p.to_path_buf());
        }
    });
    certs.sort();
    if certs.is_empty() {
        return Err("ca-certificates shipped no .crt files".into());
    }
    let mut bundle = Vec::new();
    for c in &certs {
        let mut pem = fs::read(c).map_err(|e| e.to_string())?;
        if !pem.ends_with(b"\n") {
            pem.push(b'\n');
        }
        bundle.extend_from_slice(&pem);
    }
    fs::create_dir_all(r.join("etc/ssl/certs")).map_err(|e| e.to_string())?;
    fs::write(r.join("etc/ssl/certs/ca-certificates.crt"), bundle).map_err(|e| e.to_string())?;

    for (d, mode) in [("tmp", 0o1777), ("proc", 0o555), ("dev", 0o755), ("root", 0o700), ("work", 0o755)] {
        let p = r.join(d);
        fs::create_dir_all(&p).map_err(|e| e.to_string())?;
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).map_err(|e| e.to_string())?;
    }
    let home = r.join("home/nonroot");
    fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    fs::set_permissions(&home, fs::Permissions::from_mode(0o700)).map_err(|e| e.to_string())?;
    std::os::unix::fs::chown(&home, Some(65532), Some(65532)).map_err(|e| e.to_string())?;
    // As distroless writes them.
    fs::write(
        r.join("etc/passwd"),
        "root:x:0:0:root:/root:/sbin/nologin\n\
         nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n\
         nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
    )
    .map_err(|e| e.to_string())?;
    fs::write(
        r.join("etc/group"),
        "root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n",
    )
    .map_err(|e| e.to_string())?;

    check_distroless(&r)?;
    match fs::rename(&r, &final_dir) {
        Ok(()) => Ok(final_dir),
        Err(_) if final_dir.join("etc/passwd").exists() => Ok(final_dir),
        Err(e) => Err(format!("rename {} -> {}: {e}", r.display(), final_dir.display())),
    }
}

/// What makes the root a fair stand-in for distroless base: glibc, OpenSSL,
/// tzdata and CA certificates are there; zlib, libgcc_s, a shell and Python
/// are not.
pub fn check_distroless(r: &Path) -> Result<(), String> {
    let mut problems = Vec::new();
    for must in [
        "lib/x86_64-linux-gnu/libc.so.6",
        "lib64/ld-linux-x86-64.so.2",
        "usr/lib/x86_64-linux-gnu/libssl.so.3",
        "usr/share/zoneinfo/Europe/Paris",
        "etc/services",
        "etc/mime.types",
        "etc/os-release",
        "etc/ssl/certs/ca-certificates.crt",
        "etc/passwd",
    ] {
        if fs::metadata(r.join(must)).map(|m| m.len() == 0).unwrap_or(true) {
            problems.push(format!("missing or empty: /{must}"));
        }
    }
    let tmp_mode = fs::metadata(r.join("tmp")).map(|m| m.permissions().mode() & 0o7777).unwrap_or(0);
    if tmp_mode != 0o1777 {
        problems.push(format!("/tmp has mode {tmp_mode:o}, not 1777"));
    }
    for d in ["proc", "dev"] {
        if !r.join(d).is_dir() {
            problems.push(format!("no /{d} mount point"));
        }
    }
    for shell in ["bin/sh", "usr/bin/sh", "bin/bash", "usr/bin/bash", "bin/dash", "usr/bin/dash"] {
        if fs::symlink_metadata(r.join(shell)).is_ok() {
            problems.push(format!("has a shell: /{shell}"));
        }
    }
    let work = r.join("work");
    walk(r, &mut |p, _| {
        if p.starts_with(&work) {
            return; // bundles copied in by tests
        }
        let n = p.file_name().unwrap().to_string_lossy();
        if n.starts_with("libz.so") || n.starts_with("libgcc_s.so") || n.starts_with("python") || n.starts_with("libpython") {
            problems.push(format!("must not have {}", p.display()));
        }
    });
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}: {}", r.display(), problems.join("; ")))
    }
}

/// A directory `/work/<unique>` inside the root for one test, removed when
/// dropped.
pub struct RootWork {
    pub host: PathBuf,
    pub inside: String,
}

impl RootWork {
    pub fn new(test: &str) -> RootWork {
        static N: AtomicUsize = AtomicUsize::new(0);
        let id = format!("{test}-{}-{}", super::pid_namespace::run_id(), N.fetch_add(1, Ordering::SeqCst));
        let host = root().join("work").join(&id);
        let _ = fs::remove_dir_all(&host);
        fs::create_dir_all(&host).unwrap();
        RootWork { host, inside: format!("/work/{id}") }
    }

    /// Copies a bundle in (onedir: its whole directory); returns the path of
    /// its executable inside the root.
    pub fn install(&self, built: &Built) -> String {
        match built.mode {
            Mode::Onefile => {
                fs::copy(&built.exe, self.host.join(&built.name)).unwrap();
                format!("{}/{}", self.inside, built.name)
            }
            Mode::Onedir => {
                super::copy_tree(&built.output, &self.host.join(&built.name));
                format!("{}/{}/{}", self.inside, built.name, built.name)
            }
        }
    }

    /// Copies a host file in under `name`.
    pub fn install_file(&self, from: &Path, name: &str) -> String {
        fs::copy(from, self.host.join(name)).unwrap();
        format!("{}/{name}", self.inside)
    }

    /// Host path of a path inside the root.
    pub fn host_path(&self, inside: &str) -> PathBuf {
        root().join(inside.trim_start_matches('/'))
    }
}

impl Drop for RootWork {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.host);
    }
}

/// How to enter the root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootKind {
    /// The cached root as it is (writable).
    Writable,
    /// The root bind-mounted read-only: no writable /tmp or anything else.
    ReadOnly,
    /// The writable root without /proc mounted.
    WritableNoProc,
    /// Nothing writable at all, as `docker run --read-only --tmpfs /tmp:ro`:
    /// the root read-only, /tmp and /dev/shm empty read-only tmpfs.
    Sealed,
    /// The root read-only, /tmp and /dev/shm fresh writable tmpfs that
    /// must still be empty when the program ends: the run fails (exit 98,
    /// naming what was written) if anything was written there.
    Watched,
}

// The script that enters the root: $1 mount, $2 chroot, $3 the root, $4
// env; then `VAR=value`... for the program's environment, then the program
// and its arguments. `env -i` runs on the host and hands chroot exactly
// that environment.
const ENTER: &str = r#"set -eu
M=$1 C=$2 R=$3 E=$4
shift 4
"#;

const READ_ONLY_ROOT: &str = r#""$M" --bind "$R" "$R"
"$M" -o remount,bind,ro "$R"
"#;

const READ_ONLY_TMPFS: &str = r#""$M" -t tmpfs -o ro,size=1m tmpfs "$R/tmp"
"$M" -t tmpfs -o ro,size=1m tmpfs "$R/dev/shm"
"#;

const WATCHED_TMPFS: &str = r#""$M" -t tmpfs -o mode=1777,size=64m tmpfs "$R/tmp"
"$M" -t tmpfs -o mode=1777,size=64m tmpfs "$R/dev/shm"
"#;

/// Fails (99) if any of the directories in `$dirs` can be written.
const CHECK_READ_ONLY: &str = r#"for dir in $dirs; do
    if ( : > "$dir/.pybundle-rw-probe" ) 2>/dev/null; then
        echo "test harness: $dir is writable" >&2
        exit 99
    fi
done
"#;

const RUN: &str = r#"exec "$E" -i "$@"
"#;

/// Runs the program, then fails (98) naming what it wrote to the tmpfs.
const RUN_WATCHED: &str = r#"code=0
"$E" -i "$@" || code=$?
written=$(cd "$R" && find tmp dev/shm -mindepth 1 | head -n 20 | tr '\n' ' ')
if [ -n "$written" ]; then
    echo "test harness: the program wrote: $written" >&2
    exit 98
fi
exit $code
"#;

fn enter_script(kind: RootKind) -> String {
    let mut script = String::from(ENTER);
    if matches!(kind, RootKind::ReadOnly | RootKind::Sealed | RootKind::Watched) {
        script.push_str(READ_ONLY_ROOT);
    }
    if kind != RootKind::WritableNoProc {
        script.push_str("\"$M\" -t proc proc \"$R/proc\"\n");
    }
    script.push_str("\"$M\" --rbind /dev \"$R/dev\"\n");
    match kind {
        RootKind::ReadOnly => script.push_str(&format!("dirs=\"$R/tmp\"\n{CHECK_READ_ONLY}")),
        RootKind::Sealed => script.push_str(&format!("{READ_ONLY_TMPFS}dirs=\"$R $R/tmp $R/dev/shm\"\n{CHECK_READ_ONLY}")),
        RootKind::Watched => script.push_str(WATCHED_TMPFS),
        RootKind::Writable | RootKind::WritableNoProc => {}
    }
    script.push_str(if kind == RootKind::Watched { RUN_WATCHED } else { RUN });
    script
}

/// A command that runs `exe` (a path inside the root) chrooted in the root, in
/// a private mount namespace with /proc and /dev mounted. The program gets
/// exactly `env` as its environment.
pub fn root_command(kind: RootKind, exe: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
    root_command_as(kind, None, exe, args, env)
}

/// Like `root_command`, as `user` (`UID:GID`) if given, as distroless's
/// `:nonroot` images run (65532:65532).
pub fn root_command_as(kind: RootKind, user: Option<&str>, exe: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
    require_root();
    let r = root();
    let mut cmd = Command::new(tool("unshare"));
    cmd.args(["--mount", "--propagation", "private", "--kill-child", "--", "/bin/sh", "-c"])
        .arg(enter_script(kind))
        .arg("enter-root")
        .arg(tool("mount"))
        .arg(tool("chroot"))
        .arg(r)
        .arg(tool("env"));
    for (k, v) in env {
        assert!(!k.contains('='), "bad variable name {k}");
        cmd.arg(format!("{k}={v}"));
    }
    cmd.arg(tool("chroot"));
    if let Some(u) = user {
        cmd.arg(format!("--userspec={u}"));
    }
    cmd.arg(r)
        .arg(exe)
        .args(args)
        .env_clear()
        .stdin(Stdio::null());
    cmd
}

/// distroless's `nonroot` user and group, as `chroot --userspec` takes them.
pub const NONROOT: &str = "65532:65532";

/// The environment bundles get in the root unless a test says otherwise.
pub const ROOT_ENV: &[(&str, &str)] = &[("PATH", "/usr/bin:/bin"), ("HOME", "/root")];

pub fn run_in_root(kind: RootKind, exe: &str, args: &[&str], env: &[(&str, &str)]) -> Out {
    run(&mut root_command(kind, exe, args, env))
}
