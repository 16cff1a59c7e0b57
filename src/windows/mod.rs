//! Building a Windows bundle (`--target x86_64-pc-windows`), from Linux or
//! on Windows itself: the official embeddable CPython distribution
//! (`--python-home`) supplies python3X.dll, the DLLs, the stdlib's `.pyd`
//! files and its bytecode (taken as it is from python3X.zip); win_amd64
//! wheels (`--wheels`) supply third-party packages, of which the app's
//! imports decide which are taken; a host CPython of the same minor version
//! compiles the app. The stub gets its icon, version info, manifest and
//! subsystem from [`crate::pe`] before the payload is appended.

mod compiler;
mod dlls;
mod home;
mod stdlib;
mod system_dlls;
mod wheels;

use crate::analyze::{self, Entry as AnalysisEntry};
use crate::build_cache::BuildCache;
use crate::cli::Options;
use crate::compile;
use crate::codecs_left_out;
use crate::contents;
use crate::pe::{self, Resources, Subsystem, VersionInfo};
use crate::pipeline::{self, Built};
use crate::plan::{Entry, Plan};
use crate::progress::Progress;
use crate::stubs;
use crate::write;
use anyhow::{bail, Context, Result};
use home::Home;
use pybundle_bootloader::layout;
use pybundle_bootloader::manifest::{self, Layout, Manifest, NativeKind, PythonInfo};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The stub's Rust target.
const STUB_TARGET: &str = "x86_64-pc-windows-gnu";

/// `--target` values that mean Windows.
const TARGET_NAMES: &[&str] = &["x86_64-pc-windows", "x86_64-pc-windows-gnu", "x86_64-pc-windows-msvc", "windows"];

/// `--target` values that mean Linux.
const LINUX_NAMES: &[&str] = &["x86_64-unknown-linux-gnu", "x86_64-linux", "linux"];

/// Whether these options build for Windows: `--target` says so, or, without
/// it, pybundle runs on Windows. Windows-only options with a Linux target
/// are an error.
pub fn is_target(options: &Options) -> Result<bool> {
    let windows = match options.target.as_deref() {
        None => cfg!(windows),
        Some(t) if TARGET_NAMES.contains(&t) => true,
        Some(t) if LINUX_NAMES.contains(&t) => false,
        Some(t) => bail!("unknown --target {t}; use x86_64-pc-windows or x86_64-unknown-linux-gnu"),
    };
    if !windows {
        let windows_only = [
            ("--python-home", options.python_home.is_some()),
            ("--wheels", options.wheels.is_some()),
            ("--icon", options.icon.is_some()),
            ("--version-file", options.version_file.is_some()),
            ("--windowed", options.windowed),
        ];
        if let Some((flag, _)) = windows_only.iter().find(|(_, set)| *set) {
            bail!("{flag} is for Windows bundles; add --target x86_64-pc-windows");
        }
    }
    Ok(windows)
}

