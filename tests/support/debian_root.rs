//! Real CPythons from Debian suites other than this host's, each with a
//! shared libpython: bullseye's 3.9, trixie's 3.13, sid's 3.14 and 3.15.
//! Each suite has a build root (its interpreters, venv and pip), where
//! bundles are built with the packer under test, and a run root, like
//! gcr.io/distroless/base, where they run: read-only, as uid 65532, with a
//! PID namespace that dies with the test. Roots are cached in
//! `target/test-cache/debian-SUITE-VERSIONS/`.
//!
//! A bundle needs the newest glibc of the stub (linked on this host) and of
//! the suite's libraries; where the libraries' is the newer, the suite also
//! names a root whose glibc is older, where a bundle must refuse to start
//! in one line.
use super::root;
use super::test_env;
use super::{manifest_dir, run, test_cache_dir, Out};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// pip in a build root: the host's CA bundle (a proxy of the host's may
/// sign what it serves) and a download cache kept with the root.
pub const PIP_OPTIONS: &str = "--cert /etc/ssl/host-ca.crt --cache-dir /opt/pip-cache";

/// The host's CA bundle, which pip in a build root trusts.
const HOST_CA: &str = "/etc/ssl/certs/ca-certificates.crt";

/// A Debian suite and the CPythons the tests take from it.
pub struct Suite {
    pub name: &'static str,
    pub versions: &'static [&'static str],
    /// Whether `../shared/tools/make-sid-root.sh` can make this suite's
    /// roots: it names packages of trixie and later (libssl3t64). Those
    /// suites' libraries need a newer glibc than Debian 12's, so their
    /// bundles run in the suite's own distroless-like root and are refused
    /// in Debian 12's. Bullseye's build root is made with apt instead (see
    /// `apt_root`), and its bundles run in the Debian 12 root.
    by_script: bool,
    made: OnceLock<Result<Roots, String>>,
    /// Where the packer under test is in the build root (`install_packer`).
    packer: OnceLock<String>,
}

pub static BULLSEYE: Suite = Suite { name: "bullseye", versions: &["3.9"], by_script: false, made: OnceLock::new(), packer: OnceLock::new() };
pub static TRIXIE: Suite = Suite { name: "trixie", versions: &["3.13"], by_script: true, made: OnceLock::new(), packer: OnceLock::new() };
pub static SID: Suite = Suite { name: "sid", versions: &["3.14", "3.15"], by_script: true, made: OnceLock::new(), packer: OnceLock::new() };

/// Every suite the tests take CPythons from.
pub static SUITES: [&Suite; 3] = [&BULLSEYE, &TRIXIE, &SID];

pub struct Roots {
    /// Where bundles are built: the suite's interpreters, venv and pip.
    pub build: PathBuf,
    /// Where they run: distroless-like, with a glibc new enough for them.
    pub run: PathBuf,
    /// A root whose glibc is older than the bundles need, but not older
    /// than the stub's own (2.35, as linked on this host; below that the
    /// dynamic loader refuses the stub before it can say anything): Debian
    /// 12's (2.36) for trixie's and sid's bundles, whose libraries need a
    /// newer one. Bullseye's bundles need only what the stub needs, so
    /// there is none for them.
    pub old_glibc: Option<PathBuf>,
}

