//! The index of the bundle's modules and package files, built once from the
//! manifest: which module names the bundle serves (and as what), and the
//! directory tree of its archive for resources and `pkgutil`. Names are
//! archive names (`/`-separated); the stub's own entries under `.pybundle/`
//! are not part of the tree.

use pybundle_bootloader::manifest::{Manifest, NativeKind};
use std::collections::{BTreeSet, HashMap};

/// What a module name is in the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A plain module, with the archive name of its bytecode.
    Module(String),
    /// A regular package, with the archive name of its `__init__` bytecode.
    Package(String),
    /// A directory without `__init__`: a namespace package.
    Namespace,
    /// An extension module, with the archive name of its native file.
    Extension(String),
}

impl Found {
    /// The number boot.py sees for each kind.
    pub fn code(&self) -> i64 {
        match self {
            Found::Module(_) => 1,
            Found::Package(_) => 2,
            Found::Namespace => 3,
            Found::Extension(_) => 4,
        }
    }
}

/// What an archive path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    File,
    Directory,
}

pub struct ModuleIndex {
    /// Every archive name outside `.pybundle/`.
    names: BTreeSet<String>,
    /// Extension modules by module name, with their archive names.
    extensions: HashMap<String, String>,
    /// The archive name of the entry run as `__main__`.
    entry: String,
    /// Files placed on disk (by their paths below the files directory):
    /// the path finder imports their modules from there.
    on_disk: BTreeSet<String>,
}

/// The stub's own entries, never served as modules or files.
const PRIVATE: &str = ".pybundle/";

impl ModuleIndex {
    pub fn new(manifest: &Manifest) -> ModuleIndex {
        let names = manifest.hashes.keys().filter(|n| !n.starts_with(PRIVATE)).cloned().collect();
        let extensions = manifest
            .natives
            .iter()
            .filter_map(|n| match &n.kind {
                NativeKind::Extension { module } => Some((module.clone(), n.name.clone())),
                NativeKind::Library => None,
            })
            .collect();
        let on_disk = manifest.files.iter().cloned().collect();
        ModuleIndex { names, extensions, entry: manifest.entry.clone(), on_disk }
    }

    /// What the bundle has for the module `name`, if anything.
    pub fn find(&self, name: &str) -> Option<Found> {
        if name == "__main__" {
            return Some(Found::Module(self.entry.clone()));
        }
        if name.is_empty() || name.split('.').any(str::is_empty) || name.contains('/') {
            return None;
        }
        let path = name.replace('.', "/");
        let package = format!("{path}/__init__.pyc");
        if self.names.contains(&package) {
            return Some(Found::Package(package));
        }
        let module = format!("{path}.pyc");
        if self.names.contains(&module) {
            return Some(Found::Module(module));
        }
        if let Some(native) = self.extensions.get(name) {
            return Some(Found::Extension(native.clone()));
        }
        // A package placed on disk keeps only its extension modules in the
        // archive, which must not make it look like a namespace package.
        if self.on_disk.contains(&package) {
            return None;
        }
        self.is_directory(&path).then_some(Found::Namespace)
    }

    /// Whether `path` (an archive path, `""` for the root) is a file or a
    /// directory of the bundle.
    pub fn kind(&self, path: &str) -> Option<PathKind> {
        if path.is_empty() || self.is_directory(path) {
            Some(PathKind::Directory)
        } else if self.names.contains(path) {
            Some(PathKind::File)
        } else {
            None
        }
    }

    /// The names directly inside directory `path`; directories end in `/`.
    pub fn children(&self, path: &str) -> Vec<String> {
        let prefix = if path.is_empty() { String::new() } else { format!("{path}/") };
        let mut children: Vec<String> = Vec::new();
        for name in self.names.range(prefix.clone()..).take_while(|n| n.starts_with(&prefix)) {
            let rest = &name[prefix.len()..];
            let child = match rest.find('/') {
                Some(slash) => &rest[..=slash],
                None => rest,
            };
            if !child.is_empty() && children.last().map(String::as_str) != Some(child) {
                children.push(child.to_string());
            }
        }
        children
    }

