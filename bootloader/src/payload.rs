//! Reading a bundle's payload as untrusted input: the zip archive at the end
//! of the executable and its manifest. Before anything in it is used, the
//! archive must end exactly where the payload ends (the end of the file, or
//! the Authenticode certificate table of a signed Windows executable), every
//! entry's headers and data must lie inside the archive without overlapping,
//! and every entry must be named by the manifest with a hash. Entries are
//! stored or zstd frames ([`zstd_frames`]), returned only after their
//! content matches its hash, and never decoded past the size the archive
//! states.

use crate::layout;
use crate::manifest::{check_archive_name, Manifest};
use crate::zstd_frames;
use std::borrow::Cow;
use std::io::Cursor;
use std::ops::Range;
use zip::{CompressionMethod, ZipArchive};

/// The payload of a bundle, checked.
pub struct Payload<'a> {
    bytes: &'a [u8],
    archive: ZipArchive<Cursor<&'a [u8]>>,
    manifest: Manifest,
}

/// Where the archive and its central directory are in the payload.
struct Directory {
    archive_start: usize,
    start: usize,
    end: usize,
}

/// Where an entry is and how it is stored.
struct Located {
    data: Range<usize>,
    stored: bool,
    size: u64,
}

impl<'a> Payload<'a> {
    /// Checks the payload in `file` (a whole bundle executable) and reads
    /// its manifest; the error says what is wrong.
    pub fn open(file: &'a [u8]) -> Result<Payload<'a>, String> {
        let bytes = &file[..payload_end(file)];
        let directory = central_directory(bytes)?;
        let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("no payload archive: {e}"))?;
        check_entries(&mut archive, bytes, &directory)?;
        let manifest = locate(&archive, layout::MANIFEST).ok_or("the manifest is missing")?;
        if !manifest.stored {
            return Err("the manifest is compressed".into());
        }
        let manifest = Manifest::from_json(&bytes[manifest.data])?;
        check_names(&archive, &manifest)?;
        Ok(Payload { bytes, archive, manifest })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The content size of entry `name`, as the archive states it.
    pub fn entry_size(&self, name: &str) -> Option<u64> {
        locate(&self.archive, name).map(|e| e.size)
    }

    /// The content of entry `name` (in place if stored, else decoded),
    /// checked against the manifest's hash.
    pub fn entry(&self, name: &str) -> Result<Cow<'a, [u8]>, String> {
        let (located, expected) = self.find(name)?;
        let data = if located.stored {
            Cow::Borrowed(&self.bytes[located.data])
        } else {
            Cow::Owned(zstd_frames::decode_to_vec(&self.bytes[located.data], located.size).map_err(|e| format!("entry {name}: {e}"))?)
        };
        check_hash(name, &data, expected)?;
        Ok(data)
    }

    /// Writes the content of entry `name` into `out`, which must be as long
    /// as [`Payload::entry_size`] says, and checks it against the
    /// manifest's hash: a compressed entry is decoded straight into `out`.
    pub fn entry_into(&self, name: &str, out: &mut [u8]) -> Result<(), String> {
        let (located, expected) = self.find(name)?;
        if out.len() as u64 != located.size {
            return Err(format!("entry {name} does not fit where it is to go"));
        }
        if located.stored {
            out.copy_from_slice(&self.bytes[located.data]);
        } else {
            zstd_frames::decode(&self.bytes[located.data], out).map_err(|e| format!("entry {name}: {e}"))?;
        }
        check_hash(name, out, expected)
    }

    /// Where entry `name` is, and its hash in the manifest.
    fn find(&self, name: &str) -> Result<(Located, &str), String> {
        let expected = self.manifest.hashes.get(name).ok_or_else(|| format!("entry {name} has no hash in the manifest"))?;
        let located = locate(&self.archive, name).ok_or_else(|| format!("entry {name} is missing"))?;
        Ok((located, expected))
    }
}

fn check_hash(name: &str, data: &[u8], expected: &str) -> Result<(), String> {
    if blake3::hash(data).to_hex().as_str() != expected {
        return Err(format!("entry {name} fails its hash check"));
    }
    Ok(())
}

