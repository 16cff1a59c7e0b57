//! Shared helpers for the black-box tests: finding the real CPythons, running
//! the real `pybundle` binary, running bundles with a hang guard, and
//! building bundles once per test process.
//!
//! Every test binary includes this module with `mod support;`, and each uses
//! only part of it.
#![allow(dead_code)]

pub mod matrix;
pub mod pid_namespace;
pub mod proc;
pub mod root;
pub mod debian_root;
pub mod venv;
/// Skip or fail (`PYBUNDLE_REQUIRE_ALL`), CPython discovery: shared with
/// the unit tests.
#[path = "../../src/test_env.rs"]
pub mod test_env;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// How long any one command may run before the hang guard kills it. Not a
/// timing assertion: only a way to turn a hang into a failure with output.
pub const HANG_GUARD: Duration = Duration::from_secs(300);

pub fn pybundle_exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pybundle"))
}

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file or directory under `tests/apps/`.
pub fn app_path(rel: &str) -> PathBuf {
    let p = manifest_dir().join("tests").join("apps").join(rel);
    assert!(p.exists(), "test app {} is missing", p.display());
    p
}

/// `target/test-cache/` (CARGO_TARGET_DIR if set, or PYBUNDLE_TEST_CACHE),
/// for things worth keeping between runs, like the distroless-like root.
pub fn test_cache_dir() -> PathBuf {
    test_env::test_cache_dir()
}

/// A fresh temporary directory, removed when dropped.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("pybundle-test-")
        .tempdir()
        .expect("create a temporary directory")
}

// ---------------------------------------------------------------------------
// Per-process scratch space that outlives single tests (shared builds).

/// `$TMPDIR/pybundle-tests/<run id>/`: removed at process exit. Each is
/// owned by a locked `<run id>.lock` beside it, so the directories of test
/// processes that have ended (killed, say) are swept when the next one
/// starts, and never a running one's.
pub fn process_scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::env::temp_dir().join("pybundle-tests");
        fs::create_dir_all(&base).expect("create the test scratch directory");
        let id = pid_namespace::run_id().to_string();
        let owner = fs::File::create(base.join(format!("{id}.lock"))).expect("create the scratch directory's lock");
        assert!(try_lock(&owner), "another test process holds {}", base.join(format!("{id}.lock")).display());
        std::mem::forget(owner);
        if let Ok(entries) = fs::read_dir(&base) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name == id || name.parse::<u32>().is_err() {
                    continue;
                }
                let lock = base.join(format!("{name}.lock"));
                if fs::File::open(&lock).map_or(true, |f| try_lock(&f)) {
                    let _ = fs::remove_dir_all(e.path());
                    let _ = fs::remove_file(lock);
                }
            }
        }
        let dir = base.join(&id);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create the per-process scratch directory");
        extern "C" fn cleanup() {
            let base = std::env::temp_dir().join("pybundle-tests");
            let id = pid_namespace::run_id();
            let _ = fs::remove_dir_all(base.join(id.to_string()));
            let _ = fs::remove_file(base.join(format!("{id}.lock")));
        }
        // SAFETY: registers a plain function to run at exit().
        unsafe {
            libc::atexit(cleanup);
        }
        dir
    })
}

/// Takes `file`'s exclusive lock if no process holds it.
fn try_lock(file: &fs::File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor `file` owns.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

/// A HOME for direct runs, so that nothing a bundle does lands in the real one.
pub fn scratch_home() -> PathBuf {
    let home = process_scratch().join("home");
    fs::create_dir_all(&home).expect("create scratch home");
    home
}

// ---------------------------------------------------------------------------
// Pythons

#[derive(Clone, Debug)]
pub struct Python {
    /// e.g. `debian-3.11.2`, `pyenv-3.11.7`, `usr-bin-python3.11-3.11.2`
    /// (one `PYBUNDLE_TEST_PYTHONS` named); safe as a directory name
    pub label: String,
    pub path: PathBuf,
}

/// Every usable CPython 3.11 on this machine: Debian's `/usr/bin/python3.11`
/// (with `libpython3.11`) and pyenv's 3.11.x builds with a shared libpython.
/// `PYBUNDLE_TEST_PYTHONS` (colon-separated paths) replaces the search.
/// Panics when none is found: the app tests must never pass vacuously.
pub fn pythons() -> &'static [Python] {
    static FOUND: OnceLock<Vec<Python>> = OnceLock::new();
    let found = FOUND.get_or_init(find_pythons);
    assert!(
        !found.is_empty(),
        "no CPython 3.11 with a shared libpython found: install Debian's python3.11 and \
         libpython3.11 (scripts/setup.sh does), or a pyenv 3.11 built with --enable-shared, \
         or name interpreters in PYBUNDLE_TEST_PYTHONS"
    );
    found
}

