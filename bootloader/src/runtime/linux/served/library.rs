//! `dlopen` of a served file (`ctypes.CDLL(os.path.join(here, "libx.so"))`):
//! the library is decoded into a memory file and loaded from there, as the
//! bundle's own native libraries are; nothing is written to disk.

use super::tree::Tree;
use crate::runtime::linux::memfd::MemFile;
use std::ffi::{c_int, c_void, CString};

/// The handle of served file `name` loaded with `flags`, or null (with
/// the reason for `dlerror`, or on stderr if the bundle is damaged).
pub fn open(tree: &Tree, name: &str, flags: c_int) -> *mut c_void {
    let Some(size) = tree.bundle.entry_size(name) else { return std::ptr::null_mut() };
    let file_name = name.rsplit('/').next().unwrap_or(name);
    // Decoded straight into the memory file, and checked there.
    let file = match MemFile::create(file_name, size, |out| tree.bundle.verified_entry_into(name, out)) {
        Ok(Ok(file)) => file,
        Ok(Err(failure)) => {
            eprintln!("pybundle: {failure}");
            return std::ptr::null_mut();
        }
        Err(_) => return std::ptr::null_mut(),
    };
    let Ok(path) = CString::new(file.path().into_os_string().into_encoded_bytes()) else { return std::ptr::null_mut() };
    // SAFETY: a valid C string; the memory file stays open until loaded.
    // The path is outside the bundle: this goes on to libc's dlopen.
    unsafe { libc::dlopen(path.as_ptr(), flags) }
}
