//! The build plan: every entry of the bundle with its archive name, kind,
//! content and compression. Later stages only read and extend it.

use pybundle_bootloader::manifest::NativeKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Kept as is: native files, which the stub reads straight from the file.
    Stored,
    /// Deflated: bytecode and data, which zipimport inflates.
    Deflated,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Bytecode,
    Data,
    Native(NativeKind),
}

#[derive(Debug, Clone)]
pub struct Entry {
    /// `/`-separated path inside the archive.
    pub name: String,
    pub kind: Kind,
    pub data: Vec<u8>,
    pub compression: Compression,
}

impl Entry {
    pub fn bytecode(name: String, data: Vec<u8>) -> Entry {
        Entry { name, kind: Kind::Bytecode, data, compression: Compression::Deflated }
    }

    pub fn data(name: String, data: Vec<u8>) -> Entry {
        Entry { name, kind: Kind::Data, data, compression: Compression::Deflated }
    }

    pub fn native(name: String, kind: NativeKind, data: Vec<u8>) -> Entry {
        Entry { name, kind: Kind::Native(kind), data, compression: Compression::Stored }
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

    pub fn natives(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.is_native())
    }

    pub fn total_size(&self) -> u64 {
        self.entries.iter().map(|e| e.data.len() as u64).sum()
    }
}
