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
            quiet: self.quiet,
        }
    }
}
