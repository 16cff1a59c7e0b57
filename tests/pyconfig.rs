//! The `PyConfig` offsets the stub writes (`bootloader/src/runtime/python/
//! layout.rs`, checked there against `pyconfig_offsets.txt`) are what the
//! compiler gives for the headers of every CPython on this machine that has
//! them: `pyconfig_offsets.c` is compiled against each `Python.h` and run.
mod support;

use std::path::Path;
use std::process::Command;
use support::test_env;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/bootloader/src/runtime/python");

/// The recorded output for 3.`minor`, if that version is supported.
fn recorded(minor: u32) -> Option<String> {
    let text = std::fs::read_to_string(Path::new(DIR).join("pyconfig_offsets.txt")).unwrap();
    text.split("\n== ")
        .skip(1)
        .find_map(|section| section.strip_prefix(&format!("3.{minor}\n")).map(|s| s.trim_end().to_string()))
}

#[test]
fn offsets_match_each_interpreters_headers() {
    let part = "offsets_match_each_interpreters_headers";
    let Some(cc) = test_env::require(which::which("cc").ok(), "cc (gcc)", part) else { return };
    let with_headers: Vec<_> = test_env::cpythons().iter().filter(|py| py.include.is_some()).collect();
    if with_headers.is_empty() {
        test_env::missing("a CPython with its headers (Debian: libpython3.11-dev)", part);
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut checked = Vec::new();
    for py in with_headers {
        let Some(expected) = recorded(py.minor) else { continue };
        let exe = tmp.path().join(format!("offsets-{}", py.version));
        let status = Command::new(&cc)
            .arg("-I")
            .arg(py.include.as_ref().unwrap())
            .arg("-o")
            .arg(&exe)
            .arg(Path::new(DIR).join("pyconfig_offsets.c"))
            .status()
            .unwrap();
        assert!(status.success(), "pyconfig_offsets.c does not compile against {}", py.exe.display());
        let out = Command::new(&exe).output().unwrap();
        assert!(out.status.success());
        let got = String::from_utf8(out.stdout).unwrap();
        assert_eq!(got.trim_end(), expected, "{} ({}): the headers' offsets differ from layout.rs", py.exe.display(), py.version);
        checked.push(py.version.clone());
    }
    assert!(!checked.is_empty() || !test_env::all_required(), "no interpreter of a version with a PyConfig layout has headers");
    eprintln!("offsets checked against the headers of {}", checked.join(", "));
}
