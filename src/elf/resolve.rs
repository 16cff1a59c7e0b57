//! Finds the shared libraries a set of ELF objects needs, the way glibc's
//! dynamic loader would, and orders them for loading.
//!
//! Search order for a DT_NEEDED name: RPATH of the needing object and of the
//! objects that caused it to be loaded (only when the needing object has no
//! RUNPATH), RUNPATH of the needing object, ld.so.cache, the default dirs.
//! LD_LIBRARY_PATH is deliberately ignored so builds are reproducible, and so
//! are RPATH/RUNPATH entries that stay relative after `$ORIGIN` expansion
//! (the loader would take them relative to the process's working directory).

use super::dynamic::{self, DynamicInfo};
use super::{dst, glibc::is_glibc_core, ldcache::LdCache};
use anyhow::{bail, Result};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

const LD_SO_CACHE: &str = "/etc/ld.so.cache";
const DEFAULT_DIRS: &[&str] = &[
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
];

/// One native object of a closure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeLib {
    /// DT_SONAME, or the file name if none.
    pub soname: String,
    /// Where it was found (as opened, not canonicalized).
    pub path: PathBuf,
    /// Sonames / file names of the objects of the closure that need it,
    /// sorted; empty for a root nothing else needs.
    pub needed_by: Vec<String>,
    pub is_root: bool,
}

/// Resolves DT_NEEDED names against the system's libraries.
#[derive(Debug)]
pub struct Resolver {
    cache: Option<LdCache>,
}

/// A file's identity, so two paths to one file give one object.
type FileId = (u64, u64);

/// An object read from disk.
struct Loaded {
    id: FileId,
    info: DynamicInfo,
}

struct Object {
    soname: String,
    path: PathBuf,
    /// Directory `$ORIGIN` stands for: the directory of `path`, made
    /// absolute but with symlinks left alone, as the loader does.
    origin: PathBuf,
    is_root: bool,
    info: DynamicInfo,
    /// The object whose DT_NEEDED first brought this one in.
    loader: Option<usize>,
    deps: BTreeSet<usize>,
}

/// Objects found so far, and the names and files that map to them.
#[derive(Default)]
struct Graph {
    objects: Vec<Object>,
    by_name: HashMap<String, usize>,
    by_file: HashMap<FileId, usize>,
}

/// Where a DT_NEEDED entry of the current level leads.
enum Target {
    Known(usize),
    /// Index into the files to be read for this level.
    Pending(usize),
}

/// A file to read for the current level.
struct Wanted {
    path: PathBuf,
    loader: usize,
}

impl Resolver {
    /// A resolver using `/etc/ld.so.cache` (if present) and the default dirs.
    pub fn system() -> Result<Resolver> {
        Ok(Resolver {
            cache: LdCache::load(Path::new(LD_SO_CACHE))?,
        })
    }

    /// All objects reachable from `roots` through DT_NEEDED, roots included,
    /// minus the glibc core, ordered so every object comes after everything
    /// it needs (ties broken by soname, then path). A root's DT_SONAME
    /// satisfies a DT_NEEDED of that name. A needed library that cannot be
    /// found is an error naming it and the object that needs it.
    pub fn closure(&self, roots: &[PathBuf]) -> Result<Vec<NativeLib>> {
        let mut graph = Graph::default();
        let loaded: Vec<Loaded> = roots.par_iter().map(|p| load(p)).collect::<Result<_>>()?;
        let mut level = Vec::new();
        for (path, loaded) in roots.iter().zip(loaded) {
            if graph.by_file.contains_key(&loaded.id) {
                continue;
            }
            let soname = loaded.info.soname.clone();
            if let Some(index) = graph.add(path, loaded, true, None)? {
                if let Some(soname) = soname {
                    graph.by_name.entry(soname).or_insert(index);
                }
                level.push(index);
            }
        }
        while !level.is_empty() {
            level = self.next_level(&mut graph, &level)?;
        }
        Ok(graph.into_load_order())
    }

