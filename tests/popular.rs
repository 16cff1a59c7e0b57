//! Popular packages with no options: one small app each under
//! `tests/apps/popular/`, its packages installed by pip into a cached venv
//! (`support::venv::popular_venv`), bundled `--onefile` with nothing but
//! `--python` (and `--report`, which changes nothing in the bundle), and
//! run inside the distroless-like root with nothing writable at all, as
//! distroless's nonroot user. Each bundle's output must be what the venv's
//! own python prints for the same app.
mod support;

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use support::root::{require_root, root_command_as, RootKind, RootWork, NONROOT};
use support::venv::{popular_venv, Venv};
use support::*;

/// A bundle and its `--report`.
struct PopularBuild {
    built: Built,
    report: Value,
}

fn script(app: &str) -> PathBuf {
    app_path(&format!("popular/{app}_app.py"))
}

/// Builds `tests/apps/popular/<app>_app.py` onefile with the venv's python.
fn build(venv: &Venv, app: &str, extra: &[&str]) -> PopularBuild {
    let dir = process_scratch().join("popular").join(app);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let report = dir.join("report.json");
    let mut args: Vec<&str> = vec!["--report", report.to_str().unwrap()];
    args.extend(extra);
    let built = build_into(&script(app), Mode::Onefile, None, &venv.as_python(), &dir.join("dist"), &args)
        .unwrap_or_else(|e| panic!("{app}: {e}"));
    eprintln!("built {app}: {}", built.log.stderr.lines().last().unwrap_or(""));
    let report = serde_json::from_slice(&fs::read(&report).unwrap()).unwrap();
    PopularBuild { built, report }
}

/// The venv's python running the app, as a user would before bundling.
fn run_plain(venv: &Venv, app: &str, args: &[&str]) -> Out {
    let mut cmd = Command::new(&venv.python);
    // Isolated but for the script's directory on sys.path, as in the bundle.
    minimal_env(&mut cmd).args(["-E", "-s", "-B"]).arg(script(app)).args(args).current_dir(script(app).parent().unwrap());
    run(&mut cmd)
}

/// Runs the bundle in the distroless-like root where nothing is writable
/// (read-only root, read-only /tmp and /dev/shm), as the nonroot user.
fn run_bundled(app: &str, built: &Built, args: &[&str]) -> Out {
    let work = RootWork::new(&format!("popular-{app}"));
    let exe = work.install(built);
    let env = [("PATH", "/usr/bin:/bin"), ("HOME", "/home/nonroot")];
    run(&mut root_command_as(RootKind::Sealed, Some(NONROOT), &exe, args, &env))
}

/// Builds `app` with `extra` options, runs it in the root and checks that
/// it prints what the venv's python prints; returns the build.
fn check(app: &str, extra: &[&str]) -> PopularBuild {
    check_with_args(app, extra, &[])
}

/// [`check`], running the app with `args`.
fn check_with_args(app: &str, extra: &[&str], args: &[&str]) -> PopularBuild {
    require_root();
    let venv = popular_venv();
    let plain = run_plain(venv, app, args);
    assert_eq!(plain.code(), Some(0), "the app fails in plain python\n{plain}");
    let build = build(venv, app, extra);
    let bundled = run_bundled(app, &build.built, args);
    assert_eq!(bundled.code(), Some(0), "{app} bundle failed\n{bundled}");
    assert_eq!(bundled.stdout, plain.stdout, "{app}: bundle and python differ\n{bundled}");
    build
}

/// Why the report says entry `name` is in the bundle, if it is.
fn why<'r>(report: &'r Value, name: &str) -> Option<&'r str> {
    let entries = report["entries"].as_array().expect("report entries");
    entries.iter().find(|e| e["name"] == name).and_then(|e| e["why"].as_str())
}

/// The archive entries (`name` in the report) that start with `prefix`,
/// wherever they are placed (in the archive, or on disk at run time).
fn entries_under<'r>(report: &'r Value, prefix: &str) -> Vec<&'r str> {
    let entries = report["entries"].as_array().expect("report entries");
    let names = entries.iter().filter_map(|e| e["name"].as_str());
    names.filter(|n| n.strip_prefix(".pybundle/files/").unwrap_or(n).starts_with(prefix)).collect()
}

#[test]
fn flask_test_client() {
    check("flask", &[]);
}

