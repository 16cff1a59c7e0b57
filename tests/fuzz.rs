//! Fuzzing on stable Rust: seeded random mutations of real inputs (a
//! payload written by the packer's own writer, ELF libraries of the
//! system, the Windows stub and pybundle's icon) fed to the readers in
//! `pybundle::fuzzing`, which must return whatever the bytes are. A panic
//! saves the input under `target/fuzz-failures/`.
//!
//! `PYBUNDLE_FUZZ_ITERATIONS` (default 300 per target) and
//! `PYBUNDLE_FUZZ_SEED` (default 1) set the run; `PYBUNDLE_FUZZ_CORPUS=DIR`
//! also writes the seeds to `DIR/<target>/`, the corpus layout of the
//! cargo-fuzz targets in `fuzz/`. The README's "Fuzzing" section gives the
//! longer runs.
mod support;

use pybundle::fuzzing;
use pybundle::plan::{Effort, Entry, Plan};
use pybundle_bootloader::manifest::{self, Layout, Manifest, Native, NativeKind, PythonInfo, PythonOptions};
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// xorshift64*: small, seeded, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1) as u64) as usize
    }
}

const INTERESTING: &[u32] = &[0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_fff0, 0xffff_ffff];

/// One to four mutations of `seed`: bit flips, interesting 32-bit values,
/// truncation, removed or copied chunks; two thirds of them in the first
/// or last 4 KiB, where headers and directories are.
fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        if data.is_empty() {
            break;
        }
        let len = data.len();
        let at = match rng.below(3) {
            0 => rng.below(len.min(4096)),
            1 => len - 1 - rng.below(len.min(4096)),
            _ => rng.below(len),
        };
        match rng.below(5) {
            0 => data[at] ^= 1 << rng.below(8),
            1 => {
                let value = INTERESTING[rng.below(INTERESTING.len())].to_le_bytes();
                let end = (at + 4).min(len);
                data[at..end].copy_from_slice(&value[..end - at]);
            }
            2 => data.truncate(at),
            3 => drop(data.drain(at..(at + 1 + rng.below(64)).min(len))),
            _ => {
                let from = rng.below(len);
                let n = (1 + rng.below(64)).min(len - from).min(len - at);
                data.copy_within(from..from + n, at);
            }
        }
    }
    data
}

fn iterations() -> usize {
    std::env::var("PYBUNDLE_FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(300)
}

/// Feeds `iterations()` mutations of each seed to `target`.
fn fuzz(name: &str, seeds: &[Vec<u8>], target: impl Fn(&[u8])) {
    let seed = std::env::var("PYBUNDLE_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1u64);
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    if let Some(corpus) = std::env::var_os("PYBUNDLE_FUZZ_CORPUS") {
        let dir = Path::new(&corpus).join(name);
        fs::create_dir_all(&dir).unwrap();
        for (i, original) in seeds.iter().enumerate() {
            fs::write(dir.join(format!("seed-{i}")), original).unwrap();
        }
    }
    for original in seeds {
        target(original);
        for i in 0..iterations() {
            let input = mutate(&mut rng, original);
            if catch_unwind(AssertUnwindSafe(|| target(&input))).is_err() {
                let dir = support::manifest_dir().join("target/fuzz-failures");
                fs::create_dir_all(&dir).unwrap();
                let saved = dir.join(format!("{name}-seed{seed}-{i}.bin"));
                fs::write(&saved, &input).unwrap();
                panic!("{name}: iteration {i} (seed {seed}) panicked; the input is {}", saved.display());
            }
        }
    }
}

/// A small bundle written by the packer's writer: a stand-in stub (the
/// reader does not look at it), a library, an extension module needing it,
/// the entry, a compressed file placed on disk, a namespace directory.
fn small_bundle() -> Vec<u8> {
    let mut plan = Plan::default();
    let lib = ".pybundle/lib/libpython3.11.so.1.0";
    plan.push(Entry::native(lib.into(), NativeKind::Library, b"\x7fELF library".repeat(40), "test".into()));
    let ext = NativeKind::Extension { module: "_ext".into() };
    plan.push(Entry::native("_ext.so".into(), ext.clone(), b"\x7fELF extension".repeat(30), "test".into()));
    plan.push_bytecode(vec![Entry::bytecode("__main__.pyc".into(), b"pyc header and code".repeat(8), "test".into())], &["ns/".to_string()]);
    plan.push(Entry::data(".pybundle/files/pkg/data.txt".into(), b"some data ".repeat(200), "test".into()));
    let manifest = Manifest {
        format: manifest::FORMAT,
        python: PythonInfo { version: (3, 11, 2), libpython: lib.into() },
        entry: "__main__.pyc".into(),
        entry_source: None,
        layout: Layout::Onefile,
        cache_natives: false,
        glibc_floor: Some("2.17".into()),
        natives: vec![
            Native { name: lib.into(), kind: NativeKind::Library, needs: vec![] },
            Native { name: "_ext.so".into(), kind: ext, needs: vec![lib.into()] },
        ],
        files: plan.files_on_disk(),
        hashes: plan.hashes(),
        options: PythonOptions::default(),
    };
    let tmp = support::tempdir();
    let dest = tmp.path().join("bundle");
    pybundle::write::onefile(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], &plan, &manifest, &dest, Effort::Max).unwrap();
    fs::read(dest).unwrap()
}

#[test]
fn fuzz_payload_reader() {
    let bundle = small_bundle();
    assert!(pybundle_bootloader::payload::Payload::open(&bundle).is_ok(), "the seed bundle itself does not read");
    fuzz("payload", &[bundle], fuzzing::payload);
}

#[test]
fn fuzz_elf_reader() {
    let dynload = Path::new("/usr/lib/python3.11/lib-dynload");
    let mut seeds: Vec<Vec<u8>> = ["_bz2", "_json", "_ssl"]
        .iter()
        .filter_map(|m| fs::read(dynload.join(format!("{m}.cpython-311-x86_64-linux-gnu.so"))).ok())
        .collect();
    seeds.extend(fs::read("/usr/lib/x86_64-linux-gnu/libz.so.1"));
    assert!(seeds.len() >= 2, "no ELF seeds found: run scripts/setup.sh (Debian's python3.11)");
    fuzz("elf", &seeds, fuzzing::elf);
}

fn windows_stub() -> &'static [u8] {
    pybundle::stubs::for_target("x86_64-pc-windows-gnu")
        .expect("this pybundle has no Windows stub to fuzz: install mingw-w64 and the Rust target (scripts/setup.sh)")
}

#[test]
fn fuzz_pe_resource_writer() {
    fuzz("pe_stub", &[windows_stub().to_vec()], fuzzing::pe_stub);
}

#[test]
fn fuzz_pe_icon() {
    let icon = fs::read(support::manifest_dir().join("stub-icons/pybundle.ico")).unwrap();
    fuzz("pe_icon", &[icon], |data| fuzzing::pe_icon(windows_stub(), data));
}
