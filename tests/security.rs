//! A bundle as an attacker or an unlucky operator meets it: a payload that
//! was tampered with or built by hand, a cache directory shared with other
//! containers or other users, starts that are killed, limits on open files,
//! noexec mounts. Each ends with the app's own output or one `pybundle:`
//! line and exit 126, never a crash or a half-filled cache.
mod support;

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Barrier};

use support::root::{host_tool, require_root};
use support::*;

const HELLO_ARGS: &[&str] = &["one", "two words"];
const HELLO_STDOUT: &str = "hello from pybundle\nargs: ['one', 'two words']\n";

fn hello() -> &'static Built {
    shared_build(App::Hello, Mode::Onefile, first_python())
}

fn assert_hello(out: &Out) {
    assert_no_panic(out);
    assert_eq!(out.stdout, HELLO_STDOUT, "hello printed the wrong thing\n{out}");
    assert_exit(out, 3);
    assert_eq!(out.stderr, "", "unexpected stderr\n{out}");
}

/// Exit 126 and exactly one `pybundle: ` line holding each of `needles`;
/// the app did not run.
fn assert_refused(out: &Out, needles: &[&str]) {
    assert!(out.signal().is_none(), "killed by signal {:?}\n{out}", out.signal());
    assert_exit(out, 126);
    assert_no_panic(out);
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "expected exactly one line on stderr\n{out}");
    assert!(lines[0].starts_with("pybundle: "), "the line must start with 'pybundle: '\n{out}");
    for needle in needles {
        assert!(lines[0].contains(needle), "the line should mention {needle:?}\n{out}");
    }
    assert!(!out.stdout.contains("hello from pybundle"), "the app ran\n{out}");
}

/// A bundle run with the cache directory in use (no memory files).
fn cached_run(exe: &Path, cache: &Path) -> Command {
    let mut cmd = bundle_command(exe);
    cmd.args(HELLO_ARGS).env("PYBUNDLE_NO_MEMFD", "1").env("PYBUNDLE_CACHE_DIR", cache);
    cmd
}

// ---------------------------------------------------------------------------
// Tampered payloads

/// The stub and the archive of a bundle, and its manifest as JSON.
struct Parts {
    stub: Vec<u8>,
    archive: zip::ZipArchive<fs::File>,
    manifest: serde_json::Value,
}

fn parts(exe: &Path) -> Parts {
    let mut archive = zip::ZipArchive::new(fs::File::open(exe).unwrap()).unwrap();
    // The packer's archive counts offsets from the start of the file.
    let first = (0..archive.len()).map(|i| archive.by_index_raw(i).unwrap().header_start()).min().unwrap();
    let stub = fs::read(exe).unwrap()[..first as usize].to_vec();
    let manifest = serde_json::from_slice(&zip_read(exe, ".pybundle/manifest.json")).unwrap();
    Parts { stub, archive, manifest }
}

