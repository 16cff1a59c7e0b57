//! The manifest: what the stub needs to know to start the bundled Python.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the manifest layout; a stub refuses any other.
pub const FORMAT: u32 = 1;

/// The largest manifest a stub reads (a big app's is well under 1 MiB).
pub const MAX_JSON_BYTES: usize = 16 << 20;

/// Upper bounds on the manifest's lists and strings: a manifest is read
/// as untrusted input, and these keep a crafted one from making the stub
/// do unbounded work.
const MAX_ENTRIES: usize = 1 << 20;
const MAX_NAME_BYTES: usize = 4096;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: u32,
    pub python: PythonInfo,
    /// What runs as `__main__` (the archive name of the compiled entry).
    pub entry: String,
    /// The entry as the build was given it (`app.py`, `-m pkg`), for
    /// `pybundle inspect`; the stub does not read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_source: Option<String>,
    pub layout: Layout,
    /// Linux onefile: native files are decoded once into the user's cache
    /// directory and loaded from there by later starts (`--cache-natives`),
    /// instead of into memory files at every start.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cache_natives: bool,
    /// The newest glibc symbol version any bundled file needs, as "2.34".
    pub glibc_floor: Option<String>,
    /// Native files in the order they must be loaded; extension modules are
    /// loaded on import and listed after the libraries they need.
    pub natives: Vec<Native>,
    /// Files placed on disk at run time, by their path below
    /// [`crate::layout::FILES_DIR`] (where the archive holds them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// blake3 hex digest of every entry's content, by archive name.
    pub hashes: BTreeMap<String, String>,
    /// Interpreter options fixed at build time (`--python-option`).
    #[serde(default)]
    pub options: PythonOptions,
}

/// Interpreter flags, as `python` takes them on its command line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PythonOptions {
    /// `-O` (1) or `-OO` (2).
    pub optimize: u8,
    /// `-u`: unbuffered stdout and stderr.
    pub unbuffered: bool,
    /// `-X utf8=0` turns UTF-8 mode off; it is on by default.
    pub utf8_mode: bool,
    /// `-X dev`: development mode.
    pub dev_mode: bool,
    /// `-W` arguments, in order.
    pub warnings: Vec<String>,
    /// Other `-X` options, as `name` or `name=value`.
    pub xoptions: Vec<String>,
    /// A fixed hash seed (as `PYTHONHASHSEED`); 0 turns randomization off.
    pub hash_seed: Option<u32>,
}

