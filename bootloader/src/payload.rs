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
use crate::zip_records::{self, le16, le32, le64, Record};
use crate::zstd_frames;
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

/// The payload of a bundle, checked.
pub struct Payload<'a> {
    bytes: &'a [u8],
    entries: HashMap<&'a str, Located>,
    manifest: Manifest,
}

/// Where the archive and its central directory are in the payload.
struct Directory {
    archive_start: usize,
    start: usize,
    end: usize,
}

/// Where an entry is and how it is stored.
#[derive(Clone)]
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
        let records = zip_records::records(&bytes[directory.start..directory.end])?;
        let entries = check_entries(&records, bytes, &directory)?;
        let manifest = entries.get(layout::MANIFEST).ok_or("the manifest is missing")?;
        if !manifest.stored {
            return Err("the manifest is compressed".into());
        }
        let manifest = Manifest::from_json(&bytes[manifest.data.clone()])?;
        check_names(&entries, &manifest)?;
        Ok(Payload { bytes, entries, manifest })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The content size of entry `name`, as the archive states it.
    pub fn entry_size(&self, name: &str) -> Option<u64> {
        self.entries.get(name).map(|e| e.size)
    }

    /// The content of entry `name` (in place if stored, else decoded),
    /// checked against the manifest's hash.
    pub fn entry(&self, name: &str) -> Result<Cow<'a, [u8]>, String> {
        let (located, expected) = self.find(name)?;
        if located.stored {
            let data = &self.bytes[located.data.clone()];
            check_hash(name, blake3::hash(data), expected)?;
            return Ok(Cow::Borrowed(data));
        }
        let (data, hash) = zstd_frames::decode_to_vec(&self.bytes[located.data.clone()], located.size).map_err(|e| format!("entry {name}: {e}"))?;
        check_hash(name, hash, expected)?;
        Ok(Cow::Owned(data))
    }

    /// Writes the content of entry `name` into `out`, which must be as long
    /// as [`Payload::entry_size`] says, and checks it against the
    /// manifest's hash: a compressed entry is decoded straight into `out`.
    pub fn entry_into(&self, name: &str, out: &mut [u8]) -> Result<(), String> {
        let (located, expected) = self.find(name)?;
        if out.len() as u64 != located.size {
            return Err(format!("entry {name} does not fit where it is to go"));
        }
        let hash = if located.stored {
            out.copy_from_slice(&self.bytes[located.data.clone()]);
            blake3::hash(out)
        } else {
            zstd_frames::decode(&self.bytes[located.data.clone()], out).map_err(|e| format!("entry {name}: {e}"))?
        };
        check_hash(name, hash, expected)
    }

    /// The bytes entry `name` takes in the archive (compressed or not).
    pub fn entry_data(&self, name: &str) -> Option<&'a [u8]> {
        self.entries.get(name).map(|e| &self.bytes[e.data.clone()])
    }

    /// Where entry `name` is, and its hash in the manifest.
    fn find(&self, name: &str) -> Result<(&Located, &str), String> {
        let expected = self.manifest.hashes.get(name).ok_or_else(|| format!("entry {name} has no hash in the manifest"))?;
        let located = self.entries.get(name).ok_or_else(|| format!("entry {name} is missing"))?;
        Ok((located, expected))
    }
}

fn check_hash(name: &str, hash: blake3::Hash, expected: &str) -> Result<(), String> {
    if hash.to_hex().as_str() != expected {
        return Err(format!("entry {name} fails its hash check"));
    }
    Ok(())
}

/// Each entry: a UTF-8 name no other entry has, a method the stub can
/// read, its local header inside the archive and naming the same entry,
/// its data before the central directory, no two entries sharing a byte.
fn check_entries<'a>(records: &[Record<'a>], bytes: &[u8], directory: &Directory) -> Result<HashMap<&'a str, Located>, String> {
    let mut entries = HashMap::with_capacity(records.len());
    let mut spans = Vec::with_capacity(records.len());
    for record in records {
        let name = std::str::from_utf8(record.name).map_err(|_| "an entry's name is not UTF-8".to_string())?;
        let stored = record.method == 0;
        if !(stored || record.method == zstd_frames::METHOD) || record.flags & 1 != 0 {
            return Err(format!("entry {name} uses a storage method a bundle never does"));
        }
        if stored && record.size != record.compressed {
            return Err(format!("entry {name} is stored with two different sizes"));
        }
        let header = usize::try_from(record.offset).ok().and_then(|offset| directory.archive_start.checked_add(offset));
        let header = header.filter(|&h| h < directory.start).ok_or_else(|| format!("entry {name} starts outside the archive"))?;
        let data_start = zip_records::local_data_start(bytes, header, record.name).map_err(|e| format!("entry {name}: {e}"))?;
        let data_end = usize::try_from(record.compressed).ok().and_then(|size| data_start.checked_add(size));
        let data_end = data_end.filter(|&end| end <= directory.start).ok_or_else(|| format!("entry {name} runs past the start of the central directory"))?;
        spans.push((header, data_end));
        if entries.insert(name, Located { data: data_start..data_end, stored, size: record.size }).is_some() {
            return Err("two entries have the same name".into());
        }
    }
    spans.sort_unstable();
    if spans.windows(2).any(|pair| pair[0].1 > pair[1].0) {
        return Err("two entries share bytes of the archive".into());
    }
    Ok(entries)
}

/// Every entry is the manifest or has a hash in it; names are relative.
fn check_names(entries: &HashMap<&str, Located>, manifest: &Manifest) -> Result<(), String> {
    let mut names: Vec<&str> = entries.keys().copied().collect();
    // The same entry is named in every refusal, whatever the hash order.
    names.sort_unstable();
    for name in names {
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
            cache_natives: false,
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
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap();
        assert_eq!(archive.by_name_raw(b"__main__.pyc").unwrap().compression(), zip::CompressionMethod::ZSTD);
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
        let data = payload.find("__main__.pyc").unwrap().0.data.clone();
        for at in data {
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
