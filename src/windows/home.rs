//! The official embeddable CPython distribution for Windows
//! (`python-3.X.Y-embed-amd64`), unpacked or as its zip: `python3X.dll`,
//! `python3.dll`, the VC runtime and other DLLs, the stdlib's extension
//! modules (`.pyd`), and `python3X.zip` with the stdlib's bytecode.

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;

pub struct Home {
    /// The distribution's top-level files by name (it has no directories).
    pub files: BTreeMap<String, Vec<u8>>,
    /// (major, minor, micro); micro is 0 if the DLL does not say.
    pub version: (u32, u32, u32),
    /// `python3X.dll`.
    pub dll: String,
    /// `python3X.zip`: the stdlib's `.pyc` files.
    pub stdlib_zip: String,
}

/// Reads the distribution at `path`: a directory, or a zip whose files are
/// at its top or inside one top-level directory.
pub fn open(path: &Path) -> Result<Home> {
    let files = if path.is_dir() {
        read_dir(path)?
    } else if path.is_file() {
        read_zip(path)?
    } else {
        bail!("--python-home {} not found; pass the unpacked embeddable distribution or its zip", path.display());
    };
    let Some((dll, minor)) = files.keys().find_map(|name| python_dll(name)) else {
        bail!(
            "{} has no python3X.dll; pass the official embeddable distribution (python-3.X.Y-embed-amd64.zip) as --python-home",
            path.display()
        );
    };
    let stdlib_zip = format!("python3{minor}.zip");
    if !files.contains_key(&stdlib_zip) {
        bail!("{} has no {stdlib_zip}; pass the official embeddable distribution as --python-home", path.display());
    }
    let micro = product_micro(&files[&dll], minor).unwrap_or(0);
    Ok(Home { version: (3, minor, micro), dll, stdlib_zip, files })
}

fn read_dir(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            let data = std::fs::read(entry.path()).with_context(|| format!("cannot read {}", entry.path().display()))?;
            files.insert(entry.file_name().to_string_lossy().into_owned(), data);
        }
    }
    Ok(files)
}

fn read_zip(path: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .with_context(|| format!("{} is not a zip file; pass the embeddable distribution's zip or its unpacked directory", path.display()))?;
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        if file.is_dir() {
            continue;
        }
        let name = file.name()?.to_string();
        let mut data = Vec::with_capacity(file.size() as usize);
        file.read_to_end(&mut data).with_context(|| format!("cannot read {name} in {}", path.display()))?;
        entries.push((name, data));
    }
    // Files at the top, or all inside one directory.
    let prefix = match entries.first().and_then(|(name, _)| name.split_once('/')) {
        Some((dir, _)) if entries.iter().all(|(n, _)| n.starts_with(&format!("{dir}/"))) => format!("{dir}/"),
        _ => String::new(),
    };
    Ok(entries
        .into_iter()
        .filter_map(|(name, data)| {
            let name = name.strip_prefix(&prefix)?.to_string();
            (!name.contains('/')).then_some((name, data))
        })
        .collect())
}

/// `python313.dll` → ("python313.dll", 13).
fn python_dll(name: &str) -> Option<(String, u32)> {
    let digits = name.to_ascii_lowercase().strip_prefix("python3")?.strip_suffix(".dll")?.to_string();
    let minor = digits.parse().ok().filter(|m| *m >= 8)?;
    Some((name.to_string(), minor))
}

/// The micro version from the DLL's version resource: its ProductVersion
/// string, as `3.13.2`, in UTF-16.
fn product_micro(dll: &[u8], minor: u32) -> Option<u32> {
    let prefix: Vec<u8> = format!("3.{minor}.").encode_utf16().flat_map(u16::to_le_bytes).collect();
    let key: Vec<u8> = "ProductVersion".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let at = dll.windows(key.len()).position(|w| w == key)? + key.len();
    let value = dll.get(at..at + 64)?;
    let start = value.windows(prefix.len()).position(|w| w == prefix)? + prefix.len();
    let digits: String = value[start..]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|c| (u16::from(b'0')..=u16::from(b'9')).contains(c))
        .map(|c| char::from(c as u8))
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_python_dlls() {
        assert_eq!(python_dll("python313.dll"), Some(("python313.dll".into(), 13)));
        assert_eq!(python_dll("python39.dll"), Some(("python39.dll".into(), 9)));
        assert_eq!(python_dll("python3.dll"), None);
        assert_eq!(python_dll("python27.dll"), None);
    }

    #[test]
    fn reads_the_micro_version() {
        let mut dll = b"junk".to_vec();
        for text in ["ProductVersion", "\0\0", "3.13.2"] {
            dll.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        }
        dll.extend([0; 64]);
        assert_eq!(product_micro(&dll, 13), Some(2));
        assert_eq!(product_micro(b"nothing", 13), None);
    }
}
