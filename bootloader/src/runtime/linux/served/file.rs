//! Opening a served file: its content, checked against the manifest,
//! in a sealed memory file reopened read-only, so the descriptor acts as
//! one of a read-only file system (reads and seeks work, writes fail with
//! EBADF) and survives `fork` and `exec` like any other.

use super::tree::Tree;
use std::ffi::CString;

const MFD_NOEXEC_SEAL: libc::c_uint = 0x8;

/// A descriptor for reading served file `name`, opened with the caller's
/// `flags` (`O_CLOEXEC`, `O_NONBLOCK`, ...); `Err(errno)` if it cannot be.
pub fn open(tree: &Tree, name: &str, flags: libc::c_int) -> Result<libc::c_int, libc::c_int> {
    let data = match tree.bundle.verified_entry(name) {
        Ok(data) => data,
        Err(failure) => {
            // A damaged bundle says so, once per damaged read.
            eprintln!("pybundle: {failure}");
            return Err(libc::EIO);
        }
    };
    let file_name = CString::new(name.rsplit('/').next().unwrap_or(name).replace('\0', "_")).map_err(|_| libc::EINVAL)?;
    let memfd = create(&file_name)?;
    let sealed = fill(memfd, &data, tree.mtime);
    if let Err(errno) = sealed {
        close(memfd);
        return Err(errno);
    }
    // A read-only descriptor of its own; without /proc, the memory file
    // itself (sealed against writes), placed at its start.
    let path = CString::new(format!("/proc/self/fd/{memfd}")).map_err(|_| libc::EINVAL)?;
    let reopen_flags = libc::O_RDONLY | (flags & (libc::O_CLOEXEC | libc::O_NONBLOCK));
    // SAFETY: a valid C string; the path is outside the bundle, so this is libc's open.
    let fd = unsafe { libc::open(path.as_ptr(), reopen_flags) };
    if fd >= 0 {
        close(memfd);
        return Ok(fd);
    }
    if flags & libc::O_CLOEXEC == 0 {
        // SAFETY: fcntl on our own descriptor.
        unsafe { libc::fcntl(memfd, libc::F_SETFD, 0) };
    }
    Ok(memfd)
}

fn create(name: &CString) -> Result<libc::c_int, libc::c_int> {
    let flags = libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING;
    // SAFETY: memfd_create with a valid C string.
    let mut fd = unsafe { libc::syscall(libc::SYS_memfd_create, name.as_ptr(), flags | MFD_NOEXEC_SEAL) as libc::c_int };
    if fd < 0 && errno() == libc::EINVAL {
        // Kernels before 6.3 know no MFD_NOEXEC_SEAL.
        // SAFETY: as above.
        fd = unsafe { libc::syscall(libc::SYS_memfd_create, name.as_ptr(), flags) as libc::c_int };
    }
    if fd < 0 {
        return Err(errno());
    }
    Ok(fd)
}

/// Writes `data`, gives the file the served tree's mode and times, seals
/// it against any change and rewinds it.
fn fill(fd: libc::c_int, data: &[u8], (seconds, nanos): (i64, i64)) -> Result<(), libc::c_int> {
    let mut written = 0;
    while written < data.len() {
        // SAFETY: writing from a live slice to our own descriptor.
        let n = unsafe { libc::write(fd, data[written..].as_ptr().cast(), data.len() - written) };
        if n < 0 {
            if errno() == libc::EINTR {
                continue;
            }
            return Err(errno());
        }
        written += n as usize;
    }
    let time = libc::timespec { tv_sec: seconds, tv_nsec: nanos };
    let seals = libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;
    // SAFETY: plain calls on our own descriptor with valid arguments.
    unsafe {
        libc::fchmod(fd, 0o644);
        libc::futimens(fd, [time, time].as_ptr());
        libc::fcntl(fd, libc::F_ADD_SEALS, seals);
        if libc::lseek(fd, 0, libc::SEEK_SET) < 0 {
            return Err(errno());
        }
    }
    Ok(())
}

fn close(fd: libc::c_int) {
    // SAFETY: closing our own descriptor.
    unsafe { libc::close(fd) };
}

fn errno() -> libc::c_int {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}
