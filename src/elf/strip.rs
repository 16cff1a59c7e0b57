//! Removes debug information and the static symbol table from an ELF file,
//! like `strip --strip-unneeded`, without touching anything that is loaded.
//!
//! Everything up to the end of the last segment (and of the last allocated
//! section) is copied byte for byte; the kept non-allocated sections that
//! lay after it are appended, followed by a rebuilt `.shstrtab` and a new
//! section header table. Only the ELF header's section-table fields change
//! inside the loaded image.

use anyhow::{bail, Context, Result};

const EHDR_LEN: usize = 64;
const PHDR_LEN: usize = 56;
const SHDR_LEN: usize = 64;
const SHF_ALLOC: u64 = 0x2;
const SHF_INFO_LINK: u64 = 0x40;
const SHT_SYMTAB: u32 = 2;
const SHT_RELA: u32 = 4;
const SHT_NOBITS: u32 = 8;
const SHT_REL: u32 = 9;
const SHN_LORESERVE: usize = 0xff00;
const SHN_XINDEX: u16 = 0xffff;

/// Exact names of non-allocated sections that are dropped.
const DROPPED: &[&str] = &[
    ".symtab",
    ".strtab",
    ".comment",
    ".gnu_debuglink",
    ".gnu_debugdata",
];
/// Name prefixes of non-allocated sections that are dropped.
const DROPPED_PREFIXES: &[&str] = &[".debug_", ".zdebug_"];

/// One section header, as in Elf64_Shdr.
#[derive(Clone, Default)]
struct Section {
    name: u32,
    kind: u32,
    flags: u64,
    addr: u64,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
    align: u64,
    entsize: u64,
}

/// A copy of the 64-bit little-endian ELF file `data` without debug
/// sections, `.symtab`/`.strtab`, `.comment`, `.gnu_debuglink` and
/// `.gnu_debugdata`. A file with nothing to remove comes back unchanged.
pub fn strip_debug(data: &[u8]) -> Result<Vec<u8>> {
    if data.len() < EHDR_LEN || !data.starts_with(b"\x7fELF") || data[4] != 2 || data[5] != 1 {
        bail!("not a 64-bit little-endian ELF file");
    }
    let shoff = read_u64(data, 40)? as usize;
    if shoff == 0 {
        return Ok(data.to_vec());
    }
    if read_u16(data, 58)? as usize != SHDR_LEN {
        bail!("unexpected section header size");
    }
    let first = read_section(data, shoff)?;
    let count = match read_u16(data, 60)? {
        0 => first.size as usize,
        n => n as usize,
    };
    let shstrndx = match read_u16(data, 62)? {
        SHN_XINDEX => first.link as usize,
        n => n as usize,
    };
    let table_len = count
        .checked_mul(SHDR_LEN)
        .context("section table too large")?;
    if shoff
        .checked_add(table_len)
        .is_none_or(|end| end > data.len())
    {
        bail!("section header table runs past the end of the file");
    }
    let sections = (0..count)
        .map(|i| read_section(data, shoff + i * SHDR_LEN))
        .collect::<Result<Vec<_>>>()?;
    let shstrtab = sections
        .get(shstrndx)
        .context("section name table index out of range")?;
    let names = sections
        .iter()
        .map(|s| name_at(data, shstrtab, s.name))
        .collect::<Result<Vec<_>>>()?;

    let removed = removed_sections(&sections, &names, shstrndx);
    if !removed.iter().any(|&r| r) {
        return Ok(data.to_vec());
    }
    let last_alloc = sections
        .iter()
        .rposition(|s| s.flags & SHF_ALLOC != 0)
        .unwrap_or(0);
    // Removed sections before the last allocated one leave an empty header
    // behind, so no allocated section (and no .dynsym st_shndx) changes index.
    let mut new_index = vec![None; count];
    let mut next = 0u32;
    for (i, slot) in new_index.iter_mut().enumerate() {
        if !removed[i] || i < last_alloc {
            *slot = Some(next);
            next += 1;
        }
    }

    let mut out = data[..loaded_end(data, &sections)?].to_vec();
    let mut new_names = vec![0u8];
    let mut new_sections = Vec::with_capacity(next as usize);
    for (i, section) in sections.iter().enumerate() {
        if new_index[i].is_none() {
            continue;
        }
        if removed[i] {
            new_sections.push(Section::default());
            continue;
        }
        let mut section = section.clone();
        section.name = add_name(&mut new_names, names[i]);
        let remap = |index: u32| {
            new_index
                .get(index as usize)
                .map_or(index, |n| n.unwrap_or(0))
        };
        section.link = remap(section.link);
        if matches!(section.kind, SHT_REL | SHT_RELA) || section.flags & SHF_INFO_LINK != 0 {
            section.info = remap(section.info);
        }
        let end = section.offset.saturating_add(section.size) as usize;
        let in_file = section.kind != SHT_NOBITS && section.size != 0;
        if i != shstrndx && section.flags & SHF_ALLOC == 0 && !(in_file && end <= out.len()) {
            let content = section.offset_range();
            pad_to(&mut out, section.align);
            section.offset = out.len() as u64;
            if in_file {
                out.extend_from_slice(data.get(content).context("section runs past the end of the file")?);
            }
        }
        new_sections.push(section);
    }
    let new_shstrndx = new_index[shstrndx].context("section name table was removed")? as usize;
    new_sections[new_shstrndx].offset = out.len() as u64;
    new_sections[new_shstrndx].size = new_names.len() as u64;
    out.extend_from_slice(&new_names);

    let count = new_sections.len();
    let (e_shnum, e_shstrndx) = (
        if count >= SHN_LORESERVE {
            0
        } else {
            count as u16
        },
        if new_shstrndx >= SHN_LORESERVE {
            SHN_XINDEX
        } else {
            new_shstrndx as u16
        },
    );
    new_sections[0].size = if count >= SHN_LORESERVE {
        count as u64
    } else {
        0
    };
    new_sections[0].link = if new_shstrndx >= SHN_LORESERVE {
        new_shstrndx as u32
    } else {
        0
    };
    pad_to(&mut out, 8);
    let new_shoff = out.len() as u64;
    for section in &new_sections {
        write_section(&mut out, section);
    }
    out[40..48].copy_from_slice(&new_shoff.to_le_bytes());
    out[60..62].copy_from_slice(&e_shnum.to_le_bytes());
    out[62..64].copy_from_slice(&e_shstrndx.to_le_bytes());
    Ok(out)
}

