//! `pybundle inspect BUNDLE [--json]`: what a bundle holds (Python version,
//! entry, layout, glibc floor, target, the largest parts, the native files
//! and their hashes), read from the bundle alone, Linux or Windows, onefile
//! or onedir. Every entry is checked against the manifest's hash; a damaged
//! or truncated bundle is described and the command fails.

use crate::report::part_name;
use anyhow::{anyhow, bail, Context, Result};
use clap::Parser;
use pybundle_bootloader::layout;
use pybundle_bootloader::manifest::{Layout, Manifest, NativeKind};
use pybundle_bootloader::zstd_frames;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use zip::ZipArchive;

/// How many parts the listing shows.
const LARGEST_PARTS: usize = 10;

#[derive(Debug, Parser)]
#[command(
    name = "pybundle inspect",
    bin_name = "pybundle inspect",
    about = "Show what a pybundle bundle holds, and check it",
    after_help = "To build a script named `inspect`, run `pybundle ./inspect`."
)]
pub struct InspectCli {
    /// The bundle: a onefile executable, or a onedir directory or its executable.
    pub bundle: PathBuf,

    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What `inspect` reports.
#[derive(Debug, Serialize)]
pub struct Inspection {
    pub executable: PathBuf,
    pub target: &'static str,
    pub layout: Layout,
    pub python: String,
    pub libpython: String,
    pub entry: String,
    pub glibc_floor: Option<String>,
    /// Bytes of the executable before its payload.
    pub stub_size: u64,
    pub entries: usize,
    pub largest_parts: Vec<Part>,
    pub natives: Vec<NativeFile>,
    /// What is wrong with the bundle; empty when every entry is sound.
    pub problems: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Part {
    pub name: String,
    pub size: u64,
    pub stored_size: u64,
}

#[derive(Debug, Serialize)]
pub struct NativeFile {
    pub name: String,
    pub kind: &'static str,
    pub module: Option<String>,
    pub blake3: Option<String>,
}

/// Runs the subcommand on `args` (starting with `inspect`); true when the
/// bundle is sound.
pub fn main(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<bool> {
    let cli = InspectCli::parse_from(args);
    let inspection = inspect(&cli.bundle)?;
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&inspection).expect("the inspection serializes"));
    } else {
        print!("{}", text(&inspection));
    }
    for problem in &inspection.problems {
        eprintln!("pybundle: error: {} is damaged: {problem}; rebuild it", cli.bundle.display());
    }
    Ok(inspection.problems.is_empty())
}

