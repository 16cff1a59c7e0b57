//! Files written once into a private, content-addressed cache directory and
//! reused: native files (the Linux fallback when memfd or /proc cannot be
//! used, and how a Windows onefile bundle runs), the files a bundle places
//! on disk, and served files that another program is given by path. Where the directory may be and how it is opened safely
//! is the platform's (`platform::cache`).
//!
//! A bundle's files are written into a staging directory with a random
//! name (unique across PID namespaces and hosts sharing the cache), each
//! checked against its hash and synced, then a marker is written and synced
//! last, and the staging directory is renamed into place. An entry is used
//! only if its marker is there and every file has its size; an incomplete
//! one is moved aside and filled again. Each staging directory has a lock
//! file held while it fills, so the staging directories of a killed start
//! (whose lock ended with it) are removed by the next start.

use super::bundle::Bundle;
use super::module_index::ModuleIndex;
use super::platform::cache::{self, Dir};
use super::Failure;
use pybundle_bootloader::layout;
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;

/// Written last into a complete entry; holds the entry's name.
const MARKER: &str = ".pybundle-complete";

/// A place the cache directory may be.
pub struct Candidate {
    pub path: PathBuf,
    /// The missing part of `path` below this existing directory may be made.
    pub creatable_below: PathBuf,
    /// Named by `PYBUNDLE_CACHE_DIR`: refused outright if unsafe, rather
    /// than passed over for the next candidate.
    pub named_by_user: bool,
}

/// Why a candidate was not used.
pub enum Refused {
    /// Others could change what it holds.
    Unsafe(String),
    /// It cannot be made or written.
    Unusable(String),
}

/// Makes sure the bundle's native files exist under a cache directory and
/// returns the directory that holds them at their archive paths; `why`
/// says why they are not loaded from memory.
pub fn natives(bundle: &Bundle, why: &str) -> Result<PathBuf, Failure> {
    materialize(bundle, "", &native_files(bundle), true, |tried| {
        format!(
            "cannot load native libraries: {why} and no cache directory is usable ({tried}); \
             set {} to a writable directory on a filesystem not mounted noexec",
            layout::ENV_CACHE_DIR
        )
    })
}

/// The directory of an earlier start's complete cache entry of the
/// bundle's native files, if one is there in a usable cache directory;
/// nothing is created, written or decoded to find it.
pub fn filled_natives(bundle: &Bundle) -> Option<PathBuf> {
    let id = bundle_id(bundle);
    let files = native_files(bundle);
    cache::candidates().iter().find_map(|candidate| {
        let base = Dir::open_base(candidate, false).ok()?;
        let complete = base.allows_exec() && is_complete(bundle, &base, &id, &files).ok()?;
        complete.then(|| base.path().join(&id))
    })
}

/// Each native file, at its archive path.
fn native_files(bundle: &Bundle) -> Vec<(String, String)> {
    bundle.manifest().natives.iter().map(|n| (n.name.clone(), n.name.clone())).collect()
}

