//! From the analysis to what goes into the bundle: the sources to compile,
//! the extension modules, the data files, and which packages must be placed
//! on disk at run time (code that opens its own files by path), where the
//! bundle cannot serve them by path itself: onedir places them in
//! `_internal/` at build time, a Windows onefile bundle in its cache; a
//! Linux onefile bundle serves every file from the archive.

use crate::analyze::{Analysis, Entry, ModuleKind, Origin, Reason};
use crate::cli::DataSpec;
use crate::compile::Job;
use anyhow::{bail, Context, Result};
use pybundle_bootloader::layout;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Source for `-m MODULE`: run it as `python -m` does.
const RUN_MODULE_SOURCE: &str = "import runpy\nrunpy._run_module_as_main({name:?})\n";

/// A source to compile into the archive.
pub struct Source {
    /// Archive name of the `.pyc`.
    pub name: String,
    pub job: Job,
    pub why: String,
}

/// An extension module, loaded from its native file.
pub struct Extension {
    pub path: PathBuf,
    pub module: String,
    pub archive_name: String,
    pub why: String,
}

/// A data file, at its archive name.
pub struct DataFile {
    pub path: PathBuf,
    pub name: String,
    pub why: String,
}

pub struct Contents {
    pub sources: Vec<Source>,
    pub extensions: Vec<Extension>,
    pub data: Vec<DataFile>,
    /// Directories of namespace packages, listed so the importer finds them.
    pub directories: Vec<String>,
    /// Top-level packages whose files go on disk at run time.
    pub on_disk: BTreeSet<String>,
}

/// Sorts the analysis into bundle contents. `workdir` holds generated
/// sources. `served`: the bundle serves its files by path (Linux onefile),
/// so none is placed on disk and `--add-data` goes to the top of the tree.
pub fn from_analysis(
    analysis: &Analysis,
    entry: &Entry,
    collect_files: &[String],
    add_data: &[DataSpec],
    served: bool,
    workdir: &Path,
) -> Result<Contents> {
    let mut on_disk: BTreeSet<String> = BTreeSet::new();
    if !served {
        on_disk.extend(collect_files.iter().map(|p| top_level(p).to_string()));
        on_disk.extend(packages_that_open_their_files(analysis));
        on_disk.extend(analysis.read_by_path.iter().filter(|p| analysis.modules.contains_key(p.as_str())).cloned());
    }
    let data_dir = if served { String::new() } else { format!("{}/", layout::FILES_DIR) };
    let placed = |relative: &str| -> String {
        let top = relative.split('/').next().unwrap_or_default().trim_end_matches(".py");
        if on_disk.contains(top) {
            format!("{}/{relative}", layout::FILES_DIR)
        } else {
            relative.to_string()
        }
    };

    let mut contents = Contents { sources: Vec::new(), extensions: Vec::new(), data: Vec::new(), directories: Vec::new(), on_disk: BTreeSet::new() };
    for module in analysis.modules.values() {
        let why = describe(&module.reason);
        let dotted = module.name.replace('.', "/");
        match &module.kind {
            ModuleKind::Source(path) if module.name == "__main__" => contents.sources.push(Source {
                name: layout::MAIN_MODULE.to_string(),
                job: Job { source: path.clone(), display: file_name(path) },
                why,
            }),
            ModuleKind::Source(path) if is_python(path) => {
                let relative = format!("{dotted}.py");
                contents.sources.push(Source { name: placed(&format!("{dotted}.pyc")), job: Job { source: path.clone(), display: relative }, why });
            }
            ModuleKind::Package(path) if is_python(path) => {
                let relative = format!("{dotted}/__init__.py");
                contents.sources.push(Source { name: placed(&format!("{dotted}/__init__.pyc")), job: Job { source: path.clone(), display: relative }, why });
            }
            ModuleKind::Source(path) | ModuleKind::Extension(path) | ModuleKind::Package(path) => {
                let parent = dotted.rsplit_once('/').map(|(p, _)| format!("{p}/")).unwrap_or_default();
                contents.extensions.push(Extension {
                    path: path.clone(),
                    module: module.name.clone(),
                    archive_name: format!("{parent}{}", file_name(path)),
                    why,
                });
            }
            ModuleKind::Namespace(_) => contents.directories.push(placed(&format!("{dotted}/"))),
            ModuleKind::Builtin => {}
        }
    }
    if let Entry::Module(name) = entry {
        let path = workdir.join("__main__.py");
        std::fs::write(&path, RUN_MODULE_SOURCE.replace("{name:?}", &format!("{name:?}")))?;
        contents.sources.push(Source {
            name: layout::MAIN_MODULE.to_string(),
            job: Job { source: path, display: "__main__.py".into() },
            why: format!("runs -m {name}"),
        });
    }
    let boot = workdir.join("pybundle_boot.py");
    std::fs::write(&boot, layout::BOOT_SOURCE)?;
    contents.sources.push(Source {
        name: layout::BOOT_MODULE.to_string(),
        job: Job { source: boot, display: "<pybundle boot>".into() },
        why: "the bundle's start-up code (its importer)".into(),
    });
    let module_files: BTreeSet<&Path> = contents
        .sources
        .iter()
        .map(|s| s.job.source.as_path())
        .chain(contents.extensions.iter().map(|e| e.path.as_path()))
        .collect();
    for dist in &analysis.distributions {
        for (path, relative) in &dist.files {
            if !module_files.contains(path.as_path()) && !relative.ends_with(".py") {
                contents.data.push(DataFile { path: path.clone(), name: placed(relative), why: format!("part of distribution {}", dist.name) });
            }
        }
    }
    for (path, relative) in app_package_data(analysis)? {
        // Extension modules are bundled as such; a library the package
        // loads itself (ctypes) is a file like any other.
        if module_files.contains(path.as_path()) {
            continue;
        }
        contents.data.push(DataFile { path, name: placed(&relative), why: "data of the app's package".into() });
    }
    for spec in add_data {
        for (path, relative) in files_under(&spec.source, &spec.dest)? {
            contents.data.push(DataFile { path, name: format!("{data_dir}{relative}"), why: "--add-data".into() });
        }
    }
    contents.on_disk = on_disk;
    Ok(contents)
}

