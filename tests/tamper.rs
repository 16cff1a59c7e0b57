//! A bundle with damaged bytes: whatever byte of the payload is flipped
//! (bytecode, native libraries, the archive's directory, the manifest), the
//! bundle either runs as before (the byte was not used), or stops with one
//! `pybundle:` line; it never dies by a signal and never hangs.
mod support;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use support::*;

/// Offsets spread over `range` by a fixed-seed generator, so a failure
/// names an offset that reproduces.
fn offsets(start: u64, end: u64, count: usize) -> Vec<u64> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..count)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            start + (state >> 11) % (end - start)
        })
        .collect()
}

/// Where the archive begins: the first entry's local header.
fn payload_start(bundle: &std::path::Path, bytes: &[u8]) -> u64 {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(bundle).unwrap()).unwrap();
    let shift = archive.offset();
    (0..archive.len())
        .map(|i| archive.by_index_raw(i).unwrap().header_start())
        .flat_map(|start| [start, start + shift])
        .filter(|&at| bytes.get(at as usize..at as usize + 4) == Some(b"PK\x03\x04"))
        .min()
        .expect("the bundle has a payload")
}

/// Flips one bit at each of 320 offsets of the payload (everything after
/// the stub's own code, which is outside what the stub can check).
#[test]
fn flipped_payload_bytes_never_crash_or_hang() {
    let built = shared_build(App::Stdlib, Mode::Onefile, first_python());
    let original = std::fs::read(&built.exe).unwrap();
    let payload_start = payload_start(&built.exe, &original);
    let tmp = tempdir();
    let copy = tmp.path().join("stdlib_app");
    let mut problems = Vec::new();
    let mut damaged = 0;
    let flips = offsets(payload_start, original.len() as u64, 320);
    for (i, &at) in flips.iter().enumerate() {
        let mut bytes = original.clone();
        bytes[at as usize] ^= 1 << (i % 8);
        std::fs::write(&copy, &bytes).unwrap();
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = run_bundle(&copy, &[]);
        if let Some(signal) = out.status.signal() {
            problems.push(format!("offset {at}: killed by signal {signal}\n{out}"));
        } else if out.code() == Some(126) {
            damaged += 1;
            let lines = out.stderr_lines();
            if lines.len() != 1 || !lines[0].starts_with("pybundle: ") {
                problems.push(format!("offset {at}: not one pybundle: line\n{out}"));
            }
        } else if out.code() != Some(0) || out.stdout.lines().last() != Some("all ok") {
            problems.push(format!("offset {at}: neither a clean run nor a damaged-bundle error\n{out}"));
        }
    }
    eprintln!("{} flips: {damaged} reported as damaged, the rest ran as before", flips.len());
    assert!(problems.is_empty(), "{} of {} flips misbehaved:\n{}", problems.len(), flips.len(), problems.join("\n"));
}
