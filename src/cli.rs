//! Command-line options of `pybundle`.

use crate::plan::Effort;
use anyhow::{bail, Result};
use clap::{CommandFactory, Parser};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "pybundle",
    version,
    about = "Bundle a Python application into one self-contained executable",
    after_help = "Examples:\n  pybundle app.py --onefile      # -> dist/app\n  pybundle app.py                # -> dist/app/app and its files\n  pybundle -m mypkg --onefile    # a module as the entry, like python -m\n  pybundle                       # build as [tool.pybundle] in ./pyproject.toml says\n  pybundle inspect dist/app      # what a bundle holds (--json); a script named inspect: pybundle ./inspect"
)]
pub struct Cli {
    /// The application's entry script (or `script` in `[tool.pybundle]`
    /// of ./pyproject.toml).
    pub script: Option<PathBuf>,

    /// Run this module as the entry, like `python -m MODULE`.
    #[arg(short = 'm', long = "module", value_name = "MODULE", conflicts_with = "script")]
    pub module: Option<String>,

    /// Run the console script NAME of the project's `[project.scripts]`
    /// (in ./pyproject.toml) as the entry.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["script", "module"])]
    pub entry_point: Option<String>,

    /// Build one executable file that carries everything.
    #[arg(long, conflicts_with = "onedir")]
    pub onefile: bool,

    /// Build a directory: the executable beside its files (the default).
    #[arg(long)]
    pub onedir: bool,

    /// Name of the executable (default: the script's name without `.py`).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// The Python interpreter to bundle: a path, a program on PATH, or a
    /// version such as 3.12 to search for (default: the active venv, then
    /// ./.venv, then `python3` on PATH).
    #[arg(long, value_name = "PATH_OR_VERSION")]
    pub python: Option<PathBuf>,

    /// Where to put the bundle (default: dist).
    #[arg(long, value_name = "DIR")]
    pub distpath: Option<PathBuf>,

    /// A module the analysis cannot see (imported by a computed name); repeatable.
    #[arg(long = "hidden-import", value_name = "MODULE")]
    pub hidden_imports: Vec<String>,

    /// A module (and its submodules) never to bundle; repeatable.
    #[arg(long = "exclude-module", value_name = "MODULE")]
    pub exclude_modules: Vec<String>,

    /// Bundle a package with all its submodules and files; repeatable.
    #[arg(long = "collect-all", value_name = "PACKAGE")]
    pub collect_all: Vec<String>,

    /// Place a package's files on disk at run time, for code that opens
    /// them by path (`os.path.dirname(__file__)`); repeatable.
    #[arg(long = "collect-files", value_name = "PACKAGE")]
    pub collect_files: Vec<String>,

    /// Add a file or directory SRC as DEST in the bundle's data directory
    /// (`sys._MEIPASS`); repeatable.
    #[arg(long = "add-data", value_name = "SRC:DEST")]
    pub add_data: Vec<String>,

    /// An extra directory to find the app's modules in; repeatable.
    #[arg(long = "paths", value_name = "DIR")]
    pub paths: Vec<PathBuf>,

    /// Do not import the app's third-party packages at build time to see
    /// what their compiled code imports.
    #[arg(long)]
    pub no_import_probe: bool,

    /// Run the app at build time with these arguments (one string, split
    /// like a shell does) and bundle what it imports and the package files
    /// it opens: for code that works in python but not in the bundle.
    #[arg(long, value_name = "ARGS", allow_hyphen_values = true)]
    pub trace_run: Option<String>,

    /// How hard to compress the bundle's contents: none (largest, nothing
    /// to decode at start), fast (zstd level 3) or max (zstd level 19,
    /// the smallest; the default).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub compress: Option<Effort>,

    /// Linux onefile: decode the native libraries once, at the first start,
    /// into the user's cache directory and load them from there after:
    /// later starts decode nothing and processes share their pages. Without
    /// it they are decoded into memory at every start and nothing is
    /// written (onedir and Windows onefile always load them from files).
    #[arg(long)]
    pub cache_natives: bool,

    /// Bundle every text codec of the stdlib (encodings.* and the CJK codec
    /// modules), not only those the app names.
    #[arg(long)]
    pub all_codecs: bool,

    /// Write every module and file of the bundle, why it is there and its
    /// size, as JSON.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// An interpreter flag fixed into the bundle, as on python's command
    /// line: -O, -OO, -u, -X NAME[=VALUE], -W ARG (repeatable).
    #[arg(long = "python-option", value_name = "FLAG", allow_hyphen_values = true)]
    pub python_options: Vec<String>,

    /// A fixed hash seed for str/bytes hashing, like PYTHONHASHSEED (0: no randomization).
    #[arg(long, value_name = "N")]
    pub hash_seed: Option<u32>,

    /// Require at least this glibc (as 2.36) where the bundle runs, even if
    /// no bundled file needs it; the bundle refuses older systems.
    #[arg(long, value_name = "X.Y", value_parser = parse_glibc)]
    pub glibc_floor: Option<(u32, u32)>,

    /// Build for this platform: x86_64-pc-windows (an .exe, from Linux
    /// too) or x86_64-unknown-linux-gnu (default: the one pybundle runs on).
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,

    /// Windows: the official embeddable CPython distribution to bundle
    /// (python-3.X.Y-embed-amd64, unpacked or its zip).
    #[arg(long, value_name = "DIR_OR_ZIP")]
    pub python_home: Option<PathBuf>,

    /// Windows: a directory of win_amd64 wheels; those the app imports are bundled.
    #[arg(long, value_name = "DIR")]
    pub wheels: Option<PathBuf>,

