//! The packer's own cache, keyed by content: compiled bytecode, so that a
//! rebuild only compiles what changed, and what the import probe recorded
//! for each distribution version. Lives in `$XDG_CACHE_HOME/pybundle/build`
//! (else `~/.cache/pybundle/build`); `PYBUNDLE_BUILD_CACHE` overrides it.
//! Without a usable cache directory, builds still work, just slower.

use std::path::{Path, PathBuf};

pub struct BuildCache {
    dir: Option<PathBuf>,
}

impl BuildCache {
    /// The user's build cache, or a disabled one if there is no place for it.
    pub fn user() -> BuildCache {
        let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let dir = env("PYBUNDLE_BUILD_CACHE")
            .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("pybundle").join("build")))
            .or_else(|| env("HOME").map(|d| d.join(".cache").join("pybundle").join("build")));
        let dir = dir.filter(|d| ["pyc", "probe"].iter().all(|kind| std::fs::create_dir_all(d.join(kind)).is_ok()));
        BuildCache { dir }
    }

    /// Where a cached file for `key` would be, if the cache is enabled.
    pub fn pyc_path(&self, key: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join("pyc").join(format!("{key}.pyc")))
    }

    /// Puts `file` into the cache under `key` atomically (best effort).
    pub fn store_pyc(&self, key: &str, file: &Path) {
        if let (Some(dest), Ok(data)) = (self.pyc_path(key), std::fs::read(file)) {
            store(&dest, &data);
        }
    }

    /// What the import probe recorded under `key`, if cached.
    pub fn probe_record(&self, key: &str) -> Option<Vec<u8>> {
        std::fs::read(self.probe_path(key)?).ok()
    }

    /// Keeps a probe record under `key` (best effort).
    pub fn store_probe_record(&self, key: &str, data: &[u8]) {
        if let Some(dest) = self.probe_path(key) {
            store(&dest, data);
        }
    }

    fn probe_path(&self, key: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join("probe").join(format!("{key}.json")))
    }
}

/// Writes `data` to `dest` atomically: a staging file renamed into place.
fn store(dest: &Path, data: &[u8]) {
    let staging = dest.with_extension(format!("{}.tmp", std::process::id()));
    if std::fs::write(&staging, data).is_ok() && std::fs::rename(&staging, dest).is_err() {
        let _ = std::fs::remove_file(&staging);
    }
}
