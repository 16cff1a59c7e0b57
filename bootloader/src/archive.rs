//! Writing the payload archive: a zip file whose entries are stored or
//! zstd frames (method 93, see [`crate::zstd_frames`]), with fixed times
//! and modes so that the same entries always make the same bytes. Zip64
//! records are written only where a size, an offset or the number of
//! entries needs them. Offsets count from the start of the archive, which
//! follows the stub.
//!
//! Written here rather than with the `zip` crate: the crate, pinned with
//! deflate only, has no way to add an entry whose content is already
//! compressed zstd frames (our own, cut at 2 MiB for parallel decoding)
//! as method 93; its zstd feature would compress again, whole.

use std::io::{self, Write};

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
const END64: u32 = 0x0606_4b50;
const LOCATOR64: u32 = 0x0706_4b50;
/// The DOS date of 1980-01-01, the earliest a zip entry can have.
const DOS_DATE: u16 = (1 << 5) | 1;
/// Made by Unix (3), zip specification 6.3.
const MADE_BY: u16 = (3 << 8) | 63;
const UTF8_NAME: u16 = 1 << 11;
const NEEDS_ZIP64: u16 = 45;
const MAX32: u64 = 0xFFFF_FFFF;

/// How an entry's content is stored.
pub enum Data<'a> {
    Stored,
    /// The content as zstd frames.
    Zstd(&'a [u8]),
}

/// A zip archive being written to `out`.
pub struct Writer<W: Write> {
    out: W,
    offset: u64,
    records: Vec<Record>,
}

/// What the central directory says of one entry.
struct Record {
    name: Vec<u8>,
    method: u16,
    crc: u32,
    size: u64,
    compressed: u64,
    offset: u64,
    mode: u32,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W) -> Writer<W> {
        Writer { out, offset: 0, records: Vec::new() }
    }

    /// Adds a file entry (mode 0644) with `content`, stored as `data` says.
    pub fn add_file(&mut self, name: &str, content: &[u8], data: Data<'_>) -> io::Result<()> {
        let (method, bytes) = match data {
            Data::Stored => (0, content),
            Data::Zstd(frames) => (crate::zstd_frames::METHOD, frames),
        };
        let record = Record {
            name: name.as_bytes().to_vec(),
            method,
            crc: crc32fast::hash(content),
            size: content.len() as u64,
            compressed: bytes.len() as u64,
            offset: self.offset,
            mode: 0o100_644,
        };
        self.write_local(&record)?;
        self.write(bytes)?;
        self.records.push(record);
        Ok(())
    }

    /// Adds a directory entry; `name` ends with `/`.
    pub fn add_directory(&mut self, name: &str) -> io::Result<()> {
        let record = Record { name: name.as_bytes().to_vec(), method: 0, crc: 0, size: 0, compressed: 0, offset: self.offset, mode: 0o40_755 };
        self.write_local(&record)?;
        self.records.push(record);
        Ok(())
    }

    /// Writes the central directory and end records; returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        let start = self.offset;
        let records = std::mem::take(&mut self.records);
        for record in &records {
            self.write_central(record)?;
        }
        let size = self.offset - start;
        let count = records.len() as u64;
        let zip64 = count >= 0xFFFF || size >= MAX32 || start >= MAX32;
        let mut end = Vec::with_capacity(98);
        if zip64 {
            let record_at = self.offset;
            end.extend(END64.to_le_bytes());
            end.extend(44u64.to_le_bytes());
            end.extend(MADE_BY.to_le_bytes());
            end.extend(NEEDS_ZIP64.to_le_bytes());
            end.extend([0; 8]);
            end.extend(count.to_le_bytes());
            end.extend(count.to_le_bytes());
            end.extend(size.to_le_bytes());
            end.extend(start.to_le_bytes());
            end.extend(LOCATOR64.to_le_bytes());
            end.extend(0u32.to_le_bytes());
            end.extend(record_at.to_le_bytes());
            end.extend(1u32.to_le_bytes());
        }
        let count16 = if zip64 { 0xFFFF } else { count as u16 };
        end.extend(END.to_le_bytes());
        end.extend([0; 4]);
        end.extend(count16.to_le_bytes());
        end.extend(count16.to_le_bytes());
        end.extend(clamp32(size, zip64).to_le_bytes());
        end.extend(clamp32(start, zip64).to_le_bytes());
        end.extend(0u16.to_le_bytes());
        self.write(&end)?;
        Ok(self.out)
    }

    fn write_central(&mut self, record: &Record) -> io::Result<()> {
        // Only the fields that do not fit go into the zip64 field, in this order.
        let large: Vec<u64> = [record.size, record.compressed, record.offset].into_iter().filter(|&v| v >= MAX32).collect();
        let extra = if large.is_empty() { Vec::new() } else { zip64_extra(&large) };
        let mut header = Vec::with_capacity(46 + record.name.len() + extra.len());
        header.extend(CENTRAL.to_le_bytes());
        header.extend(MADE_BY.to_le_bytes());
        header.extend(version_needed(record, !large.is_empty()).to_le_bytes());
        header.extend(flags(&record.name).to_le_bytes());
        header.extend(record.method.to_le_bytes());
        header.extend(0u16.to_le_bytes());
        header.extend(DOS_DATE.to_le_bytes());
        header.extend(record.crc.to_le_bytes());
        header.extend(clamp32(record.compressed, record.compressed >= MAX32).to_le_bytes());
        header.extend(clamp32(record.size, record.size >= MAX32).to_le_bytes());
        header.extend((record.name.len() as u16).to_le_bytes());
        header.extend((extra.len() as u16).to_le_bytes());
        // No comment, disk 0, no internal attributes.
        header.extend([0; 6]);
        let directory_bit = if record.mode & 0o40_000 != 0 { 0x10 } else { 0 };
        header.extend(((record.mode << 16) | directory_bit).to_le_bytes());
        header.extend(clamp32(record.offset, record.offset >= MAX32).to_le_bytes());
        header.extend(&record.name);
        header.extend(extra);
        self.write(&header)
    }

    fn write_local(&mut self, record: &Record) -> io::Result<()> {
        let large = record.size >= MAX32 || record.compressed >= MAX32;
        let mut header = Vec::with_capacity(30 + record.name.len() + 20);
        header.extend(LOCAL.to_le_bytes());
        header.extend(version_needed(record, large).to_le_bytes());
        header.extend(flags(&record.name).to_le_bytes());
        header.extend(record.method.to_le_bytes());
        header.extend(0u16.to_le_bytes());
        header.extend(DOS_DATE.to_le_bytes());
        header.extend(record.crc.to_le_bytes());
        let extra = if large { zip64_extra(&[record.size, record.compressed]) } else { Vec::new() };
        header.extend(clamp32(record.compressed, large).to_le_bytes());
        header.extend(clamp32(record.size, large).to_le_bytes());
        header.extend((record.name.len() as u16).to_le_bytes());
        header.extend((extra.len() as u16).to_le_bytes());
        header.extend(&record.name);
        header.extend(extra);
        self.write(&header)
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        Ok(())
    }
}

