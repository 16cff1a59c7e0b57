//! The bundle's native files, made loadable on demand: in place beside the
//! executable (onedir), in memory files (onefile), or in the cache directory
//! when memory files cannot be used. A library is loaded at most once, after
//! the libraries it needs; an extension module's libraries are loaded when
//! the module is first imported, so an app pays only for what it uses.

use super::bundle::Bundle;
use super::cache_dir;
use super::loader::{self, Library};
use super::memfd::{self, MemFile};
use super::Failure;
use pybundle_bootloader::layout;
use pybundle_bootloader::manifest::{Layout, NativeKind};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct NativeStore {
    bundle: &'static Bundle,
    /// Where files come from: `None` for memory files, else a directory
    /// that holds every native file at its archive path.
    dir: Option<PathBuf>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Paths handed out so far, by archive name.
    paths: HashMap<String, PathBuf>,
    /// Memory files stay open so their `/proc/self/fd/N` paths stay valid
    /// and are never reused.
    memory: Vec<MemFile>,
    loaded: HashMap<String, Library>,
}

impl NativeStore {
    /// Decides where native files come from for this start.
    pub fn open(bundle: &'static Bundle) -> Result<NativeStore, Failure> {
        let dir = match bundle.manifest().layout {
            Layout::Onedir => {
                Some(bundle.path().parent().unwrap_or(Path::new("/")).join(layout::ONEDIR_INTERNAL))
            }
            Layout::Onefile if memory_files_usable() => None,
            Layout::Onefile => Some(cache_dir::natives(bundle)?),
        };
        Ok(NativeStore { bundle, dir, state: Mutex::new(State::default()) })
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
        self.path(&native.name).map(Some)
    }

    pub fn bundle_path(&self) -> &Path {
        self.bundle.path()
    }

    /// The directory that holds the files the bundle places on disk
    /// (`sys._MEIPASS`), or `None` if it has none.
    pub fn files_dir(&self) -> Result<Option<PathBuf>, Failure> {
        let manifest = self.bundle.manifest();
        if manifest.files.is_empty() {
            return Ok(None);
        }
        match manifest.layout {
            Layout::Onedir => Ok(self.dir.clone()),
            Layout::Onefile => cache_dir::files(self.bundle).map(Some),
        }
    }

    /// The names of the bundled extension modules.
    pub fn extension_modules(&self) -> impl Iterator<Item = &str> {
        self.bundle.manifest().natives.iter().filter_map(|n| match &n.kind {
            NativeKind::Extension { module } => Some(module.as_str()),
            NativeKind::Library => None,
        })
    }

    fn load_library(&self, name: &str) -> Result<Library, Failure> {
        if let Some(library) = self.state.lock().expect("native state").loaded.get(name) {
            return Ok(*library);
        }
        let libpython = name == self.bundle.manifest().python.libpython;
        let path = self.path(name)?;
        let library = loader::open(&path, libpython).map_err(|e| Failure::new(format!("cannot load {name}: {e}")))?;
        self.state.lock().expect("native state").loaded.insert(name.to_string(), library);
        Ok(library)
    }

    /// A path the loader can open, making the file exist first if needed.
    fn path(&self, name: &str) -> Result<PathBuf, Failure> {
        if let Some(dir) = &self.dir {
            return Ok(dir.join(name));
        }
        let mut state = self.state.lock().expect("native state");
        if let Some(path) = state.paths.get(name) {
            return Ok(path.clone());
        }
        let data = self.bundle.verified_entry(name)?;
        let file_name = name.rsplit('/').next().unwrap_or(name);
        let file = MemFile::create(file_name, &data)
            .map_err(|e| Failure::new(format!("cannot create a memory file for {name}: {e}; set {}=1 to use a cache directory", layout::ENV_NO_MEMFD)))?;
        let path = file.path();
        state.paths.insert(name.to_string(), path.clone());
        state.memory.push(file);
        Ok(path)
    }
}

/// Memory files work if not switched off, `/proc` is mounted and the kernel
/// lets us create an executable one.
fn memory_files_usable() -> bool {
    let forced_off = std::env::var_os(layout::ENV_NO_MEMFD).is_some_and(|v| !v.is_empty() && v != "0");
    !forced_off && memfd::proc_fd_available() && MemFile::create("pybundle-probe", b"").is_ok()
}
