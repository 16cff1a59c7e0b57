//! Real apps with real third-party packages (FastAPI + uvicorn, click +
//! rich, numpy, cryptography + certifi, pydantic + PyYAML, Pillow,
//! requests) from a venv made by pip (`support::venv`), each bundled
//! `--onefile --python <venv>/bin/python` and run inside the
//! distroless-like root; plus the packer's options (`-m`,
//! `--hidden-import`, `--exclude-module`, `--paths`, `--add-data`,
//! `--collect-files`, `--report`) on an app of our own.
//!
//! Each bundle is built once per test process. Outputs are checked line by
//! line; where an app's output depends on package versions, it is compared
//! with the same app run by the venv's own python.
mod support;

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::proc::{pids_running, start_until_ready, Running};
use support::root::{require_root, root_command, run_in_root, RootKind, RootWork, ROOT_ENV};
use support::venv::{real_venv, Venv};
use support::*;

// ---------------------------------------------------------------------------
// Building

fn real_app(rel: &str) -> PathBuf {
    app_path(&format!("real/{rel}"))
}

/// A bundle of this file, and the `--report` written with it (if asked).
struct RealBuild {
    built: Built,
    report: Option<PathBuf>,
}

/// What to build: a script under `tests/apps/real/`, or `-m MODULE` run
/// from a directory there (as `python -m` finds modules in the current
/// directory).
enum Entry {
    Script(&'static str),
    Module { module: &'static str, cwd: &'static str },
}

/// Builds `entry` as onefile `name` with the venv's python, once per test
/// process (in its own directory under the process scratch). `extra` is the
/// rest of the command line; `with_report` adds `--report`.
fn build(name: &'static str, entry: Entry, extra: &[&str], with_report: bool) -> &'static RealBuild {
    type Slot = OnceLock<Result<RealBuild, String>>;
    static SLOTS: OnceLock<Mutex<HashMap<&'static str, &'static Slot>>> = OnceLock::new();
    let slot: &'static Slot = {
        let mut map = SLOTS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
        map.entry(name).or_insert_with(|| Box::leak(Box::new(OnceLock::new())))
    };
    let res = slot.get_or_init(|| {
        let venv = real_venv();
        let dir = process_scratch().join("real-builds").join(name);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let dist = dir.join("dist");
        let report = with_report.then(|| dir.join("report.json"));
        let mut cmd = pybundle();
        match &entry {
            Entry::Script(script) => {
                cmd.arg(real_app(script));
            }
            Entry::Module { module, cwd } => {
                cmd.arg("-m").arg(module).current_dir(real_app(cwd));
            }
        }
        cmd.args(["--onefile", "--name", name])
            .arg("--python")
            .arg(&venv.python)
            .arg("--distpath")
            .arg(&dist)
            .args(extra);
        if let Some(r) = &report {
            cmd.arg("--report").arg(r);
        }
        let log = run(&mut cmd);
        eprintln!("built {name}: {}", log.stderr.lines().last().unwrap_or(""));
        if log.code() != Some(0) || log.stderr.contains("panicked") {
            return Err(format!("pybundle build of {name} failed\n{log}"));
        }
        let exe = dist.join(name);
        if !is_executable(&exe) {
            return Err(format!("build succeeded but {} is not an executable file\n{log}", exe.display()));
        }
        if let Some(r) = &report {
            if !r.is_file() {
                return Err(format!("--report {} was not written\n{log}", r.display()));
            }
        }
        let built = Built { mode: Mode::Onefile, name: name.to_string(), dist, output: exe.clone(), exe, log };
        Ok(RealBuild { built, report })
    });
    match res {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    }
}

// ---------------------------------------------------------------------------
// Running

/// A bundle copied into the root, with a HOME of its own there (where the
/// cache directory goes), removed at the end of the test.
struct InRoot {
    work: RootWork,
    exe: String,
    home: String,
}

impl InRoot {
    fn new(test: &str, b: &RealBuild) -> InRoot {
        require_root();
        let work = RootWork::new(test);
        let exe = work.install(&b.built);
        fs::create_dir(work.host.join("home")).unwrap();
        let home = format!("{}/home", work.inside);
        InRoot { work, exe, home }
    }