pub fn first_python() -> &'static Python {
    &pythons()[0]
}

/// Debian's interpreter, which the "no shared libpython" test needs.
pub fn debian_python() -> Option<PathBuf> {
    let p = PathBuf::from("/usr/bin/python3.11");
    p.exists().then_some(p)
}

fn python_version(path: &Path) -> Option<String> {
    let out = Command::new(path)
        .args(["-I", "-c", "import platform; print(platform.python_version())"])
        .stdin(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn find_pythons() -> Vec<Python> {
    let mut found = Vec::new();
    if let Some(list) = std::env::var_os("PYBUNDLE_TEST_PYTHONS") {
        for p in std::env::split_paths(&list) {
            let v = python_version(&p)
                .unwrap_or_else(|| panic!("PYBUNDLE_TEST_PYTHONS: {} does not run", p.display()));
            // A label names directories of the tests: no `/` in it.
            let place = p.to_string_lossy().trim_start_matches('/').replace('/', "-");
            found.push(Python { label: format!("{place}-{v}"), path: p });
        }
        return found;
    }

    let deb = Path::new("/usr/bin/python3.11");
    let deb_lib = Path::new("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0");
    if deb.exists() {
        if deb_lib.exists() {
            if let Some(v) = python_version(deb) {
                found.push(Python { label: format!("debian-{v}"), path: deb.to_path_buf() });
            }
        } else {
            eprintln!("note: /usr/bin/python3.11 has no libpython3.11 (apt-get install libpython3.11); not used");
        }
    }

    for root in pyenv_roots() {
        let Ok(entries) = fs::read_dir(root.join("versions")) else { continue };
        let mut versions: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| {
                n.strip_prefix("3.11.")
                    .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect();
        versions.sort();
        for v in versions {
            let dir = root.join("versions").join(&v);
            let exe = dir.join("bin/python3.11");
            if !exe.exists() {
                continue;
            }
            if !dir.join("lib/libpython3.11.so.1.0").exists() {
                eprintln!(
                    "note: {} was built without --enable-shared; not used",
                    exe.display()
                );
                continue;
            }
            if python_version(&exe).is_some() {
                found.push(Python { label: format!("pyenv-{v}"), path: exe });
            }
        }
    }
    found
}

pub use test_env::pyenv_roots;

/// Runs `f` for every Python found, so one failing interpreter does not hide
/// the others; panics at the end naming each one that failed.
pub fn for_each_python(f: impl Fn(&Python)) {
    let mut failed = Vec::new();
    for py in pythons() {
        eprintln!("--- with {} ({})", py.label, py.path.display());
        if catch_unwind(AssertUnwindSafe(|| f(py))).is_err() {
            failed.push(py.label.clone());
        }
    }
    assert!(failed.is_empty(), "failed with: {}", failed.join(", "));
}

// ---------------------------------------------------------------------------
// Running commands

/// What a finished command did.
pub struct Out {
    pub cmd: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }
    pub fn signal(&self) -> Option<i32> {
        self.status.signal()
    }
    /// Non-empty stderr lines.
    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().filter(|l| !l.trim().is_empty()).collect()
    }
}

fn clip(s: &str) -> String {
    const MAX: usize = 6000;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut cut = s.len() - MAX;
    while !s.is_char_boundary(cut) {
        cut += 1;
    }
    format!("[... {cut} bytes cut ...]{}", &s[cut..])
}

impl fmt::Display for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "command: {}\nstatus: {:?} (code {:?}, signal {:?})\n--- stdout ---\n{}\n--- stderr ---\n{}\n--------------",
            self.cmd,
            self.status,
            self.status.code(),
            self.status.signal(),
            clip(&self.stdout),
            clip(&self.stderr)
        )
    }
}

