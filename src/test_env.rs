//! What the tests need from this machine, for the unit tests and (through
//! `#[path]`) the integration tests' `support`: whether something missing
//! skips a test or fails it, and the CPythons with a shared libpython.
//!
//! With `PYBUNDLE_REQUIRE_ALL=1` (scripts/test.sh sets it, and so CI) every
//! missing tool, interpreter or download fails the test that needs it,
//! naming it; without it a test may skip and says so on stderr.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The variable that turns every skip into a failure.
pub const REQUIRE_ALL: &str = "PYBUNDLE_REQUIRE_ALL";

/// Whether every test must run (`PYBUNDLE_REQUIRE_ALL=1`).
pub fn all_required() -> bool {
    std::env::var(REQUIRE_ALL).is_ok_and(|v| v == "1")
}

/// Reports that `what` is missing for `part` (of a test): a failure naming
/// it when every test must run, else a `SKIPPED:` line written straight to
/// stderr, which the test harness does not capture.
#[track_caller]
pub fn missing(what: &str, part: &str) {
    assert!(
        !all_required(),
        "{part} needs {what}, which is missing ({REQUIRE_ALL}=1 makes this a failure; scripts/setup.sh installs what the tests need)"
    );
    let _ = writeln!(std::io::stderr(), "SKIPPED: {part}: {what} is missing");
}

/// Reports that `what`, which no registry this machine reaches packages
/// (so no set-up can install it), is not there for `part`: a `SKIPPED:`
/// line in every mode, saying so.
pub fn unobtainable(what: &str, part: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED: {part}: {what} is not there, and no registry this machine reaches packages one");
}

/// Reports that `what`, an interpreter only pyenv provides here (Debian 12
/// packages no other), is missing for `part`: missing from an installed
/// pyenv, or unobtainable on a machine without one.
#[track_caller]
pub fn missing_from_pyenv(what: &str, part: &str) {
    if pyenv_roots().is_empty() {
        unobtainable(&format!("{what} (there is no pyenv)"), part);
    } else {
        missing(what, part);
    }
}

/// `found`, or `None` after reporting `what` missing for `part`.
#[track_caller]
pub fn require<T>(found: Option<T>, what: &str, part: &str) -> Option<T> {
    if found.is_none() {
        missing(what, part);
    }
    found
}

/// A CPython on this machine with a shared libpython.
#[derive(Clone, Debug)]
pub struct Cpython {
    pub exe: PathBuf,
    /// `platform.python_version()`, as `3.11.7`.
    pub version: String,
    pub minor: u32,
    /// The shared libpython (`LIBDIR/INSTSONAME`).
    pub libpython: PathBuf,
    /// Where the stdlib's extension modules are (`DESTSHARED`).
    pub dynload: PathBuf,
    /// The `Python.h` directory (`INCLUDEPY`), when the headers are installed.
    pub include: Option<PathBuf>,
}

/// Every CPython 3 with a shared libpython found here, once per process:
/// the interpreters `PYBUNDLE_TEST_PYTHONS` names (colon-separated), else
/// the system's `/usr/bin/python3.X` and every pyenv `3.X.Y` build, in
/// that order.
pub fn cpythons() -> &'static [Cpython] {
    static FOUND: OnceLock<Vec<Cpython>> = OnceLock::new();
    FOUND.get_or_init(|| {
        let candidates: Vec<PathBuf> = match std::env::var_os("PYBUNDLE_TEST_PYTHONS") {
            Some(list) => std::env::split_paths(&list).collect(),
            None => (6..=20)
                .map(|minor| PathBuf::from(format!("/usr/bin/python3.{minor}")))
                .chain(pyenv_pythons())
                .collect(),
        };
        candidates.iter().filter(|exe| exe.is_file()).filter_map(|exe| describe(exe)).collect()
    })
}

/// The first CPython 3.`minor` of [`cpythons`], or `None` after reporting
/// it missing for `part`.
#[track_caller]
pub fn cpython(minor: u32, part: &str) -> Option<&'static Cpython> {
    let found = cpythons().iter().find(|py| py.minor == minor);
    require(found, &format!("a CPython 3.{minor} with a shared libpython (Debian: python3.{minor} libpython3.{minor})"), part)
}

