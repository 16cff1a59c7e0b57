//! Building for Linux: the CPython found on this machine (`--python`),
//! its own sources compiled by itself, imports found by reading sources
//! and by importing the app's packages ([`import_probe`]), and native
//! libraries by their ELF dependencies ([`collect`]).

use crate::analyze::{Analysis, Entry as AnalysisEntry, Inputs};
use crate::build_cache::BuildCache;
use crate::cli::Options;
use crate::codecs_left_out;
use crate::collect;
use crate::compile;
use crate::contents::Contents;
use crate::import_probe::{self, Discovery};
use crate::plan::{Entry, Plan};
use crate::probe::Interpreter;
use crate::progress::Progress;
use crate::stubs;
use crate::target::{Natives, Target};
use anyhow::{Context, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const STUB_TARGET: &str = "x86_64-unknown-linux-gnu";

pub struct Linux {
    python: Interpreter,
    stub: &'static [u8],
    discovery: Discovery,
}

impl Linux {
    /// Finds the interpreter to bundle and the stub.
    pub fn open(options: &Options, progress: &Progress) -> Result<Linux> {
        let python = crate::discover::find(options.python.as_deref(), Path::new("."), progress)?;
        let (major, minor, micro) = python.version;
        progress.step(format_args!("Python {major}.{minor}.{micro} from {}", python.libpython.display()));
        let stub = stubs::for_target(STUB_TARGET)?;
        let discovery = Discovery { import_probe: options.import_probe, trace_run: options.trace_run.clone() };
        Ok(Linux { python, stub, discovery })
    }
}

impl Target for Linux {
    fn stub(&self) -> &[u8] {
        self.stub
    }

    fn version(&self) -> (u32, u32, u32) {
        self.python.version
    }

    fn output_names(&self, name: &str) -> (String, String) {
        (name.to_string(), name.to_string())
    }

    fn analysis_inputs(&self, entry: AnalysisEntry, paths: &[PathBuf]) -> Result<Inputs> {
        let mut inputs = Inputs::new(&self.python, entry, paths)?;
        inputs.startup = self.python.startup_modules.clone();
        Ok(inputs)
    }

    fn analyze(&self, inputs: &mut Inputs, progress: &Progress) -> Result<(Analysis, BTreeSet<String>)> {
        import_probe::analyze(inputs, &self.python, &self.discovery, progress)
    }

    fn bytecode(&self, contents: &Contents, optimize: u8, progress: &Progress) -> Result<Vec<Entry>> {
        progress.step(format_args!("compiling {} modules", contents.sources.len()));
        let jobs: Vec<compile::Job> = contents.sources.iter().map(|s| s.job.clone()).collect();
        let pycs = compile::compile_all(&self.python, &jobs, optimize, &BuildCache::user())?;
        Ok(contents.sources.iter().zip(pycs).map(|(s, data)| Entry::bytecode(s.name.clone(), data, s.why.clone())).collect())
    }

    fn codecs(&self) -> Vec<String> {
        codecs_left_out::in_stdlib_dir(&self.python.stdlib)
    }

    fn natives(&self, contents: &Contents, plan: &mut Plan, progress: &Progress) -> Result<Natives> {
        progress.step(format_args!("collecting native libraries for {} extension modules", contents.extensions.len()));
        let natives = collect::collect(&self.python, &contents.extensions)?;
        push_data(plan, contents, &natives.sources)?;
        let stub_floor = crate::elf::glibc_floor(self.stub)?;
        plan.entries.extend(natives.entries);
        Ok(Natives { needs: natives.needs, libpython: natives.libpython_name, glibc_floor: natives.glibc_floor.max(stub_floor) })
    }

    /// A onefile bundle serves its archive as a read-only tree.
    fn serves_files(&self, onefile: bool) -> bool {
        onefile
    }

    fn describe(&self, onefile: bool) -> String {
        if onefile { "onefile" } else { "onedir" }.to_string()
    }
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