    fn env(&self) -> [(&str, &str); 2] {
        [("PATH", "/usr/bin:/bin"), ("HOME", self.home.as_str())]
    }

    fn run(&self, args: &[&str]) -> Out {
        run_in_root(RootKind::Writable, &self.exe, args, &self.env())
    }

    /// The host path of the cache directory the bundle uses by default.
    fn host_cache(&self) -> PathBuf {
        self.work.host.join("home/.cache/pybundle")
    }
}

/// The venv's python running the same app, as a user would before bundling.
fn run_plain(venv: &Venv, script: &Path, args: &[&str]) -> Out {
    let mut cmd = Command::new(&venv.python);
    minimal_env(&mut cmd).arg("-B").arg(script).args(args);
    run(&mut cmd)
}

fn assert_ok_run(out: &Out) {
    assert_no_panic(out);
    assert_exit(out, 0);
    assert!(!out.stderr.contains("Traceback"), "a traceback on stderr\n{out}");
}

fn assert_lines(out: &Out, expected: &[&str]) {
    let got: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(got, expected, "stdout is not what the app prints when it works\n{out}");
}

// ---------------------------------------------------------------------------
// A tiny HTTP/1.1 client over std::net, for the server app.

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }
}

fn bad(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg)
}

fn http_get(port: u16, path: &str) -> std::io::Result<Response> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    s.set_write_timeout(Some(Duration::from_secs(60)))?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\nConnection: close\r\n\r\n")?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad(format!("no end of headers in {:?}", String::from_utf8_lossy(&raw))))?;
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| status_line.strip_prefix("HTTP/1.0 "))
        .and_then(|r| r.get(..3))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| bad(format!("bad status line {status_line:?}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut resp = Response { status, headers, body: raw[end + 4..].to_vec() };
    if resp.header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        resp.body = unchunk(&resp.body)?;
    } else if let Some(len) = resp.header("content-length") {
        let len: usize = len.parse().map_err(|_| bad(format!("bad Content-Length {len:?}")))?;
        if resp.body.len() != len {
            return Err(bad(format!("Content-Length {len} but {} bytes came", resp.body.len())));
        }
    }
    Ok(resp)
}

