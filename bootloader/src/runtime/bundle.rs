//! The bundle on disk: the stub's own executable, mapped read-only, with the
//! zip archive appended to it and the manifest inside that archive.
//!
//! A signed Windows executable has its Authenticode certificate appended
//! after our archive; the PE security directory says where it starts, and
//! the archive is read from the bytes before it.

use super::Failure;
use pybundle_bootloader::layout;
use pybundle_bootloader::manifest::Manifest;
use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use zip::{CompressionMethod, ZipArchive};

pub struct Bundle {
    path: PathBuf,
    bytes: &'static [u8],
    archive: ZipArchive<Cursor<&'static [u8]>>,
    manifest: Manifest,
}

impl Bundle {
    pub fn open(path: &Path) -> Result<Bundle, Failure> {
        let file = File::open(path)
            .map_err(|e| Failure::new(format!("cannot open {}: {e}", path.display())))?;
        let bytes = map_read_only(&file)
            .map_err(|e| Failure::new(format!("cannot map {}: {e}", path.display())))?;
        let bytes = &bytes[..payload_end(bytes)];
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
    if file.metadata()?.len() == 0 {
        return Ok(&[]);
    }
    // SAFETY: a read-only mapping of our own executable, which the system
    // keeps from being changed while it runs; never unmapped.
    let map = unsafe { memmap2::Mmap::map(file)? };
    Ok(Box::leak(Box::new(map)))
}

/// Where the payload ends: at the Authenticode certificate table of a signed
/// PE file, else at the end of the file.
fn payload_end(bytes: &[u8]) -> usize {
    certificate_offset(bytes).filter(|&start| start <= bytes.len()).unwrap_or(bytes.len())
}

/// The file offset of a PE32+ file's certificate table, if it has one.
fn certificate_offset(bytes: &[u8]) -> Option<usize> {
    let u16_at = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    if bytes.get(..2)? != b"MZ" {
        return None;
    }
    let pe = u32_at(0x3c)? as usize;
    if bytes.get(pe..pe + 4)? != b"PE\0\0" {
        return None;
    }
    let optional = pe + 24;
    // PE32+ only (0x20b): data directories start 112 bytes into the
    // optional header; the security directory is the fifth.
    if u16_at(optional)? != 0x20b || u32_at(optional + 108)? < 5 {
        return None;
    }
    let directory = optional + 112 + 4 * 8;
    let (offset, size) = (u32_at(directory)?, u32_at(directory + 4)?);
    (offset != 0 && size != 0).then_some(offset as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal PE32+ header whose security directory points at `cert`.
    fn pe_with_certificate(cert: u32, len: usize) -> Vec<u8> {
        let mut bytes = vec![0u8; len];
        bytes[..2].copy_from_slice(b"MZ");
        bytes[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
        bytes[0x80..0x84].copy_from_slice(b"PE\0\0");
        let optional = 0x80 + 24;
        bytes[optional..optional + 2].copy_from_slice(&0x20bu16.to_le_bytes());
        bytes[optional + 108..optional + 112].copy_from_slice(&16u32.to_le_bytes());
        let directory = optional + 112 + 32;
        bytes[directory..directory + 4].copy_from_slice(&cert.to_le_bytes());
        bytes[directory + 4..directory + 8].copy_from_slice(&((len as u32) - cert).to_le_bytes());
        bytes
    }

    #[test]
    fn cuts_the_payload_at_the_certificate_table() {
        assert_eq!(payload_end(&pe_with_certificate(0x300, 0x400)), 0x300);
        assert_eq!(payload_end(&pe_with_certificate(0, 0x400)), 0x400);
        assert_eq!(payload_end(b"\x7fELF and more"), 13);
        assert_eq!(payload_end(b"MZ"), 2);
    }
}