/// The pyenv roots on this machine ($PYENV_ROOT, `pyenv root`, ~/.pyenv),
/// canonical and without duplicates; only those that exist.
pub fn pyenv_roots() -> Vec<PathBuf> {
    let named = std::env::var_os("PYENV_ROOT").map(PathBuf::from);
    let asked = Command::new("pyenv").arg("root").stdin(Stdio::null()).stderr(Stdio::null()).output().ok();
    let asked = asked.filter(|out| out.status.success()).map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    let home = std::env::var_os("HOME").map(|h| Path::new(&h).join(".pyenv"));
    let mut roots: Vec<PathBuf> = Vec::new();
    for root in [named, asked, home].into_iter().flatten() {
        if let Ok(root) = std::fs::canonicalize(root) {
            if !roots.contains(&root) {
                roots.push(root);
            }
        }
    }
    roots
}

/// `versions/3.X.Y/bin/python3.X` of every pyenv root, plain releases only.
fn pyenv_pythons() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for root in pyenv_roots() {
        let Ok(entries) = std::fs::read_dir(root.join("versions")) else { continue };
        let mut versions: Vec<(Vec<u32>, PathBuf)> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let parts: Vec<u32> = name.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
                (parts.len() == 3 && parts[0] == 3).then(|| {
                    let exe = e.path().join(format!("bin/python3.{}", parts[1]));
                    (parts, exe)
                })
            })
            .collect();
        versions.sort();
        found.extend(versions.into_iter().map(|(_, exe)| exe));
    }
    found
}

/// What `exe` says about itself; `None` for a static libpython or one that
/// does not run.
fn describe(exe: &Path) -> Option<Cpython> {
    const SCRIPT: &str = "import platform, sys, sysconfig as s\n\
        v = s.get_config_var\n\
        print(platform.python_implementation(), platform.python_version(), sys.version_info[1], sep='\\n')\n\
        print(v('LIBDIR'), v('INSTSONAME'), v('DESTSHARED'), v('INCLUDEPY'), v('Py_ENABLE_SHARED'), sep='\\n')";
    let out = Command::new(exe).args(["-I", "-c", SCRIPT]).stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let lines: Vec<&str> = text.lines().collect();
    let [implementation, version, minor, libdir, soname, dynload, include, shared] = lines[..] else { return None };
    if !out.status.success() || implementation != "CPython" || shared != "1" {
        return None;
    }
    let libpython = Path::new(libdir).join(soname);
    let include = Path::new(include);
    Some(Cpython {
        exe: exe.to_path_buf(),
        version: version.to_string(),
        minor: minor.parse().ok()?,
        libpython: libpython.is_file().then_some(libpython)?,
        dynload: PathBuf::from(dynload),
        include: include.join("Python.h").is_file().then(|| include.to_path_buf()),
    })
}

/// Every `GLIBC_X.Y` version `readelf -V` shows for the ELF file at `path`
/// (an independent reading of its version needs), sorted; `None` after
/// reporting it when binutils' readelf is missing.
#[track_caller]
pub fn readelf_glibc_versions(path: &Path, part: &str) -> Option<Vec<(u32, u32)>> {
    let readelf = require(which::which("readelf").ok(), "readelf (binutils)", part)?;
    let out = Command::new(readelf).args(["-V", "-W"]).arg(path).stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "readelf -V {} failed: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut versions: Vec<(u32, u32)> = text
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter_map(|word| {
            let mut parts = word.strip_prefix("GLIBC_")?.split('.');
            Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
        })
        .collect();
    versions.sort_unstable();
    versions.dedup();
    Some(versions)
}


/// The target directory (`CARGO_TARGET_DIR` if set).
pub fn target_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR").filter(|t| !t.is_empty());
    manifest.join(target.map_or_else(|| PathBuf::from("target"), PathBuf::from))
}

/// `$PYBUNDLE_TEST_CACHE`, else `test-cache/` in the target directory: for
/// what is worth keeping between runs (roots, venvs, downloads).
pub fn test_cache_dir() -> PathBuf {
    let named = std::env::var_os("PYBUNDLE_TEST_CACHE").filter(|d| !d.is_empty()).map(PathBuf::from);
    let dir = named.unwrap_or_else(|| target_dir().join("test-cache"));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// A Python that imports pefile: `$PYBUNDLE_TEST_PYTHON`, else the venv
/// scripts/setup.sh makes (`test-cache/pefile-venv`), else `python3`;
/// `None` after reporting it missing for `part`.
#[track_caller]
pub fn pefile_python(part: &str) -> Option<PathBuf> {
    let named = std::env::var_os("PYBUNDLE_TEST_PYTHON").map(PathBuf::from);
    let venv = test_cache_dir().join("pefile-venv/bin/python");
    let found = named.into_iter().chain([venv, PathBuf::from("python3")]).find(|python| {
        Command::new(python)
            .args(["-c", "import pefile"])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    require(found, "a Python with pefile (scripts/setup.sh makes one; or set PYBUNDLE_TEST_PYTHON)", part)
}