    /// Resolves and reads everything the objects of `level` need that is
    /// not known yet, records the edges, and returns the new objects.
    fn next_level(&self, graph: &mut Graph, level: &[usize]) -> Result<Vec<usize>> {
        let mut edges = Vec::new();
        let mut wanted: Vec<Wanted> = Vec::new();
        let mut pending_by_name: HashMap<String, usize> = HashMap::new();
        let mut pending_by_file: HashMap<FileId, usize> = HashMap::new();
        for &needer in level {
            for name in &graph.objects[needer].info.needed {
                if is_glibc_core(name) {
                    continue;
                }
                if let Some(&known) = graph.by_name.get(name) {
                    edges.push((needer, Target::Known(known)));
                    continue;
                }
                if let Some(&slot) = pending_by_name.get(name) {
                    edges.push((needer, Target::Pending(slot)));
                    continue;
                }
                let path = self.find(graph, name, needer)?;
                let id = file_id(&path)?;
                let target = if let Some(&known) = graph.by_file.get(&id) {
                    Target::Known(known)
                } else if let Some(&slot) = pending_by_file.get(&id) {
                    Target::Pending(slot)
                } else {
                    pending_by_file.insert(id, wanted.len());
                    wanted.push(Wanted {
                        path,
                        loader: needer,
                    });
                    Target::Pending(wanted.len() - 1)
                };
                match target {
                    Target::Known(known) => {
                        graph.by_name.insert(name.clone(), known);
                    }
                    Target::Pending(slot) => {
                        pending_by_name.insert(name.clone(), slot);
                    }
                }
                edges.push((needer, target));
            }
        }
        let loaded: Vec<Loaded> = wanted
            .par_iter()
            .map(|w| load(&w.path))
            .collect::<Result<_>>()?;
        let mut next = Vec::new();
        let mut slots = Vec::with_capacity(wanted.len());
        for (want, loaded) in wanted.iter().zip(loaded) {
            let soname = display_name(&loaded.info, &want.path);
            let index = match graph.by_name.get(&soname) {
                Some(&known) => Some(known),
                None => {
                    let added = graph.add(&want.path, loaded, false, Some(want.loader))?;
                    if let Some(index) = added {
                        graph.by_name.insert(soname, index);
                        next.push(index);
                    }
                    added
                }
            };
            slots.push(index);
        }
        for (name, slot) in pending_by_name {
            if let Some(index) = slots[slot] {
                graph.by_name.entry(name).or_insert(index);
            }
        }
        for (needer, target) in edges {
            let dep = match target {
                Target::Known(index) => Some(index),
                Target::Pending(slot) => slots[slot],
            };
            if let Some(dep) = dep.filter(|&dep| dep != needer) {
                graph.objects[needer].deps.insert(dep);
            }
        }
        Ok(next)
    }

    /// The path the loader would open for DT_NEEDED `name` of `needer`.
    fn find(&self, graph: &Graph, name: &str, needer: usize) -> Result<PathBuf> {
        let object = &graph.objects[needer];
        if name.contains('/') {
            for candidate in dst::expand(name, &object.origin) {
                if is_x86_64_elf_file(Path::new(&candidate)) {
                    return Ok(PathBuf::from(candidate));
                }
            }
            bail!(
                "{name}, needed by {}, is not a 64-bit x86-64 ELF file; install it or fix the path",
                object.soname
            );
        }
        let mut rpath = Vec::new();
        if object.info.runpath.is_empty() {
            let mut at = Some(needer);
            while let Some(index) = at {
                let chained = &graph.objects[index];
                rpath.extend(search_dirs(&chained.info.rpath, &chained.origin));
                at = chained.loader;
            }
        }
        let runpath = search_dirs(&object.info.runpath, &object.origin);
        let from_paths = rpath.iter().chain(&runpath).map(|dir| dir.join(name));
        let from_cache = self
            .cache
            .as_ref()
            .and_then(|c| c.get(name))
            .map(Path::to_path_buf);
        let from_defaults = DEFAULT_DIRS.iter().map(|dir| Path::new(dir).join(name));
        if let Some(found) = from_paths
            .chain(from_cache)
            .chain(from_defaults)
            .find(|p| is_x86_64_elf_file(p))
        {
            return Ok(found);
        }
        let mut searched = Vec::new();
        for (label, dirs) in [("RPATH", &rpath), ("RUNPATH", &runpath)] {
            if !dirs.is_empty() {
                let dirs: Vec<_> = dirs.iter().map(|d| d.display().to_string()).collect();
                searched.push(format!("{label} {}", dirs.join(":")));
            }
        }
        if self.cache.is_some() {
            searched.push("ld.so.cache".to_owned());
        }
        let defaults = "the default library dirs";
        let searched = match searched.len() {
            0 => defaults.to_owned(),
            _ => format!("{} and {defaults}", searched.join(", ")),
        };
        bail!(
            "{name}, needed by {}, was not found (searched {searched}); install the package that provides it",
            object.soname
        )
    }
}

