//! Analysis of real apps on this machine's CPython 3.11: stdlib pruning,
//! and third-party distributions from a virtualenv that pip fills (cached
//! under `target/test-cache/`).

use super::*;
use crate::probe::{probe, Interpreter};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use crate::test_env;

/// The first CPython 3.11 found (Debian's, else pyenv's); `None` (after
/// reporting it) when there is none.
fn base_python(part: &str) -> Option<PathBuf> {
    test_env::cpython(11, part).map(|py| py.exe.clone())
}

/// CPython's start-up modules, as `python -I -S` has them.
fn startup(python: &Path) -> Vec<String> {
    let output = Command::new(python)
        .args(["-I", "-S", "-c", "import sys; print('\\n'.join(sys.modules))"])
        .output()
        .expect("python runs");
    String::from_utf8_lossy(&output.stdout).lines().map(String::from).collect()
}

/// Analyses `source` written as `app.py` in a fresh directory.
fn analyze_script(python: &Interpreter, source: &str) -> Analysis {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("app.py");
    std::fs::write(&script, source).unwrap();
    let mut inputs = Inputs::new(python, Entry::Script(script), &[]).unwrap();
    inputs.startup = startup(&python.command);
    analyze(&inputs).unwrap()
}

fn names(analysis: &Analysis) -> Vec<&str> {
    analysis.modules.keys().map(String::as_str).collect()
}

/// A virtualenv of the base CPython with `packages` installed, made once and
/// kept in the test cache under a name derived from the base interpreter
/// and the package list; `None` (after reporting it) when pip cannot
/// install them here.
fn venv(packages: &[&str], part: &str) -> Option<Interpreter> {
    static LOCK: OnceLock<std::sync::Mutex<()>> = OnceLock::new();
    let _guard = LOCK.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    let base = base_python(part)?;
    let key = format!("{}\n{}", base.display(), packages.join("\n"));
    let dir = test_env::test_cache_dir().join(format!("venv-analyze-{}", &blake3::hash(key.as_bytes()).to_hex()[..16]));
    let python = dir.join("bin/python");
    let done = dir.join(".complete");
    if !done.is_file() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let made = Command::new(&base).args(["-m", "venv"]).arg(&dir).status().is_ok_and(|s| s.success());
        let installed = made
            && Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
                .args(packages)
                .status()
                .is_ok_and(|s| s.success());
        if !installed {
            let _ = std::fs::remove_dir_all(&dir);
            test_env::missing(&format!("a package registry pip can install {packages:?} from"), part);
            return None;
        }
        std::fs::write(&done, key).unwrap();
    }
    Some(probe(&python).expect("the venv's python probes"))
}

