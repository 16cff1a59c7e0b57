//! Loads the bundle's shared libraries in dependency order, so that every
//! later DT_NEEDED lookup finds an already loaded library by its SONAME.

use super::natives::Natives;
use super::Failure;
use pybundle_bootloader::manifest::NativeKind;
use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// A handle from `dlopen`, never closed.
#[derive(Clone, Copy)]
pub struct Library(*mut libc::c_void);

impl Library {
    /// The address of `symbol`, or `None`.
    pub fn symbol(&self, symbol: &CStr) -> Option<*mut libc::c_void> {
        let address = unsafe { libc::dlsym(self.0, symbol.as_ptr()) };
        (!address.is_null()).then_some(address)
    }
}

/// Loads every library of the bundle and returns libpython's handle.
pub fn load_libraries(natives: &Natives, libpython: &str) -> Result<Library, Failure> {
    let mut python = None;
    for item in natives.items.iter().filter(|i| i.native.kind == NativeKind::Library) {
        let is_python = item.native.name == libpython;
        // libpython's symbols must be global: extension modules use them
        // without naming libpython in their DT_NEEDED.
        let scope = if is_python { libc::RTLD_GLOBAL } else { libc::RTLD_LOCAL };
        let library = open(&item.path, libc::RTLD_LAZY | scope)
            .map_err(|e| Failure::new(format!("cannot load {}: {e}", item.native.name)))?;
        if is_python {
            python = Some(library);
        }
    }
    python.ok_or_else(|| Failure::new(format!("the bundle does not contain {libpython}")))
}

fn open(path: &Path, flags: libc::c_int) -> Result<Library, String> {
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
