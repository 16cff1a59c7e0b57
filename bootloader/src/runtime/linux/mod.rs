//! The Linux pieces of the runtime: the executable's own path, the glibc
//! floor check, `dlopen`, memory files, the private cache directory, the
//! bundle's files served by path, and ending the process by SIGINT.

pub mod cache;
pub mod glibc;
pub mod loader;
pub mod memfd;
pub mod served;

use super::bundle::Bundle;
use super::module_index::ModuleIndex;
use super::Failure;
use pybundle_bootloader::manifest::Manifest;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The absolute path of the running executable, symlinks resolved.
pub fn own_executable() -> Result<PathBuf, Failure> {
    if let Ok(path) = std::fs::read_link("/proc/self/exe") {
        return Ok(path);
    }
    // Without /proc: the kernel still tells us the path given to execve.
    let execfn = unsafe { libc::getauxval(libc::AT_EXECFN) } as *const libc::c_char;
    if !execfn.is_null() {
        let name = unsafe { std::ffi::CStr::from_ptr(execfn) };
        let path = Path::new(std::ffi::OsStr::from_bytes(name.to_bytes()));
        if let Ok(path) = std::fs::canonicalize(path) {
            return Ok(path);
        }
    }
    Err(Failure::new("cannot find the path of this executable (is /proc mounted?)"))
}

/// Serves the bundle's files by path below its own path; true.
pub fn serve_files(bundle: &'static Bundle, index: &'static ModuleIndex) -> bool {
    served::install(bundle, index);
    true
}

/// Refuses a system the bundle cannot run on, before anything is loaded.
pub fn check_system(manifest: &Manifest) -> Result<(), Failure> {
    glibc::check_floor(manifest)
}

/// Ends the process the way python does after an unhandled
/// `KeyboardInterrupt`: by SIGINT, so the parent sees the signal.
pub fn exit_interrupted() -> i32 {
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::kill(libc::getpid(), libc::SIGINT);
    }
    130
}
