//! Entry points for fuzzing the readers of untrusted bytes: a bundle's
//! payload and manifest (what the stub reads at every start), ELF files
//! (every native library the packer bundles) and the PE resource writer
//! (a Windows stub and a user's `.ico`). Each takes arbitrary bytes and
//! must return, never panic, abort or hang, whatever they are. The
//! cargo-fuzz targets in `fuzz/` and the stable-Rust test `tests/fuzz.rs`
//! both call these.

use crate::pe::{self, Resources};
use pybundle_bootloader::payload::Payload;

/// Reads `data` as a bundle: the payload checks, the manifest, and every
/// entry the manifest names (inflated and hash-checked).
pub fn payload(data: &[u8]) {
    if let Ok(payload) = Payload::open(data) {
        for name in payload.manifest().hashes.keys() {
            let _ = payload.entry(name);
        }
    }
}

/// Reads `data` as an ELF file the way the packer does: DT_NEEDED and
/// SONAME, the glibc floor, and stripping debug sections.
pub fn elf(data: &[u8]) {
    let _ = crate::elf::needed(data);
    let _ = crate::elf::soname(data);
    let _ = crate::elf::glibc_floor(data);
    let _ = crate::elf::strip_debug(data);
}

/// Writes the default resources into `data` taken as a PE stub, and reads
/// its imports and overlay.
pub fn pe_stub(data: &[u8]) {
    let _ = pe::apply_resources(data, &Resources::default());
    let _ = pe::imports(data);
    let _ = pe::overlay_range(data);
}

/// Writes `data` taken as an `.ico` file into `stub` (a valid PE stub).
pub fn pe_icon(stub: &[u8], data: &[u8]) {
    let resources = Resources { icon: Some(data.to_vec()), ..Resources::default() };
    let _ = pe::apply_resources(stub, &resources);
}
