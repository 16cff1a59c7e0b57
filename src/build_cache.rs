//! The packer's own cache of compiled bytecode, keyed by content, so that a
//! rebuild only compiles what changed. Lives in `$XDG_CACHE_HOME/pybundle/build`
//! (else `~/.cache/pybundle/build`); `PYBUNDLE_BUILD_CACHE` overrides it.
//! Without a usable cache directory, builds still work, just slower.
//!
//! Each cached file is the blake3 hash of its content followed by the
//! content; a file that does not match its hash (damaged, cut short, or
//! from an older pybundle) is not used, and is compiled and stored again.

use std::io::Write;
use std::path::PathBuf;

const HASH_LEN: usize = 32;

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
        let dir = dir.map(|d| d.join("pyc")).filter(|d| std::fs::create_dir_all(d).is_ok());
        BuildCache { dir }
    }

    /// The cached bytecode for `key`, if there is a sound copy.
    pub fn load(&self, key: &str) -> Option<Vec<u8>> {
        let mut data = std::fs::read(self.path(key)?).ok()?;
        if data.len() < HASH_LEN || blake3::hash(&data[HASH_LEN..]).as_bytes() != &data[..HASH_LEN] {
            return None;
        }
        data.drain(..HASH_LEN);
        Some(data)
    }

    /// Puts `data` into the cache under `key` atomically (best effort).
    pub fn store(&self, key: &str, data: &[u8]) {
        let Some(dest) = self.path(key) else { return };
        let Some(dir) = dest.parent() else { return };
        let Ok(mut staging) = crate::cleanup::tempfile_in(dir) else { return };
        let written = staging.write_all(blake3::hash(data).as_bytes()).and_then(|()| staging.write_all(data));
        if written.is_ok() {
            let _ = staging.persist(&dest);
        }
    }

    fn path(&self, key: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(format!("{key}.pyc")))
    }
}
