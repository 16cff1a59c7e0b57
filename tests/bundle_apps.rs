//! The three apps (hello, stdlib, package) as onefile and onedir bundles,
//! built with every CPython 3.11 found, run directly and inside the
//! distroless-like root (writable, read-only, and without memfd); plus
//! damaged bundles, the stub's DT_NEEDED, reproducible builds and the payload
//! layout.
mod support;

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use support::root::{require_root, root_command_as, run_in_root, RootKind, RootWork, ROOT_ENV};
use support::*;

// ---------------------------------------------------------------------------
// What each app must print

const HELLO_ARGS: &[&str] = &["one", "two words", "d\u{e9}j\u{e0} vu"];
const HELLO_STDOUT: &str = "hello from pybundle\nargs: ['one', 'two words', 'd\u{e9}j\u{e0} vu']\n";

const STDLIB_CHECKS: &[&str] = &[
    "json", "sqlite3", "ssl", "hashlib", "zlib", "lzma", "bz2", "decimal", "asyncio", "ctypes",
    "unicodedata", "zoneinfo", "threads",
];

const PACKAGE_STDOUT: &str =
    "Bonjour from mypkg data \u{e9}t\u{e9}\nrelative imports: 42 z-module\npackage: mypkg 1.2.3\n";

fn args_for(app: App) -> &'static [&'static str] {
    match app {
        App::Hello => HELLO_ARGS,
        _ => &[],
    }
}

/// Checks one run of `app`: stdout, stderr and exit code.
fn check_app_output(app: App, out: &Out) {
    assert_no_panic(out);
    match app {
        App::Hello => {
            assert_eq!(out.stdout, HELLO_STDOUT, "hello printed the wrong thing\n{out}");
            assert_exit(out, 3);
        }
        App::Stdlib => {
            let expected: String =
                STDLIB_CHECKS.iter().map(|c| format!("{c} ok\n")).chain(["all ok\n".to_string()]).collect();
            assert_eq!(out.stdout, expected, "a stdlib check failed\n{out}");
            assert_exit(out, 0);
        }
        App::Package => {
            assert_eq!(out.stdout, PACKAGE_STDOUT, "package app printed the wrong thing\n{out}");
            assert_exit(out, 0);
        }
        other => unreachable!("{other:?}"),
    }
    assert_eq!(out.stderr, "", "unexpected stderr\n{out}");
}

// ---------------------------------------------------------------------------
// The ways to run a bundle

fn direct(app: App, mode: Mode) {
    for_each_python(|py| {
        let b = shared_build(app, mode, py);
        check_app_output(app, &run_bundle(&b.exe, args_for(app)));
    });
}

fn in_root(app: App, mode: Mode, kind: RootKind) {
    require_root();
    for_each_python(|py| {
        let b = shared_build(app, mode, py);
        let work = RootWork::new(&format!("{app:?}-{mode:?}-{kind:?}").to_lowercase());
        let exe = work.install(b);
        check_app_output(app, &run_in_root(kind, &exe, args_for(app), ROOT_ENV));
    });
}

/// `PYBUNDLE_NO_MEMFD=1` in the writable root: the cache directory under
/// `$HOME/.cache/pybundle` is made (0700), and the second run reuses it.
fn no_memfd_in_root(app: App) {
    require_root();
    for_each_python(|py| {
        let b = shared_build(app, Mode::Onefile, py);
        let work = RootWork::new(&format!("{app:?}-nomemfd").to_lowercase());
        let exe = work.install(b);
        let home_inside = format!("{}/home", work.inside);
        let home = work.host.join("home");
        fs::create_dir(&home).unwrap();
        let env = [("PATH", "/usr/bin:/bin"), ("HOME", home_inside.as_str()), ("PYBUNDLE_NO_MEMFD", "1")];

        check_app_output(app, &run_in_root(RootKind::Writable, &exe, args_for(app), &env));
        let cache = home.join(".cache/pybundle");
        assert!(cache.is_dir(), "PYBUNDLE_NO_MEMFD=1 made no cache in $HOME/.cache/pybundle");
        let mode = fs::metadata(&cache).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "cache dir {} has mode {mode:o}", cache.display());
        let first = inventory(&cache);
        let elf_files = first
            .keys()
            .filter(|p| fs::read(cache.join(p)).map(|b| b.starts_with(b"\x7fELF")).unwrap_or(false))
            .count();
        assert!(elf_files > 0, "the cache holds no native library: {first:?}");

        check_app_output(app, &run_in_root(RootKind::Writable, &exe, args_for(app), &env));
        let second = inventory(&cache);
        assert_eq!(first, second, "the second run did not reuse the cache as it was (files or inodes changed)");
    });
}