/// Which sections go: the dropped names among non-allocated sections, and
/// non-allocated sections tied (by sh_link, or sh_info of relocations) to
/// a section that goes.
fn removed_sections(sections: &[Section], names: &[&str], shstrndx: usize) -> Vec<bool> {
    let droppable = |i: usize| i != 0 && i != shstrndx && sections[i].flags & SHF_ALLOC == 0;
    let mut removed: Vec<bool> = (0..sections.len())
        .map(|i| {
            let name = names[i];
            droppable(i)
                && (sections[i].kind == SHT_SYMTAB
                    || DROPPED.contains(&name)
                    || DROPPED_PREFIXES.iter().any(|p| name.starts_with(p)))
        })
        .collect();
    loop {
        let is_removed = |index: u32| removed.get(index as usize).copied().unwrap_or(false);
        let tied: Vec<usize> = (0..sections.len())
            .filter(|&i| !removed[i] && droppable(i))
            .filter(|&i| {
                let s = &sections[i];
                (s.link != 0 && is_removed(s.link))
                    || (matches!(s.kind, SHT_REL | SHT_RELA) && s.info != 0 && is_removed(s.info))
            })
            .collect();
        if tied.is_empty() {
            return removed;
        }
        for i in tied {
            removed[i] = true;
        }
    }
}

/// End of the bytes that must stay in place: the ELF and program headers,
/// every segment, and every allocated section (those are never removed).
fn loaded_end(data: &[u8], sections: &[Section]) -> Result<usize> {
    let phoff = read_u64(data, 32)? as usize;
    let phnum = read_u16(data, 56)? as usize;
    let mut end = EHDR_LEN as u64;
    if phnum != 0 {
        if read_u16(data, 54)? as usize != PHDR_LEN {
            bail!("unexpected program header size");
        }
        end = end.max(phoff.saturating_add(phnum * PHDR_LEN) as u64);
        for i in 0..phnum {
            let at = phoff + i * PHDR_LEN;
            let (offset, filesz) = (read_u64(data, at + 8)?, read_u64(data, at + 32)?);
            if filesz != 0 {
                end = end.max(offset.saturating_add(filesz));
            }
        }
    }
    for section in sections.iter().filter(|s| s.flags & SHF_ALLOC != 0) {
        if section.kind != SHT_NOBITS {
            end = end.max(section.offset.saturating_add(section.size));
        }
    }
    if end > data.len() as u64 {
        bail!("a segment or section runs past the end of the file");
    }
    Ok(end as usize)
}