impl fmt::Debug for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn describe(cmd: &Command) -> String {
    let mut s = String::new();
    if let Some(dir) = cmd.get_current_dir() {
        s.push_str(&format!("(cd {}) ", dir.display()));
    }
    let envs: Vec<String> = cmd
        .get_envs()
        .filter_map(|(k, v)| v.map(|v| format!("{}={}", k.to_string_lossy(), v.to_string_lossy())))
        .collect();
    if !envs.is_empty() {
        s.push_str(&envs.join(" "));
        s.push(' ');
    }
    s.push_str(&cmd.get_program().to_string_lossy());
    for a in cmd.get_args() {
        let a = a.to_string_lossy();
        if a.contains(char::is_whitespace) || a.is_empty() {
            s.push_str(&format!(" '{a}'"));
        } else {
            s.push(' ');
            s.push_str(&a);
        }
    }
    s
}

fn reader<R: Read + Send + 'static>(r: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut r) = r {
            let _ = r.read_to_end(&mut buf);
        }
        buf
    })
}

/// Waits for `child`, killing it (and failing the test) after HANG_GUARD.
pub fn wait_guarded(child: &mut Child, what: &str) -> ExitStatus {
    let deadline = Instant::now() + HANG_GUARD;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status,
            Ok(None) => {}
            Err(e) => panic!("waiting for {what}: {e}"),
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("hang guard: {what} still running after {HANG_GUARD:?}; killed it");
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Starts `cmd`, trying again while its program is "busy": a file this
/// process has just written can still be open for writing in a child that
/// another test thread forked at that moment, until that child execs.
pub fn spawn(cmd: &mut Command) -> std::io::Result<Child> {
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && tries < 100 => {
                tries += 1;
                thread::sleep(Duration::from_millis(20));
            }
            started => return started,
        }
    }
}

/// Runs a command to completion with stdin closed, capturing its output.
pub fn run(cmd: &mut Command) -> Out {
    let desc = describe(cmd);
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = spawn(cmd).unwrap_or_else(|e| panic!("cannot start {desc}: {e}"));
    let out = reader(child.stdout.take());
    let err = reader(child.stderr.take());
    let status = wait_guarded(&mut child, &desc);
    let stdout = String::from_utf8_lossy(&out.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().unwrap()).into_owned();
    Out { cmd: desc, status, stdout, stderr }
}

/// The minimal environment bundles run with: PATH and a scratch HOME.
pub fn minimal_env(cmd: &mut Command) -> &mut Command {
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", scratch_home())
}

/// A bundle run on the host with the minimal environment.
pub fn bundle_command(exe: &Path) -> Command {
    let mut cmd = Command::new(exe);
    minimal_env(&mut cmd);
    cmd
}

pub fn run_bundle(exe: &Path, args: &[&str]) -> Out {
    run(bundle_command(exe).args(args))
}

/// The packer, with the host's PYTHON* variables removed so they cannot
/// steer the target interpreter.
pub fn pybundle() -> Command {
    let mut cmd = Command::new(pybundle_exe());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("PYTHON") {
            cmd.env_remove(k);
        }
    }
    cmd
}

// ---------------------------------------------------------------------------
// Assertions

pub fn assert_no_panic(out: &Out) {
    assert!(
        !out.stderr.contains("panicked") && !out.stdout.contains("panicked"),
        "output shows a Rust panic\n{out}"
    );
    assert!(
        !out.stderr.contains("RUST_BACKTRACE"),
        "output shows a Rust panic\n{out}"
    );
}

pub fn assert_exit(out: &Out, code: i32) {
    assert_eq!(out.code(), Some(code), "unexpected exit status\n{out}");
}

/// A failure that is reported, not a crash: an exit code (no signal) that is
/// not zero.
pub fn assert_clean_failure(out: &Out) {
    assert!(out.signal().is_none(), "killed by signal {:?}\n{out}", out.signal());
    assert!(matches!(out.code(), Some(c) if c != 0), "expected a non-zero exit code\n{out}");
    assert_no_panic(out);
}

/// The packer's error contract: non-zero exit, nothing on stdout, exactly one
/// stderr line, starting `pybundle: error: ` and containing each of `needles`.
pub fn assert_one_error_line(out: &Out, needles: &[&str]) {
    assert_clean_failure(out);
    assert!(out.stdout.trim().is_empty(), "expected nothing on stdout\n{out}");
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "expected exactly one line on stderr\n{out}");
    let line = lines[0];
    assert!(line.starts_with("pybundle: error: "), "error line must start with 'pybundle: error: '\n{out}");
    for n in needles {
        assert!(line.contains(n), "error line should mention {n:?}\n{out}");
    }
}