/// Without /proc there is no `/proc/self/fd/N` to dlopen: a onefile bundle
/// falls back to its cache directory; onedir needs neither.
fn without_proc_in_root(app: App, mode: Mode) {
    require_root();
    for_each_python(|py| {
        let b = shared_build(app, mode, py);
        let work = RootWork::new(&format!("{app:?}-{mode:?}-noproc").to_lowercase());
        let exe = work.install(b);
        let home_inside = format!("{}/home", work.inside);
        let home = work.host.join("home");
        fs::create_dir(&home).unwrap();
        let env = [("PATH", "/usr/bin:/bin"), ("HOME", home_inside.as_str())];
        check_app_output(app, &run_in_root(RootKind::WritableNoProc, &exe, args_for(app), &env));
        if mode == Mode::Onefile {
            assert!(
                !inventory(&home.join(".cache/pybundle")).is_empty(),
                "without /proc the onefile bundle should have used $HOME/.cache/pybundle"
            );
        }
    });
}

/// As distroless's nonroot user (65532), with memfd and with the cache
/// directory in a HOME that user owns.
#[test]
fn hello_onefile_as_nonroot_in_root() {
    require_root();
    for_each_python(|py| {
        let b = shared_build(App::Hello, Mode::Onefile, py);
        let work = RootWork::new("hello-nonroot");
        let exe = work.install(b);
        let home_inside = format!("{}/home", work.inside);
        let home = work.host.join("home");
        fs::create_dir(&home).unwrap();
        std::os::unix::fs::chown(&home, Some(65532), Some(65532)).unwrap();
        for kind in [RootKind::Writable, RootKind::ReadOnly] {
            let env = [("PATH", "/usr/bin:/bin"), ("HOME", home_inside.as_str())];
            let out = run(&mut root_command_as(kind, Some("65532:65532"), &exe, HELLO_ARGS, &env));
            check_app_output(App::Hello, &out);
        }
        let env = [("PATH", "/usr/bin:/bin"), ("HOME", home_inside.as_str()), ("PYBUNDLE_NO_MEMFD", "1")];
        for _ in 0..2 {
            let out = run(&mut root_command_as(RootKind::Writable, Some("65532:65532"), &exe, HELLO_ARGS, &env));
            check_app_output(App::Hello, &out);
        }
        let cache = home.join(".cache/pybundle");
        let md = fs::metadata(&cache).expect("no cache directory made for the nonroot user");
        use std::os::unix::fs::MetadataExt;
        assert_eq!(md.uid(), 65532, "the cache directory is not owned by the user");
        assert!(!inventory(&cache).is_empty(), "the cache is empty");
    });
}

#[test]
fn hello_onefile_direct() {
    direct(App::Hello, Mode::Onefile);
}
#[test]
fn hello_onedir_direct() {
    direct(App::Hello, Mode::Onedir);
}
#[test]
fn hello_onefile_in_root() {
    in_root(App::Hello, Mode::Onefile, RootKind::Writable);
}
#[test]
fn hello_onedir_in_root() {
    in_root(App::Hello, Mode::Onedir, RootKind::Writable);
}
#[test]
fn hello_onefile_in_readonly_root() {
    in_root(App::Hello, Mode::Onefile, RootKind::ReadOnly);
}
#[test]
fn hello_onedir_in_readonly_root() {
    in_root(App::Hello, Mode::Onedir, RootKind::ReadOnly);
}
#[test]
fn hello_onefile_no_memfd_in_root() {
    no_memfd_in_root(App::Hello);
}

#[test]
fn hello_onefile_without_proc_in_root() {
    without_proc_in_root(App::Hello, Mode::Onefile);
}
#[test]
fn hello_onedir_without_proc_in_root() {
    without_proc_in_root(App::Hello, Mode::Onedir);
}

#[test]
fn stdlib_onefile_direct() {
    direct(App::Stdlib, Mode::Onefile);
}
#[test]
fn stdlib_onedir_direct() {
    direct(App::Stdlib, Mode::Onedir);
}
#[test]
fn stdlib_onefile_in_root() {
    in_root(App::Stdlib, Mode::Onefile, RootKind::Writable);
}
#[test]
fn stdlib_onedir_in_root() {
    in_root(App::Stdlib, Mode::Onedir, RootKind::Writable);
}
#[test]
fn stdlib_onefile_in_readonly_root() {
    in_root(App::Stdlib, Mode::Onefile, RootKind::ReadOnly);
}
#[test]
fn stdlib_onedir_in_readonly_root() {
    in_root(App::Stdlib, Mode::Onedir, RootKind::ReadOnly);
}
#[test]
fn stdlib_onefile_no_memfd_in_root() {
    no_memfd_in_root(App::Stdlib);
}