/// Writes `parts` back as a bundle at `dest`: the stub, every entry as it
/// was (renamed by `rename`), and the (edited) manifest.
fn reassemble(mut parts: Parts, dest: &Path, rename: &dyn Fn(&str) -> String) {
    let mut out = fs::File::create(dest).unwrap();
    out.write_all(&parts.stub).unwrap();
    let mut zip = zip::ZipWriter::new(out);
    for i in 0..parts.archive.len() {
        let entry = parts.archive.by_index_raw(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        if name != ".pybundle/manifest.json" {
            zip.raw_copy_file_rename(entry, rename(&name)).unwrap();
        }
    }
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file(".pybundle/manifest.json", options).unwrap();
    zip.write_all(&serde_json::to_vec_pretty(&parts.manifest).unwrap()).unwrap();
    zip.finish().unwrap();
    fs::set_permissions(dest, fs::Permissions::from_mode(0o755)).unwrap();
}

/// Renames one native everywhere in the manifest.
fn rename_native(manifest: &mut serde_json::Value, from: &str, to: &str) {
    let text = serde_json::to_string(manifest).unwrap().replace(&format!("\"{from}\""), &format!("\"{to}\""));
    *manifest = serde_json::from_str(&text).unwrap();
}

/// A manifest that names a native `../../escaped.so` would have the stub
/// write outside its cache directory: it is refused before anything is
/// written, in memory and with the cache directory alike.
#[test]
fn manifest_path_that_leaves_the_cache_is_refused() {
    let b = hello();
    let tmp = tempdir();
    let exe = tmp.path().join("bundle/hello");
    fs::create_dir(tmp.path().join("bundle")).unwrap();
    let mut parts = parts(&b.exe);
    let from = parts.manifest["natives"][0]["name"].as_str().unwrap().to_string();
    let to = "../../escaped.so";
    rename_native(&mut parts.manifest, &from, to);
    reassemble(parts, &exe, &|name| if name == from { to.to_string() } else { name.to_string() });

    let cache = tmp.path().join("cache/inner");
    assert_refused(&run(&mut cached_run(&exe, &cache)), &["damaged", "escaped.so", "relative path"]);
    assert_refused(&run_bundle(&exe, HELLO_ARGS), &["damaged", "relative path"]);
    let names: Vec<_> = fs::read_dir(tmp.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(!tmp.path().join("escaped.so").exists() && !tmp.path().join("cache/escaped.so").exists(), "a file escaped: {names:?}");
}

/// A module name with a NUL byte in the manifest is refused.
#[test]
fn manifest_with_a_nul_in_a_module_name_is_refused() {
    let b = hello();
    let tmp = tempdir();
    let exe = tmp.path().join("hello");
    let mut parts = parts(&b.exe);
    let natives = parts.manifest["natives"].as_array_mut().unwrap();
    let extension = natives.iter_mut().find(|n| n["kind"] == "extension").expect("hello bundles an extension module");
    let module = extension["module"].as_str().unwrap().to_string();
    extension["module"] = format!("{module}\0x").into();
    reassemble(parts, &exe, &|name| name.to_string());
    assert_refused(&run_bundle(&exe, HELLO_ARGS), &["damaged", "module name"]);
}

/// Bytes after the archive, and an entry added with a zip tool, are both
/// refused: the archive must end the file, and every entry must be the
/// manifest's.
#[test]
fn appended_bytes_and_added_entries_are_refused() {
    let b = hello();
    let tmp = tempdir();
    let trailing = tmp.path().join("trailing");
    fs::copy(&b.exe, &trailing).unwrap();
    fs::OpenOptions::new().append(true).open(&trailing).unwrap().write_all(b"\n").unwrap();
    assert_refused(&run_bundle(&trailing, HELLO_ARGS), &["damaged", "does not end with a zip archive"]);

    let added = tmp.path().join("added");
    fs::copy(&b.exe, &added).unwrap();
    let file = fs::OpenOptions::new().read(true).write(true).open(&added).unwrap();
    let mut zip = zip::ZipWriter::new_append(file).unwrap();
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("ssl.pyc", stored).unwrap();
    zip.write_all(b"not what the packer wrote").unwrap();
    zip.finish().unwrap();
    assert_refused(&run_bundle(&added, HELLO_ARGS), &["damaged", "ssl.pyc", "not in the manifest"]);
}

/// The file offset of the central directory record of entry `name`.
fn central_record(bytes: &[u8], name: &str) -> usize {
    let mut at = bytes.len();
    while let Some(found) = bytes[..at].windows(4).rposition(|w| w == b"PK\x01\x02") {
        let length = u16::from_le_bytes([bytes[found + 28], bytes[found + 29]]) as usize;
        if bytes.get(found + 46..found + 46 + length) == Some(name.as_bytes()) {
            return found;
        }
        at = found;
    }
    panic!("no central directory record for {name}");
}

/// A compressed entry that claims to inflate to 4 GiB is not trusted: the
/// stub reads no more than it holds and says the bundle is damaged (it
/// used to reserve the claimed size, and abort).
#[test]
fn size_claimed_by_the_archive_is_not_trusted() {
    let b = hello();
    let tmp = tempdir();
    let exe = tmp.path().join("claims");
    let mut bytes = fs::read(&b.exe).unwrap();
    let record = central_record(&bytes, "__main__.pyc");
    bytes[record + 24..record + 28].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    fs::write(&exe, &bytes).unwrap();
    fs::set_permissions(&exe, fs::Permissions::from_mode(0o755)).unwrap();
    assert_refused(&run_bundle(&exe, HELLO_ARGS), &["damaged", "__main__.pyc"]);
}

// ---------------------------------------------------------------------------
// The cache directory

/// The natives a bundle's manifest lists, with the size of each.
fn natives_of(exe: &Path) -> Vec<(String, u64)> {
    let manifest: serde_json::Value = serde_json::from_slice(&zip_read(exe, ".pybundle/manifest.json")).unwrap();
    manifest["natives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let name = n["name"].as_str().unwrap().to_string();
            let size = zip_read(exe, &name).len() as u64;
            (name, size)
        })
        .collect()
}

/// The cache holds one entry and nothing else (no staging directory, no
/// lock), and that entry holds every native with its full size.
fn assert_cache_complete(cache: &Path, natives: &[(String, u64)]) {
    let names: Vec<String> = fs::read_dir(cache).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 1, "the cache should hold exactly one entry: {names:?}");
    let entry = cache.join(&names[0]);
    for (name, size) in natives {
        let found = fs::metadata(entry.join(name)).map(|m| m.len()).ok();
        assert_eq!(found, Some(*size), "{name} in the cache entry {names:?}");
    }
}

