//! The build, stage by stage: probe → analyze → compile → collect →
//! assemble → write.

use crate::app;
use crate::build_cache::BuildCache;
use crate::cli::Options;
use crate::collect;
use crate::compile::{self, Job};
use crate::plan::{Entry, Plan};
use crate::probe;
use crate::progress::Progress;
use crate::stdlib;
use crate::stubs;
use crate::write;
use anyhow::{bail, Context, Result};
use pybundle_bootloader::layout;
use pybundle_bootloader::manifest::{self, Layout, Manifest, Native, NativeKind, PythonInfo};
use std::collections::BTreeMap;
use std::path::PathBuf;

const LINUX_TARGET: &str = "x86_64-unknown-linux-gnu";

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
    let app = app::analyze(&options.script)?;
    let name = output_name(options, &app.script)?;

    progress.step(format_args!("probing {}", options.python.display()));
    let python = probe::probe(&options.python)?;
    progress.step(format_args!(
        "Python {}.{}.{} from {}",
        python.version.0,
        python.version.1,
        python.version.2,
        python.libpython.display()
    ));
    let stub = stubs::for_target(LINUX_TARGET)?;

    let mut sources: BTreeMap<String, Job> = BTreeMap::new();
    for module in stdlib::source_modules(&python)? {
        sources.insert(pyc_name(&module.relative), Job { source: module.path, display: module.relative });
    }
    for module in &app.modules {
        sources.insert(pyc_name(&module.relative), Job { source: module.path.clone(), display: module.relative.clone() });
    }
    sources.insert(
        layout::MAIN_MODULE.to_string(),
        Job { source: app.script.clone(), display: app.script_display.clone() },
    );
    progress.step(format_args!("compiling {} modules", sources.len()));
    let jobs: Vec<Job> = sources.values().cloned().collect();
    let pycs = compile::compile_all(&python, &jobs, python_options.optimize, &BuildCache::user())?;

    let mut plan = Plan::default();
    for (name, data) in sources.into_keys().zip(pycs) {
        let mut entry = Entry::bytecode(name, data);
        if entry.name == layout::MAIN_MODULE {
            // The stub reads the entry itself, without inflating it.
            entry.compression = crate::plan::Compression::Stored;
        }
        plan.push(entry);
    }
    for file in &app.data {
        let data = std::fs::read(&file.path).with_context(|| format!("cannot read {}", file.path.display()))?;
        plan.push(Entry::data(file.relative.clone(), data));
    }

    progress.step("collecting native libraries");
    let extensions = stdlib::extension_modules(&python)?;
    let collect::Natives { entries: native_entries, needs, libpython_name, glibc_floor } =
        collect::collect(&python, &extensions)?;
    let stub_floor = crate::elf::glibc_floor(stub)?;
    let glibc_floor = glibc_floor.max(stub_floor).max(options.glibc_floor);
    for entry in native_entries {
        plan.push(entry);
    }

    let layout = if options.onefile { Layout::Onefile } else { Layout::Onedir };
    let manifest = Manifest {
        format: manifest::FORMAT,
        python: PythonInfo { version: python.version, libpython: libpython_name },
        entry: layout::MAIN_MODULE.to_string(),
        layout,
        glibc_floor: glibc_floor.map(|(major, minor)| format!("{major}.{minor}")),
        natives: plan
            .natives()
            .map(|e| Native {
                name: e.name.clone(),
                kind: match &e.kind {
                    crate::plan::Kind::Native(kind) => kind.clone(),
                    _ => NativeKind::Library,
                },
                needs: needs.get(&e.name).cloned().unwrap_or_default(),
            })
            .collect(),
        hashes: plan.entries.iter().map(|e| (e.name.clone(), e.hash())).collect(),
        options: python_options,
    };

    progress.step(format_args!("writing {} entries ({:.1} MB)", plan.entries.len(), mb(plan.total_size())));
    let built = if options.onefile {
        let dest = options.distpath.join(&name);
        write::onefile(stub, &plan, &manifest, &dest)?;
        let size = std::fs::metadata(&dest)?.len();
        Built { path: dest, size }
    } else {
        let dest = options.distpath.join(&name);
        write::onedir(stub, &plan, &manifest, &dest, &name)?;
        Built { size: dir_size(&dest), path: dest }
    };
    progress.step(format_args!(
        "built {} ({}, {:.1} MB) in {:.1} s",
        built.path.display(),
        if options.onefile { "onefile" } else { "onedir" },
        mb(built.size),
        progress.elapsed_secs()
    ));
    Ok(built)
}

fn output_name(options: &Options, script: &std::path::Path) -> Result<String> {
    let name = match &options.name {
        Some(name) => name.clone(),
        None => script.file_stem().unwrap_or_default().to_string_lossy().into_owned(),
    };
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        bail!("{name:?} cannot be the name of an executable; pass --name NAME without slashes");
    }
    Ok(name)
}

fn pyc_name(relative: &str) -> String {
    format!("{}.pyc", relative.strip_suffix(".py").unwrap_or(relative))
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

fn dir_size(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            _ => e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}