fn unchunk(mut data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = data.windows(2).position(|w| w == b"\r\n").ok_or_else(|| bad("cut chunk".into()))?;
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| bad(format!("bad chunk size {size_text:?}")))?;
        data = &data[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if data.len() < size + 2 {
            return Err(bad("cut chunk".into()));
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Polls `GET path` until the server answers (the app may take a while to
/// import everything); fails if the app ends first or the bound passes.
fn wait_until_serving(server: Running, port: u16, path: &str) -> (Running, Response) {
    let mut server = server;
    let bound = Duration::from_secs(120);
    let deadline = Instant::now() + bound;
    loop {
        let err = match http_get(port, path) {
            Ok(resp) => return (server, resp),
            Err(e) => e,
        };
        if let Ok(Some(_)) = server.child.try_wait() {
            let out = server.finish();
            panic!("the server ended before answering GET {path} (last error: {err})\n{out}");
        }
        if Instant::now() > deadline {
            let _ = server.child.kill();
            let out = server.finish();
            panic!("the server did not answer GET {path} within {bound:?} (last error: {err}); killed it\n{out}");
        }
        thread::sleep(Duration::from_millis(100));
    }
}

// ---------------------------------------------------------------------------
// FastAPI + uvicorn

fn fastapi() -> &'static RealBuild {
    build("fastapi_app", Entry::Script("fastapi_app.py"), &[], false)
}

#[test]
fn fastapi_uvicorn_serves_json_in_root() {
    let b = fastapi();
    let r = InRoot::new("fastapi", b);
    let port = free_port();
    let port_arg = port.to_string();
    let mut cmd = root_command(RootKind::Writable, &r.exe, &[&port_arg], &r.env());
    let server = start_until_ready(&mut cmd);
    let server_pid = server.pid;
    let (server, health) = wait_until_serving(server, port, "/health");
    assert_eq!(health.status, 200);
    assert_eq!(health.json(), json!({"status": "ok"}));

    let resp = http_get(port, "/items/5?q=hello%20world").expect("GET /items/5");
    assert_eq!(resp.status, 200, "body: {}", String::from_utf8_lossy(&resp.body));
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(
        resp.json(),
        json!({"item": {"id": 5, "name": "item-5", "tags": ["a", "b"]}, "q": "hello world", "frozen": true})
    );
    // FastAPI's request validation (pydantic-core) answers a bad path
    // parameter with 422 and the error list.
    let resp = http_get(port, "/items/five").expect("GET /items/five");
    assert_eq!(resp.status, 422, "body: {}", String::from_utf8_lossy(&resp.body));
    let detail = resp.json();
    assert_eq!(detail["detail"][0]["type"], "int_parsing", "{detail}");
    assert_eq!(detail["detail"][0]["loc"], json!(["path", "item_id"]), "{detail}");
    let resp = http_get(port, "/nowhere").expect("GET /nowhere");
    assert_eq!(resp.status, 404);

    server.signal(libc::SIGTERM);
    let out = server.finish();
    assert_no_panic(&out);
    assert!(!out.stderr.contains("Traceback"), "a traceback on stderr\n{out}");
    // uvicorn shuts down gracefully, then (since 0.29) raises the captured
    // SIGTERM again, so the process ends by that signal, as with python.
    let by_sigterm = out.signal() == Some(libc::SIGTERM) && !out.stdout.contains("stopped");
    let returned = out.code() == Some(0) && out.stdout.lines().last() == Some("stopped");
    assert!(by_sigterm || returned, "the server did not end as uvicorn does on SIGTERM\n{out}");
    let log = format!("{}{}", out.stdout, out.stderr);
    for needle in [
        format!("Started server process [{}]", server_pid),
        format!("Uvicorn running on http://127.0.0.1:{port}"),
        "\"GET /items/5?q=hello%20world HTTP/1.1\" 200".to_string(),
        "\"GET /items/five HTTP/1.1\" 422".to_string(),
        "Shutting down".to_string(),
        "Application shutdown complete.".to_string(),
        format!("Finished server process [{}]", server_pid),
    ] {
        assert!(log.contains(&needle), "uvicorn's log lacks {needle:?}\n{out}");
    }
    let host_exe = r.work.host.join(&b.built.name);
    assert_eq!(pids_running(&host_exe), Vec::<u32>::new(), "the server still runs after it exited");
    assert!(
        TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), Duration::from_secs(2)).is_err(),
        "port {port} still accepts connections after the server exited"
    );
}

// ---------------------------------------------------------------------------
// click + rich

fn cli() -> &'static RealBuild {
    build("cli_app", Entry::Script("cli_app.py"), &[], false)
}

