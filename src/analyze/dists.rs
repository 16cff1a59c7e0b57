//! Installed distributions: which one installed a module, found through
//! the `*.dist-info/RECORD` files of the module's search path entry (read
//! once per entry), and each reached distribution's files and modules.
//! An `*.egg-info` directory (setuptools' older format, as a source
//! checkout on `--paths` has it) counts too: its files are its own,
//! those `installed-files.txt` lists, else the packages and modules
//! `top_level.txt` names.

use super::condition::Target;
use super::markers;
use super::resolve::Listings;
use super::rules::is_test_dir;
use super::Distribution;
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// One `*.dist-info` (or `*.egg-info`) directory and the paths it lists
/// (relative to its site directory, `/`-separated, inside it).
struct Installed {
    site: PathBuf,
    dist_info: PathBuf,
    record: Vec<String>,
    /// Name and version, read from METADATA when first needed.
    metadata: OnceCell<(String, String)>,
    /// Normalized names of its requirements on the target, likewise.
    requires: OnceCell<HashSet<String>>,
}

impl Installed {
    fn metadata(&self) -> &(String, String) {
        self.metadata.get_or_init(|| metadata(&self.dist_info))
    }
}

/// The distributions of every search path entry looked at so far.
#[derive(Default)]
pub struct Sites {
    indexed: HashMap<PathBuf, HashMap<String, usize>>,
    installed: Vec<Installed>,
}

impl Sites {
    /// The distribution that installed `file`, found in search path entry
    /// `site`.
    pub fn owner(&mut self, listings: &mut Listings, site: &Path, file: &Path) -> Option<usize> {
        let relative = file.strip_prefix(site).ok()?.to_str()?.to_string();
        if !self.indexed.contains_key(site) {
            let owners = self.index(listings, site);
            self.indexed.insert(site.to_path_buf(), owners);
        }
        self.indexed.get(site)?.get(&relative).copied()
    }

    fn index(&mut self, listings: &mut Listings, site: &Path) -> HashMap<String, usize> {
        let mut owners = HashMap::new();
        let Some(listing) = listings.get(site) else { return owners };
        let mut dist_infos: Vec<&String> =
            listing.dirs.iter().filter(|d| d.ends_with(".dist-info") || d.ends_with(".egg-info")).collect();
        dist_infos.sort();
        for name in dist_infos {
            let dist_info = site.join(name);
            let record = if name.ends_with(".egg-info") {
                egg_info_files(site, name)
            } else {
                let Ok(text) = std::fs::read_to_string(dist_info.join("RECORD")) else { continue };
                text.lines().filter_map(record_path).collect()
            };
            let id = self.installed.len();
            for path in &record {
                owners.insert(path.clone(), id);
            }
            self.installed.push(Installed { site: site.to_path_buf(), dist_info, record, metadata: OnceCell::new(), requires: OnceCell::new() });
        }
        owners
    }

    /// The modules distribution `id` installed, by dotted name: its `.py`
    /// files and extension modules (by `extension_stem`) in directories
    /// named like packages. A module's own name need not be an identifier
    /// (Django lists its package to import migrations such as
    /// `0001_initial.py`). Modules under a directory named like a test
    /// suite ([`TEST_DIRS`](super::TEST_DIRS)) are not listed; the suites
    /// are, apart (`pkg.tests`).
    pub fn module_names(&self, id: usize, extension_stem: impl Fn(&str) -> Option<String>) -> (Vec<String>, Vec<String>) {
        let (mut names, mut suites) = (Vec::new(), Vec::new());
        for path in &self.installed[id].record {
            let (dir, file) = path.rsplit_once('/').map_or(("", path.as_str()), |(d, f)| (d, f));
            let stem = match file.strip_suffix(".py") {
                Some("__init__") => None,
                Some(stem) => Some(stem.to_string()),
                None => match extension_stem(file) {
                    Some(stem) if stem == "__init__" => None,
                    Some(stem) => Some(stem),
                    None => continue,
                },
            };
            let dirs: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
            let importable = dirs.iter().all(|p| super::imports::is_identifier(p))
                && stem.as_deref().is_none_or(|s| if dirs.is_empty() { super::imports::is_identifier(s) } else { super::imports::is_module_stem(s) });
            if !importable || (dirs.is_empty() && stem.is_none()) {
                continue;
            }
            match dirs.iter().position(|d| is_test_dir(d)) {
                Some(suite) => suites.push(dirs[..=suite].join(".")),
                None => names.push(dirs.iter().copied().chain(stem.as_deref()).collect::<Vec<_>>().join(".")),
            }
        }
        for list in [&mut names, &mut suites] {
            list.sort();
            list.dedup();
        }
        (names, suites)
    }

