//! Links the stub's unwinder statically, so the stub needs no libgcc_s.so.1.
//!
//! Rust's std for linux-gnu asks the linker for `-lgcc_s`. A directory that
//! holds a `libgcc_s.a` made from gcc's static `libgcc_eh.a`, searched before
//! the system directories, satisfies that request without a shared library.
use std::{env, fs, path::PathBuf, process::Command};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = env::var("TARGET").unwrap_or_default();
    if !target.contains("linux-gnu") {
        return;
    }
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let cc = env::var("CC").unwrap_or_else(|_| "cc".into());
    let found = Command::new(&cc).arg("-print-file-name=libgcc_eh.a").output();
    let Ok(found) = found else { return };
    let path = PathBuf::from(String::from_utf8_lossy(&found.stdout).trim());
    if !path.is_absolute() || !path.exists() {
        return;
    }
    let dir = out.join("static-unwind");
    fs::create_dir_all(&dir).expect("create static-unwind dir");
    fs::copy(&path, dir.join("libgcc_s.a")).expect("copy libgcc_eh.a");
    println!("cargo:rustc-link-search=native={}", dir.display());
}