impl Suite {
    /// The roots, made on first use (20 to 40 s) and reused afterwards;
    /// `None` after reporting them missing for `part` (a failure under
    /// `PYBUNDLE_REQUIRE_ALL=1`).
    #[track_caller]
    pub fn roots(&'static self, part: &str) -> Option<&'static Roots> {
        match self.made.get_or_init(|| self.make_roots()) {
            Ok(roots) => Some(roots),
            Err(why) => {
                test_env::missing(&format!("the Debian {} root ({why})", self.name), part);
                None
            }
        }
    }

    /// The roots of a suite whose [`Suite::roots`] were found.
    fn made(&'static self) -> &'static Roots {
        self.roots("a test of this suite").expect("the roots were checked before")
    }

    fn make_roots(&self) -> Result<Roots, String> {
        let dir = test_cache_dir().join(format!("debian-{}-{}", self.name, self.versions.join("-")));
        let (build, run) = if self.by_script {
            (dir.join("sidroot"), dir.join("distroless-sid"))
        } else {
            (dir.join("root"), root::root().to_path_buf())
        };
        // ldconfig's cache is the last thing either way of making a build
        // root writes.
        let ready = self.versions.iter().all(|v| build.join(format!("usr/bin/python{v}")).exists())
            && build.join("etc/ld.so.cache").exists()
            && run.join("lib/x86_64-linux-gnu/libc.so.6").exists();
        if !ready && self.by_script {
            self.script_roots(&dir)?;
        } else if !ready {
            self.apt_root(&dir, &build)?;
        }
        fs::create_dir_all(build.join("etc/ssl")).map_err(|e| e.to_string())?;
        fs::copy(HOST_CA, build.join("etc/ssl/host-ca.crt")).map_err(|e| format!("cannot copy {HOST_CA}: {e}"))?;
        let old_glibc = self.by_script.then(|| root::root().to_path_buf());
        Ok(Roots { build, run, old_glibc })
    }

    fn script_roots(&self, dir: &Path) -> Result<(), String> {
        let script = manifest_dir().join("../shared/tools/make-sid-root.sh");
        if !script.exists() {
            return Err(format!("{} is missing", script.display()));
        }
        let out = run(Command::new("bash")
            .arg(&script)
            .arg(dir)
            .env("SUITE", self.name)
            .env("PYVERS", self.versions.join(" "))
            .env("EXTRA_CA_FILE", HOST_CA));
        if out.code() != Some(0) {
            return Err(format!("make-sid-root.sh failed\n{out}"));
        }
        Ok(())
    }

    /// A build root made by apt with a state of its own under `dir` (this
    /// host's apt state is not touched): the host's Debian archive and
    /// keyring with this suite, apt's resolver from an empty system, and
    /// the .debs unpacked without their maintainer scripts.
    fn apt_root(&self, dir: &Path, build: &Path) -> Result<(), String> {
        let state = dir.join("apt");
        for sub in ["lists/partial", "archives/partial", "cache", "sources"] {
            fs::create_dir_all(state.join(sub)).map_err(|e| e.to_string())?;
        }
        fs::write(state.join("status"), "").map_err(|e| e.to_string())?;
        let archive = host_archive().ok_or("this host's apt sources name no Debian archive")?;
        fs::write(
            state.join("sources/debian.sources"),
            format!("Types: deb\nURIs: {archive}\nSuites: {}\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n", self.name),
        )
        .map_err(|e| e.to_string())?;
        let s = state.display();
        let apt_get = |args: &[String]| {
            let out = run(Command::new("apt-get")
                .args(["-q", "-o", "Dir::Etc::SourceList=/dev/null", "-o", "Dir::Etc::Preferences=/dev/null", "-o", "Dir::Etc::PreferencesParts=/dev/null"])
                .args(["-o", "APT::Architecture=amd64", "-o", "APT::Architectures=amd64", "-o", "Acquire::Languages=none"])
                .args([format!("-oDir::Etc::SourceParts={s}/sources"), format!("-oDir::State::Lists={s}/lists"), format!("-oDir::State::status={s}/status")])
                .args([format!("-oDir::Cache={s}/cache"), format!("-oDir::Cache::Archives={s}/archives")])
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive"));
            if out.code() == Some(0) {
                Ok(())
            } else {
                Err(format!("apt-get for {} failed\n{out}", self.name))
            }
        };
        apt_get(&["update".into()])?;
        let mut wanted: Vec<String> = ["install", "--download-only", "-y", "--no-install-recommends", "bash", "coreutils", "libc-bin"].map(String::from).to_vec();
        for v in self.versions {
            wanted.extend([format!("python{v}"), format!("libpython{v}"), format!("python{v}-venv")]);
        }
        apt_get(&wanted)?;
        let _ = fs::remove_dir_all(build);
        for d in ["tmp", "proc", "dev", "work", "usr/bin", "etc"] {
            fs::create_dir_all(build.join(d)).map_err(|e| e.to_string())?;
        }
        let mut debs: Vec<PathBuf> = fs::read_dir(state.join("archives")).map_err(|e| e.to_string())?.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "deb")).collect();
        debs.sort();
        for deb in &debs {
            let out = run(Command::new("dpkg-deb").arg("-x").arg(deb).arg(build));
            if out.code() != Some(0) {
                return Err(format!("{out}"));
            }
        }
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(build.join("tmp"), fs::Permissions::from_mode(0o1777)).map_err(|e| e.to_string())?;
        // The build root is entered with /usr/bin/bash; bullseye keeps its
        // shell in /bin.
        if !build.join("usr/bin/bash").exists() {
            std::os::unix::fs::symlink("/bin/bash", build.join("usr/bin/bash")).map_err(|e| e.to_string())?;
        }
        let out = run(Command::new("chroot").arg(build).arg("/sbin/ldconfig"));
        if out.code() != Some(0) {
            return Err(format!("ldconfig in the {} root failed\n{out}", self.name));
        }
        Ok(())
    }
}

/// The Debian archive this host's apt uses (its first non-security URI),
/// or `$MIRROR`, as make-sid-root.sh takes it.
fn host_archive() -> Option<String> {
    if let Some(named) = std::env::var("MIRROR").ok().filter(|m| !m.is_empty()) {
        return Some(named);
    }
    let dir = fs::read_dir("/etc/apt/sources.list.d").ok()?;
    let mut files: Vec<PathBuf> = dir.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "sources")).collect();
    files.sort();
    files.iter().filter_map(|f| fs::read_to_string(f).ok()).find_map(|text| {
        text.lines()
            .filter_map(|l| l.strip_prefix("URIs:"))
            .flat_map(str::split_whitespace)
            .find(|uri| !uri.contains("security"))
            .map(String::from)
    })
}