    /// The files at or below `path`: itself if it is a file, every file
    /// below it if it is a directory.
    pub fn files_under(&self, path: &str) -> Vec<String> {
        if self.names.contains(path) {
            return vec![path.to_string()];
        }
        let prefix = if path.is_empty() { String::new() } else { format!("{path}/") };
        self.names.range(prefix.clone()..).take_while(|n| n.starts_with(&prefix)).cloned().collect()
    }

    /// Whether some archive name lies below `path`.
    fn is_directory(&self, path: &str) -> bool {
        let prefix = format!("{path}/");
        self.names.range(prefix.clone()..).next().is_some_and(|n| n.starts_with(&prefix))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use pybundle_bootloader::manifest::{Layout, Native, PythonInfo, FORMAT};
    use std::collections::BTreeMap;

    /// An index of archive entries `names` (and one extension module).
    pub(crate) fn index(names: &[&str]) -> ModuleIndex {
        let manifest = Manifest {
            format: FORMAT,
            python: PythonInfo { version: (3, 11, 2), libpython: ".pybundle/lib/libpython3.11.so.1.0".into() },
            entry: "__main__.pyc".into(),
            entry_source: None,
            layout: Layout::Onefile,
            cache_natives: false,
            glibc_floor: None,
            natives: vec![Native {
                name: "pkg/_speed.cpython-311-x86_64-linux-gnu.so".into(),
                kind: NativeKind::Extension { module: "pkg._speed".into() },
                needs: vec![],
            }],
            files: vec!["ondisk/__init__.pyc".into()],
            hashes: names.iter().map(|n| (n.to_string(), String::new())).collect::<BTreeMap<_, _>>(),
            options: Default::default(),
        };
        ModuleIndex::new(&manifest)
    }

    fn sample() -> ModuleIndex {
        index(&[
            "__main__.pyc",
            ".pybundle/manifest.json",
            "pkg/__init__.pyc",
            "pkg/mod.pyc",
            "pkg/data/table.json",
            "pkg/_speed.cpython-311-x86_64-linux-gnu.so",
            "ns/part/__init__.pyc",
            "ns/readme.txt",
            "app/migrations/0001_initial.pyc",
            "app/migrations/__init__.pyc",
            "ondisk/_ext.cpython-311-x86_64-linux-gnu.so",
        ])
    }

    #[test]
    fn finds_modules_packages_namespaces_and_extensions() {
        let index = sample();
        assert_eq!(index.find("pkg"), Some(Found::Package("pkg/__init__.pyc".into())));
        assert_eq!(index.find("pkg.mod"), Some(Found::Module("pkg/mod.pyc".into())));
        assert_eq!(index.find("pkg._speed"), Some(Found::Extension("pkg/_speed.cpython-311-x86_64-linux-gnu.so".into())));
        assert_eq!(index.find("ns"), Some(Found::Namespace));
        assert_eq!(index.find("ns.part"), Some(Found::Package("ns/part/__init__.pyc".into())));
        assert_eq!(index.find("app.migrations.0001_initial"), Some(Found::Module("app/migrations/0001_initial.pyc".into())));
        assert_eq!(index.find("__main__"), Some(Found::Module("__main__.pyc".into())));
        for absent in ["ondisk", "pkg.missing", "pk", "", "pkg..mod", ".pybundle.manifest", "pkg/mod", "pkg.data.table"] {
            assert_eq!(index.find(absent), None, "{absent}");
        }
    }

    #[test]
    fn lists_the_tree_without_private_entries() {
        let index = sample();
        assert_eq!(index.children(""), ["__main__.pyc", "app/", "ns/", "ondisk/", "pkg/"]);
        assert_eq!(index.children("pkg"), ["__init__.pyc", "_speed.cpython-311-x86_64-linux-gnu.so", "data/", "mod.pyc"]);
        assert_eq!(index.children("pkg/data"), ["table.json"]);
        assert!(index.children("pkg/mod.pyc").is_empty());
        assert_eq!(index.kind("pkg/data"), Some(PathKind::Directory));
        assert_eq!(index.kind("pkg/data/table.json"), Some(PathKind::File));
        assert_eq!(index.kind(".pybundle/manifest.json"), None);
        assert_eq!(index.kind("pkg/dat"), None);
    }
}
