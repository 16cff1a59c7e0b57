//! The import roots that CPython's `site` adds at start-up: the
//! site-packages directories (a virtualenv's, found from its `pyvenv.cfg`
//! as `site` does) and the directories named in their `.pth` files
//! (editable installs), in `site`'s order. Needed because the probe runs
//! without `site` (`-S`), and then reports the base interpreter's paths.

use crate::probe::Interpreter;
use std::path::{Path, PathBuf};

/// The site-packages directories of `interpreter`: a virtualenv's own
/// (and the base interpreter's if `include-system-site-packages` is true),
/// else the interpreter's.
pub fn site_packages(interpreter: &Interpreter) -> Vec<PathBuf> {
    let (major, minor, _) = interpreter.version;
    let system = system_site_packages(interpreter, &format!("python{major}.{minor}"));
    let Some((root, include_system)) = virtualenv(&interpreter.executable) else { return system };
    let mut dirs = vec![root.join(format!("lib/python{major}.{minor}/site-packages"))];
    if include_system {
        dirs.extend(system);
    }
    dirs
}

/// An interpreter's own site directories, as `site.getsitepackages()` has
/// them: purelib and platlib, then under its prefix the upstream
/// `lib/pythonX.Y/site-packages` and Debian's `local/lib/pythonX.Y/dist-packages`,
/// `lib/python3/dist-packages` and `lib/pythonX.Y/dist-packages` (missing
/// ones are dropped later).
fn system_site_packages(interpreter: &Interpreter, label: &str) -> Vec<PathBuf> {
    let mut dirs = vec![interpreter.purelib.clone(), interpreter.platlib.clone()];
    // The stdlib is PREFIX/lib/pythonX.Y.
    if let Some(prefix) = interpreter.stdlib.parent().and_then(Path::parent) {
        for relative in [format!("lib/{label}/site-packages"), format!("local/lib/{label}/dist-packages"), "lib/python3/dist-packages".into(), format!("lib/{label}/dist-packages")] {
            dirs.push(prefix.join(relative));
        }
    }
    dirs
}

/// The virtualenv that `executable` belongs to: the directory holding
/// `pyvenv.cfg` next to it or one level up, and whether the cfg includes
/// the system site-packages.
fn virtualenv(executable: &Path) -> Option<(PathBuf, bool)> {
    let bin = executable.parent()?;
    let root = [bin, bin.parent()?].into_iter().find(|d| d.join("pyvenv.cfg").is_file())?;
    let config = std::fs::read_to_string(root.join("pyvenv.cfg")).ok()?;
    let include_system = config.lines().any(|line| {
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        key.trim().eq_ignore_ascii_case("include-system-site-packages") && value.trim().eq_ignore_ascii_case("true")
    });
    Some((root.to_path_buf(), include_system))
}

/// `dirs` (site-packages directories), each followed by the existing
/// directories its `.pth` files name.
pub fn site_entries(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = Vec::new();
    for dir in dirs {
        if entries.contains(dir) || !dir.is_dir() {
            continue;
        }
        entries.push(dir.clone());
        for path in pth_paths(dir) {
            if !entries.contains(&path) {
                entries.push(path);
            }
        }
    }
    entries
}

/// The directories that the `.pth` files of `dir` add, as `site` reads
/// them: files in name order, `#` comments and `import` lines skipped,
/// other lines joined to `dir` and kept if they exist.
fn pth_paths(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = read
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or(".");
            name.ends_with(".pth") && !name.starts_with('.')
        })
        .collect();
    files.sort();
    let mut paths = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        for line in text.lines() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') || line.starts_with("import ") || line.starts_with("import\t") {
                continue;
            }
            let path = dir.join(line);
            if path.is_dir() {
                paths.push(path);
            }
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pth_files_add_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site-packages");
        let src = tmp.path().join("project/src");
        std::fs::create_dir_all(&site).unwrap();
        std::fs::create_dir_all(&src).unwrap();
        // A comment is skipped even where a directory has its text as name.
        std::fs::create_dir_all(site.join("# comment")).unwrap();
        std::fs::write(site.join("b.pth"), "import _virtualenv\n# comment\n../project/src\n/nonexistent\n").unwrap();
        std::fs::write(site.join("a.pth"), format!("{}\n", tmp.path().display())).unwrap();
        std::fs::write(site.join(".hidden.pth"), "../project\n").unwrap();
        let entries = site_entries(&[site.clone(), site.clone(), tmp.path().join("absent")]);
        assert_eq!(entries, [site.clone(), tmp.path().to_path_buf(), site.join("../project/src")]);
    }

    #[test]
    fn virtualenvs_from_their_cfg() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("bin")).unwrap();
        std::fs::write(tmp.path().join("pyvenv.cfg"), "home = /usr/bin\ninclude-system-site-packages = true\n").unwrap();
        assert_eq!(virtualenv(&tmp.path().join("bin/python")), Some((tmp.path().to_path_buf(), true)));
        std::fs::write(tmp.path().join("pyvenv.cfg"), "home = /usr/bin\ninclude-system-site-packages = false\n").unwrap();
        assert_eq!(virtualenv(&tmp.path().join("bin/python")), Some((tmp.path().to_path_buf(), false)));
        assert_eq!(virtualenv(Path::new("/usr/bin/python3")), None);
    }
}