/// Four containers (each its own PID namespace, so each start is PID 1)
/// start the same bundle at once with one shared, empty cache directory:
/// all four run, 20 rounds out of 20, and the cache is complete after
/// each round.
#[test]
fn four_pid_namespaces_share_one_cache() {
    require_root();
    let unshare = host_tool("unshare").unwrap();
    let b = hello();
    let natives = natives_of(&b.exe);
    let tmp = tempdir();
    for round in 0..20 {
        let cache = tmp.path().join(format!("cache-{round}"));
        let barrier = Arc::new(Barrier::new(4));
        let starts: Vec<_> = (0..4)
            .map(|_| {
                let mut cmd = Command::new(&unshare);
                cmd.args(["--pid", "--fork", "--kill-child", "--"]).arg(&b.exe).args(HELLO_ARGS);
                minimal_env(&mut cmd).env("PYBUNDLE_NO_MEMFD", "1").env("PYBUNDLE_CACHE_DIR", &cache);
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    run(&mut cmd)
                })
            })
            .collect();
        for start in starts {
            let out = start.join().unwrap();
            assert_hello(&out);
        }
        assert_cache_complete(&cache, &natives);
    }
}

/// A start killed while it fills the cache (here by SIGXFSZ, from a file
/// size limit, half-way through a library) leaves a staging directory; the
/// next start removes it, and an entry is used only once complete.
#[test]
fn a_killed_start_leaves_nothing_behind() {
    let b = hello();
    let natives = natives_of(&b.exe);
    let tmp = tempdir();
    let cache = tmp.path().join("cache");
    let mut cmd = cached_run(&b.exe, &cache);
    // SAFETY: setrlimit is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit { rlim_cur: 64 * 1024, rlim_max: 64 * 1024 };
            libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
            match libc::setrlimit(libc::RLIMIT_FSIZE, &limit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }
    let killed = run(&mut cmd);
    assert_eq!(killed.signal(), Some(libc::SIGXFSZ), "the start should have been killed while filling the cache\n{killed}");
    let left: Vec<_> = fs::read_dir(&cache).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(!left.is_empty(), "the killed start left nothing to clean up; the test proves nothing");

    assert_hello(&run(&mut cached_run(&b.exe, &cache)));
    assert_cache_complete(&cache, &natives);
}

/// An entry that lost a file (as a half-filled one would look) is not used
/// as it is: it is filled again.
#[test]
fn an_incomplete_entry_is_filled_again() {
    let b = hello();
    let natives = natives_of(&b.exe);
    let tmp = tempdir();
    let cache = tmp.path().join("cache");
    assert_hello(&run(&mut cached_run(&b.exe, &cache)));
    let entry = fs::read_dir(&cache).unwrap().flatten().next().unwrap().path();
    let (libpython, _) = natives.iter().find(|(n, _)| n.contains("libpython")).unwrap();
    fs::remove_file(entry.join(libpython)).unwrap();
    assert_hello(&run(&mut cached_run(&b.exe, &cache)));
    assert_cache_complete(&cache, &natives);
}

/// A cache directory whose parent others may write to without the sticky
/// bit (a Kubernetes emptyDir is 0777) could be swapped by another user:
/// refused in one line naming the parent and the fix.
#[test]
fn cache_under_a_parent_others_can_write_is_refused() {
    let b = hello();
    let tmp = tempdir();
    let shared = tmp.path().join("shared");
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o777)).unwrap();
    let out = run(&mut cached_run(&b.exe, &shared.join("cache")));
    assert_refused(&out, &["shared", "sticky", "PYBUNDLE_CACHE_DIR"]);
    assert!(!shared.join("cache").join("x").exists());

    // With the sticky bit (as /tmp has), the same place is fine.
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
    assert_hello(&run(&mut cached_run(&b.exe, &shared.join("cache"))));
}

