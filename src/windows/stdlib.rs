//! The stdlib of a Windows bundle: the embeddable distribution's bytecode
//! (`python3X.zip`), taken as it is. When the compiling CPython has the
//! stdlib's sources, the import analysis reads them (as the target, win32)
//! and only the modules the app reaches are taken; without them, all are.

use super::home::Home;
use crate::analyze;
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// What CPython imports while it starts on Windows, before the app runs,
/// and what it uses to print a traceback.
pub const STARTUP: &[&str] = &[
    "abc", "codecs", "io", "os", "stat", "ntpath", "genericpath", "_collections_abc", "site",
    "_sitebuiltins", "traceback", "linecache", "warnings",
];

/// Modules built into python3X.dll of every CPython 3.8+ for Windows
/// (more are, varying by version; the analysis finds those missing).
pub const BUILTIN: &[&str] = &[
    "builtins", "sys", "_imp", "_io", "marshal", "nt", "_thread", "_warnings", "_weakref", "winreg", "msvcrt", "_winapi",
    "time", "math", "errno", "gc", "itertools", "atexit", "_codecs", "_signal", "_sre", "_stat", "_string", "_abc",
    "_collections", "_functools", "_operator", "_locale",
];

/// The stdlib's bytecode from python3X.zip, with its magic number (hex).
pub struct Stdlib {
    /// By archive name, e.g. `json/__init__.pyc`.
    pub pycs: BTreeMap<String, Vec<u8>>,
    pub magic: String,
}

pub fn read(home: &Home) -> Result<Stdlib> {
    let mut archive = zip::ZipArchive::new(Cursor::new(&home.files[&home.stdlib_zip]))
        .with_context(|| format!("{} is not a zip file; the embeddable distribution is damaged", home.stdlib_zip))?;
    let mut pycs = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        let name = file.name()?.to_string();
        let top = name.split('/').next().unwrap_or_default().trim_end_matches(".pyc");
        if !name.ends_with(".pyc") || analyze::NEVER.contains(&top) {
            continue;
        }
        let mut data = Vec::with_capacity(file.size() as usize);
        file.read_to_end(&mut data)?;
        pycs.insert(name, data);
    }
    let Some(magic) = pycs.values().next().and_then(|data| data.get(..4)).map(hex) else {
        bail!("{} holds no .pyc files; the embeddable distribution is damaged", home.stdlib_zip);
    };
    if let Some((name, _)) = pycs.iter().find(|(_, data)| data.get(..4).map(hex).as_deref() != Some(magic.as_str())) {
        bail!("{name} in {} has another bytecode magic than the rest; the embeddable distribution is damaged", home.stdlib_zip);
    }
    Ok(Stdlib { pycs, magic })
}


fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