fn version_needed(record: &Record, zip64: bool) -> u16 {
    match (zip64, record.method) {
        (_, crate::zstd_frames::METHOD) => 63,
        (true, _) => NEEDS_ZIP64,
        _ => 20,
    }
}

fn flags(name: &[u8]) -> u16 {
    if name.is_ascii() { 0 } else { UTF8_NAME }
}

/// `value` as a 32-bit field: all ones when a zip64 field holds it.
fn clamp32(value: u64, zip64: bool) -> u32 {
    if zip64 { MAX32 as u32 } else { value as u32 }
}

/// A zip64 extended information field holding `values`.
fn zip64_extra(values: &[u64]) -> Vec<u8> {
    let mut extra = Vec::with_capacity(4 + 8 * values.len());
    extra.extend(1u16.to_le_bytes());
    extra.extend((8 * values.len() as u16).to_le_bytes());
    for value in values {
        extra.extend(value.to_le_bytes());
    }
    extra
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Read};

    #[test]
    fn zip_readers_read_it_with_a_stub_before() {
        let mut zip = Writer::new(b"stub".to_vec());
        let content = vec![7u8; 5000];
        let frames = crate::zstd_frames::encode_frame(&content, 3).unwrap();
        zip.add_directory("pkg/").unwrap();
        zip.add_file("pkg/a.pyc", b"stored", Data::Stored).unwrap();
        zip.add_file("pkg/\u{e9}.bin", &content, Data::Zstd(&frames)).unwrap();
        let bytes = zip.finish().unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 3);
        let mut text = String::new();
        archive.by_name("pkg/a.pyc").unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "stored");
        {
            let file = archive.by_name_raw("pkg/\u{e9}.bin".as_bytes()).unwrap();
            assert_eq!((file.size(), file.compressed_size(), file.crc32()), (5000, frames.len() as u64, crc32fast::hash(&content)));
            assert_eq!(file.unix_mode(), Some(0o100_644));
        }
        assert!(archive.by_name("pkg/").unwrap().is_dir());
    }

    #[test]
    fn more_entries_than_a_16_bit_count_take_zip64_records() {
        let mut zip = Writer::new(Vec::new());
        for i in 0..0x1_0001 {
            zip.add_directory(&format!("{i}/")).unwrap();
        }
        let archive = zip::ZipArchive::new(Cursor::new(zip.finish().unwrap())).unwrap();
        assert_eq!(archive.len(), 0x1_0001);
    }
}