/// Builds `dist/NAME.exe` (onefile) or `dist/NAME/NAME.exe` with
/// `_internal\` beside it (onedir).
pub fn build(options: &Options) -> Result<Built> {
    let progress = Progress::new(options.quiet);
    let python_options = crate::python_options::parse(&options.python_options, options.hash_seed)?;
    let entry = pipeline::analysis_entry(options)?;
    let name = pipeline::output_name(options)?;
    let exe_name = if name.to_ascii_lowercase().ends_with(".exe") { name.clone() } else { format!("{name}.exe") };
    let dir_name = exe_name[..exe_name.len() - 4].to_string();

    let home_path = home_path(options)?;
    let home = home::open(&home_path)?;
    let (_, minor, micro) = home.version;
    progress.step(format_args!("Python 3.{minor}.{micro} for Windows from {}", home_path.display()));
    let stdlib = stdlib::read(&home)?;
    let given_python = options.python.as_deref().filter(|p| crate::discover::VersionRequest::parse(p).is_none());
    let compiler = compiler::find(given_python, Some(home_path.as_path()).filter(|p| p.is_dir()), minor, &stdlib.magic)?;
    progress.step(format_args!("compiling with {}", compiler.command.display()));
    let stub = pe::apply_resources(stubs::for_target(STUB_TARGET)?, &resources(options, &name, &exe_name)?)?;

    let workdir = crate::cleanup::tempdir()?;
    let site = workdir.path().join("site-packages");
    std::fs::create_dir_all(&site)?;
    if let Some(dir) = &options.wheels {
        let unpacked = wheels::install(dir, minor, &site)?;
        progress.step(format_args!("wheels installed for analysis: {}", list(&unpacked.installed)));
        if !unpacked.skipped.is_empty() {
            progress.warn(format_args!("wheels left out: {}", unpacked.skipped.join(", ")));
        }
    }
    // The stdlib's extension modules, where the analysis can find them.
    let dlls_dir = workdir.path().join("DLLs");
    std::fs::create_dir_all(&dlls_dir)?;
    for (name, data) in home.files.iter().filter(|(name, _)| name.ends_with(".pyd")) {
        std::fs::write(dlls_dir.join(name), data)?;
    }
    let stdlib_dirs: Vec<PathBuf> = compiler.stdlib.iter().cloned().chain([dlls_dir.clone()]).collect();
    let all_codecs = options.all_codecs || !python_options.utf8_mode;
    let analysis = analyze_app(entry.clone(), options, all_codecs, &site, &stdlib_dirs, home.version)?;
    let taken: Vec<&str> = analysis.distributions.iter().map(|d| d.name.as_str()).collect();
    progress.step(format_args!("{} modules; distributions the app imports: {}", analysis.modules.len(), list(&taken)));
    let contents = contents::from_analysis(&analysis, &entry, &options.collect_files, &options.add_data, workdir.path())?;
    let from_stdlib = |path: &Path| stdlib_dirs.iter().any(|dir| path.starts_with(dir));
    let (stdlib_sources, app_sources): (Vec<_>, Vec<_>) = contents.sources.iter().partition(|s| from_stdlib(&s.job.source));

    progress.step(format_args!("compiling {} modules", app_sources.len()));
    let jobs: Vec<compile::Job> = app_sources.iter().map(|s| s.job.clone()).collect();
    let pycs = compile::compile_with(&compiler.command, &compiler.magic, &jobs, python_options.optimize, &BuildCache::user())?;
    let mut plan = Plan::default();
    let compiled = app_sources.iter().zip(pycs).map(|(s, data)| (s.name.as_str(), s.why.as_str(), data));
    plan.push_compiled(compiled, &contents.directories);
    let app_names: BTreeSet<String> = plan.entries.iter().map(|e| e.name.clone()).collect();
    let mut stdlib_pycs = stdlib.pycs;
    if compiler.stdlib.is_some() {
        let codecs = stdlib_pycs.keys().filter_map(|name| name.strip_prefix("encodings/")?.strip_suffix(".pyc").map(String::from));
        plan.entries.extend(codecs_left_out::entry(codecs.collect::<Vec<_>>(), &analysis.modules));
        // Only what the app reaches (a module the host has but Windows
        // lacks, like posix-only ones, is not in the zip and stays out).
        let reached: BTreeSet<&str> = stdlib_sources.iter().map(|s| s.name.as_str()).collect();
        stdlib_pycs.retain(|name, _| reached.contains(name.as_str()));
    } else {
        progress.step("the compiling Python has no stdlib sources to analyse; taking the whole stdlib");
    }
    for (name, data) in stdlib_pycs {
        if !app_names.contains(&name) {
            plan.push(Entry::bytecode(name, data, "stdlib (embeddable distribution)".into()));
        }
    }

    progress.step("collecting DLLs and extension modules");
    let mut natives = home_natives(&home);
    // What is loaded by name or import; the closure adds what they need.
    let mut wanted: BTreeSet<String> = BTreeSet::from([format!("{}/{}", layout::LIB_DIR, home.dll)]);
    for extension in &contents.extensions {
        if extension.path.starts_with(&dlls_dir) {
            wanted.insert(extension.archive_name.clone());
            continue;
        }
        let data = std::fs::read(&extension.path).with_context(|| format!("cannot read {}", extension.path.display()))?;
        wanted.insert(extension.archive_name.clone());
        natives.push(Entry::native(extension.archive_name.clone(), NativeKind::Extension { module: extension.module.clone() }, data, extension.why.clone()));
    }
    if compiler.stdlib.is_none() {
        wanted.extend(natives.iter().map(|e| e.name.clone()));
    }
    for file in &contents.data {
        let data = std::fs::read(&file.path).with_context(|| format!("cannot read {}", file.path.display()))?;
        if file.name.to_ascii_lowercase().ends_with(".dll") {
            wanted.insert(file.name.clone());
            natives.push(Entry::native(file.name.clone(), NativeKind::Library, data, file.why.clone()));
        } else {
            plan.push(Entry::data(file.name.clone(), data, file.why.clone()));
        }
    }
    let closure = {
        let list: Vec<dlls::Native> = natives.iter().map(|e| dlls::Native { name: &e.name, data: &e.data }).collect();
        dlls::closure(&list)?
    };
    for line in &closure.unresolved {
        progress.warn(format_args!("{line}, which is neither bundled nor part of Windows; it must be installed where the app runs"));
    }
    let needed: BTreeSet<String> =
        wanted.iter().flat_map(|name| closure.needs.get(name).into_iter().flatten().chain([name])).cloned().collect();
    natives.retain(|e| needed.contains(&e.name));
    for entry in load_order(natives, &closure.needs) {
        plan.push(entry);
    }

    let manifest = Manifest {
        format: manifest::FORMAT,
        python: PythonInfo { version: home.version, libpython: format!("{}/{}", layout::LIB_DIR, home.dll) },
        entry: layout::MAIN_MODULE.to_string(),
        entry_source: Some(options.entry.to_string()),
        layout: if options.onefile { Layout::Onefile } else { Layout::Onedir },
        glibc_floor: None,
        natives: plan.manifest_natives(&closure.needs),
        files: plan.files_on_disk(),
        hashes: plan.hashes(),
        options: python_options,
    };

    progress.step(format_args!("writing {} entries ({:.1} MB)", plan.entries.len(), pipeline::mb(plan.total_size())));
    let (dest, size) = if options.onefile {
        let dest = options.distpath.join(&exe_name);
        write::onefile(&stub, &plan, &manifest, &dest, options.compress)?;
        let size = std::fs::metadata(&dest)?.len();
        (dest, size)
    } else {
        let dest = options.distpath.join(&dir_name);
        write::onedir(&stub, &plan, &manifest, &dest, &exe_name, options.compress)?;
        let size = pipeline::dir_size(&dest);
        (dest, size)
    };
    progress.step(format_args!(
        "built {} (Windows {}, {:.1} MB) in {:.1} s",
        dest.display(),
        if options.onefile { "onefile" } else { "onedir" },
        pipeline::mb(size),
        progress.elapsed_secs()
    ));
    Ok(Built { path: dest, size })
}