impl Graph {
    /// Adds an object unless it is part of the glibc core.
    fn add(
        &mut self,
        path: &Path,
        loaded: Loaded,
        is_root: bool,
        loader: Option<usize>,
    ) -> Result<Option<usize>> {
        let soname = display_name(&loaded.info, path);
        if is_glibc_core(&soname) {
            return Ok(None);
        }
        let origin = match std::path::absolute(path) {
            Ok(absolute) => absolute.parent().map(Path::to_path_buf).unwrap_or_default(),
            Err(e) => bail!(
                "cannot make {} absolute: {e}; check the current directory",
                path.display()
            ),
        };
        let index = self.objects.len();
        self.by_file.insert(loaded.id, index);
        self.objects.push(Object {
            soname,
            path: path.to_path_buf(),
            origin,
            is_root,
            info: loaded.info,
            loader,
            deps: BTreeSet::new(),
        });
        Ok(Some(index))
    }

    /// Dependencies first, ties broken by (soname, path); a dependency cycle
    /// is broken at its smallest member (never at an object outside it that
    /// needs it).
    fn into_load_order(self) -> Vec<NativeLib> {
        let count = self.objects.len();
        let mut by_key: Vec<usize> = (0..count).collect();
        by_key.sort_by(|&a, &b| {
            let (a, b) = (&self.objects[a], &self.objects[b]);
            (&a.soname, &a.path).cmp(&(&b.soname, &b.path))
        });
        let mut rank = vec![0; count];
        for (position, &index) in by_key.iter().enumerate() {
            rank[index] = position;
        }
        let mut dependents = vec![Vec::new(); count];
        let mut waiting: Vec<usize> = self.objects.iter().map(|o| o.deps.len()).collect();
        for (index, object) in self.objects.iter().enumerate() {
            for &dep in &object.deps {
                dependents[dep].push(index);
            }
        }
        let mut ready: BTreeSet<usize> = (0..count)
            .filter(|&i| waiting[i] == 0)
            .map(|i| rank[i])
            .collect();
        let mut done = vec![false; count];
        let mut order = Vec::with_capacity(count);
        while order.len() < count {
            let next = match ready.pop_first() {
                Some(position) => by_key[position],
                // Nothing is ready: what waits is in a cycle or needs one.
                None => by_key
                    .iter()
                    .copied()
                    .find(|&i| !done[i] && self.in_cycle(i, &done))
                    .unwrap_or_default(),
            };
            if done[next] {
                continue;
            }
            done[next] = true;
            order.push(next);
            for &dependent in &dependents[next] {
                waiting[dependent] = waiting[dependent].saturating_sub(1);
                if waiting[dependent] == 0 && !done[dependent] {
                    ready.insert(rank[dependent]);
                }
            }
        }
        order
            .into_iter()
            .map(|index| {
                let object = &self.objects[index];
                let mut needed_by: Vec<String> = dependents[index]
                    .iter()
                    .map(|&d| self.objects[d].soname.clone())
                    .collect();
                needed_by.sort();
                needed_by.dedup();
                NativeLib {
                    soname: object.soname.clone(),
                    path: object.path.clone(),
                    needed_by,
                    is_root: object.is_root,
                }
            })
            .collect()
    }