/// A missing `$HOME` is never created; the private temp directory is used.
#[test]
fn missing_home_is_not_created() {
    let b = hello();
    let tmp = tempdir();
    let home = tmp.path().join("no-such-home");
    let temp = tmp.path().join("tmp");
    fs::create_dir(&temp).unwrap();
    let out = run(Command::new(&b.exe)
        .args(HELLO_ARGS)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &home)
        .env("TMPDIR", &temp)
        .env("PYBUNDLE_NO_MEMFD", "1"));
    assert_hello(&out);
    assert!(!home.exists(), "the bundle created the missing HOME {}", home.display());
    assert!(!inventory(&temp).is_empty(), "nothing was cached in the temp dir");
}

/// Only a few descriptors: the stdlib app (ssl, sqlite, ctypes, ...) still
/// runs, since each memory file is closed once loaded; with fewer than a
/// start needs, one line says it is the open-files limit and how to raise it.
#[test]
fn few_open_files() {
    let b = shared_build(App::Stdlib, Mode::Onefile, first_python());
    let prlimit = host_tool("prlimit").expect("prlimit (util-linux)");
    let with_limit = |n: u32| {
        let mut cmd = Command::new(&prlimit);
        cmd.arg(format!("--nofile={n}")).arg(&b.exe);
        minimal_env(&mut cmd);
        run(&mut cmd)
    };
    let out = with_limit(8);
    assert_eq!((out.code(), out.stdout.ends_with("all ok\n")), (Some(0), true), "with 8 open files\n{out}");
    let out = with_limit(4);
    assert_refused(&out, &["Too many open files", "ulimit -n"]);
}

/// A cache on a noexec mount cannot load libraries: it is passed over, and
/// when no place is left, one line says noexec and names the fix.
#[test]
fn noexec_cache_is_named() {
    require_root();
    let b = hello();
    let tmp = tempdir();
    let mount = tmp.path().join("noexec");
    fs::create_dir(&mount).unwrap();
    // /dev/shm, the last place the cache may be, is noexec here too.
    let script = "mount -t tmpfs -o noexec tmpfs \"$1\" && mount -t tmpfs -o noexec tmpfs /dev/shm && shift && exec \"$@\"";
    let mut cmd = Command::new(host_tool("unshare").unwrap());
    cmd.args(["--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh"])
        .arg(&mount)
        .arg("/usr/bin/env")
        .arg(format!("PYBUNDLE_CACHE_DIR={}/cache", mount.display()))
        .arg(format!("TMPDIR={}", mount.display()))
        .arg(&b.exe);
    cmd.env_clear().env("PATH", "/usr/bin:/bin").env("PYBUNDLE_NO_MEMFD", "1");
    assert_refused(&run(&mut cmd), &["noexec", "PYBUNDLE_CACHE_DIR"]);
}

// ---------------------------------------------------------------------------
// The packer

/// `pybundle hello.py --onefile -q --distpath DIST` with the given extra
/// arguments (and `--python` the first CPython unless given).
fn pack(dist: &Path, extra: &[&str]) -> Command {
    let mut cmd = pybundle();
    cmd.arg(App::Hello.script()).args(["--onefile", "-q", "--distpath"]).arg(dist);
    if !extra.contains(&"--python") {
        cmd.arg("--python").arg(&first_python().path);
    }
    cmd.args(extra);
    cmd
}

