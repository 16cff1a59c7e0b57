//! Anonymous in-memory files that the dynamic loader can open by path.

use std::ffi::CString;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd};
use std::path::{Path, PathBuf};

/// An in-memory file holding one native library, kept open for the life of
/// the process so that its `/proc/self/fd/N` path stays valid and unique.
pub struct MemFile {
    file: File,
}

impl MemFile {
    /// Creates a memfd named `name` that holds `data`.
    pub fn create(name: &str, data: &[u8]) -> std::io::Result<MemFile> {
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
        let mut file = unsafe { File::from_raw_fd(fd) };
        file.write_all(data)?;
        Ok(MemFile { file })
    }

    /// The path through which the loader opens this file.
    pub fn path(&self) -> PathBuf {
        Path::new("/proc/self/fd").join(self.file.as_raw_fd().to_string())
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
