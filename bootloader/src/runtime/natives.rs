//! The bundle's native files, made loadable on demand: in place beside the
//! executable (onedir), in memory files (Linux onefile), or in the cache
//! directory (Windows onefile, and Linux when memory files cannot be used).
//! A library is loaded at most once, after the libraries it needs; an
//! extension module's libraries are loaded when the module is first
//! imported, so an app pays only for what it uses.

use super::bundle::Bundle;
use super::cache_dir;
use super::loader::{self, Library};
#[cfg(unix)]
use super::platform::memfd::{self, MemFile};
use super::Failure;
use pybundle_bootloader::layout;
use pybundle_bootloader::manifest::{Layout, NativeKind};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct NativeStore {
    bundle: &'static Bundle,
    source: Source,
    state: Mutex<State>,
}

/// Where native files come from.
enum Source {
    /// A directory that holds every native file at its archive path.
    Dir(PathBuf),
    /// Memory files, made when first needed.
    #[cfg(unix)]
    Memory,
}

#[derive(Default)]
struct State {
    /// Paths handed out for extension modules in memory, by archive name.
    #[cfg(unix)]
    extensions: HashMap<String, PathBuf>,
    /// Memory files of extension modules that could not be loaded ahead;
    /// Python loads them (and says why it cannot) itself.
    #[cfg(unix)]
    kept: Vec<MemFile>,
    loaded: HashMap<String, Library>,
}

impl NativeStore {
    /// Decides where native files come from for this start.
    pub fn open(bundle: &'static Bundle) -> Result<NativeStore, Failure> {
        let source = match bundle.manifest().layout {
            Layout::Onedir => Source::Dir(internal_dir(bundle)),
            Layout::Onefile => onefile_source(bundle)?,
        };
        Ok(NativeStore { bundle, source, state: Mutex::new(State::default()) })
    }

    /// Loads the libraries Python needs to start; returns libpython.
    pub fn load_startup(&self) -> Result<Library, Failure> {
        let manifest = self.bundle.manifest();
        let mut python = None;
        for name in manifest.startup_libraries() {
            let library = self.load_library(name)?;
            if name == manifest.python.libpython {
                python = Some(library);
            }
        }
        python.ok_or_else(|| Failure::damaged(self.bundle.path(), "libpython is missing from the manifest"))
    }

    /// The loadable path of extension module `module`, after loading the
    /// libraries it needs; `None` if the bundle has no such module.
    pub fn extension(&self, module: &str) -> Result<Option<PathBuf>, Failure> {
        let manifest = self.bundle.manifest();
        let Some(native) = manifest
            .natives
            .iter()
            .find(|n| matches!(&n.kind, NativeKind::Extension { module: m } if m == module))
        else {
            return Ok(None);
        };
        for library in &native.needs {
            self.load_library(library)?;
        }
        match &self.source {
            Source::Dir(dir) => Ok(Some(entry_path(dir, &native.name))),
            #[cfg(unix)]
            Source::Memory => self.extension_in_memory(&native.name).map(Some),
        }
    }

    /// The directory that holds the files the bundle places on disk
    /// (`sys._MEIPASS`), or `None` if it has none.
    pub fn files_dir(&self) -> Result<Option<PathBuf>, Failure> {
        let manifest = self.bundle.manifest();
        if manifest.files.is_empty() {
            return Ok(None);
        }
        match manifest.layout {
            Layout::Onedir => Ok(Some(internal_dir(self.bundle))),
            Layout::Onefile => cache_dir::files(self.bundle).map(Some),
        }
    }

    /// The onedir layout's `_internal` directory, if this is one.
    pub fn internal_dir(&self) -> Option<PathBuf> {
        (self.bundle.manifest().layout == Layout::Onedir).then(|| internal_dir(self.bundle))
    }

    fn load_library(&self, name: &str) -> Result<Library, Failure> {
        if let Some(library) = self.state.lock().expect("native state").loaded.get(name) {
            return Ok(*library);
        }
        let libpython = name == self.bundle.manifest().python.libpython;
        let library = match &self.source {
            Source::Dir(dir) => loader::open(&entry_path(dir, name), libpython),
            #[cfg(unix)]
            Source::Memory => match self.cycle_members(name) {
                Some(members) => {
                    let dir = cache_dir::library_cycle(self.bundle, &members)?;
                    loader::open(&entry_path(&dir, name), libpython)
                }
                // The loaded library keeps its mapping; the file can go.
                None => loader::open(&self.memory_file(name)?.path(), libpython),
            },
        };
        let library = library.map_err(|e| Failure::new(format!("cannot load {name}: {e}")))?;
        self.state.lock().expect("native state").loaded.insert(name.to_string(), library);
        Ok(library)
    }

