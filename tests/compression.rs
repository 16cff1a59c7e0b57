//! Compressed bundles (`--compress`) on every CPython, onefile and onedir:
//! what is compressed, that they run, and that a codec left out of the
//! bundle (`--all-codecs`) is named when it is looked up.
mod support;

use std::fs;
use std::path::Path;
use support::matrix::{for_each_cpython, shared_build_of};
use support::*;

/// The zip method of archive entry `name` of a bundle.
fn method(exe: &Path, name: &str) -> zip::CompressionMethod {
    let mut archive = zip::ZipArchive::new(fs::File::open(exe).unwrap()).unwrap();
    let entry = archive.by_name_raw(name.as_bytes()).unwrap_or_else(|e| panic!("{}: no entry {name}: {e}", exe.display()));
    entry.compression()
}

fn libpython_entry(exe: &Path) -> String {
    zip_names(exe).into_iter().find(|n| n.starts_with(".pybundle/lib/libpython")).expect("libpython is bundled")
}

fn check_hello(exe: &Path) {
    let out = run_bundle(exe, &["x"]);
    assert_exit(&out, 3);
    assert_eq!(out.stdout, "hello from pybundle\nargs: ['x']\n", "{out}");
}

#[test]
fn every_level_every_version_onefile_and_onedir() {
    let hello = App::Hello.script();
    for_each_cpython("every_level_every_version_onefile_and_onedir", |py| {
        let mut sizes = Vec::new();
        for level in ["none", "fast", "max"] {
            let b = shared_build_of(&hello, Some(&format!("hello-{level}")), Mode::Onefile, py, &["--compress", level]);
            check_hello(&b.exe);
            let libpython = libpython_entry(&b.exe);
            let expected = if level == "none" { zip::CompressionMethod::Stored } else { zip::CompressionMethod::ZSTD };
            assert_eq!(method(&b.exe, &libpython), expected, "{level}: {libpython}");
            // A standard zip reader gets the content back.
            assert_eq!(zip_read(&b.exe, &libpython)[..4], *b"\x7fELF");
            sizes.push(fs::metadata(&b.exe).unwrap().len());
        }
        assert!(sizes[0] > sizes[1] && sizes[1] >= sizes[2], "sizes none, fast, max: {sizes:?}");
        let onedir = shared_build_of(&hello, None, Mode::Onedir, py, &[]);
        check_hello(&onedir.exe);
        // Native files lie in _internal/ as they are; bytecode is compressed.
        let manifest: serde_json::Value = serde_json::from_slice(&zip_read(&onedir.exe, ".pybundle/manifest.json")).unwrap();
        let libpython = onedir.output.join("_internal").join(manifest["python"]["libpython"].as_str().unwrap());
        assert_eq!(fs::read(&libpython).unwrap()[..4], *b"\x7fELF");
        assert_eq!(method(&onedir.exe, "io.pyc"), zip::CompressionMethod::ZSTD);
        format!("sizes none/fast/max {sizes:?}")
    });
}

#[test]
fn a_codec_left_out_names_the_option_that_brings_it() {
    let tmp = tempdir();
    let script = tmp.path().join("codec.py");
    fs::write(&script, "import sys\nprint('named', 'x'.encode('cp1252'))\nprint(sys.argv[1], 'é'.encode(sys.argv[1]))\n").unwrap();
    for_each_python(|py| {
        let lean = build_into(&script, Mode::Onefile, None, py, &tmp.path().join("lean"), &[]).unwrap_or_else(|e| panic!("{e}"));
        let out = run_bundle(&lean.exe, &["utf-16-le"]);
        assert_exit(&out, 0);
        assert!(out.stdout.contains("named b'x'"), "{out}");
        let out = run_bundle(&lean.exe, &["EUC-JP"]);
        assert_exit(&out, 1);
        let last = out.stderr_lines().last().copied().unwrap_or("");
        assert!(last.starts_with("LookupError: unknown encoding: euc_jp") && last.contains("--all-codecs"), "{out}");
        let out = run_bundle(&lean.exe, &["no-such-codec"]);
        assert_exit(&out, 1);
        assert!(!out.stderr.contains("--all-codecs"), "a codec CPython does not have is not blamed on the bundle\n{out}");

        let all = build_into(&script, Mode::Onefile, None, py, &tmp.path().join("all"), &["--all-codecs"]).unwrap_or_else(|e| panic!("{e}"));
        let out = run_bundle(&all.exe, &["EUC-JP"]);
        assert_exit(&out, 0);
        assert!(out.stdout.contains("EUC-JP b'\\x8f\\xab\\xb1'"), "{out}");
        assert!(zip_names(&lean.exe).len() < zip_names(&all.exe).len());
    });
}