#[test]
fn click_rich_cli_in_root() {
    let venv = real_venv();
    let b = cli();
    let r = InRoot::new("cli", b);

    let out = r.run(&["--help"]);
    assert_ok_run(&out);
    assert!(out.stdout.starts_with("Usage: cli_app [OPTIONS] COMMAND [ARGS]...\n"), "{out}");
    for needle in ["Inventory tool bundled by pybundle.", "--version", "greet  Greet NAME.", "table  Show a table of COUNT fruits."] {
        assert!(out.stdout.contains(needle), "--help lacks {needle:?}\n{out}");
    }
    let plain = run_plain(venv, &real_app("cli_app.py"), &["--help"]);
    assert_eq!(out.stdout, plain.stdout.replace("cli_app.py", "cli_app"), "--help differs from the venv's python\n{plain}");

    let out = r.run(&["table", "3", "--title", "Fruits \u{e9}t\u{e9}"]);
    assert_ok_run(&out);
    let plain = run_plain(venv, &real_app("cli_app.py"), &["table", "3", "--title", "Fruits \u{e9}t\u{e9}"]);
    assert_ok_run(&plain);
    assert_eq!(out.stdout, plain.stdout, "the table differs from the venv's python's\n{plain}");
    for needle in ["Fruits \u{e9}t\u{e9}", "\u{2503} n \u{2503} fruit", "\u{2502} 3 \u{2502} cherry \u{2502}      9 \u{2502}", "total: 3 rows"] {
        assert!(out.stdout.contains(needle), "the table lacks {needle:?}\n{out}");
    }

    let out = r.run(&["greet", "W\u{f6}rld"]);
    assert_ok_run(&out);
    assert_eq!(out.stdout, "Hello, W\u{f6}rld!\n", "{out}");

    let out = r.run(&["--version"]);
    assert_ok_run(&out);
    assert_eq!(out.stdout, "inventory, version 1.0.0\n", "{out}");

    let out = r.run(&["table", "many"]);
    assert_exit(&out, 2);
    assert!(out.stderr.contains("Invalid value for 'COUNT'"), "click's usage error is missing\n{out}");
}

// ---------------------------------------------------------------------------
// numpy (the same build is the --report test's)

fn numpy() -> &'static RealBuild {
    build("numpy_app", Entry::Script("numpy_app.py"), &[], true)
}

#[test]
fn numpy_linalg_through_bundled_openblas_in_root() {
    let venv = real_venv();
    let b = numpy();
    let names = zip_names(&b.built.exe);
    assert!(
        names.iter().any(|n| n.starts_with(".pybundle/lib/libscipy_openblas")),
        "numpy's OpenBLAS (numpy.libs, found through RPATH $ORIGIN/../numpy.libs) is not in the bundle"
    );
    let r = InRoot::new("numpy", b);
    let out = r.run(&[]);
    assert_ok_run(&out);
    let version = format!("numpy {}", venv.versions["numpy"]);
    assert_lines(
        &out,
        &[
            "solve: [1.835165, -0.021978, 3.241758]",
            "check: True",
            "dot: -2.0",
            "inverse ok: True",
            "eig: [1.0, 3.0]",
            "det: -91.0",
            "openblas mapped: True",
            &version,
        ],
    );
    assert_eq!(out.stderr, "", "{out}");
}