    /// Distribution `id` as the bundle takes it: every file its RECORD
    /// lists but bytecode caches, the modules `excluded` names and test
    /// packages that are not `imported`. Files that RECORD lists but that
    /// are gone give a warning.
    pub fn distribution(
        &self,
        id: usize,
        excluded: impl Fn(&str) -> bool,
        imported: impl Fn(&str) -> bool,
        warnings: &mut Vec<String>,
    ) -> Distribution {
        let installed = &self.installed[id];
        let (name, version) = installed.metadata().clone();
        let listed: HashSet<&str> = installed.record.iter().map(String::as_str).collect();
        let mut files = Vec::new();
        for path in &installed.record {
            let parts: Vec<&str> = path.split('/').collect();
            let dirs = &parts[..parts.len() - 1];
            let unused_suite = test_package(dirs, &listed).is_some_and(|suite| !imported(&suite));
            if dirs.contains(&"__pycache__") || unused_suite || excluded_file(&parts, &excluded) {
                continue;
            }
            let absolute = installed.site.join(path);
            if absolute.is_file() {
                files.push((absolute, path.clone()));
            } else {
                warnings.push(format!(
                    "{} lists {path}, which is not installed; reinstall {name} to repair it",
                    installed.dist_info.join("RECORD").display()
                ));
            }
        }
        Distribution { name, version, dist_info: installed.dist_info.clone(), files }
    }

    pub fn name(&self, id: usize) -> &str {
        &self.installed[id].metadata().0
    }

    /// The distributions installed beside `id` that it requires on `target`.
    pub fn requirements(&self, id: usize, target: &Target) -> Vec<usize> {
        let wanted = self.installed[id].requires.get_or_init(|| requirement_names(&self.installed[id].dist_info, target));
        let site = &self.installed[id].site;
        (0..self.installed.len())
            .filter(|&other| other != id && &self.installed[other].site == site)
            .filter(|&other| wanted.contains(&normalize(&self.installed[other].metadata().0)))
            .collect()
    }
}

/// The files of the egg-info directory `name` in `site`, as RECORD paths:
/// its own, and those `installed-files.txt` lists (relative to it), else
/// every file of the packages and modules `top_level.txt` names.
fn egg_info_files(site: &Path, name: &str) -> Vec<String> {
    let egg_info = site.join(name);
    let mut files: Vec<String> = Vec::new();
    files_below(site, &egg_info, &mut files);
    if let Ok(text) = std::fs::read_to_string(egg_info.join("installed-files.txt")) {
        files.extend(text.lines().filter_map(|line| record_path(&format!("{name}/{line}"))));
    } else if let Ok(text) = std::fs::read_to_string(egg_info.join("top_level.txt")) {
        for top in text.lines().map(str::trim).filter(|t| !t.is_empty()) {
            files_below(site, &site.join(top), &mut files);
            if site.join(format!("{top}.py")).is_file() {
                files.push(format!("{top}.py"));
            }
        }
    }
    files.sort();
    files.dedup();
    files
}

