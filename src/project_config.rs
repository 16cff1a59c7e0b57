//! `[tool.pybundle]` in the app's `pyproject.toml`: the same options as the
//! command line, by their long names (lists where an option repeats). The
//! command line overrides the file, key by key; a list given on the command
//! line replaces the file's list.

use crate::cli::Cli;
use crate::plan::Effort;
use crate::entry_point::{self, EntryScript};
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file looked for in the directory pybundle runs in.
pub const PYPROJECT: &str = "pyproject.toml";

/// `[tool.pybundle]`, every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ProjectConfig {
    script: Option<PathBuf>,
    module: Option<String>,
    entry_point: Option<String>,
    onefile: Option<bool>,
    onedir: Option<bool>,
    name: Option<String>,
    python: Option<PathBuf>,
    distpath: Option<PathBuf>,
    hidden_import: Option<Vec<String>>,
    exclude_module: Option<Vec<String>>,
    collect_all: Option<Vec<String>>,
    collect_files: Option<Vec<String>>,
    add_data: Option<Vec<String>>,
    paths: Option<Vec<PathBuf>>,
    report: Option<PathBuf>,
    compress: Option<Effort>,
    all_codecs: Option<bool>,
    cache_natives: Option<bool>,
    python_option: Option<Vec<String>>,
    hash_seed: Option<u32>,
    glibc_floor: Option<String>,
    target: Option<String>,
    python_home: Option<PathBuf>,
    wheels: Option<PathBuf>,
    icon: Option<PathBuf>,
    version_file: Option<PathBuf>,
    windowed: Option<bool>,
    quiet: Option<bool>,
}

/// A parsed `pyproject.toml`.
pub struct Pyproject {
    pub path: PathBuf,
    pub table: toml::Table,
}

impl Pyproject {
    /// `dir/pyproject.toml`, if there is one.
    pub fn find(dir: &Path) -> Result<Option<Pyproject>> {
        let path = dir.join(PYPROJECT);
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let table = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!("{} is not valid TOML: {}; fix the file", path.display(), e.message().replace('\n', " "))
        })?;
        Ok(Some(Pyproject { path, table }))
    }

    /// The table at a dotted path such as `tool.pybundle`.
    pub fn section(&self, dotted: &str) -> Result<Option<&toml::Table>> {
        let mut table = &self.table;
        for key in dotted.split('.') {
            match table.get(key) {
                None => return Ok(None),
                Some(toml::Value::Table(inner)) => table = inner,
                Some(_) => bail!("[{dotted}] in {} is not a table; fix the file", self.path.display()),
            }
        }
        Ok(Some(table))
    }
}

/// The command line completed from `[tool.pybundle]` of `dir/pyproject.toml`,
/// with a `--entry-point` turned into a script. The returned guard keeps
/// that script until the build is done.
pub fn complete(mut cli: Cli, dir: &Path) -> Result<(Cli, Option<EntryScript>)> {
    let pyproject = Pyproject::find(dir)?;
    if let Some(pyproject) = &pyproject {
        if let Some(section) = pyproject.section("tool.pybundle")? {
            let config = read_config(section, &pyproject.path)?;
            fill(&mut cli, config, &pyproject.path)?;
            if !cli.quiet {
                eprintln!("pybundle: options from [tool.pybundle] in {}", pyproject.path.display());
            }
        }
    }
    let Some(name) = cli.entry_point.clone() else { return Ok((cli, None)) };
    let Some(pyproject) = &pyproject else {
        bail!("--entry-point {name} needs a {PYPROJECT} with [project.scripts] in {}; run pybundle in the project's directory", dir.display());
    };
    let script = entry_point::script_for(pyproject, &name)?;
    cli.script = Some(script.path());
    cli.name.get_or_insert(name);
    cli.paths.extend(entry_point::source_dirs(dir));
    Ok((cli, Some(script)))
}

/// Each key on its own first, so that an error names it; then all together.
fn read_config(section: &toml::Table, file: &Path) -> Result<ProjectConfig> {
    for (key, value) in section {
        let single: toml::Table = [(key.clone(), value.clone())].into_iter().collect();
        if let Err(e) = single.try_into::<ProjectConfig>() {
            let why = e.message().replace('\n', " ").replace("unknown field", "unknown key");
            bail!("[tool.pybundle] key {key:?} in {}: {why}; see pybundle --help for the options", file.display());
        }
    }
    section.clone().try_into().with_context(|| format!("cannot read [tool.pybundle] in {}", file.display()))
}

