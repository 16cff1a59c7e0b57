//! The Windows pieces of the runtime: the executable's own path
//! (`GetModuleFileNameW`, through std), `LoadLibraryExW`, the cache
//! directory under the user's local app data, and python's exit code for an
//! unhandled `KeyboardInterrupt`. Only kernel32 functions that Nano Server
//! has are used.

pub mod cache;
pub mod loader;

use super::bundle::Bundle;
use super::module_index::ModuleIndex;
use super::Failure;
use pybundle_bootloader::manifest::Manifest;
use std::path::PathBuf;

/// The full path of the running executable.
pub fn own_executable() -> Result<PathBuf, Failure> {
    std::env::current_exe().map_err(|e| Failure::new(format!("cannot find the path of this executable: {e}")))
}

/// Windows cannot serve files by path: a bundle's files that code opens by
/// path are placed on disk (`cache_dir::files`); false.
pub fn serve_files(_: &'static Bundle, _: &'static ModuleIndex) -> bool {
    false
}

/// Windows has no glibc floor; every bundled DLL travels with the bundle.
pub fn check_system(_: &Manifest) -> Result<(), Failure> {
    Ok(())
}

/// python.exe's exit code after an unhandled `KeyboardInterrupt`:
/// `STATUS_CONTROL_C_EXIT`.
pub fn exit_interrupted() -> i32 {
    0xC000_013A_u32 as i32
}