    /// Whether object `start` needs itself through objects not yet `done`.
    fn in_cycle(&self, start: usize, done: &[bool]) -> bool {
        let mut seen = vec![false; self.objects.len()];
        let mut stack: Vec<usize> = self.objects[start].deps.iter().copied().collect();
        while let Some(index) = stack.pop() {
            if index == start {
                return true;
            }
            if !done[index] && !std::mem::replace(&mut seen[index], true) {
                stack.extend(self.objects[index].deps.iter().copied());
            }
        }
        false
    }
}

/// DT_SONAME, or the file name.
fn display_name(info: &DynamicInfo, path: &Path) -> String {
    match &info.soname {
        Some(soname) => soname.clone(),
        None => path
            .file_name()
            .unwrap_or(path.as_os_str())
            .to_string_lossy()
            .into_owned(),
    }
}

/// The absolute directories of RPATH/RUNPATH entries, tokens expanded.
fn search_dirs(entries: &[String], origin: &Path) -> Vec<PathBuf> {
    entries
        .iter()
        .flat_map(|entry| dst::expand(entry, origin))
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .collect()
}

fn file_id(path: &Path) -> Result<FileId> {
    match std::fs::metadata(path) {
        Ok(meta) => Ok(identity(&meta, path)),
        Err(e) => bail!(
            "cannot read {}: {e}; check that it exists and is readable",
            path.display()
        ),
    }
}

/// The device and inode; where there are none (a Windows host), a hash of
/// the canonical path stands for the inode.
#[cfg(unix)]
fn identity(meta: &std::fs::Metadata, _: &Path) -> FileId {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata, path: &Path) -> FileId {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()).hash(&mut hasher);
    (0, hasher.finish())
}

/// Reads an object's dynamic section.
fn load(path: &Path) -> Result<Loaded> {
    let id = file_id(path)?;
    let data = match std::fs::read(path) {
        Ok(data) => data,
        Err(e) => bail!(
            "cannot read {}: {e}; check that it exists and is readable",
            path.display()
        ),
    };
    match dynamic::parse(&data) {
        Ok(info) => Ok(Loaded { id, info }),
        Err(e) => bail!(
            "{}: {e:#}; bundle only native libraries built for x86-64 Linux",
            path.display()
        ),
    }
}

