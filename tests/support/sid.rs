//! CPython 3.14 and 3.15 as Debian sid ships them. `../shared/tools/
//! make-sid-root.sh` makes two roots from sid's packages (cached under
//! `target/test-cache/sid/`): `sidroot`, with the interpreters, venv and pip,
//! where bundles are built (their glibc is newer than this host's), and
//! `distroless-sid`, like gcr.io/distroless/base-debian13, where they run:
//! read-only, as uid 65532, with a PID namespace that dies with the test.
use super::{manifest_dir, run, test_cache_dir, Out};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The sid interpreters the tests bundle.
pub const SID_VERSIONS: &[&str] = &["3.14", "3.15"];

/// pip in the build root: the host's CA bundle (a proxy of the host's may
/// sign what it serves) and a download cache kept with the root.
pub const PIP_OPTIONS: &str = "--cert /etc/ssl/host-ca.crt --cache-dir /opt/pip-cache";

/// The host's CA bundle, which pip in the build root trusts.
const HOST_CA: &str = "/etc/ssl/certs/ca-certificates.crt";

pub struct Sid {
    /// Where bundles are built (`sidroot`).
    pub build_root: PathBuf,
    /// Where they run (`distroless-sid`).
    pub run_root: PathBuf,
}

/// The two roots, made on first use (about 20 s) and reused afterwards.
pub fn sid() -> &'static Sid {
    static SID: OnceLock<Result<Sid, String>> = OnceLock::new();
    match SID.get_or_init(make_roots) {
        Ok(sid) => sid,
        Err(e) => panic!("{e}"),
    }
}

fn make_roots() -> Result<Sid, String> {
    let dir = test_cache_dir().join("sid");
    let sid = Sid { build_root: dir.join("sidroot"), run_root: dir.join("distroless-sid") };
    let ready = SID_VERSIONS.iter().all(|v| sid.build_root.join(format!("usr/bin/python{v}")).exists())
        && sid.run_root.join("usr/lib/x86_64-linux-gnu/libc.so.6").exists();
    if !ready {
        let script = manifest_dir().join("../shared/tools/make-sid-root.sh");
        if !script.exists() {
            return Err(format!("{} is missing: the sid roots cannot be made", script.display()));
        }
        let out = run(Command::new("bash").arg(&script).arg(&dir).env("EXTRA_CA_FILE", HOST_CA));
        if out.code() != Some(0) {
            return Err(format!("make-sid-root.sh failed\n{out}"));
        }
    }
    fs::copy(HOST_CA, sid.build_root.join("etc/ssl/host-ca.crt")).map_err(|e| format!("cannot copy {HOST_CA}: {e}"))?;
    Ok(sid)
}

/// A private directory for one test, visible in both roots as `/work/ID`.
pub struct SidWork {
    pub id: String,
}

