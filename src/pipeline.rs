//! The build, stage by stage: probe → analyze → compile → collect →
//! assemble → write.

use crate::analyze::{self, Analysis, Entry as AnalysisEntry};
use crate::build_cache::BuildCache;
use crate::cli::{EntryPoint, Options};
use crate::codecs_left_out;
use crate::collect;
use crate::import_probe;
use crate::compile;
use crate::contents::{self, Contents};
use crate::plan::{Entry, Plan};
use crate::probe::Interpreter;
use crate::progress::Progress;
use crate::report::{self, MissingImport};
use crate::stubs;
use crate::write;
use anyhow::{bail, Context, Result};
use pybundle_bootloader::layout;
use pybundle_bootloader::manifest::{self, Layout, Manifest, PythonInfo};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const LINUX_TARGET: &str = "x86_64-unknown-linux-gnu";

/// What a finished build produced.
#[derive(Debug)]
pub struct Built {
    /// The executable (onefile) or the directory (onedir).
    pub path: PathBuf,
    pub size: u64,
}

pub fn build(options: &Options) -> Result<Built> {
    if crate::windows::is_target(options)? {
        if options.trace_run.is_some() {
            bail!("--trace-run runs the app with the target interpreter, which a Windows build cannot run here; build without --trace-run");
        }
        return crate::windows::build(options);
    }
    let progress = Progress::new(options.quiet);
    let python_options = crate::python_options::parse(&options.python_options, options.hash_seed)?;
    let entry = analysis_entry(options)?;
    let name = output_name(options)?;

    let python = crate::discover::find(options.python.as_deref(), Path::new("."), &progress)?;
    progress.step(format_args!(
        "Python {}.{}.{} from {}",
        python.version.0,
        python.version.1,
        python.version.2,
        python.libpython.display()
    ));
    let stub = stubs::for_target(LINUX_TARGET)?;

    let all_codecs = options.all_codecs || !python_options.utf8_mode;
    let (analysis, opened) = analyze_app(&python, entry.clone(), options, all_codecs, &progress)?;
    let workdir = crate::cleanup::tempdir()?;
    let on_disk: Vec<String> = options.collect_files.iter().chain(&opened).cloned().collect();
    let contents = contents::from_analysis(&analysis, &entry, &on_disk, &options.add_data, workdir.path())?;
    if !contents.on_disk.is_empty() {
        let names: Vec<&str> = contents.on_disk.iter().map(String::as_str).collect();
        progress.step(format_args!("placed on disk at run time: {}", names.join(", ")));
    }

    progress.step(format_args!("compiling {} modules", contents.sources.len()));
    let jobs: Vec<compile::Job> = contents.sources.iter().map(|s| s.job.clone()).collect();
    let pycs = compile::compile_all(&python, &jobs, python_options.optimize, &BuildCache::user())?;
    // Shown only now: a syntax error in the app's own code is the error
    // that compiling reports, not a warning of the analysis.
    for warning in &analysis.warnings {
        progress.warn(warning);
    }
    let mut plan = Plan::default();
    let compiled = contents.sources.iter().zip(pycs).map(|(s, data)| (s.name.as_str(), s.why.as_str(), data));
    plan.push_compiled(compiled, &contents.directories);
    plan.entries.extend(codecs_left_out::entry(codecs_left_out::in_stdlib_dir(&python.stdlib), &analysis.modules));

    progress.step(format_args!("collecting native libraries for {} extension modules", contents.extensions.len()));
    let natives = collect::collect(&python, &contents.extensions)?;
    push_data(&mut plan, &contents, &natives.sources)?;
    let stub_floor = crate::elf::glibc_floor(stub)?;
    let glibc_floor = natives.glibc_floor.max(stub_floor).max(options.glibc_floor);
    let collect::Natives { entries: native_entries, needs, libpython_name, .. } = natives;
    for entry in native_entries {
        plan.push(entry);
    }

    let layout = if options.onefile { Layout::Onefile } else { Layout::Onedir };
    let manifest = Manifest {
        format: manifest::FORMAT,
        python: PythonInfo { version: python.version, libpython: libpython_name },
        entry: layout::MAIN_MODULE.to_string(),
        entry_source: Some(options.entry.to_string()),
        layout,
        glibc_floor: glibc_floor.map(|(major, minor)| format!("{major}.{minor}")),
        natives: plan.manifest_natives(&needs),
        files: plan.files_on_disk(),
        hashes: plan.hashes(),
        options: python_options,
    };

    progress.step(format_args!("writing {} entries ({:.1} MB)", plan.entries.len(), mb(plan.total_size())));
    let dest = options.distpath.join(&name);
    let stored = if options.onefile {
        write::onefile(stub, &plan, &manifest, &dest, options.compress)?
    } else {
        write::onedir(stub, &plan, &manifest, &dest, &name, options.compress)?
    };
    let size = if options.onefile { std::fs::metadata(&dest)?.len() } else { dir_size(&dest) };
    if let Some(report_path) = &options.report {
        report::write(report_path, &plan, &stored, &missing_imports(&analysis), &analysis.left_out)?;
    }
    for line in report::largest_parts(&plan, &stored, 5) {
        progress.step(format_args!("  {line}"));
    }
    progress.step(format_args!(
        "built {} ({}, {:.1} MB) in {:.1} s",
        dest.display(),
        if options.onefile { "onefile" } else { "onedir" },
        mb(size),
        progress.elapsed_secs()
    ));
    Ok(Built { path: dest, size })
}

