//! Encodes the contents of a `.rsrc` section: the three-level resource
//! directory tree (type, then ID, then language), its data entries, and the
//! resource bytes. IDs only (no named entries); no time stamps, so the output
//! depends on its input alone.

use anyhow::{Context, Result};
use std::collections::BTreeMap;

/// Resource type IDs (winuser.h).
pub(super) const RT_ICON: u16 = 3;
pub(super) const RT_GROUP_ICON: u16 = 14;
pub(super) const RT_VERSION: u16 = 16;
pub(super) const RT_MANIFEST: u16 = 24;

/// English (United States), the language every resource here is tagged with.
pub(super) const LANG_EN_US: u16 = 0x0409;

const DIR_HEADER: usize = 16;
const DIR_ENTRY: usize = 8;
const DATA_ENTRY: usize = 16;
const SUBDIR: u32 = 0x8000_0000;

/// One resource.
#[derive(Debug)]
pub(super) struct Resource {
    pub kind: u16,
    pub id: u16,
    pub lang: u16,
    pub data: Vec<u8>,
}

type Tree<'a> = BTreeMap<u16, BTreeMap<u16, BTreeMap<u16, &'a [u8]>>>;

/// The section contents for `resources` when the section is loaded at
/// `section_rva` (data entries hold RVAs). A later duplicate of (type, ID,
/// language) replaces an earlier one.
pub(super) fn encode(resources: &[Resource], section_rva: u32) -> Result<Vec<u8>> {
    let mut tree: Tree = BTreeMap::new();
    for r in resources {
        tree.entry(r.kind)
            .or_default()
            .entry(r.id)
            .or_default()
            .insert(r.lang, &r.data);
    }
    let ids: usize = tree.values().map(BTreeMap::len).sum();
    let leaves: usize = tree
        .values()
        .flat_map(BTreeMap::values)
        .map(BTreeMap::len)
        .sum();
    let type_dirs_at = dir_size(tree.len());
    let id_dirs_at = type_dirs_at + tree.len() * DIR_HEADER + ids * DIR_ENTRY;
    let data_entries_at = id_dirs_at + ids * DIR_HEADER + leaves * DIR_ENTRY;
    let data_at = align8(data_entries_at + leaves * DATA_ENTRY);

    let mut out = Vec::new();
    let mut next_dir = type_dirs_at;
    write_dir_header(&mut out, tree.len());
    for (&kind, by_id) in &tree {
        write_entry(&mut out, kind, SUBDIR | offset(next_dir)?);
        next_dir += dir_size(by_id.len());
    }
    for by_id in tree.values() {
        write_dir_header(&mut out, by_id.len());
        for (&id, by_lang) in by_id {
            write_entry(&mut out, id, SUBDIR | offset(next_dir)?);
            next_dir += dir_size(by_lang.len());
        }
    }
    let mut next_leaf = data_entries_at;
    for by_lang in tree.values().flat_map(BTreeMap::values) {
        write_dir_header(&mut out, by_lang.len());
        for &lang in by_lang.keys() {
            write_entry(&mut out, lang, offset(next_leaf)?);
            next_leaf += DATA_ENTRY;
        }
    }
    let blobs: Vec<&[u8]> = tree
        .values()
        .flat_map(BTreeMap::values)
        .flat_map(|l| l.values().copied())
        .collect();
    let mut next_data = data_at;
    for blob in &blobs {
        let rva = section_rva
            .checked_add(offset(next_data)?)
            .context(too_big())?;
        out.extend_from_slice(&rva.to_le_bytes());
        out.extend_from_slice(&offset(blob.len())?.to_le_bytes());
        out.extend_from_slice(&[0; 8]); // code page, reserved
        next_data = align8(next_data + blob.len());
    }
    for blob in &blobs {
        out.resize(align8(out.len()), 0);
        out.extend_from_slice(blob);
    }
    Ok(out)
}

fn dir_size(entries: usize) -> usize {
    DIR_HEADER + entries * DIR_ENTRY
}

fn align8(n: usize) -> usize {
    n.div_ceil(8) * 8
}

fn offset(n: usize) -> Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|&v| v < SUBDIR)
        .context(too_big())
}

fn too_big() -> &'static str {
    "resources too large for a PE resource section (over 2 GiB); use a smaller icon or manifest"
}

fn write_dir_header(out: &mut Vec<u8>, id_entries: usize) {
    // Characteristics, TimeDateStamp, MajorVersion, MinorVersion: all zero.
    out.extend_from_slice(&[0; 12]);
    out.extend_from_slice(&0u16.to_le_bytes()); // named entries
    out.extend_from_slice(&(id_entries as u16).to_le_bytes());
}

fn write_entry(out: &mut Vec<u8>, id: u16, target: u32) {
    out.extend_from_slice(&u32::from(id).to_le_bytes());
    out.extend_from_slice(&target.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }

    /// Follows type -> id -> language from the root like a loader does.
    fn lookup(section: &[u8], rva: u32, path: [u16; 3]) -> &[u8] {
        let mut dir = 0usize;
        for (level, want) in path.into_iter().enumerate() {
            let count = u16::from_le_bytes([section[dir + 14], section[dir + 15]]) as usize;
            let entry = (0..count)
                .map(|i| dir + DIR_HEADER + i * DIR_ENTRY)
                .find(|&e| u32_at(section, e) == u32::from(want))
                .expect("entry present");
            let target = u32_at(section, entry + 4);
            assert_eq!(target & SUBDIR != 0, level < 2);
            dir = (target & !SUBDIR) as usize;
        }
        let (data_rva, size) = (u32_at(section, dir), u32_at(section, dir + 4) as usize);
        let at = (data_rva - rva) as usize;
        assert_eq!(at % 8, 0);
        &section[at..at + size]
    }

    #[test]
    fn encode_builds_a_tree_a_loader_can_walk() {
        let rva = 0x5000;
        let resources = vec![
            Resource {
                kind: RT_MANIFEST,
                id: 1,
                lang: LANG_EN_US,
                data: b"<assembly/>".to_vec(),
            },
            Resource {
                kind: RT_ICON,
                id: 2,
                lang: LANG_EN_US,
                data: vec![2; 5],
            },
            Resource {
                kind: RT_ICON,
                id: 1,
                lang: LANG_EN_US,
                data: vec![1; 3],
            },
            Resource {
                kind: RT_ICON,
                id: 1,
                lang: 0,
                data: vec![9; 1],
            },
        ];
        let section = encode(&resources, rva).unwrap();
        assert_eq!(
            lookup(&section, rva, [RT_MANIFEST, 1, LANG_EN_US]),
            b"<assembly/>"
        );
        assert_eq!(lookup(&section, rva, [RT_ICON, 1, LANG_EN_US]), [1; 3]);
        assert_eq!(lookup(&section, rva, [RT_ICON, 1, 0]), [9]);
        assert_eq!(lookup(&section, rva, [RT_ICON, 2, LANG_EN_US]), [2; 5]);
        assert_eq!(encode(&resources, rva).unwrap(), section, "deterministic");
    }
}