/// The same app onedir: numpy's files, namespace directories among them
/// (`numpy/doc/`), are placed in `_internal/`, and it prints what the
/// onefile bundle prints.
#[test]
fn numpy_app_runs_onedir() {
    let venv = real_venv();
    let tmp = tempdir();
    let script = real_app("numpy_app.py");
    let py = Python { label: "venv".into(), path: venv.python.clone() };
    let b = build_into(&script, Mode::Onedir, Some("numpy_app"), &py, tmp.path(), &[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(b.output.join("_internal/numpy/doc").is_dir(), "numpy's namespace directory numpy/doc is not in _internal/");
    let out = run_bundle(&b.exe, &[]);
    assert_ok_run(&out);
    let onefile = run_bundle(&numpy().built.exe, &[]);
    assert_eq!(out.stdout, onefile.stdout, "onedir and onefile print differently\n{out}\n{onefile}");
}

// ---------------------------------------------------------------------------
// cryptography + certifi + ssl

fn crypto() -> &'static RealBuild {
    // cryptography's Rust extension imports `_cffi_backend` from native code,
    // which no source shows: it comes because cffi is in cryptography's
    // Requires-Dist.
    build("crypto_app", Entry::Script("crypto_app.py"), &[], false)
}

/// A requirement whose environment marker is false on the bundle's Python
/// is not followed: cryptography requires typing-extensions only where
/// `python_full_version < '3.11'`. The venv has it (pydantic requires it
/// everywhere) and its Python is 3.11, so the cryptography app's bundle
/// leaves it out, and with it the asyncio it imports; cffi, required where
/// `platform_python_implementation != 'PyPy'`, is in.
#[test]
fn requirements_for_other_pythons_are_not_followed() {
    let venv = real_venv();
    assert!(venv.versions.contains_key("typing-extensions"), "the venv should have typing-extensions: {:?}", venv.versions);
    let names = zip_names(&crypto().built.exe);
    assert!(names.iter().any(|n| n.starts_with("_cffi_backend.")), "cffi's _cffi_backend is missing");
    for absent in ["typing_extensions.pyc", "asyncio/__init__.pyc"] {
        assert!(!names.iter().any(|n| n == absent), "{absent} is in the cryptography app's bundle");
    }
}

#[test]
fn cryptography_fernet_and_certifi_ca_bundle_in_root() {
    let b = crypto();
    let r = InRoot::new("crypto", b);
    let out = r.run(&[]);
    assert_ok_run(&out);
    assert_lines(
        &out,
        &[
            "token differs: True",
            "round trip: attack at dawn \u{2713}",
            "wrong key: InvalidToken",
            "certifi file: True True",
            "certifi in _MEIPASS: True",
            "certifi certs > 100: True",
            "ssl ca certs > 100: True",
            "verify mode: True",
        ],
    );
    // certifi.where() is served from the bundle: nothing was placed in
    // the cache directory.
    let mut pems = Vec::new();
    walk(&r.host_cache(), &mut |p, _| {
        if p.file_name().is_some_and(|n| n == "cacert.pem") {
            pems.push(p.to_path_buf());
        }
    });
    assert!(pems.is_empty(), "certifi's CA bundle was written to the cache: {pems:?}");
}

// ---------------------------------------------------------------------------
// pydantic v2 + PyYAML's C loader, also in the read-only root

fn pydantic_yaml() -> &'static RealBuild {
    // pydantic imports rich in a debugging helper, and rich reaches
    // pygments, whose image formatter reaches Pillow and numpy; numpy opens
    // files by path, so it would be placed on disk, which a read-only root
    // cannot do. Leaving rich out makes a bundle that needs no disk.
    build("pydantic_yaml_app", Entry::Script("pydantic_yaml_app.py"), &["--exclude-module", "rich"], false)
}

const PYDANTIC_YAML_OUT: &[&str] = &[
    "pydantic major: 2",
    "core: pydantic_core._pydantic_core False",
    "CLoader: True",
    "loader is C: yaml.cyaml yaml._yaml",
    "product: widget 12.5 ['blue', 'small'] [('lyon', 0), ('paris', 3)]",
    "json: {\"name\":\"widget\",\"price\":12.5,\"tags\":[\"blue\",\"small\"],\"stock\":{\"paris\":3,\"lyon\":0}}",
    "errors: 3 ['greater_than', 'int_parsing', 'list_type']",
    "dump: a: x | b: | - 1 | - 2",
];

#[test]
fn pydantic_and_yaml_cloader_in_root() {
    let b = pydantic_yaml();
    let names: BTreeSet<String> = zip_names(&b.built.exe).into_iter().collect();
    assert!(!names.iter().any(|n| n.starts_with("rich/")), "--exclude-module rich: rich is still bundled");
    assert!(
        names.iter().any(|n| n.starts_with("yaml/_yaml.") && n.ends_with(".so")),
        "PyYAML's C extension yaml/_yaml*.so is not bundled"
    );
    let r = InRoot::new("pydantic", b);
    let out = r.run(&[]);
    assert_ok_run(&out);
    assert_lines(&out, PYDANTIC_YAML_OUT);
    assert_eq!(out.stderr, "", "{out}");
}

#[test]
fn pydantic_and_yaml_cloader_in_readonly_root() {
    require_root();
    let b = pydantic_yaml();
    let work = RootWork::new("pydantic-ro");
    let exe = work.install(&b.built);
    let out = run_in_root(RootKind::ReadOnly, &exe, &[], ROOT_ENV);
    assert_ok_run(&out);
    assert_lines(&out, PYDANTIC_YAML_OUT);
    assert_eq!(out.stderr, "", "{out}");
}