/// Nothing was left behind in a distpath after a failed build.
pub fn assert_nothing_created(dist: &Path) {
    if !dist.exists() {
        return;
    }
    let mut files = Vec::new();
    walk(dist, &mut |p, _| files.push(p.to_path_buf()));
    assert!(files.is_empty(), "a failed build left files behind in {}: {files:?}", dist.display());
}

/// Calls `f(path, metadata)` for every non-directory under `dir` (symlinks
/// not followed).
pub fn walk(dir: &Path, f: &mut dyn FnMut(&Path, &fs::Metadata)) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(md) = fs::symlink_metadata(&p) else { continue };
        if md.is_dir() {
            walk(&p, f);
        } else {
            f(&p, &md);
        }
    }
}

/// Copies a file or a directory tree, keeping modes and symlinks.
pub fn copy_tree(from: &Path, to: &Path) {
    let md = fs::symlink_metadata(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    if md.file_type().is_symlink() {
        let target = fs::read_link(from).unwrap();
        std::os::unix::fs::symlink(target, to).unwrap();
    } else if md.is_dir() {
        fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
        fs::set_permissions(to, md.permissions()).unwrap();
        for e in fs::read_dir(from).unwrap().flatten() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        }
    } else {
        fs::copy(from, to)
            .unwrap_or_else(|e| panic!("copy {} -> {}: {e}", from.display(), to.display()));
    }
}

pub fn is_executable(p: &Path) -> bool {
    fs::metadata(p).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

// ---------------------------------------------------------------------------
// Building bundles

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    Onefile,
    Onedir,
}

impl Mode {
    pub fn flag(self) -> &'static str {
        match self {
            Mode::Onefile => "--onefile",
            Mode::Onedir => "--onedir",
        }
    }
}

/// A finished build.
#[derive(Debug)]
pub struct Built {
    pub mode: Mode,
    pub name: String,
    /// The `--distpath` given.
    pub dist: PathBuf,
    /// onefile: the bundle file; onedir: the `DIST/NAME` directory.
    pub output: PathBuf,
    /// What to run: onefile: `DIST/NAME`; onedir: `DIST/NAME/NAME`.
    pub exe: PathBuf,
    pub log: Out,
}

/// Builds `script` with `py` into `dist`. Checks the documented output layout.
pub fn build_into(
    script: &Path,
    mode: Mode,
    name: Option<&str>,
    py: &Python,
    dist: &Path,
    extra: &[&str],
) -> Result<Built, String> {
    let mut cmd = pybundle();
    cmd.arg(script).arg(mode.flag());
    if let Some(n) = name {
        cmd.args(["--name", n]);
    }
    cmd.arg("--python").arg(&py.path).arg("--distpath").arg(dist).args(extra);
    let log = run(&mut cmd);
    if log.code() != Some(0) {
        return Err(format!("pybundle build failed\n{log}"));
    }
    if log.stderr.contains("panicked") {
        return Err(format!("pybundle build printed a panic\n{log}"));
    }
    let name = name
        .map(str::to_string)
        .unwrap_or_else(|| script.file_stem().unwrap().to_string_lossy().into_owned());
    let (output, exe) = match mode {
        Mode::Onefile => (dist.join(&name), dist.join(&name)),
        Mode::Onedir => (dist.join(&name), dist.join(&name).join(&name)),
    };
    if !is_executable(&exe) {
        return Err(format!("build succeeded but {} is not an executable file\n{log}", exe.display()));
    }
    Ok(Built { mode, name, dist: dist.to_path_buf(), output, exe, log })
}

/// The test apps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum App {
    Hello,
    Stdlib,
    Package,
    DaemonThread,
    Behaviour,
}

impl App {
    pub fn script(self) -> PathBuf {
        app_path(match self {
            App::Hello => "hello.py",
            App::Stdlib => "stdlib_app.py",
            App::Package => "pkgapp/main.py",
            App::DaemonThread => "daemon_thread.py",
            App::Behaviour => "behaviour.py",
        })
    }
    /// `--name` given to the packer, if any.
    pub fn name_arg(self) -> Option<&'static str> {
        match self {
            App::Package => Some("pkgapp"),
            _ => None,
        }
    }
    pub fn name(self) -> String {
        match self.name_arg() {
            Some(n) => n.to_string(),
            None => self.script().file_stem().unwrap().to_string_lossy().into_owned(),
        }
    }
}