#[test]
fn stdlib_onefile_without_proc_in_root() {
    without_proc_in_root(App::Stdlib, Mode::Onefile);
}

#[test]
fn package_onefile_direct() {
    direct(App::Package, Mode::Onefile);
}
#[test]
fn package_onedir_direct() {
    direct(App::Package, Mode::Onedir);
}
#[test]
fn package_onefile_in_root() {
    in_root(App::Package, Mode::Onefile, RootKind::Writable);
}
#[test]
fn package_onedir_in_root() {
    in_root(App::Package, Mode::Onedir, RootKind::Writable);
}
#[test]
fn package_onefile_in_readonly_root() {
    in_root(App::Package, Mode::Onefile, RootKind::ReadOnly);
}
#[test]
fn package_onedir_in_readonly_root() {
    in_root(App::Package, Mode::Onedir, RootKind::ReadOnly);
}
#[test]
fn package_onefile_no_memfd_in_root() {
    no_memfd_in_root(App::Package);
}

// ---------------------------------------------------------------------------
// The cache directory on the host

/// `PYBUNDLE_CACHE_DIR` wins over HOME and XDG_CACHE_HOME.
#[test]
fn no_memfd_uses_pybundle_cache_dir() {
    let py = first_python();
    let b = shared_build(App::Hello, Mode::Onefile, py);
    let tmp = tempdir();
    let cache = tmp.path().join("explicit-cache");
    let home = tmp.path().join("home");
    let xdg = tmp.path().join("xdg");
    fs::create_dir(&home).unwrap();
    fs::create_dir(&xdg).unwrap();
    for _ in 0..2 {
        let out = run(bundle_command(&b.exe)
            .args(HELLO_ARGS)
            .env("HOME", &home)
            .env("XDG_CACHE_HOME", &xdg)
            .env("PYBUNDLE_NO_MEMFD", "1")
            .env("PYBUNDLE_CACHE_DIR", &cache));
        check_app_output(App::Hello, &out);
    }
    assert!(!inventory(&cache).is_empty(), "nothing was cached in PYBUNDLE_CACHE_DIR");
    assert!(inventory(&home).is_empty(), "files were written under HOME despite PYBUNDLE_CACHE_DIR");
    assert!(inventory(&xdg).is_empty(), "files were written under XDG_CACHE_HOME despite PYBUNDLE_CACHE_DIR");
}

/// XDG_CACHE_HOME/pybundle is the user's cache dir when set.
#[test]
fn no_memfd_uses_xdg_cache_home() {
    let py = first_python();
    let b = shared_build(App::Hello, Mode::Onefile, py);
    let tmp = tempdir();
    let home = tmp.path().join("home");
    let xdg = tmp.path().join("xdg");
    fs::create_dir(&home).unwrap();
    fs::create_dir(&xdg).unwrap();
    let out = run(bundle_command(&b.exe)
        .args(HELLO_ARGS)
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", &xdg)
        .env("PYBUNDLE_NO_MEMFD", "1"));
    check_app_output(App::Hello, &out);
    assert!(!inventory(&xdg.join("pybundle")).is_empty(), "nothing cached in XDG_CACHE_HOME/pybundle");
    assert!(inventory(&home).is_empty(), "files were written under HOME although XDG_CACHE_HOME is set");
}

/// No HOME, no XDG_CACHE_HOME: a private directory under the temp dir.
#[test]
fn no_memfd_without_home_uses_private_temp_dir() {
    let py = first_python();
    let b = shared_build(App::Hello, Mode::Onefile, py);
    let tmp = tempdir();
    let tmpdir = tmp.path().join("tmp");
    fs::create_dir(&tmpdir).unwrap();
    let out = run(std::process::Command::new(&b.exe)
        .args(HELLO_ARGS)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("TMPDIR", &tmpdir)
        .env("PYBUNDLE_NO_MEMFD", "1"));
    check_app_output(App::Hello, &out);
    let dirs: Vec<_> = fs::read_dir(&tmpdir).unwrap().flatten().map(|e| e.path()).collect();
    assert!(!dirs.is_empty(), "nothing was cached under TMPDIR");
    for d in &dirs {
        let md = fs::metadata(d).unwrap();
        if md.is_dir() {
            assert_eq!(md.permissions().mode() & 0o077, 0, "{} is not private", d.display());
        }
    }
}

