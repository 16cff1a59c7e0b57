//! The bundle's files served by path to the process itself: a read-only
//! directory tree at the bundle's own path (`/app/server/certifi/cacert.pem`
//! for a bundle `/app/server`), made of the archive's entries, with nothing
//! written anywhere. The stub exports libc's file functions (`exports`);
//! libpython and extension modules bind to those, which serve paths below
//! the bundle from the archive (`tree`, `file`, `dir_stream`, `library`) and pass
//! every other path to libc unchanged (`libc_next`).

mod dir_stream;
mod exports;
mod file;
mod libc_next;
mod library;
mod tree;

pub use tree::install;

/// Sets `errno` for the caller.
pub fn set_errno(errno: libc::c_int) {
    // SAFETY: the calling thread's errno location is always valid.
    unsafe { *libc::__errno_location() = errno };
}

/// Fails a call that returns an integer: `errno` set, -1 returned.
fn fail(errno: libc::c_int) -> libc::c_int {
    set_errno(errno);
    -1
}

/// Fails a call that returns a pointer: `errno` set, null returned.
fn fail_null<T>(errno: libc::c_int) -> *mut T {
    set_errno(errno);
    std::ptr::null_mut()
}
