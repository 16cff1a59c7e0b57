//! The packer's own cache, keyed by content: compiled bytecode, so that a
//! rebuild only compiles what changed, what the import probe recorded
//! for each distribution version, and large entries once compressed. Lives in `$XDG_CACHE_HOME/pybundle/build`
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
    /// The cache's root, with a directory per kind of record.
    dir: Option<PathBuf>,
}

/// What is cached, each in a directory of its own.
const KINDS: [(&str, &str); 3] = [("pyc", "pyc"), ("probe", "json"), ("zstd", "zst")];

impl BuildCache {
    /// The user's build cache, or a disabled one if there is no place for it.
    pub fn user() -> BuildCache {
        let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let dir = env("PYBUNDLE_BUILD_CACHE")
            .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("pybundle").join("build")))
            .or_else(|| env("HOME").map(|d| d.join(".cache").join("pybundle").join("build")));
        let dir = dir.filter(|d| KINDS.iter().all(|(kind, _)| std::fs::create_dir_all(d.join(kind)).is_ok()));
        BuildCache { dir }
    }

    /// The cached bytecode for `key`, if there is a sound copy.
    pub fn load(&self, key: &str) -> Option<Vec<u8>> {
        self.load_kind(KINDS[0], key)
    }

    /// Puts bytecode into the cache under `key` atomically (best effort).
    pub fn store(&self, key: &str, data: &[u8]) {
        self.store_kind(KINDS[0], key, data);
    }

    /// What the import probe recorded under `key`, if there is a sound copy.
    pub fn probe_record(&self, key: &str) -> Option<Vec<u8>> {
        self.load_kind(KINDS[1], key)
    }

    /// Keeps a probe record under `key` (best effort).
    pub fn store_probe_record(&self, key: &str, data: &[u8]) {
        self.store_kind(KINDS[1], key, data);
    }

    /// The compressed frames kept under `key`, if there is a sound copy.
    pub fn load_compressed(&self, key: &str) -> Option<Vec<u8>> {
        self.load_kind(KINDS[2], key)
    }

    /// Keeps compressed frames under `key` (best effort).
    pub fn store_compressed(&self, key: &str, data: &[u8]) {
        self.store_kind(KINDS[2], key, data);
    }

    fn load_kind(&self, kind: (&str, &str), key: &str) -> Option<Vec<u8>> {
        let mut data = std::fs::read(self.path(kind, key)?).ok()?;
        if data.len() < HASH_LEN || blake3::hash(&data[HASH_LEN..]).as_bytes() != &data[..HASH_LEN] {
            return None;
        }
        data.drain(..HASH_LEN);
        Some(data)
    }

    fn store_kind(&self, kind: (&str, &str), key: &str, data: &[u8]) {
        let Some(dest) = self.path(kind, key) else { return };
        let Some(dir) = dest.parent() else { return };
        let Ok(mut staging) = crate::cleanup::tempfile_in(dir) else { return };
        let written = staging.write_all(blake3::hash(data).as_bytes()).and_then(|()| staging.write_all(data));
        if written.is_ok() {
            let _ = staging.persist(&dest);
        }
    }

    fn path(&self, (kind, extension): (&str, &str), key: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(kind).join(format!("{key}.{extension}")))
    }
}