/// The distributions installed in a venv, as its own `importlib.metadata`
/// lists them, without the installers venv puts in.
fn installed_distributions(python: &Interpreter) -> Vec<String> {
    let script = "import importlib.metadata as m\nfor d in m.distributions(): print(d.metadata['Name'])";
    let output = Command::new(&python.command).args(["-I", "-c", script]).output().expect("python runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut names: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|n| !["pip", "setuptools", "wheel"].contains(n))
        .map(String::from)
        .collect();
    names.sort();
    names
}

#[test]
fn hello_world_keeps_only_what_it_needs() {
    let Some(base) = base_python("hello_world_keeps_only_what_it_needs") else { return };
    let python = probe(&base).unwrap();
    let analysis = analyze_script(&python, "print('hello')\n");
    let modules = names(&analysis);
    // Codecs only as UTF-8 mode needs them: no CJK codec, no idna.
    for unwanted in [
        "ssl", "_ssl", "sqlite3", "_sqlite3", "_hashlib", "tkinter", "_tkinter", "email", "asyncio", "unittest", "doctest", "pydoc", "ctypes",
        "multiprocessing", "_decimal", "lzma", "encodings.idna", "encodings.euc_jp", "_codecs_jp", "_multibytecodec", "encodings.cp1252",
    ] {
        assert!(!modules.contains(&unwanted), "hello world has {unwanted}: {:?}", analysis.modules[unwanted].reason);
    }
    for wanted in ["__main__", "encodings", "encodings.utf_8", "encodings.latin_1", "encodings.ascii", "codecs", "io", "abc"] {
        assert!(modules.contains(&wanted), "hello world lacks {wanted}");
    }
    assert_eq!(analysis.modules["__main__"].reason, Reason::Entry);
    assert_eq!(analysis.modules["encodings.utf_8"].origin, Origin::Stdlib);
    assert!(analysis.distributions.is_empty());
    assert!(analysis.missing.iter().all(|m| !m.needed()), "{:?}", analysis.missing);
}

#[test]
fn the_main_script_runs_its_main_block() {
    let Some(base) = base_python("the_main_script_runs_its_main_block") else { return };
    let python = probe(&base).unwrap();
    let analysis = analyze_script(&python, "if __name__ == '__main__':\n    import json\nelse:\n    import sqlite3\n");
    assert_eq!(analysis.modules["json"].reason, Reason::ImportedBy("__main__".into()));
    assert!(!analysis.modules.contains_key("sqlite3"));
}

#[test]
fn codecs_come_when_named_or_all_with_the_option() {
    let Some(base) = base_python("codecs_come_when_named_or_all_with_the_option") else { return };
    let python = probe(&base).unwrap();
    let analysis = analyze_script(&python, "import socket, zipfile\nprint(b'x'.decode('EUC-JP'), open('f', encoding='cp1252'))\n");
    let modules = names(&analysis);
    // zipfile decodes names without the UTF-8 flag as cp437.
    for wanted in ["encodings.euc_jp", "_codecs_jp", "_multibytecodec", "encodings.cp1252", "encodings.idna", "encodings.cp437"] {
        assert!(modules.contains(&wanted), "lacks {wanted}");
    }
    assert!(!modules.contains(&"encodings.big5"));
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("app.py");
    std::fs::write(&script, "print('hello')\n").unwrap();
    let mut inputs = Inputs::new(&python, Entry::Script(script), &[]).unwrap();
    inputs.roots = vec![crate::analyze::ALL_CODECS.to_string()];
    let all = analyze(&inputs).unwrap();
    for wanted in ["encodings.big5", "_codecs_tw", "encodings.cp1252", "encodings.mac_roman"] {
        assert!(all.modules.contains_key(wanted), "--all-codecs lacks {wanted}");
    }
}

#[test]
fn stdlib_extension_modules_come_with_their_packages() {
    let Some(base) = base_python("stdlib_extension_modules_come_with_their_packages") else { return };
    let python = probe(&base).unwrap();
    let analysis = analyze_script(&python, "import json, sqlite3, ssl, tkinter, ctypes.test, zoneinfo, lib2to3, ensurepip\nfrom xml.etree import ElementTree\n");
    let modules = names(&analysis);
    // The pure-Python fallback in zoneinfo's own package: compiled code
    // (pandas) imports it by name.
    for wanted in ["zoneinfo._zoneinfo", "_json", "json.decoder", "sqlite3.dbapi2", "_sqlite3", "sqlite3.dump", "_ssl", "_socket", "_elementtree", "xml.etree.ElementPath", "pyexpat"] {
        assert!(modules.contains(&wanted), "lacks {wanted}");
    }
    for unwanted in ["tkinter", "sqlite3.test", "ctypes.test", "lib2to3", "ensurepip"] {
        assert!(!modules.contains(&unwanted), "has {unwanted}");
    }
    // Left out on purpose (every CPython has them), so not reported missing.
    for name in ["lib2to3", "ensurepip"] {
        assert!(!analysis.missing.iter().any(|m| m.name == name), "{name}: {:?}", analysis.missing);
    }
    assert_eq!(analysis.modules["json"].reason, Reason::ImportedBy("__main__".into()));
    assert_eq!(analysis.modules["sqlite3.dump"].reason, Reason::ImpliedBy("_sqlite3".into()));
    assert!(matches!(analysis.modules["sqlite3"].kind, ModuleKind::Package(_)));
    assert!(matches!(analysis.modules["_ssl"].kind, ModuleKind::Extension(_) | ModuleKind::Builtin));
}

#[test]
fn search_path_has_what_site_adds() {
    let Some(python) = venv(&["click", "rich", "requests", "pyyaml"], "search_path_has_what_site_adds") else { return };
    let inputs = Inputs::new(&python, Entry::Module("json".into()), &[PathBuf::from("/extra")]).unwrap();
    let site = python.executable.parent().unwrap().parent().unwrap().join("lib/python3.11/site-packages");
    let position = |dir: &Path| inputs.search_path.iter().position(|p| p == dir);
    assert_eq!(position(Path::new("/extra")), Some(1));
    assert!(position(&site).is_some(), "{:?}", inputs.search_path);
    assert!(position(&python.stdlib) < position(&site));
    // The base interpreter's site-packages stay hidden, as in the venv.
    assert!(!inputs.search_path.iter().any(|p| p.starts_with(&python.stdlib) && p.ends_with("site-packages")), "{:?}", inputs.search_path);

    let debian = Path::new("/usr/lib/python3/dist-packages");
    if Path::new("/usr/bin/python3.11").is_file() && debian.is_dir() {
        let system = probe(Path::new("/usr/bin/python3.11")).unwrap();
        let inputs = Inputs::new(&system, Entry::Module("json".into()), &[]).unwrap();
        assert!(inputs.search_path.iter().any(|p| p == debian), "{:?}", inputs.search_path);
    }
}

fn distribution<'a>(analysis: &'a Analysis, name: &str) -> &'a Distribution {
    analysis.distributions.iter().find(|d| d.name == name).unwrap_or_else(|| panic!("{name} not reached"))
}

fn has_file(dist: &Distribution, relative: &str) -> bool {
    dist.files.iter().any(|(path, r)| r == relative && path.is_file())
}

