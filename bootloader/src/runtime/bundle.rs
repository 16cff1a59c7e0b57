//! The bundle on disk: the stub's own executable, mapped read-only, with the
//! zip archive appended to it and the manifest inside that archive.

use super::Failure;
use pybundle_bootloader::layout;
use pybundle_bootloader::manifest::Manifest;
use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use zip::{CompressionMethod, ZipArchive};

pub struct Bundle {
    path: PathBuf,
    bytes: &'static [u8],
    archive: ZipArchive<Cursor<&'static [u8]>>,
    manifest: Manifest,
}

/// The absolute path of the running executable, symlinks resolved.
pub fn own_executable() -> Result<PathBuf, Failure> {
    if let Ok(path) = std::fs::read_link("/proc/self/exe") {
        return Ok(path);
    }
    // Without /proc: the kernel still tells us the path given to execve.
    let execfn = unsafe { libc::getauxval(libc::AT_EXECFN) } as *const libc::c_char;
    if !execfn.is_null() {
        let name = unsafe { std::ffi::CStr::from_ptr(execfn) };
        let path = Path::new(std::ffi::OsStr::from_bytes(name.to_bytes()));
        if let Ok(path) = std::fs::canonicalize(path) {
            return Ok(path);
        }
    }
    Err(Failure::new("cannot find the path of this executable (is /proc mounted?)"))
}

impl Bundle {
    pub fn open(path: &Path) -> Result<Bundle, Failure> {
        let file = File::open(path)
            .map_err(|e| Failure::new(format!("cannot open {}: {e}", path.display())))?;
        let bytes = map_read_only(&file)
            .map_err(|e| Failure::new(format!("cannot map {}: {e}", path.display())))?;
        let mut archive = ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| Failure::damaged(path, format!("no payload archive: {e}")))?;
        let manifest = {
            let (start, len) = stored_entry(&mut archive, layout::MANIFEST)
                .ok_or_else(|| Failure::damaged(path, "the manifest is missing"))?;
            let data = bytes
                .get(start..start + len)
                .ok_or_else(|| Failure::damaged(path, "the manifest is cut off"))?;
            Manifest::from_json(data).map_err(|e| Failure::damaged(path, e))?
        };
        Ok(Bundle { path: path.to_path_buf(), bytes, archive, manifest })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The content of an entry (read in place if stored, else inflated),
    /// checked against the manifest's hash.
    pub fn verified_entry(&self, name: &str) -> Result<Cow<'static, [u8]>, Failure> {
        let mut archive = self.archive.clone();
        let data = match stored_entry(&mut archive, name) {
            Some((start, len)) => Cow::Borrowed(
                self.bytes
                    .get(start..start + len)
                    .ok_or_else(|| Failure::damaged(&self.path, format!("entry {name} is cut off")))?,
            ),
            None => {
                let mut file = archive
                    .by_name(name)
                    .map_err(|_| Failure::damaged(&self.path, format!("entry {name} is missing")))?;
                let mut data = Vec::with_capacity(usize::try_from(file.size()).unwrap_or(0));
                file.read_to_end(&mut data)
                    .map_err(|e| Failure::damaged(&self.path, format!("entry {name} does not inflate: {e}")))?;
                Cow::Owned(data)
            }
        };
        let expected = self.manifest.hashes.get(name).ok_or_else(|| {
            Failure::damaged(&self.path, format!("entry {name} has no hash in the manifest"))
        })?;
        if blake3::hash(&data).to_hex().as_str() != expected {
            return Err(Failure::damaged(&self.path, format!("entry {name} fails its hash check")));
        }
        Ok(data)
    }
}

/// Offset and length of an uncompressed entry's data.
fn stored_entry(archive: &mut ZipArchive<Cursor<&'static [u8]>>, name: &str) -> Option<(usize, usize)> {
    let file = archive.by_name(name).ok()?;
    if file.compression() != CompressionMethod::Stored {
        return None;
    }
    let start = usize::try_from(file.data_start()?).ok()?;
    let len = usize::try_from(file.size()).ok()?;
    Some((start, len))
}

/// Maps a whole file read-only for the life of the process.
fn map_read_only(file: &File) -> std::io::Result<&'static [u8]> {
    use std::os::fd::AsRawFd;
    let len = usize::try_from(file.metadata()?.len())
        .map_err(|_| std::io::Error::other("file too large"))?;
    if len == 0 {
        return Ok(&[]);
    }
    // SAFETY: a private read-only mapping of an open file; never unmapped.
    let ptr = unsafe {
        libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_PRIVATE, file.as_raw_fd(), 0)
    };
    if ptr == libc::MAP_FAILED {
        return Err(std::io::Error::last_os_error());
    }
    Ok(unsafe { std::slice::from_raw_parts(ptr as *const u8, len) })
}
