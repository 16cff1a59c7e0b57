//! Import analysis: the modules an app needs, found from its entry outward
//! without running it. Sources are scanned in Rust (`imports`, `lexer`) in
//! parallel, names are resolved like CPython's PathFinder (`resolve`),
//! stdlib modules are kept only when reachable (minus [`NEVER`]), and each
//! third-party distribution reached is taken whole from its RECORD
//! (`dists`).

mod codecs;
mod condition;
mod dists;
mod graph;
mod imports;
mod lexer;
mod markers;
mod nodes;
mod resolve;
mod rules;
mod site;
#[cfg(test)]
mod tests;

pub use condition::Target;
pub use graph::analyze;
pub use rules::{ALL_CODECS, ALWAYS, FROZEN, IMPLICIT, LAZY_ONLY, NEVER, TEST_DIRS};

use crate::probe::Interpreter;
use anyhow::Context;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// What to analyse, and the interpreter it runs on.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub entry: Entry,
    /// Where modules are looked up, in order: the script's directory (the
    /// current directory for `-m`), `--paths` directories, then the
    /// interpreter's `sys.path` and site directories. Zip files and missing
    /// entries are skipped.
    pub search_path: Vec<PathBuf>,
    /// The interpreter's stdlib and lib-dynload: modules found there are
    /// [`Origin::Stdlib`].
    pub stdlib_dirs: Vec<PathBuf>,
    /// `sys.builtin_module_names`.
    pub builtin_modules: Vec<String>,
    /// `importlib.machinery.EXTENSION_SUFFIXES`, most specific first.
    pub ext_suffixes: Vec<String>,
    /// Modules that are always in (`--hidden-import`, and `--collect-all`
    /// as `pkg.*`: the package and all its submodules).
    pub roots: Vec<String>,
    /// CPython's start-up modules: always in, but unlike roots they do not
    /// bring in [`IMPLICIT`] needs by themselves.
    pub startup: Vec<String>,
    /// `--exclude-module`: these and their submodules are never followed.
    pub excludes: Vec<String>,
    /// Modules seen imported by running code (the import probe,
    /// `--trace-run`): added once the static analysis is done, where it
    /// did not find them.
    pub seen: Vec<Seen>,
    pub target: Target,
}

/// A module seen imported when code ran at build time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub module: String,
    /// The package whose import imported it; `None` for the app's run.
    pub by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A script, run as `__main__`.
    Script(PathBuf),
    /// A module run like `python -m NAME` (a package runs `NAME.__main__`).
    Module(String),
}

impl Inputs {
    /// Inputs for `interpreter`: search path (its `sys.path`, then the
    /// site-packages directories and `.pth` paths that `site` adds), stdlib,
    /// builtins and suffixes from the probe; `paths` are `--paths`
    /// directories. Roots, start-up modules and excludes are left for the
    /// caller to fill.
    pub fn new(interpreter: &Interpreter, entry: Entry, paths: &[PathBuf]) -> anyhow::Result<Inputs> {
        let first = match &entry {
            Entry::Script(script) => std::fs::canonicalize(script)
                .with_context(|| format!("script {} not found; pass the path of the app's .py file", script.display()))?
                .parent()
                .map(PathBuf::from)
                .unwrap_or_default(),
            Entry::Module(_) => std::env::current_dir()
                .context("the current directory cannot be read, and -m looks for modules there; run pybundle from an existing directory")?,
        };
        let site_dirs = site::site_entries(&site::site_packages(interpreter));
        let search_path = std::iter::once(first)
            .chain(paths.iter().cloned())
            .chain(interpreter.sys_path.iter().cloned())
            .chain(site_dirs.into_iter().filter(|d| !interpreter.sys_path.contains(d)))
            .collect();
        let stdlib_dirs = std::iter::once(interpreter.stdlib.clone()).chain(interpreter.dynload.clone()).collect();
        let ext_suffixes = [interpreter.ext_suffix.as_str(), ".abi3.so", ".so"].map(String::from).to_vec();
        let (major, minor, micro) = interpreter.version;
        Ok(Inputs {
            entry,
            search_path,
            stdlib_dirs,
            builtin_modules: interpreter.builtin_modules.clone(),
            ext_suffixes,
            roots: Vec::new(),
            startup: Vec::new(),
            excludes: Vec::new(),
            seen: Vec::new(),
            target: Target { version: (major, minor, micro), platform: "linux".into() },
        })
    }
}

/// What the app needs.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// By dotted name; a script entry is `__main__`.
    pub modules: BTreeMap<String, Module>,
    /// Imports that resolved nowhere, by name.
    pub missing: Vec<Missing>,
    /// Third-party distributions reached, each taken whole.
    pub distributions: Vec<Distribution>,
    /// Modules found but left out by a rule, by name.
    pub left_out: Vec<LeftOut>,
    /// Files that could not be read or scanned, bad RECORDs: one line each.
    pub warnings: Vec<String>,
    /// Top-level packages whose files code reads by path where the source
    /// shows it (jinja2's `PackageLoader("package")`): placed on disk.
    pub read_by_path: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub name: String,
    pub kind: ModuleKind,
    pub origin: Origin,
    pub reason: Reason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleKind {
    Source(PathBuf),
    /// A regular package, by its `__init__.py` (or, when a package has
    /// only a compiled one, its extension `__init__`).
    Package(PathBuf),
    /// A namespace package: its directories, which hold no code.
    Namespace(Vec<PathBuf>),
    Extension(PathBuf),
    Builtin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Stdlib,
    /// The app's own code, and modules no installed distribution claims.
    App,
    /// Installed by this distribution (by its name).
    Distribution(String),
}

/// Why a module is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Entry,
    /// A root or start-up module.
    Root,
    /// Imported by this module (the nearest one to the entry).
    ImportedBy(String),
    /// Needed by this module in a way its source does not show ([`IMPLICIT`]).
    ImpliedBy(String),
    /// Its distribution (by name) is taken whole.
    PartOf(String),
    /// Imported when this package was imported at build time (the import
    /// probe), where no source shows it.
    ProbedBy(String),
    /// Imported when the app ran at build time (`--trace-run`).
    SeenAtRun,
}

/// A module found but not bundled, and the rule that left it out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LeftOut {
    pub name: String,
    pub rule: String,
}

/// An import that resolved nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The first part of the imported name that was not found.
    pub name: String,
    /// The importing module; `None` for a root.
    pub imported_by: Option<String>,
    pub line: u32,
    /// Guarded by `try: ... except ImportError` (or `suppress`) in the
    /// importer, at this import or another of the same name.
    pub optional: bool,
    /// In an `if` branch that may not run on the target.
    pub conditional: bool,
    /// Inside a function: fails only when that function runs.
    pub deferred: bool,
    /// The importer is imported whenever the app runs: reached from the
    /// entry or roots by unguarded module-level imports.
    pub reachable: bool,
}

impl Missing {
    /// Whether the app fails at start without it: an unguarded
    /// module-level import in a module that is always imported.
    pub fn needed(&self) -> bool {
        !self.optional && !self.conditional && !self.deferred && self.reachable
    }
}

/// An installed distribution, taken whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distribution {
    pub name: String,
    pub version: String,
    pub dist_info: PathBuf,
    /// Every file its RECORD lists (absolute, and relative to its site
    /// directory with `/`), but bytecode caches, test packages, excluded
    /// modules and paths outside the site directory.
    pub files: Vec<(PathBuf, String)>,
}
