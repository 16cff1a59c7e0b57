//! Reads glibc's `/etc/ld.so.cache`, the soname -> path map the dynamic
//! loader consults before the default library directories.
//!
//! Layout (glibc `dl-cache.h`, all little-endian on x86-64): an optional old
//! "ld.so-1.7.0" part (`magic[11]`, `u32 nlibs`, 12-byte entries), then,
//! 8-byte aligned, the "glibc-ld.so.cache1.1" part: a 48-byte header
//! (`u32 nlibs` at 20, `u32 len_strings` at 24, `u8 flags` at 28) followed by
//! 24-byte entries (`i32 flags`, `u32 key`, `u32 value`, `u32 osversion`,
//! `u64 hwcap`). `key` and `value` are offsets of NUL-terminated strings,
//! counted from the start of the new part.

use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const OLD_MAGIC: &[u8] = b"ld.so-1.7.0";
const OLD_HEADER_LEN: usize = 16;
const OLD_ENTRY_LEN: usize = 12;
const NEW_MAGIC: &[u8] = b"glibc-ld.so.cache1.1";
const NEW_HEADER_LEN: usize = 48;
const NEW_ENTRY_LEN: usize = 24;

const FLAG_TYPE_MASK: u32 = 0x00ff;
const FLAG_REQUIRED_MASK: u32 = 0xff00;
const FLAG_ELF_LIBC6: u32 = 0x0003;
const FLAG_X8664_LIB64: u32 = 0x0300;
const ENDIAN_MASK: u8 = 0x03;
const ENDIAN_BIG: u8 = 0x03;

/// The x86-64 entries of an ld.so.cache, without hardware-capability
/// variants (those are CPU-specific and would make a bundle less portable).
#[derive(Debug, Default)]
pub struct LdCache {
    libs: HashMap<String, PathBuf>,
}

impl LdCache {
    /// Reads the cache at `path`; `Ok(None)` when the file does not exist.
    pub fn load(path: &Path) -> Result<Option<LdCache>> {
        let data = match std::fs::read(path) {
            Ok(data) => data,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => bail!("cannot read {}: {e}; check its permissions", path.display()),
        };
        let cache = LdCache::parse(&data).with_context(|| {
            format!(
                "{} is not a usable ld.so cache; run ldconfig to rebuild it",
                path.display()
            )
        })?;
        Ok(Some(cache))
    }

    /// Parses cache bytes.
    pub fn parse(data: &[u8]) -> Result<LdCache> {
        let base = new_part_offset(data)?;
        let new = &data[base..];
        if new.len() < NEW_HEADER_LEN {
            bail!("truncated header");
        }
        if new[28] & ENDIAN_MASK == ENDIAN_BIG {
            bail!("big-endian cache");
        }
        let nlibs = u32_at(new, 20)? as usize;
        let entries_end = nlibs
            .checked_mul(NEW_ENTRY_LEN)
            .and_then(|n| n.checked_add(NEW_HEADER_LEN))
            .filter(|&end| end <= new.len())
            .context("entry table runs past the end of the file")?;
        let mut libs = HashMap::new();
        for entry in new[NEW_HEADER_LEN..entries_end].chunks_exact(NEW_ENTRY_LEN) {
            let flags = u32_at(entry, 0)?;
            let hwcap = u64_at(entry, 16)?;
            let x86_64 = flags & FLAG_TYPE_MASK == FLAG_ELF_LIBC6
                && flags & FLAG_REQUIRED_MASK == FLAG_X8664_LIB64;
            if !x86_64 || hwcap != 0 {
                continue;
            }
            let soname = string_at(new, u32_at(entry, 4)?)?;
            let path = string_at(new, u32_at(entry, 8)?)?;
            libs.entry(soname).or_insert_with(|| PathBuf::from(path));
        }
        Ok(LdCache { libs })
    }

    /// The path the cache records for `soname`.
    pub fn get(&self, soname: &str) -> Option<&Path> {
        self.libs.get(soname).map(PathBuf::as_path)
    }
}

/// Offset of the "glibc-ld.so.cache1.1" part: 0, or after the old part.
fn new_part_offset(data: &[u8]) -> Result<usize> {
    if data.starts_with(NEW_MAGIC) {
        return Ok(0);
    }
    if !data.starts_with(OLD_MAGIC) {
        bail!("unknown magic");
    }
    let nlibs = u32_at(data, OLD_MAGIC.len() + 1)? as usize;
    let offset = nlibs
        .checked_mul(OLD_ENTRY_LEN)
        .and_then(|n| n.checked_add(OLD_HEADER_LEN + 7))
        .map(|n| n & !7)
        .context("old entry table is too large")?;
    match data.get(offset..) {
        Some(rest) if rest.starts_with(NEW_MAGIC) => Ok(offset),
        _ => bail!("old libc5 format only"),
    }
}

fn u32_at(data: &[u8], at: usize) -> Result<u32> {
    let bytes = data.get(at..at + 4).context("truncated field")?;
    Ok(u32::from_le_bytes(bytes.try_into()?))
}

fn u64_at(data: &[u8], at: usize) -> Result<u64> {
    let bytes = data.get(at..at + 8).context("truncated field")?;
    Ok(u64::from_le_bytes(bytes.try_into()?))
}

