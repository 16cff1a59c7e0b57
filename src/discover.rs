//! Which CPython to bundle, found as uv finds one: `--python` may be a path,
//! a program on PATH, or a version (`3.12`, `3.12.1`) searched for in the
//! active venv (`VIRTUAL_ENV`), the project's `.venv`, PATH (`python3.X`,
//! `python3`, `python`), pyenv's versions and uv's managed Pythons. Without
//! `--python`, the active venv and the project's `.venv` come before
//! `python3` on PATH. Interpreters that cannot be bundled (no shared
//! libpython, say) are skipped with the reason shown.

use crate::probe::{self, Interpreter};
use crate::progress::Progress;
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

/// A version asked for with `--python 3.X[.Y]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionRequest {
    minor: u32,
    micro: Option<u32>,
}

impl VersionRequest {
    /// `3.X` or `3.X.Y`; anything else is a path or a program name.
    pub fn parse(text: &Path) -> Option<VersionRequest> {
        let number = |part: &str| part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse::<u32>().ok()).flatten();
        let numbers: Vec<u32> = text.to_str()?.split('.').map(number).collect::<Option<_>>()?;
        match numbers[..] {
            [3, minor] => Some(VersionRequest { minor, micro: None }),
            [3, minor, micro] => Some(VersionRequest { minor, micro: Some(micro) }),
            _ => None,
        }
    }

    fn matches(&self, version: (u32, u32, u32)) -> bool {
        version.0 == 3 && version.1 == self.minor && self.micro.is_none_or(|micro| micro == version.2)
    }
}

impl std::fmt::Display for VersionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.micro {
            Some(micro) => write!(f, "3.{}.{micro}", self.minor),
            None => write!(f, "3.{}", self.minor),
        }
    }
}

/// The interpreter for `--python` (`None`: not given), probed; `project` is
/// the directory whose `.venv` counts.
pub fn find(request: Option<&Path>, project: &Path, progress: &Progress) -> Result<Interpreter> {
    let version = request.and_then(VersionRequest::parse);
    let candidates = match (request, version) {
        (Some(path), None) => return probe::probe(path),
        (_, Some(version)) => version_candidates(version, project),
        (None, None) => default_candidates(project),
    };
    let mut skipped: Vec<(PathBuf, &str, anyhow::Error)> = Vec::new();
    for (path, source) in candidates {
        match probe::probe(&path) {
            Ok(found) if version.is_none_or(|v| v.matches(found.version)) => {
                for (path, source, error) in &skipped {
                    progress.warn(format_args!("skipped {} ({source}): {error:#}", path.display()));
                }
                let (major, minor, micro) = found.version;
                progress.step(format_args!("using Python {major}.{minor}.{micro} at {} ({source})", path.display()));
                return Ok(found);
            }
            Ok(_) => {}
            Err(error) => skipped.push((path, source, error)),
        }
    }
    if skipped.len() == 1 && version.is_none() {
        return Err(skipped.remove(0).2);
    }
    for (path, source, error) in &skipped {
        progress.warn(format_args!("skipped {} ({source}): {error:#}", path.display()));
    }
    match version {
        Some(version) => bail!(
            "no CPython {version} with a shared libpython found (looked in the active venv, ./.venv, PATH, pyenv and uv's Pythons); install one or pass --python PATH"
        ),
        None if !skipped.is_empty() => {
            bail!("none of the Pythons found can be bundled (see above); pass --python PATH to a CPython 3.8+ with a shared libpython")
        }
        None => bail!("Python interpreter python3 not found; pass --python PATH to a CPython 3.8+ interpreter"),
    }
}

/// No `--python`: the active venv, the project's `.venv`, then `python3`.
fn default_candidates(project: &Path) -> Vec<(PathBuf, &'static str)> {
    let mut out = venv_candidates(project);
    out.extend(crate::find_program::find_program(Path::new("python3")).map(|p| (p, "PATH")));
    out
}

/// Every interpreter that may be `version`, best first.
fn version_candidates(version: VersionRequest, project: &Path) -> Vec<(PathBuf, &'static str)> {
    let mut out = venv_candidates(project);
    let exact = format!("python3.{}", version.minor);
    for name in [exact.as_str(), "python3", "python"] {
        out.extend(crate::find_program::find_program(Path::new(name)).map(|p| (p, "PATH")));
    }
    for root in pyenv_roots() {
        out.extend(newest_first(&root.join("versions"), "", version).map(|dir| (dir.join("bin").join(&exact), "pyenv")));
    }
    for root in uv_roots() {
        out.extend(newest_first(&root, "cpython-", version).map(|dir| (dir.join("bin").join(&exact), "uv")));
    }
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|(path, _)| path.is_file() && seen.insert(path.clone()));
    out
}

/// `$VIRTUAL_ENV`'s python, then `project/.venv`'s, where they exist.
fn venv_candidates(project: &Path) -> Vec<(PathBuf, &'static str)> {
    let bin = if cfg!(windows) { Path::new("Scripts/python.exe") } else { Path::new("bin/python") };
    let active = std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty()).map(|v| (PathBuf::from(v).join(bin), "the active venv"));
    let project = (project.join(".venv").join(bin), "the project's .venv");
    active.into_iter().chain([project]).filter(|(path, _)| path.is_file()).collect()
}

fn pyenv_roots() -> Vec<PathBuf> {
    let root = std::env::var_os("PYENV_ROOT").filter(|r| !r.is_empty()).map(PathBuf::from);
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv"));
    let mut roots: Vec<PathBuf> = root.into_iter().chain(home).collect();
    roots.dedup();
    roots
}

/// Where uv keeps the Pythons it installs.
fn uv_roots() -> Vec<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let data = var("XDG_DATA_HOME").or_else(|| var("HOME").map(|h| h.join(".local/share")));
    var("UV_PYTHON_INSTALL_DIR").into_iter().chain(data.map(|d| d.join("uv/python"))).collect()
}

/// Subdirectories of `dir` named `PREFIX3.X.Y[-...]` for `version`, newest
/// first (pyenv's `3.12.1`, uv's `cpython-3.12.1-linux-x86_64-gnu`).
fn newest_first(dir: &Path, prefix: &str, version: VersionRequest) -> impl Iterator<Item = PathBuf> {
    let parse = |name: &str| -> Option<(u32, u32, u32)> {
        let text = name.strip_prefix(prefix)?.split(['-', '+']).next()?;
        let mut parts = text.split('.').map(|p| p.parse().ok());
        let found = (parts.next()??, parts.next()??, parts.next()??);
        parts.next().is_none().then_some(found)
    };
    let mut found: Vec<((u32, u32, u32), PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((parse(e.file_name().to_str()?)?, e.path())))
        .filter(|(found, _)| version.matches(*found))
        .collect();
    found.sort();
    found.into_iter().rev().map(|(_, path)| path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_paths_are_told_apart() {
        let parse = |s: &str| VersionRequest::parse(Path::new(s));
        assert_eq!(parse("3.12"), Some(VersionRequest { minor: 12, micro: None }));
        assert_eq!(parse("3.11.7"), Some(VersionRequest { minor: 11, micro: Some(7) }));
        for not_a_version in ["python3", "3", "/usr/bin/python3.11", "3.x", "2.7", "3.12.1.4", ".venv/bin/python"] {
            assert_eq!(parse(not_a_version), None, "{not_a_version}");
        }
    }
}
