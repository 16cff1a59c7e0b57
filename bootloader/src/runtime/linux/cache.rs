//! Where the Linux cache directory may be, and safe access to it.
//!
//! Candidates, in order: `$PYBUNDLE_CACHE_DIR`, the user's cache directory
//! (`$XDG_CACHE_HOME/pybundle`, else `$HOME/.cache/pybundle`; neither
//! `$XDG_CACHE_HOME` nor `$HOME` is ever created), and a private
//! `pybundle-UID` directory in the temp dir, then in `/dev/shm`.
//!
//! A candidate is walked from `/` one directory at a time with
//! `openat(O_NOFOLLOW)`, each step from the directory descriptor held from
//! the step before, so a directory swapped for a link on the way is refused
//! rather than followed. On the way, a directory that others may write to
//! without the sticky bit is refused (someone else could rename its
//! entries), and so is an entry of a sticky directory that belongs to
//! another user; the cache directory itself must be this user's and
//! writable by no one else. Everything below it is then done relative to
//! its held descriptor.

use super::super::cache_dir::{Candidate, Refused};
use pybundle_bootloader::layout;
use rustix::fs::{self as rfs, AtFlags, FileType, FlockOperation, Mode, OFlags};
use rustix::io::Errno;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};

pub fn candidates() -> Vec<Candidate> {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let mut found = Vec::new();
    if let Some(dir) = env(layout::ENV_CACHE_DIR) {
        found.push(Candidate { creatable_below: first_existing(&dir), path: dir, named_by_user: true });
    }
    if let Some(xdg) = env("XDG_CACHE_HOME") {
        found.push(Candidate { path: xdg.join("pybundle"), creatable_below: xdg, named_by_user: false });
    } else if let Some(home) = env("HOME") {
        found.push(Candidate { path: home.join(".cache").join("pybundle"), creatable_below: home, named_by_user: false });
    }
    let temp = std::env::temp_dir();
    found.push(Candidate { path: temp.join(format!("pybundle-{}", euid())), creatable_below: temp, named_by_user: false });
    // Often the one writable place of a read-only container; mostly
    // mounted noexec, so passed over for libraries.
    let shm = PathBuf::from("/dev/shm");
    found.push(Candidate { path: shm.join(format!("pybundle-{}", euid())), creatable_below: shm, named_by_user: false });
    found
}

/// The nearest ancestor of `path` (or itself) that exists.
fn first_existing(path: &Path) -> PathBuf {
    path.ancestors().find(|a| a.exists()).unwrap_or(Path::new("/")).to_path_buf()
}

/// A directory of the cache, held open; names below it are `/`-separated
/// relative paths.
pub struct Dir {
    fd: OwnedFd,
    path: PathBuf,
}

/// An exclusive lock on a file, released when dropped.
pub struct Lock {
    _held: OwnedFd,
}