// ---------------------------------------------------------------------------
// Pillow

#[test]
fn pillow_png_in_root() {
    let b = build("pillow_app", Entry::Script("pillow_app.py"), &[], false);
    let r = InRoot::new("pillow", b);
    let png_inside = format!("{}/out.png", r.work.inside);
    let out = r.run(&[&png_inside]);
    assert_ok_run(&out);
    assert_lines(
        &out,
        &[
            "text drawn: True",
            "red area: True",
            "format: PNG",
            "size: (40, 60)",
            "mode: RGBA",
            "corner: (255, 255, 255, 255)",
            "same pixels: True",
            "signature: True",
        ],
    );
    // The file is a real PNG of 40x60 RGBA, read back here from its header.
    let png = fs::read(r.work.host.join("out.png")).expect("the app wrote no out.png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height, png[24], png[25]), (40, 60, 8, 6), "not a 40x60 8-bit RGBA PNG");
}

// ---------------------------------------------------------------------------
// requests against http.server on loopback

#[test]
fn requests_against_local_http_server_in_root() {
    let venv = real_venv();
    let b = build("requests_app", Entry::Script("requests_app.py"), &[], false);
    let r = InRoot::new("requests", b);
    let out = r.run(&[]);
    assert_ok_run(&out);
    let major = format!("requests {}", venv.versions["requests"].split('.').next().unwrap());
    assert_lines(
        &out,
        &[
            "status: 200",
            "type: text/plain; charset=utf-8",
            "text: served by http.server \u{2713} | path=/hello?x=1",
            &major,
        ],
    );
}

// ---------------------------------------------------------------------------
// The packer's options, on an app of our own (tests/apps/real/opts)

fn optapp() -> &'static RealBuild {
    build(
        "optapp",
        Entry::Module { module: "optapp", cwd: "opts" },
        &[
            "--hidden-import",
            "optapp.plugins.secret",
            "--exclude-module",
            "optapp.heavy",
            "--paths",
            "../extra",
            "--add-data",
            "../assets:assets",
            "--collect-files",
            "filepkg",
        ],
        true,
    )
}

const OPTAPP_OUT: &[&str] = &[
    "main: __main__ 0.4 frozen",
    "plugin: {\"plugin\": \"optapp.plugins.secret\", \"hidden\": true}",
    "heavy: not bundled",
    "extramod: FROM THE EXTRA DIR!",
    "add-data: Bonjour from --add-data \u{e9}t\u{e9}",
    "collect-files: cities=7 fruits=15",
];

