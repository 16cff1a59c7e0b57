//! Collect: the native files of the bundle. libpython, the extension modules,
//! and every shared library they need (DT_NEEDED, resolved like the dynamic
//! loader), minus the glibc core; plus libgcc_s, which glibc itself loads
//! when a thread exits. Each is stripped of debug data.

use crate::elf::{self, NativeLib, Resolver};
use crate::plan::Entry;
use crate::probe::Interpreter;
use crate::contents::Extension;
use anyhow::{Context, Result};
use pybundle_bootloader::layout::LIB_DIR;
use pybundle_bootloader::manifest::NativeKind;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// glibc loads this at `pthread_exit`; without it, a thread exiting in a
/// root that lacks libgcc_s aborts the process.
const LIBGCC_S: &str = "libgcc_s.so.1";

/// Native entries in load order (libraries first, dependencies before
/// dependents; extension modules after), and the newest glibc they need.
pub struct Natives {
    pub entries: Vec<Entry>,
    /// The files the entries were read from.
    pub sources: Vec<PathBuf>,
    /// For each entry (by archive name): the bundled libraries it needs,
    /// directly or not, in load order.
    pub needs: BTreeMap<String, Vec<String>>,
    pub libpython_name: String,
    pub glibc_floor: Option<(u32, u32)>,
}

pub fn collect(python: &Interpreter, extensions: &[Extension]) -> Result<Natives> {
    let resolver = Resolver::system()?;
    let mut roots: Vec<PathBuf> = vec![find_libgcc_s()?, python.libpython.clone()];
    roots.extend(extensions.iter().map(|e| e.path.clone()));
    let closure = resolver.closure(&roots)?;

    let planned: Vec<(PathBuf, String, NativeKind)> = closure
        .iter()
        .map(|lib| match extensions.iter().find(|e| e.path == lib.path) {
            Some(ext) => (lib.path.clone(), ext.archive_name.clone(), NativeKind::Extension { module: ext.module.clone() }),
            None => (lib.path.clone(), format!("{LIB_DIR}/{}", lib.soname), NativeKind::Library),
        })
        .collect();
    let why: Vec<String> = closure
        .iter()
        .map(|lib| match extensions.iter().find(|e| e.path == lib.path) {
            Some(ext) => ext.why.clone(),
            None if lib.path == python.libpython => "the interpreter".to_string(),
            None if lib.needed_by.is_empty() => "loaded by glibc when a thread exits".to_string(),
            None => format!("needed by {}", lib.needed_by.join(", ")),
        })
        .collect();
    let needs = library_needs(&closure, &planned);
    let sources = closure.iter().map(|lib| lib.path.clone()).collect();
    let libpython_name = planned
        .iter()
        .find(|(path, ..)| *path == python.libpython)
        .map(|(_, name, _)| name.clone())
        .context("libpython is missing from its own dependency closure")?;

    let loaded: Vec<(Entry, Option<(u32, u32)>)> = planned
        .into_par_iter()
        .zip(why)
        .map(|((path, name, kind), why)| {
            let data = read_stripped(&path)?;
            let floor = elf::glibc_floor(&data).with_context(|| format!("cannot read {}", path.display()))?;
            Ok((Entry::native(name, kind, data, why), floor))
        })
        .collect::<Result<_>>()?;
    let glibc_floor = loaded.iter().filter_map(|(_, floor)| *floor).max();
    let (mut libraries, extensions): (Vec<Entry>, Vec<Entry>) = loaded
        .into_iter()
        .map(|(entry, _)| entry)
        .partition(|e| matches!(e.kind, crate::plan::Kind::Native(NativeKind::Library)));
    libraries.extend(extensions);
    Ok(Natives { entries: libraries, sources, needs, libpython_name, glibc_floor })
}

/// What each object needs, from the closure's "needed by" edges: every
/// library reachable from it, in the closure's (load) order.
fn library_needs(closure: &[NativeLib], planned: &[(PathBuf, String, NativeKind)]) -> BTreeMap<String, Vec<String>> {
    let index: HashMap<&str, usize> = closure.iter().enumerate().map(|(i, lib)| (lib.soname.as_str(), i)).collect();
    let mut direct: Vec<Vec<usize>> = vec![Vec::new(); closure.len()];
    for (needed, lib) in closure.iter().enumerate() {
        for dependent in &lib.needed_by {
            if let Some(&d) = index.get(dependent.as_str()) {
                direct[d].push(needed);
            }
        }
    }
    let mut needs = BTreeMap::new();
    for (i, (_, name, _)) in planned.iter().enumerate() {
        let mut reached = BTreeSet::new();
        let mut stack = direct[i].clone();
        while let Some(next) = stack.pop() {
            if reached.insert(next) {
                stack.extend(&direct[next]);
            }
        }
        let libraries = reached
            .into_iter()
            .filter(|&r| planned[r].2 == NativeKind::Library)
            .map(|r| planned[r].1.clone())
            .collect();
        needs.insert(name.clone(), libraries);
    }
    needs
}

fn read_stripped(path: &Path) -> Result<Vec<u8>> {
    let data = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    elf::strip_debug(&data).with_context(|| format!("cannot strip {}", path.display()))
}

fn find_libgcc_s() -> Result<PathBuf> {
    let cached = elf::LdCache::load(Path::new("/etc/ld.so.cache"))?
        .and_then(|cache| cache.get(LIBGCC_S).map(Path::to_path_buf));
    let defaults = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64"];
    cached
        .into_iter()
        .chain(defaults.iter().map(|d| Path::new(d).join(LIBGCC_S)))
        .find(|p| p.is_file())
        .with_context(|| format!("{LIBGCC_S} was not found; install it (Debian: apt-get install libgcc-s1)"))
}