/// `--python-home`, else (on Windows) the directory of `--python` when it
/// is an embeddable distribution.
fn home_path(options: &Options) -> Result<PathBuf> {
    if let Some(home) = &options.python_home {
        return Ok(home.clone());
    }
    if cfg!(windows) {
        if let Some(dir) = options.python.as_deref().and_then(crate::find_program::find_program).and_then(|p| p.parent().map(Path::to_path_buf)) {
            if std::fs::read_dir(&dir)?.flatten().any(|e| e.file_name().to_string_lossy().to_ascii_lowercase().ends_with(".zip")) {
                return Ok(dir);
            }
        }
    }
    bail!("a Windows bundle needs the embeddable CPython distribution; pass --python-home DIR_OR_ZIP (python-3.X.Y-embed-amd64)")
}

/// The icon, version info and subsystem from the options.
fn resources(options: &Options, name: &str, exe_name: &str) -> Result<Resources> {
    let icon = match &options.icon {
        Some(path) => Some(std::fs::read(path).with_context(|| format!("cannot read --icon {}", path.display()))?),
        None => None,
    };
    let version = match &options.version_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read --version-file {}", path.display()))?;
            VersionInfo::from_toml(&text).with_context(|| format!("in {}", path.display()))?
        }
        None => VersionInfo {
            product_name: Some(name.to_string()),
            file_description: Some(name.to_string()),
            internal_name: Some(name.to_string()),
            original_filename: Some(exe_name.to_string()),
            ..VersionInfo::default()
        },
    };
    let subsystem = if options.windowed { Subsystem::Windows } else { Subsystem::Console };
    Ok(Resources { icon, version, manifest: None, subsystem })
}

