//! The interpreter's standard library: every module but the never-list
//! (tests, IDLE, tkinter, installers), and its extension modules.

use crate::probe::Interpreter;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Top-level stdlib names that are never bundled: tests, GUI toolkits and
/// tools for developing or installing Python, not for running an app.
const NEVER: &[&str] = &[
    "test", "idlelib", "tkinter", "turtle", "turtledemo", "ensurepip", "lib2to3", "pydoc_data", "venv",
    "__phello__", "__hello__", "__phello__.foo", "site-packages", "dist-packages", "sitecustomize",
    "usercustomize", "_tkinter", "xxlimited", "xxlimited_35", "xxsubtype", "_xxtestfuzz", "_ctypes_test",
    "_xxsubinterpreters", "_xxinterpchannels", "_xxinterpqueues",
];

/// Subpackages named like this hold a package's own tests.
const TEST_DIRS: &[&str] = &["test", "tests", "idle_test"];

/// A pure-Python stdlib module.
#[derive(Debug, Clone)]
pub struct SourceModule {
    pub path: PathBuf,
    /// Path inside the stdlib, `/`-separated, e.g. `json/__init__.py`.
    pub relative: String,
}

/// An extension module of the stdlib.
#[derive(Debug, Clone)]
pub struct ExtensionModule {
    pub path: PathBuf,
    pub module: String,
    pub file_name: String,
}

pub fn source_modules(python: &Interpreter) -> Result<Vec<SourceModule>> {
    let mut found = Vec::new();
    walk(&python.stdlib, "", &mut found)
        .with_context(|| format!("cannot read the standard library at {}", python.stdlib.display()))?;
    found.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(found)
}

fn walk(dir: &Path, prefix: &str, found: &mut Vec<SourceModule>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let top = prefix.is_empty();
        if path.is_dir() {
            let skip = name == "__pycache__"
                || name.starts_with("config-")
                || name == "lib-dynload"
                || name.contains('.')
                || (top && NEVER.contains(&name.as_str()))
                || (!top && TEST_DIRS.contains(&name.as_str()));
            if !skip {
                walk(&path, &format!("{prefix}{name}/"), found)?;
            }
        } else if let Some(stem) = name.strip_suffix(".py") {
            if !(top && NEVER.contains(&stem)) && !stem.contains('.') {
                found.push(SourceModule { path, relative: format!("{prefix}{name}") });
            }
        }
    }
    Ok(())
}

/// The stdlib's extension modules (`lib-dynload`), minus the never-list and
/// CPython's own test modules.
pub fn extension_modules(python: &Interpreter) -> Result<Vec<ExtensionModule>> {
    let Some(dir) = python.dynload.as_ref().filter(|d| d.is_dir()) else { return Ok(Vec::new()) };
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if !file_name.ends_with(".so") {
            continue;
        }
        let module = file_name.split('.').next().unwrap_or_default().to_string();
        if module.starts_with("_test") || NEVER.contains(&module.as_str()) {
            continue;
        }
        found.push(ExtensionModule { path: entry.path(), module, file_name });
    }
    found.sort_by(|a, b| a.module.cmp(&b.module));
    Ok(found)
}