/// A private directory for one test, visible in every root of its suite
/// as `/work/ID`.
pub struct SuiteWork {
    pub suite: &'static Suite,
    pub id: String,
}

impl SuiteWork {
    pub fn new(suite: &'static Suite, test: &str) -> SuiteWork {
        static N: AtomicUsize = AtomicUsize::new(0);
        let id = format!("{test}-{}-{}", super::pid_namespace::run_id(), N.fetch_add(1, Ordering::SeqCst));
        let work = SuiteWork { suite, id };
        for root in work.roots() {
            let dir = work.host(root);
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
        }
        work
    }

    fn roots(&self) -> Vec<&'static Path> {
        let made = self.suite.made();
        let mut roots: Vec<&Path> = [&made.build, &made.run].into_iter().chain(&made.old_glibc).map(PathBuf::as_path).collect();
        roots.sort();
        roots.dedup();
        roots
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
        let to = self.host(&self.suite.made().build).join(from.file_name().unwrap());
        if from.is_dir() {
            super::copy_tree(&from, &to);
        } else {
            fs::copy(&from, &to).unwrap();
        }
    }

    /// Runs a shell command in the build root, in this directory, with the
    /// packer under test on PATH.
    pub fn in_build_root(&self, command: &str) -> Out {
        let packer = install_packer(self.suite);
        let tool = manifest_dir().join("../shared/tools/sid-chroot.sh");
        // /bin after the tool's PATH: bullseye's coreutils are there.
        run(Command::new("bash").arg(tool).arg(&self.suite.made().build).arg(format!(
            "cd {} && export PATH={packer}:$PATH:/bin && {command}",
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

    /// Builds `entry` (a script or `-m MODULE`) from subdirectory `dir`;
    /// the bundle is copied to this directory in every root.
    pub fn build_in(&self, python: &str, dir: &str, entry: &str, name: &str, flags: &[&str]) -> String {
        let command = format!("cd {dir} && pybundle {entry} --python {python} --name {name} --distpath {}/dist -q {}", self.inside(), flags.join(" "));
        let out = self.in_build_root(&command);
        assert_eq!(out.code(), Some(0), "build in {} failed\n{out}", self.suite.name);
        let built = self.host(&self.suite.made().build).join("dist").join(name);
        for root in self.roots() {
            super::copy_tree(&built, &self.host(root).join(name));
        }
        if built.is_dir() {
            format!("{}/{name}/{name}", self.inside())
        } else {
            format!("{}/{name}", self.inside())
        }
    }

    /// Runs `exe` (a path inside the roots) in the suite's run root.
    pub fn run(&self, exe: &str, args: &[&str]) -> Out {
        self.run_with(exe, args, &[])
    }

    /// The same, with `env` added to PATH and HOME.
    pub fn run_with(&self, exe: &str, args: &[&str], env: &[&str]) -> Out {
        run_read_only(&self.suite.made().run, exe, args, env)
    }

    /// Runs `exe` in the root whose glibc is too old for it, where the
    /// suite has one.
    pub fn run_on_old_glibc(&self, exe: &str, args: &[&str]) -> Option<Out> {
        Some(run_read_only(self.suite.made().old_glibc.as_ref()?, exe, args, &[]))
    }
}

impl Drop for SuiteWork {
    fn drop(&mut self) {
        for root in self.roots() {
            let _ = fs::remove_dir_all(self.host(root));
        }
    }
}

/// The packer under test, copied into the suite's build root once per
/// process; returns the directory that holds it, inside the root.
///
/// The packer cargo built links this host's glibc (2.36). Where the root's
/// glibc is older (bullseye's 2.31), it is started by this host's own
/// dynamic loader with this host's libraries beside it, copied into the
/// root: the packer then reads the root's files, ld.so.cache and
/// interpreter as a packer installed there does, and what it starts (the
/// root's python) runs on the root's glibc, since nothing of the loader is
/// inherited. (The static musl packer of the release wheel would need a
/// second build of the packer, minutes of CI, for the same code.)
fn install_packer(suite: &'static Suite) -> &'static str {
    suite.packer.get_or_init(|| {
        let inside = format!("/opt/pybundle-test-{}", super::pid_namespace::run_id());
        let dir = suite.made().build.join(inside.trim_start_matches('/'));
        fs::create_dir_all(&dir).unwrap();
        if suite.by_script {
            fs::copy(super::pybundle_exe(), dir.join("pybundle")).unwrap();
        } else {
            install_with_host_loader(&dir, &inside);
        }
        inside
    })
}

/// `dir/pybundle`: a script that runs the packer (`dir/host/pybundle`) with
/// this host's loader and the libraries it names, copied to `dir/host`.
fn install_with_host_loader(dir: &Path, inside: &str) {
    use std::os::unix::fs::PermissionsExt;
    let exe = super::pybundle_exe();
    let host = dir.join("host");
    fs::create_dir_all(&host).unwrap();
    fs::copy(&exe, host.join("pybundle")).unwrap();
    let data = fs::read(&exe).unwrap();
    let elf = goblin::elf::Elf::parse(&data).expect("the packer is an ELF executable");
    let loader = Path::new(elf.interpreter.expect("the packer is dynamically linked"));
    for lib in elf.libraries.iter().map(|name| Path::new("/lib/x86_64-linux-gnu").join(name)).chain([loader.to_path_buf()]) {
        fs::copy(&lib, host.join(lib.file_name().unwrap())).unwrap_or_else(|e| panic!("cannot copy {}: {e}", lib.display()));
    }
    let loader = loader.file_name().unwrap().to_string_lossy();
    let script = dir.join("pybundle");
    fs::write(&script, format!("#!/bin/bash\nexec {inside}/host/{loader} --library-path {inside}/host {inside}/host/pybundle \"$@\"\n")).unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
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

/// Runs `exe` (a path inside `root`) there, read-only, as uid 65532, in PID
/// and mount namespaces of its own, with `env` added to PATH and HOME.
fn run_read_only(root: &Path, exe: &str, args: &[&str], env: &[&str]) -> Out {
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
