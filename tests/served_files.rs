//! A Linux onefile bundle serves its package files by path to the app
//! itself, as a read-only directory tree below the bundle's own path, and
//! writes nothing anywhere: `tests/apps/served_app` opens, lists, stats,
//! walks, globs and copies its package's files (in threads and a forked
//! child too); the bundle, run where nothing is writable or where every
//! write would be seen, must print what plain python prints, and then
//! show that the tree is read-only (EROFS) with fixed metadata.
mod support;

use support::matrix::*;
use support::root::{require_root, root_command_as, RootKind, RootWork, NONROOT};
use support::*;

/// What the bundle prints after plain python's lines.
const FROZEN_ONLY: &str = "\
write EROFS
append EROFS
create EROFS
mkdir EROFS
remove EROFS
chmod EROFS
rename EROFS
write to descriptor EBADF
mode 0o644 0o755
mtime True
samefile True
add-data added with --add-data True
";

fn script() -> std::path::PathBuf {
    app_path("served_app/main.py")
}

fn add_data() -> String {
    format!("{}:extra", app_path("served_app/extra").display())
}

fn plain_output(py: &Python) -> String {
    let mut plain = std::process::Command::new(&py.path);
    plain.arg(script()).current_dir(script().parent().unwrap());
    let expected = run(minimal_env(&mut plain));
    assert_exit(&expected, 0);
    expected.stdout
}

#[test]
fn package_files_are_served_read_only_on_every_cpython() {
    require_root();
    let add_data = add_data();
    for_each_cpython("served", |py| {
        let expected = plain_output(py) + FROZEN_ONLY;
        let built = shared_build_of(&script(), Some("served_app"), Mode::Onefile, py, &["--add-data", &add_data]);
        let work = RootWork::new("served");
        let exe = work.install(built);
        for kind in [RootKind::Sealed, RootKind::Watched] {
            let env = [("PATH", "/usr/bin:/bin"), ("HOME", "/tmp"), ("TMPDIR", "/tmp")];
            let out = run(&mut root_command_as(kind, Some(NONROOT), &exe, &[], &env));
            assert_exit(&out, 0);
            assert_eq!(out.stdout, expected, "{} {kind:?}: the served tree differs\n{out}", py.label);
        }
        String::new()
    });
}

/// `shutil.copytree` out of the tree (copy2: contents, modes, times, and
/// no extended attributes) to a writable place.
#[test]
fn package_files_copy_out_of_the_bundle() {
    require_root();
    let py = first_python();
    let add_data = add_data();
    let built = shared_build_of(&script(), Some("served_app"), Mode::Onefile, py, &["--add-data", &add_data]);
    let work = RootWork::new("served-copy");
    let exe = work.install(built);
    let env = [("PATH", "/usr/bin:/bin"), ("HOME", "/tmp"), ("SERVED_COPY_TO", work.inside.as_str())];
    let out = run(&mut root_command_as(RootKind::Writable, None, &exe, &[], &env));
    assert_exit(&out, 0);
    assert!(out.stdout.ends_with("copytree ['sub', 'table.json'] {\"answer\": 42}\n"), "{out}");
    assert_eq!(std::fs::read_to_string(work.host.join("copy/sub/leaf.txt")).unwrap(), "deep\n");
}

