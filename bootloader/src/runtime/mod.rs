//! The stub's start-up sequence: open the bundle, check the system, make the
//! native files loadable, start Python.

mod boot;
mod bundle;
mod cache_dir;
mod failure;
mod glibc;
mod launch;
mod loader;
mod memfd;
mod natives;
mod python;

pub use failure::Failure;

use bundle::Bundle;
use natives::NativeStore;

/// Runs the bundled application and returns its exit code.
pub fn run() -> Result<i32, Failure> {
    let exe = bundle::own_executable()?;
    // Both live as long as the process: the interpreter keeps using them.
    let bundle: &'static Bundle = Box::leak(Box::new(Bundle::open(&exe)?));
    glibc::check_floor(bundle.manifest())?;
    let natives: &'static NativeStore = Box::leak(Box::new(NativeStore::open(bundle)?));
    let libpython = natives.load_startup()?;
    python::run(libpython, bundle, natives)
}
