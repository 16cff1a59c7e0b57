//! Virtualenvs of Debian's python3.11 with real third-party packages
//! installed by pip, for bundling the apps under `tests/apps/real/` and
//! `tests/apps/popular/`.
//!
//! Each is made once and cached in `test-cache/venv-<label>-<python version>/`:
//! created in a staging directory and renamed into place, under an exclusive
//! lock, so that parallel tests and separate test processes never see (or
//! make) a half-installed venv. A venv whose package list differs from
//! `PACKAGES` is made again.
use super::{run, test_cache_dir, Python};
use std::collections::BTreeMap;
use std::fs;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// What the real apps need, unpinned: the tests run against what pip picks.
pub const PACKAGES: &[&str] = &[
    "fastapi", "uvicorn", "click", "rich", "numpy", "cryptography", "certifi", "pydantic", "pyyaml",
    "pillow", "requests",
];

/// What the popular-packages apps need (`tests/popular.rs`), and the
/// packages that pandas imports when they are installed, which its app
/// must not carry (`matplotlib`, `scipy`, `pyarrow`).
pub const POPULAR_PACKAGES: &[&str] = &[
    "flask", "jinja2", "django", "orjson", "pandas", "markdown", "tzdata", "boto3", "grpcio", "protobuf",
    "babel", "lxml", "httpx", "matplotlib", "scipy", "pyarrow", "requests", "certifi", "pytz",
];

/// The interpreter the venv is made from.
pub const BASE_PYTHON: &str = "/usr/bin/python3.11";

/// Written last into a finished venv: the package list it was made for.
const MARKER: &str = "pybundle-packages.txt";
/// The installed distributions and their versions (`pip list`), one per line.
const VERSIONS: &str = "pybundle-versions.txt";

pub struct Venv {
    pub dir: PathBuf,
    /// The packages it was made for.
    pub packages: &'static [&'static str],
    /// `<venv>/bin/python`, as a user passes it to `--python`.
    pub python: PathBuf,
    /// Every installed distribution (lower-case name) and its version.
    pub versions: BTreeMap<String, String>,
}

impl Venv {
    /// The venv's interpreter as the harness' `Python`.
    pub fn as_python(&self) -> Python {
        Python { label: format!("venv-{}", self.dir.file_name().unwrap_or_default().to_string_lossy()), path: self.python.clone() }
    }

    pub fn site_packages(&self) -> PathBuf {
        let lib = self.dir.join("lib");
        let found = fs::read_dir(&lib)
            .unwrap_or_else(|e| panic!("{}: {e}", lib.display()))
            .flatten()
            .map(|e| e.path().join("site-packages"))
            .find(|p| p.is_dir());
        found.unwrap_or_else(|| panic!("no site-packages under {}", lib.display()))
    }

