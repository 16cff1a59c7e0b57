//! Every interpreter on the machine, for the version matrix and the
//! refusal tests, and shared builds of any script with any packer options.
use super::{build_into, process_scratch, pyenv_roots, python_version, Built, Mode, Python};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// The lowest minor version of CPython 3 that pybundle supports.
pub const MIN_MINOR: u32 = 8;

impl Python {
    /// `(major, minor)`, from the version at the end of the label
    /// (`debian-3.11.2`, `pyenv-3.8.18`).
    pub fn minor_version(&self) -> (u32, u32) {
        let v = self.label.rsplit('-').next().unwrap_or("");
        let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
        match (parts.next().flatten(), parts.next().flatten()) {
            (Some(a), Some(b)) => (a, b),
            _ => panic!("cannot read a version from the label {:?}", self.label),
        }
    }

    /// The version part of the label, as `3.8.18`.
    pub fn version_text(&self) -> &str {
        self.label.rsplit('-').next().unwrap_or("")
    }
}

/// `versions/NAME` directories of every pyenv root, sorted by version.
fn pyenv_versions() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for root in pyenv_roots() {
        let Ok(entries) = fs::read_dir(root.join("versions")) else { continue };
        for e in entries.flatten() {
            if let Ok(name) = e.file_name().into_string() {
                out.push((name, e.path()));
            }
        }
    }
    out.sort_by_key(|(name, _)| version_key(name));
    out
}

/// `3.10.13` sorts after `3.9.18`.
fn version_key(name: &str) -> Vec<u64> {
    name.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).map(|p| p.parse().unwrap_or(0)).collect()
}

/// `Some((minor, patch))` for a plain `3.X.Y` release name (no `t`, `-dev`, ...).
fn plain_release(name: &str) -> Option<(u32, u32)> {
    let rest = name.strip_prefix("3.")?;
    let (minor, patch) = rest.split_once('.')?;
    if minor.is_empty() || patch.is_empty() || !(minor.bytes().chain(patch.bytes()).all(|b| b.is_ascii_digit())) {
        return None;
    }
    Some((minor.parse().ok()?, patch.parse().ok()?))
}

/// Every CPython that pybundle supports on this machine: Debian's
/// `/usr/bin/python3.11` (with `libpython3.11`) and each pyenv `3.X.Y`
/// (X >= 8) built with a shared libpython, oldest first. With
/// `PYBUNDLE_TEST_PYTHONS` set, exactly the interpreters it names.
/// Panics when none is found.
pub fn all_cpythons() -> &'static [Python] {
    static FOUND: OnceLock<Vec<Python>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        if std::env::var_os("PYBUNDLE_TEST_PYTHONS").is_some() {
            return super::pythons().to_vec();
        }
        let mut found = Vec::new();
        let deb = Path::new("/usr/bin/python3.11");
        if deb.exists() && Path::new("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0").exists() {
            if let Some(v) = python_version(deb) {
                found.push(Python { label: format!("debian-{v}"), path: deb.to_path_buf() });
            }
        }
        for (name, dir) in pyenv_versions() {
            let Some((minor, _)) = plain_release(&name) else { continue };
            if minor < MIN_MINOR {
                continue;
            }
            let exe = dir.join(format!("bin/python3.{minor}"));
            if !exe.exists() {
                continue;
            }
            if !dir.join(format!("lib/libpython3.{minor}.so.1.0")).exists() {
                eprintln!("note: {} was built without --enable-shared; not in the matrix", exe.display());
                continue;
            }
            if python_version(&exe).is_some() {
                found.push(Python { label: format!("pyenv-{name}"), path: exe });
            }
        }
        found
    });
    assert!(
        !found.is_empty(),
        "no supported CPython found: install Debian's python3.11 and libpython3.11 (scripts/setup.sh does)"
    );
    found
}

