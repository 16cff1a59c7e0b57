//! The PE headers that resource writing and payload finding touch: where each
//! field lives in the file, read with bounds checks (PE/COFF specification).

use anyhow::{bail, ensure, Context, Result};

/// Data directory indexes.
pub(super) const DIR_RESOURCE: usize = 2;
pub(super) const DIR_SECURITY: usize = 4;

/// Size of one section header and of one COFF symbol.
pub(super) const SECTION_HEADER_SIZE: usize = 40;
const SYMBOL_SIZE: u64 = 18;

/// One section header and where it sits in the file.
#[derive(Debug, Clone)]
pub(super) struct Section {
    /// File offset of this 40-byte header.
    pub header_offset: usize,
    pub virtual_size: u32,
    pub virtual_address: u32,
    pub raw_size: u32,
    pub raw_ptr: u32,
}

impl Section {
    /// End of the section in memory, before rounding to the section alignment.
    pub fn virtual_end(&self) -> u64 {
        let size = if self.virtual_size == 0 {
            self.raw_size
        } else {
            self.virtual_size
        };
        u64::from(self.virtual_address) + u64::from(size)
    }

    /// End of the section's raw data in the file.
    pub fn raw_end(&self) -> u64 {
        u64::from(self.raw_ptr) + u64::from(self.raw_size)
    }
}

/// The parsed headers of a PE image.
#[derive(Debug)]
pub(super) struct Headers {
    /// File offset of the COFF file header (just after "PE\0\0").
    coff_offset: usize,
    /// File offset of the optional header.
    opt_offset: usize,
    dirs_offset: usize,
    dir_count: usize,
    pub section_table_offset: usize,
    pub section_alignment: u32,
    pub file_alignment: u32,
    pub size_of_headers: u32,
    pub symbol_table_ptr: u32,
    pub symbol_count: u32,
    pub sections: Vec<Section>,
}

pub(super) fn u16_at(data: &[u8], offset: usize) -> Result<u16> {
    let bytes = data
        .get(offset..offset.saturating_add(2))
        .with_context(|| {
            format!(
                "truncated PE executable: it ends before byte {}; rebuild or re-copy it",
                offset + 2
            )
        })?;
    Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
}