/// A FIFO in an `--add-data` directory used to hang the build; a FIFO,
/// socket or device is refused in one line naming it.
#[test]
fn special_files_in_add_data_are_refused() {
    let tmp = tempdir();
    let data = tmp.path().join("data");
    fs::create_dir(&data).unwrap();
    fs::write(data.join("a.txt"), "fine\n").unwrap();
    let fifo = std::ffi::CString::new(data.join("pipe").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let dist = tmp.path().join("dist");
    let spec = format!("{}:data", data.display());
    assert_one_error_line(&run(&mut pack(&dist, &["--add-data", &spec])), &["pipe", "FIFO"]);
    assert_one_error_line(&run(&mut pack(&dist, &["--add-data", "/dev/null:x"])), &["/dev/null", "device"]);
    let socket_dir = tmp.path().join("sockets");
    fs::create_dir(&socket_dir).unwrap();
    let _listener = std::os::unix::net::UnixListener::bind(socket_dir.join("sock")).unwrap();
    let spec = format!("{}:s", socket_dir.display());
    assert_one_error_line(&run(&mut pack(&dist, &["--add-data", &spec])), &["sock", "socket"]);
    assert_nothing_created(&dist);
}

/// `--add-data SRC:/abs` used to be made relative silently.
#[test]
fn absolute_add_data_destination_is_refused() {
    let tmp = tempdir();
    let dist = tmp.path().join("dist");
    let spec = format!("{}:/etc/app", App::Hello.script().display());
    assert_one_error_line(&run(&mut pack(&dist, &["--add-data", &spec])), &["/etc/app", "absolute"]);
    assert_nothing_created(&dist);
}

/// An interpreter that never answers does not hang the build.
#[test]
fn hanging_python_is_given_up_on() {
    let tmp = tempdir();
    let python = tmp.path().join("python3");
    // Not `exec`: the sleep is a child of the script, and must go too.
    fs::write(&python, "#!/bin/sh\nsleep 600\n").unwrap();
    fs::set_permissions(&python, fs::Permissions::from_mode(0o755)).unwrap();
    let dist = tmp.path().join("dist");
    let out = run(pack(&dist, &["--python", python.to_str().unwrap()]).env("PYBUNDLE_PROBE_TIMEOUT", "2"));
    assert_one_error_line(&out, &["python3", "did not answer within 2 s", "PYBUNDLE_PROBE_TIMEOUT"]);
    assert_nothing_created(&dist);
}

/// `--python /bin/ls` is one short line, not the probe script that ls
/// echoes back.
#[test]
fn python_that_is_ls_is_one_line() {
    let tmp = tempdir();
    let dist = tmp.path().join("dist");
    let out = run(&mut pack(&dist, &["--python", "/bin/ls"]));
    assert_one_error_line(&out, &["/bin/ls", "not a Python interpreter"]);
    assert!(!out.stderr.contains("import") && !out.stderr.contains("probe script that"), "the probe script shows\n{out}");
}

/// A damaged entry of the packer's build cache is compiled again, not
/// bundled.
#[test]
fn damaged_build_cache_entries_are_rebuilt() {
    let tmp = tempdir();
    let cache = tmp.path().join("build-cache");
    let dist = tmp.path().join("dist");
    assert_exit(&run(pack(&dist, &[]).env("PYBUNDLE_BUILD_CACHE", &cache)), 0);
    let mut damaged = 0;
    walk(&cache, &mut |path, meta| {
        let half = meta.len() / 2;
        fs::OpenOptions::new().write(true).open(path).unwrap().set_len(half).unwrap();
        damaged += 1;
    });
    assert!(damaged > 10, "the build cache holds only {damaged} files");
    assert_exit(&run(pack(&dist, &[]).env("PYBUNDLE_BUILD_CACHE", &cache)), 0);
    assert_hello(&run_bundle(&dist.join("hello"), HELLO_ARGS));
}

/// A full disk: one line naming the output, nothing half-written.
#[test]
fn full_disk_names_the_output_once() {
    require_root();
    let tmp = tempdir();
    let small = tmp.path().join("small");
    fs::create_dir(&small).unwrap();
    let script = "mount -t tmpfs -o size=2m tmpfs \"$1\" && shift && \"$@\"; status=$?; ls -A \"$0\"; exit $status";
    let mut cmd = Command::new(host_tool("unshare").unwrap());
    cmd.args(["--mount", "--propagation", "private", "--", "/bin/sh", "-c", script])
        .arg(small.join("dist"))
        .arg(&small)
        .arg(pybundle_exe())
        .arg(App::Hello.script())
        .args(["--onefile", "-q", "--distpath"])
        .arg(small.join("dist"))
        .arg("--python")
        .arg(&first_python().path);
    // stdout is what `ls -A dist` shows after the failed build: nothing.
    let out = run(&mut cmd);
    assert_one_error_line(&out, &["dist/hello", "no space left", "--distpath"]);
    assert_eq!(out.stderr.to_lowercase().matches("space left").count(), 1, "said more than once\n{out}");
}

/// A `--python` that runs the real one, except for the compile step (five
/// arguments): there it writes its pid to `<dir>/compiling` and sleeps,
/// so a build can be caught half-way.
fn python_that_stalls_in_compile(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let marker = dir.join("compiling");
    let python = dir.join("python3");
    let script = format!(
        "#!/bin/sh\nif [ $# -eq 5 ]; then echo $$ > '{}.new' && mv '{0}.new' '{0}'; exec sleep 600; fi\nexec '{}' \"$@\"\n",
        marker.display(),
        first_python().path.display()
    );
    fs::write(&python, script).unwrap();
    fs::set_permissions(&python, fs::Permissions::from_mode(0o755)).unwrap();
    (python, marker)
}

/// Starts a build with `python` that stalls in its compile step, waits
/// until it does, sends `signal` and returns how the build ended.
fn interrupt_in_compile(dir: &Path, temp: &Path, dist: &Path, cache: &Path, signal: i32) -> std::process::ExitStatus {
    let (python, marker) = python_that_stalls_in_compile(dir);
    let mut cmd = pack(dist, &["--python", python.to_str().unwrap()]);
    cmd.env("TMPDIR", temp).env("PYBUNDLE_BUILD_CACHE", cache).stdin(std::process::Stdio::null());
    // SAFETY: signal() is async-signal-safe; a test runner may ignore SIGINT.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut build = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + HANG_GUARD;
    while !marker.exists() {
        assert!(std::time::Instant::now() < deadline && build.try_wait().unwrap().is_none(), "the build never reached its compile step");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let sleeper: i32 = fs::read_to_string(&marker).unwrap().trim().parse().unwrap();
    // SAFETY: plain kill(2) of processes this test started.
    unsafe { libc::kill(build.id() as i32, signal) };
    let status = wait_guarded(&mut build, "the interrupted build");
    unsafe { libc::kill(sleeper, libc::SIGKILL) };
    fs::remove_file(&marker).unwrap();
    status
}

/// Entries of `dir` (none if it does not exist).
fn entries(dir: &Path) -> Vec<String> {
    let Ok(list) = fs::read_dir(dir) else { return Vec::new() };
    list.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()
}

/// SIGINT or SIGTERM during a build: it ends by that signal and leaves no
/// temporary directory, partial output or build-cache temporary behind.
#[test]
fn interrupted_build_leaves_nothing_behind() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let tmp = tempdir();
        let (temp, dist, cache) = (tmp.path().join("tmp"), tmp.path().join("dist"), tmp.path().join("cache"));
        fs::create_dir(&temp).unwrap();
        let status = interrupt_in_compile(tmp.path(), &temp, &dist, &cache, signal);
        assert_eq!(status.signal(), Some(signal), "the build should end by signal {signal}: {status:?}");
        assert_eq!(entries(&temp), Vec::<String>::new(), "left in TMPDIR after signal {signal}");
        assert_nothing_created(&dist);
        let mut left = Vec::new();
        walk(&cache, &mut |p, _| left.push(p.to_path_buf()));
        assert!(left.iter().all(|p| p.extension().is_some_and(|e| e == "pyc")), "build-cache temporaries left: {left:?}");
    }
}