/// Whether `path` opens as a 64-bit x86-64 ELF file (the loader skips
/// anything else and keeps searching).
fn is_x86_64_elf_file(path: &Path) -> bool {
    let mut head = [0u8; 20];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && dynamic::is_x86_64_elf(&head)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_env;

    /// `_ssl` extension modules of every CPython 3.8+ found, with the file
    /// name of each; reported missing for `part` when there is none.
    fn ssl_modules(part: &str) -> Vec<(PathBuf, String)> {
        let found: Vec<(PathBuf, String)> = test_env::cpythons()
            .iter()
            .filter(|py| py.minor >= 8)
            .filter_map(|py| {
                let entries = std::fs::read_dir(&py.dynload).ok()?;
                let path = entries.flatten().map(|e| e.path()).find(|p| {
                    p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("_ssl."))
                })?;
                let name = path.file_name()?.to_string_lossy().into_owned();
                Some((path, name))
            })
            .collect();
        if found.is_empty() {
            test_env::missing("a CPython with its _ssl extension module (Debian: python3.11)", part);
        }
        found
    }

    /// The file at `path`; `false` after reporting it missing for `part`.
    fn present(path: &str, part: &str) -> bool {
        test_env::require(Path::new(path).exists().then_some(()), path, part).is_some()
    }

    fn position(libs: &[NativeLib], soname: &str) -> usize {
        libs.iter()
            .position(|l| l.soname == soname)
            .unwrap_or_else(|| panic!("{soname} missing from {libs:#?}"))
    }

    fn check_ssl_closure(root: &Path, name: &str) {
        let libs = Resolver::system()
            .unwrap()
            .closure(&[root.to_path_buf()])
            .unwrap();
        let ssl = position(&libs, "libssl.so.3");
        let crypto = position(&libs, "libcrypto.so.3");
        assert!(crypto < ssl, "{libs:#?}");
        let last = libs.last().unwrap();
        assert!(last.is_root && last.path == root && last.needed_by.is_empty());
        assert_eq!(libs.iter().filter(|l| l.is_root).count(), 1);
        assert!(libs.iter().all(|l| !is_glibc_core(&l.soname)), "{libs:#?}");
        assert_eq!(libs[ssl].needed_by, [name]);
        let mut crypto_needers = libs[crypto].needed_by.clone();
        crypto_needers.sort();
        assert_eq!(crypto_needers, [name, "libssl.so.3"]);
        assert!(libs[ssl].path.is_absolute() && libs[ssl].path.exists());
    }

    #[test]
    fn closure_of_every_cpythons_ssl_module() {
        for (path, name) in ssl_modules("closure_of_every_cpythons_ssl_module") {
            eprintln!("{}", path.display());
            check_ssl_closure(&path, &name);
        }
    }

    #[test]
    fn closure_is_deterministic_and_deduplicated() {
        let Some((ssl_module, _)) = ssl_modules("closure_is_deterministic_and_deduplicated").pop() else {
            return;
        };
        let resolver = Resolver::system().unwrap();
        let roots = [
            ssl_module,
            PathBuf::from("/usr/lib/x86_64-linux-gnu/libssl.so.3"),
        ];
        let first = resolver.closure(&roots).unwrap();
        assert_eq!(first, resolver.closure(&roots).unwrap());
        assert_eq!(
            first.iter().filter(|l| l.soname == "libssl.so.3").count(),
            1
        );
        let doubled = [roots[0].clone(), roots[0].clone()];
        assert_eq!(
            resolver.closure(&doubled).unwrap().len(),
            resolver.closure(&roots[..1]).unwrap().len()
        );
    }

    #[test]
    fn root_soname_satisfies_needed() {
        let libssl = "/usr/lib/x86_64-linux-gnu/libssl.so.3";
        let part = "root_soname_satisfies_needed";
        let Some((ssl_module, name)) = ssl_modules(part).pop() else { return };
        if !present(libssl, part) {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("libssl.so.3");
        std::fs::copy(libssl, &copy).unwrap();
        let libs = Resolver::system()
            .unwrap()
            .closure(&[ssl_module, copy.clone()])
            .unwrap();
        let ssl: Vec<_> = libs.iter().filter(|l| l.soname == "libssl.so.3").collect();
        assert_eq!(ssl.len(), 1);
        assert_eq!(ssl[0].path, copy);
        assert!(ssl[0].is_root);
        assert_eq!(ssl[0].needed_by, [name.as_str()]);
        assert!(position(&libs, "libssl.so.3") < position(&libs, &name));
    }

    #[test]
    fn missing_needed_library_is_named() {
        let Some((ssl_module, name)) = ssl_modules("missing_needed_library_is_named").pop() else {
            return;
        };
        let mut data = std::fs::read(ssl_module).unwrap();
        let from = b"\0libssl.so.3\0";
        let at = data
            .windows(from.len())
            .position(|w| w == from)
            .expect("libssl.so.3 in .dynstr");
        data[at..at + from.len()].copy_from_slice(b"\0libxyq.so.3\0");
        let dir = tempfile::tempdir().unwrap();
        let patched = dir.path().join(&name);
        std::fs::write(&patched, &data).unwrap();
        let err = Resolver::system()
            .unwrap()
            .closure(&[patched])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("libxyq.so.3, needed by {name}, was not found (searched ")),
            "{err}"
        );
        assert!(
            err.ends_with("the default library dirs); install the package that provides it"),
            "{err}"
        );
    }

    #[test]
    fn a_cycle_is_broken_at_its_smallest_member_not_before_it() {
        // liba needs libb; libb and libc need each other; libd needs liba.
        let mut graph = Graph::default();
        for (name, deps) in [("liba.so", &[1][..]), ("libb.so", &[2]), ("libc.so", &[1]), ("libd.so", &[0])] {
            graph.objects.push(Object {
                soname: name.to_owned(),
                path: PathBuf::from("/lib").join(name),
                origin: PathBuf::from("/lib"),
                is_root: false,
                info: DynamicInfo::default(),
                loader: None,
                deps: deps.iter().copied().collect(),
            });
        }
        let order: Vec<String> = graph.into_load_order().into_iter().map(|lib| lib.soname).collect();
        // Not liba first, though it is the smallest: it needs libb.
        assert_eq!(order, ["libb.so", "liba.so", "libc.so", "libd.so"]);
    }

    #[test]
    fn a_missing_library_names_what_was_searched() {
        let part = "a_missing_library_names_what_was_searched";
        let Some((root, _)) = ssl_modules(part).pop() else { return };
        let dir = tempfile::tempdir().unwrap();
        let searched = |runpath: &[&str], rpath: &[&str], cache: Option<LdCache>| {
            let mut graph = Graph::default();
            let mut loaded = load(&root).unwrap();
            loaded.info.runpath = runpath.iter().map(|d| d.to_string()).collect();
            loaded.info.rpath = rpath.iter().map(|d| d.to_string()).collect();
            graph.add(&dir.path().join("_ssl.so"), loaded, true, None).unwrap();
            let err = Resolver { cache }.find(&graph, "libxyq.so.3", 0).unwrap_err().to_string();
            let text = err.split("(searched ").nth(1).and_then(|rest| rest.split(");").next());
            text.unwrap_or_else(|| panic!("{err}")).to_owned()
        };
        assert_eq!(searched(&[], &[], None), "the default library dirs");
        assert_eq!(
            searched(&["/opt/a", "$ORIGIN/b"], &[], None),
            format!("RUNPATH /opt/a:{}/b and the default library dirs", dir.path().display())
        );
        assert_eq!(
            searched(&[], &["/opt/r"], Some(LdCache::default())),
            "RPATH /opt/r, ld.so.cache and the default library dirs"
        );
    }

    #[test]
    fn origin_rpath_is_searched_first() {
        let libssl = "/usr/lib/x86_64-linux-gnu/libssl.so.3";
        let libcrypto = "/usr/lib/x86_64-linux-gnu/libcrypto.so.3";
        let part = "origin_rpath_is_searched_first";
        let Some((root, _)) = ssl_modules(part).pop() else { return };
        if !present(libcrypto, part) || !present(libssl, part) {
            return;
        }
        // A root with RUNPATH $ORIGIN/../deps finds libcrypto in that dir.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("deps")).unwrap();
        std::fs::create_dir(dir.path().join("mods")).unwrap();
        let local = dir.path().join("deps/libcrypto.so.3");
        std::fs::copy(libcrypto, &local).unwrap();
        let mut graph = Graph::default();
        let mut loaded = load(&root).unwrap();
        loaded.info.runpath = vec!["$ORIGIN/../deps".to_owned(), "relative/ignored".to_owned()];
        let fake_root = dir.path().join("mods/_ssl.so");
        graph.add(&fake_root, loaded, true, None).unwrap();
        let resolver = Resolver::system().unwrap();
        assert_eq!(
            resolver.find(&graph, "libcrypto.so.3", 0).unwrap(),
            dir.path().join("mods/../deps/libcrypto.so.3")
        );
        assert_eq!(
            resolver
                .find(&graph, "libssl.so.3", 0)
                .unwrap()
                .file_name()
                .unwrap(),
            "libssl.so.3"
        );
        // A non-ELF file in the search path is skipped, short or not.
        for content in [&b"not elf"[..], b"not an ELF file, though longer than an ELF header's start"] {
            std::fs::write(&local, content).unwrap();
            assert_ne!(
                resolver.find(&graph, "libcrypto.so.3", 0).unwrap(),
                dir.path().join("mods/../deps/libcrypto.so.3")
            );
        }
    }

    #[test]
    fn non_elf_root_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("script.so");
        std::fs::write(&script, b"#!/bin/sh\n").unwrap();
        let err = Resolver::system()
            .unwrap()
            .closure(&[script])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("script.so: not a 64-bit x86-64 ELF file; bundle only"),
            "{err}"
        );
    }
}