fn describe(reason: &Reason) -> String {
    match reason {
        Reason::Entry => "the entry".into(),
        Reason::Root => "start-up module or named by an option".into(),
        Reason::ImportedBy(by) => format!("imported by {by}"),
        Reason::ImpliedBy(by) => format!("needed by {by}"),
        Reason::PartOf(dist) => format!("part of distribution {dist}"),
        Reason::ProbedBy(by) => format!("imported at import time by {by}"),
        Reason::SeenAtRun => "seen at run (--trace-run)".into(),
    }
}

fn top_level(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

fn is_python(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "py")
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap_or_default().to_string_lossy().into_owned()
}

/// Non-Python files inside the app's own packages, extension modules
/// included (distributions bring theirs through their RECORD).
fn app_package_data(analysis: &Analysis) -> Result<Vec<(PathBuf, String)>> {
    let mut found = Vec::new();
    // What distributions bring is theirs: a namespace package spans the
    // app's directories and site-packages.
    let mut seen: BTreeSet<String> =
        analysis.distributions.iter().flat_map(|d| d.files.iter().map(|(_, relative)| relative.clone())).collect();
    for module in analysis.modules.values() {
        if module.origin != Origin::App || module.name.contains('.') {
            continue;
        }
        let dirs = match &module.kind {
            ModuleKind::Package(init) => vec![init.parent().context("a package's __init__ has a directory")?.to_path_buf()],
            // Each portion of a namespace package, as importlib.resources
            // serves them.
            ModuleKind::Namespace(portions) => portions.clone(),
            _ => continue,
        };
        for dir in dirs {
            for (path, relative) in files_under(&dir, &module.name)? {
                let code = relative.ends_with(".py") || relative.ends_with(".pyc") || relative.contains("/__pycache__/");
                // A portion found twice on the search path is listed once.
                if !code && seen.insert(relative.clone()) {
                    found.push((path, relative));
                }
            }
        }
    }
    Ok(found)
}