    /// `name version` lines for the test output.
    pub fn describe(&self) -> String {
        let wanted: Vec<String> = self.packages.iter().map(|p| normalize(p)).collect();
        self.versions
            .iter()
            .filter(|(name, _)| wanted.contains(name))
            .map(|(name, version)| format!("{name} {version}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The cached venv of the real apps, made on first use (needs the package
/// registry then).
pub fn real_venv() -> &'static Venv {
    static VENV: OnceLock<Result<Venv, String>> = OnceLock::new();
    shown(VENV.get_or_init(|| make_or_reuse("real", PACKAGES)), "real")
}

/// The cached venv of the popular-packages apps, likewise.
pub fn popular_venv() -> &'static Venv {
    static VENV: OnceLock<Result<Venv, String>> = OnceLock::new();
    shown(VENV.get_or_init(|| make_or_reuse("popular", POPULAR_PACKAGES)), "popular")
}

fn shown(made: &'static Result<Venv, String>, label: &str) -> &'static Venv {
    let venv = match made {
        Ok(v) => v,
        Err(e) => panic!("cannot make the {label} venv: {e}"),
    };
    // Shown with the test output (cargo test -- --nocapture, or on failure).
    eprintln!("{label} venv {}: {}", venv.dir.display(), venv.describe());
    venv
}

/// pip's name normalization (PEP 503), enough to match `pip list` names.
fn normalize(name: &str) -> String {
    name.to_lowercase().replace(['_', '.'], "-")
}

fn base_version() -> Result<String, String> {
    if !Path::new(BASE_PYTHON).exists() {
        return Err(format!("{BASE_PYTHON} is missing: run scripts/setup.sh"));
    }
    let out = run(Command::new(BASE_PYTHON).args(["-I", "-c", "import platform; print(platform.python_version())"]));
    if out.code() != Some(0) {
        return Err(format!("{BASE_PYTHON} does not run\n{out}"));
    }
    Ok(out.stdout.trim().to_string())
}

fn marker_text(packages: &[&str]) -> String {
    packages.iter().map(|p| format!("{p}\n")).collect()
}

fn read_versions(dir: &Path) -> Option<BTreeMap<String, String>> {
    let text = fs::read_to_string(dir.join(VERSIONS)).ok()?;
    let map: BTreeMap<String, String> = text
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(n, v)| (normalize(n), v.to_string()))
        .collect();
    (!map.is_empty()).then_some(map)
}

/// A finished venv at `dir`, if there is one made for `packages`.
fn finished(dir: &Path, packages: &'static [&'static str]) -> Option<Venv> {
    if fs::read_to_string(dir.join(MARKER)).ok()? != marker_text(packages) {
        return None;
    }
    let python = dir.join("bin/python");
    if !python.exists() {
        return None;
    }
    let versions = read_versions(dir)?;
    Some(Venv { dir: dir.to_path_buf(), packages, python, versions })
}

/// An exclusive lock on a file, released when dropped (or when the process
/// ends, however it ends).
struct Lock(fs::File);

impl Lock {
    fn take(path: &Path) -> Result<Lock, String> {
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        // SAFETY: flock on a descriptor this function owns.
        let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if r != 0 {
            return Err(format!("flock {}: {}", path.display(), std::io::Error::last_os_error()));
        }
        Ok(Lock(file))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // SAFETY: as above.
        unsafe {
            libc::flock(self.0.as_raw_fd(), libc::LOCK_UN);
        }
    }
}

fn make_or_reuse(label: &str, packages: &'static [&'static str]) -> Result<Venv, String> {
    let version = base_version()?;
    let cache = test_cache_dir();
    let dir = cache.join(format!("venv-{label}-{version}"));
    if let Some(v) = finished(&dir, packages) {
        return Ok(v);
    }
    let _lock = Lock::take(&cache.join(format!("venv-{label}-{version}.lock")))?;
    // Another process may have made it while this one waited.
    if let Some(v) = finished(&dir, packages) {
        return Ok(v);
    }
    let staging = cache.join(format!(".venv-{label}-{version}.staging-{}", super::pid_namespace::run_id()));
    let _ = fs::remove_dir_all(&staging);
    let made = make(&staging, packages);
    if let Err(e) = made {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    // Replace a stale venv (another package list, or half-removed).
    if dir.exists() {
        let old = cache.join(format!(".venv-{label}-{version}.old-{}", super::pid_namespace::run_id()));
        fs::rename(&dir, &old).map_err(|e| format!("rename {}: {e}", dir.display()))?;
        let _ = fs::remove_dir_all(&old);
    }
    fs::rename(&staging, &dir).map_err(|e| format!("rename {} -> {}: {e}", staging.display(), dir.display()))?;
    finished(&dir, packages).ok_or_else(|| format!("{} is incomplete after it was made", dir.display()))
}

/// Makes the venv at `dir`: the files that only make sense at the final
/// path (console scripts' #! lines) are never used; everything runs as
/// `bin/python -m ...`, which works wherever the venv is.
fn make(dir: &Path, packages: &[&str]) -> Result<(), String> {
    let out = run(Command::new(BASE_PYTHON).args(["-m", "venv"]).arg(dir));
    if out.code() != Some(0) {
        return Err(format!(
            "`{BASE_PYTHON} -m venv` failed; Debian needs python3.11-venv (scripts/setup.sh installs it)\n{out}"
        ));
    }
    let python = dir.join("bin/python");
    let pip = |args: &[&str]| {
        let mut cmd = Command::new(&python);
        cmd.args(["-m", "pip"])
            .args(args)
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .env("PIP_NO_INPUT", "1")
            .env("PIP_PROGRESS_BAR", "off")
            .env_remove("PYTHONPATH")
            .env_remove("PYTHONHOME");
        run(&mut cmd)
    };
    let out = pip(&["install", "--quiet", "--only-binary", ":all:"].iter().chain(packages).copied().collect::<Vec<_>>());
    if out.code() != Some(0) {
        return Err(format!(
            "pip could not install {} into {}: is the package registry (or PIP_INDEX_URL) reachable \
             from here? CI has registry access.\n{out}",
            packages.join(" "),
            dir.display()
        ));
    }
    let out = pip(&["list", "--format=freeze"]);
    if out.code() != Some(0) {
        return Err(format!("pip list failed\n{out}"));
    }
    let versions: String = out
        .stdout
        .lines()
        .filter_map(|l| l.split_once("=="))
        .map(|(n, v)| format!("{n} {v}\n"))
        .collect();
    let listed: Vec<String> = versions.lines().filter_map(|l| l.split_once(' ')).map(|(n, _)| normalize(n)).collect();
    if let Some(absent) = packages.iter().find(|p| !listed.contains(&normalize(p))) {
        return Err(format!("pip reported success but {absent} is not installed in {}\n{out}", dir.display()));
    }
    fs::write(dir.join(VERSIONS), versions).map_err(|e| e.to_string())?;
    fs::write(dir.join(MARKER), marker_text(packages)).map_err(|e| e.to_string())
}