fn string_at(data: &[u8], at: u32) -> Result<String> {
    let rest = data
        .get(at as usize..)
        .context("string offset past the end")?;
    let len = rest
        .iter()
        .position(|&b| b == 0)
        .context("unterminated string")?;
    Ok(std::str::from_utf8(&rest[..len])
        .context("string is not UTF-8")?
        .to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_system_cache() {
        let cache = LdCache::load(Path::new("/etc/ld.so.cache")).unwrap();
        let Some(cache) = crate::test_env::require(cache, "/etc/ld.so.cache", "reads_system_cache") else {
            return;
        };
        let libc = cache.get("libc.so.6").expect("libc.so.6 in the cache");
        assert!(libc.is_absolute() && libc.exists(), "{}", libc.display());
        if Path::new("/usr/lib/x86_64-linux-gnu/libssl.so.3").exists() {
            let ssl = cache.get("libssl.so.3").expect("libssl.so.3 in the cache");
            assert!(ssl.ends_with("libssl.so.3"));
        }
        assert!(cache.get("libdoes-not-exist.so.9").is_none());
    }

    #[test]
    fn missing_cache_is_none() {
        assert!(LdCache::load(Path::new("/nonexistent/ld.so.cache"))
            .unwrap()
            .is_none());
    }

    /// A cache with an old part and a new part holding an x86-64 entry, an
    /// i386 entry, an hwcap variant and a duplicate.
    fn synthetic(with_old: bool) -> Vec<u8> {
        let mut strings = Vec::new();
        let mut add = |s: &str| {
            let at = strings.len();
            strings.extend_from_slice(s.as_bytes());
            strings.push(0);
            at
        };
        let entries = [
            (
                0x0303u32,
                add("libx.so.1"),
                add("/v3/libx.so.1"),
                1u64 << 62,
            ),
            (0x0303, add("libx.so.1"), add("/lib64/libx.so.1"), 0),
            (0x0303, add("libx.so.1"), add("/other/libx.so.1"), 0),
            (0x0003, add("liby.so.2"), add("/lib32/liby.so.2"), 0),
        ];
        let strings_at = NEW_HEADER_LEN + entries.len() * NEW_ENTRY_LEN;
        let mut new = NEW_MAGIC.to_vec();
        new.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        new.extend_from_slice(&(strings.len() as u32).to_le_bytes());
        new.extend_from_slice(&[2, 0, 0, 0]);
        new.resize(NEW_HEADER_LEN, 0);
        for (flags, key, value, hwcap) in entries {
            new.extend_from_slice(&flags.to_le_bytes());
            new.extend_from_slice(&((strings_at + key) as u32).to_le_bytes());
            new.extend_from_slice(&((strings_at + value) as u32).to_le_bytes());
            new.extend_from_slice(&0u32.to_le_bytes());
            new.extend_from_slice(&hwcap.to_le_bytes());
        }
        new.extend_from_slice(&strings);
        if !with_old {
            return new;
        }
        let mut data = OLD_MAGIC.to_vec();
        data.push(0);
        data.extend_from_slice(&1u32.to_le_bytes());
        data.extend_from_slice(&[0; OLD_ENTRY_LEN]);
        data.resize(32, 0);
        data.extend_from_slice(&new);
        data
    }

    #[test]
    fn parses_new_and_old_plus_new() {
        for with_old in [false, true] {
            let cache = LdCache::parse(&synthetic(with_old)).unwrap();
            assert_eq!(cache.get("libx.so.1"), Some(Path::new("/lib64/libx.so.1")));
            assert_eq!(cache.get("liby.so.2"), None);
        }
    }

    #[test]
    fn an_unreadable_cache_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let err = LdCache::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("cannot read") && err.contains(&dir.path().display().to_string()), "{err}");
    }

    #[test]
    fn header_only_cache_is_empty_and_big_endian_is_refused() {
        // Flags 0 (caches before glibc 2.32 state no byte order) and 2
        // (little-endian) are read; 3 (big-endian) is refused.
        for flags in [0, 2] {
            let mut empty = NEW_MAGIC.to_vec();
            empty.resize(NEW_HEADER_LEN, 0);
            empty[28] = flags;
            assert!(LdCache::parse(&empty).unwrap().libs.is_empty());
            let mut one = synthetic(false);
            one[28] = flags;
            assert_eq!(LdCache::parse(&one).unwrap().get("libx.so.1"), Some(Path::new("/lib64/libx.so.1")));
        }
        let mut big = synthetic(false);
        big[28] = ENDIAN_BIG;
        assert!(LdCache::parse(&big).unwrap_err().to_string().contains("big-endian"));
    }

    #[test]
    fn an_old_part_without_a_new_one_is_refused() {
        let mut old_only = synthetic(true);
        old_only.truncate(32);
        old_only.extend_from_slice(b"not the new magic, just bytes after the old part");
        assert!(LdCache::parse(&old_only).unwrap_err().to_string().contains("libc5"));
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        let good = synthetic(true);
        for len in 0..good.len() {
            let _ = LdCache::parse(&good[..len]);
        }
        assert!(LdCache::parse(b"not a cache at all").is_err());
    }
}
