//! Compile: turns `.py` sources into `.pyc` bytes with the target interpreter,
//! all in one batch process. Output is deterministic (unchecked-hash pycs,
//! relative `co_filename`) and cached by content across builds.

use crate::build_cache::BuildCache;
use crate::probe::Interpreter;
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const COMPILE_SOURCE: &str = include_str!("python/compile.py");

/// One source to compile.
#[derive(Debug, Clone)]
pub struct Job {
    pub source: PathBuf,
    /// The name tracebacks show (`co_filename`), e.g. `json/__init__.py`.
    pub display: String,
}

/// Compiles every job; returns the `.pyc` bytes in the same order. A syntax
/// error in any source fails the build, naming the file and line.
pub fn compile_all(python: &Interpreter, jobs: &[Job], optimize: u8, cache: &BuildCache) -> Result<Vec<Vec<u8>>> {
    compile_with(&python.command, &python.magic, jobs, optimize, cache)
}

/// [`compile_all`] with any interpreter: `command` runs it, `magic` is its
/// bytecode magic number in hex (it keys the cache).
pub fn compile_with(command: &Path, magic: &str, jobs: &[Job], optimize: u8, cache: &BuildCache) -> Result<Vec<Vec<u8>>> {
    let keys: Vec<String> = jobs
        .par_iter()
        .map(|job| cache_key(magic, job, optimize))
        .collect::<Result<_>>()?;
    // A cached file that does not start with the magic number (damaged, or
    // written by another pybundle) is compiled again.
    let header: Vec<u8> = (0..magic.len() / 2).filter_map(|i| u8::from_str_radix(magic.get(2 * i..2 * i + 2)?, 16).ok()).collect();
    let mut results: Vec<Option<Vec<u8>>> = keys
        .par_iter()
        .map(|key| cache.pyc_path(key).and_then(|p| std::fs::read(p).ok()).filter(|data| data.starts_with(&header)))
        .collect();
    let missing: Vec<usize> = (0..jobs.len()).filter(|&i| results[i].is_none()).collect();
    if !missing.is_empty() {
        let workdir = tempfile::tempdir().context("cannot create a temporary directory")?;
        let outputs: Vec<PathBuf> = missing.iter().map(|i| workdir.path().join(format!("{i}.pyc"))).collect();
        run_batch(command, optimize, missing.iter().map(|&i| &jobs[i]).zip(&outputs))?;
        for (&i, output) in missing.iter().zip(&outputs) {
            let data = std::fs::read(output).with_context(|| format!("compiling {} produced no output", jobs[i].display))?;
            cache.store_pyc(&keys[i], output);
            results[i] = Some(data);
        }
    }
    Ok(results.into_iter().map(|r| r.expect("every job compiled")).collect())
}

fn cache_key(magic: &str, job: &Job, optimize: u8) -> Result<String> {
    let source = std::fs::read(&job.source).with_context(|| format!("cannot read {}", job.source.display()))?;
    let mut hasher = blake3::Hasher::new();
    hasher.update(magic.as_bytes());
    hasher.update(&[0, optimize, 0]);
    hasher.update(job.display.as_bytes());
    hasher.update(b"\0");
    hasher.update(COMPILE_SOURCE.as_bytes());
    hasher.update(&source);
    Ok(hasher.finalize().to_hex().to_string())
}

fn run_batch<'a>(
    command: &Path,
    optimize: u8,
    work: impl Iterator<Item = (&'a Job, &'a PathBuf)>,
) -> Result<()> {
    let mut child = Command::new(command)
        .args(["-I", "-S", "-c", COMPILE_SOURCE, &optimize.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", command.display()))?;
    let mut input = Vec::new();
    let mut wanted = HashMap::new();
    for (job, output) in work {
        let (source, output) = (path_bytes(&job.source)?, path_bytes(output)?);
        for part in [source.as_slice(), job.display.as_bytes(), output.as_slice()] {
            if part.contains(&b'\t') || part.contains(&b'\n') {
                bail!("cannot compile {}: its path contains a tab or newline", job.source.display());
            }
        }
        input.extend_from_slice(&source);
        input.push(b'\t');
        input.extend_from_slice(job.display.as_bytes());
        input.push(b'\t');
        input.extend_from_slice(&output);
        input.push(b'\n');
        wanted.insert(job.display.clone(), job.source.clone());
    }
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let mut first_error = None;
    for line in BufReader::new(child.stdout.take().expect("piped stdout")).lines() {
        let line = line?;
        let fields: Vec<&str> = line.splitn(4, '\t').collect();
        if let ["error", display, lineno, message] = fields.as_slice() {
            if first_error.is_none() {
                let source = wanted.get(*display).map(|p| p.display().to_string()).unwrap_or_default();
                first_error = Some(format!("syntax error in {source}, line {lineno}: {message}"));
            }
        }
    }
    let _ = writer.join();
    let output = child.wait_with_output()?;
    if let Some(error) = first_error {
        bail!(error);
    }
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!(
            "{} failed while compiling bytecode: {}",
            command.display(),
            stderr.lines().last().unwrap_or("no output")
        );
    }
    Ok(())
}

/// A path as compile.py reads it: the OS bytes on Unix, UTF-8 on Windows.
fn path_bytes(path: &Path) -> Result<Vec<u8>> {
    #[cfg(unix)]
    return Ok(std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec());
    #[cfg(not(unix))]
    match path.to_str() {
        Some(text) => Ok(text.as_bytes().to_vec()),
        None => bail!("cannot compile {}: its path is not valid Unicode", path.display()),
    }
}
