//! `[tool.pybundle]` in the app's pyproject.toml: `pybundle` with no
//! arguments builds from it, every kind of key (string, path, bool, list,
//! integer), the command line overriding it, `--entry-point` of
//! `[project.scripts]`, and the error cases.
mod support;

use std::fs;
use std::path::Path;

use support::*;

/// An app that shows what the keys changed: the hidden import, the data
/// file, `-O` and the hash seed.
const APP: &str = r#"
import importlib, os, sys
plugin = importlib.import_module("".join(["color", "sys"]))
print("plugin", plugin.__name__)
print("data", open(os.path.join(sys._MEIPASS, "assets", "greeting.txt")).read().strip())
print("debug", __debug__)
print("hash randomization", sys.flags.hash_randomization)
"#;

fn project(dir: &Path, tool: &str) {
    fs::write(dir.join("app.py"), APP).unwrap();
    fs::create_dir_all(dir.join("assets")).unwrap();
    fs::write(dir.join("assets/greeting.txt"), "hi from the data file\n").unwrap();
    fs::write(dir.join("pyproject.toml"), format!("[project]\nname = \"app\"\nversion = \"1.0\"\n\n[tool.pybundle]\n{tool}")).unwrap();
}

fn every_key_type() -> String {
    format!(
        "script = \"app.py\"\nonefile = true\nname = \"fromtoml\"\npython = \"{}\"\nhidden-import = [\"colorsys\"]\n\
         add-data = [\"assets:assets\"]\npython-option = [\"-O\"]\nhash-seed = 0\nglibc-floor = \"2.17\"\nexclude-module = [\"tkinter\"]\n",
        first_python().path.display()
    )
}

/// `pybundle` alone, in the project directory.
fn pybundle_in(dir: &Path) -> std::process::Command {
    let mut cmd = pybundle();
    cmd.current_dir(dir).env("HOME", scratch_home()).env_remove("VIRTUAL_ENV");
    cmd
}

#[test]
fn no_arguments_builds_from_pyproject_with_every_key_type() {
    let tmp = tempdir();
    project(tmp.path(), &every_key_type());
    let out = run(&mut pybundle_in(tmp.path()));
    assert_exit(&out, 0);
    assert!(out.stderr.contains("[tool.pybundle]"), "the build should say where its options come from\n{out}");
    let exe = tmp.path().join("dist/fromtoml");
    assert!(exe.is_file(), "onefile = true and name = \"fromtoml\" should give dist/fromtoml\n{out}");
    let ran = run_bundle(&exe, &[]);
    assert_exit(&ran, 0);
    assert_eq!(
        ran.stdout,
        "plugin colorsys\ndata hi from the data file\ndebug False\nhash randomization 0\n",
        "{ran}"
    );
}

#[test]
fn command_line_overrides_the_file() {
    let tmp = tempdir();
    project(tmp.path(), &every_key_type());
    let out = run(pybundle_in(tmp.path()).args(["--onedir", "--name", "fromcli", "--python-option", "-u", "--distpath", "out"]));
    assert_exit(&out, 0);
    let exe = tmp.path().join("out/fromcli/fromcli");
    assert!(exe.is_file(), "--onedir --name fromcli --distpath out should win over the file\n{out}");
    assert!(!tmp.path().join("dist").exists(), "the file's defaults should not be used\n{out}");
    let ran = run_bundle(&exe, &[]);
    assert_exit(&ran, 0);
    // --python-option -u replaced the file's ["-O"]: asserts are on again.
    assert!(ran.stdout.contains("debug True\n"), "{ran}");
}

#[test]
fn a_script_on_the_command_line_replaces_the_files_entry() {
    let tmp = tempdir();
    project(tmp.path(), &every_key_type());
    fs::copy(App::Hello.script(), tmp.path().join("hello.py")).unwrap();
    let out = run(pybundle_in(tmp.path()).args(["hello.py", "--name", "hello"]));
    assert_exit(&out, 0);
    let ran = run_bundle(&tmp.path().join("dist/hello"), &["x"]);
    assert_exit(&ran, 3);
    assert_eq!(ran.stdout, "hello from pybundle\nargs: ['x']\n", "{ran}");
}