pub(super) fn u32_at(data: &[u8], offset: usize) -> Result<u32> {
    let bytes = data
        .get(offset..offset.saturating_add(4))
        .with_context(|| {
            format!(
                "truncated PE executable: it ends before byte {}; rebuild or re-copy it",
                offset + 4
            )
        })?;
    Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// Writes at an offset the parser has already bounds-checked.
pub(super) fn put_u16(data: &mut [u8], offset: usize, value: u16) {
    data[offset..offset + 2].copy_from_slice(&value.to_le_bytes());
}

pub(super) fn put_u32(data: &mut [u8], offset: usize, value: u32) {
    data[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
}

pub(super) fn align_up(value: u64, alignment: u32) -> u64 {
    let a = u64::from(alignment.max(1));
    value.div_ceil(a) * a
}

impl Headers {
    pub fn parse(exe: &[u8]) -> Result<Headers> {
        ensure!(
            exe.len() >= 64 && exe.starts_with(b"MZ"),
            "not a Windows executable (no MZ header); give a PE .exe built for Windows"
        );
        let pe_offset = u32_at(exe, 0x3c)? as usize;
        ensure!(
            exe.get(pe_offset..pe_offset.saturating_add(4)) == Some(b"PE\0\0"),
            "not a PE executable (MZ header without a PE signature); give a .exe built for 32- or 64-bit Windows"
        );
        let coff_offset = pe_offset + 4;
        let section_count = usize::from(u16_at(exe, coff_offset + 2)?);
        let symbol_table_ptr = u32_at(exe, coff_offset + 8)?;
        let symbol_count = u32_at(exe, coff_offset + 12)?;
        let opt_size = usize::from(u16_at(exe, coff_offset + 16)?);
        let opt_offset = coff_offset + 20;
        let (dirs_offset, count_offset) = match u16_at(exe, opt_offset)? {
            0x10b => (opt_offset + 96, opt_offset + 92),
            0x20b => (opt_offset + 112, opt_offset + 108),
            magic => bail!("unsupported PE optional header (magic {magic:#x}); give a PE32 or PE32+ executable"),
        };
        ensure!(
            opt_size >= dirs_offset - opt_offset,
            "malformed PE executable: optional header of {opt_size} bytes is too short; rebuild the executable"
        );
        ensure!(
            opt_offset + opt_size <= exe.len(),
            "truncated PE executable: its optional header ends past the end of the file ({} bytes); rebuild or re-copy it",
            exe.len()
        );
        let dir_count = (u32_at(exe, count_offset)? as usize).min(16);
        ensure!(
            dirs_offset + 8 * dir_count <= opt_offset + opt_size,
            "malformed PE executable: data directories overrun the optional header; rebuild the executable"
        );
        let section_alignment = u32_at(exe, opt_offset + 32)?;
        let file_alignment = u32_at(exe, opt_offset + 36)?;
        ensure!(
            section_alignment.is_power_of_two() && file_alignment.is_power_of_two(),
            "malformed PE executable: section alignment {section_alignment:#x} or file alignment {file_alignment:#x} is not a power of two; rebuild the executable"
        );
        let size_of_headers = u32_at(exe, opt_offset + 60)?;
        let section_table_offset = opt_offset + opt_size;
        let mut sections = Vec::with_capacity(section_count);
        for i in 0..section_count {
            let at = section_table_offset + i * SECTION_HEADER_SIZE;
            ensure!(
                at + SECTION_HEADER_SIZE <= exe.len(),
                "truncated PE executable: its section table ends past the end of the file ({} bytes); rebuild or re-copy it",
                exe.len()
            );
            let section = Section {
                header_offset: at,
                virtual_size: u32_at(exe, at + 8)?,
                virtual_address: u32_at(exe, at + 12)?,
                raw_size: u32_at(exe, at + 16)?,
                raw_ptr: u32_at(exe, at + 20)?,
            };
            ensure!(
                section.raw_size == 0 || section.raw_end() <= exe.len() as u64,
                "truncated PE executable: section {} ends at byte {} but the file has {} bytes; rebuild or re-copy it",
                section_name(exe, at),
                section.raw_end(),
                exe.len()
            );
            sections.push(section);
        }
        let headers = Headers {
            coff_offset,
            opt_offset,
            dirs_offset,
            dir_count,
            section_table_offset,
            section_alignment,
            file_alignment,
            size_of_headers,
            symbol_table_ptr,
            symbol_count,
            sections,
        };
        ensure!(
            u64::from(size_of_headers) <= exe.len() as u64,
            "truncated PE executable: its headers take {size_of_headers} bytes but the file has {}; rebuild or re-copy it",
            exe.len()
        );
        Ok(headers)
    }

    pub fn section_count_offset(&self) -> usize {
        self.coff_offset + 2
    }

    pub fn symbol_table_ptr_offset(&self) -> usize {
        self.coff_offset + 8
    }

    pub fn size_of_initialized_data_offset(&self) -> usize {
        self.opt_offset + 8
    }

    pub fn size_of_image_offset(&self) -> usize {
        self.opt_offset + 56
    }

    pub fn checksum_offset(&self) -> usize {
        self.opt_offset + 64
    }

    pub fn subsystem_offset(&self) -> usize {
        self.opt_offset + 68
    }

    /// File offset of data directory `index`, if the header has that many.
    pub fn dir_offset(&self, index: usize) -> Option<usize> {
        (index < self.dir_count).then(|| self.dirs_offset + 8 * index)
    }

    /// Data directory `index` as (RVA or file offset, size); (0, 0) if absent.
    pub fn dir(&self, exe: &[u8], index: usize) -> Result<(u32, u32)> {
        match self.dir_offset(index) {
            Some(at) => Ok((u32_at(exe, at)?, u32_at(exe, at + 4)?)),
            None => Ok((0, 0)),
        }
    }

    /// End of the image in memory (before rounding to the section alignment).
    pub fn image_end(&self) -> u64 {
        self.sections
            .iter()
            .map(Section::virtual_end)
            .fold(u64::from(self.size_of_headers), u64::max)
    }

    /// End of the image in the file: the end of the last section's raw data,
    /// or of the headers when no section has any.
    pub fn raw_end(&self) -> u64 {
        self.sections
            .iter()
            .filter(|s| s.raw_size > 0)
            .map(Section::raw_end)
            .fold(u64::from(self.size_of_headers), u64::max)
    }

    /// End of the COFF symbol and string tables, when they sit after the
    /// image (unstripped mingw builds put them there).
    pub fn symbols_end(&self, exe: &[u8]) -> Result<Option<u64>> {
        let start = u64::from(self.symbol_table_ptr);
        if start == 0 || start < self.raw_end() {
            return Ok(None);
        }
        let strings = start + SYMBOL_SIZE * u64::from(self.symbol_count);
        let strings_size = usize::try_from(strings).ok().and_then(|at| u32_at(exe, at).ok()).with_context(|| {
            format!(
                "truncated PE executable: its COFF symbol table ends past the end of the file ({} bytes); rebuild or re-copy it",
                exe.len()
            )
        })?;
        let end = strings + u64::from(strings_size.max(4));
        ensure!(
            end <= exe.len() as u64,
            "truncated PE executable: its COFF string table ends at byte {end} but the file has {} bytes; rebuild or re-copy it",
            exe.len()
        );
        Ok(Some(end))
    }
}

/// A section's name for messages (its 8-byte field, `/N` for long names).
pub(super) fn section_name(exe: &[u8], header_offset: usize) -> String {
    let raw = exe
        .get(header_offset..header_offset + 8)
        .unwrap_or_default();
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    String::from_utf8_lossy(&raw[..end]).into_owned()
}
