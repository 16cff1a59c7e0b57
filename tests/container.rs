//! `examples/distroless/Dockerfile` with a real container engine: podman and
//! runc from Debian (scripts/setup.sh), configured by
//! `tests/container/containers.conf` through `CONTAINERS_CONF`. No registry
//! is reachable, so the distroless-like test root is imported as the base
//! image, and the Dockerfile's final stage is built on it (`--build-arg
//! BASE=...`) with a bundle made on the host in place of the build stage's.
//! The containers run read-only, as nonroot, and the FastAPI example answers
//! over HTTP from inside.
mod support;

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use support::root::{host_tool, require_root, root};
use support::venv::real_venv;
use support::*;

/// podman with the tests' containers.conf.
fn podman() -> Command {
    let exe = host_tool("podman").expect("podman is missing: run scripts/setup.sh (it installs podman and runc)");
    assert!(host_tool("runc").is_some(), "runc is missing: run scripts/setup.sh");
    let mut cmd = Command::new(exe);
    cmd.env("CONTAINERS_CONF", manifest_dir().join("tests/container/containers.conf"));
    cmd
}

fn podman_ok(args: &[&str]) -> Out {
    let out = run(podman().args(args));
    assert_exit(&out, 0);
    out
}

/// Images and containers of one test, removed when it ends.
struct Engine {
    tag: String,
    images: Vec<String>,
    containers: Vec<String>,
}

impl Engine {
    fn new(test: &str) -> Engine {
        require_root();
        Engine { tag: format!("{test}-{}", support::pid_namespace::run_id()), images: Vec::new(), containers: Vec::new() }
    }

    /// The distroless-like root as a local image.
    fn import_base(&mut self) -> String {
        let image = format!("localhost/pybundle-test-distroless:{}", self.tag);
        let dir = tempdir();
        let tar = dir.path().join("root.tar");
        assert_exit(&run(Command::new("tar").arg("-C").arg(root()).arg("-cf").arg(&tar).arg(".")), 0);
        podman_ok(&["import", tar.to_str().unwrap(), &image]);
        self.images.push(image.clone());
        image
    }

    /// The Dockerfile's final stage, built FROM `base` with `bundle` where
    /// its build stage leaves the app.
    fn build_final_stage(&mut self, base: &str, bundle: &Path) -> String {
        let context = tempdir();
        fs::copy(bundle, context.path().join("app")).unwrap();
        let dockerfile = fs::read_to_string(manifest_dir().join("examples/distroless/Dockerfile")).unwrap();
        fs::write(context.path().join("Containerfile"), final_stage(&dockerfile)).unwrap();
        let image = format!("localhost/pybundle-test-app:{}", self.tag);
        let build_arg = format!("BASE={base}");
        let out = run(podman().args(["build", "--pull=never", "--layers=false", "--build-arg", &build_arg, "-t", &image, "-f"]).arg(context.path().join("Containerfile")).arg(context.path()));
        assert_exit(&out, 0);
        self.images.push(image.clone());
        image
    }

    /// `podman run` read-only (with no tmpfs, as Docker does) as nonroot.
    fn run_args(&self, image: &str) -> Vec<String> {
        ["run", "--rm", "--read-only", "--read-only-tmpfs=false", "--user", "65532", "--network", "host", "--pull=never"]
            .into_iter()
            .map(String::from)
            .chain([image.to_string()])
            .collect()
    }

    fn start(&mut self, image: &str, env: &[(&str, &str)]) -> String {
        let name = format!("pybundle-test-{}", self.tag);
        let mut args = self.run_args(image);
        let at = args.len() - 1;
        args.splice(at..at, ["-d".to_string(), "--name".to_string(), name.clone()]);
        for (key, value) in env {
            args.splice(at..at, ["-e".to_string(), format!("{key}={value}")]);
        }
        podman_ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        self.containers.push(name.clone());
        name
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        for container in &self.containers {
            let _ = run(podman().args(["rm", "-f", "-t", "2", container]));
        }
        for image in self.images.iter().rev() {
            let _ = run(podman().args(["rmi", "-f", image]));
        }
    }
}

