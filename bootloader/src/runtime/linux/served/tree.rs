//! The served tree itself: which paths lie inside the bundle, what each is
//! (a file, a directory, missing), and the metadata `stat` reports for it.
//! Set once at start and never changed, so it is read without locks, from
//! any thread and after `fork`.

use crate::runtime::bundle::Bundle;
use crate::runtime::module_index::{ModuleIndex, PathKind};
use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::sync::OnceLock;

pub struct Tree {
    /// The bundle's own path: the tree is what lies below it.
    root: Vec<u8>,
    pub bundle: &'static Bundle,
    index: &'static ModuleIndex,
    /// The bundle file's modification time: every served path's times.
    pub mtime: (i64, i64),
    pub uid: u32,
    pub gid: u32,
}

static TREE: OnceLock<Tree> = OnceLock::new();

/// Serves the bundle's files below its own path from now on.
pub fn install(bundle: &'static Bundle, index: &'static ModuleIndex) {
    let metadata = bundle.metadata();
    let tree = Tree {
        root: bundle.path().as_os_str().as_bytes().to_vec(),
        bundle,
        index,
        mtime: (metadata.mtime(), metadata.mtime_nsec()),
        uid: metadata.uid(),
        gid: metadata.gid(),
    };
    let _ = TREE.set(tree);
}

/// The tree, once installed.
pub fn tree() -> Option<&'static Tree> {
    TREE.get()
}

/// What a path names.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Not below the bundle (the bundle file itself included): libc's.
    Outside,
    /// A file of the bundle, by archive name.
    File(String),
    /// A directory of the bundle, by archive name (`""`: the top).
    Dir(String),
    /// Below the bundle, but nothing is there; `in_dir` if its parent is a
    /// directory of the bundle (so creating it fails with EROFS, not ENOENT).
    Missing { in_dir: bool },
    /// A file of the bundle is used as a directory.
    NotDir,
}

impl Lookup {
    /// The error of an operation that needs the path to exist.
    pub fn absent_errno(&self) -> i32 {
        match self {
            Lookup::NotDir => libc::ENOTDIR,
            _ => libc::ENOENT,
        }
    }
}

/// What `stat` reports for a served path.
pub struct Meta {
    pub is_dir: bool,
    pub size: u64,
    pub ino: u64,
}

/// The device number of the served tree: its own, so that no served
/// (device, inode) pair is also a real file's.
pub const DEVICE: u64 = 0x7079_6264;

impl Tree {
    /// What the path `path` (absolute, or relative to the working
    /// directory, which is never inside the bundle) names.
    pub fn lookup(&self, path: &CStr) -> Lookup {
        lookup_below(&self.root, self.index, path.to_bytes())
    }

    /// Whether `path` is the bundle file itself.
    pub fn is_root(&self, path: &CStr) -> bool {
        path.to_bytes() == self.root
    }

    /// The canonical path of a file or directory found by [`Tree::lookup`]
    /// (the tree has no links: `.`, `..` and doubled slashes gone).
    pub fn canonical(&self, found: &Lookup) -> Option<CString> {
        let name = match found {
            Lookup::File(name) | Lookup::Dir(name) => name,
            _ => return None,
        };
        let mut path = self.root.clone();
        if !name.is_empty() {
            path.push(b'/');
            path.extend_from_slice(name.as_bytes());
        }
        CString::new(path).ok()
    }

    /// The metadata of a file or directory found by [`Tree::lookup`].
    pub fn meta(&self, found: &Lookup) -> Option<Meta> {
        let (name, is_dir) = match found {
            Lookup::File(name) => (name, false),
            Lookup::Dir(name) => (name, true),
            _ => return None,
        };
        let size = if is_dir { 4096 } else { self.bundle.entry_size(name).unwrap_or(0) };
        Some(Meta { is_dir, size, ino: inode(name, is_dir) })
    }

    /// The names in directory `name`, each with whether it is a directory
    /// and its inode number.
    pub fn children(&self, name: &str) -> Vec<(String, bool, u64)> {
        let prefix = if name.is_empty() { String::new() } else { format!("{name}/") };
        let children = self.index.children(name).into_iter().map(|child| match child.strip_suffix('/') {
            Some(dir) => (dir.to_string(), true),
            None => (child, false),
        });
        children.map(|(child, is_dir)| {
            let ino = inode(&format!("{prefix}{child}"), is_dir);
            (child, is_dir, ino)
        })
        .collect()
    }
}

