//! Gives every native file of the bundle a path the dynamic loader can open:
//! in place beside the executable (onedir), in memory (onefile), or in the
//! cache directory when memory files cannot be used.

use super::bundle::Bundle;
use super::cache_dir;
use super::memfd::{self, MemFile};
use super::Failure;
use pybundle_bootloader::layout;
use pybundle_bootloader::manifest::Native;
use std::path::{Path, PathBuf};

pub struct Natives {
    pub items: Vec<Loadable>,
    /// Keeps the memory files open, so their paths stay valid.
    _memory: Vec<MemFile>,
}

pub struct Loadable {
    pub native: Native,
    pub path: PathBuf,
}

/// Native files live beside the executable under `_internal/`.
pub fn onedir(bundle: &Bundle) -> Result<Natives, Failure> {
    let root = bundle.path().parent().unwrap_or(Path::new("/")).join(layout::ONEDIR_INTERNAL);
    Ok(under(bundle, &root))
}

/// Native files come out of the executable into memory files, or into the
/// cache directory where that is impossible or `PYBUNDLE_NO_MEMFD` is set.
pub fn onefile(bundle: &Bundle) -> Result<Natives, Failure> {
    let forced_off = std::env::var_os(layout::ENV_NO_MEMFD).is_some_and(|v| !v.is_empty() && v != "0");
    if !forced_off && memfd::proc_fd_available() {
        if let Some(natives) = in_memory(bundle)? {
            return Ok(natives);
        }
    }
    let root = cache_dir::materialize(bundle)?;
    Ok(under(bundle, &root))
}

fn under(bundle: &Bundle, root: &Path) -> Natives {
    let items = bundle
        .manifest()
        .natives
        .iter()
        .map(|native| Loadable { native: native.clone(), path: root.join(&native.name) })
        .collect();
    Natives { items, _memory: Vec::new() }
}

/// `None` when the system refuses memory files (no memfd_create, or a policy
/// that forbids executable ones); damage is an error.
fn in_memory(bundle: &Bundle) -> Result<Option<Natives>, Failure> {
    let mut items = Vec::new();
    let mut memory = Vec::new();
    for native in &bundle.manifest().natives {
        let data = bundle.verified_entry(&native.name)?;
        let file_name = native.name.rsplit('/').next().unwrap_or(&native.name);
        let Ok(file) = MemFile::create(file_name, data) else { return Ok(None) };
        items.push(Loadable { native: native.clone(), path: file.path() });
        memory.push(file);
    }
    Ok(Some(Natives { items, _memory: memory }))
}