/// The app's modules and the distributions it reaches, from the script's
/// directory, `--paths`, the stdlib (the host's sources and the
/// distribution's `.pyd` files, in `stdlib_dirs`) and the unpacked wheels.
fn analyze_app(entry: AnalysisEntry, options: &Options, all_codecs: bool, site: &Path, stdlib_dirs: &[PathBuf], version: (u32, u32, u32)) -> Result<analyze::Analysis> {
    let first = match &entry {
        AnalysisEntry::Script(script) => std::fs::canonicalize(script)?.parent().map(Path::to_path_buf).unwrap_or_default(),
        AnalysisEntry::Module(_) => std::env::current_dir().context("the current directory cannot be read")?,
    };
    let mut roots = options.hidden_imports.clone();
    roots.extend(all_codecs.then(|| analyze::ALL_CODECS.to_string()));
    roots.extend(options.collect_all.iter().map(|p| format!("{p}.*")));
    roots.extend(options.collect_files.iter().cloned());
    let search_path = std::iter::once(first)
        .chain(options.paths.iter().cloned())
        .chain(stdlib_dirs.iter().cloned())
        .chain([site.to_path_buf()])
        .collect();
    let inputs = analyze::Inputs {
        seen: Vec::new(),
        entry,
        search_path,
        stdlib_dirs: stdlib_dirs.to_vec(),
        builtin_modules: Vec::new(),
        ext_suffixes: vec![format!(".cp3{}-win_amd64.pyd", version.1), ".pyd".into()],
        roots,
        startup: stdlib::STARTUP.iter().map(|m| m.to_string()).collect(),
        excludes: options.exclude_modules.clone(),
        target: analyze::Target { version, platform: "win32".into() },
    };
    analyze::analyze(&inputs)
}

/// The distribution's DLLs (under the library directory) and extension
/// modules (at the top, as `import` finds them).
fn home_natives(home: &Home) -> Vec<Entry> {
    let mut natives = Vec::new();
    for (name, data) in &home.files {
        let lower = name.to_ascii_lowercase();
        if let Some(module) = name.strip_suffix(".pyd") {
            let kind = NativeKind::Extension { module: module.to_string() };
            natives.push(Entry::native(name.clone(), kind, data.clone(), "stdlib extension module".into()));
        } else if lower.ends_with(".dll") {
            natives.push(Entry::native(format!("{}/{name}", layout::LIB_DIR), NativeKind::Library, data.clone(), "Python runtime".into()));
        }
    }
    natives
}

/// Libraries first, each after the libraries it needs, then extension
/// modules: the order the stub loads them in.
fn load_order(natives: Vec<Entry>, needs: &BTreeMap<String, Vec<String>>) -> Vec<Entry> {
    let (libraries, extensions): (Vec<Entry>, Vec<Entry>) = natives.into_iter().partition(|e| matches!(e.kind, crate::plan::Kind::Native(NativeKind::Library)));
    let mut by_name: BTreeMap<String, Entry> = libraries.into_iter().map(|e| (e.name.clone(), e)).collect();
    let names: Vec<String> = by_name.keys().cloned().collect();
    let mut ordered = Vec::new();
    for name in names {
        for dep in needs.get(&name).into_iter().flatten().chain([&name]) {
            if let Some(entry) = by_name.remove(dep) {
                ordered.push(entry);
            }
        }
    }
    ordered.extend(extensions);
    ordered
}

fn list<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        return "none".into();
    }
    items.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", ")
}
