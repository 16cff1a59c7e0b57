//! Write: the stub followed by the zip payload (entries compressed as
//! `--compress` says), into a temporary file or directory that is renamed
//! into place only when complete. An existing output is replaced only if
//! it is an earlier pybundle build.

use crate::plan::{Effort, Entry, Kind, Plan};
use crate::report::StoredSizes;
use anyhow::{bail, Context, Result};
use pybundle_bootloader::archive::{Data, Writer};
use pybundle_bootloader::layout;
use pybundle_bootloader::manifest::Manifest;
use std::fs::{self, File};
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

/// One executable: stub, then every entry of the plan in its archive.
/// Returns the stored size of each entry.
pub fn onefile(stub: &[u8], plan: &Plan, manifest: &Manifest, dest: &Path, effort: Effort) -> Result<StoredSizes> {
    check_manifest(manifest)?;
    let dir = prepare_parent(dest)?;
    refuse_foreign(dest)?;
    let mut staging = crate::cleanup::tempfile_in(&dir).context("choose a writable --distpath")?;
    let stored = write_executable(staging.as_file_mut(), stub, plan.entries.iter(), manifest, effort)
        .and_then(|stored| Ok(make_executable(staging.path()).map(|()| stored)?))
        .map_err(|e| write_error(dest, e))?;
    let earlier_dir = dest.is_dir().then(|| dest.with_extension("pybundle-old"));
    if let Some(old) = &earlier_dir {
        fs::rename(dest, old).with_context(|| format!("cannot replace {}", dest.display()))?;
    }
    staging.persist(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    if let Some(old) = earlier_dir {
        let _ = fs::remove_dir_all(old);
    }
    Ok(stored)
}

/// A directory: `dest/NAME` (stub with bytecode and data) beside
/// `dest/_internal/` (native files, and files placed on disk, at their
/// paths). Returns the stored size of each entry.
pub fn onedir(stub: &[u8], plan: &Plan, manifest: &Manifest, dest: &Path, name: &str, effort: Effort) -> Result<StoredSizes> {
    check_manifest(manifest)?;
    let dir = prepare_parent(dest)?;
    let staging = crate::cleanup::tempdir_in(&dir).context("choose a writable --distpath")?;
    let stored = fill_onedir(staging.path(), stub, plan, manifest, name, effort).map_err(|e| write_error(dest, e))?;
    replace_dir(staging.keep(), dest)?;
    Ok(stored)
}

/// Writes an onedir build into the directory `root`.
fn fill_onedir(root: &Path, stub: &[u8], plan: &Plan, manifest: &Manifest, name: &str, effort: Effort) -> Result<StoredSizes> {
    let internal = root.join(layout::ONEDIR_INTERNAL);
    let mut stored = StoredSizes::new();
    let files_prefix = format!("{}/", layout::FILES_DIR);
    let on_disk = |e: &Entry| e.is_native() || e.name.starts_with(&files_prefix);
    for entry in plan.entries.iter().filter(|e| on_disk(e)) {
        let relative = entry.name.strip_prefix(&files_prefix).unwrap_or(&entry.name);
        let path = internal.join(relative);
        stored.insert(entry.name.clone(), entry.data.len() as u64);
        if relative.ends_with('/') {
            // A directory of a package placed on disk (a namespace package).
            fs::create_dir_all(&path)?;
            continue;
        }
        fs::create_dir_all(path.parent().expect("native entries have a parent"))?;
        fs::write(&path, &entry.data)?;
        make_executable(&path)?;
    }
    let exe_path = root.join(name);
    // Read back too: a Windows stub's checksum covers the whole file.
    let mut exe = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&exe_path)
        .with_context(|| format!("cannot write {}", exe_path.display()))?;
    stored.extend(write_executable(&mut exe, stub, plan.entries.iter().filter(|e| !on_disk(e)), manifest, effort)?);
    make_executable(&exe_path)?;
    make_executable(root)?;
    Ok(stored)
}

/// A failed write of the output `path`, said once and naming it; a full
/// disk says what to do.
fn write_error(path: &Path, error: anyhow::Error) -> anyhow::Error {
    let io = error.chain().find_map(|cause| cause.downcast_ref::<std::io::Error>());
    if io.is_some_and(|e| e.kind() == std::io::ErrorKind::StorageFull) {
        return anyhow::anyhow!("no space left on the device to write {}; free some space or choose another --distpath", path.display());
    }
    anyhow::anyhow!("cannot write {}: {}", path.display(), error.root_cause())
}