#[test]
fn third_party_distributions_come_whole() {
    let Some(python) = venv(&["click", "rich", "requests", "pyyaml"], "third_party_distributions_come_whole") else { return };
    let analysis = analyze_script(&python, "import click, requests, yaml\nfrom rich.console import Console\n");
    let reached: Vec<&str> = analysis.distributions.iter().map(|d| d.name.as_str()).collect();
    for name in ["click", "rich", "requests", "PyYAML", "certifi", "urllib3", "idna", "charset-normalizer", "Pygments", "markdown-it-py", "mdurl"] {
        assert!(reached.contains(&name), "{name} not reached: {reached:?}");
    }
    // Everything pip installed (the app reaches each), nothing from the base
    // interpreter's site-packages, which the venv hides.
    let mut sorted = reached.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, installed_distributions(&python));

    let certifi = distribution(&analysis, "certifi");
    assert!(has_file(certifi, "certifi/cacert.pem"));
    assert!(certifi.files.iter().any(|(_, r)| r.ends_with(".dist-info/RECORD")));
    assert!(certifi.files.iter().all(|(_, r)| !r.contains("__pycache__") && !r.starts_with("..")));
    let yaml = distribution(&analysis, "PyYAML");
    let extension = format!("yaml/_yaml{}", python.ext_suffix);
    assert!(has_file(yaml, &extension), "{:?}", yaml.files);
    assert!(matches!(&analysis.modules["yaml._yaml"].kind, ModuleKind::Extension(p) if p.ends_with(&extension)));
    assert_eq!(analysis.modules["yaml._yaml"].origin, Origin::Distribution("PyYAML".into()));
    assert_eq!(analysis.modules["requests"].reason, Reason::ImportedBy("__main__".into()));
    assert_eq!(analysis.modules["certifi"].reason, Reason::ImportedBy("requests.certs".into()));
    // Modules nobody imports still come with their distribution.
    assert_eq!(analysis.modules["rich.__main__"].reason, Reason::PartOf("rich".into()));
    let needed: Vec<&Missing> = analysis.missing.iter().filter(|m| m.needed()).collect();
    assert!(needed.is_empty(), "{needed:?}");
    assert!(analysis.warnings.is_empty(), "{:?}", analysis.warnings);
}

#[test]
fn fastapi_app() {
    let Some(python) = venv(&["fastapi", "uvicorn"], "fastapi_app") else { return };
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("app.py");
    std::fs::write(&script, "from fastapi import FastAPI\nimport uvicorn\napp = FastAPI()\n").unwrap();
    let mut inputs = Inputs::new(&python, Entry::Script(script), &[]).unwrap();
    inputs.startup = startup(&python.command);
    let start = std::time::Instant::now();
    let analysis = analyze(&inputs).unwrap();
    eprintln!("FastAPI app: {} modules, {} distributions in {:.3} s", analysis.modules.len(), analysis.distributions.len(), start.elapsed().as_secs_f64());
    let reached: Vec<&str> = analysis.distributions.iter().map(|d| d.name.as_str()).collect();
    for name in ["fastapi", "starlette", "pydantic", "pydantic_core", "uvicorn", "h11", "anyio", "click", "typing_extensions"] {
        assert!(reached.contains(&name), "{name} not reached: {reached:?}");
    }
    let core = analysis.modules.values().find(|m| m.name == "pydantic_core._pydantic_core").expect("the extension");
    assert!(matches!(&core.kind, ModuleKind::Extension(p) if p.is_file()));
    let fastapi = distribution(&analysis, "fastapi");
    assert!(fastapi.files.iter().any(|(_, r)| r.starts_with("fastapi-") && r.ends_with(".dist-info/METADATA")));
    let needed: Vec<&Missing> = analysis.missing.iter().filter(|m| m.needed()).collect();
    assert!(needed.is_empty(), "{needed:?}");
}

