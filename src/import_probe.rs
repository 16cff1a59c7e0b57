//! What no source shows, seen by running code at build time: the import
//! probe imports each third-party top-level package the analysis reached
//! (never the app's own code), each in its own child process of the target
//! interpreter (`-I`, a time limit), and `--trace-run` runs the app itself;
//! `python/record.py` records the modules imported (also from C, such as
//! orjson's `json` and `uuid`) and the files opened. Seen modules are added
//! to the analysis, which runs again until no new package is reached. Probe
//! records are cached per distribution version in the build cache.

use crate::analyze::{self, Analysis, Inputs, ModuleKind, Origin, Seen};
use crate::build_cache::BuildCache;
use crate::probe::Interpreter;
use crate::progress::Progress;
use anyhow::{bail, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RECORD_SOURCE: &str = include_str!("python/record.py");

/// How long importing one package may take.
const IMPORT_LIMIT: Duration = Duration::from_secs(60);
/// How long the `--trace-run` run may take.
const RUN_LIMIT: Duration = Duration::from_secs(300);

/// What code did when it ran.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    modules: Vec<String>,
    files: Vec<PathBuf>,
    /// The exception it raised, or its exit status.
    error: Option<String>,
}

/// What running code adds to the static analysis.
pub struct Discovery {
    /// Import every reached third-party package (off with `--no-import-probe`).
    pub import_probe: bool,
    /// `--trace-run`: the app's arguments.
    pub trace_run: Option<Vec<String>>,
}

/// The analysis with what running code showed; also the top-level
/// packages whose own data files code opened by path (they go on disk).
pub fn analyze(inputs: &mut Inputs, python: &Interpreter, discovery: &Discovery, progress: &Progress) -> Result<(Analysis, BTreeSet<String>)> {
    let mut analysis = analyze::analyze(inputs)?;
    let mut opened = BTreeSet::new();
    if let Some(args) = &discovery.trace_run {
        progress.step("running the app for --trace-run");
        let record = trace_run(python, inputs, args)?;
        if let Some(error) = &record.error {
            progress.warn(format_args!("the app run by --trace-run failed ({error}); what it imported until then is bundled"));
        }
        note(inputs, &analysis, &record, None, &mut opened);
        analysis = analyze::analyze(inputs)?;
    }
    if discovery.import_probe {
        analysis = probe_until_settled(inputs, python, analysis, progress, &mut opened)?;
    }
    Ok((analysis, opened))
}

/// Probes the reached packages, analyses again with what they imported,
/// and probes the packages that brought in, until no new one is reached.
fn probe_until_settled(
    inputs: &mut Inputs,
    python: &Interpreter,
    mut analysis: Analysis,
    progress: &Progress,
    opened: &mut BTreeSet<String>,
) -> Result<Analysis> {
    let cache = BuildCache::user();
    let mut probed: BTreeSet<String> = BTreeSet::new();
    loop {
        let packages: Vec<(String, String)> = third_party_packages(&analysis, python).into_iter().filter(|(p, _)| !probed.contains(p)).collect();
        if packages.is_empty() {
            return Ok(analysis);
        }
        progress.step(format_args!("import probe: {} packages", packages.len()));
        let records: Vec<(String, Result<Record, String>)> =
            packages.par_iter().map(|(package, key)| (package.clone(), probe_package(python, package, key, &cache))).collect();
        let known = inputs.seen.len();
        for (package, record) in records {
            match record {
                Ok(record) => note(inputs, &analysis, &record, Some(&package), opened),
                Err(why) => progress.warn(format_args!(
                    "import probe: importing {package} {why}; modules its compiled code imports may be missing (--hidden-import them)"
                )),
            }
            probed.insert(package);
        }
        if inputs.seen.len() == known {
            return Ok(analysis);
        }
        analysis = analyze::analyze(inputs)?;
    }
}

/// Adds what `record` shows that the analysis lacks to `inputs.seen`, and
/// the packages whose data files it opened to `opened`.
fn note(inputs: &mut Inputs, analysis: &Analysis, record: &Record, by: Option<&str>, opened: &mut BTreeSet<String>) {
    let mut known: HashSet<String> = inputs.seen.iter().map(|s| s.module.clone()).collect();
    for module in &record.modules {
        let new = !analysis.modules.contains_key(module) && known.insert(module.clone());
        if new && module.split('.').all(|part| !part.is_empty()) {
            inputs.seen.push(Seen { module: module.clone(), by: by.map(String::from) });
        }
    }
    // Paths as the analysis has them: symbolic links resolved.
    let files: Vec<PathBuf> = record.files.iter().filter_map(|f| std::fs::canonicalize(f).ok()).collect();
    let sites: BTreeSet<PathBuf> = analysis.distributions.iter().filter_map(|d| std::fs::canonicalize(d.dist_info.parent()?).ok()).collect();
    for site in &sites {
        opened.extend(files.iter().filter_map(|file| own_data_file(site, file)));
    }
}