impl Dir {
    /// Opens the candidate's directory, with `create` making the missing
    /// part below `creatable_below` (mode 0700), after the checks
    /// described above.
    pub fn open_base(candidate: &Candidate, create: bool) -> Result<Dir, Refused> {
        let absolute = std::path::absolute(&candidate.path).map_err(|e| Refused::Unusable(e.to_string()))?;
        let existing = first_existing(&absolute);
        if !existing.starts_with(&candidate.creatable_below) {
            return Err(Refused::Unusable(format!("{} does not exist", candidate.creatable_below.display())));
        }
        // Links in the part that exists are resolved once here; the walk
        // below then follows none, so a later swap cannot redirect it.
        let resolved = std::fs::canonicalize(&existing).map_err(|e| Refused::Unusable(e.to_string()))?;
        let path = resolved.join(absolute.strip_prefix(&existing).unwrap_or(Path::new("")));
        let unusable = |e: Errno| Refused::Unusable(std::io::Error::from(e).to_string());
        let mut fd = rfs::open("/", dir_flags(), Mode::empty()).map_err(unusable)?;
        let mut here = PathBuf::from("/");
        let mut parent = rfs::fstat(&fd).map_err(unusable)?;
        for part in path.components().filter(|c| matches!(c, Component::Normal(_))) {
            here.push(part);
            let next = match rfs::openat(&fd, part.as_os_str(), dir_flags(), Mode::empty()) {
                Err(Errno::NOENT) if create && here.starts_with(&resolved) => {
                    match rfs::mkdirat(&fd, part.as_os_str(), Mode::RWXU) {
                        Ok(()) | Err(Errno::EXIST) => {}
                        Err(e) => return Err(unusable(e)),
                    }
                    rfs::openat(&fd, part.as_os_str(), dir_flags(), Mode::empty())
                }
                other => other,
            };
            let next = next.map_err(|e| match e {
                Errno::LOOP | Errno::NOTDIR => Refused::Unsafe(format!("{} is not a directory (a link?)", here.display())),
                e => unusable(e),
            })?;
            let stat = rfs::fstat(&next).map_err(unusable)?;
            if is_shared(&parent) && is_sticky(&parent) && !is_ours_or_roots(&stat) {
                return Err(Refused::Unsafe(format!("{} belongs to another user", here.display())));
            }
            if here != path && is_shared(&stat) && !is_sticky(&stat) {
                return Err(Refused::Unsafe(format!(
                    "{} is writable by other users and has no sticky bit, so they could swap what is in it (chmod o-w or +t)",
                    here.display()
                )));
            }
            (fd, parent) = (next, stat);
        }
        if parent.st_uid != euid() || parent.st_mode & 0o022 != 0 {
            return Err(Refused::Unsafe(format!("{} is not a private directory owned by this user", path.display())));
        }
        Ok(Dir { fd, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether libraries can be loaded from files here (not `noexec`).
    pub fn allows_exec(&self) -> bool {
        rfs::fstatvfs(&self.fd).map(|s| !s.f_flag.contains(rfs::StatVfsMountFlags::NOEXEC)).unwrap_or(true)
    }

    /// The subdirectory `name`, if it exists and is this user's alone.
    pub fn open_dir(&self, name: &str) -> std::io::Result<Option<Dir>> {
        let fd = match rfs::openat(&self.fd, name, dir_flags(), Mode::empty()) {
            Err(Errno::NOENT) => return Ok(None),
            other => other?,
        };
        let stat = rfs::fstat(&fd)?;
        if stat.st_uid != euid() || stat.st_mode & 0o022 != 0 {
            return Err(std::io::Error::other(format!("{} is not a private directory owned by this user", self.path.join(name).display())));
        }
        Ok(Some(Dir { fd, path: self.path.join(name) }))
    }

    /// A new subdirectory `name` (mode 0700).
    pub fn create_dir(&self, name: &str) -> std::io::Result<Dir> {
        rfs::mkdirat(&self.fd, name, Mode::RWXU)?;
        self.open_dir(name)?.ok_or_else(|| std::io::Error::other("a new directory vanished"))
    }

    /// The directory that holds `relative`, made if missing, and the
    /// file's own name.
    fn parent_of<'n>(&self, relative: &'n str) -> std::io::Result<(OwnedFd, &'n str)> {
        let (dirs, name) = relative.rsplit_once('/').unwrap_or(("", relative));
        let mut fd = rfs::openat(&self.fd, ".", dir_flags(), Mode::empty())?;
        for part in dirs.split('/').filter(|p| !p.is_empty()) {
            match rfs::mkdirat(&fd, part, Mode::RWXU) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(e) => return Err(e.into()),
            }
            fd = rfs::openat(&fd, part, dir_flags(), Mode::empty())?;
        }
        Ok((fd, name))
    }

    /// Makes the directory `relative` and those above it.
    pub fn create_dirs(&self, relative: &str) -> std::io::Result<()> {
        self.parent_of(&format!("{}/", relative.trim_end_matches('/'))).map(drop)
    }

    /// Writes a new file `relative` (never replacing one) and syncs it.
    pub fn write_file(&self, relative: &str, data: &[u8]) -> std::io::Result<()> {
        let (parent, name) = self.parent_of(relative)?;
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let mut file = File::from(rfs::openat(&parent, name, flags, Mode::from_raw_mode(0o500))?);
        file.write_all(data)?;
        file.sync_all()
    }

    /// The content of the small file `name`.
    pub fn read_file(&self, name: &str) -> std::io::Result<Vec<u8>> {
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let mut data = Vec::new();
        File::from(rfs::openat(&self.fd, name, flags, Mode::empty())?).take(4096).read_to_end(&mut data)?;
        Ok(data)
    }

    /// The size of the regular file `relative`, or `None` for anything else.
    pub fn file_size(&self, relative: &str) -> Option<u64> {
        let stat = rfs::statat(&self.fd, relative, AtFlags::SYMLINK_NOFOLLOW).ok()?;
        (FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile).then_some(stat.st_size as u64)
    }

    /// Whether `relative` is a directory.
    pub fn is_dir(&self, relative: &str) -> bool {
        rfs::statat(&self.fd, relative, AtFlags::SYMLINK_NOFOLLOW)
            .is_ok_and(|s| FileType::from_raw_mode(s.st_mode) == FileType::Directory)
    }

    /// The names of the entries directly in this directory.
    pub fn names(&self) -> std::io::Result<Vec<String>> {
        let fd = rfs::openat(&self.fd, ".", dir_flags(), Mode::empty())?;
        let mut names = Vec::new();
        for entry in rfs::Dir::new(fd)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if name != "." && name != ".." {
                names.push(name);
            }
        }
        Ok(names)
    }

