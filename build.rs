//! Builds the runtime stub (the `pybundle-bootloader` crate's binary) for each
//! supported target that this toolchain can build, so the packer can carry
//! the stubs inside its own binary. A target whose stub cannot be built is
//! left out, and the packer refuses it at run time with a clear message.
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (target triple, file name of the built stub, name of the embedded file).
/// The stub for the build host's own OS is required; the other is built
/// when its Rust target (and, for Windows, mingw-w64) is installed.
const TARGETS: &[(&str, &str, &str)] = &[
    ("x86_64-unknown-linux-gnu", "pybundle-stub", "stub-x86_64-linux"),
    ("x86_64-pc-windows-gnu", "pybundle-stub.exe", "stub-x86_64-windows.exe"),
];

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    for path in ["bootloader/src", "bootloader/Cargo.toml", "bootloader/build.rs", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", manifest_dir.join(path).display());
    }
    let mut table = String::new();
    let host_os = if env::var("HOST").unwrap_or_default().contains("windows") { "windows" } else { "linux" };
    for (triple, binary, embedded) in TARGETS {
        let required = triple.contains(host_os);
        let dest = out_dir.join(embedded);
        match build_stub(&manifest_dir, &out_dir, triple, binary, &dest) {
            Ok(()) => table.push_str(&format!(
                "(\"{triple}\", Some(include_bytes!(r\"{}\") as &[u8])),\n",
                dest.display()
            )),
            Err(why) if required => panic!("cannot build the pybundle stub for {triple}: {why}"),
            Err(why) => {
                println!("cargo:warning=no pybundle stub for {triple}: {why}");
                table.push_str(&format!("(\"{triple}\", None),\n"));
            }
        }
    }
    std::fs::write(out_dir.join("stubs.rs"), format!("&[\n{table}]\n")).unwrap();
}

fn build_stub(root: &Path, out_dir: &Path, triple: &str, binary: &str, dest: &Path) -> Result<(), String> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = out_dir.join("stub-build");
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--package", "pybundle-bootloader", "--bin", "pybundle-stub", "--profile", "stub"])
        .args(["--target", triple])
        .arg("--target-dir")
        .arg(&target_dir)
        // The outer build's settings are for the packer, not for the stub.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_PROFILE_RELEASE_DEBUG")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build of the stub failed ({status})"));
    }
    let built = target_dir.join(triple).join("stub").join(binary);
    std::fs::copy(&built, dest).map_err(|e| format!("cannot copy {}: {e}", built.display()))?;
    Ok(())
}
