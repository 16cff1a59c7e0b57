//! Command-line options of `pybundle`.

use clap::Parser;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "pybundle",
    version,
    about = "Bundle a Python application into one self-contained executable",
    after_help = "Examples:\n  pybundle app.py --onefile      # -> dist/app\n  pybundle app.py                # -> dist/app/app and its files"
)]
pub struct Cli {
    /// The application's entry script.
    pub script: PathBuf,

    /// Build one executable file that carries everything.
    #[arg(long, conflicts_with = "onedir")]
    pub onefile: bool,

    /// Build a directory: the executable beside its files (the default).
    #[arg(long)]
    pub onedir: bool,

    /// Name of the executable (default: the script's name without `.py`).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// The Python interpreter to bundle (default: `python3` on PATH).
    #[arg(long, value_name = "PATH", default_value = "python3")]
    pub python: PathBuf,

    /// Where to put the bundle.
    #[arg(long, value_name = "DIR", default_value = "dist")]
    pub distpath: PathBuf,

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

    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// What to build, as the pipeline sees it.
#[derive(Debug, Clone)]
pub struct Options {
    pub script: PathBuf,
    pub onefile: bool,
    pub name: Option<String>,
    pub python: PathBuf,
    pub distpath: PathBuf,
    pub python_options: Vec<String>,
    pub hash_seed: Option<u32>,
    pub glibc_floor: Option<(u32, u32)>,
    pub quiet: bool,
}

impl Cli {
    pub fn options(&self) -> Options {
        Options {
            script: self.script.clone(),
            onefile: self.onefile,
            name: self.name.clone(),
            python: self.python.clone(),
            distpath: self.distpath.clone(),
            python_options: self.python_options.clone(),
            hash_seed: self.hash_seed,
            glibc_floor: self.glibc_floor,
            quiet: self.quiet,
        }
    }
}

fn parse_glibc(text: &str) -> Result<(u32, u32), String> {
    pybundle_bootloader::manifest::parse_version_pair(text)
        .ok_or_else(|| format!("{text:?} is not a glibc version like 2.36"))
}
