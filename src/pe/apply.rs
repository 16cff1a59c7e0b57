//! Writes resources into a PE executable and keeps it valid: the resource
//! section is rewritten in place, grown when it is the last section, or added
//! as a new last section; then the section table, SizeOfImage,
//! SizeOfInitializedData, the data directories, the subsystem and the
//! checksum are brought up to date.

use super::checksum::pe_checksum;
use super::headers::{align_up, put_u16, put_u32, section_name, u16_at, u32_at};
use super::headers::{Headers, Section, DIR_RESOURCE, DIR_SECURITY, SECTION_HEADER_SIZE};
use super::resources::Resources;
use super::rsrc::{self, Resource};
use anyhow::{ensure, Context, Result};

/// IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ.
const RSRC_CHARACTERISTICS: u32 = 0x4000_0040;

/// Returns `exe` with `resources` written in. Any resources it had are
/// replaced; an Authenticode signature is dropped (it would no longer match);
/// data after the image (COFF symbols, an overlay) is kept. The same input
/// always gives the same output.
pub fn apply_resources(exe: &[u8], resources: &Resources) -> Result<Vec<u8>> {
    let headers = Headers::parse(exe)?;
    let entries = resources.to_resources()?;
    let dir_at = headers.dir_offset(DIR_RESOURCE).context(
        "the executable has no resource data directory; link it with the standard 16 data directories",
    )?;
    let (cert_at, cert_size) = headers.dir(exe, DIR_SECURITY)?;
    let keep_end = if cert_size == 0 {
        exe.len()
    } else {
        ensure!(
            u64::from(cert_at) >= headers.raw_end() && cert_at as usize <= exe.len(),
            "malformed PE executable: its certificate table (byte {cert_at}) is not after the image; re-copy an unsigned stub"
        );
        cert_at as usize
    };

    let (mut out, header_offset) = write_section(exe, &headers, &entries, keep_end)?;

    let updated = Headers::parse(&out)?;
    let section = updated
        .sections
        .iter()
        .find(|s| s.header_offset == header_offset)
        .context("internal error: the resource section vanished; report this as a pybundle bug")?;
    put_u32(&mut out, dir_at, section.virtual_address);
    put_u32(&mut out, dir_at + 4, section.virtual_size);
    if cert_size != 0 {
        let at = headers.dir_offset(DIR_SECURITY).context(
            "internal error: the security directory vanished; report this as a pybundle bug",
        )?;
        put_u32(&mut out, at, 0);
        put_u32(&mut out, at + 4, 0);
    }
    let size_of_image = align_up(updated.image_end(), updated.section_alignment);
    put_u32(
        &mut out,
        updated.size_of_image_offset(),
        u32_size(size_of_image)?,
    );
    put_u16(
        &mut out,
        updated.subsystem_offset(),
        resources.subsystem.code(),
    );
    let checksum_at = updated.checksum_offset();
    let sum = pe_checksum(&out, checksum_at);
    put_u32(&mut out, checksum_at, sum);
    Ok(out)
}

/// Writes the resource section where it fits; returns the new file (up to
/// `keep_end` of the old one) and the offset of the section's header.
fn write_section(
    exe: &[u8],
    headers: &Headers,
    entries: &[Resource],
    keep_end: usize,
) -> Result<(Vec<u8>, usize)> {
    let size = rsrc::encode(entries, 0)?.len();
    let (rsrc_rva, _) = headers.dir(exe, DIR_RESOURCE)?;
    // Only a section of its own, named .rsrc and starting with the resource
    // directory, is reused; resources inside another section are left there
    // unused and a new section is added.
    let existing = headers.sections.iter().find(|s| {
        rsrc_rva != 0
            && s.virtual_address == rsrc_rva
            && section_name(exe, s.header_offset) == ".rsrc"
    });
    let last_in_memory = headers.sections.iter().map(|s| s.virtual_address).max();
    let slot = match existing {
        Some(old)
            if Some(old.virtual_address) == last_in_memory
                && old.raw_size > 0
                && old.raw_end() == headers.raw_end() =>
        {
            Slot {
                header_offset: old.header_offset,
                virtual_address: old.virtual_address,
                raw_ptr: old.raw_ptr as usize,
                old_raw_size: old.raw_size,
                is_new: false,
            }
        }
        Some(old) if size <= old.raw_size as usize => {
            let out = rewrite_in_place(&exe[..keep_end], old, entries)?;
            return Ok((out, old.header_offset));
        }
        _ => new_slot(exe, headers)?,
    };
    Ok((
        relocate(exe, headers, entries, &slot, keep_end)?,
        slot.header_offset,
    ))
}

