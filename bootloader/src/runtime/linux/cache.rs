//! Where the Linux cache directory may be, and how its directories and files
//! are made private to this user.
//!
//! Candidates, in order: `$PYBUNDLE_CACHE_DIR`, the user's cache directory
//! (`$XDG_CACHE_HOME/pybundle`, else `$HOME/.cache/pybundle`), and a private
//! `pybundle-UID` directory in the temp dir. A directory is used only if it
//! is ours and not writable by others.

use pybundle_bootloader::layout;
use std::fs::{self, File};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

pub fn candidates() -> Vec<PathBuf> {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let mut dirs = Vec::new();
    dirs.extend(env(layout::ENV_CACHE_DIR));
    if let Some(xdg) = env("XDG_CACHE_HOME") {
        dirs.push(xdg.join("pybundle"));
    } else if let Some(home) = env("HOME") {
        dirs.push(home.join(".cache").join("pybundle"));
    }
    let uid = unsafe { libc::geteuid() };
    dirs.push(std::env::temp_dir().join(format!("pybundle-{uid}")));
    dirs
}

/// Creates `dir` (and, if `recursive`, its parents) readable by this user only.
pub fn create_dir(dir: &Path, recursive: bool) -> std::io::Result<()> {
    fs::DirBuilder::new().recursive(recursive).mode(0o700).create(dir)
}

/// A new file for a native library: executable, never overwriting.
pub fn create_file(path: &Path) -> std::io::Result<File> {
    fs::OpenOptions::new().write(true).create_new(true).mode(0o500).open(path)
}

/// A directory that someone else owns or can write to could be swapped
/// under us; refuse it.
pub fn check_private(dir: &Path) -> std::io::Result<()> {
    let meta = fs::symlink_metadata(dir)?;
    let uid = unsafe { libc::geteuid() };
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o022 != 0 {
        return Err(std::io::Error::other("not a private directory owned by this user"));
    }
    Ok(())
}