/// Reads and checks the bundle at `path`.
pub fn inspect(path: &Path) -> Result<Inspection> {
    let executable = executable_of(path)?;
    let bytes = std::fs::read(&executable).with_context(|| format!("cannot read {}", executable.display()))?;
    let (target, payload_end) = executable_kind(&bytes, &executable)?;
    let mut archive = ZipArchive::new(Cursor::new(&bytes[..payload_end])).map_err(|e| {
        anyhow!("{} is damaged or not a pybundle bundle: {} ({e})", executable.display(), missing_payload(&bytes))
    })?;
    let manifest = read_manifest(&mut archive).with_context(|| format!("{} is damaged", executable.display()))?;
    let mut problems = Vec::new();
    let mut parts: BTreeMap<String, Part> = BTreeMap::new();
    let mut add = |name: &str, size: u64, stored_size: u64| {
        let part = parts.entry(part_name(name)).or_insert_with(|| Part { name: part_name(name), size: 0, stored_size: 0 });
        part.size += size;
        part.stored_size += stored_size;
    };
    let mut seen = Vec::new();
    let mut stub_size = payload_end as u64;
    for index in 0..archive.len() {
        let file = match archive.by_index_raw(index) {
            Ok(file) => file,
            Err(e) => {
                problems.push(format!("archive entry {index} is unreadable ({e})"));
                continue;
            }
        };
        let name = file.name().map(|n| n.into_owned()).unwrap_or_default();
        stub_size = stub_size.min(file.header_start());
        if file.is_dir() || name == layout::MANIFEST {
            continue;
        }
        let data = match read_entry(&bytes[..payload_end], &file) {
            Ok(data) => data,
            Err(e) => {
                problems.push(format!("entry {name} does not read back ({e})"));
                continue;
            }
        };
        check_hash(&manifest, &name, &data, &mut problems);
        add(&name, data.len() as u64, file.compressed_size());
        seen.push(name);
    }
    let internal = executable.parent().unwrap_or(Path::new(".")).join(layout::ONEDIR_INTERNAL);
    let files_prefix = format!("{}/", layout::FILES_DIR);
    for name in manifest.hashes.keys().filter(|name| !seen.contains(name)) {
        if manifest.layout == Layout::Onefile {
            problems.push(format!("entry {name} is missing"));
            continue;
        }
        let on_disk = internal.join(name.strip_prefix(&files_prefix).unwrap_or(name));
        match std::fs::read(&on_disk) {
            Ok(data) => {
                check_hash(&manifest, name, &data, &mut problems);
                add(name, data.len() as u64, data.len() as u64);
            }
            Err(e) => problems.push(format!("{} is missing ({e})", on_disk.display())),
        }
    }
    let mut largest_parts: Vec<Part> = parts.into_values().collect();
    largest_parts.sort_by(|a, b| b.stored_size.cmp(&a.stored_size).then(a.name.cmp(&b.name)));
    largest_parts.truncate(LARGEST_PARTS);
    let (major, minor, micro) = manifest.python.version;
    Ok(Inspection {
        executable,
        target,
        layout: manifest.layout,
        python: format!("{major}.{minor}.{micro}"),
        libpython: manifest.python.libpython.clone(),
        entry: manifest.entry_source.clone().unwrap_or_else(|| manifest.entry.clone()),
        glibc_floor: manifest.glibc_floor.clone(),
        stub_size,
        entries: manifest.hashes.len(),
        largest_parts,
        natives: manifest
            .natives
            .iter()
            .map(|native| NativeFile {
                name: native.name.clone(),
                kind: match native.kind {
                    NativeKind::Library => "library",
                    NativeKind::Extension { .. } => "extension",
                },
                module: match &native.kind {
                    NativeKind::Library => None,
                    NativeKind::Extension { module } => Some(module.clone()),
                },
                blake3: manifest.hashes.get(&native.name).cloned(),
            })
            .collect(),
        problems,
    })
}

/// The content of an archive entry, stored or zstd frames.
fn read_entry(payload: &[u8], file: &zip::read::ZipFile<'_, Cursor<&[u8]>>) -> Result<Vec<u8>, String> {
    let start = file.data_start().and_then(|s| usize::try_from(s).ok()).ok_or("its data is not where its header says")?;
    let end = usize::try_from(file.compressed_size()).ok().and_then(|size| start.checked_add(size));
    let data = end.and_then(|end| payload.get(start..end)).ok_or("it is cut off")?;
    match file.compression() {
        zip::CompressionMethod::Stored if file.size() == data.len() as u64 => Ok(data.to_vec()),
        zip::CompressionMethod::Stored => Err("it is stored with two different sizes".into()),
        zip::CompressionMethod::ZSTD => zstd_frames::decode_to_vec(data, file.size()).map(|(data, _)| data),
        method => Err(format!("it uses a storage method a bundle never does ({method})")),
    }
}

/// A onedir directory's executable (`DIR/NAME` or `DIR/NAME.exe`), or the
/// file itself.
fn executable_of(path: &Path) -> Result<PathBuf> {
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    if !path.is_dir() {
        bail!("bundle {} not found; pass a bundle built by pybundle (dist/NAME)", path.display());
    }
    let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
    [name.clone(), format!("{name}.exe")]
        .into_iter()
        .map(|file| path.join(file))
        .find(|exe| exe.is_file())
        .ok_or_else(|| anyhow!("{} is a directory without the executable {name} of a onedir build; pass the executable", path.display()))
}