/// Where the resource section goes when its data moves to the end of the
/// image.
struct Slot {
    header_offset: usize,
    virtual_address: u32,
    raw_ptr: usize,
    /// Raw size of the section being replaced (0 for a new one).
    old_raw_size: u32,
    is_new: bool,
}

/// A new section header after the last one, placed after the image in
/// memory and in the file.
fn new_slot(exe: &[u8], headers: &Headers) -> Result<Slot> {
    let count = headers.sections.len();
    let header_offset = headers.section_table_offset + count * SECTION_HEADER_SIZE;
    let end = header_offset + SECTION_HEADER_SIZE;
    let first_raw = headers
        .sections
        .iter()
        .filter(|s| s.raw_size > 0)
        .map(|s| s.raw_ptr as usize)
        .min();
    let free = end <= headers.size_of_headers as usize
        && first_raw.is_none_or(|first| end <= first)
        && exe
            .get(header_offset..end)
            .is_some_and(|b| b.iter().all(|&x| x == 0));
    ensure!(
        free && count < usize::from(u16::MAX),
        "no room for another section header in the executable; link the stub with a .rsrc section of its own"
    );
    Ok(Slot {
        header_offset,
        virtual_address: u32_size(align_up(headers.image_end(), headers.section_alignment))?,
        raw_ptr: file_offset(align_up(headers.raw_end(), headers.file_alignment))?,
        old_raw_size: 0,
        is_new: true,
    })
}

/// Writes the resources at the slot, after which everything that followed
/// the image (up to `keep_end`) comes back, moved.
fn relocate(
    exe: &[u8],
    headers: &Headers,
    entries: &[Resource],
    slot: &Slot,
    keep_end: usize,
) -> Result<Vec<u8>> {
    let raw_end = file_offset(headers.raw_end())?;
    let data = rsrc::encode(entries, slot.virtual_address)?;
    let raw_size = u32_size(align_up(data.len() as u64, headers.file_alignment))?;
    let mut out = exe[..slot.raw_ptr.min(raw_end)].to_vec();
    out.resize(slot.raw_ptr, 0);
    out.extend_from_slice(&data);
    out.resize(slot.raw_ptr + raw_size as usize, 0);
    let new_raw_end = out.len();
    out.extend_from_slice(&exe[raw_end..keep_end]);

    let at = slot.header_offset;
    out[at..at + 8].copy_from_slice(b".rsrc\0\0\0");
    put_u32(&mut out, at + 8, u32_size(data.len() as u64)?);
    put_u32(&mut out, at + 12, slot.virtual_address);
    put_u32(&mut out, at + 16, raw_size);
    put_u32(&mut out, at + 20, u32_size(slot.raw_ptr as u64)?);
    out[at + 24..at + 36].fill(0); // relocations, line numbers and their counts
    put_u32(&mut out, at + 36, RSRC_CHARACTERISTICS);
    if slot.is_new {
        let count_at = headers.section_count_offset();
        let count = u16_at(&out, count_at)? + 1;
        put_u16(&mut out, count_at, count);
    }
    let symbols = headers.symbol_table_ptr as usize;
    if symbols != 0 && symbols >= raw_end {
        let moved = u32_size((symbols - raw_end + new_raw_end) as u64)?;
        put_u32(&mut out, headers.symbol_table_ptr_offset(), moved);
    }
    let init_at = headers.size_of_initialized_data_offset();
    let init =
        i64::from(u32_at(&out, init_at)?) + i64::from(raw_size) - i64::from(slot.old_raw_size);
    put_u32(&mut out, init_at, init.clamp(0, i64::from(u32::MAX)) as u32);
    Ok(out)
}

/// Overwrites a resource section that is big enough for the new resources,
/// without moving anything.
fn rewrite_in_place(exe: &[u8], section: &Section, entries: &[Resource]) -> Result<Vec<u8>> {
    let data = rsrc::encode(entries, section.virtual_address)?;
    let mut out = exe.to_vec();
    let start = section.raw_ptr as usize;
    let area = out
        .get_mut(start..start + section.raw_size as usize)
        .with_context(|| {
            format!(
                "truncated PE executable: section {} lies past its end; rebuild or re-copy it",
                section_name(exe, section.header_offset)
            )
        })?;
    area.fill(0);
    area[..data.len()].copy_from_slice(&data);
    put_u32(
        &mut out,
        section.header_offset + 8,
        u32_size(data.len() as u64)?,
    );
    Ok(out)
}

fn u32_size(n: u64) -> Result<u32> {
    u32::try_from(n).ok().context(
        "the executable would exceed 4 GiB, the PE format's limit; use a smaller stub or icon",
    )
}

fn file_offset(n: u64) -> Result<usize> {
    usize::try_from(n)
        .ok()
        .context("the executable is too large for this platform's memory; build on a 64-bit host")
}
