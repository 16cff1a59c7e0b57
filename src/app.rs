//! The application's own code: the entry script, and the modules and
//! packages beside it that it imports (packages come whole, data included).

use anyhow::{bail, Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One file of the application, at its path inside the bundle.
#[derive(Debug, Clone)]
pub struct AppFile {
    pub path: PathBuf,
    /// `/`-separated path in the archive, e.g. `mypkg/data/greeting.txt`.
    pub relative: String,
}

#[derive(Debug)]
pub struct App {
    pub script: PathBuf,
    /// The name tracebacks show for the script, e.g. `app.py`.
    pub script_display: String,
    /// Local `.py` modules, by archive path.
    pub modules: Vec<AppFile>,
    /// Local package data files.
    pub data: Vec<AppFile>,
}

/// Finds the script and the local modules it reaches.
pub fn analyze(script: &Path) -> Result<App> {
    if !script.is_file() {
        bail!("script {} not found; pass the path of the app's .py file", script.display());
    }
    let script = std::fs::canonicalize(script).with_context(|| format!("cannot resolve {}", script.display()))?;
    let root = script.parent().unwrap_or(Path::new("/")).to_path_buf();
    let script_display = script.file_name().unwrap_or_default().to_string_lossy().into_owned();

    let mut files: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut seen_tops = BTreeSet::new();
    let mut queue = vec![script.clone()];
    while let Some(file) = queue.pop() {
        let text = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
        for top in imported_top_names(&String::from_utf8_lossy(&text)) {
            if !seen_tops.insert(top.clone()) {
                continue;
            }
            for (relative, path) in local_files(&root, &top)? {
                if relative.ends_with(".py") {
                    queue.push(path.clone());
                }
                files.insert(relative, path);
            }
        }
    }
    let (modules, data) = files
        .into_iter()
        .map(|(relative, path)| AppFile { path, relative })
        .partition(|f| f.relative.ends_with(".py"));
    Ok(App { script, script_display, modules, data })
}

/// The files of top-level module `name` if it lives in `root`: `name.py`, or
/// the whole package directory `name/`.
fn local_files(root: &Path, name: &str) -> Result<Vec<(String, PathBuf)>> {
    let module = root.join(format!("{name}.py"));
    if module.is_file() {
        return Ok(vec![(format!("{name}.py"), module)]);
    }
    let package = root.join(name);
    let mut out = Vec::new();
    if package.is_dir() {
        collect_tree(&package, name, &mut out)
            .with_context(|| format!("cannot read package {}", package.display()))?;
    }
    Ok(out)
}

fn collect_tree(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name == "__pycache__" || name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect_tree(&path, &format!("{prefix}/{name}"), out)?;
        } else if !name.ends_with(".pyc") {
            out.push((format!("{prefix}/{name}"), path));
        }
    }
    Ok(())
}

/// Top-level names in `import a.b`, `from a.b import c`, `import a as b`
/// statements (absolute imports only; relative ones stay inside a package,
/// which is bundled whole).
fn imported_top_names(source: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for statement in source.lines().flat_map(|line| line.split(';')) {
        let statement = statement.split('#').next().unwrap_or("").trim();
        if let Some(rest) = statement.strip_prefix("import ") {
            for part in rest.split(',') {
                if let Some(name) = top_name(part) {
                    names.insert(name);
                }
            }
        } else if let Some(rest) = statement.strip_prefix("from ") {
            if let Some(name) = top_name(rest) {
                names.insert(name);
            }
        }
    }
    names
}

fn top_name(text: &str) -> Option<String> {
    let first = text.trim().split(|c: char| c.is_whitespace() || c == '.').next()?;
    let valid = !first.is_empty() && first.chars().all(|c| c.is_alphanumeric() || c == '_');
    valid.then(|| first.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_absolute_imports_only() {
        let names = imported_top_names(
            "import os, sys as system\nfrom mypkg.sub import x  # c\n  from . import y\nimport a.b; import c\n",
        );
        let names: Vec<_> = names.into_iter().collect();
        assert_eq!(names, ["a", "c", "mypkg", "os", "sys"]);
    }
}