/// The bundle prints what the app prints unbundled, apart from the two lines
/// the options change: the app knows it is frozen, and `--exclude-module`
/// left `optapp.heavy` out (unbundled, it is there).
#[test]
fn options_app_runs_as_plain_python_does() {
    let b = optapp();
    let bundled = run_bundle(&b.built.exe, &["optapp.plugins.secret"]);
    assert_ok_run(&bundled);
    assert_lines(&bundled, OPTAPP_OUT);
    let venv = real_venv();
    let mut cmd = Command::new(&venv.python);
    minimal_env(&mut cmd)
        .env("PYTHONPATH", real_app("extra"))
        .current_dir(real_app("opts"))
        .args(["-B", "-m", "optapp", "optapp.plugins.secret"]);
    let plain = run(&mut cmd);
    assert_ok_run(&plain);
    let mut expected: Vec<String> = bundled.stdout.lines().map(String::from).collect();
    expected[0] = expected[0].replace(" frozen", " plain");
    expected[2] = "heavy: a module that --exclude-module leaves out".into();
    assert_lines(&plain, &expected.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn options_m_hidden_import_exclude_paths_add_data_collect_files_in_root() {
    let b = optapp();
    let names: BTreeSet<String> = zip_names(&b.built.exe).into_iter().collect();
    assert!(names.contains("optapp/plugins/secret.pyc"), "--hidden-import: optapp.plugins.secret is not bundled");
    assert!(!names.iter().any(|n| n.contains("optapp/heavy")), "--exclude-module optapp.heavy: it is bundled");
    assert!(names.contains("extramod.pyc"), "--paths ../extra: extramod is not bundled");

    let r = InRoot::new("optapp", b);
    let out = r.run(&["optapp.plugins.secret"]);
    assert_ok_run(&out);
    assert_lines(&out, OPTAPP_OUT);
    assert_eq!(out.stderr, "", "{out}");

    // The --collect-files package's data and the --add-data file are
    // served from the bundle: none of them is placed in the cache.
    let cache = r.host_cache();
    let placed = inventory(&cache);
    for f in ["filepkg/tables/cities.csv", "filepkg/tables/fruits.csv", "assets/message.txt"] {
        assert!(!placed.keys().any(|p| p.to_string_lossy().ends_with(f)), "{f} was placed in the cache {}", cache.display());
    }

    // The excluded module cannot be imported by name either.
    let out = r.run(&["optapp.heavy"]);
    assert_exit(&out, 1);
    assert!(out.stderr.contains("ModuleNotFoundError: No module named 'optapp.heavy'"), "{out}");
}

/// The --collect-files package and --add-data file need nothing writable.
#[test]
fn readonly_root_serves_collect_files_package() {
    require_root();
    let b = optapp();
    let work = RootWork::new("optapp-ro");
    let exe = work.install(&b.built);
    let out = run_in_root(RootKind::Sealed, &exe, &["optapp.plugins.secret"], ROOT_ENV);
    assert_ok_run(&out);
    assert_lines(&out, OPTAPP_OUT);
}

#[test]
fn unknown_hidden_import_is_one_line_build_error() {
    let venv = real_venv();
    let tmp = tempdir();
    let dist = tmp.path().join("dist");
    let out = run(pybundle()
        .arg(real_app("requests_app.py"))
        .args(["--onefile", "-q", "--hidden-import", "no_such_module_pb4"])
        .arg("--python")
        .arg(&venv.python)
        .arg("--distpath")
        .arg(&dist));
    assert_one_error_line(&out, &["no_such_module_pb4"]);
    assert_nothing_created(&dist);
}

// ---------------------------------------------------------------------------
// --report

fn read_report(b: &RealBuild) -> Value {
    let path = b.report.as_ref().expect("built with --report");
    serde_json::from_slice(&fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// name -> (kind, why, size, stored_size), checking each entry's shape.
fn report_entries(report: &Value) -> HashMap<String, (String, String, u64, u64)> {
    let entries = report["entries"].as_array().expect("report has an entries array");
    assert!(!entries.is_empty(), "report lists no entries");
    let mut map = HashMap::new();
    for e in entries {
        let field = |k: &str| e[k].as_str().unwrap_or_else(|| panic!("entry without a string {k}: {e}")).to_string();
        let num = |k: &str| e[k].as_u64().unwrap_or_else(|| panic!("entry without a number {k}: {e}"));
        let (name, kind, why) = (field("name"), field("kind"), field("why"));
        assert!(!why.trim().is_empty(), "entry without a reason: {e}");
        let prev = map.insert(name.clone(), (kind, why, num("size"), num("stored_size")));
        assert!(prev.is_none(), "{name} is listed twice");
    }
    map
}

#[test]
fn report_lists_numpy_with_reasons_sizes_and_missing_imports() {
    let b = numpy();
    let report = read_report(b);
    let entries = report_entries(&report);

    // It describes this bundle: every file entry of the archive is listed.
    let zipped: BTreeSet<String> = zip_names(&b.built.exe).into_iter().filter(|n| !n.ends_with('/')).collect();
    let listed: BTreeSet<String> = entries.keys().filter(|n| !n.ends_with('/')).cloned().collect();
    let unlisted: Vec<&String> = zipped.difference(&listed).filter(|n| !n.starts_with(".pybundle/manifest")).collect();
    assert!(unlisted.is_empty(), "archive entries missing from the report: {unlisted:?}");
    let phantom: Vec<&String> = listed.difference(&zipped).collect();
    assert!(phantom.is_empty(), "report entries not in the archive: {phantom:?}");

    let (kind, why, _, _) = &entries["__main__.pyc"];
    assert_eq!(kind, "bytecode");
    assert!(why.contains("entry"), "__main__'s reason: {why:?}");

    // numpy opens files by path, which the onefile bundle serves: its
    // modules stay at their import paths.
    let numpy: Vec<(&String, &(String, String, u64, u64))> =
        entries.iter().filter(|(n, _)| n.starts_with("numpy/") && n.ends_with(".pyc")).collect();
    assert!(numpy.len() > 100, "only {} numpy modules listed", numpy.len());
    // Imported by the app, or there as part of the distribution the app
    // reached.
    let init = &entries["numpy/__init__.pyc"].1;
    assert!(init.contains("__main__"), "numpy/__init__'s reason {init:?} does not name the app's __main__");
    for (name, (_, why, _, _)) in &numpy {
        assert!(
            why.contains("numpy") || why.starts_with("imported by "),
            "{name}: the reason {why:?} names neither the numpy distribution nor an importer"
        );
    }
    let by_dist = numpy.iter().filter(|(_, e)| e.1.contains("distribution numpy")).count();
    assert!(by_dist > 10, "only {by_dist} numpy modules say they are part of the numpy distribution");
    let (bytecode, stored): (u64, u64) = numpy.iter().fold((0, 0), |(a, b), (_, e)| (a + e.2, b + e.3));
    assert!(stored < bytecode, "numpy's bytecode is not smaller stored ({stored}) than raw ({bytecode})");

    let multiarray = entries
        .iter()
        .find(|(n, _)| n.starts_with("numpy/_core/_multiarray_umath.") && n.ends_with(".so"))
        .unwrap_or_else(|| panic!("numpy's _multiarray_umath extension is not listed"));
    assert_eq!(multiarray.1 .0, "extension", "{multiarray:?}");
    let openblas = entries
        .iter()
        .find(|(n, _)| n.contains("libscipy_openblas"))
        .unwrap_or_else(|| panic!("OpenBLAS is not listed"));
    assert_eq!(openblas.1 .0, "library", "{openblas:?}");
    assert!(openblas.1 .2 > 1_000_000 && openblas.1 .3 > 0, "OpenBLAS sizes: {openblas:?}");
    let on_disk = fs::metadata(&b.built.exe).unwrap().len();
    let stored_total: u64 = entries.values().map(|e| e.3).sum();
    assert!(stored_total < on_disk, "stored sizes ({stored_total}) exceed the bundle ({on_disk})");
    assert!(
        entries.values().any(|e| e.1.starts_with("imported by ")),
        "no entry says which module imported it"
    );

    let missing = report["missing"].as_array().expect("report has a missing array");
    assert!(!missing.is_empty(), "numpy's optional imports (e.g. of other platforms) should be listed as missing");
    for m in missing {
        assert!(m["name"].is_string() && m["optional"].is_boolean() && m.get("imported_by").is_some(), "{m}");
    }
}

#[test]
fn report_gives_reasons_for_options() {
    let b = optapp();
    let entries = report_entries(&read_report(b));
    let why = |n: &str| entries.get(n).unwrap_or_else(|| panic!("{n} not in the report")).1.clone();
    assert!(why("optapp/plugins/secret.pyc").contains("option"), "{}", why("optapp/plugins/secret.pyc"));
    assert!(why("extramod.pyc").contains("optapp.__main__"), "{}", why("extramod.pyc"));
    let data = entries
        .iter()
        .find(|(n, _)| n.ends_with("assets/message.txt"))
        .unwrap_or_else(|| panic!("the --add-data file is not listed"));
    assert!(data.1 .1.contains("--add-data"), "{data:?}");
    assert!(!entries.keys().any(|n| n.contains("optapp/heavy")), "the excluded module is listed");
}
