//! The bundle on disk: the stub's own executable, mapped read-only, and its
//! payload ([`Payload`]: the archive and manifest, checked before use).

use super::Failure;
use pybundle_bootloader::manifest::Manifest;
use pybundle_bootloader::payload::Payload;
use std::borrow::Cow;
use std::fs::File;
use std::path::{Path, PathBuf};

pub struct Bundle {
    path: PathBuf,
    /// The bundle file's metadata, read once when it was opened.
    metadata: std::fs::Metadata,
    payload: Payload<'static>,
}

impl Bundle {
    pub fn open(path: &Path) -> Result<Bundle, Failure> {
        let file = File::open(path)
            .map_err(|e| Failure::new(format!("cannot open {}: {e}", path.display())))?;
        let metadata = file.metadata().map_err(|e| Failure::new(format!("cannot read {}: {e}", path.display())))?;
        let map = map_read_only(&file, metadata.len())
            .map_err(|e| Failure::new(format!("cannot map {}: {e}", path.display())))?;
        let payload = Payload::open(map).map_err(|e| Failure::damaged(path, e))?;
        release_pages(map);
        Ok(Bundle { path: path.to_path_buf(), metadata, payload })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bundle file's metadata (owner, times), as it was opened.
    pub fn metadata(&self) -> &std::fs::Metadata {
        &self.metadata
    }

    pub fn manifest(&self) -> &Manifest {
        self.payload.manifest()
    }

    /// The content of an entry, checked against the manifest's hash.
    pub fn verified_entry(&self, name: &str) -> Result<Cow<'static, [u8]>, Failure> {
        self.payload.entry(name).map_err(|e| Failure::damaged(&self.path, e))
    }

    /// Writes the content of an entry into `out` (as long as
    /// [`Bundle::entry_size`] says), decoding it there, and checks it
    /// against the manifest's hash. The entry is read once: its pages are
    /// let go after.
    #[cfg(unix)]
    pub fn verified_entry_into(&self, name: &str, out: &mut [u8]) -> Result<(), Failure> {
        self.payload.entry_into(name, out).map_err(|e| Failure::damaged(&self.path, e))?;
        release_pages(self.payload.entry_data(name).unwrap_or_default());
        Ok(())
    }

    /// The size of an entry's content, as the archive states it.
    pub fn entry_size(&self, name: &str) -> Option<u64> {
        self.payload.entry_size(name)
    }
}

/// Maps a whole file of `len` bytes read-only for the life of the process.
fn map_read_only(file: &File, len: u64) -> std::io::Result<&'static [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    // SAFETY: a read-only mapping of our own executable, which the system
    // keeps from being changed while it runs; never unmapped.
    let map = unsafe { memmap2::Mmap::map(file)? };
    Ok(&Box::leak(Box::new(map))[..])
}

/// Lets go of the pages of the mapped bundle that lie wholly inside
/// `bytes` (they stay in the page cache and are read again if touched):
/// checking the payload reads a header of every entry, and a native
/// library's compressed bytes are read once, so the process's memory holds
/// only what it goes on reading.
#[cfg(unix)]
fn release_pages(bytes: &[u8]) {
    // SAFETY: sysconf has no preconditions.
    let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096).max(1);
    let start = (bytes.as_ptr() as usize).next_multiple_of(page);
    let end = (bytes.as_ptr() as usize + bytes.len()) / page * page;
    if start < end {
        // SAFETY: whole pages of a read-only shared mapping of a file,
        // which read the same content again when next touched.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) };
    }
}

#[cfg(windows)]
fn release_pages(_map: &[u8]) {}
