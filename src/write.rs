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

#[cfg(test)]
mod tests {
    use super::*;
    use pybundle_bootloader::manifest::{self, Layout, NativeKind, PythonInfo, PythonOptions};
    use pybundle_bootloader::payload::Payload;
    use std::collections::BTreeMap;
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;

    const STUB: &[u8] = b"#!not a real stub, only its bytes\n";
    const LIBPYTHON: &str = ".pybundle/lib/libpython3.11.so.1.0";

    fn compressible(byte: u8) -> Vec<u8> {
        (0..20_000u32).map(|i| byte.wrapping_add((i % 7) as u8)).collect()
    }

    /// A plan as the pipeline makes one: natives in load order, bytecode
    /// and data in no order, a namespace package, a file placed on disk.
    fn plan() -> Plan {
        let mut plan = Plan::default();
        plan.push(Entry::native(LIBPYTHON.into(), NativeKind::Library, compressible(1), "python".into()));
        plan.push(Entry::bytecode("zz.pyc".into(), compressible(2), "import".into()));
        plan.push(Entry::native("_ssl.so".into(), NativeKind::Extension { module: "_ssl".into() }, compressible(3), "import".into()));
        plan.push_bytecode(vec![Entry::bytecode(layout::MAIN_MODULE.into(), b"main".to_vec(), "entry".into())], &["ns/b/".into(), "ns/".into()]);
        plan.push(Entry::data("aa/data.txt".into(), compressible(4), "package data".into()));
        plan.push(Entry::data(format!("{}/pkg/placed.txt", layout::FILES_DIR), b"placed".to_vec(), "opened by path".into()));
        plan
    }

    fn manifest(plan: &Plan, layout: Layout) -> Manifest {
        Manifest {
            format: manifest::FORMAT,
            python: PythonInfo { version: (3, 11, 2), libpython: LIBPYTHON.into() },
            entry: layout::MAIN_MODULE.into(),
            entry_source: None,
            layout,
            cache_natives: false,
            glibc_floor: None,
            natives: plan.manifest_natives(&BTreeMap::new()),
            files: plan.files_on_disk(),
            hashes: plan.hashes(),
            options: PythonOptions::default(),
        }
    }

