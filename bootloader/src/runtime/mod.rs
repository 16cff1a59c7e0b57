//! The stub's start-up sequence: open the bundle, check the system, serve
//! its files by path, make the native files loadable, start Python. What differs between Linux and
//! Windows lives in `linux` and `windows`, which offer the same names and
//! are used as `platform`.

mod boot;
mod bundle;
mod cache_dir;
mod failure;
mod launch;
mod module_index;
mod natives;
mod python;

#[cfg(unix)]
mod linux;
#[cfg(unix)]
use linux as platform;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as platform;

pub use failure::Failure;
use platform::loader;

use bundle::Bundle;
use module_index::ModuleIndex;
use natives::NativeStore;

/// Runs the bundled application and returns its exit code.
pub fn run() -> Result<i32, Failure> {
    let exe = platform::own_executable()?;
    // Both live as long as the process: the interpreter keeps using them.
    let bundle: &'static Bundle = Box::leak(Box::new(Bundle::open(&exe)?));
    platform::check_system(bundle.manifest())?;
    let index: &'static ModuleIndex = Box::leak(Box::new(ModuleIndex::new(bundle.manifest())));
    let served = platform::serve_files(bundle, index);
    let natives: &'static NativeStore = Box::leak(Box::new(NativeStore::open(bundle)?));
    let libpython = natives.load_startup()?;
    python::run(libpython, bundle, natives, index, served)
}