/// The top-level package of `file` if it is a data file (not code, not
/// metadata) inside a package under `site`.
fn own_data_file(site: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(site).ok()?.to_str()?;
    let (top, _) = relative.split_once('/')?;
    let code = [".py", ".pyc", ".so"].iter().any(|suffix| relative.ends_with(suffix));
    (!code && !top.ends_with(".dist-info") && !top.ends_with(".libs") && !relative.contains("/__pycache__/")).then(|| top.to_string())
}

/// Top-level packages and modules of the reached distributions installed
/// in the interpreter's own search path, each with
/// a cache key naming its distribution version, the interpreter and what
/// else is installed beside it (an optional import may find it).
fn third_party_packages(analysis: &Analysis, python: &Interpreter) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for module in analysis.modules.values() {
        let Origin::Distribution(dist_name) = &module.origin else { continue };
        let importable = matches!(module.kind, ModuleKind::Package(_) | ModuleKind::Source(_) | ModuleKind::Extension(_));
        if module.name.contains('.') || module.name.starts_with("__") || !importable {
            continue;
        }
        let Some(dist) = analysis.distributions.iter().find(|d| &d.name == dist_name) else { continue };
        // A distribution on --paths (an egg-info in a source checkout) is
        // the app's own code, which is never imported at build time.
        if !dist.dist_info.parent().is_some_and(|site| python.sys_path.iter().any(|p| p == site)) {
            continue;
        }
        let mut hasher = blake3::Hasher::new();
        let interpreter = python.command.to_string_lossy();
        for part in [RECORD_SOURCE, &interpreter, &python.magic, &module.name, &dist.name, &dist.version, &dist.dist_info.to_string_lossy()] {
            hasher.update(part.as_bytes());
            hasher.update(b"\0");
        }
        for neighbour in installed_beside(&dist.dist_info) {
            hasher.update(neighbour.as_encoded_bytes());
            hasher.update(b"\0");
        }
        found.push((module.name.clone(), hasher.finalize().to_hex().to_string()));
    }
    found
}

/// The names of the `.dist-info` directories beside `dist_info`, sorted.
fn installed_beside(dist_info: &Path) -> Vec<OsString> {
    let Some(Ok(entries)) = dist_info.parent().map(std::fs::read_dir) else { return Vec::new() };
    let mut names: Vec<OsString> = entries.flatten().map(|e| e.file_name()).filter(|n| n.to_string_lossy().ends_with(".dist-info")).collect();
    names.sort();
    names
}

/// Imports `package` in a child process, or takes its record from the
/// cache. A failed import is cached too: it fails the same way next time.
fn probe_package(python: &Interpreter, package: &str, key: &str, cache: &BuildCache) -> Result<Record, String> {
    let cached: Option<Record> = cache.probe_record(key).and_then(|data| serde_json::from_slice(&data).ok());
    let record = match cached {
        Some(record) => record,
        None => {
            let record = record(&python.command, &["import".into(), package.into()], None, IMPORT_LIMIT)?;
            if let Ok(data) = serde_json::to_vec(&record) {
                cache.store_probe_record(key, &data);
            }
            record
        }
    };
    match &record.error {
        Some(error) => Err(format!("failed ({error})")),
        None => Ok(record),
    }
}

/// Runs the app (its entry, with `args`) under the recorder.
fn trace_run(python: &Interpreter, inputs: &Inputs, args: &[String]) -> Result<Record> {
    let target = match &inputs.entry {
        analyze::Entry::Script(script) => std::fs::canonicalize(script)?.into_os_string(),
        analyze::Entry::Module(module) => format!("-m {module}").into(),
    };
    // The script's directory (or the current one for -m) and --paths: the
    // search path entries before the interpreter's own.
    let own: Vec<&PathBuf> = inputs.search_path.iter().take_while(|p| !python.sys_path.contains(p)).collect();
    let mut argv: Vec<OsString> = vec!["run".into(), target, own.len().to_string().into()];
    argv.extend(own.iter().map(|p| p.as_os_str().to_owned()));
    argv.extend(args.iter().map(OsString::from));
    // It runs where pybundle runs, as `python app.py` would.
    let cwd = std::env::current_dir().ok();
    match record(&python.command, &argv, cwd.as_deref(), RUN_LIMIT) {
        Ok(record) => Ok(record),
        Err(why) => bail!("--trace-run: the app {why}; give arguments with which it runs to its end"),
    }
}

