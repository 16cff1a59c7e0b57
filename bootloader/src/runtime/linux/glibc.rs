//! Refuses to start on a glibc older than the newest one the bundle needs,
//! before anything is loaded (a loader error would be far less clear).

use super::Failure;
use pybundle_bootloader::manifest::{parse_version_pair, Manifest};
use std::ffi::CStr;

extern "C" {
    fn gnu_get_libc_version() -> *const libc::c_char;
}

pub fn check_floor(manifest: &Manifest) -> Result<(), Failure> {
    let Some(needed) = manifest.glibc_floor() else { return Ok(()) };
    // SAFETY: glibc returns a static NUL-terminated string.
    let running = unsafe { CStr::from_ptr(gnu_get_libc_version()) }.to_string_lossy().into_owned();
    let Some(have) = parse_version_pair(&running) else { return Ok(()) };
    if have < needed {
        return Err(Failure::new(format!(
            "this bundle needs glibc {}.{} or newer, but this system has glibc {running}; \
             build it on a system with an older glibc",
            needed.0, needed.1
        )));
    }
    Ok(())
}