/// Makes sure a group of libraries that need each other (a DT_NEEDED
/// cycle, which libraries in memory cannot resolve) exist under a cache
/// directory and returns it; they find each other there by RPATH/RUNPATH.
#[cfg(unix)]
pub fn library_cycle(bundle: &Bundle, members: &[String]) -> Result<PathBuf, Failure> {
    let files: Vec<(String, String)> = members.iter().map(|m| (m.clone(), m.clone())).collect();
    let group = blake3::hash(members.join("\n").as_bytes()).to_hex();
    materialize(bundle, &format!(".libs-{}", &group[..12]), &files, true, |tried| {
        format!(
            "cannot load {}: these libraries need each other, which only works from files, and no cache directory is usable ({tried}); set {} to a writable directory on a filesystem not mounted noexec",
            members.join(", "),
            layout::ENV_CACHE_DIR
        )
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
    materialize(bundle, ".files", &files, false, |tried| {
        let owners: std::collections::BTreeSet<&str> =
            bundle.manifest().files.iter().map(|f| f.split('/').next().unwrap_or(f)).collect();
        let owners: Vec<&str> = owners.into_iter().collect();
        format!(
            "cannot place the files of {} on disk: no cache directory is usable ({tried}); set {} to a writable directory",
            owners.join(", "),
            layout::ENV_CACHE_DIR
        )
    })
}

/// Makes sure the served file or directory `name` (an archive path) exists
/// as real files under a cache directory, for another program that is
/// given its path, and returns their path there; `program`: it is run, so
/// the directory must allow that.
pub fn served_copy(bundle: &Bundle, index: &ModuleIndex, name: &str, program: bool) -> Result<PathBuf, Failure> {
    let files: Vec<(String, String)> = index.files_under(name).into_iter().map(|f| (f.clone(), f)).collect();
    let group = blake3::hash(name.as_bytes()).to_hex();
    let dir = materialize(bundle, &format!(".run-{}", &group[..12]), &files, program, |tried| {
        format!(
            "cannot give {name} to another program: it must be a real file for that, and no cache directory is usable ({tried}); set {} to a writable directory{}",
            layout::ENV_CACHE_DIR,
            if program { " on a filesystem not mounted noexec" } else { "" }
        )
    })?;
    Ok(super::natives::entry_path(&dir, name))
}

/// Fills `<base>/<bundle id><suffix>/` with `(archive name, relative path)`
/// files in the first usable base (one that allows loading libraries if
/// `exec`); `none_usable` words the failure from the list of what was
/// tried. A directory the user named that others could change is refused
/// outright.
fn materialize(
    bundle: &Bundle,
    suffix: &str,
    files: &[(String, String)],
    exec: bool,
    none_usable: impl FnOnce(String) -> String,
) -> Result<PathBuf, Failure> {
    let id = format!("{}{suffix}", bundle_id(bundle));
    let mut tried = Vec::new();
    for candidate in cache::candidates() {
        let shown = candidate.path.display().to_string();
        let base = match Dir::open_base(&candidate, true) {
            Ok(base) => base,
            Err(Refused::Unsafe(why)) if candidate.named_by_user => {
                return Err(Failure::new(format!(
                    "refusing {} {shown}: {why}; set it to a directory only this user can change",
                    layout::ENV_CACHE_DIR
                )));
            }
            Err(Refused::Unsafe(why) | Refused::Unusable(why)) => {
                tried.push(format!("{shown}: {why}"));
                continue;
            }
        };
        if exec && !base.allows_exec() {
            tried.push(format!("{shown}: on a filesystem mounted noexec, which cannot load libraries"));
            continue;
        }
        match fill(bundle, &base, &id, files) {
            Ok(dir) => return Ok(dir),
            Err(e) => tried.push(format!("{shown}: {e}")),
        }
    }
    Err(Failure::new(none_usable(tried.join("; "))))
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

fn fill(bundle: &Bundle, base: &Dir, id: &str, files: &[(String, String)]) -> std::io::Result<PathBuf> {
    remove_abandoned(base);
    let target = base.path().join(id);
    // A few rounds at most: another start may be replacing a broken entry.
    for _ in 0..3 {
        if is_complete(bundle, base, id, files)? {
            return Ok(target);
        }
        let Some(staging) = Staging::create(base, id)? else { continue };
        let dir = base.create_dir(&staging.dir)?;
        write_files(bundle, &dir, files)?;
        dir.write_file(MARKER, id.as_bytes())?;
        dir.sync()?;
        if base.rename(&staging.dir, id).is_ok() {
            base.sync()?;
            return Ok(target);
        }
        // Taken: by a complete entry (used next round) or a broken one,
        // which goes aside into a staging name of ours and is removed.
        if !is_complete(bundle, base, id, files)? {
            if let Some(aside) = Staging::create(base, id)? {
                let _ = base.rename(id, &aside.dir);
            }
        }
    }
    Err(std::io::Error::other(format!("{} keeps changing while it is filled", target.display())))
}

/// Whether `<base>/<id>` is a finished entry: its marker names it and every
/// file is there with its size.
fn is_complete(bundle: &Bundle, base: &Dir, id: &str, files: &[(String, String)]) -> std::io::Result<bool> {
    let Some(dir) = base.open_dir(id)? else { return Ok(false) };
    if dir.read_file(MARKER).ok().as_deref() != Some(id.as_bytes()) {
        return Ok(false);
    }
    Ok(files.iter().all(|(name, relative)| match relative.ends_with('/') {
        true => dir.is_dir(relative),
        false => dir.file_size(relative).is_some_and(|size| Some(size) == bundle.entry_size(name)),
    }))
}

fn write_files(bundle: &Bundle, dir: &Dir, files: &[(String, String)]) -> std::io::Result<()> {
    for (name, relative) in files {
        if relative.ends_with('/') {
            // A directory entry (a namespace package, an empty folder).
            dir.create_dirs(relative)?;
            continue;
        }
        let data = bundle.verified_entry(name).map_err(|e| std::io::Error::other(e.to_string()))?;
        dir.write_file(relative, &data)?;
    }
    Ok(())
}

/// A staging name `.<id>.<random>.tmp` and its lock file `….lock`, held
/// while this start uses the name; dropping it removes both.
struct Staging<'a> {
    base: &'a Dir,
    dir: String,
    lock_name: String,
    lock: Option<cache::Lock>,
}

impl<'a> Staging<'a> {
    /// A fresh name with its lock taken; `None` if the lock file vanished
    /// before it was locked (try again).
    fn create(base: &'a Dir, id: &str) -> std::io::Result<Option<Staging<'a>>> {
        let stem = format!(".{id}.{}", random_hex());
        let lock_name = format!("{stem}.lock");
        let Some(lock) = base.create_lock(&lock_name)? else { return Ok(None) };
        Ok(Some(Staging { base, dir: format!("{stem}.tmp"), lock_name, lock: Some(lock) }))
    }
}

impl Drop for Staging<'_> {
    fn drop(&mut self) {
        let _ = self.base.remove_tree(&self.dir);
        // Released first: Windows deletes no file that is held open.
        self.lock = None;
        let _ = self.base.remove_file(&self.lock_name);
    }
}

/// Removes the staging directories whose lock no one holds: their start
/// was killed.
fn remove_abandoned(base: &Dir) {
    let Ok(names) = base.names() else { return };
    for lock_name in names.iter().filter(|n| n.starts_with('.') && n.ends_with(".lock")) {
        if let Ok(Some(lock)) = base.lock_if_abandoned(lock_name) {
            let stem = lock_name.trim_end_matches(".lock");
            let _ = base.remove_tree(&format!("{stem}.tmp"));
            // Released first: Windows deletes no file that is held open.
            drop(lock);
            let _ = base.remove_file(lock_name);
        }
    }
}

/// 128 random bits as hex, from the standard library's randomly keyed
/// hasher (seeded by the system's random source in every process).
fn random_hex() -> String {
    let half = || {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        hasher.finish()
    };
    format!("{:016x}{:016x}", half(), half())
}
