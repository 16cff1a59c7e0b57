//! `--entry-point NAME`: a console script that the project declares in
//! `[project.scripts]` (`NAME = "pkg.module:function"`), built as pipx and
//! uv install it: a small launcher script that imports the function, calls
//! it and exits with what it returns.

use crate::project_config::Pyproject;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// The launcher, in a temporary directory that lives as long as this.
pub struct EntryScript {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl EntryScript {
    pub fn path(&self) -> PathBuf {
        self.path.clone()
    }
}


/// Writes the launcher of `[project.scripts]` entry `name`.
pub fn script_for(pyproject: &Pyproject, name: &str) -> Result<EntryScript> {
    let file = pyproject.path.display();
    let scripts = pyproject.section("project.scripts")?;
    let Some(value) = scripts.and_then(|s| s.get(name)) else {
        let known: Vec<&str> = scripts.map(|s| s.keys().map(String::as_str).collect()).unwrap_or_default();
        bail!("entry point {name:?} is not in [project.scripts] of {file} (it has: {}); pass one of those names", list(&known));
    };
    let Some(spec) = value.as_str() else {
        bail!("[project.scripts] entry {name:?} in {file} is not a string like \"pkg.module:function\"; fix the file");
    };
    let source = launcher_source(spec)
        .with_context(|| format!("[project.scripts] entry {name:?} in {file} is {spec:?}, not \"pkg.module:function\""))?;
    if name.is_empty() || name.contains(['/', '\\']) {
        bail!("entry point {name:?} cannot be the name of an executable; use a name without slashes");
    }
    let dir = tempfile::Builder::new().prefix("pybundle-entry-").tempdir().context("cannot create a temporary directory")?;
    // Named so that it is no module name: it cannot shadow the package it
    // imports (`greet = "greet.cli:main"`).
    let path = dir.path().join(format!("{name} (entry point).py"));
    std::fs::write(&path, source).context("cannot write the entry point's launcher")?;
    Ok(EntryScript { path, _dir: dir })
}

/// The project's own source directories, where its package is found when it
/// is not installed: the project directory and its `src/`.
pub fn source_dirs(project: &Path) -> Vec<PathBuf> {
    let project = std::path::absolute(project).unwrap_or_else(|_| project.to_path_buf());
    let src = project.join("src");
    let mut dirs = vec![project];
    if src.is_dir() {
        dirs.push(src);
    }
    dirs
}

/// `module:attr.attr [extras]` as a Python launcher, or `None` if malformed.
fn launcher_source(spec: &str) -> Option<String> {
    let spec = spec.split('[').next()?.trim();
    let (module, object) = spec.split_once(':')?;
    let (module, object) = (module.trim(), object.trim());
    let dotted = |s: &str| !s.is_empty() && s.split('.').all(|part| !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_'));
    if !dotted(module) || !dotted(object) {
        return None;
    }
    let first = object.split('.').next()?;
    Some(format!("import sys\nfrom {module} import {first}\nsys.exit({object}())\n"))
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}