/// Builds `app` in its own temporary directory (`TMP/dist`).
pub fn build_fresh(app: App, mode: Mode, py: &Python) -> (tempfile::TempDir, Built) {
    let tmp = tempdir();
    let built = build_into(&app.script(), mode, app.name_arg(), py, &tmp.path().join("dist"), &[])
        .unwrap_or_else(|e| panic!("{e}"));
    (tmp, built)
}

/// One build per (app, mode, python) for the whole test process, so that the
/// many tests that only run a bundle share it. Each lives in its own
/// directory under `process_scratch()`. Tests must not modify it: copy first.
pub fn shared_build(app: App, mode: Mode, py: &Python) -> &'static Built {
    type Slot = OnceLock<Result<Built, String>>;
    static SLOTS: OnceLock<Mutex<HashMap<String, &'static Slot>>> = OnceLock::new();
    let key = format!("{app:?}-{mode:?}-{}", py.label).to_lowercase();
    let slot: &'static Slot = {
        let mut map = SLOTS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
        map.entry(key.clone()).or_insert_with(|| Box::leak(Box::new(OnceLock::new())))
    };
    let res = slot.get_or_init(|| {
        let dir = process_scratch().join("builds").join(&key);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        build_into(&app.script(), mode, app.name_arg(), py, &dir.join("dist"), &[])
    });
    match res {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    }
}

// ---------------------------------------------------------------------------
// Reading a bundle's payload

fn entry_name<R: Read>(e: &zip::read::ZipFile<'_, R>) -> String {
    e.name().map(|n| n.into_owned()).expect("zip entry name is not valid UTF-8")
}

/// Entry names of the zip appended to a bundle, read with the zip crate.
pub fn zip_names(bundle: &Path) -> Vec<String> {
    let f = fs::File::open(bundle).unwrap();
    let mut z = zip::ZipArchive::new(f)
        .unwrap_or_else(|e| panic!("{} is not readable as a zip: {e}", bundle.display()));
    (0..z.len()).map(|i| entry_name(&z.by_index_raw(i).unwrap())).collect()
}

pub fn zip_read(bundle: &Path, name: &str) -> Vec<u8> {
    let f = fs::File::open(bundle).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut e = z
        .by_name(name)
        .unwrap_or_else(|e| panic!("{}: no entry {name}: {e}", bundle.display()));
    let mut buf = Vec::new();
    e.read_to_end(&mut buf).unwrap();
    buf
}

/// (absolute file offset of the data, size of the stored data) of the first
/// entry whose name starts with `prefix`. Reads the local header itself.
pub fn zip_entry_data_range(bundle: &Path, prefix: &str) -> (String, u64, u64) {
    let bytes = fs::read(bundle).unwrap();
    let f = fs::File::open(bundle).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let archive_offset = z.offset();
    for i in 0..z.len() {
        let e = z.by_index_raw(i).unwrap();
        let name = entry_name(&e);
        if !name.starts_with(prefix) {
            continue;
        }
        let size = e.compressed_size();
        for base in [e.header_start(), e.header_start() + archive_offset] {
            let h = base as usize;
            if h + 30 <= bytes.len() && bytes[h..h + 4] == [0x50, 0x4b, 0x03, 0x04] {
                let n = u16::from_le_bytes([bytes[h + 26], bytes[h + 27]]) as u64;
                let m = u16::from_le_bytes([bytes[h + 28], bytes[h + 29]]) as u64;
                return (name, base + 30 + n + m, size);
            }
        }
        panic!("{}: no local header found for {name}", bundle.display());
    }
    panic!("{}: no entry starting with {prefix}", bundle.display());
}

/// Every string (object keys included) in a JSON value.
pub fn json_strings(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        serde_json::Value::String(s) => {
            out.insert(s.clone());
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                out.insert(k.clone());
                json_strings(x, out);
            }
        }
        _ => {}
    }
}

/// Files under a directory with their inode numbers, keyed by relative path.
pub fn inventory(dir: &Path) -> BTreeMap<PathBuf, u64> {
    use std::os::unix::fs::MetadataExt;
    let mut m = BTreeMap::new();
    walk(dir, &mut |p, md| {
        m.insert(p.strip_prefix(dir).unwrap().to_path_buf(), md.ino());
    });
    m
}