/// Runs `python -I record.py OUT ARGS...` with a time limit in `cwd` (by
/// default an empty directory), and reads what it recorded.
fn record(python: &Path, args: &[OsString], cwd: Option<&Path>, limit: Duration) -> Result<Record, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("could not start: no temporary directory ({e})"))?;
    let out = dir.path().join("record.json");
    let stderr = std::fs::File::create(dir.path().join("stderr")).map_err(|e| format!("could not start ({e})"))?;
    // It may run in another directory: a relative `--python` must still name it.
    let python = std::path::absolute(python).map_err(|e| format!("could not start {} ({e})", python.display()))?;
    let mut child = Command::new(&python)
        .arg("-I")
        .arg("-c")
        .arg(RECORD_SOURCE)
        .arg(&out)
        .args(args)
        .current_dir(cwd.unwrap_or(dir.path()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("could not start {} ({e})", python.display()))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("did not finish in {} s", limit.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("could not be waited for ({e})")),
        }
    };
    match std::fs::read(&out).ok().and_then(|data| serde_json::from_slice(&data).ok()) {
        Some(record) => Ok(record),
        None => {
            let text = std::fs::read_to_string(dir.path().join("stderr")).unwrap_or_default();
            let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no message");
            Err(format!("crashed ({status}: {last})"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PYTHON: &str = "/usr/bin/python3.11";

    /// Runs `source` as an app under the recorder with Debian's python.
    fn run_app(source: &str, limit: Duration) -> Option<Result<Record, String>> {
        if !Path::new(PYTHON).is_file() {
            eprintln!("skipped: no {PYTHON}");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("app.py");
        std::fs::write(&script, source).unwrap();
        let args: Vec<OsString> = vec!["run".into(), script.into_os_string(), "0".into(), "an-arg".into()];
        Some(record(Path::new(PYTHON), &args, None, limit))
    }

    #[test]
    fn records_imports_and_files_opened() {
        let source = "import sys, pickle\nassert sys.argv[1:] == ['an-arg']\npickle.loads(pickle.dumps(1))\nopen(__file__).close()\n";
        let Some(record) = run_app(source, IMPORT_LIMIT) else { return };
        let record = record.unwrap();
        assert_eq!(record.error, None);
        for wanted in ["pickle", "_pickle", "_compat_pickle"] {
            assert!(record.modules.iter().any(|m| m == wanted), "{wanted} not recorded: {:?}", record.modules);
        }
        assert!(record.files.iter().any(|f| f.ends_with("app.py")), "{:?}", record.files);
    }

    #[test]
    fn failures_crashes_and_hangs_are_told_apart() {
        let Some(failed) = run_app("import json\nraise SystemExit(3)\n", IMPORT_LIMIT) else { return };
        let failed = failed.unwrap();
        assert_eq!(failed.error.as_deref(), Some("exited with 3"));
        assert!(failed.modules.iter().any(|m| m == "json"));
        let crashed = run_app("import os\nos.abort()\n", IMPORT_LIMIT).unwrap().unwrap_err();
        assert!(crashed.starts_with("crashed ("), "{crashed}");
        let hung = run_app("import time\ntime.sleep(60)\n", Duration::from_secs(1)).unwrap().unwrap_err();
        assert_eq!(hung, "did not finish in 1 s");
    }

    #[test]
    fn data_files_of_packages() {
        let site = Path::new("/venv/lib/python3.11/site-packages");
        let file = |relative: &str| own_data_file(site, &site.join(relative));
        assert_eq!(file("boto3/data/s3/2006-03-01/resources-1.json").as_deref(), Some("boto3"));
        assert_eq!(file("boto3/session.py"), None);
        assert_eq!(file("boto3/__pycache__/session.cpython-311.pyc"), None);
        assert_eq!(file("orjson/orjson.cpython-311-x86_64-linux-gnu.so"), None);
        assert_eq!(file("boto3-1.0.dist-info/METADATA"), None);
        assert_eq!(file("six.py"), None);
        assert_eq!(own_data_file(site, Path::new("/usr/share/zoneinfo/UTC")), None);
    }
}
