//! Probe: runs the target interpreter once and learns what the build needs
//! from it (version, bytecode magic, where its stdlib and libpython are).

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const PROBE_SOURCE: &str = include_str!("python/probe.py");

/// What the probe script reports.
#[derive(Debug, Clone, Deserialize)]
pub struct Interpreter {
    pub implementation: String,
    pub version: (u32, u32, u32),
    pub magic: String,
    pub gil_disabled: bool,
    pub machine: String,
    pub executable: PathBuf,
    pub stdlib: PathBuf,
    pub platstdlib: PathBuf,
    pub purelib: PathBuf,
    pub platlib: PathBuf,
    pub dynload: Option<PathBuf>,
    pub libdir: Option<PathBuf>,
    pub ldlibrary: Option<String>,
    pub instsoname: Option<String>,
    pub multiarch: Option<String>,
    pub ext_suffix: String,
    /// Built-in modules, and the import system's own frozen modules.
    pub builtin_modules: Vec<String>,
    /// Modules frozen into libpython (their stdlib sources may be bundled too).
    pub frozen_modules: Vec<String>,
    pub sys_path: Vec<PathBuf>,
    /// Modules in `sys.modules` once the interpreter has started.
    pub startup_modules: Vec<String>,
    /// The shared libpython, found after probing.
    #[serde(skip)]
    pub libpython: PathBuf,
    /// The path given by the user (or found on PATH).
    #[serde(skip)]
    pub command: PathBuf,
}

impl Interpreter {
    pub fn minor_label(&self) -> String {
        format!("{}.{}", self.version.0, self.version.1)
    }
}

/// Finds, runs and checks the interpreter named by `--python`.
pub fn probe(python: &Path) -> Result<Interpreter> {
    let command = locate(python)?;
    let output = run_limited(&command, &["-I", "-S", "-c", PROBE_SOURCE])?;
    if !output.status.success() {
        if let Some(version) = old_python_version(&command) {
            bail!("{} is Python {version}, older than 3.8; use a CPython 3.8 or newer", command.display());
        }
        // A program that is no Python may echo the script it was given.
        let stderr = String::from_utf8_lossy(&output.stderr);
        let script_start = PROBE_SOURCE.lines().next().unwrap_or_default();
        if stderr.contains(script_start) || !stderr.contains("Error") {
            bail!("{} is not a Python interpreter (it did not run the probe script); pass --python PATH to a working CPython 3.8+", command.display());
        }
        let last: String = stderr.lines().rfind(|l| !l.trim().is_empty()).unwrap_or_default().chars().take(200).collect();
        bail!(
            "{} did not run the probe script ({last}); pass --python PATH to a working CPython 3.8+",
            command.display()
        );
    }
    let mut interpreter: Interpreter = serde_json::from_slice(&output.stdout).with_context(|| {
        format!("{} printed something that is not the probe's JSON; is it CPython 3.8+?", command.display())
    })?;
    interpreter.command = command;
    check_supported(&interpreter)?;
    interpreter.libpython = find_libpython(&interpreter)?;
    Ok(interpreter)
}

/// The version of an interpreter too old to run the probe (Python 2 does not
/// know `-I`), from `--version`, which every Python answers.
fn old_python_version(command: &Path) -> Option<String> {
    let output = run_limited(command, &["--version"]).ok()?;
    let text = [output.stdout, output.stderr].concat();
    let text = String::from_utf8_lossy(&text);
    let version = text.trim().strip_prefix("Python ")?.to_string();
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next()?, parts.next().unwrap_or(0));
    ((major, minor) < (3, 8)).then_some(version)
}

/// How long the interpreter may take to answer: `PYBUNDLE_PROBE_TIMEOUT`
/// seconds, else a minute (a probe takes well under a second).
fn time_limit() -> Duration {
    let seconds = std::env::var("PYBUNDLE_PROBE_TIMEOUT").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    Duration::from_secs(seconds)
}

/// Runs `command` with `args`, capturing its output; if it has not ended
/// within [`time_limit`], it is killed with everything it started.
fn run_limited(command: &Path, args: &[&str]) -> Result<Output> {
    let mut cmd = Command::new(command);
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().with_context(|| format!("cannot run Python interpreter {}", command.display()))?;
    let (stdout, stderr) = (read_all(child.stdout.take()), read_all(child.stderr.take()));
    let deadline = Instant::now() + time_limit();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            #[cfg(unix)]
            // SAFETY: signals the process group the child leads.
            unsafe {
                libc::kill(-(child.id() as i32), libc::SIGKILL);
            }
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{} did not answer within {} s; pass --python PATH to a working CPython 3.8+ (or set PYBUNDLE_PROBE_TIMEOUT to wait longer)",
                command.display(),
                time_limit().as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ok(Output { status, stdout: stdout.join().unwrap_or_default(), stderr: stderr.join().unwrap_or_default() })
}

/// Reads a pipe to its end in a thread.
fn read_all<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut data = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut data);
        }
        data
    })
}

fn locate(python: &Path) -> Result<PathBuf> {
    let found = if python.components().count() > 1 {
        python.is_file().then(|| python.to_path_buf())
    } else {
        crate::find_program::find_program(python)
    };
    found.ok_or_else(|| {
        anyhow::anyhow!(
            "Python interpreter {} not found; pass --python PATH to a CPython 3.8+ interpreter",
            python.display()
        )
    })
}

fn check_supported(i: &Interpreter) -> Result<()> {
    let exe = i.command.display();
    if i.implementation != "cpython" {
        bail!("{exe} is {}, not CPython; pybundle bundles CPython 3.8 or newer", i.implementation);
    }
    if i.version < (3, 8, 0) {
        bail!("{exe} is Python {}, older than 3.8; use a CPython 3.8 or newer", i.minor_label());
    }
    if i.gil_disabled {
        bail!("{exe} is a free-threaded build, which pybundle does not support yet; use a regular CPython build");
    }
    if i.machine != "x86_64" {
        bail!("{exe} is built for {}, and pybundle builds for x86_64 only", i.machine);
    }
    Ok(())
}

/// The shared libpython of the interpreter: next to its LIBDIR, or in the
/// multiarch library dir where Debian installs it.
fn find_libpython(i: &Interpreter) -> Result<PathBuf> {
    let label = i.minor_label();
    let names: Vec<&str> = [i.instsoname.as_deref(), i.ldlibrary.as_deref()]
        .into_iter()
        .flatten()
        .filter(|n| n.contains(".so"))
        .collect();
    let mut dirs: Vec<PathBuf> = i.libdir.iter().cloned().collect();
    if let Some(multiarch) = &i.multiarch {
        dirs.push(Path::new("/usr/lib").join(multiarch));
    }
    for dir in &dirs {
        for name in &names {
            let path = dir.join(name);
            if is_libpython(&path) {
                return Ok(path);
            }
        }
    }
    bail!(
        "{} has no shared libpython{label}.so, which pybundle needs; install it (Debian: apt-get install libpython{label}) or use a Python built with --enable-shared (pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install {label})",
        i.command.display()
    )
}

/// An ELF shared object that exports the embedding API.
fn is_libpython(path: &Path) -> bool {
    let Ok(data) = std::fs::read(path) else { return false };
    let Ok(elf) = goblin::elf::Elf::parse(&data) else { return false };
    elf.dynsyms.iter().any(|sym| {
        sym.st_value != 0 && elf.dynstrtab.get_at(sym.st_name) == Some("Py_RunMain")
    })
}