// ---------------------------------------------------------------------------
// Damaged bundles: one line saying so, an exit code, no crash

fn assert_reports_damage(out: &Out) {
    assert_clean_failure(out);
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "expected exactly one line on stderr\n{out}");
    assert!(lines[0].starts_with("pybundle: "), "the line must start with 'pybundle: '\n{out}");
    assert!(lines[0].contains("damaged"), "the line must say the bundle is damaged\n{out}");
    assert!(!out.stdout.contains("hello from pybundle"), "the app ran from a damaged bundle\n{out}");
}

#[test]
fn truncated_bundle_is_reported_as_damaged() {
    let py = first_python();
    let b = shared_build(App::Hello, Mode::Onefile, py);
    let tmp = tempdir();
    let exe = tmp.path().join("hello");
    fs::copy(&b.exe, &exe).unwrap();
    let len = fs::metadata(&exe).unwrap().len();
    let f = fs::OpenOptions::new().write(true).open(&exe).unwrap();
    f.set_len(len / 2).unwrap();
    drop(f);
    assert_reports_damage(&run_bundle(&exe, HELLO_ARGS));
}

#[test]
fn flipped_byte_in_libpython_is_reported_as_damaged() {
    let py = first_python();
    let b = shared_build(App::Hello, Mode::Onefile, py);
    let tmp = tempdir();
    let exe = tmp.path().join("hello");
    fs::copy(&b.exe, &exe).unwrap();
    let (name, start, size) = zip_entry_data_range(&exe, ".pybundle/lib/libpython");
    assert!(size > 1000, "{name} is suspiciously small: {size} bytes");
    let mut bytes = fs::read(&exe).unwrap();
    let at = (start + size / 2) as usize;
    bytes[at] ^= 0xff;
    fs::write(&exe, &bytes).unwrap();
    assert_reports_damage(&run_bundle(&exe, HELLO_ARGS));
}

// ---------------------------------------------------------------------------
// The stub

fn check_needed(path: &Path) {
    let bytes = fs::read(path).unwrap();
    let elf = goblin::elf::Elf::parse(&bytes).unwrap_or_else(|e| panic!("{}: not an ELF file: {e}", path.display()));
    let allowed = ["libc.so.6", "ld-linux-x86-64.so.2"];
    assert!(elf.libraries.contains(&"libc.so.6"), "{}: DT_NEEDED {:?} lacks libc.so.6", path.display(), elf.libraries);
    for lib in &elf.libraries {
        assert!(allowed.contains(lib), "{}: the stub needs {lib} (DT_NEEDED {:?})", path.display(), elf.libraries);
    }
    assert_eq!(elf.interpreter, Some("/lib64/ld-linux-x86-64.so.2"), "{}: unexpected ELF interpreter", path.display());
}

#[test]
fn stub_needs_only_libc() {
    let py = first_python();
    check_needed(&shared_build(App::Hello, Mode::Onefile, py).exe);
    check_needed(&shared_build(App::Hello, Mode::Onedir, py).exe);
}

// ---------------------------------------------------------------------------
// Layout and reproducibility

#[test]
fn onefile_is_one_file() {
    for_each_python(|py| {
        let b = shared_build(App::Hello, Mode::Onefile, py);
        let entries: Vec<_> = fs::read_dir(&b.dist).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(entries, vec![std::ffi::OsString::from("hello")], "dist/ should hold only the bundle");
        assert!(fs::symlink_metadata(&b.exe).unwrap().is_file());
    });
}

#[test]
fn onedir_layout() {
    for_each_python(|py| {
        let b = shared_build(App::Package, Mode::Onedir, py);
        assert_eq!(b.exe, b.dist.join("pkgapp").join("pkgapp"));
        let internal = b.output.join("_internal");
        assert!(internal.is_dir(), "{} is missing", internal.display());
        let mut libpython = false;
        walk(&internal, &mut |p, _| {
            libpython |= p.file_name().unwrap().to_string_lossy().starts_with("libpython3.11.so");
        });
        assert!(libpython, "no libpython3.11.so* under {}", internal.display());
    });
}

