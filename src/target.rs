//! What differs between the platforms a bundle is built for: the
//! interpreter and its stdlib, how the app's imports are found and its
//! bytecode made, which native files it needs, and the stub. The pipeline
//! ([`crate::pipeline`]) runs each stage once over a [`Target`]; Linux
//! ([`crate::linux`]) and Windows ([`crate::windows`]) implement it.

use crate::analyze::{Analysis, Entry as AnalysisEntry, Inputs};
use crate::cli::Options;
use crate::contents::Contents;
use crate::plan::{Entry, Plan};
use crate::progress::Progress;
use anyhow::{bail, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// `--target` values that mean Windows.
const WINDOWS_NAMES: &[&str] = &["x86_64-pc-windows", "x86_64-pc-windows-gnu", "x86_64-pc-windows-msvc", "windows"];

/// `--target` values that mean Linux.
const LINUX_NAMES: &[&str] = &["x86_64-unknown-linux-gnu", "x86_64-linux", "linux"];

/// One platform's side of a build, made ready by [`open`].
pub trait Target {
    /// The stub the bundle is written with.
    fn stub(&self) -> &[u8];

    /// The bundled CPython's version.
    fn version(&self) -> (u32, u32, u32);

    /// For the app's name: the executable's file name, and the onedir
    /// directory's.
    fn output_names(&self, name: &str) -> (String, String);

    /// The analysis of this platform's interpreter, for `entry` and the
    /// `--paths` directories; the pipeline adds roots and excludes.
    fn analysis_inputs(&self, entry: AnalysisEntry, paths: &[PathBuf]) -> Result<Inputs>;

    /// Finds what the app imports; also the packages whose own files
    /// code that ran at build time opened by path.
    fn analyze(&self, inputs: &mut Inputs, progress: &Progress) -> Result<(Analysis, BTreeSet<String>)>;

    /// The bytecode of the modules in `contents`.
    fn bytecode(&self, contents: &Contents, optimize: u8, progress: &Progress) -> Result<Vec<Entry>>;

    /// The stdlib's codecs (`encodings` submodules) the app could have
    /// had, for the list of those left out; empty if all are bundled.
    fn codecs(&self) -> Vec<String>;

    /// Puts the native files (in load order) and the data files of
    /// `contents` into `plan`.
    fn natives(&self, contents: &Contents, plan: &mut Plan, progress: &Progress) -> Result<Natives>;

    /// Whether the bundle serves its files by path itself (so none is
    /// placed on disk), for this layout.
    fn serves_files(&self, onefile: bool) -> bool;

    /// How the summary line names the layout ("onefile", "Windows onedir").
    fn describe(&self, onefile: bool) -> String;
}

/// What the native files tell the manifest.
pub struct Natives {
    /// The libraries each native file needs, by archive name.
    pub needs: BTreeMap<String, Vec<String>>,
    /// libpython's archive name.
    pub libpython: String,
    /// The newest glibc any bundled file (the stub included) needs.
    pub glibc_floor: Option<(u32, u32)>,
}

/// The target the options build for, probed and ready to build the app
/// `name`: `--target`, or without it the system pybundle runs on.
/// Windows-only options with a Linux target are an error.
pub fn open(options: &Options, name: &str, progress: &Progress) -> Result<Box<dyn Target>> {
    let windows = match options.target.as_deref() {
        None => cfg!(windows),
        Some(t) if WINDOWS_NAMES.contains(&t) => true,
        Some(t) if LINUX_NAMES.contains(&t) => false,
        Some(t) => bail!("unknown --target {t}; use x86_64-pc-windows or x86_64-unknown-linux-gnu"),
    };
    if windows {
        return Ok(Box::new(crate::windows::Windows::open(options, name, progress)?));
    }
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
    Ok(Box::new(crate::linux::Linux::open(options, progress)?))
}