/// Writes `files` (path, content) under `root`.
fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (relative, content) in files {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

/// An app, an editable source dir and two site dirs sharing a namespace
/// package, without any interpreter.
fn synthetic_tree(root: &Path) -> Inputs {
    write_tree(root, &[
        ("app/main.py", "import mypkg.sub\nfrom mypkg import *\nimport nsp.one, nsp.two\nimport editable_mod, broken\nimport excluded_pkg.x\nfrom .nothing import x\nimport solo, eggy\ndef later():\n    import twice\nimport twice\n"),
        // Imported in a function first, then at module level: it runs at start.
        ("app/twice.py", "import gone\n"),
        ("app/mypkg/__init__.py", "__all__ = ['starred', 'name_only']\nfrom . import helper\nfrom .helper import thing\nname_only = 1\n"),
        ("app/mypkg/sub.py", "from .. import beyond\nfrom .inner import leaf\n"),
        ("app/mypkg/inner/__init__.py", ""),
        ("app/mypkg/inner/leaf.py", "from . import sibling\nfrom ..helper import thing\n"),
        ("app/mypkg/inner/sibling.py", ""),
        ("app/mypkg/helper.py", "thing = 1\n"),
        ("app/mypkg/starred.py", ""),
        ("app/mypkg/__main__.py", "from . import helper\nif __name__ == '__main__':\n    from . import starred\n"),
        ("src/editable_mod.py", "import sys\n"),
        ("site/nsp/one/__init__.py", ""),
        ("site/nsp_one-1.0.dist-info/METADATA", "Name: nsp-one\nVersion: 1.0\n"),
        ("site/nsp_one-1.0.dist-info/RECORD", "nsp/one/__init__.py,,\nnsp_one-1.0.dist-info/METADATA,,\nnsp_one-1.0.dist-info/RECORD,,\n"),
        ("site/broken.py", "x = (\n"),
        // A distribution of two plain modules: importing one brings both,
        // and its extension module, but not a bare library beside it.
        ("site/solo.py", ""),
        ("site/solo_helper.py", ""),
        ("site/solo_ext.cpython-311-x86_64-linux-gnu.so", ""),
        ("site/libsolo.so", ""),
        ("site/solo-1.0.dist-info/METADATA", "Name: solo\nVersion: 1.0\nRequires-Dist: dep\n"),
        ("site/solo-1.0.dist-info/RECORD", "solo.py,,\nsolo_helper.py,,\nsolo_ext.cpython-311-x86_64-linux-gnu.so,,\nlibsolo.so,,\nsolo-1.0.dist-info/METADATA,,\nsolo-1.0.dist-info/RECORD,,\n"),
        // What it requires comes from its own site directory, not from a
        // shadowed copy later on the path.
        ("site/dep.py", ""),
        ("site/dep-1.0.dist-info/METADATA", "Name: dep\nVersion: 1.0\n"),
        ("site/dep-1.0.dist-info/RECORD", "dep.py,,\ndep-1.0.dist-info/METADATA,,\n"),
        ("site2/dep.py", ""),
        ("site2/dep-2.0.dist-info/METADATA", "Name: dep\nVersion: 2.0\n"),
        ("site2/dep-2.0.dist-info/RECORD", "dep.py,,\ndep-2.0.dist-info/METADATA,,\n"),
        // An egg-info distribution without a file list: its directory and
        // the packages top_level.txt names.
        ("site/eggy/__init__.py", ""),
        ("site/eggy/data/table.txt", ""),
        ("site/eggy.egg-info/PKG-INFO", "Name: eggy\nVersion: 0.5\n"),
        ("site/eggy.egg-info/top_level.txt", "eggy\n"),
        ("site/extra/__init__.py", ""),
        ("site/extra/deep/__init__.py", ""),
        ("site/extra/deep/leaf.py", "import sys\n"),
        ("site/excluded_pkg/__init__.py", ""),
        ("site/excluded_pkg/x.py", ""),
        ("site2/nsp/two/__init__.py", "import json\n"),
        ("site2/nsp_two-2.0.dist-info/RECORD", "nsp/two/__init__.py,,\nnsp_two-2.0.dist-info/RECORD,,\n"),
    ]);
    std::os::unix::fs::symlink("..", root.join("site/extra/deep/loop")).unwrap();
    Inputs {
        builtin_modules: vec!["sys".into()],
        ext_suffixes: vec![".cpython-311-x86_64-linux-gnu.so".into(), ".abi3.so".into(), ".so".into()],
        roots: vec!["extra.*".into(), "no_such_hidden".into()],
        startup: vec!["sys".into()],
        excludes: vec!["excluded_pkg".into()],
        ..plain_inputs(root, &["app", "src", "site", "site2", "missing-dir"])
    }
}

#[test]
fn packages_namespaces_roots_and_excludes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    let analysis = analyze(&synthetic_tree(&root)).unwrap();
    let modules = names(&analysis);
    assert_eq!(
        modules,
        ["__main__", "broken", "dep", "editable_mod", "eggy", "extra", "extra.deep", "extra.deep.leaf", "extra.deep.loop", "mypkg", "mypkg.helper", "mypkg.inner", "mypkg.inner.leaf", "mypkg.inner.sibling", "mypkg.starred", "mypkg.sub", "nsp", "nsp.one", "nsp.two", "solo", "solo_ext", "solo_helper", "sys", "twice"]
    );
    assert_eq!(analysis.modules["solo_helper"].reason, Reason::PartOf("solo".into()));
    assert_eq!(analysis.modules["solo_ext"].reason, Reason::PartOf("solo".into()));
    assert_eq!(analysis.modules["nsp"].kind, ModuleKind::Namespace(vec![root.join("site/nsp"), root.join("site2/nsp")]));
    assert_eq!(analysis.modules["nsp.one"].origin, Origin::Distribution("nsp-one".into()));
    assert_eq!(analysis.modules["nsp.two"].origin, Origin::Distribution("nsp_two".into()));
    assert_eq!(analysis.modules["editable_mod"].origin, Origin::App);
    assert_eq!(analysis.modules["mypkg.starred"].reason, Reason::ImportedBy("__main__".into()));
    assert_eq!(analysis.modules["extra.deep.leaf"].reason, Reason::Root);
    // Relative imports in plain modules (not packages) count from their package.
    assert_eq!(analysis.modules["mypkg.inner.leaf"].reason, Reason::ImportedBy("mypkg.sub".into()));
    assert_eq!(analysis.modules["mypkg.inner.sibling"].reason, Reason::ImportedBy("mypkg.inner.leaf".into()));
    assert_eq!(analysis.modules["sys"].kind, ModuleKind::Builtin);
    let dists: Vec<(&str, &str, usize)> = analysis.distributions.iter().map(|d| (d.name.as_str(), d.version.as_str(), d.files.len())).collect();
    assert_eq!(dists, [("dep", "1.0", 2), ("eggy", "0.5", 4), ("nsp-one", "1.0", 3), ("solo", "1.0", 6), ("nsp_two", "2.0", 2)]);
    let eggy = distribution(&analysis, "eggy");
    let relative: Vec<&str> = eggy.files.iter().map(|(_, relative)| relative.as_str()).collect();
    assert_eq!(relative, ["eggy.egg-info/PKG-INFO", "eggy.egg-info/top_level.txt", "eggy/__init__.py", "eggy/data/table.txt"]);

    let missing: Vec<(&str, Option<&str>, bool)> =
        analysis.missing.iter().map(|m| (m.name.as_str(), m.imported_by.as_deref(), m.needed())).collect();
    assert_eq!(
        missing,
        [
            ("..beyond", Some("mypkg.sub"), true),
            (".nothing", Some("__main__"), true),
            // Always a root; every real interpreter has it.
            ("encodings", None, true),
            ("gone", Some("twice"), true),
            ("json", Some("nsp.two"), true),
            ("no_such_hidden", None, true),
        ]
    );
    assert_eq!(analysis.warnings.len(), 1);
    assert!(analysis.warnings[0].contains("broken.py: line 1: bracket never closed"), "{:?}", analysis.warnings);
}