/// pyenv CPythons older than 3.8 (3.7, 3.6, 2.7, ...): `(version, exe)`.
pub fn old_cpythons() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for (name, dir) in pyenv_versions() {
        let key = version_key(&name);
        let (Some(&major), Some(&minor)) = (key.first(), key.get(1)) else { continue };
        if !name.starts_with(|c: char| c.is_ascii_digit()) || (major, minor) >= (3, MIN_MINOR as u64) {
            continue;
        }
        let exe = dir.join(format!("bin/python{major}.{minor}"));
        if exe.exists() {
            out.push((name, exe));
        }
    }
    out
}

/// Free-threaded CPython builds (`python3.13t` and later) on this machine.
pub fn free_threaded_cpythons() -> Vec<PathBuf> {
    let mut cands: Vec<PathBuf> = Vec::new();
    for minor in 13..=20 {
        for dir in ["/usr/bin", "/usr/local/bin"] {
            cands.push(Path::new(dir).join(format!("python3.{minor}t")));
        }
    }
    for (_, dir) in pyenv_versions() {
        let Ok(entries) = fs::read_dir(dir.join("bin")) else { continue };
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with("python3.") && n.ends_with('t') {
                cands.push(e.path());
            }
        }
    }
    cands
        .into_iter()
        .filter(|p| p.exists())
        .filter(|p| {
            // Only those that really run without the GIL.
            Command::new(p)
                .args(["-I", "-c", "import sysconfig, sys; sys.exit(0 if sysconfig.get_config_var('Py_GIL_DISABLED') else 1)"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .collect()
}

/// A PyPy on PATH's usual directories (`pypy3`, from Debian's `pypy3`).
pub fn pypy() -> Option<PathBuf> {
    ["/usr/bin/pypy3", "/usr/local/bin/pypy3"].iter().map(PathBuf::from).find(|p| p.exists())
}

/// One build per (script, name, mode, python, extra packer arguments) for
/// the whole test process, like `shared_build` but for any script. Tests
/// must not modify it: copy first.
pub fn shared_build_of(script: &Path, name: Option<&str>, mode: Mode, py: &Python, extra: &[&str]) -> &'static Built {
    type Slot = OnceLock<Result<Built, String>>;
    static SLOTS: OnceLock<Mutex<HashMap<String, &'static Slot>>> = OnceLock::new();
    static N: AtomicUsize = AtomicUsize::new(0);
    let key = format!("{}|{name:?}|{mode:?}|{}|{}", script.display(), py.label, extra.join("\u{1f}"));
    let slot: &'static Slot = {
        let mut map = SLOTS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
        map.entry(key).or_insert_with(|| Box::leak(Box::new(OnceLock::new())))
    };
    let res = slot.get_or_init(|| {
        let stem = name
            .map(str::to_string)
            .unwrap_or_else(|| script.file_stem().unwrap().to_string_lossy().into_owned());
        let dir = process_scratch()
            .join("builds-of")
            .join(format!("{stem}-{}-{}", py.label, N.fetch_add(1, Ordering::SeqCst)));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        build_into(script, mode, name, py, &dir.join("dist"), extra)
    });
    match res {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    }
}

/// Runs `f` for every supported CPython (`all_cpythons`), so one failing
/// interpreter does not hide the others; panics at the end naming each one
/// that failed. `f` returns a short note for the per-version summary line,
/// which goes straight to stderr (not captured), one line per version.
pub fn for_each_cpython(test: &str, f: impl Fn(&Python) -> String) {
    use std::io::Write;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    let mut failed = Vec::new();
    for py in all_cpythons() {
        let line = match catch_unwind(AssertUnwindSafe(|| f(py))) {
            Ok(note) => format!("{test}: {} ({}): ok {note}", py.label, py.path.display()),
            Err(_) => {
                failed.push(py.label.clone());
                format!("{test}: {} ({}): FAILED", py.label, py.path.display())
            }
        };
        let _ = writeln!(std::io::stderr(), "{line}");
    }
    assert!(failed.is_empty(), "{test} failed with: {}", failed.join(", "));
}