impl Section {
    fn offset_range(&self) -> std::ops::Range<usize> {
        self.offset as usize..self.offset.saturating_add(self.size) as usize
    }
}

fn read_section(data: &[u8], at: usize) -> Result<Section> {
    Ok(Section {
        name: read_u32(data, at)?,
        kind: read_u32(data, at + 4)?,
        flags: read_u64(data, at + 8)?,
        addr: read_u64(data, at + 16)?,
        offset: read_u64(data, at + 24)?,
        size: read_u64(data, at + 32)?,
        link: read_u32(data, at + 40)?,
        info: read_u32(data, at + 44)?,
        align: read_u64(data, at + 48)?,
        entsize: read_u64(data, at + 56)?,
    })
}

fn write_section(out: &mut Vec<u8>, s: &Section) {
    out.extend_from_slice(&s.name.to_le_bytes());
    out.extend_from_slice(&s.kind.to_le_bytes());
    out.extend_from_slice(&s.flags.to_le_bytes());
    out.extend_from_slice(&s.addr.to_le_bytes());
    out.extend_from_slice(&s.offset.to_le_bytes());
    out.extend_from_slice(&s.size.to_le_bytes());
    out.extend_from_slice(&s.link.to_le_bytes());
    out.extend_from_slice(&s.info.to_le_bytes());
    out.extend_from_slice(&s.align.to_le_bytes());
    out.extend_from_slice(&s.entsize.to_le_bytes());
}

/// The name of a section, from the section name table.
fn name_at<'a>(data: &'a [u8], shstrtab: &Section, offset: u32) -> Result<&'a str> {
    let table = data
        .get(shstrtab.offset_range())
        .context("section name table runs past the end of the file")?;
    let rest = table
        .get(offset as usize..)
        .context("section name outside the name table")?;
    let len = rest
        .iter()
        .position(|&b| b == 0)
        .context("unterminated section name")?;
    std::str::from_utf8(&rest[..len]).context("section name is not UTF-8")
}

/// Appends `name` to a string table, returning its offset.
fn add_name(table: &mut Vec<u8>, name: &str) -> u32 {
    let at = table.len() as u32;
    table.extend_from_slice(name.as_bytes());
    table.push(0);
    at
}

fn pad_to(out: &mut Vec<u8>, align: u64) {
    let align = align.clamp(1, 4096) as usize;
    out.resize(out.len().next_multiple_of(align), 0);
}

fn read_u16(data: &[u8], at: usize) -> Result<u16> {
    let bytes = data
        .get(at..at.saturating_add(2))
        .context("truncated ELF header")?;
    Ok(u16::from_le_bytes(bytes.try_into()?))
}

fn read_u32(data: &[u8], at: usize) -> Result<u32> {
    let bytes = data
        .get(at..at.saturating_add(4))
        .context("truncated ELF header")?;
    Ok(u32::from_le_bytes(bytes.try_into()?))
}