    /// The libraries of the dependency cycle `name` is in (itself included),
    /// or `None` if it is in none: those it needs that need it back.
    #[cfg(unix)]
    fn cycle_members(&self, name: &str) -> Option<Vec<String>> {
        let manifest = self.bundle.manifest();
        let native = manifest.native(name)?;
        if !native.needs.iter().any(|n| n == name) {
            return None;
        }
        let needs_back = |other: &String| manifest.native(other).is_some_and(|o| o.needs.iter().any(|n| n == name));
        Some(native.needs.iter().filter(|other| needs_back(other)).cloned().collect())
    }

    /// A memory file holding native `name`, decoded into it and checked
    /// against its hash.
    #[cfg(unix)]
    fn memory_file(&self, name: &str) -> Result<MemFile, Failure> {
        let size = self.bundle.entry_size(name).ok_or_else(|| Failure::damaged(self.bundle.path(), format!("entry {name} is missing")))?;
        let file_name = name.rsplit('/').next().unwrap_or(name);
        let created = MemFile::create(file_name, size, |out| self.bundle.verified_entry_into(name, out));
        created.map_err(|e| {
            Failure::new(format!(
                "cannot create a memory file for {name}: {e}; set {}=1 to use a cache directory",
                layout::ENV_NO_MEMFD
            ))
        })?
    }

    /// The path Python loads extension module `name` from. It is loaded
    /// here first, as Python would, so its memory file can be closed:
    /// Python's own load of the same path then finds it loaded.
    #[cfg(unix)]
    fn extension_in_memory(&self, name: &str) -> Result<PathBuf, Failure> {
        let mut state = self.state.lock().expect("native state");
        if let Some(path) = state.extensions.get(name) {
            return Ok(path.clone());
        }
        let file = self.memory_file(name)?;
        let path = file.path();
        if loader::open_extension(&path).is_err() {
            state.kept.push(file);
        }
        state.extensions.insert(name.to_string(), path.clone());
        Ok(path)
    }
}

/// The onedir layout's `_internal` directory beside the executable.
fn internal_dir(bundle: &Bundle) -> PathBuf {
    bundle.path().parent().unwrap_or(Path::new("/")).join(layout::ONEDIR_INTERNAL)
}

/// The file of archive entry `name` (`/`-separated) under `dir`, with the
/// platform's separators (the Windows loader wants backslashes).
pub fn entry_path(dir: &Path, name: &str) -> PathBuf {
    let mut path = dir.to_path_buf();
    path.extend(name.split('/').filter(|part| !part.is_empty()));
    path
}

/// An earlier start's cache entry if there is one (nothing to decode, and
/// pages shared with every process using it); else, for a bundle built
/// with `--cache-natives`, a cache entry filled now where a cache directory
/// is usable; else memory files, if not switched off, `/proc` is mounted
/// and the kernel lets us create an executable one; else the cache
/// directory.
#[cfg(unix)]
fn onefile_source(bundle: &Bundle) -> Result<Source, Failure> {
    if let Some(dir) = cache_dir::filled_natives(bundle) {
        return Ok(Source::Dir(dir));
    }
    if bundle.manifest().cache_natives {
        // Where no cache directory is usable, memory files, as without the flag.
        if let Ok(dir) = cache_dir::natives(bundle, "it was built with --cache-natives") {
            return Ok(Source::Dir(dir));
        }
    }
    let forced_off = std::env::var_os(layout::ENV_NO_MEMFD).is_some_and(|v| !v.is_empty() && v != "0");
    if !forced_off && memfd::proc_fd_available() && MemFile::create("pybundle-probe", 0, |_| Ok::<(), ()>(())).is_ok() {
        return Ok(Source::Memory);
    }
    cache_dir::natives(bundle, "memfd is not usable").map(Source::Dir)
}

/// Windows loads DLLs from files only: the cache directory.
#[cfg(windows)]
fn onefile_source(bundle: &Bundle) -> Result<Source, Failure> {
    cache_dir::natives(bundle, "a onefile bundle keeps them in a cache directory").map(Source::Dir)
}
