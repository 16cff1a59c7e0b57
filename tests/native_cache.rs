//! Where a Linux onefile bundle loads its native libraries from: memory
//! files decoded at every start (writing nothing), or, built with
//! `--cache-natives`, the user's cache directory, filled at the first start
//! and only read after; an entry an earlier start filled is reused by any
//! bundle of the same content.
mod support;

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use support::*;

/// Prints where libpython is mapped from, as the process itself sees it.
const WHERE_APP: &str = "\
maps = open('/proc/self/maps').read().splitlines()
path = next(line.split(None, 5)[5] for line in maps if 'libpython' in line)
print('memory' if path.startswith('/memfd:') else 'cache' if '/cache/' in path else path)
";

fn libpython_from(exe: &Path, cache: &Path) -> String {
    let out = run(bundle_command(exe).env("PYBUNDLE_CACHE_DIR", cache));
    assert_no_panic(&out);
    assert_exit(&out, 0);
    assert_eq!(out.stderr, "", "{out}");
    out.stdout.trim().to_string()
}

/// The one entry of `cache`, which holds every native of `exe` at its size.
fn complete_entry(cache: &Path, exe: &Path) -> std::path::PathBuf {
    let entries: Vec<_> = fs::read_dir(cache).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(entries.len(), 1, "the cache should hold one entry and nothing else: {entries:?}");
    let manifest: serde_json::Value = serde_json::from_slice(&zip_read(exe, ".pybundle/manifest.json")).unwrap();
    for native in manifest["natives"].as_array().unwrap() {
        let name = native["name"].as_str().unwrap();
        let size = fs::metadata(entries[0].join(name)).map(|m| m.len()).ok();
        assert_eq!(size, Some(zip_read(exe, name).len() as u64), "{name} in the cache entry");
    }
    entries[0].clone()
}

#[test]
fn natives_from_memory_or_from_a_cache_filled_once() {
    let tmp = tempdir();
    let script = tmp.path().join("where.py");
    fs::write(&script, WHERE_APP).unwrap();
    for_each_python(|py| {
        let dir = tmp.path().join(&py.label);
        let memory = build_into(&script, Mode::Onefile, None, py, &dir.join("memory"), &[]).unwrap_or_else(|e| panic!("{e}"));
        let cached = build_into(&script, Mode::Onefile, None, py, &dir.join("cached"), &["--cache-natives"]).unwrap_or_else(|e| panic!("{e}"));
        let cache = dir.join("cache");

        // Without the flag: memory files, and nothing is created.
        assert_eq!(libpython_from(&memory.exe, &cache), "memory");
        assert!(!cache.exists(), "a start without --cache-natives wrote {}", cache.display());

        // With it: the first start fills the cache, later ones only read it.
        assert_eq!(libpython_from(&cached.exe, &cache), "cache");
        let entry = complete_entry(&cache, &cached.exe);
        let libpython = fs::read_dir(entry.join(".pybundle/lib")).unwrap().flatten().find(|e| e.file_name().to_string_lossy().starts_with("libpython")).unwrap().path();
        let before = fs::metadata(&libpython).unwrap();
        assert_eq!(libpython_from(&cached.exe, &cache), "cache");
        let after = fs::metadata(&libpython).unwrap();
        assert_eq!((before.ino(), before.mtime_nsec()), (after.ino(), after.mtime_nsec()), "a later start rewrote libpython");

        // The same content built without the flag reuses the filled entry.
        assert_eq!(libpython_from(&memory.exe, &cache), "cache");
        complete_entry(&cache, &cached.exe);

        // A cache entry that lost a file is not used as it is: memory
        // files without the flag, filled again with it.
        fs::remove_file(&libpython).unwrap();
        assert_eq!(libpython_from(&memory.exe, &cache), "memory");
        assert_eq!(libpython_from(&cached.exe, &cache), "cache");
        complete_entry(&cache, &cached.exe);

        // Where no cache directory can be used, memory files as always.
        let not_a_dir = dir.join("file");
        fs::write(&not_a_dir, "").unwrap();
        assert_eq!(libpython_from(&cached.exe, &not_a_dir.join("cache")), "memory");
    });
}