#[test]
fn a_module_entry_runs_its_main() {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    let mut inputs = synthetic_tree(&root);
    inputs.roots.clear();
    inputs.entry = Entry::Module("mypkg".into());
    let analysis = analyze(&inputs).unwrap();
    // mypkg.__main__ runs as __main__: its main block's import is followed.
    assert_eq!(names(&analysis), ["mypkg", "mypkg.__main__", "mypkg.helper", "mypkg.starred", "sys"]);
    assert_eq!(analysis.modules["mypkg.__main__"].reason, Reason::Entry);
    assert_eq!(analysis.modules["mypkg.helper"].reason, Reason::ImportedBy("mypkg".into()));

    inputs.entry = Entry::Module("nsp".into());
    let error = analyze(&inputs).unwrap_err().to_string();
    assert!(error.starts_with("package nsp has no __main__ module"), "{error}");
    inputs.entry = Entry::Module("nope".into());
    let error = analyze(&inputs).unwrap_err().to_string();
    assert!(error.starts_with("module nope not found on the search path"), "{error}");
    inputs.entry = Entry::Script(root.join("app/absent.py"));
    let error = analyze(&inputs).unwrap_err().to_string();
    assert!(error.contains("absent.py not found"), "{error}");
}


/// Scripts that exercise stdlib modules with lazy or C-level imports.
const EXERCISES: &[&str] = &[
    "import pickle, io; pickle.loads(pickle.dumps({1: [2.0, 'x']})); pickle.Pickler(io.BytesIO()).dump(1)",
    "import multiprocessing as mp\nif __name__ == '__main__':\n    for method in ('spawn', 'forkserver', 'fork'):\n        ctx = mp.get_context(method)\n        p = ctx.Process(target=len, args=((),)); p.start(); p.join()\n        q = ctx.Queue(); q.put(1); q.get()\n    mp.Pool(1).close(); mp.Manager().shutdown()\n    import multiprocessing.shared_memory as sm; s = sm.SharedMemory(create=True, size=8); s.close(); s.unlink()",
    "from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor\nif __name__ == '__main__':\n    with ProcessPoolExecutor(1) as e: e.submit(len, ()).result()\n    with ThreadPoolExecutor(1) as e: e.submit(len, ()).result()",
    "import ctypes, ctypes.util; ctypes.util.find_library('c'); ctypes.CDLL(None).getpid()",
    "import logging.config, logging.handlers; logging.config.dictConfig({'version': 1, 'handlers': {'h': {'class': 'logging.handlers.RotatingFileHandler', 'filename': '/dev/null'}}}); logging.getLogger().warning('x')",
    "import email, email.message, email.utils; m = email.message.EmailMessage(); m['Subject'] = 'é'; m.set_content('é ü'); m.as_string(); m.as_bytes(); email.message_from_string('Subject: =?utf-8?q?x?=\\n\\nbody').get_payload(); email.utils.formatdate()\nfrom email.mime.text import MIMEText; MIMEText('x', 'plain', 'utf-8').as_string()",
    "import xml.etree.ElementTree as ET; ET.fromstring('<a><b/></a>').findall('.//b'); ET.tostring(ET.Element('x'))\nimport xml.dom.minidom; xml.dom.minidom.parseString('<a/>')",
    "import asyncio\nasync def main():\n    await asyncio.sleep(0); p = await asyncio.create_subprocess_exec('true'); await p.wait()\n    r, w = await asyncio.open_connection(sock=__import__('socket').socketpair()[0]); w.close()\nasyncio.run(main())",
    "import sqlite3; sqlite3.connect(':memory:').execute('select 1').fetchall()",
    "import json; json.loads('{\"a\": [1, 2.5, null]}'); json.dumps({'a': 1}, indent=2)",
    "import http.client; http.client.HTTPConnection('localhost'); http.client.HTTPSConnection('localhost')",
    "import urllib.request; urllib.request.build_opener(); urllib.request.Request('http://localhost/')",
    "import ssl; ssl.create_default_context()",
    "import decimal; decimal.Decimal('1.1') + 1",
    "import zoneinfo; zoneinfo.ZoneInfo('UTC')",
    "import datetime; datetime.datetime.strptime('2020', '%Y'); datetime.datetime.now().astimezone()",
    "import time; time.strptime('2020', '%Y')",
    "import codecs; 'x'.encode('idna'); 'x'.encode('cp1252'); codecs.lookup('latin-1'); b'x'.decode('utf-16', 'ignore')",
    "import subprocess, socket, uuid, hashlib, random, tempfile, shutil, pathlib; subprocess.run(['true']); socket.getaddrinfo('localhost', 80); uuid.uuid4(); hashlib.sha256(b'').hexdigest(); random.random(); shutil.rmtree(tempfile.mkdtemp()); pathlib.Path('.').resolve()",
    "import locale, platform, argparse, inspect, traceback; locale.getpreferredencoding(); platform.platform(); argparse.ArgumentParser().parse_args([]); inspect.signature(len); traceback.format_stack()",
    "import csv, io, gzip, zipfile, tarfile, lzma, bz2; list(csv.reader(io.StringIO('a,b'))); gzip.compress(b'x'); lzma.compress(b'x'); bz2.compress(b'x'); zipfile.ZipFile(io.BytesIO(), 'w').close(); tarfile.open(fileobj=io.BytesIO(), mode='w').close()",
    "import importlib.resources, importlib.metadata; importlib.resources.files('importlib').joinpath('__init__.py').read_bytes(); list(importlib.metadata.distributions())",
];

