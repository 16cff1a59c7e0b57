//! The [`Target`] for Windows bundles (`--target x86_64-pc-windows`), built
//! from Linux or on Windows itself: the official embeddable CPython distribution
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

use crate::analyze::{self, Analysis, Entry as AnalysisEntry, Inputs};
use crate::build_cache::BuildCache;
use crate::cli::Options;
use crate::compile;
use crate::contents::Contents;
use crate::pe::{self, Resources, Subsystem, VersionInfo};
use crate::plan::{Entry, Plan};
use crate::progress::Progress;
use crate::stubs;
use crate::target::{Natives, Target};
use anyhow::{bail, Context, Result};
use compiler::Compiler;
use home::Home;
use pybundle_bootloader::layout;
use pybundle_bootloader::manifest::NativeKind;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The stub's Rust target.
const STUB_TARGET: &str = "x86_64-pc-windows-gnu";

/// A Windows build: the distribution, its stdlib's bytecode, the compiling
/// CPython, the stub with its resources, and the wheels unpacked (with the
/// distribution's extension modules) where the analysis finds them.
pub struct Windows {
    home: Home,
    stdlib: stdlib::Stdlib,
    compiler: Compiler,
    stub: Vec<u8>,
    /// Holds `site-packages` and `DLLs` for the analysis.
    _workdir: tempfile::TempDir,
    site: PathBuf,
    dlls_dir: PathBuf,
    /// The compiling CPython's stdlib sources (if it has them) and `dlls_dir`.
    stdlib_dirs: Vec<PathBuf>,
}

impl Windows {
    /// Reads the distribution (`--python-home`), finds the compiling
    /// CPython, makes the stub for the app `name` and unpacks the wheels
    /// (`--wheels`).
    pub fn open(options: &Options, name: &str, progress: &Progress) -> Result<Windows> {
        if options.trace_run.is_some() {
            bail!("--trace-run runs the app with the target interpreter, which a Windows build cannot run here; build without --trace-run");
        }
        if options.glibc_floor.is_some() {
            bail!("--glibc-floor is for Linux bundles; leave it out with --target x86_64-pc-windows");
        }
        let home_path = home_path(options)?;
        let home = home::open(&home_path)?;
        let (_, minor, micro) = home.version;
        progress.step(format_args!("Python 3.{minor}.{micro} for Windows from {}", home_path.display()));
        let stdlib = stdlib::read(&home)?;
        let given_python = options.python.as_deref().filter(|p| crate::discover::VersionRequest::parse(p).is_none());
        let compiler = compiler::find(given_python, Some(home_path.as_path()).filter(|p| p.is_dir()), minor, &stdlib.magic)?;
        progress.step(format_args!("compiling with {}", compiler.command.display()));
        let (exe_name, _) = exe_and_dir_names(name);
        let stub = pe::apply_resources(stubs::for_target(STUB_TARGET)?, &resources(options, name, &exe_name)?)?;

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
        Ok(Windows { home, stdlib, compiler, stub, _workdir: workdir, site, dlls_dir, stdlib_dirs })
    }

    fn from_stdlib(&self, path: &Path) -> bool {
        self.stdlib_dirs.iter().any(|dir| path.starts_with(dir))
    }
}

impl Target for Windows {
    fn stub(&self) -> &[u8] {
        &self.stub
    }

    fn version(&self) -> (u32, u32, u32) {
        self.home.version
    }

    fn output_names(&self, name: &str) -> (String, String) {
        exe_and_dir_names(name)
    }

    /// The app's directory, `--paths`, the stdlib (the host's sources and
    /// the distribution's `.pyd` files) and the unpacked wheels, read as
    /// win32.
    fn analysis_inputs(&self, entry: AnalysisEntry, paths: &[PathBuf]) -> Result<Inputs> {
        let first = match &entry {
            AnalysisEntry::Script(script) => std::fs::canonicalize(script)?.parent().map(Path::to_path_buf).unwrap_or_default(),
            AnalysisEntry::Module(_) => std::env::current_dir().context("the current directory cannot be read")?,
        };
        let search_path =
            std::iter::once(first).chain(paths.iter().cloned()).chain(self.stdlib_dirs.iter().cloned()).chain([self.site.clone()]).collect();
        let version = self.home.version;
        Ok(Inputs {
            seen: Vec::new(),
            entry,
            search_path,
            stdlib_dirs: self.stdlib_dirs.clone(),
            builtin_modules: stdlib::BUILTIN.iter().map(|m| m.to_string()).collect(),
            ext_suffixes: vec![format!(".cp3{}-win_amd64.pyd", version.1), ".pyd".into()],
            roots: Vec::new(),
            startup: stdlib::STARTUP.iter().map(|m| m.to_string()).collect(),
            excludes: Vec::new(),
            target: analyze::Target { version, platform: "win32".into() },
        })
    }