    pub fn rename(&self, from: &str, to: &str) -> std::io::Result<()> {
        Ok(rfs::renameat(&self.fd, from, &self.fd, to)?)
    }

    /// Removes `name` and everything below it, following no link; a
    /// missing `name` is not an error.
    pub fn remove_tree(&self, name: &str) -> std::io::Result<()> {
        match rfs::unlinkat(&self.fd, name, AtFlags::empty()) {
            Ok(()) | Err(Errno::NOENT) => return Ok(()),
            Err(Errno::ISDIR) | Err(Errno::PERM) => {}
            Err(e) => return Err(e.into()),
        }
        if let Some(dir) = self.open_dir(name)? {
            for entry in dir.names()? {
                dir.remove_tree(&entry)?;
            }
        }
        match rfs::unlinkat(&self.fd, name, AtFlags::REMOVEDIR) {
            Ok(()) | Err(Errno::NOENT) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Makes sure what was renamed or created in this directory is on disk.
    pub fn sync(&self) -> std::io::Result<()> {
        Ok(rfs::fsync(&self.fd)?)
    }

    /// Creates the file `name` and locks it; `None` if someone removed it
    /// before the lock was taken (take another name then).
    pub fn create_lock(&self, name: &str) -> std::io::Result<Option<Lock>> {
        let flags = OFlags::RDWR | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rfs::openat(&self.fd, name, flags, Mode::RUSR | Mode::WUSR)?;
        match rfs::flock(&fd, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) if rfs::fstat(&fd)?.st_nlink > 0 => Ok(Some(Lock { _held: fd })),
            Ok(()) | Err(Errno::WOULDBLOCK) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Locks the existing file `name` if no one holds it: its owner is
    /// gone (a lock ends with the process that held it).
    pub fn lock_if_abandoned(&self, name: &str) -> std::io::Result<Option<Lock>> {
        let fd = rfs::openat(&self.fd, name, OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC, Mode::empty())?;
        match rfs::flock(&fd, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(Some(Lock { _held: fd })),
            Err(Errno::WOULDBLOCK) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub fn remove_file(&self, name: &str) -> std::io::Result<()> {
        Ok(rfs::unlinkat(&self.fd, name, AtFlags::empty())?)
    }
}

fn dir_flags() -> OFlags {
    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
}

fn is_shared(stat: &rfs::Stat) -> bool {
    stat.st_mode & 0o002 != 0
}

fn is_sticky(stat: &rfs::Stat) -> bool {
    stat.st_mode & 0o1000 != 0
}

fn is_ours_or_roots(stat: &rfs::Stat) -> bool {
    stat.st_uid == 0 || stat.st_uid == euid()
}

fn euid() -> u32 {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() }
}
