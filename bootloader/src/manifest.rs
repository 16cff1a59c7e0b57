//! The manifest: what the stub needs to know to start the bundled Python.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the manifest layout; a stub refuses any other.
pub const FORMAT: u32 = 1;

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

    pub fn from_json(data: &[u8]) -> Result<Manifest, String> {
        let manifest: Manifest =
            serde_json::from_slice(data).map_err(|e| format!("unreadable manifest: {e}"))?;
        if manifest.format != FORMAT {
            return Err(format!(
                "manifest format {} is not the supported format {FORMAT}",
                manifest.format
            ));
        }
        Ok(manifest)
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

    fn sample() -> Manifest {
        Manifest {
            format: FORMAT,
            python: PythonInfo { version: (3, 11, 7), libpython: ".pybundle/lib/libpython3.11.so.1.0".into() },
            entry: "__main__.pyc".into(),
            entry_source: None,
            layout: Layout::Onefile,
            glibc_floor: Some("2.34".into()),
            natives: vec![
                Native { name: ".pybundle/lib/libpython3.11.so.1.0".into(), kind: NativeKind::Library, needs: vec![] },
                Native {
                    name: "_ssl.so".into(),
                    kind: NativeKind::Extension { module: "_ssl".into() },
                    needs: vec![".pybundle/lib/libssl.so.3".into()],
                },
            ],
            files: vec!["assets/logo.png".into()],
            hashes: BTreeMap::from([("__main__.pyc".into(), "ab".into())]),
            options: PythonOptions { optimize: 2, warnings: vec!["error".into()], ..Default::default() },
        }
    }

    #[test]
    fn round_trips_through_json() {
        let m = sample();
        assert_eq!(Manifest::from_json(&m.to_json()).unwrap(), m);
        assert_eq!(m.startup_libraries(), [".pybundle/lib/libpython3.11.so.1.0"]);
        assert_eq!(m.glibc_floor(), Some((2, 34)));
    }

    #[test]
    fn refuses_other_formats() {
        let mut m = sample();
        m.format = 99;
        assert!(Manifest::from_json(&m.to_json()).unwrap_err().contains("format 99"));
        assert!(Manifest::from_json(b"{").is_err());
    }
}