    /// The names in `dir`, but the lock a running build holds there.
    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| !(n.starts_with(".pybundle-tmp-") && n.ends_with(".lock")))
            .collect();
        names.sort();
        names
    }

    fn archive_names(path: &Path) -> Vec<String> {
        let mut archive = zip::ZipArchive::new(File::open(path).unwrap()).unwrap();
        (0..archive.len()).map(|i| archive.by_index(i).unwrap().name().unwrap().to_string()).collect()
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn onefile_is_the_stub_then_a_payload_the_stub_accepts() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("app");
        let plan = plan();
        let stored = onefile(STUB, &plan, &manifest(&plan, Layout::Onefile), &dest, Effort::Fast).unwrap();

        let bytes = fs::read(&dest).unwrap();
        assert!(bytes.starts_with(STUB));
        assert_eq!(mode(&dest), 0o755);
        let payload = Payload::open(&bytes).unwrap();
        for entry in plan.entries.iter().filter(|e| e.kind != Kind::Directory) {
            assert_eq!(payload.entry(&entry.name).unwrap().as_ref(), entry.data, "{}", entry.name);
            let in_archive = payload.entry_data(&entry.name).unwrap().len() as u64;
            assert_eq!(stored[&entry.name], in_archive, "stored size of {}", entry.name);
            if entry.data.len() > 1000 {
                assert!(in_archive * 10 < entry.data.len() as u64, "{} is compressed", entry.name);
            }
        }
        assert_eq!(stored[layout::MAIN_MODULE], 4, "too small to gain by compressing");
        // Directories first (sorted), natives in load order, the rest by
        // name, the manifest last.
        let expected = ["ns/", "ns/b/", LIBPYTHON, "_ssl.so"]
            .into_iter()
            .chain([".pybundle/files/pkg/placed.txt", "__main__.pyc", "aa/data.txt", "zz.pyc", layout::MANIFEST]);
        assert_eq!(archive_names(&dest), expected.collect::<Vec<_>>());
        assert_eq!(listing(dir.path()), ["app"], "no temporary file is left");
    }

    #[test]
    fn effort_none_stores_every_entry() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("app");
        let plan = plan();
        let stored = onefile(STUB, &plan, &manifest(&plan, Layout::Onefile), &dest, Effort::None).unwrap();
        let bytes = fs::read(&dest).unwrap();
        let payload = Payload::open(&bytes).unwrap();
        for entry in plan.entries.iter().filter(|e| e.kind != Kind::Directory) {
            assert_eq!(payload.entry_data(&entry.name).unwrap(), entry.data, "{} is stored", entry.name);
            assert_eq!(stored[&entry.name], entry.data.len() as u64);
        }
    }

    #[test]
    fn the_same_plan_writes_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan();
        let manifest = manifest(&plan, Layout::Onefile);
        let mut reversed = Plan::default();
        let (natives, others): (Vec<Entry>, Vec<Entry>) = plan.entries.iter().cloned().partition(Entry::is_native);
        reversed.entries = natives.into_iter().chain(others.into_iter().rev()).collect();
        onefile(STUB, &plan, &manifest, &dir.path().join("a"), Effort::Fast).unwrap();
        onefile(STUB, &reversed, &manifest, &dir.path().join("b"), Effort::Fast).unwrap();
        assert!(fs::read(dir.path().join("a")).unwrap() == fs::read(dir.path().join("b")).unwrap());
    }

    #[test]
    fn onefile_replaces_an_earlier_build_file_or_directory() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan();
        let manifest = manifest(&plan, Layout::Onefile);
        let dest = dir.path().join("app");
        onefile(b"old stub", &plan, &manifest, &dest, Effort::None).unwrap();
        onefile(STUB, &plan, &manifest, &dest, Effort::None).unwrap();
        assert!(fs::read(&dest).unwrap().starts_with(STUB));

        // An onedir build of the same name, as `--onedir` left it.
        fs::remove_file(&dest).unwrap();
        fs::create_dir_all(dest.join(layout::ONEDIR_INTERNAL)).unwrap();
        fs::write(dest.join("app"), "old").unwrap();
        onefile(STUB, &plan, &manifest, &dest, Effort::None).unwrap();
        assert!(dest.is_file());
        assert_eq!(listing(dir.path()), ["app"], "the earlier build is gone, nothing else is left");
    }

    #[test]
    fn what_is_not_a_build_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan();
        let onefile_manifest = manifest(&plan, Layout::Onefile);
        let onedir_manifest = manifest(&plan, Layout::Onedir);
        let file = dir.path().join("notes");
        fs::write(&file, "precious").unwrap();
        let folder = dir.path().join("work");
        fs::create_dir(&folder).unwrap();
        fs::write(folder.join("precious.txt"), "precious").unwrap();

        for dest in [&file, &folder] {
            let errors = [
                onefile(STUB, &plan, &onefile_manifest, dest, Effort::None).unwrap_err(),
                onedir(STUB, &plan, &onedir_manifest, dest, "app", Effort::None).unwrap_err(),
            ];
            for error in errors {
                let message = format!("{error:#}");
                assert!(message.contains("is not a pybundle build") && message.contains(&dest.display().to_string()), "{message}");
            }
        }
        assert_eq!(fs::read_to_string(&file).unwrap(), "precious");
        assert_eq!(fs::read_to_string(folder.join("precious.txt")).unwrap(), "precious");
        assert_eq!(listing(dir.path()), ["notes", "work"], "no temporary file or directory is left");
        assert_eq!(listing(&folder), ["precious.txt"]);
    }

    #[test]
    fn an_empty_directory_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan();
        let dest = dir.path().join("app");
        fs::create_dir(&dest).unwrap();
        onefile(STUB, &plan, &manifest(&plan, Layout::Onefile), &dest, Effort::None).unwrap();
        assert!(dest.is_file());
    }

    #[test]
    fn a_manifest_the_stub_would_refuse_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut plan = plan();
        plan.push(Entry::data("pkg\\data.txt".into(), b"x".to_vec(), "package data".into()));
        for layout in [Layout::Onefile, Layout::Onedir] {
            let manifest = manifest(&plan, layout);
            let dest = dir.path().join("out").join("app");
            let error = match layout {
                Layout::Onefile => onefile(STUB, &plan, &manifest, &dest, Effort::None),
                Layout::Onedir => onedir(STUB, &plan, &manifest, &dest, "app", Effort::None),
            }
            .unwrap_err();
            let message = format!("{error:#}");
            assert!(message.starts_with("cannot bundle this: ") && message.contains(r#""pkg\\data.txt" is not"#), "{message}");
            assert!(!dir.path().join("out").exists(), "nothing is written, not even the output's directory");
        }
    }

    #[test]
    fn onedir_puts_natives_and_placed_files_beside_the_executable() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("dist").join("app");
        let mut plan = plan();
        plan.push(Entry::directory(format!("{}/pkg/empty/", layout::FILES_DIR)));
        let stored = onedir(STUB, &plan, &manifest(&plan, Layout::Onedir), &dest, "app.bin", Effort::Fast).unwrap();

        let internal = dest.join(layout::ONEDIR_INTERNAL);
        for (name, path) in [(LIBPYTHON, LIBPYTHON), ("_ssl.so", "_ssl.so"), (".pybundle/files/pkg/placed.txt", "pkg/placed.txt")] {
            let entry = plan.entries.iter().find(|e| e.name == name).unwrap();
            assert_eq!(fs::read(internal.join(path)).unwrap(), entry.data, "{path}");
            assert_eq!(mode(&internal.join(path)), 0o755, "{path}");
            assert_eq!(stored[name], entry.data.len() as u64, "{name} is on disk as it is");
        }
        assert!(internal.join("pkg/empty").is_dir());
        assert_eq!(mode(&dest), 0o755);
        let exe = dest.join("app.bin");
        assert_eq!(mode(&exe), 0o755);
        assert!(fs::read(&exe).unwrap().starts_with(STUB));
        // The executable holds the rest, and reads back what it holds.
        let names = archive_names(&exe);
        assert_eq!(names, ["ns/", "ns/b/", "__main__.pyc", "aa/data.txt", "zz.pyc", layout::MANIFEST]);
        let mut archive = zip::ZipArchive::new(File::open(&exe).unwrap()).unwrap();
        let mut data = Vec::new();
        archive.by_name("zz.pyc").unwrap().read_to_end(&mut data).unwrap();
        assert_eq!(data, compressible(2));
        assert!(stored["zz.pyc"] < 2000, "bytecode is compressed");
        assert_eq!(listing(&dir.path().join("dist")), ["app"]);
    }

    #[test]
    fn onedir_replaces_an_earlier_build_or_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("app");
        let plan = plan();
        let manifest = manifest(&plan, Layout::Onedir);
        onedir(STUB, &plan, &manifest, &dest, "app", Effort::None).unwrap();
        fs::write(dest.join(layout::ONEDIR_INTERNAL).join("stale.so"), "from the earlier build").unwrap();
        onedir(STUB, &plan, &manifest, &dest, "app", Effort::None).unwrap();
        assert!(!dest.join(layout::ONEDIR_INTERNAL).join("stale.so").exists());
        assert!(dest.join(layout::ONEDIR_INTERNAL).join("_ssl.so").is_file());

        fs::remove_dir_all(&dest).unwrap();
        onefile(STUB, &plan, &manifest, &dest, Effort::None).unwrap();
        onedir(STUB, &plan, &manifest, &dest, "app", Effort::None).unwrap();
        assert!(dest.join("app").is_file());
        assert_eq!(listing(dir.path()), ["app"]);
    }

    #[test]
    fn a_full_disk_says_what_to_do() {
        let full = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::StorageFull)).context("writing");
        let message = write_error(Path::new("dist/app"), full).to_string();
        assert!(message.starts_with("no space left on the device to write dist/app; "), "{message}");
        let other = anyhow::Error::new(std::io::Error::other("broken pipe")).context("writing");
        assert_eq!(write_error(Path::new("dist/app"), other).to_string(), "cannot write dist/app: broken pipe");
    }

    #[test]
    fn a_windows_bundle_carries_the_checksum_of_the_whole_file() {
        let part = "write::tests::a_windows_bundle_carries_the_checksum_of_the_whole_file";
        let stub = crate::stubs::for_target("x86_64-pc-windows-gnu").ok();
        let what = "the Windows stub (rustup target add x86_64-pc-windows-gnu, and mingw-w64)";
        let Some(stub) = crate::test_env::require(stub, what, part) else { return };
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("app.exe");
        let plan = plan();
        onefile(stub, &plan, &manifest(&plan, Layout::Onefile), &dest, Effort::Fast).unwrap();
        let bytes = fs::read(&dest).unwrap();
        // PE/COFF: the optional header follows the 4-byte signature and the
        // 20-byte file header; CheckSum is at offset 64 in it.
        let pe_header = u32::from_le_bytes(bytes[0x3c..0x40].try_into().unwrap()) as usize;
        let at = pe_header + 4 + 20 + 64;
        let written = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        assert_eq!(written, crate::pe::pe_checksum(&bytes, at));
        assert_ne!(written, crate::pe::pe_checksum(stub, at), "the payload counts");
    }
}