fn locate(archive: &ZipArchive<Cursor<&[u8]>>, name: &str) -> Option<Located> {
    let mut archive = archive.clone();
    let file = archive.by_name_raw(name.as_bytes()).ok()?;
    let start = usize::try_from(file.data_start()?).ok()?;
    let end = start.checked_add(usize::try_from(file.compressed_size()).ok()?)?;
    let stored = file.compression() == CompressionMethod::Stored;
    Some(Located { data: start..end, stored, size: file.size() })
}

/// Each entry: a method the stub can read, its local header where the
/// central directory says and naming the same entry, its data before
/// the central directory, no two entries sharing a byte.
fn check_entries(archive: &mut ZipArchive<Cursor<&[u8]>>, bytes: &[u8], directory: &Directory) -> Result<(), String> {
    if archive.offset() != directory.archive_start as u64 || archive.central_directory_start() != directory.start as u64 {
        return Err("the central directory is not where the end record says".into());
    }
    let mut spans = Vec::with_capacity(archive.len().min((directory.end - directory.start) / 46));
    for index in 0..archive.len() {
        let file = archive.by_index_raw(index).map_err(|e| format!("entry {index} is unreadable: {e}"))?;
        let name = file.name_raw().to_vec();
        let shown = String::from_utf8_lossy(&name).into_owned();
        let method = file.compression();
        if !(method == CompressionMethod::Stored || method == CompressionMethod::ZSTD) || file.encrypted() {
            return Err(format!("entry {shown} uses a storage method a bundle never does"));
        }
        if file.compression() == CompressionMethod::Stored && file.size() != file.compressed_size() {
            return Err(format!("entry {shown} is stored with two different sizes"));
        }
        let header = usize::try_from(file.header_start()).ok().filter(|&h| h >= directory.archive_start);
        let header = header.ok_or_else(|| format!("entry {shown} starts outside the archive"))?;
        check_local_header(bytes, header, &name).map_err(|e| format!("entry {shown}: {e}"))?;
        let data_start = file.data_start().and_then(|s| usize::try_from(s).ok());
        let data_end = data_start.and_then(|s| s.checked_add(usize::try_from(file.compressed_size()).ok()?));
        match data_end {
            Some(end) if end <= directory.start => spans.push((header, end)),
            _ => return Err(format!("entry {shown} runs past the start of the central directory")),
        }
    }
    spans.sort_unstable();
    if spans.windows(2).any(|pair| pair[0].1 > pair[1].0) {
        return Err("two entries share bytes of the archive".into());
    }
    Ok(())
}

/// Every entry is the manifest or has a hash in it; names are unique
/// and relative.
fn check_names(archive: &ZipArchive<Cursor<&[u8]>>, manifest: &Manifest) -> Result<(), String> {
    if archive.has_duplicate_names() {
        return Err("two entries have the same name".into());
    }
    for name in archive.file_names_raw() {
        let name = std::str::from_utf8(name).map_err(|_| "an entry's name is not UTF-8".to_string())?;
        check_archive_name(name)?;
        if name != layout::MANIFEST && !manifest.hashes.contains_key(name) {
            return Err(format!("entry {name} is not in the manifest"));
        }
    }
    Ok(())
}

