//! Files written once into a private, content-addressed cache directory and
//! reused: native files (the Linux fallback when memfd or /proc cannot be
//! used, and how a Windows onefile bundle runs) and the files a bundle
//! places on disk. Where the directory may be and how it is kept private is
//! the platform's (`platform::cache`).
//!
//! A bundle's files are written into a temporary sibling, each checked
//! against its hash, and the sibling is renamed into place, so a reader never
//! sees a half-filled directory.

use super::bundle::Bundle;
use super::natives::entry_path;
use super::platform::cache;
use super::Failure;
use pybundle_bootloader::layout;
use std::fs;
use std::path::{Path, PathBuf};

/// Makes sure the bundle's native files exist under a cache directory and
/// returns the directory that holds them at their archive paths; `why`
/// says why they are not loaded from memory.
pub fn natives(bundle: &Bundle, why: &str) -> Result<PathBuf, Failure> {
    let files: Vec<(String, String)> =
        bundle.manifest().natives.iter().map(|n| (n.name.clone(), n.name.clone())).collect();
    materialize(bundle, "", &files).map_err(|tried| {
        Failure::new(format!(
            "cannot load native libraries: {why} and no cache directory is writable ({tried}); \
             set {} to a writable directory",
            layout::ENV_CACHE_DIR
        ))
    })
}

/// Makes sure a group of libraries that need each other (a DT_NEEDED
/// cycle, which libraries in memory cannot resolve) exist under a cache
/// directory and returns it; they find each other there by RPATH/RUNPATH.
pub fn library_cycle(bundle: &Bundle, members: &[String]) -> Result<PathBuf, Failure> {
    let files: Vec<(String, String)> = members.iter().map(|m| (m.clone(), m.clone())).collect();
    let group = blake3::hash(members.join("\n").as_bytes()).to_hex();
    materialize(bundle, &format!(".libs-{}", &group[..12]), &files).map_err(|tried| {
        Failure::new(format!(
            "cannot load {}: these libraries need each other, which only works from files, and no cache directory is writable ({tried}); set {} to a writable directory",
            members.join(", "),
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
    for base in cache::candidates() {
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

fn fill(bundle: &Bundle, base: &Path, id: &str, files: &[(String, String)]) -> std::io::Result<PathBuf> {
    cache::create_dir(base, true)?;
    cache::check_private(base)?;
    let target = base.join(id);
    if target.is_dir() {
        cache::check_private(&target)?;
        return Ok(target);
    }
    let staging = base.join(format!(".{id}.{}.tmp", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    cache::create_dir(&staging, false)?;
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
        let path = entry_path(dir, relative);
        if relative.ends_with('/') {
            // A directory entry (a namespace package, an empty folder).
            cache::create_dir(&path, true)?;
            continue;
        }
        let data = bundle.verified_entry(name).map_err(|e| std::io::Error::other(e.to_string()))?;
        if let Some(parent) = path.parent() {
            cache::create_dir(parent, true)?;
        }
        let mut file = cache::create_file(&path)?;
        std::io::Write::write_all(&mut file, &data)?;
        file.sync_all()?;
    }
    Ok(())
}