fn read_u64(data: &[u8], at: usize) -> Result<u64> {
    let bytes = data
        .get(at..at.saturating_add(8))
        .context("truncated ELF header")?;
    Ok(u64::from_le_bytes(bytes.try_into()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;
    use std::process::Command;

    use crate::test_env;

    /// Section names as `readelf -S -W` lists them; `None` (after reporting
    /// it) without binutils.
    fn readelf_sections(path: &Path) -> Option<String> {
        let readelf = test_env::require(which::which("readelf").ok(), "readelf (binutils)", "the section checks")?;
        let output = Command::new(readelf)
            .arg("-S")
            .arg("-W")
            .arg(path)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "readelf -S failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.stderr.is_empty(),
            "readelf warns: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Some(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Segments must be byte-identical, apart from the section-table fields
    /// of the ELF header.
    fn assert_segments_unchanged(before: &[u8], after: &[u8]) {
        let mut before = before.to_vec();
        before[40..48].copy_from_slice(&after[40..48]);
        before[60..64].copy_from_slice(&after[60..64]);
        let end = loaded_end(&before, &[]).unwrap();
        assert_eq!(before[..end], after[..end]);
    }

    /// Section names of an ELF file in header order ("" for an emptied
    /// header), and the index of its last allocated section.
    fn section_names(data: &[u8]) -> (Vec<String>, usize) {
        let elf = goblin::elf::Elf::parse(data).unwrap();
        let names = elf.section_headers.iter().map(|s| elf.shdr_strtab.get_at(s.sh_name).unwrap_or("").to_owned()).collect();
        let last_alloc = elf.section_headers.iter().rposition(|s| s.sh_flags & SHF_ALLOC != 0).unwrap_or(0);
        (names, last_alloc)
    }

    /// The stripped file keeps the original's sections in order, without
    /// the debug ones and the static symbol table; one of those before the
    /// last allocated section leaves an emptied header in its place, so no
    /// allocated section changes index.
    fn assert_sections_kept_in_place(original: &[u8], stripped: &[u8]) {
        let (names, last_alloc) = section_names(original);
        let goes = |name: &str| {
            [".symtab", ".strtab", ".comment", ".gnu_debuglink", ".gnu_debugdata"].contains(&name)
                || (name.starts_with(".debug_") && name != ".debug_gdb_scripts")
                || name.starts_with(".zdebug_")
        };
        let expected: Vec<String> = names
            .iter()
            .enumerate()
            .filter_map(|(i, name)| match goes(name) {
                true if i < last_alloc => Some(String::new()),
                true => None,
                false => Some(name.clone()),
            })
            .collect();
        let (kept, _) = section_names(stripped);
        assert_eq!(kept, expected);
        // Fewer than 0xff00 sections: the count and the name table's index
        // are in the ELF header, section 0 stays empty.
        let first = &goblin::elf::Elf::parse(stripped).unwrap().section_headers[0];
        assert_eq!((first.sh_size, first.sh_link), (0, 0));
        assert_eq!(read_u64(stripped, 40).unwrap() % 8, 0, "the section header table is aligned");
        // Each kept section has its content, and names the same sections
        // by sh_link and sh_info (indices may have moved).
        let (before, after) = (goblin::elf::Elf::parse(original).unwrap(), goblin::elf::Elf::parse(stripped).unwrap());
        let bytes = |data: &[u8], s: &goblin::elf::SectionHeader| match s.sh_type {
            SHT_NOBITS => Vec::new(),
            _ => data[s.sh_offset as usize..(s.sh_offset + s.sh_size) as usize].to_vec(),
        };
        let name_of = |list: &[String], index: u32| list.get(index as usize).cloned().unwrap_or_default();
        for (new, section) in after.section_headers.iter().enumerate().skip(1) {
            if kept[new].is_empty() || kept[new] == ".shstrtab" {
                continue;
            }
            let old = names.iter().position(|n| *n == kept[new]).unwrap();
            let was = &before.section_headers[old];
            assert!(bytes(stripped, section) == bytes(original, was), "content of {}", kept[new]);
            assert_eq!(section.sh_addralign, was.sh_addralign, "alignment of {}", kept[new]);
            if section.sh_flags & SHF_ALLOC == 0 {
                // Moved (unloaded sections after the loaded part): aligned.
                assert_eq!(section.sh_offset % section.sh_addralign.max(1), 0, "{} is not aligned", kept[new]);
            }
            assert_eq!(name_of(&kept, section.sh_link), name_of(&names, was.sh_link), "sh_link of {}", kept[new]);
            if matches!(section.sh_type, SHT_REL | SHT_RELA) || section.sh_flags & SHF_INFO_LINK != 0 {
                assert_eq!(name_of(&kept, section.sh_info), name_of(&names, was.sh_info), "sh_info of {}", kept[new]);
            }
        }
    }

    fn check_stripped(original: &[u8], stripped: &[u8], path: &Path) {
        assert!(stripped.len() < original.len());
        assert_segments_unchanged(original, stripped);
        assert_sections_kept_in_place(original, stripped);
        assert_eq!(
            strip_debug(stripped).unwrap(),
            stripped,
            "stripping again changes nothing"
        );
        if let Some(sections) = readelf_sections(path) {
            // .debug_gdb_scripts is allocated (loaded), so it stays.
            for line in sections
                .lines()
                .filter(|l| !l.contains(".debug_gdb_scripts"))
            {
                for gone in [
                    ".debug_",
                    ".zdebug_",
                    " .symtab",
                    " .strtab",
                    ".comment",
                    ".gnu_debug",
                ] {
                    assert!(!line.contains(gone), "{gone} left in:\n{sections}");
                }
            }
            for kept in [".dynsym", ".dynstr", ".text", ".shstrtab"] {
                assert!(sections.contains(kept), "{kept} missing from:\n{sections}");
            }
        }
    }

    /// Runs a freshly written executable; another test's fork may briefly
    /// hold it open for writing (ETXTBSY), so retry a few times.
    fn run_retrying_busy(command: &mut Command) -> std::process::Output {
        for _ in 0..50 {
            match command.output() {
                Err(e) if e.raw_os_error() == Some(26) => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                result => return result.unwrap(),
            }
        }
        command.output().unwrap()
    }

    #[test]
    fn strips_own_test_binary_which_still_runs() {
        let exe = std::env::current_exe().unwrap();
        let original = std::fs::read(&exe).unwrap();
        let stripped = strip_debug(&original).unwrap();
        assert_eq!(stripped, strip_debug(&original).unwrap(), "deterministic");
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("stripped-test");
        std::fs::write(&copy, &stripped).unwrap();
        std::fs::set_permissions(&copy, PermissionsExt::from_mode(0o755)).unwrap();
        check_stripped(&original, &stripped, &copy);
        let output =
            run_retrying_busy(Command::new(&copy).args(["--list", "strips_own_test_binary"]));
        assert!(output.status.success());
        assert!(String::from_utf8_lossy(&output.stdout)
            .contains("strips_own_test_binary_which_still_runs"));
    }

    #[test]
    fn keeps_other_unloaded_sections_with_their_content() {
        let part = "keeps_other_unloaded_sections_with_their_content";
        let Some(cc) = test_env::require(which::which("cc").ok(), "cc (gcc)", part) else { return };
        let dir = tempfile::tempdir().unwrap();
        // A non-allocated section of its own, which strip keeps (after
        // .comment, which goes, so its index and place move).
        let source = "int f(void) { return 1; }\n\
            __asm__(\".section .pybundle_note,\\\"\\\",@progbits\\n.ascii \\\"kept by strip\\\"\\n.previous\");\n";
        std::fs::write(dir.path().join("note.c"), source).unwrap();
        let library = dir.path().join("libnote.so");
        let status = Command::new(cc).current_dir(dir.path()).args(["-g", "-shared", "-fPIC", "-o"]).arg(&library).arg("note.c").status().unwrap();
        assert!(status.success(), "cc failed to build the test library");
        let original = std::fs::read(&library).unwrap();
        let (names, _) = section_names(&original);
        assert!(names.iter().any(|n| n == ".pybundle_note") && names.iter().any(|n| n.starts_with(".debug_")), "{names:?}");
        let stripped = strip_debug(&original).unwrap();
        let copy = dir.path().join("stripped.so");
        std::fs::write(&copy, &stripped).unwrap();
        check_stripped(&original, &stripped, &copy);
        assert!(section_names(&stripped).0.iter().any(|n| n == ".pybundle_note"));
    }

    #[test]
    fn strips_libpython_which_still_runs() {
        let pythons: Vec<_> = test_env::cpythons().iter().filter(|py| py.minor >= 8).collect();
        if pythons.is_empty() {
            test_env::missing("a CPython 3.8+ with a shared libpython", "strips_libpython_which_still_runs");
        }
        for py in pythons {
            check_libpython(&py.libpython, &py.exe, &py.version);
        }
    }

    /// Strips `lib`, then runs `python` with the stripped copy loaded in
    /// place of `lib`.
    fn check_libpython(lib: &Path, python: &Path, version: &str) {
        let original = std::fs::read(lib).unwrap();
        let stripped = strip_debug(&original).unwrap();
        eprintln!(
            "{}: {} bytes before, {} after",
            lib.display(),
            original.len(),
            stripped.len()
        );
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join(lib.file_name().unwrap());
        std::fs::write(&copy, &stripped).unwrap();
        check_stripped(&original, &stripped, &copy);
        // LD_LIBRARY_PATH beats the interpreter's RUNPATH, so it runs on the
        // copy (an interpreter with libpython linked in statically, like
        // Debian's, maps the copy only through ctypes).
        let script = "import ctypes, ssl, json, sys\n\
            lib = ctypes.CDLL(sys.argv[1])\n\
            maps = open('/proc/self/maps').read()\n\
            assert sys.argv[1] in maps and sys.argv[2] not in maps, 'wrong libpython mapped'\n\
            lib.Py_GetVersion.restype = ctypes.c_char_p\n\
            print(lib.Py_GetVersion().decode())";
        let output = Command::new(python)
            .env("LD_LIBRARY_PATH", dir.path())
            .args(["-I", "-c", script])
            .arg(&copy)
            .arg(lib)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}: {}",
            python.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stdout).starts_with(&format!("{version} ")));
    }

    #[test]
    fn stripped_system_library_is_nearly_unchanged() {
        let path = "/usr/lib/x86_64-linux-gnu/libssl.so.3";
        let found = std::fs::read(path).ok();
        let Some(original) = test_env::require(found, path, "stripped_system_library_is_nearly_unchanged") else {
            return;
        };
        // Debian's libraries are stripped but keep a .gnu_debuglink.
        let stripped = strip_debug(&original).unwrap();
        assert!(
            original.len() - stripped.len() < 1024,
            "{} -> {}",
            original.len(),
            stripped.len()
        );
        assert_segments_unchanged(&original, &stripped);
        assert_eq!(strip_debug(&stripped).unwrap(), stripped);
    }

    #[test]
    fn loaded_end_is_where_the_last_segment_ends() {
        let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let elf = goblin::elf::Elf::parse(&exe).unwrap();
        let end = elf.program_headers.iter().filter(|p| p.p_filesz != 0).map(|p| p.p_offset + p.p_filesz).max().unwrap() as usize;
        assert_eq!(loaded_end(&exe, &[]).unwrap(), end);
        assert_eq!(loaded_end(&exe[..end], &[]).unwrap(), end);
        assert!(loaded_end(&exe[..end - 1], &[]).is_err());
    }

    #[test]
    fn sections_tied_to_removed_ones_go_too() {
        let section = |kind: u32, flags: u64, link: u32, info: u32| Section { kind, flags, link, info, ..Section::default() };
        const PROGBITS: u32 = 1;
        const STRTAB: u32 = 3;
        let sections = [
            (section(0, 0, 0, 0), ""),
            (section(PROGBITS, SHF_ALLOC, 0, 0), ".text"),
            (section(PROGBITS, SHF_ALLOC, 0, 0), ".debug_gdb_scripts"),
            (section(PROGBITS, 0, 0, 0), ".debug_info"),
            (section(SHT_RELA, 0, 0, 3), ".rela.debug_info"),
            (section(SHT_RELA, 0, 0, 1), ".rela.text"),
            (section(SHT_SYMTAB, 0, 7, 0), ".symtab"),
            (section(STRTAB, 0, 0, 0), ".strtab"),
            (section(PROGBITS, 0, 1, 0), ".note.kept"),
            (section(PROGBITS, 0, 0, 0), ".comment"),
            (section(PROGBITS, 0, 9, 0), ".tied.to.comment"),
            (section(STRTAB, 0, 0, 0), ".shstrtab"),
        ];
        let (headers, names): (Vec<Section>, Vec<&str>) = sections.iter().cloned().unzip();
        let removed = removed_sections(&headers, &names, 11);
        let gone: Vec<&str> = names.iter().zip(&removed).filter(|(_, &r)| r).map(|(n, _)| *n).collect();
        assert_eq!(gone, [".debug_info", ".rela.debug_info", ".symtab", ".strtab", ".comment", ".tied.to.comment"]);
    }

    #[test]
    fn rejects_non_elf_and_truncated_input() {
        assert!(strip_debug(b"MZ\x90\x00 not elf").is_err());
        assert!(strip_debug(&[]).is_err());
        let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let mut long_not_elf = exe.clone();
        long_not_elf[..4].copy_from_slice(b"MZ\x90\x00");
        assert!(strip_debug(&long_not_elf).is_err());
        // Bytes after the section table are allowed.
        let mut trailing = exe.clone();
        trailing.extend_from_slice(&[0; 64]);
        assert!(strip_debug(&trailing).is_ok());
        // The header alone, with no section table: nothing to strip.
        let mut header = exe[..EHDR_LEN].to_vec();
        header[40..48].fill(0);
        assert_eq!(strip_debug(&header).unwrap(), header);
        // 32-bit, or big-endian: not what a bundle's libraries are.
        for (at, value) in [(4, 1), (5, 2)] {
            let mut other = exe.clone();
            other[at] = value;
            assert!(strip_debug(&other).unwrap_err().to_string().contains("64-bit little-endian"), "byte {at} = {value}");
        }
        for len in [64, 100, exe.len() / 2, exe.len() - 1] {
            assert!(strip_debug(&exe[..len]).is_err(), "truncated to {len}");
        }
    }
}
