//! The fallback when memfd or /proc cannot be used: native files written
//! once into a private, content-addressed cache directory and reused.
//!
//! Candidates, in order: `$PYBUNDLE_CACHE_DIR`, the user's cache directory
//! (`$XDG_CACHE_HOME/pybundle`, else `$HOME/.cache/pybundle`), and a private
//! `pybundle-UID` directory in the temp dir. A directory is used only if it
//! is ours and not writable by others. A bundle's files are written into a
//! temporary sibling and renamed into place, so a reader never sees a
//! half-filled directory.

use super::bundle::Bundle;
use super::Failure;
use pybundle_bootloader::layout;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Makes sure the bundle's native files exist under a cache directory and
/// returns the directory that holds them at their archive paths.
pub fn natives(bundle: &Bundle) -> Result<PathBuf, Failure> {
    let files: Vec<(String, String)> =
        bundle.manifest().natives.iter().map(|n| (n.name.clone(), n.name.clone())).collect();
    materialize(bundle, "", &files).map_err(|tried| {
        Failure::new(format!(
            "cannot load native libraries: memfd is not usable and no cache directory is writable ({tried}); \
             set {} to a writable directory",
            layout::ENV_CACHE_DIR
        ))
    })
}

/// Makes sure the files the bundle places on disk exist under a cache
/// directory and returns it.
pub fn files(bundle: &Bundle) -> Result<PathBuf, Failure> {
    let files: Vec<(String, String)> = bundle
        .manifest()
        .files
        .iter()
        .map(|f| (format!("{}/{f}", layout::FILES_DIR), f.clone()))
        .collect();
    materialize(bundle, ".files", &files).map_err(|tried| {
        let owners: std::collections::BTreeSet<&str> =
            bundle.manifest().files.iter().map(|f| f.split('/').next().unwrap_or(f)).collect();
        let owners: Vec<&str> = owners.into_iter().collect();
        Failure::new(format!(
            "cannot place the files of {} on disk: no cache directory is writable ({tried}); set {} to a writable directory",
            owners.join(", "),
            layout::ENV_CACHE_DIR
        ))
    })
}

/// Fills `<base>/<bundle id><suffix>/` with `(archive name, relative path)`
/// files in the first usable base; the error lists what was tried.
fn materialize(bundle: &Bundle, suffix: &str, files: &[(String, String)]) -> Result<PathBuf, String> {
    let id = format!("{}{suffix}", bundle_id(bundle));
    let mut tried = Vec::new();
    for base in candidates() {
        match fill(bundle, &base, &id, files) {
            Ok(dir) => return Ok(dir),
            Err(e) => tried.push(format!("{}: {e}", base.display())),
        }
    }
    Err(tried.join("; "))
}

/// A name that changes whenever any byte of the bundle's content changes.
fn bundle_id(bundle: &Bundle) -> String {
    let mut hasher = blake3::Hasher::new();
    for (name, hash) in &bundle.manifest().hashes {
        hasher.update(name.as_bytes());
        hasher.update(hash.as_bytes());
    }
    hasher.finalize().to_hex()[..32].to_string()
}

fn candidates() -> Vec<PathBuf> {
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

fn fill(bundle: &Bundle, base: &Path, id: &str, files: &[(String, String)]) -> std::io::Result<PathBuf> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(base)?;
    check_private(base)?;
    let target = base.join(id);
    if target.is_dir() {
        check_private(&target)?;
        return Ok(target);
    }
    let staging = base.join(format!(".{id}.{}.tmp", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    fs::DirBuilder::new().mode(0o700).create(&staging)?;
    let written = write_files(bundle, &staging, files);
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    if let Err(e) = fs::rename(&staging, &target) {
        let _ = fs::remove_dir_all(&staging);
        if !target.is_dir() {
            return Err(e);
        }
        // Another process filled it first; theirs is as good as ours.
    }
    Ok(target)
}

fn write_files(bundle: &Bundle, dir: &Path, files: &[(String, String)]) -> std::io::Result<()> {
    for (name, relative) in files {
        let data = bundle.verified_entry(name).map_err(|e| std::io::Error::other(e.to_string()))?;
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            fs::DirBuilder::new().recursive(true).mode(0o700).create(parent)?;
        }
        let mut file = fs::OpenOptions::new().write(true).create_new(true).mode(0o500).open(&path)?;
        std::io::Write::write_all(&mut file, &data)?;
        file.sync_all()?;
    }
    Ok(())
}

/// A directory that someone else owns or can write to could be swapped
/// under us; refuse it.
fn check_private(dir: &Path) -> std::io::Result<()> {
    let meta = fs::symlink_metadata(dir)?;
    let uid = unsafe { libc::geteuid() };
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o022 != 0 {
        return Err(std::io::Error::other("not a private directory owned by this user"));
    }
    Ok(())
}
