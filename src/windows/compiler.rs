//! The host CPython that compiles the app's `.py` files for a Windows
//! bundle. Bytecode is the same on every platform, so any CPython of the
//! bundle's minor version will do: `--python` if given, else `python3.X` on
//! PATH or under pyenv, else (on Windows) the embeddable distribution's own
//! `python.exe`. Its magic number must match the distribution's bytecode.

use crate::find_program::find_program;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Compiler {
    pub command: PathBuf,
    /// Hex, as `importlib.util.MAGIC_NUMBER.hex()`.
    pub magic: String,
    /// Its stdlib's sources, which the import analysis reads (the
    /// embeddable distribution has bytecode only); `None` if it has none.
    pub stdlib: Option<PathBuf>,
}

const QUERY: &str = "import sys, sysconfig, importlib.util; \
    print(sys.version_info[0], sys.version_info[1], importlib.util.MAGIC_NUMBER.hex(), sysconfig.get_paths()['stdlib'])";

/// Finds the compiler for Python `3.minor` whose magic is `magic`. `given`
/// is `--python`, or `None` to search.
pub fn find(given: Option<&Path>, home: Option<&Path>, minor: u32, magic: &str) -> Result<Compiler> {
    if let Some(python) = given {
        let (version, found, stdlib) = query(python)?;
        if found != magic {
            bail!(
                "{} (Python {}.{}) writes bytecode with magic {found}, but the embeddable Python 3.{minor} needs {magic}; \
                 pass --python with a CPython 3.{minor}",
                python.display(),
                version.0,
                version.1
            );
        }
        return Ok(Compiler { command: python.to_path_buf(), magic: found, stdlib });
    }
    let candidates = candidates(home, minor);
    for candidate in &candidates {
        if let Ok((_, found, stdlib)) = query(candidate) {
            if found == magic {
                return Ok(Compiler { command: candidate.clone(), magic: found, stdlib });
            }
        }
    }
    bail!(
        "no CPython 3.{minor} found to compile the app (looked for python3.{minor} on PATH and under ~/.pyenv); \
         install one or pass --python PATH"
    )
}

fn candidates(home: Option<&Path>, minor: u32) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let exe = format!("python3.{minor}");
    out.extend(find_program(Path::new(&exe)));
    let pyenv_roots = [std::env::var_os("PYENV_ROOT").map(PathBuf::from), std::env::var_os("HOME").map(|h| Path::new(&h).join(".pyenv"))];
    for root in pyenv_roots.into_iter().flatten() {
        let Ok(entries) = std::fs::read_dir(root.join("versions")) else { continue };
        let mut versions: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&format!("3.{minor}.")))
            .map(|e| e.path().join("bin").join(&exe))
            .collect();
        versions.sort();
        out.extend(versions.into_iter().rev());
    }
    if cfg!(windows) {
        out.extend(home.map(|h| h.join("python.exe")));
    }
    out.extend(find_program(Path::new("python3")));
    out.extend(find_program(Path::new("python")));
    out
}

/// ((major, minor), magic, stdlib sources) of the interpreter at `python`.
fn query(python: &Path) -> Result<((u32, u32), String, Option<PathBuf>)> {
    let output = Command::new(python)
        .args(["-I", "-S", "-c", QUERY])
        .output()
        .with_context(|| format!("cannot run {}; pass --python PATH to a CPython", python.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let parts: Vec<&str> = text.trim_end().splitn(4, ' ').collect();
    match (output.status.success(), parts.as_slice()) {
        (true, [major, minor, magic, stdlib]) => {
            let stdlib = Some(PathBuf::from(stdlib)).filter(|dir| dir.join("os.py").is_file());
            Ok(((major.parse()?, minor.parse()?), magic.to_string(), stdlib))
        }
        _ => bail!("{} did not report its version; pass --python PATH to a CPython", python.display()),
    }
}
