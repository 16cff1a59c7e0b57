//! libc's own functions, found past the stub's exports of the same names
//! (`dlsym(RTLD_NEXT)`), looked up on first use and kept.

use std::ffi::{c_void, CStr};
use std::sync::atomic::{AtomicUsize, Ordering};

/// One libc function: its name, and for the old `__xstat` family (which
/// glibc 2.33+ keeps only under their first version) that version.
pub struct Next {
    name: &'static CStr,
    version: Option<&'static CStr>,
    /// 0 until looked up; 1 if libc has no such function.
    address: AtomicUsize,
}

/// The version of glibc's first x86_64 symbols.
pub const FIRST_VERSION: &CStr = c"GLIBC_2.2.5";

impl Next {
    pub const fn new(name: &'static CStr) -> Next {
        Next { name, version: None, address: AtomicUsize::new(0) }
    }

    pub const fn versioned(name: &'static CStr, version: &'static CStr) -> Next {
        Next { name, version: Some(version), address: AtomicUsize::new(0) }
    }

    /// The function's address, or `None` if this libc lacks it.
    pub fn address(&self) -> Option<usize> {
        let mut address = self.address.load(Ordering::Acquire);
        if address == 0 {
            // SAFETY: dlsym/dlvsym with valid C strings; RTLD_NEXT searches
            // the objects loaded after this executable.
            let found: *mut c_void = unsafe {
                match self.version {
                    Some(version) => libc::dlvsym(libc::RTLD_NEXT, self.name.as_ptr(), version.as_ptr()),
                    None => libc::dlsym(libc::RTLD_NEXT, self.name.as_ptr()),
                }
            };
            address = if found.is_null() { 1 } else { found as usize };
            self.address.store(address, Ordering::Release);
        }
        (address != 1).then_some(address)
    }
}

/// Calls libc's function `$name` of type `fn($ty...) -> $ret` with the
/// arguments; where libc has none, sets ENOSYS and returns `$missing`.
macro_rules! call_next {
    ($next:expr, fn($($ty:ty),*) -> $ret:ty, ($($arg:expr),*), $missing:expr) => {{
        static NEXT: $crate::runtime::linux::served::libc_next::Next = $next;
        match NEXT.address() {
            // SAFETY: the address is libc's function of this name, whose C
            // signature is the one given.
            Some(address) => unsafe {
                std::mem::transmute::<usize, unsafe extern "C" fn($($ty),*) -> $ret>(address)($($arg),*)
            },
            None => {
                $crate::runtime::linux::served::set_errno(libc::ENOSYS);
                $missing
            }
        }
    }};
}
pub(crate) use call_next;
