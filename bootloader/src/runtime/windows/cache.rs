//! Where the Windows cache directory may be: `%PYBUNDLE_CACHE_DIR%`, else
//! `%LOCALAPPDATA%\pybundle`, else `pybundle` in the temp dir. These are
//! per-user directories; a directory is refused if it is a link (a junction
//! or symlink could point the loader elsewhere). Windows has no directory
//! descriptors to walk from, so this works by path.

use super::super::cache_dir::{Candidate, Refused};
use pybundle_bootloader::layout;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::windows::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

pub fn candidates() -> Vec<Candidate> {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let mut found = Vec::new();
    if let Some(dir) = env(layout::ENV_CACHE_DIR) {
        let below = dir.ancestors().find(|a| a.exists()).unwrap_or(&dir).to_path_buf();
        found.push(Candidate { path: dir, creatable_below: below, named_by_user: true });
    }
    if let Some(local) = env("LOCALAPPDATA") {
        found.push(Candidate { path: local.join("pybundle"), creatable_below: local, named_by_user: false });
    }
    let temp = std::env::temp_dir();
    found.push(Candidate { path: temp.join("pybundle"), creatable_below: temp, named_by_user: false });
    found
}

/// A directory of the cache, by path.
pub struct Dir {
    path: PathBuf,
}

/// A file opened with no sharing: no one else can open it while held.
pub struct Lock {
    _held: File,
}

impl Dir {
    pub fn open_base(candidate: &Candidate, create: bool) -> Result<Dir, Refused> {
        if !candidate.creatable_below.is_dir() {
            return Err(Refused::Unusable(format!("{} does not exist", candidate.creatable_below.display())));
        }
        if create {
            fs::create_dir_all(&candidate.path).map_err(|e| Refused::Unusable(e.to_string()))?;
        } else if fs::symlink_metadata(&candidate.path).is_err() {
            return Err(Refused::Unusable(format!("{} does not exist", candidate.path.display())));
        }
        if !is_plain_dir(&candidate.path) {
            return Err(Refused::Unsafe(format!("{} is not a plain directory (a link?)", candidate.path.display())));
        }
        Ok(Dir { path: candidate.path.clone() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn allows_exec(&self) -> bool {
        true
    }

    pub fn open_dir(&self, name: &str) -> std::io::Result<Option<Dir>> {
        let path = self.join(name);
        if fs::symlink_metadata(&path).is_err() {
            return Ok(None);
        }
        if !is_plain_dir(&path) {
            return Err(std::io::Error::other(format!("{} is not a plain directory", path.display())));
        }
        Ok(Some(Dir { path }))
    }

    pub fn create_dir(&self, name: &str) -> std::io::Result<Dir> {
        let path = self.join(name);
        fs::create_dir(&path)?;
        Ok(Dir { path })
    }

    pub fn create_dirs(&self, relative: &str) -> std::io::Result<()> {
        fs::create_dir_all(self.join(relative))
    }

    pub fn write_file(&self, relative: &str, data: &[u8]) -> std::io::Result<()> {
        let path = self.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut file = fs::OpenOptions::new().write(true).create_new(true).open(path)?;
        file.write_all(data)?;
        file.sync_all()
    }

    pub fn read_file(&self, name: &str) -> std::io::Result<Vec<u8>> {
        let mut data = Vec::new();
        File::open(self.join(name))?.take(4096).read_to_end(&mut data)?;
        Ok(data)
    }

    pub fn file_size(&self, relative: &str) -> Option<u64> {
        fs::symlink_metadata(self.join(relative)).ok().filter(|m| m.is_file()).map(|m| m.len())
    }

    pub fn is_dir(&self, relative: &str) -> bool {
        is_plain_dir(&self.join(relative))
    }

    pub fn names(&self) -> std::io::Result<Vec<String>> {
        fs::read_dir(&self.path)?.map(|e| Ok(e?.file_name().to_string_lossy().into_owned())).collect()
    }

    pub fn rename(&self, from: &str, to: &str) -> std::io::Result<()> {
        fs::rename(self.join(from), self.join(to))
    }

    pub fn remove_tree(&self, name: &str) -> std::io::Result<()> {
        let path = self.join(name);
        match fs::symlink_metadata(&path) {
            Err(_) => Ok(()),
            Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
            Ok(_) => fs::remove_file(path),
        }
    }

    /// Windows writes a rename through to disk itself.
    pub fn sync(&self) -> std::io::Result<()> {
        Ok(())
    }

    pub fn create_lock(&self, name: &str) -> std::io::Result<Option<Lock>> {
        let file = fs::OpenOptions::new().write(true).create_new(true).share_mode(0).open(self.join(name))?;
        Ok(Some(Lock { _held: file }))
    }

    pub fn lock_if_abandoned(&self, name: &str) -> std::io::Result<Option<Lock>> {
        const SHARING_VIOLATION: i32 = 32;
        match fs::OpenOptions::new().read(true).share_mode(0).open(self.join(name)) {
            Ok(file) => Ok(Some(Lock { _held: file })),
            Err(e) if e.raw_os_error() == Some(SHARING_VIOLATION) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn remove_file(&self, name: &str) -> std::io::Result<()> {
        fs::remove_file(self.join(name))
    }

    fn join(&self, relative: &str) -> PathBuf {
        super::super::natives::entry_path(&self.path, relative)
    }
}

fn is_plain_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_dir() && !m.file_type().is_symlink())
}
