//! Where the Windows cache directory may be: `%PYBUNDLE_CACHE_DIR%`, else
//! `%LOCALAPPDATA%\pybundle`, else `pybundle` in the temp dir. These are
//! per-user directories; a directory is refused if it is a link (a junction
//! or symlink could point the loader elsewhere).

use pybundle_bootloader::layout;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

pub fn candidates() -> Vec<PathBuf> {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let mut dirs = Vec::new();
    dirs.extend(env(layout::ENV_CACHE_DIR));
    dirs.extend(env("LOCALAPPDATA").map(|d| d.join("pybundle")));
    dirs.push(std::env::temp_dir().join("pybundle"));
    dirs
}

pub fn create_dir(dir: &Path, recursive: bool) -> std::io::Result<()> {
    if recursive {
        fs::create_dir_all(dir)
    } else {
        fs::create_dir(dir)
    }
}

pub fn create_file(path: &Path) -> std::io::Result<File> {
    fs::OpenOptions::new().write(true).create_new(true).open(path)
}

pub fn check_private(dir: &Path) -> std::io::Result<()> {
    let meta = fs::symlink_metadata(dir)?;
    if !meta.is_dir() || meta.file_type().is_symlink() {
        return Err(std::io::Error::other("not a plain directory"));
    }
    Ok(())
}