/// What python itself imports running `source` (isolated, no site);
/// `None` if this Python cannot run it (a module of later versions).
fn imported_at_run_time(python: &Path, source: &str) -> Option<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("app.py");
    let report = format!("{source}\nimport sys as _s\nprint('\\n'.join(_s.modules), file=open({:?}, 'w'))\n", dir.path().join("modules.txt"));
    std::fs::write(&script, report).unwrap();
    let output = Command::new(python).arg("-I").arg("-S").arg(&script).current_dir(dir.path()).output().unwrap();
    if !output.status.success() {
        eprintln!("skipped on {}: {source}\n{}", python.display(), String::from_utf8_lossy(&output.stderr));
        return None;
    }
    Some(std::fs::read_to_string(dir.path().join("modules.txt")).unwrap().lines().map(String::from).collect())
}

#[test]
fn static_analysis_covers_what_python_imports() {
    let Some(base) = base_python("static_analysis_covers_what_python_imports") else { return };
    let python = probe(&base).unwrap();
    let mut gaps = Vec::new();
    for source in EXERCISES {
        let analysis = analyze_script(&python, source);
        let inputs = Inputs::new(&python, Entry::Module("json".into()), &[]).unwrap();
        let mut resolver = resolve::Resolver::new(python.sys_path.clone(), inputs.ext_suffixes, &python.builtin_modules);
        let Some(imported) = imported_at_run_time(&base, source) else { continue };
        for name in imported {
            // Skip what exists only in sys.modules (`os.path`, frozen modules).
            let mut kind: Option<ModuleKind> = None;
            for (i, part) in name.split('.').enumerate() {
                kind = if i == 0 { resolver.find_top(part) } else { kind.and_then(|k| resolver.find_child(&k, part)) };
            }
            if kind.is_some() && !analysis.modules.contains_key(&name) && name != "__main__" {
                gaps.push(format!("{name} (for {})", source.lines().next().unwrap_or_default()));
            }
        }
    }
    assert!(gaps.is_empty(), "modules python imported that analysis missed:\n{}", gaps.join("\n"));
}

/// A site with one distribution (`web`) that ships a module named `test`,
/// a test suite, a migration, a benchmark importing a distribution it does
/// not require (`heavy`), and an app that names its settings module in a
/// string.
/// Outside a virtualenv, the site directories are those
/// `site.getsitepackages()` names (the ones that exist), in its order.
#[test]
fn an_interpreters_own_site_directories() {
    let pythons: Vec<_> = test_env::cpythons().iter().filter(|py| py.minor >= 8).collect();
    if pythons.is_empty() {
        test_env::missing("a CPython 3.8 or newer with a shared libpython", "an_interpreters_own_site_directories");
    }
    for py in pythons {
        let interpreter = probe(&py.exe).unwrap();
        let mut ours: Vec<PathBuf> = Vec::new();
        for dir in site::site_packages(&interpreter).into_iter().filter(|d| d.is_dir()) {
            let dir = std::fs::canonicalize(dir).unwrap();
            if !ours.contains(&dir) {
                ours.push(dir);
            }
        }
        let output = Command::new(&py.exe)
            .args(["-I", "-c", "import site; print('\\n'.join(site.getsitepackages()))"])
            .output()
            .expect("python runs");
        let theirs: Vec<PathBuf> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(PathBuf::from)
            .filter(|d| d.is_dir())
            .map(|d| std::fs::canonicalize(d).unwrap())
            .collect();
        assert!(!theirs.is_empty(), "{}: no site directory", py.exe.display());
        assert_eq!(ours, theirs, "{}", py.exe.display());
    }
}

