//! `--report FILE`: every entry of the bundle, why it is there, and its size
//! before and after compression; and the build output's summary of the
//! largest parts.

use crate::analyze::LeftOut;
use crate::plan::Plan;
use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Serialize)]
struct Report<'a> {
    entries: Vec<ReportEntry<'a>>,
    missing: &'a [MissingImport],
    /// Modules found but not bundled, each with the rule that left it out.
    left_out: &'a [LeftOut],
    total_size: u64,
    total_stored_size: u64,
}

#[derive(Serialize)]
struct ReportEntry<'a> {
    name: &'a str,
    kind: &'a str,
    why: &'a str,
    size: u64,
    stored_size: u64,
}

/// An import that resolved nowhere, as the report lists it.
#[derive(Debug, Serialize)]
pub struct MissingImport {
    pub name: String,
    pub imported_by: Option<String>,
    pub line: u32,
    pub optional: bool,
}

/// Sizes in the archive, by entry name (after compression).
pub type StoredSizes = BTreeMap<String, u64>;

pub fn write(path: &Path, plan: &Plan, stored: &StoredSizes, missing: &[MissingImport], left_out: &[LeftOut]) -> Result<()> {
    let entries: Vec<ReportEntry> = plan
        .entries
        .iter()
        .map(|e| ReportEntry {
            name: &e.name,
            kind: e.kind.label(),
            why: &e.why,
            size: e.data.len() as u64,
            stored_size: stored.get(&e.name).copied().unwrap_or(e.data.len() as u64),
        })
        .collect();
    let report = Report {
        total_size: entries.iter().map(|e| e.size).sum(),
        total_stored_size: entries.iter().map(|e| e.stored_size).sum(),
        entries,
        missing,
        left_out,
    };
    let text = serde_json::to_vec_pretty(&report).expect("the report serializes");
    std::fs::write(path, text).with_context(|| format!("cannot write the report {}", path.display()))
}

/// The largest parts of the bundle by top-level name (package, or library
/// file) and their size as written, as lines for the build output.
pub fn largest_parts(plan: &Plan, stored: &StoredSizes, count: usize) -> Vec<String> {
    let mut parts: BTreeMap<String, u64> = BTreeMap::new();
    for entry in &plan.entries {
        let size = stored.get(&entry.name).copied().unwrap_or(entry.data.len() as u64);
        *parts.entry(part_name(&entry.name)).or_default() += size;
    }
    let mut parts: Vec<(String, u64)> = parts.into_iter().collect();
    parts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    parts
        .into_iter()
        .take(count)
        .map(|(name, size)| format!("{:>8.1} MB  {name}", size as f64 / 1_000_000.0))
        .collect()
}

pub(crate) fn part_name(entry: &str) -> String {
    let entry = entry.strip_prefix(".pybundle/files/").unwrap_or(entry);
    if let Some(lib) = entry.strip_prefix(".pybundle/lib/") {
        return lib.to_string();
    }
    let top = entry.split('/').next().unwrap_or(entry);
    top.split('.').next().unwrap_or(top).to_string()
}