/// Finds what the app imports, by reading its sources and by running
/// code ([`import_probe`]); names given by options must exist. Also returns
/// the packages whose data files running code opened by path.
fn analyze_app(python: &Interpreter, entry: AnalysisEntry, options: &Options, all_codecs: bool, progress: &Progress) -> Result<(Analysis, BTreeSet<String>)> {
    let mut inputs = analyze::Inputs::new(python, entry, &options.paths)?;
    inputs.roots = options.hidden_imports.clone();
    inputs.roots.extend(all_codecs.then(|| analyze::ALL_CODECS.to_string()));
    inputs.roots.extend(options.collect_all.iter().map(|p| format!("{p}.*")));
    inputs.roots.extend(options.collect_files.iter().cloned());
    inputs.startup = python.startup_modules.clone();
    inputs.excludes = options.exclude_modules.clone();
    progress.step("analysing imports");
    let discovery = import_probe::Discovery { import_probe: options.import_probe, trace_run: options.trace_run.clone() };
    let (analysis, opened) = import_probe::analyze(&mut inputs, python, &discovery, progress)?;
    let named = options.hidden_imports.iter().chain(&options.collect_all).chain(&options.collect_files);
    for name in named {
        if !analysis.modules.contains_key(name) {
            bail!("module {name} (named by an option) was not found on the search path; check its spelling, or add its directory with --paths DIR");
        }
    }
    // Only the app's own missing imports are worth a warning here; the
    // stdlib's and third-party ones are mostly for other platforms.
    let from_app = |m: &&analyze::Missing| {
        m.imported_by.as_ref().and_then(|by| analysis.modules.get(by)).is_some_and(|by| by.origin == analyze::Origin::App)
    };
    let needed: Vec<_> = analysis.missing.iter().filter(|m| m.needed()).filter(from_app).collect();
    for missing in &needed {
        let by = missing.imported_by.as_deref().unwrap_or("an option");
        progress.warn(format_args!(
            "module {} imported by {by} (line {}) was not found; install it, or --exclude-module it if unused",
            missing.name, missing.line
        ));
    }
    let others = analysis.missing.len() - needed.len();
    if others > 0 {
        progress.step(format_args!("{others} imports of the stdlib or of packages not found, most of them optional (listed by --report)"));
    }
    let count = |wanted: fn(&analyze::Reason) -> bool| analysis.modules.values().filter(|m| wanted(&m.reason)).count();
    let probed = count(|r| matches!(r, analyze::Reason::ProbedBy(_)));
    let at_run = count(|r| matches!(r, analyze::Reason::SeenAtRun));
    progress.step(format_args!(
        "{} modules from {} distributions: {} found by static analysis, {probed} by the import probe, {at_run} by --trace-run",
        analysis.modules.len(),
        analysis.distributions.len(),
        analysis.modules.len() - probed - at_run,
    ));
    Ok((analysis, opened))
}

/// Data files of distributions and packages, and `--add-data`; shared
/// libraries already collected as natives are not bundled twice.
fn push_data(plan: &mut Plan, contents: &Contents, native_sources: &[PathBuf]) -> Result<()> {
    let natives: BTreeSet<PathBuf> = native_sources.iter().filter_map(|p| std::fs::canonicalize(p).ok()).collect();
    for file in &contents.data {
        if std::fs::canonicalize(&file.path).is_ok_and(|p| natives.contains(&p)) {
            continue;
        }
        let data = std::fs::read(&file.path).with_context(|| format!("cannot read {}", file.path.display()))?;
        plan.push(Entry::data(file.name.clone(), data, file.why.clone()));
    }
    Ok(())
}

/// The entry as the analysis takes it; a script must exist.
pub(crate) fn analysis_entry(options: &Options) -> Result<AnalysisEntry> {
    Ok(match &options.entry {
        EntryPoint::Script(script) if !script.is_file() => {
            bail!("script {} not found; pass the path of the app's .py file", script.display())
        }
        EntryPoint::Script(script) => AnalysisEntry::Script(script.clone()),
        EntryPoint::Module(module) => AnalysisEntry::Module(module.clone()),
    })
}

fn missing_imports(analysis: &Analysis) -> Vec<MissingImport> {
    analysis
        .missing
        .iter()
        .map(|m| MissingImport {
            name: m.name.clone(),
            imported_by: m.imported_by.clone(),
            line: m.line,
            optional: !m.needed(),
        })
        .collect()
}

pub(crate) fn output_name(options: &Options) -> Result<String> {
    let name = match (&options.name, &options.entry) {
        (Some(name), _) => name.clone(),
        (None, EntryPoint::Script(script)) => script.file_stem().unwrap_or_default().to_string_lossy().into_owned(),
        (None, EntryPoint::Module(module)) => module.rsplit('.').next().unwrap_or(module).to_string(),
    };
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        bail!("{name:?} cannot be the name of an executable; pass --name NAME without slashes");
    }
    Ok(name)
}

pub(crate) fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

pub(crate) fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            _ => e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}
