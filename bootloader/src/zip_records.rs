//! The zip records the stub reads itself, as untrusted bytes: the central
//! directory's entries (with their zip64 fields) and local file headers.
//! Only what a bundle uses is understood; the payload checks the rest.
//! Read here rather than with the `zip` crate, which the stub then no
//! longer carries (70 KB) for the few records it needs.

const CENTRAL: u32 = 0x0201_4b50;
const LOCAL: u32 = 0x0403_4b50;
const ZIP64_FIELD: u16 = 1;
const MAX32: u64 = 0xFFFF_FFFF;

/// One central directory entry, as the archive states it.
#[derive(Debug)]
pub struct Record<'a> {
    pub name: &'a [u8],
    pub method: u16,
    pub flags: u16,
    pub compressed: u64,
    pub size: u64,
    /// Where its local header is, from the archive's start.
    pub offset: u64,
}

/// The entries of a central directory that is exactly `directory`.
pub fn records(directory: &[u8]) -> Result<Vec<Record<'_>>, String> {
    let damaged = |what: &str| format!("the central directory is damaged ({what})");
    let mut records = Vec::with_capacity(directory.len() / 64);
    let mut at = 0;
    while at < directory.len() {
        if le32(directory, at) != Some(CENTRAL) {
            return Err(damaged("no entry where one should start"));
        }
        let field = |offset: usize| le16(directory, at + offset).map(usize::from).ok_or_else(|| damaged("an entry is cut off"));
        let (name_length, extra_length, comment_length) = (field(28)?, field(30)?, field(32)?);
        let name_start = at + 46;
        let extra_start = name_start + name_length;
        let end = extra_start + extra_length + comment_length;
        let name = directory.get(name_start..extra_start).ok_or_else(|| damaged("a name is cut off"))?;
        let extra = directory.get(extra_start..extra_start + extra_length).ok_or_else(|| damaged("an extra field is cut off"))?;
        if end > directory.len() {
            return Err(damaged("an entry is cut off"));
        }
        let word = |offset: usize| le32(directory, at + offset).map(u64::from).ok_or_else(|| damaged("an entry is cut off"));
        let mut record = Record {
            name,
            method: field(10)? as u16,
            flags: field(8)? as u16,
            compressed: word(20)?,
            size: word(24)?,
            offset: word(42)?,
        };
        apply_zip64(&mut record, extra).map_err(|what| damaged(what))?;
        records.push(record);
        at = end;
    }
    Ok(records)
}

/// Takes the 64-bit values of a zip64 field for the fields that say so
/// (all ones), in the order the format gives: size, compressed, offset.
fn apply_zip64(record: &mut Record<'_>, mut extra: &[u8]) -> Result<(), &'static str> {
    let large = [record.size, record.compressed, record.offset].iter().any(|&v| v == MAX32);
    if !large {
        return Ok(());
    }
    while extra.len() >= 4 {
        let (id, length) = (le16(extra, 0).unwrap_or(0), usize::from(le16(extra, 2).unwrap_or(0)));
        let body = extra.get(4..4 + length).ok_or("a zip64 field is cut off")?;
        if id == ZIP64_FIELD {
            let mut values = body.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")));
            for field in [&mut record.size, &mut record.compressed, &mut record.offset] {
                if *field == MAX32 {
                    *field = values.next().ok_or("a zip64 field lacks a value")?;
                }
            }
            return Ok(());
        }
        extra = &extra[4 + length..];
    }
    Err("an entry needs a zip64 field it lacks")
}

/// Checks the local header at `at` names `name`; returns where its data starts.
pub fn local_data_start(bytes: &[u8], at: usize, name: &[u8]) -> Result<usize, String> {
    if le32(bytes, at) != Some(LOCAL) {
        return Err("no local header where the central directory says".into());
    }
    let cut = || "the local header is cut off".to_string();
    let name_length = usize::from(le16(bytes, at + 26).ok_or_else(cut)?);
    let extra_length = usize::from(le16(bytes, at + 28).ok_or_else(cut)?);
    if bytes.get(at + 30..at + 30 + name_length) != Some(name) {
        return Err("the local header names another entry".into());
    }
    Ok(at + 30 + name_length + extra_length)
}

pub fn le16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

pub fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

pub fn le64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A central directory entry for `name` whose sizes and offset are in
    /// a zip64 field (`extra`: its values), or `None` for none.
    fn entry(name: &[u8], sizes: [u32; 3], extra: Option<&[u64]>) -> Vec<u8> {
        let extra: Vec<u8> = extra.map_or(Vec::new(), |values| {
            let mut field = vec![1, 0, (values.len() * 8) as u8, 0];
            values.iter().for_each(|v| field.extend(v.to_le_bytes()));
            field
        });
        let mut out = CENTRAL.to_le_bytes().to_vec();
        out.extend([0; 16]);
        out[10] = 93;
        out.extend(sizes[1].to_le_bytes());
        out.extend(sizes[0].to_le_bytes());
        out.extend((name.len() as u16).to_le_bytes());
        out.extend((extra.len() as u16).to_le_bytes());
        out.extend([0; 10]);
        out.extend(sizes[2].to_le_bytes());
        out.extend(name);
        out.extend(extra);
        out
    }

    #[test]
    fn reads_plain_and_zip64_entries() {
        let mut directory = entry(b"a.pyc", [10, 5, 0], None);
        directory.extend(entry(b"big.so", [u32::MAX, 7, u32::MAX], Some(&[5 << 32, 6 << 32])));
        let records = records(&directory).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!((records[0].name, records[0].method, records[0].size, records[0].compressed, records[0].offset), (&b"a.pyc"[..], 93, 10, 5, 0));
        assert_eq!((records[1].size, records[1].compressed, records[1].offset), (5 << 32, 7, 6 << 32));
    }

    #[test]
    fn refuses_cut_and_inconsistent_entries() {
        let whole = entry(b"a.pyc", [10, 5, 0], None);
        for cut in [1, 10, 46, whole.len() - 1] {
            assert!(records(&whole[..cut]).is_err(), "cut at {cut}");
        }
        assert!(records(&entry(b"big.so", [u32::MAX, 7, 0], None)).unwrap_err().contains("zip64"));
        assert!(records(&entry(b"big.so", [u32::MAX, 7, u32::MAX], Some(&[1]))).unwrap_err().contains("zip64"));
        let mut trailing = whole.clone();
        trailing.push(0);
        assert!(records(&trailing).is_err());
    }
}