/// The example's `ARG BASE=...` and final stage, after a stage named `build`
/// that holds the host's bundle where the example's build stage writes it.
fn final_stage(dockerfile: &str) -> String {
    let base_arg = dockerfile.lines().find(|l| l.starts_with("ARG BASE=")).expect("the Dockerfile has ARG BASE=...");
    let at = dockerfile.rfind("\nFROM ${BASE}").expect("the Dockerfile's last stage is FROM ${BASE}");
    let last = &dockerfile[at + 1..];
    for line in ["COPY --from=build /app/dist/app /app", "USER nonroot", "ENTRYPOINT [\"/app\"]"] {
        assert!(last.contains(line), "the final stage lacks {line:?}:\n{last}");
    }
    format!("{base_arg}\nFROM scratch AS build\nCOPY app /app/dist/app\n\n{last}")
}

#[test]
fn hello_runs_read_only_as_nonroot_in_the_final_stage() {
    let mut engine = Engine::new("hello");
    let built = shared_build(App::Hello, Mode::Onefile, first_python());
    let base = engine.import_base();
    let image = engine.build_final_stage(&base, &built.exe);
    let mut args = engine.run_args(&image);
    args.extend(["one".to_string(), "two words".to_string()]);
    let out = run(podman().args(&args));
    assert_exit(&out, 3);
    assert_eq!(out.stdout, "hello from pybundle\nargs: ['one', 'two words']\n", "{out}");
}

#[test]
fn fastapi_example_answers_over_http_from_the_container() {
    let mut engine = Engine::new("fastapi");
    let venv = real_venv();
    let tmp = tempdir();
    let out = run(pybundle()
        .arg(manifest_dir().join("examples/distroless/app.py"))
        .args(["--onefile", "--name", "app", "--python"])
        .arg(&venv.python)
        .arg("--distpath")
        .arg(tmp.path()));
    assert_exit(&out, 0);
    let base = engine.import_base();
    let image = engine.build_final_stage(&base, &tmp.path().join("app"));
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let container = engine.start(&image, &[("PORT", &port)]);

    let health = wait_for_http(&container, &port, "/health");
    assert_eq!(health, (200, serde_json::json!({"status": "ok"})));
    let hello = http_get(&port, "/hello/pybundle").expect("GET /hello/pybundle");
    assert_eq!(hello, (200, serde_json::json!({"hello": "pybundle", "frozen": true, "uid": 65532})));
    let logs = podman_ok(&["logs", &container]);
    assert!(logs.stderr.contains(&format!("Uvicorn running on http://0.0.0.0:{port}")), "{logs}");
}

/// Polls `GET path` until the container answers, for at most two minutes;
/// fails with the container's log if it ends or never answers.
fn wait_for_http(container: &str, port: &str, path: &str) -> (u16, serde_json::Value) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match http_get(port, path) {
            Ok(answer) => return answer,
            Err(error) if Instant::now() > deadline => {
                let logs = run(podman().args(["logs", container]));
                panic!("the container did not answer GET {path} ({error})\n{logs}");
            }
            Err(_) => {}
        }
        let state = run(podman().args(["inspect", "-f", "{{.State.Running}}", container]));
        if state.stdout.trim() != "true" {
            let logs = run(podman().args(["logs", container]));
            panic!("the container stopped before answering GET {path}\n{state}\n{logs}");
        }
        thread::sleep(Duration::from_millis(200));
    }
}

/// An HTTP/1.0 GET on 127.0.0.1: the status and the JSON body.
fn http_get(port: &str, path: &str) -> Result<(u16, serde_json::Value), String> {
    let mut stream = TcpStream::connect(format!("127.0.0.1:{port}")).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| format!("no end of headers in {text:?}"))?;
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| format!("no status in {head:?}"))?;
    let json = serde_json::from_str(body).map_err(|e| format!("{e} in {body:?}"))?;
    Ok((status, json))
}