/// The stub refuses a manifest it cannot trust (a name with a backslash,
/// say); such a bundle is not written at all.
fn check_manifest(manifest: &Manifest) -> Result<()> {
    manifest.validate().map_err(|e| anyhow::anyhow!("cannot bundle this: {e}; rename the file or leave it out"))
}

fn prepare_parent(dest: &Path) -> Result<PathBuf> {
    let dir = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create output directory {}; choose a writable --distpath", dir.display()))?;
    Ok(dir)
}

/// Writes the stub, then the archive: directories, natives in load order,
/// the other entries sorted by name, then the manifest; a Windows stub then
/// gets the PE checksum of the whole file. Deterministic.
fn write_executable<'a>(
    file: &mut File,
    stub: &[u8],
    entries: impl Iterator<Item = &'a Entry>,
    manifest: &Manifest,
    effort: Effort,
) -> Result<StoredSizes> {
    let (natives, mut others): (Vec<&Entry>, Vec<&Entry>) = entries.partition(|e| e.is_native());
    let (directories, mut others): (Vec<&Entry>, Vec<&Entry>) =
        others.drain(..).partition(|e| e.kind == Kind::Directory);
    others.sort_by(|a, b| a.name.cmp(&b.name));
    let files: Vec<&Entry> = natives.into_iter().chain(others).collect();
    let encoded = crate::compress::encode_all(&files, effort)?;

    let mut stored = StoredSizes::new();
    let mut out = BufWriter::with_capacity(1 << 20, file);
    out.write_all(stub)?;
    let mut zip = Writer::new(out);
    let mut directories: Vec<&str> = directories.iter().map(|d| d.name.as_str()).collect();
    directories.sort();
    for directory in directories {
        zip.add_directory(directory)?;
    }
    for (entry, frames) in files.iter().zip(&encoded) {
        let data = match frames {
            Some(frames) => Data::Zstd(frames),
            None => Data::Stored,
        };
        stored.insert(entry.name.clone(), frames.as_ref().map_or(entry.data.len(), Vec::len) as u64);
        zip.add_file(&entry.name, &entry.data, data)?;
    }
    zip.add_file(layout::MANIFEST, &manifest.to_json(), Data::Stored)?;
    let mut out = zip.finish()?;
    out.flush()?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    if stub.starts_with(b"MZ") {
        // A Windows executable: its CheckSum covers the payload too.
        crate::pe::refresh_checksum(file, stub)?;
    }
    file.rewind()?;
    file.sync_all()?;
    Ok(stored)
}

/// Moves a finished directory to `dest`, replacing an earlier build there.
fn replace_dir(staging: PathBuf, dest: &Path) -> Result<()> {
    if let Err(e) = refuse_foreign(dest) {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    let old = if dest.is_dir() {
        let old = staging.with_extension("old");
        fs::rename(dest, &old)?;
        Some(old)
    } else {
        let _ = fs::remove_file(dest);
        None
    };
    let moved = fs::rename(&staging, dest).with_context(|| format!("cannot create {}", dest.display()));
    if moved.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    if let Some(old) = old {
        let _ = fs::remove_dir_all(old);
    }
    moved
}

/// Whatever is at the output path must be an earlier build: a bundle file,
/// an onedir build (a directory with `_internal/`), or an empty directory.
fn refuse_foreign(dest: &Path) -> Result<()> {
    if dest.is_dir() {
        let empty = fs::read_dir(dest).map(|mut d| d.next().is_none()).unwrap_or(false);
        if empty || dest.join(layout::ONEDIR_INTERNAL).is_dir() {
            return Ok(());
        }
        bail!("{} exists and is not a pybundle build; remove it or choose another --name", dest.display());
    }
    if !dest.exists() {
        return Ok(());
    }
    let is_bundle = File::open(dest)
        .ok()
        .and_then(|f| zip::ZipArchive::new(f).ok())
        .is_some_and(|mut archive| archive.by_name(layout::MANIFEST).is_ok());
    if !is_bundle {
        bail!("{} exists and is not a pybundle build; remove it or choose another --name", dest.display());
    }
    Ok(())
}

/// Mode 0755 (files and directories); Windows has no such bits.
fn make_executable(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    return fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o755));
    #[cfg(not(unix))]
    return fs::metadata(path).map(drop);
}
