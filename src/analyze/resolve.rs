//! Finding a module by name as CPython's PathFinder does: a top-level name
//! in the search path entries in order, a submodule in its parent's
//! `__path__`. In each directory a package (`name/__init__.py`) comes
//! first, then an extension module (`name` + each extension suffix), then
//! `name.py`; a directory without `__init__` is a namespace portion, and
//! the portions of all entries make a namespace package when nothing else
//! is found. Directory listings are read once and cached.

use super::ModuleKind;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The files and subdirectories of one directory.
#[derive(Debug, Default)]
pub struct Listing {
    pub files: HashSet<String>,
    pub dirs: HashSet<String>,
}

pub struct Resolver {
    entries: Vec<PathBuf>,
    ext_suffixes: Vec<String>,
    builtins: HashSet<String>,
    pub listings: Listings,
}

/// Directory listings, each read once.
#[derive(Default)]
pub struct Listings(HashMap<PathBuf, Option<Listing>>);

impl Listings {
    /// The listing of `dir`; `None` if it cannot be read.
    pub fn get(&mut self, dir: &Path) -> Option<&Listing> {
        if !self.0.contains_key(dir) {
            let listing = read_listing(dir);
            self.0.insert(dir.to_path_buf(), listing);
        }
        self.0.get(dir).and_then(Option::as_ref)
    }
}

impl Resolver {
    pub fn new(entries: Vec<PathBuf>, ext_suffixes: Vec<String>, builtins: &[String]) -> Self {
        Resolver { entries, ext_suffixes, builtins: builtins.iter().cloned().collect(), listings: Listings::default() }
    }

    /// The search path, made canonical.
    pub fn entries(&self) -> &[PathBuf] {
        &self.entries
    }

    /// A top-level module: builtin, or found in the search path.
    pub fn find_top(&mut self, name: &str) -> Option<ModuleKind> {
        if self.builtins.contains(name) {
            return Some(ModuleKind::Builtin);
        }
        let entries = std::mem::take(&mut self.entries);
        let found = self.find_in(&entries, name);
        self.entries = entries;
        found
    }

    /// `name` inside `parent`, if the parent is a package.
    pub fn find_child(&mut self, parent: &ModuleKind, name: &str) -> Option<ModuleKind> {
        let dirs = package_dirs(parent)?;
        self.find_in(&dirs, name)
    }

    fn find_in(&mut self, dirs: &[PathBuf], name: &str) -> Option<ModuleKind> {
        let mut portions = Vec::new();
        for dir in dirs {
            let Some(listing) = self.listings.get(dir) else { continue };
            let is_dir = listing.dirs.contains(name);
            let file = self
                .ext_suffixes
                .iter()
                .map(|suffix| (format!("{name}{suffix}"), true))
                .chain(std::iter::once((format!("{name}.py"), false)))
                .find(|(file, _)| listing.files.contains(file));
            if is_dir {
                let package = dir.join(name);
                if let Some(init) = self.init_file(&package) {
                    return Some(ModuleKind::Package(init));
                }
                if file.is_none() {
                    portions.push(package);
                }
            }
            match file {
                Some((file, true)) => return Some(ModuleKind::Extension(dir.join(file))),
                Some((file, false)) => return Some(ModuleKind::Source(dir.join(file))),
                None => {}
            }
        }
        (!portions.is_empty()).then_some(ModuleKind::Namespace(portions))
    }

    /// A package's `__init__.py` (preferred, being the same code when both
    /// exist) or its extension `__init__`.
    fn init_file(&mut self, package: &Path) -> Option<PathBuf> {
        let listing = self.listings.get(package)?;
        std::iter::once("__init__.py".to_string())
            .chain(self.ext_suffixes.iter().map(|s| format!("__init__{s}")))
            .find(|f| listing.files.contains(f))
            .map(|f| package.join(f))
    }

    /// The module name part of an extension module's file name, for
    /// suffixes that name the ABI: a bare `libfoo.so` found in a listing is
    /// more likely a library than a module nobody imports by name.
    pub fn extension_stem<'f>(&self, file: &'f str) -> Option<&'f str> {
        self.ext_suffixes.iter().filter(|s| *s != ".so").find_map(|s| file.strip_suffix(s.as_str()))
    }
}

/// The directories a package's submodules are looked up in.
pub fn package_dirs(kind: &ModuleKind) -> Option<Vec<PathBuf>> {
    match kind {
        ModuleKind::Package(init) => Some(vec![init.parent()?.to_path_buf()]),
        ModuleKind::Namespace(portions) => Some(portions.clone()),
        _ => None,
    }
}

fn read_listing(dir: &Path) -> Option<Listing> {
    let mut listing = Listing::default();
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let Ok(name) = entry.file_name().into_string() else { continue };
        let Ok(mut kind) = entry.file_type() else { continue };
        if kind.is_symlink() {
            let Ok(meta) = std::fs::metadata(entry.path()) else { continue };
            kind = meta.file_type();
        }
        if kind.is_dir() {
            listing.dirs.insert(name);
        } else {
            listing.files.insert(name);
        }
    }
    Some(listing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, relative: &str) {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    }

    #[test]
    fn finds_like_pathfinder() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        for file in ["pkg/__init__.py", "pkg/sub.py", "pkg.py", "mod.py", "ext.cpython-311-x86_64-linux-gnu.so", "ext.py", "ns/one.py", "solo.abi3.so"] {
            touch(&a, file);
        }
        for file in ["ns/two.py", "mod.py", "ns2/x.py", "ns2.py"] {
            touch(&b, file);
        }
        std::fs::create_dir_all(a.join("ns2")).unwrap();
        let suffixes = [".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".so"].map(String::from).to_vec();
        let mut resolver = Resolver::new(vec![a.clone(), b.clone()], suffixes, &["sys".to_string()]);

        assert_eq!(resolver.find_top("sys"), Some(ModuleKind::Builtin));
        let pkg = resolver.find_top("pkg").unwrap();
        assert_eq!(pkg, ModuleKind::Package(a.join("pkg/__init__.py")));
        assert_eq!(resolver.find_child(&pkg, "sub"), Some(ModuleKind::Source(a.join("pkg/sub.py"))));
        assert_eq!(resolver.find_child(&pkg, "nope"), None);
        assert_eq!(resolver.find_top("mod"), Some(ModuleKind::Source(a.join("mod.py"))));
        assert_eq!(resolver.find_top("ext"), Some(ModuleKind::Extension(a.join("ext.cpython-311-x86_64-linux-gnu.so"))));
        assert_eq!(resolver.find_top("solo"), Some(ModuleKind::Extension(a.join("solo.abi3.so"))));
        let ns = resolver.find_top("ns").unwrap();
        assert_eq!(ns, ModuleKind::Namespace(vec![a.join("ns"), b.join("ns")]));
        assert_eq!(resolver.find_child(&ns, "two"), Some(ModuleKind::Source(b.join("ns/two.py"))));
        // A namespace portion in an earlier entry loses to a module later on.
        assert_eq!(resolver.find_top("ns2"), Some(ModuleKind::Source(b.join("ns2.py"))));
        let module = resolver.find_top("mod").unwrap();
        assert_eq!(resolver.find_child(&module, "x"), None);
    }
}