/// Where the central directory is, from the end-of-central-directory record
/// that must end the payload: no comment, no trailing bytes, the directory
/// ending where the end record (or its zip64 form) begins.
fn central_directory(bytes: &[u8]) -> Result<Directory, String> {
    const END: u32 = 0x0605_4b50;
    const END64: u32 = 0x0606_4b50;
    const LOCATOR64: u32 = 0x0706_4b50;
    let damaged = || "the payload does not end with a zip archive".to_string();
    let end = bytes.len().checked_sub(22).ok_or_else(damaged)?;
    if le32(bytes, end) != Some(END) || le16(bytes, end + 20) != Some(0) {
        return Err(damaged());
    }
    let (mut size, mut offset) = (u64::from(le32(bytes, end + 12).ok_or_else(damaged)?), u64::from(le32(bytes, end + 16).ok_or_else(damaged)?));
    let mut directory_end = end;
    if size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
        let locator = end.checked_sub(20).filter(|&at| le32(bytes, at) == Some(LOCATOR64)).ok_or_else(damaged)?;
        let record = locator.checked_sub(56).filter(|&at| le32(bytes, at) == Some(END64)).ok_or_else(damaged)?;
        if le64(bytes, record + 4) != Some(44) {
            return Err(damaged());
        }
        (size, offset) = (le64(bytes, record + 40).ok_or_else(damaged)?, le64(bytes, record + 48).ok_or_else(damaged)?);
        directory_end = record;
    }
    let size = usize::try_from(size).map_err(|_| damaged())?;
    let start = directory_end.checked_sub(size).ok_or_else(damaged)?;
    // Offsets in the archive count from its start, after the stub.
    let archive_start = start.checked_sub(usize::try_from(offset).map_err(|_| damaged())?).ok_or_else(damaged)?;
    Ok(Directory { archive_start, start, end: directory_end })
}

/// A local file header at `at` that names `name`.
fn check_local_header(bytes: &[u8], at: usize, name: &[u8]) -> Result<(), String> {
    const LOCAL: u32 = 0x0403_4b50;
    if le32(bytes, at) != Some(LOCAL) {
        return Err("no local header where the central directory says".into());
    }
    let length = usize::from(le16(bytes, at + 26).ok_or("the local header is cut off")?);
    if bytes.get(at + 30..at + 30 + length) != Some(name) {
        return Err("the local header names another entry".into());
    }
    Ok(())
}

fn le16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn le64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

/// Where the payload ends: at the end of the file, or in a signed PE file
/// at its Authenticode certificate table, before the zero bytes (at most
/// seven) that signing adds to align the table to 8 bytes.
fn payload_end(bytes: &[u8]) -> usize {
    let Some(table) = certificate_offset(bytes).filter(|&start| start <= bytes.len()) else {
        return bytes.len();
    };
    let ends_archive = |end: usize| end >= 22 && le32(bytes, end - 22) == Some(0x0605_4b50);
    (table.saturating_sub(7)..=table)
        .rev()
        .take_while(|&end| bytes[end..table].iter().all(|&b| b == 0))
        .find(|&end| ends_archive(end))
        .unwrap_or(table)
}