impl Default for PythonOptions {
    fn default() -> PythonOptions {
        PythonOptions {
            optimize: 0,
            unbuffered: false,
            utf8_mode: true,
            dev_mode: false,
            warnings: Vec::new(),
            xoptions: Vec::new(),
            hash_seed: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PythonInfo {
    /// (major, minor, micro) of the bundled interpreter.
    pub version: (u32, u32, u32),
    /// The archive name of libpython, one of `natives`.
    pub libpython: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// Everything in the executable.
    Onefile,
    /// Native files live beside the executable under `_internal/`.
    Onedir,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Native {
    /// Archive name (also the relative path in onedir and cache layouts).
    pub name: String,
    #[serde(flatten)]
    pub kind: NativeKind,
    /// The bundled libraries this one needs, directly or not, in load order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum NativeKind {
    /// A shared library, loaded before Python starts.
    Library,
    /// An extension module, loaded when `module` is imported.
    Extension { module: String },
}

impl Manifest {
    pub fn to_json(&self) -> Vec<u8> {
        let mut text = serde_json::to_vec_pretty(self).expect("manifest serializes");
        text.push(b'\n');
        text
    }

    /// Reads a manifest and checks it as untrusted input ([`Manifest::validate`]).
    pub fn from_json(data: &[u8]) -> Result<Manifest, String> {
        if data.len() > MAX_JSON_BYTES {
            return Err(format!("the manifest is {} bytes, more than a stub reads", data.len()));
        }
        let manifest: Manifest =
            serde_json::from_slice(data).map_err(|e| format!("unreadable manifest: {e}"))?;
        if manifest.format != FORMAT {
            return Err(format!(
                "manifest format {} is not the supported format {FORMAT}",
                manifest.format
            ));
        }
        manifest.validate()?;
        Ok(manifest)
    }

    /// Checks what the stub relies on: every name is a relative archive
    /// path (see [`check_archive_name`]), every native, file and the entry
    /// has a hash, the names a native needs are natives, libpython is one,
    /// and versions, options and list sizes are in range.
    pub fn validate(&self) -> Result<(), String> {
        let (major, minor, micro) = self.python.version;
        if major != 3 || !(8..100).contains(&minor) || micro > 1000 {
            return Err(format!("Python version {major}.{minor}.{micro} is not one a bundle can carry"));
        }
        if self.natives.len() > MAX_ENTRIES || self.hashes.len() > MAX_ENTRIES || self.files.len() > MAX_ENTRIES {
            return Err("the manifest lists more entries than a bundle can hold".into());
        }
        for (name, hash) in &self.hashes {
            check_archive_name(name)?;
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
                return Err(format!("the hash of {name} is not a blake3 hex digest"));
            }
        }
        let hashed = |name: &str| -> Result<(), String> {
            match self.hashes.contains_key(name) {
                true => Ok(()),
                false => Err(format!("{name} has no hash in the manifest")),
            }
        };
        hashed(&self.entry)?;
        for native in &self.natives {
            hashed(&native.name)?;
            if native.name.ends_with('/') {
                return Err(format!("native {} is a directory", native.name));
            }
            if let NativeKind::Extension { module } = &native.kind {
                check_module_name(module)?;
            }
            if let Some(missing) = native.needs.iter().find(|n| self.native(n).is_none()) {
                return Err(format!("{} needs {missing}, which is not a native of the bundle", native.name));
            }
        }
        if !self.natives.iter().any(|n| n.name == self.python.libpython && n.kind == NativeKind::Library) {
            return Err(format!("libpython {} is not a library of the bundle", self.python.libpython));
        }
        for file in &self.files {
            hashed(&format!("{}/{file}", crate::layout::FILES_DIR))?;
        }
        if let Some(floor) = &self.glibc_floor {
            parse_version_pair(floor).ok_or_else(|| format!("glibc floor {floor:?} is not a version"))?;
        }
        self.options.validate()
    }

    pub fn native(&self, name: &str) -> Option<&Native> {
        self.natives.iter().find(|n| n.name == name)
    }

    /// The libraries loaded before Python starts: libpython and what it
    /// needs, and libgcc_s (which glibc loads by name when a thread exits).
    pub fn startup_libraries(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .natives
            .iter()
            .filter(|n| n.kind == NativeKind::Library && n.name.ends_with("/libgcc_s.so.1"))
            .map(|n| n.name.as_str())
            .collect();
        if let Some(python) = self.native(&self.python.libpython) {
            names.extend(python.needs.iter().map(String::as_str).filter(|n| !names.contains(n)).collect::<Vec<_>>());
            names.push(&python.name);
        }
        names
    }

    /// Parsed glibc floor as (major, minor).
    pub fn glibc_floor(&self) -> Option<(u32, u32)> {
        parse_version_pair(self.glibc_floor.as_deref()?)
    }
}

impl PythonOptions {
    fn validate(&self) -> Result<(), String> {
        if self.optimize > 2 {
            return Err(format!("optimization level {} is not 0, 1 or 2", self.optimize));
        }
        let texts = self.warnings.iter().chain(&self.xoptions);
        if texts.clone().count() > MAX_ENTRIES || texts.clone().any(|t| t.contains('\0') || t.len() > MAX_NAME_BYTES) {
            return Err("an interpreter option in the manifest is not a plain string".into());
        }
        Ok(())
    }
}

/// An archive entry's name as the stub accepts it: `/`-separated and
/// relative, so that joined to a directory it stays inside it on Linux and
/// Windows. No NUL, backslash, drive prefix, empty, `.` or `..` part, at
/// most [`MAX_NAME_BYTES`]; a directory entry ends with one `/`.
pub fn check_archive_name(name: &str) -> Result<(), String> {
    let path = name.strip_suffix('/').unwrap_or(name);
    let bad_part = |part: &str| {
        let drive = part.len() >= 2 && part.as_bytes()[0].is_ascii_alphabetic() && part.as_bytes()[1] == b':';
        part.is_empty() || part == "." || part == ".." || drive
    };
    if name.len() > MAX_NAME_BYTES || name.contains(['\0', '\\']) || path.split('/').any(bad_part) {
        return Err(format!("{name:?} is not a relative path inside the bundle"));
    }
    Ok(())
}

/// A dotted module name: identifiers (any non-ASCII letters) joined by dots.
fn check_module_name(module: &str) -> Result<(), String> {
    let part_ok = |p: &str| !p.is_empty() && !p.starts_with(|c: char| c.is_ascii_digit()) && p.chars().all(|c| c == '_' || c.is_alphanumeric());
    if module.len() > MAX_NAME_BYTES || !module.split('.').all(part_ok) {
        return Err(format!("{module:?} is not a module name"));
    }
    Ok(())
}

/// Parses "2.34" (or "2.34.1") into (2, 34).
pub fn parse_version_pair(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIBPYTHON: &str = ".pybundle/lib/libpython3.11.so.1.0";
    const LIBSSL: &str = ".pybundle/lib/libssl.so.3";

    fn sample() -> Manifest {
        let hash = blake3::hash(b"").to_hex().to_string();
        let names = [LIBPYTHON, LIBSSL, "_ssl.so", "__main__.pyc", ".pybundle/files/assets/logo.png", "ns/"];
        Manifest {
            format: FORMAT,
            python: PythonInfo { version: (3, 11, 7), libpython: LIBPYTHON.into() },
            entry: "__main__.pyc".into(),
            entry_source: None,
            layout: Layout::Onefile,
            cache_natives: false,
            glibc_floor: Some("2.34".into()),
            natives: vec![
                Native { name: LIBPYTHON.into(), kind: NativeKind::Library, needs: vec![] },
                Native { name: LIBSSL.into(), kind: NativeKind::Library, needs: vec![] },
                Native {
                    name: "_ssl.so".into(),
                    kind: NativeKind::Extension { module: "_ssl".into() },
                    needs: vec![LIBSSL.into()],
                },
            ],
            files: vec!["assets/logo.png".into()],
            hashes: names.iter().map(|n| (n.to_string(), hash.clone())).collect(),
            options: PythonOptions { optimize: 2, warnings: vec!["error".into()], ..Default::default() },
        }
    }

    fn refused(m: &Manifest) -> String {
        Manifest::from_json(&m.to_json()).expect_err("the manifest should be refused")
    }

    #[test]
    fn round_trips_through_json() {
        let m = sample();
        assert_eq!(Manifest::from_json(&m.to_json()).unwrap(), m);
        assert_eq!(m.startup_libraries(), [LIBPYTHON]);
        assert_eq!(m.glibc_floor(), Some((2, 34)));
    }

    #[test]
    fn refuses_other_formats() {
        let mut m = sample();
        m.format = 99;
        assert!(refused(&m).contains("format 99"));
        assert!(Manifest::from_json(b"{").is_err());
    }

    #[test]
    fn refuses_names_that_leave_the_bundle() {
        for bad in ["../evil.so", "a/../../b", "/etc/passwd", "a//b", "./a", "a\\..\\b", "C:evil", "lib/c:x", "a\0b", ""] {
            let mut m = sample();
            m.natives[1].name = bad.into();
            m.natives[2].needs = vec![bad.into()];
            m.hashes.insert(bad.into(), blake3::hash(b"").to_hex().to_string());
            assert!(refused(&m).contains("relative path"), "{bad:?} was accepted");
        }
        for good in ["pkg/", "a/b.c", "lib/ab:c", ".pybundle/lib/libz.so.1"] {
            assert_eq!(check_archive_name(good), Ok(()), "{good:?} was refused");
        }
    }

    #[test]
    fn refuses_broken_references_and_values() {
        let mut m = sample();
        m.natives[2].needs.push(".pybundle/lib/libmissing.so".into());
        assert!(refused(&m).contains("libmissing"));
        let mut m = sample();
        m.hashes.remove("__main__.pyc");
        assert!(refused(&m).contains("__main__.pyc has no hash"));
        let mut m = sample();
        m.python.libpython = "_ssl.so".into();
        assert!(refused(&m).contains("libpython"));
        let mut m = sample();
        m.python.version = (3, 4_000_000_000, 0);
        assert!(refused(&m).contains("version"));
        let mut m = sample();
        m.natives[2].kind = NativeKind::Extension { module: "_ssl\0x".into() };
        assert!(refused(&m).contains("module name"));
        let mut m = sample();
        m.options.xoptions.push("a\0b".into());
        assert!(refused(&m).contains("option"));
        let mut m = sample();
        m.hashes.insert("x.pyc".into(), "AB".into());
        assert!(refused(&m).contains("digest"));
        assert!(Manifest::from_json(&vec![b' '; MAX_JSON_BYTES + 1]).unwrap_err().contains("more than"));
    }
}