/// A build killed outright (SIGKILL half-way, or a file-size limit while it
/// writes the output) leaves temporaries; the next build removes them.
#[test]
fn killed_builds_leftovers_go_with_the_next_build() {
    let tmp = tempdir();
    let (temp, dist, cache) = (tmp.path().join("tmp"), tmp.path().join("dist"), tmp.path().join("cache"));
    fs::create_dir(&temp).unwrap();
    let status = interrupt_in_compile(tmp.path(), &temp, &dist, &cache, libc::SIGKILL);
    assert_eq!(status.signal(), Some(libc::SIGKILL));
    assert!(!entries(&temp).is_empty(), "the killed build left nothing in TMPDIR; the test proves nothing");

    let mut cmd = pack(&dist, &[]);
    cmd.env("TMPDIR", &temp).env("PYBUNDLE_BUILD_CACHE", &cache);
    // SAFETY: setrlimit and signal are async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
            let limit = libc::rlimit { rlim_cur: 1 << 20, rlim_max: 1 << 20 };
            match libc::setrlimit(libc::RLIMIT_FSIZE, &limit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }
    let out = run(&mut cmd);
    assert_eq!(out.signal(), Some(libc::SIGXFSZ), "the build should die writing its output\n{out}");
    assert!(entries(&dist).iter().any(|n| n != "hello"), "no partial output was left; the test proves nothing");

    assert_exit(&run(pack(&dist, &[]).env("TMPDIR", &temp).env("PYBUNDLE_BUILD_CACHE", &cache)), 0);
    assert_eq!(entries(&dist), ["hello"], "dist holds leftovers");
    assert_eq!(entries(&temp), Vec::<String>::new(), "TMPDIR holds leftovers");
    assert_hello(&run_bundle(&dist.join("hello"), HELLO_ARGS));
}