/// Inputs for `root/app/main.py` with `search` (below `root`) as the
/// search path, no stdlib, builtins or rules, for 3.11 on Linux.
fn plain_inputs(root: &Path, search: &[&str]) -> Inputs {
    Inputs {
        entry: Entry::Script(root.join("app/main.py")),
        search_path: search.iter().map(|d| root.join(d)).collect(),
        stdlib_dirs: Vec::new(),
        builtin_modules: Vec::new(),
        ext_suffixes: vec![".cpython-311-x86_64-linux-gnu.so".into(), ".so".into()],
        roots: Vec::new(),
        startup: Vec::new(),
        excludes: Vec::new(),
        seen: Vec::new(),
        target: Target { version: (3, 11, 7), platform: "linux".into() },
    }
}

/// The analysis of `files` written to a fresh directory, with `app` and
/// `site` as the search path.
fn analyze_files(files: &[(&str, &str)]) -> Analysis {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    write_tree(&root, files);
    analyze(&plain_inputs(&root, &["app", "site"])).unwrap()
}

/// A package whose `__init__` is an extension module is not read as
/// source, and an app module imported only in a function is still the
/// app's.
#[test]
fn compiled_package_inits_and_deferred_app_imports() {
    let analysis = analyze_files(&[
        ("app/main.py", "import cpkg\ndef later():\n    import helper\n"),
        ("app/helper.py", ""),
        // Unreadable as Python: scanning it would warn.
        ("site/cpkg/__init__.cpython-311-x86_64-linux-gnu.so", "\u{7f}ELF (\n"),
    ]);
    assert_eq!(names(&analysis), ["__main__", "cpkg", "helper"]);
    assert_eq!(analysis.warnings, Vec::<String>::new());
}

/// A distribution that a module of another imports at its top level,
/// without requiring it, is followed once its importer is known to run,
/// and then what it imports too, through a chain of such imports.
#[test]
fn an_undeclared_eager_import_is_followed_through() {
    let analysis = analyze_files(&[
        ("app/main.py", "import alib\n"),
        ("site/alib/__init__.py", "import blib\n"),
        ("site/alib-1.0.dist-info/METADATA", "Name: alib\nVersion: 1.0\n"),
        ("site/alib-1.0.dist-info/RECORD", "alib/__init__.py,,\n"),
        ("site/blib/__init__.py", "import dlib\n"),
        ("site/blib-1.0.dist-info/METADATA", "Name: blib\nVersion: 1.0\n"),
        ("site/blib-1.0.dist-info/RECORD", "blib/__init__.py,,\n"),
        ("site/dlib/__init__.py", "import cmod\n"),
        ("site/dlib-1.0.dist-info/METADATA", "Name: dlib\nVersion: 1.0\n"),
        ("site/dlib-1.0.dist-info/RECORD", "dlib/__init__.py,,\n"),
        ("site/cmod.py", ""),
    ]);
    assert_eq!(names(&analysis), ["__main__", "alib", "blib", "cmod", "dlib"]);
}

/// pyenv's and python.org's layout: site-packages inside the stdlib
/// directory. What is installed there is a distribution, not the stdlib.
#[test]
fn site_packages_inside_the_stdlib_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    let site = "lib/python3.11/site-packages";
    write_tree(&root, &[
        ("app/main.py", "import stdlib_mod, installed\n"),
        ("lib/python3.11/stdlib_mod.py", ""),
        (&format!("{site}/installed/__init__.py"), ""),
        (&format!("{site}/installed-1.0.dist-info/METADATA"), "Name: installed\nVersion: 1.0\n"),
        (&format!("{site}/installed-1.0.dist-info/RECORD"), "installed/__init__.py,,\ninstalled-1.0.dist-info/METADATA,,\n"),
    ]);
    let inputs = Inputs { stdlib_dirs: vec![root.join("lib/python3.11")], ..plain_inputs(&root, &["app", "lib/python3.11", site]) };
    let analysis = analyze(&inputs).unwrap();
    assert_eq!(analysis.modules["stdlib_mod"].origin, Origin::Stdlib);
    assert_eq!(analysis.modules["installed"].origin, Origin::Distribution("installed".into()));
    assert_eq!(analysis.distributions.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["installed"]);
}

