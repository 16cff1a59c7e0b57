//! The libc file functions the stub exports. The stub is the main program,
//! so the dynamic loader binds libpython's and every extension module's
//! calls to these before libc's. Each one serves a path below the bundle
//! from the served tree and passes every other call to libc's own function
//! unchanged. x86_64 glibc: `stat` and `stat64`, `dirent` and `dirent64`,
//! `off_t` and `off64_t` are the same, so each pair shares one body; the
//! variadic `open` family reads its mode argument as a third parameter,
//! as the calling convention passes it.

use super::dir_stream::DirStream;
use super::file;
use super::libc_next::{call_next, Next, FIRST_VERSION};
use super::tree::{tree, Lookup, Meta, Tree, DEVICE};
use super::{fail, fail_null};
use libc::{c_char, c_int, c_long, c_uint, c_void, mode_t, size_t, ssize_t, DIR, FILE};
use std::ffi::CStr;

/// The served tree and what `path` is in it, or `None` for libc's paths.
unsafe fn served(path: *const c_char) -> Option<(&'static Tree, Lookup)> {
    let tree = tree()?;
    if path.is_null() {
        return None;
    }
    let found = tree.lookup(CStr::from_ptr(path));
    (found != Lookup::Outside).then_some((tree, found))
}

// ---- open ----

fn open_served(tree: &Tree, found: Lookup, flags: c_int) -> c_int {
    let creates = flags & libc::O_CREAT != 0;
    let exclusive = creates && flags & libc::O_EXCL != 0;
    let writes = flags & libc::O_ACCMODE != libc::O_RDONLY || creates || flags & libc::O_TRUNC != 0;
    let temporary = flags & libc::O_TMPFILE == libc::O_TMPFILE;
    let result = match found {
        Lookup::File(_) | Lookup::Dir(_) if exclusive => Err(libc::EEXIST),
        Lookup::Dir(_) if temporary => Err(libc::EROFS),
        // A served directory has no descriptor to give.
        Lookup::Dir(_) if flags & libc::O_DIRECTORY != 0 => Err(libc::ENOTSUP),
        Lookup::Dir(_) => Err(libc::EISDIR),
        Lookup::File(_) if writes => Err(libc::EROFS),
        Lookup::File(_) if flags & libc::O_DIRECTORY != 0 => Err(libc::ENOTDIR),
        Lookup::File(name) => file::open(tree, &name, flags),
        Lookup::Missing { in_dir: true } if creates => Err(libc::EROFS),
        other => Err(other.absent_errno()),
    };
    result.unwrap_or_else(fail)
}