/// Packages whose code opens a file of its own by path: a source that uses
/// `__file__` (or extracts resources to a path) and names one of the
/// package's data files or data directories.
fn packages_that_open_their_files(analysis: &Analysis) -> BTreeSet<String> {
    let mut data_names: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for dist in &analysis.distributions {
        for (_, relative) in &dist.files {
            let is_code = relative.ends_with(".py") || relative.ends_with(".so") || relative.contains(".dist-info/");
            if let (false, Some((top, rest))) = (is_code, relative.split_once('/')) {
                let base = rest.rsplit('/').next().unwrap_or(rest);
                if base.len() >= 5 {
                    data_names.entry(top.to_string()).or_default().insert(base.to_string());
                }
            }
        }
    }
    for (top, dirs) in data_directories(analysis) {
        data_names.entry(top).or_default().extend(dirs);
    }
    let mut found = BTreeSet::new();
    for module in analysis.modules.values() {
        let (ModuleKind::Source(path) | ModuleKind::Package(path)) = &module.kind else { continue };
        let Some(names) = data_names.get(top_level(&module.name)) else { continue };
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        let by_path = text.contains("__file__") || text.contains("as_file(") || text.contains("resource_filename(");
        if by_path && names.iter().any(|n| text.contains(&format!("\"{n}\"")) || text.contains(&format!("'{n}'"))) {
            found.insert(top_level(&module.name).to_string());
        }
    }
    found
}

/// The directories right inside each distribution's top-level packages
/// that hold only data (boto3 joins `'data'` to its own directory), by
/// package.
fn data_directories(analysis: &Analysis) -> std::collections::BTreeMap<String, BTreeSet<String>> {
    let mut data: std::collections::BTreeMap<(String, String), bool> = Default::default();
    for dist in &analysis.distributions {
        for (_, relative) in &dist.files {
            let mut parts = relative.splitn(3, '/');
            let (Some(top), Some(dir), Some(_)) = (parts.next(), parts.next(), parts.next()) else { continue };
            let is_code = relative.ends_with(".py") || relative.ends_with(".so");
            if dir.len() >= 4 && !top.ends_with(".dist-info") {
                *data.entry((top.to_string(), dir.to_string())).or_insert(true) &= !is_code;
            }
        }
    }
    let mut found: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for ((top, dir), only_data) in data {
        if only_data {
            found.entry(top).or_default().insert(dir);
        }
    }
    found
}

/// Every file under `source` (a file, or a directory walked recursively),
/// with its path in the directory `dest`, sorted.
fn files_under(source: &Path, dest: &str) -> Result<Vec<(PathBuf, String)>> {
    if !source.exists() {
        bail!("{} does not exist; give an existing file or directory", source.display());
    }
    if !source.is_dir() {
        check_regular(source)?;
        return Ok(vec![(source.to_path_buf(), join(dest, &file_name(source)))]);
    }
    let mut found = Vec::new();
    walk(source, dest, &mut found)?;
    Ok(found)
}

fn walk(dir: &Path, dest: &str, found: &mut Vec<(PathBuf, String)>) -> Result<()> {
    let mut entries: Vec<_> =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name == "__pycache__" {
            continue;
        }
        if path.is_dir() {
            walk(&path, &join(dest, &name), found)?;
        } else {
            check_regular(&path)?;
            found.push((path, join(dest, &name)));
        }
    }
    Ok(())
}

/// A file to bundle must be a regular file (or a link to one): reading a
/// FIFO would wait forever, a device or socket has no content to copy.
fn check_regular(path: &Path) -> Result<()> {
    let kind = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.file_type();
    if kind.is_file() {
        return Ok(());
    }
    bail!(
        "{} is {}, which cannot be bundled; remove it from the --add-data directory or name regular files only",
        path.display(),
        special_kind(&kind)
    )
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    match () {
        _ if kind.is_fifo() => "a FIFO",
        _ if kind.is_socket() => "a socket",
        _ if kind.is_block_device() || kind.is_char_device() => "a device",
        _ => "not a regular file",
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "not a regular file"
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}
