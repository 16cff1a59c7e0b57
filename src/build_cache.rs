//! The packer's own cache of compiled bytecode, keyed by content, so that a
//! rebuild only compiles what changed. Lives in `$XDG_CACHE_HOME/pybundle/build`
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
        let dir = dir.filter(|d| std::fs::create_dir_all(d.join("pyc")).is_ok());
        BuildCache { dir }
    }

    /// Where a cached file for `key` would be, if the cache is enabled.
    pub fn pyc_path(&self, key: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join("pyc").join(format!("{key}.pyc")))
    }

    /// Puts `file` into the cache under `key` atomically (best effort).
    pub fn store_pyc(&self, key: &str, file: &Path) {
        if let Some(dest) = self.pyc_path(key) {
            let staging = dest.with_extension(format!("{}.tmp", std::process::id()));
            if std::fs::copy(file, &staging).is_ok() && std::fs::rename(&staging, &dest).is_err() {
                let _ = std::fs::remove_file(&staging);
            }
        }
    }
}
