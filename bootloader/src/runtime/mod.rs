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
use pybundle_bootloader::manifest::Layout;

/// Runs the bundled application and returns its exit code.
pub fn run() -> Result<i32, Failure> {
    let exe = bundle::own_executable()?;
    let bundle = Bundle::open(&exe)?;
    glibc::check_floor(bundle.manifest())?;
    let natives = match bundle.manifest().layout {
        Layout::Onedir => natives::onedir(&bundle)?,
        Layout::Onefile => natives::onefile(&bundle)?,
    };
    let libpython = loader::load_libraries(&natives, &bundle.manifest().python.libpython)?;
    python::run(libpython, &bundle, &natives)
}
