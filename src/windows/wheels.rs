//! Wheels for the Windows bundle (`--wheels DIR`): the `.whl` files in DIR
//! that fit CPython 3.X on win_amd64 are unpacked into one site directory,
//! as pip would install them (`.data/purelib` and `.data/platlib` merged in,
//! scripts and headers left out). The import analysis then decides which
//! of the installed distributions the app reaches.

use anyhow::{bail, Context, Result};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The outcome of unpacking.
pub struct Unpacked {
    /// File names of the wheels installed.
    pub installed: Vec<String>,
    /// File names of the wheels left out, with why.
    pub skipped: Vec<String>,
}

/// Installs the fitting wheels of `dir` into `site`.
pub fn install(dir: &Path, minor: u32, site: &Path) -> Result<Unpacked> {
    let mut wheels: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read --wheels {}; pass a directory of .whl files", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    wheels.sort();
    let mut unpacked = Unpacked { installed: Vec::new(), skipped: Vec::new() };
    for wheel in wheels {
        let name = wheel.file_name().unwrap_or_default().to_string_lossy().into_owned();
        match fits(&name, minor) {
            Ok(()) => {
                unpack(&wheel, site).with_context(|| format!("cannot unpack {}", wheel.display()))?;
                unpacked.installed.push(name);
            }
            Err(why) => unpacked.skipped.push(format!("{name} ({why})")),
        }
    }
    Ok(unpacked)
}

/// Whether a wheel, by its file name's tags, runs on CPython 3.`minor`
/// for win_amd64.
fn fits(file_name: &str, minor: u32) -> Result<(), String> {
    let stem = file_name.strip_suffix(".whl").unwrap_or(file_name);
    let parts: Vec<&str> = stem.split('-').collect();
    if parts.len() < 5 {
        return Err("not a wheel file name".into());
    }
    let [python, abi, platform] = [parts[parts.len() - 3], parts[parts.len() - 2], parts[parts.len() - 1]];
    if !platform.split('.').any(|p| p == "any" || p == "win_amd64") {
        return Err(format!("for {platform}, not win_amd64"));
    }
    let abi3 = abi.split('.').any(|a| a == "abi3");
    let abi_fits = abi.split('.').any(|a| a == "none" || a == "abi3" || a == format!("cp3{minor}"));
    let python_fits = python.split('.').any(|tag| {
        tag == "py3" || tag == format!("py3{minor}") || tag == format!("cp3{minor}")
            || (abi3 && tag.strip_prefix("cp3").and_then(|m| m.parse::<u32>().ok()).is_some_and(|m| m <= minor))
    });
    if !abi_fits || !python_fits {
        return Err(format!("for {python}-{abi}, not CPython 3.{minor}"));
    }
    Ok(())
}

fn unpack(wheel: &Path, site: &Path) -> Result<()> {
    let file = std::fs::File::open(wheel)?;
    let mut archive = zip::ZipArchive::new(file)?;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name()?.to_string();
        let Some(relative) = install_path(&name) else { continue };
        let dest = site.join(&relative);
        if !Path::new(&relative).components().all(|c| matches!(c, Component::Normal(_))) {
            bail!("{} has an unsafe path {name}", wheel.display());
        }
        std::fs::create_dir_all(dest.parent().expect("inside site"))?;
        let mut data = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut data)?;
        std::fs::write(&dest, data).with_context(|| format!("cannot write {}", dest.display()))?;
    }
    Ok(())
}

/// Where a wheel entry goes below the site directory, or `None` for what
/// a bundle does not install (`.data/scripts`, `.data/headers`, ...).
fn install_path(name: &str) -> Option<String> {
    let Some((top, rest)) = name.split_once('/') else { return Some(name.to_string()) };
    if !top.ends_with(".data") {
        return Some(name.to_string());
    }
    let (scheme, rest) = rest.split_once('/')?;
    matches!(scheme, "purelib" | "platlib").then(|| rest.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_wheels_for_this_python_on_win_amd64() {
        assert!(fits("six-1.16.0-py2.py3-none-any.whl", 13).is_ok());
        assert!(fits("pydantic_core-2.27.2-cp313-cp313-win_amd64.whl", 13).is_ok());
        assert!(fits("cryptography-44.0.0-cp39-abi3-win_amd64.whl", 13).is_ok());
        assert!(fits("pydantic_core-2.27.2-cp312-cp312-win_amd64.whl", 13).is_err());
        assert!(fits("numpy-2.2.0-cp313-cp313-manylinux_2_17_x86_64.whl", 13).is_err());
        assert!(fits("cryptography-44.0.0-cp314-abi3-win_amd64.whl", 13).is_err());
        assert!(fits("bad.whl", 13).is_err());
    }

    #[test]
    fn installs_purelib_and_platlib_only() {
        assert_eq!(install_path("pkg/__init__.py").as_deref(), Some("pkg/__init__.py"));
        assert_eq!(install_path("x-1.0.data/platlib/x.pyd").as_deref(), Some("x.pyd"));
        assert_eq!(install_path("x-1.0.data/scripts/x.exe"), None);
        assert_eq!(install_path("six.py").as_deref(), Some("six.py"));
    }
}