impl SidWork {
    pub fn new(test: &str) -> SidWork {
        static N: AtomicUsize = AtomicUsize::new(0);
        let id = format!("{test}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst));
        let work = SidWork { id };
        for root in [&sid().build_root, &sid().run_root] {
            let dir = work.host(root);
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
        }
        work
    }

    pub fn inside(&self) -> String {
        format!("/work/{}", self.id)
    }

    /// This directory on the host, in `root`.
    pub fn host(&self, root: &Path) -> PathBuf {
        root.join("work").join(&self.id)
    }

    /// Copies a file or directory of `tests/apps` into the build root.
    pub fn add_app(&self, rel: &str) {
        let from = super::app_path(rel);
        let to = self.host(&sid().build_root).join(from.file_name().unwrap());
        if from.is_dir() {
            super::copy_tree(&from, &to);
        } else {
            fs::copy(&from, &to).unwrap();
        }
    }

    /// Runs a shell command in the build root, in this directory, with the
    /// packer under test on PATH.
    pub fn in_build_root(&self, command: &str) -> Out {
        let packer = install_packer();
        let tool = manifest_dir().join("../shared/tools/sid-chroot.sh");
        run(Command::new("bash").arg(tool).arg(&sid().build_root).arg(format!(
            "cd {} && export PATH={packer}:$PATH && {command}",
            self.inside()
        )))
    }

    /// Builds `script` (a path in this directory) with `python3.X`;
    /// returns the path inside the roots of what to run.
    pub fn build(&self, version: &str, script: &str, name: &str, flags: &[&str]) -> String {
        self.build_with(&format!("/usr/bin/python{version}"), script, name, flags)
    }

    pub fn build_with(&self, python: &str, script: &str, name: &str, flags: &[&str]) -> String {
        self.build_in(python, ".", script, name, flags)
    }

    /// Builds `entry` (a script or `-m MODULE`) from subdirectory `dir`.
    pub fn build_in(&self, python: &str, dir: &str, entry: &str, name: &str, flags: &[&str]) -> String {
        let command = format!("cd {dir} && pybundle {entry} --python {python} --name {name} --distpath {}/dist -q {}", self.inside(), flags.join(" "));
        let out = self.in_build_root(&command);
        assert_eq!(out.code(), Some(0), "build in sid failed\n{out}");
        let built = self.host(&sid().build_root).join("dist").join(name);
        super::copy_tree(&built, &self.host(&sid().run_root).join(name));
        let onedir = built.is_dir();
        if onedir {
            format!("{}/{name}/{name}", self.inside())
        } else {
            format!("{}/{name}", self.inside())
        }
    }
}

impl Drop for SidWork {
    fn drop(&mut self) {
        for root in [&sid().build_root, &sid().run_root] {
            let _ = fs::remove_dir_all(self.host(root));
        }
    }
}

/// The packer under test, copied into the build root once per process;
/// returns the directory that holds it, inside the root.
fn install_packer() -> &'static str {
    static DIR: OnceLock<String> = OnceLock::new();
    DIR.get_or_init(|| {
        let inside = format!("/opt/pybundle-test-{}", std::process::id());
        let dir = sid().build_root.join(inside.trim_start_matches('/'));
        fs::create_dir_all(&dir).unwrap();
        fs::copy(super::pybundle_exe(), dir.join("pybundle")).unwrap();
        inside
    })
}

// $1 mount, $2 the root, $3 env; then the environment, chroot and the
// program. The root is bind-mounted read-only, with /proc of the new PID
// namespace, the host's /dev and a private /dev/shm (as a container has).
const ENTER: &str = r#"set -eu
M=$1 R=$2 E=$3
shift 3
"$M" --bind "$R" "$R"
"$M" -o remount,bind,ro "$R"
"$M" -t proc proc "$R/proc"
"$M" --rbind /dev "$R/dev"
"$M" -t tmpfs -o mode=1777,size=64m shm "$R/dev/shm"
if ( : > "$R/tmp/.pybundle-rw-probe" ) 2>/dev/null; then
    echo "test harness: the read-only root is writable" >&2
    exit 99
fi
# Not exec: the shell stays PID 1 (which ignores signals it has no
# handler for), so the bundle gets signals as any process does.
"$E" -i "$@"
"#;

/// Runs `exe` (a path inside the root) in distroless-sid, read-only, as
/// uid 65532, in PID and mount namespaces of its own.
pub fn run_in_distroless_sid(exe: &str, args: &[&str]) -> Out {
    run_in_distroless_sid_with(exe, args, &[])
}

/// The same, with `env` added to PATH and HOME.
pub fn run_in_distroless_sid_with(exe: &str, args: &[&str], env: &[&str]) -> Out {
    let root = &sid().run_root;
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "--", "/bin/sh", "-c", ENTER, "enter"])
        .arg("/usr/bin/mount")
        .arg(root)
        .arg("/usr/bin/env")
        .args(["PATH=/usr/bin:/bin", "HOME=/home/nonroot"])
        .args(env)
        .args(["/usr/sbin/chroot", "--userspec=65532:65532"])
        .arg(root)
        .arg(exe)
        .args(args)
        .env_clear();
    run(&mut cmd)
}