/// Every regular file below `dir` (none if it is not a directory), as a
/// `/`-separated path relative to `site`.
fn files_below(site: &Path, dir: &Path, files: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => files_below(site, &path, files),
            Ok(kind) if kind.is_file() => {
                if let Some(relative) = path.strip_prefix(site).ok().and_then(Path::to_str) {
                    files.push(relative.replace(std::path::MAIN_SEPARATOR, "/"));
                }
            }
            _ => {}
        }
    }
}

/// A distribution's core metadata: `METADATA`, or an egg-info's `PKG-INFO`.
fn core_metadata(dist_info: &Path) -> Option<String> {
    std::fs::read_to_string(dist_info.join("METADATA")).or_else(|_| std::fs::read_to_string(dist_info.join("PKG-INFO"))).ok()
}

/// Normalized names (PEP 503) of a distribution's requirements that
/// apply on `target` (no extra, and an environment marker not false
/// there), from its METADATA.
fn requirement_names(dist_info: &Path, target: &Target) -> HashSet<String> {
    let Some(text) = core_metadata(dist_info) else { return HashSet::new() };
    text.lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.strip_prefix("Requires-Dist:"))
        .filter(|requirement| !requirement.contains("extra"))
        .filter(|requirement| requirement.split_once(';').is_none_or(|(_, marker)| markers::applies(marker, target)))
        .map(|requirement| {
            let end = requirement.trim().find(|c: char| !(c.is_alphanumeric() || "-_.".contains(c)));
            let name = &requirement.trim()[..end.unwrap_or(requirement.trim().len())];
            normalize(name)
        })
        .collect()
}

