//! The build, stage by stage: probe → analyze → compile → collect →
//! assemble → write, once for every target; what differs between Linux
//! and Windows is behind [`Target`].

use crate::analyze::{self, Analysis, Entry as AnalysisEntry};
use crate::cli::{EntryPoint, Options};
use crate::codecs_left_out;
use crate::contents;
use crate::plan::Plan;
use crate::progress::Progress;
use crate::report::{self, MissingImport};
use crate::target::{self, Target};
use crate::write;
use anyhow::{bail, Result};
use pybundle_bootloader::layout;
use pybundle_bootloader::manifest::{self, Layout, Manifest, PythonInfo};
use std::path::{Path, PathBuf};

/// What a finished build produced.
#[derive(Debug)]
pub struct Built {
    /// The executable (onefile) or the directory (onedir).
    pub path: PathBuf,
    pub size: u64,
}

pub fn build(options: &Options) -> Result<Built> {
    let progress = Progress::new(options.quiet);
    let python_options = crate::python_options::parse(&options.python_options, options.hash_seed)?;
    let entry = analysis_entry(options)?;
    let name = output_name(options)?;
    let target = target::open(options, &name, &progress)?;

    // The locale's codec matters only without UTF-8 mode; it may be any.
    let all_codecs = options.all_codecs || !python_options.utf8_mode;
    let (analysis, opened) = analyze_app(target.as_ref(), entry.clone(), options, all_codecs, &progress)?;
    let workdir = crate::cleanup::tempdir()?;
    let on_disk: Vec<String> = options.collect_files.iter().chain(&opened).cloned().collect();
    let served = target.serves_files(options.onefile);
    let contents = contents::from_analysis(&analysis, &entry, &on_disk, &options.add_data, served, workdir.path())?;
    if !contents.on_disk.is_empty() {
        let names: Vec<&str> = contents.on_disk.iter().map(String::as_str).collect();
        progress.step(format_args!("placed on disk at run time: {}", names.join(", ")));
    }

    let mut plan = Plan::default();
    plan.push_bytecode(target.bytecode(&contents, python_options.optimize, &progress)?, &contents.directories);
    // Shown only now: a syntax error in the app's own code is the error
    // that compiling reports, not a warning of the analysis.
    for warning in &analysis.warnings {
        progress.warn(warning);
    }
    plan.entries.extend(codecs_left_out::entry(target.codecs(), &analysis.modules));
    let natives = target.natives(&contents, &mut plan, &progress)?;

    let layout = if options.onefile { Layout::Onefile } else { Layout::Onedir };
    let manifest = Manifest {
        format: manifest::FORMAT,
        python: PythonInfo { version: target.version(), libpython: natives.libpython },
        entry: layout::MAIN_MODULE.to_string(),
        entry_source: Some(options.entry.to_string()),
        layout,
        cache_natives: options.cache_natives,
        glibc_floor: natives.glibc_floor.max(options.glibc_floor).map(|(major, minor)| format!("{major}.{minor}")),
        natives: plan.manifest_natives(&natives.needs),
        files: plan.files_on_disk(),
        hashes: plan.hashes(),
        options: python_options,
    };

    progress.step(format_args!("writing {} entries ({:.1} MB)", plan.entries.len(), mb(plan.total_size())));
    let (exe_name, dir_name) = target.output_names(&name);
    let (dest, stored) = if options.onefile {
        let dest = options.distpath.join(&exe_name);
        let stored = write::onefile(target.stub(), &plan, &manifest, &dest, options.compress)?;
        (dest, stored)
    } else {
        let dest = options.distpath.join(&dir_name);
        let stored = write::onedir(target.stub(), &plan, &manifest, &dest, &exe_name, options.compress)?;
        (dest, stored)
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
        target.describe(options.onefile),
        mb(size),
        progress.elapsed_secs()
    ));
    Ok(Built { path: dest, size })
}

/// Finds what the app imports, by reading its sources and, where the
/// target can, by running code; names given by options must exist. Also
/// returns the packages whose data files running code opened by path.
fn analyze_app(
    target: &dyn Target,
    entry: AnalysisEntry,
    options: &Options,
    all_codecs: bool,
    progress: &Progress,
) -> Result<(Analysis, std::collections::BTreeSet<String>)> {
    let mut inputs = target.analysis_inputs(entry, &options.paths)?;
    inputs.roots = options.hidden_imports.clone();
    inputs.roots.extend(all_codecs.then(|| analyze::ALL_CODECS.to_string()));
    inputs.roots.extend(options.collect_all.iter().map(|p| format!("{p}.*")));
    inputs.roots.extend(options.collect_files.iter().cloned());
    inputs.excludes = options.exclude_modules.clone();
    progress.step("analysing imports");
    let (analysis, opened) = target.analyze(&mut inputs, progress)?;
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

/// The entry as the analysis takes it; a script must exist.
fn analysis_entry(options: &Options) -> Result<AnalysisEntry> {
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

fn output_name(options: &Options) -> Result<String> {
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

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            _ => e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}