/// The target an executable runs on, and where its payload ends (before a
/// Windows signature).
fn executable_kind(bytes: &[u8], path: &Path) -> Result<(&'static str, usize)> {
    if bytes.starts_with(b"\x7fELF") {
        return Ok(("x86_64-unknown-linux-gnu", bytes.len()));
    }
    if bytes.starts_with(b"MZ") {
        let range = crate::pe::overlay_range(bytes).with_context(|| format!("{} is a damaged Windows executable", path.display()))?;
        return Ok(("x86_64-pc-windows", range.end as usize));
    }
    bail!("{} is not a pybundle bundle: neither a Linux (ELF) nor a Windows (PE) executable", path.display())
}

/// Why no archive was found: a file cut short within its executable part
/// says so.
fn missing_payload(bytes: &[u8]) -> String {
    // The linker writes the section headers last: the stub ends there.
    let stub_end = match goblin::elf::Elf::parse_header(bytes) {
        Ok(header) => header.e_shoff + u64::from(header.e_shnum) * u64::from(header.e_shentsize),
        Err(_) => 0,
    };
    if (bytes.len() as u64) < stub_end {
        format!("the file is cut off at {} bytes, inside its {stub_end}-byte executable part", bytes.len())
    } else {
        format!("the end of a payload archive is not found in its {} bytes: the file is cut off, or not a bundle", bytes.len())
    }
}

fn read_manifest(archive: &mut ZipArchive<Cursor<&[u8]>>) -> Result<Manifest> {
    let mut file = archive.by_name(layout::MANIFEST).map_err(|_| anyhow!("its archive has no {}", layout::MANIFEST))?;
    let mut data = Vec::new();
    file.read_to_end(&mut data).with_context(|| format!("{} does not read back", layout::MANIFEST))?;
    Manifest::from_json(&data).map_err(|e| anyhow!(e))
}

fn check_hash(manifest: &Manifest, name: &str, data: &[u8], problems: &mut Vec<String>) {
    match manifest.hashes.get(name) {
        Some(expected) if blake3::hash(data).to_hex().as_str() == expected => {}
        Some(_) => problems.push(format!("entry {name} fails its hash check")),
        None => problems.push(format!("entry {name} has no hash in the manifest")),
    }
}

/// The text listing.
fn text(i: &Inspection) -> String {
    let mb = |bytes: u64| bytes as f64 / 1_000_000.0;
    let layout = match i.layout {
        Layout::Onefile => "onefile",
        Layout::Onedir => "onedir",
    };
    let mut out = format!(
        "bundle       {}\ntarget       {}\nlayout       {layout}\npython       {} ({})\nentry        {}\nglibc floor  {}\nentries      {} (stub {:.1} MB)\nlargest parts (stored, unpacked):\n",
        i.executable.display(),
        i.target,
        i.python,
        i.libpython,
        i.entry,
        i.glibc_floor.as_deref().unwrap_or("none"),
        i.entries,
        mb(i.stub_size),
    );
    for part in &i.largest_parts {
        out.push_str(&format!("  {:>8.1} MB {:>8.1} MB  {}\n", mb(part.stored_size), mb(part.size), part.name));
    }
    out.push_str(&format!("natives ({}):\n", i.natives.len()));
    for native in &i.natives {
        let module = native.module.as_deref().map(|m| format!(" ({m})")).unwrap_or_default();
        out.push_str(&format!("  {:<9}  {}  {}{module}\n", native.kind, native.blake3.as_deref().unwrap_or("no hash"), native.name));
    }
    out.push_str(if i.problems.is_empty() { "check        every entry matches its hash\n" } else { "check        DAMAGED (see stderr)\n" });
    out
}