/// A damaged data file is refused when opened: the bundle says it is
/// damaged and names the entry; the app sees an error, never bad bytes.
#[test]
fn a_damaged_data_file_is_refused() {
    let py = first_python();
    let add_data = add_data();
    let built = shared_build_of(&script(), Some("served_app"), Mode::Onefile, py, &["--add-data", &add_data]);
    let (name, start, len) = zip_entry_data_range(&built.exe, "served_pkg/data/table.json");
    assert_eq!(name, "served_pkg/data/table.json");
    let tmp = tempdir();
    let copy = tmp.path().join("damaged");
    let mut bytes = std::fs::read(&built.exe).unwrap();
    bytes[(start + len / 2) as usize] ^= 0x55;
    std::fs::write(&copy, &bytes).unwrap();
    std::fs::set_permissions(&copy, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = run_bundle(&copy, &[]);
    assert_clean_failure(&out);
    assert!(out.stderr.contains("damaged") && out.stderr.contains("served_pkg/data/table.json"), "{out}");
    assert!(!out.stdout.contains("open {"), "{out}");
}

/// `ctypes.CDLL` of a shared library that a package carries as a data
/// file (a library it loads itself by path) loads from memory, in the
/// sealed root.
#[test]
fn a_package_library_loads_by_path_with_ctypes() {
    require_root();
    let py = first_python();
    let dir = process_scratch().join("served-ctypes");
    let _ = std::fs::remove_dir_all(&dir);
    let package = dir.join("greet_pkg");
    std::fs::create_dir_all(&package).unwrap();
    std::fs::write(package.join("__init__.py"), "").unwrap();
    let source = dir.join("greet.c");
    std::fs::write(&source, "int greet_number(void) { return 42; }\n").unwrap();
    let compiled = run(std::process::Command::new("cc").args(["-shared", "-fPIC", "-o"]).arg(package.join("libgreet.so")).arg(&source));
    assert_exit(&compiled, 0);
    let script = dir.join("greet.py");
    std::fs::write(
        &script,
        "import ctypes, os, greet_pkg\n\
         path = os.path.join(os.path.dirname(greet_pkg.__file__), 'libgreet.so')\n\
         print(ctypes.CDLL(path).greet_number(), ctypes.CDLL(path).greet_number())\n",
    )
    .unwrap();
    let built = build_into(&script, Mode::Onefile, None, py, &dir.join("dist"), &[]).unwrap();
    let work = RootWork::new("served-ctypes");
    let exe = work.install(&built);
    let out = run(&mut root_command_as(RootKind::Sealed, Some(NONROOT), &exe, &[], &[("HOME", "/tmp")]));
    assert_exit(&out, 0);
    assert_eq!(out.stdout, "42 42\n", "{out}");
}

/// A program a package carries, run by `subprocess` with a package file as
/// its argument: another process cannot see the served tree, so both are
/// made real files in the cache directory, only then. Where nothing is
/// writable, the error says so and names PYBUNDLE_CACHE_DIR.
#[test]
fn a_package_program_runs_on_a_package_file() {
    require_root();
    let py = first_python();
    let dir = process_scratch().join("served-program");
    let _ = std::fs::remove_dir_all(&dir);
    let package = dir.join("tool_pkg");
    std::fs::create_dir_all(package.join("bin")).unwrap();
    std::fs::write(package.join("__init__.py"), "").unwrap();
    std::fs::write(package.join("words.txt"), "served words\n").unwrap();
    let source = dir.join("show.c");
    std::fs::write(
        &source,
        "#include <stdio.h>\nint main(int argc, char **argv) { char line[100]; FILE *f = fopen(argv[1], \"r\");\n\
         if (!f || !fgets(line, sizeof line, f)) return 3; printf(\"shown: %s\", line); return 0; }\n",
    )
    .unwrap();
    let compiled = run(std::process::Command::new("cc").arg("-o").arg(package.join("bin/show")).arg(&source));
    assert_exit(&compiled, 0);
    let script = dir.join("runner.py");
    std::fs::write(
        &script,
        "import os, subprocess, tool_pkg\n\
         here = os.path.dirname(tool_pkg.__file__)\n\
         try:\n\
         \x20   done = subprocess.run([os.path.join(here, 'bin', 'show'), os.path.join(here, 'words.txt')], capture_output=True, text=True)\n\
         \x20   print(done.returncode, done.stdout.strip())\n\
         except OSError as e:\n\
         \x20   print('refused:', e)\n",
    )
    .unwrap();
    let built = build_into(&script, Mode::Onefile, None, py, &dir.join("dist"), &[]).unwrap();
    let work = RootWork::new("served-program");
    let exe = work.install(&built);
    std::fs::create_dir(work.host.join("home")).unwrap();
    std::os::unix::fs::chown(work.host.join("home"), Some(65532), Some(65532)).unwrap();
    let home = format!("{}/home", work.inside);
    let out = run(&mut root_command_as(RootKind::Writable, Some(NONROOT), &exe, &[], &[("HOME", home.as_str())]));
    assert_exit(&out, 0);
    assert_eq!(out.stdout, "0 shown: served words\n", "{out}");
    let mut copied = Vec::new();
    walk(&work.host.join("home/.cache/pybundle"), &mut |p, _| copied.push(p.file_name().unwrap().to_string_lossy().into_owned()));
    assert!(copied.contains(&"show".to_string()) && copied.contains(&"words.txt".to_string()), "{copied:?}");

    let out = run(&mut root_command_as(RootKind::Sealed, Some(NONROOT), &exe, &[], &[("HOME", "/home/nonroot")]));
    assert_exit(&out, 0);
    assert!(out.stdout.starts_with("refused: ") && out.stdout.contains("PYBUNDLE_CACHE_DIR") && out.stdout.contains("tool_pkg/bin/show"), "{out}");
}