#[no_mangle]
pub unsafe extern "C" fn open(path: *const c_char, flags: c_int, mode: c_uint) -> c_int {
    match served(path) {
        Some((tree, found)) => open_served(tree, found, flags),
        None => call_next!(Next::new(c"open"), fn(*const c_char, c_int, c_uint) -> c_int, (path, flags, mode), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn open64(path: *const c_char, flags: c_int, mode: c_uint) -> c_int {
    match served(path) {
        Some((tree, found)) => open_served(tree, found, flags),
        None => call_next!(Next::new(c"open64"), fn(*const c_char, c_int, c_uint) -> c_int, (path, flags, mode), -1),
    }
}

/// What `open` becomes under `_FORTIFY_SOURCE` when the flags are not known
/// at compile time.
#[no_mangle]
pub unsafe extern "C" fn __open_2(path: *const c_char, flags: c_int) -> c_int {
    match served(path) {
        Some((tree, found)) => open_served(tree, found, flags),
        None => call_next!(Next::new(c"__open_2"), fn(*const c_char, c_int) -> c_int, (path, flags), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn __open64_2(path: *const c_char, flags: c_int) -> c_int {
    match served(path) {
        Some((tree, found)) => open_served(tree, found, flags),
        None => call_next!(Next::new(c"__open64_2"), fn(*const c_char, c_int) -> c_int, (path, flags), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn openat(dirfd: c_int, path: *const c_char, flags: c_int, mode: c_uint) -> c_int {
    match served(path) {
        Some((tree, found)) => open_served(tree, found, flags),
        None => call_next!(Next::new(c"openat"), fn(c_int, *const c_char, c_int, c_uint) -> c_int, (dirfd, path, flags, mode), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn openat64(dirfd: c_int, path: *const c_char, flags: c_int, mode: c_uint) -> c_int {
    match served(path) {
        Some((tree, found)) => open_served(tree, found, flags),
        None => call_next!(Next::new(c"openat64"), fn(c_int, *const c_char, c_int, c_uint) -> c_int, (dirfd, path, flags, mode), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn __openat_2(dirfd: c_int, path: *const c_char, flags: c_int) -> c_int {
    match served(path) {
        Some((tree, found)) => open_served(tree, found, flags),
        None => call_next!(Next::new(c"__openat_2"), fn(c_int, *const c_char, c_int) -> c_int, (dirfd, path, flags), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn __openat64_2(dirfd: c_int, path: *const c_char, flags: c_int) -> c_int {
    match served(path) {
        Some((tree, found)) => open_served(tree, found, flags),
        None => call_next!(Next::new(c"__openat64_2"), fn(c_int, *const c_char, c_int) -> c_int, (dirfd, path, flags), -1),
    }
}

/// `fopen`'s mode as `open` flags.
unsafe fn fopen_flags(mode: *const c_char) -> c_int {
    let mode = if mode.is_null() { &[][..] } else { CStr::from_ptr(mode).to_bytes() };
    let mut flags = match mode.first() {
        Some(b'r') => libc::O_RDONLY,
        Some(b'w') => libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC,
        _ => libc::O_WRONLY | libc::O_CREAT | libc::O_APPEND,
    };
    for option in mode.iter().skip(1) {
        match option {
            b'+' => flags = (flags & !libc::O_ACCMODE) | libc::O_RDWR,
            b'e' => flags |= libc::O_CLOEXEC,
            b'x' => flags |= libc::O_EXCL,
            _ => {}
        }
    }
    flags
}

unsafe fn fopen_served(tree: &Tree, found: Lookup, mode: *const c_char) -> *mut FILE {
    let fd = open_served(tree, found, fopen_flags(mode));
    if fd < 0 {
        return std::ptr::null_mut();
    }
    let stream = libc::fdopen(fd, mode);
    if stream.is_null() {
        libc::close(fd);
    }
    stream
}

#[no_mangle]
pub unsafe extern "C" fn fopen(path: *const c_char, mode: *const c_char) -> *mut FILE {
    match served(path) {
        Some((tree, found)) => fopen_served(tree, found, mode),
        None => call_next!(Next::new(c"fopen"), fn(*const c_char, *const c_char) -> *mut FILE, (path, mode), std::ptr::null_mut()),
    }
}

#[no_mangle]
pub unsafe extern "C" fn fopen64(path: *const c_char, mode: *const c_char) -> *mut FILE {
    match served(path) {
        Some((tree, found)) => fopen_served(tree, found, mode),
        None => call_next!(Next::new(c"fopen64"), fn(*const c_char, *const c_char) -> *mut FILE, (path, mode), std::ptr::null_mut()),
    }
}

// ---- stat ----

fn meta_of(tree: &Tree, found: &Lookup) -> Result<Meta, c_int> {
    tree.meta(found).ok_or_else(|| found.absent_errno())
}

fn mode_of(meta: &Meta) -> u32 {
    if meta.is_dir {
        libc::S_IFDIR | 0o755
    } else {
        libc::S_IFREG | 0o644
    }
}

unsafe fn stat_served(tree: &Tree, found: Lookup, buf: *mut libc::stat64) -> c_int {
    let meta = match meta_of(tree, &found) {
        Ok(meta) => meta,
        Err(errno) => return fail(errno),
    };
    let mut st: libc::stat64 = std::mem::zeroed();
    st.st_dev = DEVICE;
    st.st_ino = meta.ino;
    st.st_nlink = if meta.is_dir { 2 } else { 1 };
    st.st_mode = mode_of(&meta);
    st.st_uid = tree.uid;
    st.st_gid = tree.gid;
    st.st_size = meta.size as i64;
    st.st_blksize = 4096;
    st.st_blocks = meta.size.div_ceil(512) as i64;
    (st.st_atime, st.st_atime_nsec) = tree.mtime;
    (st.st_mtime, st.st_mtime_nsec) = tree.mtime;
    (st.st_ctime, st.st_ctime_nsec) = tree.mtime;
    *buf = st;
    0
}

#[no_mangle]
pub unsafe extern "C" fn stat(path: *const c_char, buf: *mut libc::stat64) -> c_int {
    match served(path) {
        Some((tree, found)) => stat_served(tree, found, buf),
        None => call_next!(Next::new(c"stat"), fn(*const c_char, *mut libc::stat64) -> c_int, (path, buf), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn stat64(path: *const c_char, buf: *mut libc::stat64) -> c_int {
    match served(path) {
        Some((tree, found)) => stat_served(tree, found, buf),
        None => call_next!(Next::new(c"stat64"), fn(*const c_char, *mut libc::stat64) -> c_int, (path, buf), -1),
    }
}

/// The served tree has no symbolic links: `lstat` is `stat`.
#[no_mangle]
pub unsafe extern "C" fn lstat(path: *const c_char, buf: *mut libc::stat64) -> c_int {
    match served(path) {
        Some((tree, found)) => stat_served(tree, found, buf),
        None => call_next!(Next::new(c"lstat"), fn(*const c_char, *mut libc::stat64) -> c_int, (path, buf), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn lstat64(path: *const c_char, buf: *mut libc::stat64) -> c_int {
    match served(path) {
        Some((tree, found)) => stat_served(tree, found, buf),
        None => call_next!(Next::new(c"lstat64"), fn(*const c_char, *mut libc::stat64) -> c_int, (path, buf), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn fstatat(dirfd: c_int, path: *const c_char, buf: *mut libc::stat64, flags: c_int) -> c_int {
    match served(path) {
        Some((tree, found)) => stat_served(tree, found, buf),
        None => call_next!(Next::new(c"fstatat"), fn(c_int, *const c_char, *mut libc::stat64, c_int) -> c_int, (dirfd, path, buf, flags), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn fstatat64(dirfd: c_int, path: *const c_char, buf: *mut libc::stat64, flags: c_int) -> c_int {
    match served(path) {
        Some((tree, found)) => stat_served(tree, found, buf),
        None => call_next!(Next::new(c"fstatat64"), fn(c_int, *const c_char, *mut libc::stat64, c_int) -> c_int, (dirfd, path, buf, flags), -1),
    }
}

// What code built against glibc before 2.33 calls (manylinux wheels).

#[no_mangle]
pub unsafe extern "C" fn __xstat(version: c_int, path: *const c_char, buf: *mut libc::stat64) -> c_int {
    match served(path) {
        Some((tree, found)) => stat_served(tree, found, buf),
        None => call_next!(Next::versioned(c"__xstat", FIRST_VERSION), fn(c_int, *const c_char, *mut libc::stat64) -> c_int, (version, path, buf), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn __xstat64(version: c_int, path: *const c_char, buf: *mut libc::stat64) -> c_int {
    match served(path) {
        Some((tree, found)) => stat_served(tree, found, buf),
        None => call_next!(Next::versioned(c"__xstat64", FIRST_VERSION), fn(c_int, *const c_char, *mut libc::stat64) -> c_int, (version, path, buf), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn __lxstat(version: c_int, path: *const c_char, buf: *mut libc::stat64) -> c_int {
    match served(path) {
        Some((tree, found)) => stat_served(tree, found, buf),
        None => call_next!(Next::versioned(c"__lxstat", FIRST_VERSION), fn(c_int, *const c_char, *mut libc::stat64) -> c_int, (version, path, buf), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn __lxstat64(version: c_int, path: *const c_char, buf: *mut libc::stat64) -> c_int {
    match served(path) {
        Some((tree, found)) => stat_served(tree, found, buf),
        None => call_next!(Next::versioned(c"__lxstat64", FIRST_VERSION), fn(c_int, *const c_char, *mut libc::stat64) -> c_int, (version, path, buf), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn __fxstatat(version: c_int, dirfd: c_int, path: *const c_char, buf: *mut libc::stat64, flags: c_int) -> c_int {
    match served(path) {
        Some((tree, found)) => stat_served(tree, found, buf),
        None => call_next!(
            Next::versioned(c"__fxstatat", FIRST_VERSION),
            fn(c_int, c_int, *const c_char, *mut libc::stat64, c_int) -> c_int,
            (version, dirfd, path, buf, flags),
            -1
        ),
    }
}

#[no_mangle]
pub unsafe extern "C" fn __fxstatat64(version: c_int, dirfd: c_int, path: *const c_char, buf: *mut libc::stat64, flags: c_int) -> c_int {
    match served(path) {
        Some((tree, found)) => stat_served(tree, found, buf),
        None => call_next!(
            Next::versioned(c"__fxstatat64", FIRST_VERSION),
            fn(c_int, c_int, *const c_char, *mut libc::stat64, c_int) -> c_int,
            (version, dirfd, path, buf, flags),
            -1
        ),
    }
}

#[no_mangle]
pub unsafe extern "C" fn statx(dirfd: c_int, path: *const c_char, flags: c_int, mask: c_uint, buf: *mut libc::statx) -> c_int {
    let Some((tree, found)) = served(path) else {
        return call_next!(Next::new(c"statx"), fn(c_int, *const c_char, c_int, c_uint, *mut libc::statx) -> c_int, (dirfd, path, flags, mask, buf), -1);
    };
    let meta = match meta_of(tree, &found) {
        Ok(meta) => meta,
        Err(errno) => return fail(errno),
    };
    let mut st: libc::statx = std::mem::zeroed();
    let mut time: libc::statx_timestamp = std::mem::zeroed();
    (time.tv_sec, time.tv_nsec) = (tree.mtime.0, tree.mtime.1 as u32);
    st.stx_mask = libc::STATX_BASIC_STATS;
    st.stx_blksize = 4096;
    st.stx_nlink = if meta.is_dir { 2 } else { 1 };
    st.stx_uid = tree.uid;
    st.stx_gid = tree.gid;
    st.stx_mode = mode_of(&meta) as u16;
    st.stx_ino = meta.ino;
    st.stx_size = meta.size;
    st.stx_blocks = meta.size.div_ceil(512);
    st.stx_atime = time;
    st.stx_ctime = time;
    st.stx_mtime = time;
    st.stx_dev_major = (DEVICE >> 8) as u32;
    st.stx_dev_minor = (DEVICE & 0xff) as u32;
    *buf = st;
    0
}

// ---- access ----

fn access_served(tree: &Tree, found: Lookup, mode: c_int) -> c_int {
    let result = match meta_of(tree, &found) {
        Err(errno) => Err(errno),
        Ok(_) if mode & libc::W_OK != 0 => Err(libc::EROFS),
        Ok(meta) if mode & libc::X_OK != 0 && !meta.is_dir => Err(libc::EACCES),
        Ok(_) => Ok(0),
    };
    result.unwrap_or_else(fail)
}

#[no_mangle]
pub unsafe extern "C" fn access(path: *const c_char, mode: c_int) -> c_int {
    match served(path) {
        Some((tree, found)) => access_served(tree, found, mode),
        None => call_next!(Next::new(c"access"), fn(*const c_char, c_int) -> c_int, (path, mode), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn faccessat(dirfd: c_int, path: *const c_char, mode: c_int, flags: c_int) -> c_int {
    match served(path) {
        Some((tree, found)) => access_served(tree, found, mode),
        None => call_next!(Next::new(c"faccessat"), fn(c_int, *const c_char, c_int, c_int) -> c_int, (dirfd, path, mode, flags), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn euidaccess(path: *const c_char, mode: c_int) -> c_int {
    match served(path) {
        Some((tree, found)) => access_served(tree, found, mode),
        None => call_next!(Next::new(c"euidaccess"), fn(*const c_char, c_int) -> c_int, (path, mode), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn eaccess(path: *const c_char, mode: c_int) -> c_int {
    match served(path) {
        Some((tree, found)) => access_served(tree, found, mode),
        None => call_next!(Next::new(c"eaccess"), fn(*const c_char, c_int) -> c_int, (path, mode), -1),
    }
}

// ---- directories ----

#[no_mangle]
pub unsafe extern "C" fn opendir(path: *const c_char) -> *mut DIR {
    let listed = match served(path) {
        Some(served) => Some(served),
        // The bundle file lists as the top of the tree (`sys._MEIPASS`).
        None => tree().filter(|tree| !path.is_null() && tree.is_root(CStr::from_ptr(path))).map(|tree| (tree, Lookup::Dir(String::new()))),
    };
    let Some((tree, found)) = listed else {
        return call_next!(Next::new(c"opendir"), fn(*const c_char) -> *mut DIR, (path), std::ptr::null_mut());
    };
    match (&found, tree.meta(&found)) {
        (Lookup::Dir(name), Some(meta)) => DirStream::new(meta.ino, tree.children(name)),
        (Lookup::File(_), _) => fail_null(libc::ENOTDIR),
        _ => fail_null(found.absent_errno()),
    }
}

#[no_mangle]
pub unsafe extern "C" fn readdir(dir: *mut DIR) -> *mut libc::dirent64 {
    match DirStream::of(dir) {
        Some(stream) => stream.next(),
        None => call_next!(Next::new(c"readdir"), fn(*mut DIR) -> *mut libc::dirent64, (dir), std::ptr::null_mut()),
    }
}

#[no_mangle]
pub unsafe extern "C" fn readdir64(dir: *mut DIR) -> *mut libc::dirent64 {
    match DirStream::of(dir) {
        Some(stream) => stream.next(),
        None => call_next!(Next::new(c"readdir64"), fn(*mut DIR) -> *mut libc::dirent64, (dir), std::ptr::null_mut()),
    }
}

unsafe fn readdir_r_served(stream: &mut DirStream, entry: *mut libc::dirent64, result: *mut *mut libc::dirent64) -> c_int {
    let next = stream.next();
    if next.is_null() {
        *result = std::ptr::null_mut();
    } else {
        *entry = *next;
        *result = entry;
    }
    0
}

#[no_mangle]
pub unsafe extern "C" fn readdir_r(dir: *mut DIR, entry: *mut libc::dirent64, result: *mut *mut libc::dirent64) -> c_int {
    match DirStream::of(dir) {
        Some(stream) => readdir_r_served(stream, entry, result),
        None => call_next!(Next::new(c"readdir_r"), fn(*mut DIR, *mut libc::dirent64, *mut *mut libc::dirent64) -> c_int, (dir, entry, result), libc::ENOSYS),
    }
}

#[no_mangle]
pub unsafe extern "C" fn readdir64_r(dir: *mut DIR, entry: *mut libc::dirent64, result: *mut *mut libc::dirent64) -> c_int {
    match DirStream::of(dir) {
        Some(stream) => readdir_r_served(stream, entry, result),
        None => call_next!(Next::new(c"readdir64_r"), fn(*mut DIR, *mut libc::dirent64, *mut *mut libc::dirent64) -> c_int, (dir, entry, result), libc::ENOSYS),
    }
}

#[no_mangle]
pub unsafe extern "C" fn closedir(dir: *mut DIR) -> c_int {
    match DirStream::of(dir) {
        Some(stream) => {
            DirStream::free(stream);
            0
        }
        None => call_next!(Next::new(c"closedir"), fn(*mut DIR) -> c_int, (dir), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn rewinddir(dir: *mut DIR) {
    match DirStream::of(dir) {
        Some(stream) => stream.seek(0),
        None => call_next!(Next::new(c"rewinddir"), fn(*mut DIR) -> (), (dir), ()),
    }
}

#[no_mangle]
pub unsafe extern "C" fn telldir(dir: *mut DIR) -> c_long {
    match DirStream::of(dir) {
        Some(stream) => stream.tell(),
        None => call_next!(Next::new(c"telldir"), fn(*mut DIR) -> c_long, (dir), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn seekdir(dir: *mut DIR, position: c_long) {
    match DirStream::of(dir) {
        Some(stream) => stream.seek(position),
        None => call_next!(Next::new(c"seekdir"), fn(*mut DIR, c_long) -> (), (dir, position), ()),
    }
}

/// A served stream has no descriptor.
#[no_mangle]
pub unsafe extern "C" fn dirfd(dir: *mut DIR) -> c_int {
    match DirStream::of(dir) {
        Some(_) => fail(libc::ENOTSUP),
        None => call_next!(Next::new(c"dirfd"), fn(*mut DIR) -> c_int, (dir), -1),
    }
}

// ---- links and names ----

fn readlink_served(tree: &Tree, found: Lookup) -> ssize_t {
    // Nothing served is a symbolic link.
    let errno = if tree.meta(&found).is_some() { libc::EINVAL } else { found.absent_errno() };
    fail(errno) as ssize_t
}

#[no_mangle]
pub unsafe extern "C" fn readlink(path: *const c_char, buf: *mut c_char, size: size_t) -> ssize_t {
    match served(path) {
        Some((tree, found)) => readlink_served(tree, found),
        None => call_next!(Next::new(c"readlink"), fn(*const c_char, *mut c_char, size_t) -> ssize_t, (path, buf, size), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn readlinkat(dirfd: c_int, path: *const c_char, buf: *mut c_char, size: size_t) -> ssize_t {
    match served(path) {
        Some((tree, found)) => readlink_served(tree, found),
        None => call_next!(Next::new(c"readlinkat"), fn(c_int, *const c_char, *mut c_char, size_t) -> ssize_t, (dirfd, path, buf, size), -1),
    }
}

/// The canonical path of a served path, into `resolved` (`PATH_MAX`
/// bytes) or, if that is null, a buffer from `malloc`.
unsafe fn realpath_served(tree: &Tree, found: Lookup, resolved: *mut c_char) -> *mut c_char {
    let Some(path) = tree.canonical(&found) else { return fail_null(found.absent_errno()) };
    let bytes = path.as_bytes_with_nul();
    let out = if resolved.is_null() {
        libc::malloc(bytes.len()).cast::<c_char>()
    } else if bytes.len() > libc::PATH_MAX as usize {
        return fail_null(libc::ENAMETOOLONG);
    } else {
        resolved
    };
    if out.is_null() {
        return fail_null(libc::ENOMEM);
    }
    std::ptr::copy_nonoverlapping(bytes.as_ptr().cast::<c_char>(), out, bytes.len());
    out
}

#[no_mangle]
pub unsafe extern "C" fn realpath(path: *const c_char, resolved: *mut c_char) -> *mut c_char {
    match served(path) {
        Some((tree, found)) => realpath_served(tree, found, resolved),
        None => call_next!(Next::new(c"realpath"), fn(*const c_char, *mut c_char) -> *mut c_char, (path, resolved), std::ptr::null_mut()),
    }
}

#[no_mangle]
pub unsafe extern "C" fn __realpath_chk(path: *const c_char, resolved: *mut c_char, size: size_t) -> *mut c_char {
    match served(path) {
        Some((tree, found)) => realpath_served(tree, found, resolved),
        None => call_next!(Next::new(c"__realpath_chk"), fn(*const c_char, *mut c_char, size_t) -> *mut c_char, (path, resolved, size), std::ptr::null_mut()),
    }
}

#[no_mangle]
pub unsafe extern "C" fn canonicalize_file_name(path: *const c_char) -> *mut c_char {
    match served(path) {
        Some((tree, found)) => realpath_served(tree, found, std::ptr::null_mut()),
        None => call_next!(Next::new(c"canonicalize_file_name"), fn(*const c_char) -> *mut c_char, (path), std::ptr::null_mut()),
    }
}

// ---- extended attributes: served paths have none ----

fn listxattr_served(tree: &Tree, found: Lookup) -> ssize_t {
    match tree.meta(&found) {
        Some(_) => 0,
        None => fail(found.absent_errno()) as ssize_t,
    }
}

fn getxattr_served(tree: &Tree, found: Lookup) -> ssize_t {
    let errno = if tree.meta(&found).is_some() { libc::ENODATA } else { found.absent_errno() };
    fail(errno) as ssize_t
}

#[no_mangle]
pub unsafe extern "C" fn listxattr(path: *const c_char, list: *mut c_char, size: size_t) -> ssize_t {
    match served(path) {
        Some((tree, found)) => listxattr_served(tree, found),
        None => call_next!(Next::new(c"listxattr"), fn(*const c_char, *mut c_char, size_t) -> ssize_t, (path, list, size), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn llistxattr(path: *const c_char, list: *mut c_char, size: size_t) -> ssize_t {
    match served(path) {
        Some((tree, found)) => listxattr_served(tree, found),
        None => call_next!(Next::new(c"llistxattr"), fn(*const c_char, *mut c_char, size_t) -> ssize_t, (path, list, size), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn getxattr(path: *const c_char, name: *const c_char, value: *mut c_void, size: size_t) -> ssize_t {
    match served(path) {
        Some((tree, found)) => getxattr_served(tree, found),
        None => call_next!(Next::new(c"getxattr"), fn(*const c_char, *const c_char, *mut c_void, size_t) -> ssize_t, (path, name, value, size), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn lgetxattr(path: *const c_char, name: *const c_char, value: *mut c_void, size: size_t) -> ssize_t {
    match served(path) {
        Some((tree, found)) => getxattr_served(tree, found),
        None => call_next!(Next::new(c"lgetxattr"), fn(*const c_char, *const c_char, *mut c_void, size_t) -> ssize_t, (path, name, value, size), -1),
    }
}

// ---- changes: a read-only file system refuses them ----

/// Changing an existing served path fails with EROFS.
fn change_served(tree: &Tree, found: Lookup) -> c_int {
    let errno = if tree.meta(&found).is_some() { libc::EROFS } else { found.absent_errno() };
    fail(errno)
}

fn mkdir_served(found: Lookup) -> c_int {
    let errno = match found {
        Lookup::File(_) | Lookup::Dir(_) => libc::EEXIST,
        Lookup::Missing { in_dir: true } => libc::EROFS,
        other => other.absent_errno(),
    };
    fail(errno)
}

#[no_mangle]
pub unsafe extern "C" fn mkdir(path: *const c_char, mode: mode_t) -> c_int {
    match served(path) {
        Some((_, found)) => mkdir_served(found),
        None => call_next!(Next::new(c"mkdir"), fn(*const c_char, mode_t) -> c_int, (path, mode), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn mkdirat(dirfd: c_int, path: *const c_char, mode: mode_t) -> c_int {
    match served(path) {
        Some((_, found)) => mkdir_served(found),
        None => call_next!(Next::new(c"mkdirat"), fn(c_int, *const c_char, mode_t) -> c_int, (dirfd, path, mode), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn unlink(path: *const c_char) -> c_int {
    match served(path) {
        Some((tree, found)) => change_served(tree, found),
        None => call_next!(Next::new(c"unlink"), fn(*const c_char) -> c_int, (path), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn unlinkat(dirfd: c_int, path: *const c_char, flags: c_int) -> c_int {
    match served(path) {
        Some((tree, found)) => change_served(tree, found),
        None => call_next!(Next::new(c"unlinkat"), fn(c_int, *const c_char, c_int) -> c_int, (dirfd, path, flags), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn rmdir(path: *const c_char) -> c_int {
    match served(path) {
        Some((tree, found)) => change_served(tree, found),
        None => call_next!(Next::new(c"rmdir"), fn(*const c_char) -> c_int, (path), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn chmod(path: *const c_char, mode: mode_t) -> c_int {
    match served(path) {
        Some((tree, found)) => change_served(tree, found),
        None => call_next!(Next::new(c"chmod"), fn(*const c_char, mode_t) -> c_int, (path, mode), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn fchmodat(dirfd: c_int, path: *const c_char, mode: mode_t, flags: c_int) -> c_int {
    match served(path) {
        Some((tree, found)) => change_served(tree, found),
        None => call_next!(Next::new(c"fchmodat"), fn(c_int, *const c_char, mode_t, c_int) -> c_int, (dirfd, path, mode, flags), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn truncate(path: *const c_char, length: i64) -> c_int {
    match served(path) {
        Some((tree, found)) => change_served(tree, found),
        None => call_next!(Next::new(c"truncate"), fn(*const c_char, i64) -> c_int, (path, length), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn truncate64(path: *const c_char, length: i64) -> c_int {
    match served(path) {
        Some((tree, found)) => change_served(tree, found),
        None => call_next!(Next::new(c"truncate64"), fn(*const c_char, i64) -> c_int, (path, length), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn utimensat(dirfd: c_int, path: *const c_char, times: *const libc::timespec, flags: c_int) -> c_int {
    match served(path) {
        Some((tree, found)) => change_served(tree, found),
        None => call_next!(Next::new(c"utimensat"), fn(c_int, *const c_char, *const libc::timespec, c_int) -> c_int, (dirfd, path, times, flags), -1),
    }
}

/// A rename within the tree changes it (EROFS); one between the tree and
/// another file system cannot be a rename (EXDEV, so callers copy).
unsafe fn rename_served(from: *const c_char, to: *const c_char) -> Option<c_int> {
    match (served(from), served(to)) {
        (None, None) => None,
        (Some((tree, found)), Some(_)) => Some(change_served(tree, found)),
        (Some((tree, found)), None) if tree.meta(&found).is_none() => Some(fail(found.absent_errno())),
        _ => Some(fail(libc::EXDEV)),
    }
}

#[no_mangle]
pub unsafe extern "C" fn rename(from: *const c_char, to: *const c_char) -> c_int {
    match rename_served(from, to) {
        Some(result) => result,
        None => call_next!(Next::new(c"rename"), fn(*const c_char, *const c_char) -> c_int, (from, to), -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn renameat(from_dir: c_int, from: *const c_char, to_dir: c_int, to: *const c_char) -> c_int {
    match rename_served(from, to) {
        Some(result) => result,
        None => call_next!(Next::new(c"renameat"), fn(c_int, *const c_char, c_int, *const c_char) -> c_int, (from_dir, from, to_dir, to), -1),
    }
}

// ---- libraries: ctypes.CDLL of a served path ----

/// `dlopen` of a served file loads it from a memory file; any other
/// call goes on to libc's `dlopen` from here by a jump, not a call, so
/// that libc still sees the original caller (whose RUNPATH it searches
/// for a bare library name).
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn dlopen(path: *const c_char, flags: c_int) -> *mut c_void {
    std::arch::naked_asm!(
        "push rdi",
        "push rsi",
        "sub rsp, 8",
        "call {decide}",
        "add rsp, 8",
        "pop rsi",
        "pop rdi",
        "test rdx, rdx",
        "jz 2f",
        "jmp rdx",
        "2:",
        "ret",
        decide = sym dlopen_decide,
    )
}

/// What `dlopen` does: (the handle, 0) for a served file, or (0, the
/// address of libc's `dlopen`) for anything else.
#[repr(C)]
struct DlopenDecision {
    handle: *mut c_void,
    next: usize,
}

unsafe extern "C" fn dlopen_decide(path: *const c_char, flags: c_int) -> DlopenDecision {
    static NEXT: Next = Next::new(c"dlopen");
    match served(path) {
        Some((tree, Lookup::File(name))) => DlopenDecision { handle: super::library::open(tree, &name, flags), next: 0 },
        // Anything else below the bundle fails in libc as it would (with
        // its message for dlerror).
        _ => match NEXT.address() {
            Some(next) => DlopenDecision { handle: std::ptr::null_mut(), next },
            None => DlopenDecision { handle: std::ptr::null_mut(), next: 0 },
        },
    }
}
