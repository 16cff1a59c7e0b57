//! The build plan: every entry of the bundle with its archive name, kind,
//! content and compression. Later stages only read and extend it.

use pybundle_bootloader::layout;
use pybundle_bootloader::manifest::{Native, NativeKind};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Kept as is: the manifest, directories, and native files that onedir
    /// places on disk.
    Stored,
    /// zstd frames at the level `--compress` chooses, unless that is not
    /// smaller: bytecode, data and native files, which the stub decodes.
    Zstd,
}

/// How hard the writer compresses (`--compress`): the trade of size
/// against build time; start-up is about the same for every level (the
/// README has the curve).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effort {
    /// Everything stored: the largest bundle, no decoding at start.
    None,
    /// zstd level 3: quick to build.
    Fast,
    /// zstd level 19: the smallest bundle.
    Max,
}

impl Effort {
    /// The zstd level, or `None` to store.
    pub fn level(self) -> Option<i32> {
        match self {
            Effort::None => None,
            Effort::Fast => Some(3),
            Effort::Max => Some(19),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Bytecode,
    Data,
    Directory,
    Native(NativeKind),
}

impl Kind {
    pub fn label(&self) -> &'static str {
        match self {
            Kind::Bytecode => "bytecode",
            Kind::Data => "data",
            Kind::Directory => "directory",
            Kind::Native(NativeKind::Library) => "library",
            Kind::Native(NativeKind::Extension { .. }) => "extension",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    /// `/`-separated path inside the archive.
    pub name: String,
    pub kind: Kind,
    pub data: Vec<u8>,
    pub compression: Compression,
    /// Why it is in the bundle, for `--report`.
    pub why: String,
}

impl Entry {
    pub fn bytecode(name: String, data: Vec<u8>, why: String) -> Entry {
        Entry { name, kind: Kind::Bytecode, data, compression: Compression::Zstd, why }
    }

    pub fn data(name: String, data: Vec<u8>, why: String) -> Entry {
        Entry { name, kind: Kind::Data, data, compression: Compression::Zstd, why }
    }

    /// A directory entry (`name` ends with `/`): a namespace package, which
    /// may hold no file of its own.
    pub fn directory(name: String) -> Entry {
        Entry { name, kind: Kind::Directory, data: Vec::new(), compression: Compression::Stored, why: "namespace package".into() }
    }

    pub fn native(name: String, kind: NativeKind, data: Vec<u8>, why: String) -> Entry {
        Entry { name, kind: Kind::Native(kind), data, compression: Compression::Zstd, why }
    }

    pub fn is_native(&self) -> bool {
        matches!(self.kind, Kind::Native(_))
    }

    pub fn hash(&self) -> String {
        blake3::hash(&self.data).to_hex().to_string()
    }
}

/// Everything that goes into one bundle. Native entries are kept in load
/// order; the writer sorts the rest.
#[derive(Debug, Default)]
pub struct Plan {
    pub entries: Vec<Entry>,
}

impl Plan {
    pub fn push(&mut self, entry: Entry) {
        self.entries.push(entry);
    }

    /// Adds bytecode entries and the directory entries of namespace
    /// packages.
    pub fn push_bytecode(&mut self, bytecode: Vec<Entry>, directories: &[String]) {
        self.entries.extend(bytecode);
        for directory in directories {
            self.push(Entry::directory(directory.clone()));
        }
    }

    /// The manifest's list of natives, in load order, each with the
    /// libraries it needs (by archive name, from `needs`).
    pub fn manifest_natives(&self, needs: &BTreeMap<String, Vec<String>>) -> Vec<Native> {
        self.natives()
            .map(|e| Native {
                name: e.name.clone(),
                kind: match &e.kind {
                    Kind::Native(kind) => kind.clone(),
                    _ => NativeKind::Library,
                },
                needs: needs.get(&e.name).cloned().unwrap_or_default(),
            })
            .collect()
    }

    /// The files placed on disk at run time, by their path below
    /// [`layout::FILES_DIR`].
    pub fn files_on_disk(&self) -> Vec<String> {
        let prefix = format!("{}/", layout::FILES_DIR);
        self.entries.iter().filter_map(|e| e.name.strip_prefix(&prefix).map(String::from)).collect()
    }

    /// The content hash of every entry, by archive name.
    pub fn hashes(&self) -> BTreeMap<String, String> {
        self.entries.iter().map(|e| (e.name.clone(), e.hash())).collect()
    }

    pub fn natives(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.is_native())
    }

    pub fn total_size(&self) -> u64 {
        self.entries.iter().map(|e| e.data.len() as u64).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extension(module: &str) -> NativeKind {
        NativeKind::Extension { module: module.into() }
    }

    fn sample() -> Plan {
        let mut plan = Plan::default();
        plan.push(Entry::native(".pybundle/lib/libpython3.11.so.1.0".into(), NativeKind::Library, vec![1; 10], "python".into()));
        plan.push_bytecode(
            vec![Entry::bytecode("app.pyc".into(), vec![2; 3], "entry".into())],
            &["ns/".to_string(), "ns/sub/".to_string()],
        );
        plan.push(Entry::native("_ssl.so".into(), extension("_ssl"), vec![3; 5], "import".into()));
        plan.push(Entry::data(format!("{}/pkg/data.txt", layout::FILES_DIR), b"data".to_vec(), "opened by path".into()));
        plan
    }

    #[test]
    fn effort_levels_are_the_documented_zstd_levels() {
        assert_eq!(Effort::None.level(), None);
        assert_eq!(Effort::Fast.level(), Some(3));
        assert_eq!(Effort::Max.level(), Some(19));
    }

    #[test]
    fn entries_say_what_they_are() {
        let plan = sample();
        let labels: Vec<&str> = plan.entries.iter().map(|e| e.kind.label()).collect();
        assert_eq!(labels, ["library", "bytecode", "directory", "directory", "extension", "data"]);
        let compressed: Vec<bool> = plan.entries.iter().map(|e| e.compression == Compression::Zstd).collect();
        assert_eq!(compressed, [true, true, false, false, true, true], "only directories are stored");
        let directory = &plan.entries[2];
        assert_eq!((directory.name.as_str(), directory.data.len()), ("ns/", 0));
    }

    #[test]
    fn natives_keep_their_order_and_needs() {
        let plan = sample();
        let names: Vec<&str> = plan.natives().map(|e| e.name.as_str()).collect();
        assert_eq!(names, [".pybundle/lib/libpython3.11.so.1.0", "_ssl.so"]);
        let needs = BTreeMap::from([("_ssl.so".to_string(), vec![".pybundle/lib/libpython3.11.so.1.0".to_string()])]);
        let natives = plan.manifest_natives(&needs);
        assert_eq!(natives.len(), 2);
        assert_eq!(natives[0].kind, NativeKind::Library);
        assert!(natives[0].needs.is_empty());
        assert_eq!(natives[1].kind, extension("_ssl"));
        assert_eq!(natives[1].needs, [".pybundle/lib/libpython3.11.so.1.0"]);
    }

    #[test]
    fn files_on_disk_are_named_below_the_files_directory() {
        assert_eq!(sample().files_on_disk(), ["pkg/data.txt"]);
    }

    #[test]
    fn hashes_and_sizes_cover_every_entry() {
        let plan = sample();
        let hashes = plan.hashes();
        assert_eq!(hashes.len(), plan.entries.len());
        // The stub checks each entry's content against its blake3 digest.
        assert_eq!(hashes["app.pyc"], blake3::hash(&[2, 2, 2]).to_hex().as_str());
        assert_ne!(hashes["app.pyc"], hashes["_ssl.so"]);
        assert_eq!(plan.total_size(), 10 + 3 + 5 + 4);
    }
}