fn lookup_below(root: &[u8], index: &ModuleIndex, path: &[u8]) -> Lookup {
    let Some(rest) = path.strip_prefix(root) else { return Lookup::Outside };
    // The bundle file itself, or a sibling that shares its name's start.
    if rest.first() != Some(&b'/') {
        return Lookup::Outside;
    }
    let mut parts: Vec<&[u8]> = Vec::new();
    for part in rest.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            // `..` out of the top goes through the bundle file, as the
            // kernel would find: not a directory.
            b".." if parts.pop().is_none() => return Lookup::NotDir,
            b".." => {}
            part => parts.push(part),
        }
    }
    let must_be_dir = rest.ends_with(b"/") || rest.ends_with(b"/.") || rest.ends_with(b"/..");
    let Ok(name) = std::str::from_utf8(&parts.join(&b'/')).map(str::to_string) else {
        // Archive names are UTF-8: no such entry.
        return missing(index, &parts);
    };
    match index.kind(&name) {
        Some(PathKind::Directory) => Lookup::Dir(name),
        Some(PathKind::File) if must_be_dir => Lookup::NotDir,
        Some(PathKind::File) => Lookup::File(name),
        None => missing(index, &parts),
    }
}

/// Why `parts` is not there: a file on the way, or a missing name in a
/// directory (or in a missing one).
fn missing(index: &ModuleIndex, parts: &[&[u8]]) -> Lookup {
    for depth in 1..parts.len() {
        let Ok(prefix) = std::str::from_utf8(&parts[..depth].join(&b'/')).map(str::to_string) else { break };
        match index.kind(&prefix) {
            Some(PathKind::File) => return Lookup::NotDir,
            Some(PathKind::Directory) => {}
            None => return Lookup::Missing { in_dir: false },
        }
    }
    Lookup::Missing { in_dir: true }
}

/// A stable inode number for a served path (never 0).
fn inode(name: &str, is_dir: bool) -> u64 {
    let hash = blake3::hash(name.as_bytes());
    let bytes: [u8; 8] = hash.as_bytes()[..8].try_into().unwrap_or_default();
    (u64::from_le_bytes(bytes) << 1 | u64::from(is_dir)).max(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> ModuleIndex {
        let names = ["__main__.pyc", ".pybundle/manifest.json", "pkg/__init__.pyc", "pkg/data/table.json", "pkg/data/sub/leaf.txt"];
        crate::runtime::module_index::tests::index(&names)
    }

    fn lookup(path: &str) -> Lookup {
        lookup_below(b"/app/server", &index(), path.as_bytes())
    }

    #[test]
    fn paths_outside_the_bundle_are_libcs() {
        for path in ["/app/server", "/app/serverx/pkg", "/app", "relative/pkg", "/app/other/pkg/data", ""] {
            assert_eq!(lookup(path), Lookup::Outside, "{path}");
        }
    }

    #[test]
    fn files_and_directories_below_the_bundle() {
        assert_eq!(lookup("/app/server/pkg/data/table.json"), Lookup::File("pkg/data/table.json".into()));
        assert_eq!(lookup("/app/server//pkg/./data/sub/../table.json"), Lookup::File("pkg/data/table.json".into()));
        assert_eq!(lookup("/app/server/pkg/data"), Lookup::Dir("pkg/data".into()));
        assert_eq!(lookup("/app/server/pkg/data/"), Lookup::Dir("pkg/data".into()));
        assert_eq!(lookup("/app/server/"), Lookup::Dir(String::new()));
    }

    #[test]
    fn errors_are_the_kernels() {
        assert_eq!(lookup("/app/server/pkg/data/table.json/"), Lookup::NotDir);
        assert_eq!(lookup("/app/server/pkg/data/table.json/x"), Lookup::NotDir);
        assert_eq!(lookup("/app/server/.."), Lookup::NotDir);
        assert_eq!(lookup("/app/server/pkg/data/new.txt"), Lookup::Missing { in_dir: true });
        assert_eq!(lookup("/app/server/pkg/nope/new.txt"), Lookup::Missing { in_dir: false });
        // The stub's own entries are not part of the tree.
        assert_eq!(lookup("/app/server/.pybundle/manifest.json"), Lookup::Missing { in_dir: false });
        assert_eq!(lookup("/app/server/pkg/\u{e9}t\u{e9}"), Lookup::Missing { in_dir: true });
    }
}