/// PEP 503 name normalization: lowercase, runs of `-_.` as one `-`.
fn normalize(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if "-_.".contains(c) {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The test package (`tests/` with an `__init__.py` in RECORD) that a file
/// in `dirs` is under, as a dotted name.
fn test_package(dirs: &[&str], listed: &HashSet<&str>) -> Option<String> {
    (0..dirs.len())
        .find(|&i| is_test_dir(dirs[i]) && listed.contains(format!("{}/__init__.py", dirs[..=i].join("/")).as_str()))
        .map(|i| dirs[..=i].join("."))
}

/// A file of an excluded module: its directories or its own stem, read as
/// dotted module names.
fn excluded_file(parts: &[&str], excluded: &impl Fn(&str) -> bool) -> bool {
    let stem = parts[parts.len() - 1].split('.').next().unwrap_or_default();
    let mut dotted = String::new();
    for part in parts[..parts.len() - 1].iter().chain(std::iter::once(&stem)) {
        if !dotted.is_empty() {
            dotted.push('.');
        }
        dotted.push_str(part);
        if excluded(&dotted) {
            return true;
        }
    }
    false
}

/// The path of one RECORD line (a CSV row: path, hash, size), normalized;
/// `None` for a path outside the site directory.
fn record_path(line: &str) -> Option<String> {
    let line = line.trim_end_matches('\r');
    let path = if let Some(quoted) = line.strip_prefix('"') {
        let mut path = String::new();
        let mut chars = quoted.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' {
                if chars.peek() != Some(&'"') {
                    break;
                }
                chars.next();
            }
            path.push(c);
        }
        path
    } else {
        line.split(',').next()?.to_string()
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    (!parts.is_empty() && !path.starts_with('/')).then(|| parts.join("/"))
}

/// `Name` and `Version` from a dist-info's METADATA; from its directory name
/// (`name-version.dist-info`) when that cannot be read.
fn metadata(dist_info: &Path) -> (String, String) {
    let file_name = dist_info.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let stem = file_name.trim_end_matches(".dist-info").trim_end_matches(".egg-info");
    let (mut name, mut version) = match stem.split_once('-') {
        Some((n, v)) => (n.to_string(), v.to_string()),
        None => (stem.to_string(), String::new()),
    };
    if let Some(text) = core_metadata(dist_info) {
        for line in text.lines().take_while(|l| !l.is_empty()) {
            if let Some(value) = line.strip_prefix("Name:") {
                name = value.trim().to_string();
            } else if let Some(value) = line.strip_prefix("Version:") {
                version = value.trim().to_string();
            }
        }
    }
    (name, version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_lines() {
        assert_eq!(record_path("pkg/__init__.py,sha256=abc,12").as_deref(), Some("pkg/__init__.py"));
        assert_eq!(record_path("\"odd,name\"\"s.txt\",,").as_deref(), Some("odd,name\"s.txt"));
        assert_eq!(record_path("../../../bin/tool,sha256=x,1"), None);
        assert_eq!(record_path("pkg/../other.py,,").as_deref(), Some("other.py"));
        assert_eq!(record_path(""), None);
    }

    #[test]
    fn names_are_normalized_as_pep_503_says() {
        assert_eq!(normalize("Typing_Extensions"), "typing-extensions");
        assert_eq!(normalize("zope.interface"), "zope-interface");
        assert_eq!(normalize("a-_.b"), "a-b");
        assert_eq!(normalize("Pillow"), "pillow");
    }

    #[test]
    fn a_distribution_from_its_record() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path();
        let files = [
            "demo/__init__.py",
            "demo/core.py",
            "demo/_speed.cpython-311-x86_64-linux-gnu.so",
            "demo/data/table.json",
            "demo/tests/__init__.py",
            "demo/tests/test_core.py",
            "demo/skip/__init__.py",
            "demo/test.py",
            "demo/migrations/0001_initial.py",
            "demo/data-files/example.py",
            "demo/__pycache__/core.cpython-311.pyc",
            "demo.libs/libblas-1234.so",
            "demo-1.0.dist-info/METADATA",
        ];
        let mut record = String::new();
        for file in files {
            let path = site.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, if file.ends_with("METADATA") { "Metadata-Version: 2.1\nName: Demo\nVersion: 1.0\n\nbody" } else { "" }).unwrap();
            record.push_str(&format!("{file},,\n"));
        }
        record.push_str("demo-1.0.dist-info/RECORD,,\n../../../bin/demo,,\ndemo/gone.txt,,\n");
        std::fs::write(site.join("demo-1.0.dist-info/RECORD"), record).unwrap();

        let mut sites = Sites::default();
        let mut listings = Listings::default();
        let id = sites.owner(&mut listings, site, &site.join("demo/core.py")).unwrap();
        assert_eq!(sites.owner(&mut listings, site, &site.join("other.py")), None);
        let stem = |f: &str| f.strip_suffix(".cpython-311-x86_64-linux-gnu.so").map(String::from);
        let (names, suites) = sites.module_names(id, stem);
        assert_eq!(names, ["demo", "demo._speed", "demo.core", "demo.migrations.0001_initial", "demo.skip", "demo.test"]);
        assert_eq!(suites, ["demo.tests"]);

        let mut warnings = Vec::new();
        let dist = sites.distribution(id, |m| m == "demo.skip", |_| false, &mut warnings);
        assert_eq!((dist.name.as_str(), dist.version.as_str()), ("Demo", "1.0"));
        let relative: Vec<&str> = dist.files.iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(
            relative,
            [
                "demo/__init__.py",
                "demo/core.py",
                "demo/_speed.cpython-311-x86_64-linux-gnu.so",
                "demo/data/table.json",
                "demo/test.py",
                "demo/migrations/0001_initial.py",
                "demo/data-files/example.py",
                "demo.libs/libblas-1234.so",
                "demo-1.0.dist-info/METADATA",
                "demo-1.0.dist-info/RECORD"
            ]
        );
        assert!(dist.files.iter().all(|(abs, rel)| abs == &site.join(rel)));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        // An imported test package comes with its files.
        let dist = sites.distribution(id, |_| false, |p| p == "demo.tests", &mut warnings);
        assert!(dist.files.iter().any(|(_, r)| r == "demo/tests/test_core.py"));
    }
}