#[test]
fn onefile_builds_are_byte_identical() {
    for app in [App::Hello, App::Package] {
        let py = first_python();
        let first = shared_build(app, Mode::Onefile, py);
        let (_tmp, second) = build_fresh(app, Mode::Onefile, py);
        let a = fs::read(&first.exe).unwrap();
        let b = fs::read(&second.exe).unwrap();
        assert_eq!(a.len(), b.len(), "{app:?}: two builds differ in size");
        if let Some(i) = a.iter().zip(&b).position(|(x, y)| x != y) {
            panic!("{app:?}: two builds of the same input differ first at byte {i} of {}", a.len());
        }
    }
}

#[test]
fn build_prints_a_summary() {
    let py = first_python();
    let b = shared_build(App::Hello, Mode::Onefile, py);
    let last = b.log.stderr_lines().last().copied().unwrap_or("");
    assert!(last.contains("hello"), "the last stderr line should be a summary naming the output\n{}", b.log);
    assert!(b.log.stdout.trim().is_empty(), "progress belongs on stderr\n{}", b.log);
}

fn unzip_names(exe: &Path) -> Vec<String> {
    let out = run(std::process::Command::new("unzip").arg("-l").arg(exe));
    assert!(matches!(out.code(), Some(0) | Some(1)), "unzip -l failed\n{out}");
    // "  Length      Date    Time    Name" rows: the name is the 4th column on.
    out.stdout
        .lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.len() >= 4 && cols[0].bytes().all(|c| c.is_ascii_digit())).then(|| cols[3..].join(" "))
        })
        .collect()
}

#[test]
fn unzip_lists_the_payload_and_the_manifest_parses() {
    for_each_python(|py| {
        let b = shared_build(App::Hello, Mode::Onefile, py);
        let names = unzip_names(&b.exe);
        for want in [".pybundle/manifest.json", "__main__.pyc"] {
            assert!(names.iter().any(|n| n == want), "unzip -l does not list {want}: {names:?}");
        }
        let manifest: serde_json::Value = serde_json::from_slice(&zip_read(&b.exe, ".pybundle/manifest.json"))
            .expect("the manifest is not JSON");
        let python = manifest.get("python").unwrap_or_else(|| panic!("manifest has no \"python\": {manifest}"));
        assert!(python.to_string().contains("3.11"), "manifest's python does not name 3.11: {python}");
        assert!(manifest.get("entry").is_some(), "manifest has no \"entry\": {manifest}");

        // Every entry is described in the manifest (its content hash).
        let mut strings = BTreeSet::new();
        json_strings(&manifest, &mut strings);
        let all = zip_names(&b.exe);
        let missing: Vec<&String> = all
            .iter()
            .filter(|n| !n.ends_with('/') && n.as_str() != ".pybundle/manifest.json")
            .filter(|n| !strings.contains(n.as_str()))
            .collect();
        assert!(missing.is_empty(), "entries not named in the manifest: {:?}", &missing[..missing.len().min(20)]);
        let text = manifest.to_string();
        assert!(text.contains("libpython3.11.so"), "manifest's load order does not name libpython");
    });
}

#[test]
fn payload_layout() {
    for_each_python(|py| {
        let b = shared_build(App::Hello, Mode::Onefile, py);
        let names = zip_names(&b.exe);
        let has = |n: &str| names.iter().any(|x| x == n);
        for want in [
            ".pybundle/manifest.json",
            "__main__.pyc",
            "os.pyc",
            "encodings/__init__.pyc",
            ".pybundle/lib/libgcc_s.so.1",
        ] {
            assert!(has(want), "payload lacks {want}");
        }
        assert!(
            names.iter().any(|n| n.starts_with(".pybundle/lib/libpython3.11.so")),
            "payload lacks .pybundle/lib/libpython3.11.so*"
        );
        for never in ["test/", "idlelib/", "tkinter/", "turtledemo/", "ensurepip/", "lib2to3/", "pydoc_data/", "venv/", "__phello__"] {
            assert!(!names.iter().any(|n| n.starts_with(never)), "payload has the never-listed {never}");
        }
        assert!(!has("turtle.pyc"), "payload has the never-listed turtle");
        // The stdlib is pruned to what hello world reaches.
        for unused in ["json/", "sqlite3/", "ssl.pyc", "_ssl.", "_sqlite3.", ".pybundle/lib/libcrypto", ".pybundle/lib/libsqlite3"] {
            assert!(!names.iter().any(|n| n.starts_with(unused)), "hello world's payload has {unused}");
        }
        for core in ["libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libutil.so.1", "ld-linux-x86-64.so.2"] {
            assert!(!has(&format!(".pybundle/lib/{core}")), "payload bundles glibc's {core}");
        }
        assert!(!names.iter().any(|n| n.ends_with(".py")), "payload holds .py sources instead of .pyc");
    });
}