#[test]
fn an_unknown_key_or_a_wrong_type_is_one_error_naming_key_and_file() {
    for (bad, key) in [
        ("hiden-import = [\"colorsys\"]\n", "hiden-import"),
        ("onefile = \"yes\"\n", "onefile"),
        ("hidden-import = \"colorsys\"\n", "hidden-import"),
        ("hash-seed = -1\n", "hash-seed"),
        ("glibc-floor = \"new\"\n", "glibc-floor"),
    ] {
        let tmp = tempdir();
        project(tmp.path(), &format!("script = \"app.py\"\n{bad}"));
        let out = run(&mut pybundle_in(tmp.path()));
        assert_one_error_line(&out, &[&format!("\"{key}\""), "pyproject.toml"]);
        assert_nothing_created(&tmp.path().join("dist"));
    }
    let tmp = tempdir();
    fs::write(tmp.path().join("pyproject.toml"), "[tool.pybundle\nscript = 1").unwrap();
    assert_one_error_line(&run(&mut pybundle_in(tmp.path())), &["pyproject.toml", "not valid TOML"]);
}

/// A usage error, as clap's own: exit code 2.
#[test]
fn no_entry_anywhere_is_a_usage_error() {
    let tmp = tempdir();
    let out = run(&mut pybundle_in(tmp.path()));
    assert_exit(&out, 2);
    assert!(out.stderr.contains("no entry given") && out.stderr.contains("[tool.pybundle]"), "{out}");
    project(tmp.path(), "onefile = true\n");
    let out = run(pybundle_in(tmp.path()).arg("-q"));
    assert_exit(&out, 2);
    assert!(out.stderr.contains("no entry given"), "{out}");
    assert_nothing_created(&tmp.path().join("dist"));
}

/// A src-layout project with a console script, not installed anywhere.
fn console_script_project(dir: &Path, tool: &str) {
    fs::create_dir_all(dir.join("src/greet")).unwrap();
    fs::write(dir.join("src/greet/__init__.py"), "").unwrap();
    fs::write(
        dir.join("src/greet/cli.py"),
        "import sys\n\nclass Tool:\n    @staticmethod\n    def run():\n        print('tool', sys.argv[1:])\n        return 4\n\ndef main():\n    print('greet', sys.argv[1:])\n    return 7\n",
    )
    .unwrap();
    fs::write(
        dir.join("pyproject.toml"),
        format!(
            "[project]\nname = \"greet\"\nversion = \"1.0\"\n\n[project.scripts]\ngreet = \"greet.cli:main\"\ngreet-tool = \"greet.cli:Tool.run\"\n\n[tool.pybundle]\npython = \"{}\"\n{tool}",
            first_python().path.display()
        ),
    )
    .unwrap();
}

#[test]
fn entry_point_builds_the_projects_console_script() {
    let tmp = tempdir();
    console_script_project(tmp.path(), "onefile = true\n");
    let out = run(pybundle_in(tmp.path()).args(["--entry-point", "greet"]));
    assert_exit(&out, 0);
    let ran = run_bundle(&tmp.path().join("dist/greet"), &["a", "b"]);
    assert_exit(&ran, 7);
    assert_eq!(ran.stdout, "greet ['a', 'b']\n", "{ran}");
    let inspected = run(pybundle().arg("inspect").arg(tmp.path().join("dist/greet")));
    assert!(inspected.stdout.contains("entry        greet (entry point).py"), "{inspected}");

    // The same as a key, with an attribute path.
    let tmp = tempdir();
    console_script_project(tmp.path(), "onefile = true\nentry-point = \"greet-tool\"\n");
    assert_exit(&run(&mut pybundle_in(tmp.path())), 0);
    let ran = run_bundle(&tmp.path().join("dist/greet-tool"), &["c"]);
    assert_exit(&ran, 4);
    assert_eq!(ran.stdout, "tool ['c']\n", "{ran}");
}

#[test]
fn an_unknown_entry_point_names_the_known_ones() {
    let tmp = tempdir();
    console_script_project(tmp.path(), "");
    let out = run(pybundle_in(tmp.path()).args(["--entry-point", "nope", "-q"]));
    assert_one_error_line(&out, &["\"nope\"", "[project.scripts]", "greet, greet-tool"]);
    assert_nothing_created(&tmp.path().join("dist"));
}