/// Sets every option the command line left unset from the file.
fn fill(cli: &mut Cli, config: ProjectConfig, file: &Path) -> Result<()> {
    let entries = [config.script.is_some(), config.module.is_some(), config.entry_point.is_some()];
    if entries.iter().filter(|set| **set).count() > 1 {
        bail!("[tool.pybundle] in {} names more than one of script, module and entry-point; keep one", file.display());
    }
    if cli.script.is_none() && cli.module.is_none() && cli.entry_point.is_none() {
        cli.script = config.script;
        cli.module = config.module;
        cli.entry_point = config.entry_point;
    }
    if !cli.onefile && !cli.onedir {
        cli.onefile = match (config.onefile, config.onedir) {
            (Some(onefile), Some(onedir)) if onefile == onedir => {
                bail!("[tool.pybundle] in {} sets onefile and onedir alike; keep one of them", file.display())
            }
            (Some(onefile), _) => onefile,
            (None, onedir) => onedir == Some(false),
        };
    }
    let glibc_floor = match config.glibc_floor {
        Some(text) => Some(pybundle_bootloader::manifest::parse_version_pair(&text).ok_or_else(|| {
            anyhow::anyhow!("[tool.pybundle] key \"glibc-floor\" in {}: {text:?} is not a glibc version like \"2.36\"", file.display())
        })?),
        None => None,
    };
    set_if_none(&mut cli.name, config.name);
    set_if_none(&mut cli.python, config.python);
    set_if_none(&mut cli.distpath, config.distpath);
    set_if_none(&mut cli.report, config.report);
    set_if_none(&mut cli.compress, config.compress);
    set_if_none(&mut cli.hash_seed, config.hash_seed);
    set_if_none(&mut cli.glibc_floor, glibc_floor);
    set_if_none(&mut cli.target, config.target);
    set_if_none(&mut cli.python_home, config.python_home);
    set_if_none(&mut cli.wheels, config.wheels);
    set_if_none(&mut cli.icon, config.icon);
    set_if_none(&mut cli.version_file, config.version_file);
    set_if_empty(&mut cli.hidden_imports, config.hidden_import);
    set_if_empty(&mut cli.exclude_modules, config.exclude_module);
    set_if_empty(&mut cli.collect_all, config.collect_all);
    set_if_empty(&mut cli.collect_files, config.collect_files);
    set_if_empty(&mut cli.add_data, config.add_data);
    set_if_empty(&mut cli.paths, config.paths);
    set_if_empty(&mut cli.python_options, config.python_option);
    cli.all_codecs |= config.all_codecs.unwrap_or(false);
    cli.cache_natives |= config.cache_natives.unwrap_or(false);
    cli.windowed |= config.windowed.unwrap_or(false);
    cli.quiet |= config.quiet.unwrap_or(false);
    Ok(())
}

fn set_if_none<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

fn set_if_empty<T>(slot: &mut Vec<T>, value: Option<Vec<T>>) {
    if slot.is_empty() {
        *slot = value.unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Result<ProjectConfig> {
        let table: toml::Table = toml::from_str(text).unwrap();
        read_config(&table, Path::new("pyproject.toml"))
    }

    #[test]
    fn reads_every_kind_of_key() {
        let c = config("script = 'app.py'\nonefile = true\nhidden-import = ['a', 'b']\nhash-seed = 0\nglibc-floor = '2.17'").unwrap();
        assert_eq!(c.script, Some(PathBuf::from("app.py")));
        assert_eq!(c.onefile, Some(true));
        assert_eq!(c.hidden_import, Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(c.hash_seed, Some(0));
    }

    #[test]
    fn errors_name_the_key_and_the_file() {
        let unknown = config("onefile = true\nhiden-import = ['a']").unwrap_err().to_string();
        assert!(unknown.contains("\"hiden-import\"") && unknown.contains("pyproject.toml"), "{unknown}");
        let wrong = config("hidden-import = 'a'").unwrap_err().to_string();
        assert!(wrong.contains("\"hidden-import\"") && wrong.contains("sequence"), "{wrong}");
    }
}
