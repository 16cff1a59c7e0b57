//! What the dynamic section of an x86-64 ELF object says: its soname, the
//! libraries it needs, its RPATH/RUNPATH and its symbol-version needs.

use anyhow::{bail, Context, Result};
use goblin::elf::header::EM_X86_64;
use goblin::elf::Elf;

/// Dynamic-linking facts of one object.
#[derive(Debug, Default)]
pub(crate) struct DynamicInfo {
    pub soname: Option<String>,
    pub needed: Vec<String>,
    /// DT_RPATH directories, already emptied when the object has a DT_RUNPATH
    /// (the loader ignores RPATH then).
    pub rpath: Vec<String>,
    pub runpath: Vec<String>,
    /// (file, version names) pairs from DT_VERNEED.
    pub version_needs: Vec<(String, Vec<String>)>,
}

/// Whether `head` (the first bytes of a file) starts a 64-bit little-endian
/// x86-64 ELF object.
pub(crate) fn is_x86_64_elf(head: &[u8]) -> bool {
    head.len() >= 20
        && head.starts_with(b"\x7fELF")
        && head[4] == 2
        && head[5] == 1
        && u16::from_le_bytes([head[18], head[19]]) == EM_X86_64
}

/// Parses the dynamic section of a 64-bit x86-64 ELF object.
pub(crate) fn parse(data: &[u8]) -> Result<DynamicInfo> {
    if !is_x86_64_elf(data) {
        bail!("not a 64-bit x86-64 ELF file");
    }
    let elf = Elf::parse(data).context("malformed ELF file")?;
    let split = |entries: &[&str]| -> Vec<String> {
        entries
            .iter()
            .flat_map(|entry| entry.split(':'))
            .filter(|dir| !dir.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let runpath = split(&elf.runpaths);
    let rpath = if runpath.is_empty() {
        split(&elf.rpaths)
    } else {
        Vec::new()
    };
    let version_needs = match &elf.dynamic {
        Some(dynamic) if dynamic.info.verneed != 0 => {
            version_needs(data, dynamic.info.verneed as usize, &elf.dynstrtab)?
        }
        _ => Vec::new(),
    };
    Ok(DynamicInfo {
        soname: elf.soname.map(str::to_owned),
        needed: elf.libraries.iter().map(|s| s.to_string()).collect(),
        rpath,
        runpath,
        version_needs,
    })
}

/// Walks the Elf64_Verneed chain at file offset `at` (16-byte entries, each
/// with a chain of 16-byte Elf64_Vernaux entries).
fn version_needs(
    data: &[u8],
    mut at: usize,
    strings: &goblin::strtab::Strtab,
) -> Result<Vec<(String, Vec<String>)>> {
    let name = |offset: u32| {
        strings
            .get_at(offset as usize)
            .map(str::to_owned)
            .context("version-need name is outside the dynamic string table")
    };
    let mut needs = Vec::new();
    loop {
        let count = u16_at(data, at + 2)?;
        let file = name(u32_at(data, at + 4)?)?;
        let mut aux = at
            .checked_add(u32_at(data, at + 8)? as usize)
            .context("bad vn_aux")?;
        let mut versions = Vec::new();
        for _ in 0..count {
            versions.push(name(u32_at(data, aux + 8)?)?);
            match u32_at(data, aux + 12)? {
                0 => break,
                next => aux = aux.checked_add(next as usize).context("bad vna_next")?,
            }
        }
        needs.push((file, versions));
        match u32_at(data, at + 12)? {
            0 => return Ok(needs),
            next => at = at.checked_add(next as usize).context("bad vn_next")?,
        }
    }
}

fn u16_at(data: &[u8], at: usize) -> Result<u16> {
    let bytes = data
        .get(at..at.saturating_add(2))
        .context("version needs run past the end")?;
    Ok(u16::from_le_bytes(bytes.try_into()?))
}

fn u32_at(data: &[u8], at: usize) -> Result<u32> {
    let bytes = data
        .get(at..at.saturating_add(4))
        .context("version needs run past the end")?;
    Ok(u32::from_le_bytes(bytes.try_into()?))
}

/// DT_SONAME of an x86-64 ELF object, if it has one.
pub fn soname(data: &[u8]) -> Result<Option<String>> {
    Ok(parse(data)?.soname)
}

/// DT_NEEDED entries of an x86-64 ELF object, in file order.
pub fn needed(data: &[u8]) -> Result<Vec<String>> {
    Ok(parse(data)?.needed)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_env;
    use std::process::Command;

    /// The file at `path`, or `None` after reporting it missing for `part`.
    fn read(path: &str, part: &str) -> Option<Vec<u8>> {
        test_env::require(std::fs::read(path).ok(), path, part)
    }

    #[test]
    fn libssl_facts() {
        let Some(data) = read("/usr/lib/x86_64-linux-gnu/libssl.so.3", "libssl_facts") else {
            return;
        };
        assert_eq!(soname(&data).unwrap().as_deref(), Some("libssl.so.3"));
        let needed = needed(&data).unwrap();
        assert!(needed.contains(&"libcrypto.so.3".to_owned()), "{needed:?}");
        assert!(needed.contains(&"libc.so.6".to_owned()), "{needed:?}");
        let info = parse(&data).unwrap();
        let libc = info
            .version_needs
            .iter()
            .find(|(file, _)| file == "libc.so.6")
            .unwrap();
        assert!(libc.1.iter().any(|v| v.starts_with("GLIBC_2.")), "{libc:?}");
    }

    /// The version needs binutils' `readelf -V` lists for the file at
    /// `path`: (file, version names), in section order.
    fn readelf_version_needs(path: &str, part: &str) -> Option<Vec<(String, Vec<String>)>> {
        let readelf = test_env::require(which::which("readelf").ok(), "readelf (binutils)", part)?;
        let out = Command::new(readelf).args(["-V", "--wide", path]).output().unwrap();
        assert!(out.status.success(), "readelf -V {path} failed");
        let text = String::from_utf8(out.stdout).unwrap();
        let section = text.split("Version needs section").nth(1).unwrap_or("");
        let mut needs: Vec<(String, Vec<String>)> = Vec::new();
        let field = |line: &str, key: &str| line.split(key).nth(1).and_then(|rest| rest.split_whitespace().next()).map(str::to_owned);
        for line in section.lines() {
            if let Some(file) = field(line, "File: ") {
                needs.push((file, Vec::new()));
            } else if let (Some(name), Some(last)) = (field(line, "Name: "), needs.last_mut()) {
                last.1.push(name);
            }
        }
        Some(needs)
    }

    #[test]
    fn version_needs_agree_with_readelf() {
        let part = "version_needs_agree_with_readelf";
        for path in ["/usr/lib/x86_64-linux-gnu/libssl.so.3", "/usr/lib/x86_64-linux-gnu/libz.so.1"] {
            let Some(data) = read(path, part) else { return };
            let Some(expected) = readelf_version_needs(path, part) else { return };
            assert!(expected.iter().map(|(_, names)| names.len()).sum::<usize>() >= 2, "{path}: {expected:?}");
            assert_eq!(parse(&data).unwrap().version_needs, expected, "{path}");
            // vn_cnt bounds a file's list even if its chain runs on.
            let mut one = data.clone();
            let at = Elf::parse(&data).unwrap().dynamic.unwrap().info.verneed as usize;
            one[at + 2..at + 4].copy_from_slice(&1u16.to_le_bytes());
            let needs = parse(&one).unwrap().version_needs;
            assert_eq!(needs[0], (expected[0].0.clone(), expected[0].1[..1].to_vec()), "{path}");
            assert_eq!(needs[1..], expected[1..], "{path}");
        }
    }

    /// A shared object linked by the C compiler with `flags`.
    fn link_shared(flags: &[&str], part: &str) -> Option<Vec<u8>> {
        let cc = test_env::require(which::which("cc").ok(), "cc (gcc)", part)?;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("m.c"), "int f(void) { return 1; }\n").unwrap();
        let out = dir.path().join("libm_test.so");
        let status = Command::new(cc)
            .current_dir(dir.path())
            .args(["-shared", "-fPIC", "-o"])
            .arg(&out)
            .arg("m.c")
            .args(flags)
            .status()
            .unwrap();
        assert!(status.success(), "cc {flags:?} failed");
        Some(std::fs::read(out).unwrap())
    }

    #[test]
    fn runpath_rpath_and_soname_of_a_linked_library() {
        let part = "runpath_rpath_and_soname_of_a_linked_library";
        let Some(data) = link_shared(&["-Wl,--enable-new-dtags,-rpath,/opt/one/lib:$ORIGIN/../two", "-Wl,-soname,libm_test.so.1"], part) else {
            return;
        };
        let info = parse(&data).unwrap();
        assert_eq!(info.runpath, ["/opt/one/lib", "$ORIGIN/../two"]);
        assert!(info.rpath.is_empty());
        assert_eq!(info.soname.as_deref(), Some("libm_test.so.1"));
        let Some(data) = link_shared(&["-Wl,--disable-new-dtags,-rpath,/opt/old"], part) else { return };
        let info = parse(&data).unwrap();
        assert_eq!(info.rpath, ["/opt/old"]);
        assert!(info.runpath.is_empty());
        assert_eq!(info.soname, None);
    }

    #[test]
    fn rejects_non_elf() {
        assert!(parse(b"#!/bin/sh\necho hi\n").is_err());
        assert!(parse(&[]).is_err());
        assert!(!is_x86_64_elf(b"\x7fELF"));
    }
}
