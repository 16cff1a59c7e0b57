//! The bundle's own importer as code sees it: `__main__`'s loader, paths
//! that agree (`__file__`, `co_filename`, `__spec__.origin`, `__path__`),
//! `inspect.getmodule`, the PEP 302 loader methods, `importlib.resources`
//! of regular and namespace packages, `get_data`, `pkgutil.iter_modules`,
//! `runpy`: the app prints what it sees, and a bundle (onefile and onedir,
//! in the distroless-like root, read-only) must print what plain python
//! prints, on every CPython found.
mod support;

use support::matrix::*;
use support::root::{require_root, run_in_root, RootKind, RootWork, ROOT_ENV};
use support::*;

#[test]
fn the_importer_behaves_as_python_does() {
    require_root();
    let script = app_path("importer_app/main.py");
    for_each_cpython("importer", |py| {
        let mut plain = std::process::Command::new(&py.path);
        plain.arg(&script).current_dir(script.parent().unwrap());
        let expected = run(minimal_env(&mut plain));
        assert_exit(&expected, 0);
        for mode in [Mode::Onefile, Mode::Onedir] {
            let built = shared_build_of(&script, Some("importer_app"), mode, py, &[]);
            let work = RootWork::new("importer");
            let exe = work.install(built);
            let out = run_in_root(RootKind::ReadOnly, &exe, &[], ROOT_ENV);
            assert_exit(&out, 0);
            assert_eq!(out.stdout, expected.stdout, "{} {mode:?}: the bundle sees imports differently\n{out}", py.label);
        }
        String::new()
    });
}

/// A damaged `.pyc` is refused before any of its code runs: one line,
/// exit 126, never a traceback or a crash.
#[test]
fn a_damaged_module_is_refused_before_it_runs() {
    let py = first_python();
    let built = shared_build_of(&app_path("importer_app/main.py"), Some("importer_app"), Mode::Onefile, py, &[]);
    let (name, start, len) = zip_entry_data_range(&built.exe, "regular/mod.pyc");
    assert_eq!(name, "regular/mod.pyc");
    let tmp = tempdir();
    let copy = tmp.path().join("damaged");
    let mut bytes = std::fs::read(&built.exe).unwrap();
    let at = (start + len / 2) as usize;
    bytes[at] ^= 0x55;
    std::fs::write(&copy, &bytes).unwrap();
    std::fs::set_permissions(&copy, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = run_bundle(&copy, &[]);
    assert_exit(&out, 126);
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "expected one line\n{out}");
    assert!(lines[0].starts_with("pybundle: ") && lines[0].contains("damaged") && lines[0].contains("regular/mod.pyc"), "{out}");
    assert_eq!(out.stdout, "", "{out}");
}

/// `importlib.metadata` sees a distribution that an `*.egg-info`
/// directory describes, found through `--paths` (a source checkout), as
/// python does with the same directory on its path.
#[test]
fn an_egg_info_distribution_on_paths_is_seen() {
    require_root();
    let script = app_path("egg_app/main.py");
    let src = app_path("egg_app/src");
    for_each_cpython("egg-info", |py| {
        let mut plain = std::process::Command::new(&py.path);
        plain.arg("-B").arg(&script);
        let expected = run(minimal_env(&mut plain).env("PYTHONPATH", &src));
        assert_exit(&expected, 0);
        assert!(expected.stdout.starts_with("egg 1.2.3 an egg\n"), "{expected}");
        for mode in [Mode::Onefile, Mode::Onedir] {
            let built = shared_build_of(&script, Some("egg_app"), mode, py, &["--paths", src.to_str().unwrap()]);
            assert!(!built.log.stderr.contains("import probe: importing"), "the app's own package was import-probed\n{}", built.log);
            let work = RootWork::new("egg-info");
            let exe = work.install(built);
            let out = run_in_root(RootKind::ReadOnly, &exe, &[], ROOT_ENV);
            assert_exit(&out, 0);
            assert_eq!(out.stdout, expected.stdout, "{} {mode:?}\n{out}", py.label);
        }
        String::new()
    });
}