    fn analyze(&self, inputs: &mut Inputs, progress: &Progress) -> Result<(Analysis, BTreeSet<String>)> {
        let analysis = analyze::analyze(inputs)?;
        let taken: Vec<&str> = analysis.distributions.iter().map(|d| d.name.as_str()).collect();
        progress.step(format_args!("distributions the app imports: {}", list(&taken)));
        Ok((analysis, BTreeSet::new()))
    }

    /// The app's modules compiled by the host CPython; the stdlib's taken
    /// from the distribution: those the app reaches, or all of them when
    /// the compiling CPython has no sources to analyse.
    fn bytecode(&self, contents: &Contents, optimize: u8, progress: &Progress) -> Result<Vec<Entry>> {
        let (stdlib_sources, app_sources): (Vec<_>, Vec<_>) = contents.sources.iter().partition(|s| self.from_stdlib(&s.job.source));
        progress.step(format_args!("compiling {} modules", app_sources.len()));
        let jobs: Vec<compile::Job> = app_sources.iter().map(|s| s.job.clone()).collect();
        let pycs = compile::compile_with(&self.compiler.command, &self.compiler.magic, &jobs, optimize, &BuildCache::user())?;
        let mut entries: Vec<Entry> = app_sources.iter().zip(pycs).map(|(s, data)| Entry::bytecode(s.name.clone(), data, s.why.clone())).collect();
        let app_names: BTreeSet<String> = entries.iter().map(|e| e.name.clone()).collect();
        let reached: Option<BTreeSet<&str>> = match self.compiler.stdlib {
            // Only what the app reaches (a module the host has but Windows
            // lacks, like posix-only ones, is not in the zip and stays out).
            Some(_) => Some(stdlib_sources.iter().map(|s| s.name.as_str()).collect()),
            None => {
                progress.step("the compiling Python has no stdlib sources to analyse; taking the whole stdlib");
                None
            }
        };
        for (name, data) in &self.stdlib.pycs {
            if reached.as_ref().is_none_or(|r| r.contains(name.as_str())) && !app_names.contains(name) {
                entries.push(Entry::bytecode(name.clone(), data.clone(), "stdlib (embeddable distribution)".into()));
            }
        }
        Ok(entries)
    }

    fn codecs(&self) -> Vec<String> {
        if self.compiler.stdlib.is_none() {
            return Vec::new();
        }
        self.stdlib.pycs.keys().filter_map(|name| name.strip_prefix("encodings/")?.strip_suffix(".pyc").map(String::from)).collect()
    }

    /// The DLLs and extension modules the app loads, with the DLLs they
    /// need (system DLLs stay out), and the data files.
    fn natives(&self, contents: &Contents, plan: &mut Plan, progress: &Progress) -> Result<Natives> {
        progress.step("collecting DLLs and extension modules");
        let mut natives = home_natives(&self.home);
        // What is loaded by name or import; the closure adds what they need.
        let libpython = format!("{}/{}", layout::LIB_DIR, self.home.dll);
        let mut wanted: BTreeSet<String> = BTreeSet::from([libpython.clone()]);
        for extension in &contents.extensions {
            wanted.insert(extension.archive_name.clone());
            if extension.path.starts_with(&self.dlls_dir) {
                continue;
            }
            let data = std::fs::read(&extension.path).with_context(|| format!("cannot read {}", extension.path.display()))?;
            natives.push(Entry::native(extension.archive_name.clone(), NativeKind::Extension { module: extension.module.clone() }, data, extension.why.clone()));
        }
        if self.compiler.stdlib.is_none() {
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
        plan.entries.extend(load_order(natives, &closure.needs));
        Ok(Natives { needs: closure.needs, libpython, glibc_floor: None })
    }

    /// DLLs and files a package opens go to the cache directory.
    fn serves_files(&self, _onefile: bool) -> bool {
        false
    }

    fn describe(&self, onefile: bool) -> String {
        format!("Windows {}", if onefile { "onefile" } else { "onedir" })
    }
}

/// `NAME.exe` (as given if it ends so), and the onedir directory `NAME`.
fn exe_and_dir_names(name: &str) -> (String, String) {
    let exe_name = if name.to_ascii_lowercase().ends_with(".exe") { name.to_string() } else { format!("{name}.exe") };
    let dir_name = exe_name[..exe_name.len() - 4].to_string();
    (exe_name, dir_name)
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
