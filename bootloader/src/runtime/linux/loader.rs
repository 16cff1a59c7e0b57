//! Opening shared libraries with the dynamic loader. Libraries are loaded in
//! dependency order, so each later DT_NEEDED lookup finds an already loaded
//! library by its SONAME.

use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// A handle from `dlopen`, never closed.
#[derive(Clone, Copy)]
pub struct Library(*mut libc::c_void);

// SAFETY: a dlopen handle may be used from any thread.
unsafe impl Send for Library {}

impl Library {
    /// The address of `symbol`, or `None`.
    pub fn symbol(&self, symbol: &CStr) -> Option<*mut libc::c_void> {
        let address = unsafe { libc::dlsym(self.0, symbol.as_ptr()) };
        (!address.is_null()).then_some(address)
    }
}

/// Loads the library at `path`. libpython's symbols must be global: extension
/// modules use them without naming libpython in their DT_NEEDED.
pub fn open(path: &Path, global: bool) -> Result<Library, String> {
    let scope = if global { libc::RTLD_GLOBAL } else { libc::RTLD_LOCAL };
    dlopen(path, libc::RTLD_LAZY | scope)
}

/// Loads an extension module as Python does (`RTLD_NOW`, local), so that
/// Python's own load of the same path finds it loaded.
pub fn open_extension(path: &Path) -> Result<Library, String> {
    dlopen(path, libc::RTLD_NOW | libc::RTLD_LOCAL)
}

fn dlopen(path: &Path, flags: libc::c_int) -> Result<Library, String> {
    let cpath = CString::new(path.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
    let handle = unsafe { libc::dlopen(cpath.as_ptr(), flags) };
    if handle.is_null() {
        let error = unsafe { libc::dlerror() };
        let text = if error.is_null() {
            "unknown error".to_string()
        } else {
            unsafe { CStr::from_ptr(error) }.to_string_lossy().into_owned()
        };
        return Err(text);
    }
    Ok(Library(handle))
}