    /// Windows: the executable's icon (an .ico file, several sizes).
    #[arg(long, value_name = "FILE.ico")]
    pub icon: Option<PathBuf>,

    /// Windows: version information (TOML: file_version, product_version,
    /// company_name, file_description, product_name, legal_copyright, ...).
    #[arg(long, value_name = "FILE.toml")]
    pub version_file: Option<PathBuf>,

    /// Windows: a GUI program, without a console window.
    #[arg(long)]
    pub windowed: bool,

    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// The app's entry point.
#[derive(Debug, Clone)]
pub enum EntryPoint {
    Script(PathBuf),
    Module(String),
}

impl std::fmt::Display for EntryPoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EntryPoint::Script(script) => write!(f, "{}", script.file_name().unwrap_or(script.as_os_str()).to_string_lossy()),
            EntryPoint::Module(module) => write!(f, "-m {module}"),
        }
    }
}

/// One `--add-data`: a file or directory and where it goes.
#[derive(Debug, Clone)]
pub struct DataSpec {
    pub source: PathBuf,
    /// `/`-separated, relative.
    pub dest: String,
}

/// What to build, as the pipeline sees it.
#[derive(Debug, Clone)]
pub struct Options {
    pub entry: EntryPoint,
    pub onefile: bool,
    pub name: Option<String>,
    /// `--python`: a path, a program name or a version; `None` to search.
    pub python: Option<PathBuf>,
    pub distpath: PathBuf,
    pub hidden_imports: Vec<String>,
    pub exclude_modules: Vec<String>,
    pub collect_all: Vec<String>,
    pub collect_files: Vec<String>,
    pub add_data: Vec<DataSpec>,
    pub paths: Vec<PathBuf>,
    pub import_probe: bool,
    /// `--trace-run`, split into arguments.
    pub trace_run: Option<Vec<String>>,
    pub report: Option<PathBuf>,
    pub compress: Effort,
    pub all_codecs: bool,
    pub cache_natives: bool,
    pub python_options: Vec<String>,
    pub hash_seed: Option<u32>,
    pub glibc_floor: Option<(u32, u32)>,
    pub target: Option<String>,
    pub python_home: Option<PathBuf>,
    pub wheels: Option<PathBuf>,
    pub icon: Option<PathBuf>,
    pub version_file: Option<PathBuf>,
    pub windowed: bool,
    pub quiet: bool,
}

impl Cli {
    pub fn options(&self) -> Result<Options> {
        let entry = match (&self.script, &self.module) {
            (Some(script), _) => EntryPoint::Script(script.clone()),
            (None, Some(module)) => EntryPoint::Module(module.clone()),
            (None, None) => {
                let why = "no entry given; pass the app's script, -m MODULE or --entry-point NAME, or set one in [tool.pybundle] of pyproject.toml";
                return Err(Cli::command().error(clap::error::ErrorKind::MissingRequiredArgument, why).into());
            }
        };
        Ok(Options {
            entry,
            onefile: self.onefile,
            name: self.name.clone(),
            python: self.python.clone(),
            distpath: self.distpath.clone().unwrap_or_else(|| PathBuf::from("dist")),
            hidden_imports: self.hidden_imports.clone(),
            exclude_modules: self.exclude_modules.clone(),
            collect_all: self.collect_all.clone(),
            collect_files: self.collect_files.clone(),
            add_data: self.add_data.iter().map(|spec| parse_data_spec(spec)).collect::<Result<_>>()?,
            paths: self.paths.clone(),
            import_probe: !self.no_import_probe,
            trace_run: self.trace_run.as_deref().map(parse_trace_run).transpose()?,
            report: self.report.clone(),
            compress: self.compress.unwrap_or(Effort::Max),
            all_codecs: self.all_codecs,
            cache_natives: self.cache_natives,
            python_options: self.python_options.clone(),
            hash_seed: self.hash_seed,
            glibc_floor: self.glibc_floor,
            target: self.target.clone(),
            python_home: self.python_home.clone(),
            wheels: self.wheels.clone(),
            icon: self.icon.clone(),
            version_file: self.version_file.clone(),
            windowed: self.windowed,
            quiet: self.quiet,
        })
    }
}

/// `--trace-run 'ARGS'`, split like a POSIX shell splits words.
fn parse_trace_run(args: &str) -> Result<Vec<String>> {
    match shlex::split(args) {
        Some(words) => Ok(words),
        None => bail!("--trace-run {args:?} has an unclosed quote or a trailing backslash; quote it as one shell word, as in --trace-run '--check \"a b\"'"),
    }
}

fn parse_glibc(text: &str) -> Result<(u32, u32), String> {
    pybundle_bootloader::manifest::parse_version_pair(text)
        .ok_or_else(|| format!("{text:?} is not a glibc version like 2.36"))
}

/// `SRC:DEST`, as PyInstaller takes it; DEST `.` is the top of the data dir.
fn parse_data_spec(spec: &str) -> Result<DataSpec> {
    let Some((source, dest)) = spec.rsplit_once(':') else {
        bail!("--add-data {spec:?} needs the form SRC:DEST, as in 'assets:assets'");
    };
    if dest.starts_with('/') || dest.starts_with('\\') || dest.get(1..2) == Some(":") {
        bail!("--add-data {spec:?}: the destination {dest:?} is absolute; give a path inside the bundle, as in 'assets:assets'");
    }
    let dest = dest.trim_end_matches('/');
    if source.is_empty() || dest.split('/').any(|part| part == "..") {
        bail!("--add-data {spec:?} needs a source and a destination inside the bundle, as in 'assets:assets'");
    }
    let dest = if dest == "." { String::new() } else { dest.to_string() };
    Ok(DataSpec { source: PathBuf::from(source), dest })
}