#[test]
fn jinja2_package_and_file_loaders() {
    let data = format!("{}:jinja2_data", app_path("popular/jinja2_data").display());
    let build = check("jinja2", &["--add-data", &data]);
    assert!(!entries_under(&build.report, "jinja2/tests.pyc").is_empty());
}

#[test]
fn django_migrate_users_templates() {
    let build = check("django", &[]);
    assert!(!entries_under(&build.report, "django/contrib/auth/migrations/0001_initial.pyc").is_empty());
    assert!(!entries_under(&build.report, "django_site/settings.pyc").is_empty());
    // A command module named like a test suite, found by listing its package.
    assert!(!entries_under(&build.report, "django/core/management/commands/test.pyc").is_empty());
}

/// orjson's Rust code imports `json` (and `uuid`, `dataclasses`, `enum`)
/// where no source shows it: only the import probe sees it; without it the
/// bundle would crash inside orjson.
#[test]
fn orjson_dataclass_uuid_datetime() {
    let build = check("orjson", &[]);
    assert_eq!(why(&build.report, "json/encoder.pyc"), Some("imported at import time by orjson"));
    let unprobed = self::build(popular_venv(), "orjson", &["--no-import-probe"]);
    assert_eq!(why(&unprobed.report, "json/encoder.pyc"), None, "--no-import-probe still probed");
}

/// `--trace-run` bundles a module the app imports by a name from its
/// command line; without it the bundle cannot import it. The tzdata file
/// the app opens by a path built at run time is served either way.
#[test]
fn trace_run_sees_imports_and_opened_files() {
    let build = check_with_args("trace", &["--trace-run", "colorsys"], &["colorsys"]);
    assert_eq!(why(&build.report, "colorsys.pyc"), Some("seen at run (--trace-run)"));
    assert!(!build.built.log.stderr.contains("placed on disk"), "{}", build.built.log);
    let untraced = self::build(popular_venv(), "trace", &[]);
    assert_eq!(why(&untraced.report, "colorsys.pyc"), None);
    let failed = run_bundled("trace", &untraced.built, &["colorsys"]);
    assert_ne!(failed.code(), Some(0), "{failed}");
    let served = run_bundled("trace", &untraced.built, &["os"]);
    assert_eq!(served.stdout, "os b'TZif'\n", "{served}");
}

#[test]
fn trace_run_with_an_unclosed_quote_is_refused() {
    let venv = popular_venv();
    let dist = process_scratch().join("popular-bad-trace");
    let out = run(pybundle().arg(script("trace")).arg("--python").arg(&venv.python).arg("--distpath").arg(&dist).args(["--trace-run", "'unclosed"]));
    assert_ne!(out.code(), Some(0), "{out}");
    assert_eq!(out.stderr_lines().len(), 1, "{out}");
    assert!(out.stderr.starts_with("pybundle: error: --trace-run"), "{out}");
    assert!(!dist.exists());
}

#[test]
fn pandas_csv_time_zones_groupby() {
    let build = check("pandas", &[]);
    for unwanted in ["pyarrow/", "matplotlib/", "scipy/"] {
        assert!(entries_under(&build.report, unwanted).is_empty(), "the pandas app carries {unwanted}");
    }
}

#[test]
fn markdown_table_and_fenced_code() {
    check("markdown", &[]);
}

#[test]
fn zoneinfo_with_tzdata_package() {
    let build = check("zoneinfo", &[]);
    assert!(!entries_under(&build.report, "tzdata/zoneinfo/Europe/Paris").is_empty());
}

#[test]
fn boto3_clients_and_resources() {
    check("boto3", &[]);
}

#[test]
fn grpc_protobuf_message() {
    let build = check("grpc", &[]);
    // protobuf's benchmark module imports numpy, which the app never runs.
    assert!(entries_under(&build.report, "numpy").is_empty(), "the grpc app carries numpy");
    let left_out = build.report["left_out"].as_array().expect("left_out in the report");
    assert!(left_out.iter().any(|l| l["name"] == "numpy"), "{left_out:?}");
}

#[test]
fn babel_locale_data() {
    check("babel", &[]);
}

#[test]
fn lxml_xpath_xslt() {
    check("lxml", &[]);
}

#[test]
fn httpx_local_server() {
    check("httpx", &[]);
}

/// certifi's CA bundle, opened by OpenSSL through the path certifi gives.
#[test]
fn certifi_ssl_context() {
    check("certifi", &[]);
}

#[test]
fn requests_local_server() {
    check("requests", &[]);
}

#[test]
fn pytz_zone_files() {
    check("pytz", &[]);
}
