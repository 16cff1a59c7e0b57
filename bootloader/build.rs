//! Links the Linux stub: its unwinder statically, so the stub needs no
//! libgcc_s.so.1, and with its libc file functions (the served tree's
//! `exports.rs`) in its dynamic symbol table, where the libraries it loads
//! bind to them.
//!
//! Rust's std for linux-gnu asks the linker for `-lgcc_s`. A directory that
//! holds a `libgcc_s.a` made from gcc's static `libgcc_eh.a`, searched before
//! the system directories, satisfies that request without a shared library.
use std::{env, fs, path::PathBuf, process::Command};

const EXPORTS: &str = "src/runtime/linux/served/exports.rs";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={EXPORTS}");
    let target = env::var("TARGET").unwrap_or_default();
    if !target.contains("linux-gnu") {
        return;
    }
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    export_file_functions(&out);
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

/// Puts every function `exports.rs` defines into the stub's dynamic symbol
/// table (a linker dynamic list made from its `extern "C" fn` names).
fn export_file_functions(out: &std::path::Path) {
    let source = fs::read_to_string(EXPORTS).expect("read exports.rs");
    let names: Vec<&str> = source
        .lines()
        .filter_map(|line| line.strip_prefix("pub unsafe extern \"C\" fn "))
        .filter_map(|rest| rest.split('(').next())
        .collect();
    assert!(!names.is_empty(), "{EXPORTS} defines no exported function");
    let list = out.join("exports.list");
    let body: String = names.iter().map(|name| format!("  {name};\n")).collect();
    fs::write(&list, format!("{{\n{body}}};\n")).expect("write the dynamic list");
    println!("cargo:rustc-link-arg-bin=pybundle-stub=-Wl,--dynamic-list={}", list.display());
}