fn rules_tree(root: &Path) -> Inputs {
    let web = [
        ("web/__init__.py", "from web import test\n"),
        ("web/test.py", "import importlib.util\nimportlib.util.find_spec('web.found')\n"),
        ("web/found.py", ""),
        ("web/tests/__init__.py", ""),
        ("web/tests/test_web.py", "import pytest\n"),
        ("web/migrations/__init__.py", ""),
        ("web/migrations/0001_initial.py", "from web import models\n"),
        ("web/models.py", ""),
        ("web/bench_speed.py", "import heavy\n"),
        ("web/plugin.py", "def load():\n    import heavy\n"),
        ("web/maybe.py", "from web.flags import HAS_HEAVY\nif HAS_HEAVY:\n    import heavy\n"),
        ("web/flags.py", "HAS_HEAVY = True\n"),
        ("web/uses_heavy.py", "import heavy\n"),
        ("web-1.0.dist-info/METADATA", "Name: web\nVersion: 1.0\n\n"),
    ];
    let mut files: Vec<(String, String)> = web.iter().map(|(p, c)| (format!("site/{p}"), c.to_string())).collect();
    let record: String = web.iter().map(|(p, _)| format!("{p},,\n")).chain(["web-1.0.dist-info/RECORD,,\n".to_string()]).collect();
    files.push(("site/web-1.0.dist-info/RECORD".into(), record));
    files.push(("site/heavy/__init__.py".into(), String::new()));
    files.push(("site/heavy-2.0.dist-info/METADATA".into(), "Name: heavy\nVersion: 2.0\n\n".into()));
    files.push(("site/heavy-2.0.dist-info/RECORD".into(), "heavy/__init__.py,,\nheavy-2.0.dist-info/RECORD,,\n".into()));
    files.push(("app/main.py".into(), "import os, web\nos.environ.setdefault('SETTINGS', 'conf.settings')\n".into()));
    files.push(("app/conf/__init__.py".into(), String::new()));
    files.push(("app/conf/settings.py".into(), String::new()));
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
    write_tree(root, &borrowed);
    Inputs {
        builtin_modules: vec!["os".into(), "importlib".into()],
        ext_suffixes: vec![".so".into()],
        ..plain_inputs(root, &["app", "site"])
    }
}

#[test]
fn what_runs_is_bundled_whatever_its_name() {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    let mut inputs = rules_tree(&root);
    let analysis = analyze(&inputs).unwrap();
    let modules = names(&analysis);
    for wanted in ["web.test", "web.found", "web.migrations.0001_initial", "web.bench_speed", "conf.settings"] {
        assert!(modules.contains(&wanted), "lacks {wanted}: {modules:?}");
    }
    assert_eq!(analysis.modules["web.test"].reason, Reason::ImportedBy("web".into()));
    assert_eq!(analysis.modules["web.found"].reason, Reason::ImportedBy("web.test".into()));
    assert_eq!(analysis.modules["conf.settings"].reason, Reason::ImportedBy("__main__".into()));
    // Nothing the app runs imports heavy: only a benchmark, a function and
    // a module nobody imports do.
    assert!(!modules.contains(&"web.tests") && !modules.contains(&"heavy"), "{modules:?}");
    assert_eq!(analysis.distributions.len(), 1);
    let rule = |name: &str| analysis.left_out.iter().find(|l| l.name == name).map(|l| l.rule.clone());
    assert!(rule("web.tests").is_some_and(|r| r.contains("test suite")), "{:?}", analysis.left_out);
    assert!(rule("heavy").is_some_and(|r| r.contains("does not require it")), "{:?}", analysis.left_out);
    assert!(analysis.missing.iter().all(|m| m.name != "heavy"), "{:?}", analysis.missing);

    // Named by an option, the test suite comes; a module that runs
    // whenever the app runs brings the distribution it imports.
    inputs.roots = vec!["web.maybe".into()];
    assert!(!names(&analyze(&inputs).unwrap()).contains(&"heavy"), "a conditional import brought heavy");
    inputs.roots = vec!["web.tests".into(), "web.uses_heavy".into()];
    let analysis = analyze(&inputs).unwrap();
    let modules = names(&analysis);
    assert!(modules.contains(&"web.tests") && modules.contains(&"heavy"), "{modules:?}");
    assert_eq!(analysis.modules["heavy"].reason, Reason::ImportedBy("web.uses_heavy".into()));
    let dist = analysis.distributions.iter().find(|d| d.name == "web").unwrap();
    assert!(dist.files.iter().any(|(_, r)| r == "web/tests/test_web.py"));
    assert!(analysis.left_out.iter().all(|l| l.name != "heavy" && l.name != "web.tests"), "{:?}", analysis.left_out);

    // `--collect-all web`: every module, the oddly named too, but the suite.
    inputs.roots = vec!["web.*".into()];
    let analysis = analyze(&inputs).unwrap();
    let modules = names(&analysis);
    for wanted in ["web.test", "web.found", "web.migrations.0001_initial", "web.bench_speed", "web.uses_heavy", "heavy"] {
        assert!(modules.contains(&wanted), "lacks {wanted}: {modules:?}");
    }
    assert!(!modules.contains(&"web.tests"), "{modules:?}");
}

#[test]
fn modules_seen_running_join_the_analysis() {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    let mut inputs = rules_tree(&root);
    let probed = |module: &str| Seen { module: module.into(), by: Some("web".into()) };
    inputs.seen = vec![probed("web.tests"), probed("heavy"), probed("web.test")];
    let analysis = analyze(&inputs).unwrap();
    assert_eq!(analysis.modules["web.tests"].reason, Reason::ProbedBy("web".into()));
    // Found statically: its reason stays.
    assert_eq!(analysis.modules["web.test"].reason, Reason::ImportedBy("web".into()));
    // web does not require heavy: importing web imported it only because
    // it is installed.
    assert!(!analysis.modules.contains_key("heavy"));
    assert!(analysis.left_out.iter().any(|l| l.name == "heavy"), "{:?}", analysis.left_out);

    inputs.seen = vec![Seen { module: "heavy".into(), by: None }];
    let analysis = analyze(&inputs).unwrap();
    assert_eq!(analysis.modules["heavy"].reason, Reason::SeenAtRun);
}
