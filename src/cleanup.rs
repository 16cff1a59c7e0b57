//! A build's temporary files never outlive it. Each one is named
//! `.pybundle-tmp-<build>-…`, and in every directory where a build puts
//! them it holds a lock on `.pybundle-tmp-<build>.lock` while it runs. On
//! SIGINT, SIGTERM or SIGHUP the build removes them and then ends by the
//! signal; those of a build killed outright (SIGKILL, a crash, power loss),
//! whose lock ended with it, are removed by the next build that puts
//! temporaries in the same directory. [`finish`] removes the locks (and
//! anything left) when a build ends.

use anyhow::{Context, Result};
use std::fs::{self, File};
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

const PREFIX: &str = ".pybundle-tmp-";

/// This build: its name (`.pybundle-tmp-<random>`) and the directories it
/// has temporaries in, each with its held lock file.
struct Build {
    name: String,
    dirs: Mutex<Vec<(PathBuf, File)>>,
}

fn build() -> &'static Build {
    static BUILD: OnceLock<Build> = OnceLock::new();
    BUILD.get_or_init(|| {
        // The standard library's hasher is keyed randomly in every process.
        let random = std::collections::hash_map::RandomState::new().hash_one(std::process::id());
        Build { name: format!("{PREFIX}{random:016x}"), dirs: Mutex::new(Vec::new()) }
    })
}

/// A temporary directory in the system's temp dir.
pub fn tempdir() -> Result<tempfile::TempDir> {
    tempdir_in(&std::env::temp_dir())
}

/// A temporary directory in `dir`.
pub fn tempdir_in(dir: &Path) -> Result<tempfile::TempDir> {
    let prefix = enter(dir)?;
    tempfile::Builder::new().prefix(&prefix).tempdir_in(dir).with_context(|| format!("cannot create a temporary directory in {}", dir.display()))
}

/// A temporary file in `dir`.
pub fn tempfile_in(dir: &Path) -> Result<tempfile::NamedTempFile> {
    let prefix = enter(dir)?;
    tempfile::Builder::new().prefix(&prefix).tempfile_in(dir).with_context(|| format!("cannot create a temporary file in {}", dir.display()))
}

/// Makes sure this build holds its lock in `dir` (removing what killed
/// builds left there first) and returns the prefix for its temporaries.
fn enter(dir: &Path) -> Result<String> {
    let build = build();
    let mut dirs = build.dirs.lock().unwrap_or_else(|e| e.into_inner());
    if !dirs.iter().any(|(d, _)| d == dir) {
        remove_abandoned(dir);
        let lock_path = dir.join(format!("{}.lock", build.name));
        let lock = File::create(&lock_path).with_context(|| format!("cannot write in {}", dir.display()))?;
        lock.lock().with_context(|| format!("cannot lock {}", lock_path.display()))?;
        dirs.push((dir.to_path_buf(), lock));
    }
    Ok(format!("{}-", build.name))
}

/// Removes the temporaries of builds in `dir` whose lock no one holds.
fn remove_abandoned(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let names: Vec<String> = entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    for lock_name in names.iter().filter(|n| n.starts_with(PREFIX) && n.ends_with(".lock")) {
        let Ok(lock) = File::open(dir.join(lock_name)) else { continue };
        if lock.try_lock().is_ok() {
            let stem = format!("{}-", lock_name.trim_end_matches(".lock"));
            names.iter().filter(|n| n.starts_with(&stem)).for_each(|n| remove(&dir.join(n)));
            remove(&dir.join(lock_name));
        }
    }
}

/// Removes this build's temporaries and locks everywhere: when it ends,
/// or is interrupted.
pub fn finish() {
    let build = build();
    let dirs = build.dirs.lock().unwrap_or_else(|e| e.into_inner());
    for (dir, _) in dirs.iter() {
        let Ok(entries) = fs::read_dir(dir) else { continue };
        let ours = |e: &fs::DirEntry| e.file_name().to_string_lossy().starts_with(&build.name);
        entries.flatten().filter(ours).for_each(|e| remove(&e.path()));
    }
}

fn remove(path: &Path) {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            let _ = fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// From now on, SIGINT, SIGTERM and SIGHUP remove this build's temporaries
/// and then end the process by the signal. Call it before any other
/// thread starts: the signals are blocked in every thread but the one that
/// waits for them (child processes start with none blocked).
#[cfg(unix)]
pub fn on_signals() {
    // SAFETY: plain signal-set calls on a local set; `sigwait` only blocks.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(&mut set, signal);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        std::thread::spawn(move || {
            let mut signal = 0;
            if libc::sigwait(&set, &mut signal) == 0 {
                finish();
                libc::signal(signal, libc::SIG_DFL);
                libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
                libc::raise(signal);
            }
        });
    }
}

/// Windows ends a console program on Ctrl+C without a signal to catch;
/// the next build removes what it left.
#[cfg(windows)]
pub fn on_signals() {}
