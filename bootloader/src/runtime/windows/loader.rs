//! Loading DLLs with `LoadLibraryExW` by full path. DLLs are loaded in
//! dependency order, so a later import of `python313.dll` or
//! `libssl-3.dll` by name matches the module already loaded.

use std::ffi::{c_char, c_void, CStr};
use std::os::windows::ffi::OsStrExt;
use std::path::Path;

/// Search the loaded DLL's own directory for its dependencies first.
const LOAD_WITH_ALTERED_SEARCH_PATH: u32 = 0x8;

#[link(name = "kernel32")]
extern "system" {
    fn LoadLibraryExW(name: *const u16, file: *mut c_void, flags: u32) -> *mut c_void;
    fn GetProcAddress(module: *mut c_void, name: *const c_char) -> *mut c_void;
}

/// A module handle, never freed.
#[derive(Clone, Copy)]
pub struct Library(*mut c_void);

// SAFETY: a module handle may be used from any thread.
unsafe impl Send for Library {}

impl Library {
    /// The address of `symbol`, or `None`.
    pub fn symbol(&self, symbol: &CStr) -> Option<*mut c_void> {
        let address = unsafe { GetProcAddress(self.0, symbol.as_ptr()) };
        (!address.is_null()).then_some(address)
    }
}

/// Loads the DLL at `path` (a full path with backslashes). Windows has no
/// global symbol scope; extension modules import python3X.dll by name.
pub fn open(path: &Path, _global: bool) -> Result<Library, String> {
    let mut wide: Vec<u16> = path.as_os_str().encode_wide().collect();
    if wide.contains(&0) {
        return Err("the path contains a NUL character".into());
    }
    wide.push(0);
    let handle = unsafe { LoadLibraryExW(wide.as_ptr(), std::ptr::null_mut(), LOAD_WITH_ALTERED_SEARCH_PATH) };
    if handle.is_null() {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(Library(handle))
}
