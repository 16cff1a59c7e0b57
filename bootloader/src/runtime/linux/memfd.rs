//! Anonymous in-memory files that the dynamic loader can open by path.

use std::collections::HashMap;
use std::ffi::CString;
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// An in-memory file holding one native library, open until the loader has
/// loaded it (its mapping keeps the content); closing it frees the
/// descriptor for the next one.
pub struct MemFile {
    file: File,
    /// How many memory files had this descriptor number before.
    reuse: usize,
}

/// Per descriptor number, how many memory files have had it.
static NUMBERS_USED: Mutex<Option<HashMap<i32, usize>>> = Mutex::new(None);

impl MemFile {
    /// Creates a memfd named `name` of `size` bytes, filled by `fill`
    /// (straight into the file's pages, without a copy in between).
    pub fn create<E>(name: &str, size: u64, fill: impl FnOnce(&mut [u8]) -> Result<(), E>) -> std::io::Result<Result<MemFile, E>> {
        let cname = CString::new(name.replace('\0', "_")).map_err(std::io::Error::other)?;
        let mut fd = create_fd(&cname, libc::MFD_CLOEXEC | MFD_EXEC);
        if fd < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL) {
            // Kernels before 6.3 do not know MFD_EXEC; their memfds are executable anyway.
            fd = create_fd(&cname, libc::MFD_CLOEXEC);
        }
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: fd is a fresh descriptor that we own.
        let file = unsafe { File::from_raw_fd(fd) };
        file.set_len(size)?;
        if size > 0 {
            // SAFETY: a private memfd of our own, which nothing else maps or resizes.
            // Populated: the kernel allocates the pages at once, not a
            // fault at a time while decoding.
            let mut map = unsafe { memmap2::MmapOptions::new().populate().map_mut(&file)? };
            if let Err(e) = fill(&mut map) {
                return Ok(Err(e));
            }
        }
        let mut used = NUMBERS_USED.lock().unwrap_or_else(|e| e.into_inner());
        let count = used.get_or_insert_with(HashMap::new).entry(fd).or_insert(0);
        let reuse = *count;
        *count += 1;
        Ok(Ok(MemFile { file, reuse }))
    }

    /// The path through which the loader opens this file. glibc takes a
    /// path it has loaded before for the library loaded then, so a number
    /// an earlier memory file had is spelled another way each time
    /// (`/proc/self/fd/./N`, `/proc/self/fd/././N`, ...).
    pub fn path(&self) -> PathBuf {
        PathBuf::from(format!("/proc/self/fd/{}{}", "./".repeat(self.reuse), self.file.as_raw_fd()))
    }
}

const MFD_EXEC: libc::c_uint = 0x10;

fn create_fd(name: &CString, flags: libc::c_uint) -> libc::c_int {
    // SAFETY: a plain syscall with a valid C string.
    unsafe { libc::syscall(libc::SYS_memfd_create, name.as_ptr(), flags) as libc::c_int }
}

/// Whether `/proc/self/fd` can be used to open descriptors by path.
pub fn proc_fd_available() -> bool {
    Path::new("/proc/self/fd/0").exists() || Path::new("/proc/self/fd").is_dir()
}