/// The file offset of a PE32+ file's certificate table, if it has one.
fn certificate_offset(bytes: &[u8]) -> Option<usize> {
    if bytes.get(..2)? != b"MZ" {
        return None;
    }
    let pe = le32(bytes, 0x3c)? as usize;
    if bytes.get(pe..pe.checked_add(4)?)? != b"PE\0\0" {
        return None;
    }
    let optional = pe + 24;
    // PE32+ only (0x20b): data directories start 112 bytes into the
    // optional header; the security directory is the fifth.
    if le16(bytes, optional)? != 0x20b || le32(bytes, optional + 108)? < 5 {
        return None;
    }
    let directory = optional + 112 + 4 * 8;
    let (offset, size) = (le32(bytes, directory)?, le32(bytes, directory + 4)?);
    (offset != 0 && size != 0).then_some(offset as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{Data, Writer};
    use crate::manifest::{self, Layout, Native, NativeKind, PythonInfo, PythonOptions};
    use crate::zstd_frames;

    const LIBPYTHON: &str = ".pybundle/lib/libpython3.11.so.1.0";

    /// A stub followed by an archive of `entries` (name, content, whether
    /// compressed), plus any `extra` ones the manifest does not name, and
    /// its manifest.
    fn bundle(entries: &[(&str, &[u8], bool)], extra: &[&str]) -> Vec<u8> {
        let hashes = entries.iter().map(|(n, d, _)| (n.to_string(), blake3::hash(d).to_hex().to_string())).collect();
        let manifest = Manifest {
            format: manifest::FORMAT,
            python: PythonInfo { version: (3, 11, 2), libpython: LIBPYTHON.into() },
            entry: "__main__.pyc".into(),
            entry_source: None,
            layout: Layout::Onefile,
            glibc_floor: None,
            natives: vec![Native { name: LIBPYTHON.into(), kind: NativeKind::Library, needs: vec![] }],
            files: vec![],
            hashes,
            options: PythonOptions::default(),
        };
        let mut zip = Writer::new(b"\x7fELF stub".to_vec());
        for &(name, content, compressed) in entries {
            let frames: Vec<u8> = content.chunks(1000).flat_map(|part| zstd_frames::encode_frame(part, 3).unwrap()).collect();
            zip.add_file(name, content, if compressed { Data::Zstd(&frames) } else { Data::Stored }).unwrap();
        }
        for name in extra {
            zip.add_file(name, b"x", Data::Stored).unwrap();
        }
        zip.add_file(layout::MANIFEST, &manifest.to_json(), Data::Stored).unwrap();
        zip.finish().unwrap()
    }

    fn sample(extra: &[&str]) -> Vec<u8> {
        let text: &[u8] = &[b'a'; 3000];
        bundle(&[(LIBPYTHON, b"\x7fELF lib", false), ("__main__.pyc", text, true)], extra)
    }

    #[test]
    fn reads_what_the_writer_wrote() {
        let bytes = sample(&[]);
        let payload = Payload::open(&bytes).unwrap();
        assert_eq!(&*payload.entry(LIBPYTHON).unwrap(), b"\x7fELF lib");
        assert_eq!(&*payload.entry("__main__.pyc").unwrap(), &[b'a'; 3000][..]);
        assert_eq!(payload.entry_size("__main__.pyc"), Some(3000));
        let mut out = vec![0; 3000];
        payload.entry_into("__main__.pyc", &mut out).unwrap();
        assert!(out.iter().all(|&b| b == b'a'));
        assert!(payload.entry_into("__main__.pyc", &mut [0; 10]).is_err());
        // Standard zip readers agree.
        let mut archive = ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
        assert_eq!(archive.by_name_raw(b"__main__.pyc").unwrap().compression(), CompressionMethod::ZSTD);
    }

    fn refusal(bytes: &[u8]) -> String {
        Payload::open(bytes).err().expect("the payload should be refused")
    }

    #[test]
    fn refuses_trailing_bytes_unknown_entries_and_wrong_sizes() {
        let mut trailing = sample(&[]);
        trailing.push(0);
        assert!(refusal(&trailing).contains("does not end with a zip archive"));
        assert!(refusal(&sample(&["evil.pyc"])).contains("evil.pyc is not in the manifest"));
        assert!(refusal(&sample(&["../x"])).contains("relative path"));

        // The central directory says __main__.pyc decodes to 4 GiB.
        let mut claims = sample(&[]);
        let record = claims.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
        let record = claims[..record].windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
        claims[record + 24..record + 28].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        let payload = Payload::open(&claims).unwrap();
        assert!(payload.entry("__main__.pyc").unwrap_err().contains("stated size"));
    }

    #[test]
    fn a_damaged_compressed_entry_is_an_error() {
        let bytes = sample(&[]);
        let payload = Payload::open(&bytes).unwrap();
        let (located, _) = payload.find("__main__.pyc").unwrap();
        for at in located.data.clone() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x20;
            let payload = Payload::open(&damaged).unwrap();
            let error = payload.entry("__main__.pyc").unwrap_err();
            assert!(error.starts_with("entry __main__.pyc"), "{error}");
        }
    }

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
        // An archive ending at 0x2fd, then three bytes of alignment.
        let mut signed = pe_with_certificate(0x300, 0x400);
        signed[0x2fd - 22..0x2fd - 18].copy_from_slice(&0x0605_4b50u32.to_le_bytes());
        assert_eq!(payload_end(&signed), 0x2fd);
        assert_eq!(payload_end(&pe_with_certificate(0, 0x400)), 0x400);
        assert_eq!(payload_end(b"\x7fELF and more"), 13);
        assert_eq!(payload_end(b"MZ"), 2);
    }
}
