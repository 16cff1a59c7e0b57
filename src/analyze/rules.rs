//! What static analysis is told rather than finds: stdlib modules never
//! bundled, test packages, and the imports that CPython makes where no
//! Python source shows them (from C code, or by a name built at run time).

/// Stdlib modules (and their submodules) never followed, even if imported:
/// tests, GUI toolkits, and tools for developing or installing Python.
pub const NEVER: &[&str] = &[
    "test", "idlelib", "tkinter", "_tkinter", "turtle", "turtledemo", "ensurepip", "lib2to3", "pydoc_data",
    "venv", "__phello__", "__hello__", "__hello_alias__", "__hello_only__", "__phello_alias__",
    "sitecustomize", "usercustomize", "xxlimited", "xxlimited_35", "xxsubtype", "_xxtestfuzz",
    "_ctypes_test", "_testbuffer", "_testcapi", "_testclinic", "_testimportmultiple", "_testinternalcapi",
    "_testmultiphase", "_testsinglephase", "_xxsubinterpreters", "_xxinterpchannels", "_xxinterpqueues",
];

/// Modules frozen into every CPython 3.8+ but not in
/// `sys.builtin_module_names`: always there, nothing to bundle.
pub const FROZEN: &[&str] = &["_frozen_importlib", "_frozen_importlib_external"];

/// Subpackages named like this hold a package's own tests; in the stdlib
/// and in distributions they are never followed nor bundled.
pub const TEST_DIRS: &[&str] = &["test", "tests", "idle_test"];

/// Modules that the interpreter needs whatever the app imports: the codecs
/// package and the codecs of UTF-8 mode (stdio, file names, the locale)
/// and of its fallbacks. Other codecs come when code names them (see
/// `Scan::codec_names`), or all of them with `--all-codecs`.
/// A trailing `.*` means the package and all its submodules.
pub const ALWAYS: &[&str] = &[
    "encodings", "encodings.aliases", "encodings.utf_8", "encodings.utf_8_sig", "encodings.latin_1", "encodings.ascii",
    // The other Unicode encodings, small wrappers of C codecs, which data
    // names more than code does (a byte order mark says UTF-16).
    "encodings.utf_16", "encodings.utf_16_le", "encodings.utf_16_be", "encodings.utf_32", "encodings.utf_32_le",
    "encodings.utf_32_be", "encodings.unicode_escape", "encodings.raw_unicode_escape",
];

/// What `--all-codecs` adds: every codec of the stdlib.
pub const ALL_CODECS: &str = "encodings.*";

/// Imports that no Python source shows, as (module, what it needs). Applied
/// when the module is imported by code or named as a root, not when it is
/// only one of CPython's start-up modules. A trailing `.*` means the whole
/// package; a trailing `*` alone, every top-level module with that prefix.
/// Checked against what CPython 3.11 imports (see the tests).
pub const IMPLICIT: &[(&str, &[&str])] = &[
    // C code imports these when the extension module loads or is used.
    ("time", &["_strptime"]),
    ("_datetime", &["_strptime"]),
    ("_decimal", &["collections", "numbers"]),
    ("_pickle", &["copyreg", "_compat_pickle", "functools"]),
    ("_elementtree", &["copy", "pyexpat", "xml.etree.ElementPath"]),
    ("_asyncio", &["asyncio"]),
    ("_ssl", &["_socket"]),
    // Host names that are not ASCII are encoded with this codec.
    ("_socket", &["encodings.idna"]),
    ("_sqlite3", &["collections", "sqlite3.dump"]),
    ("_zoneinfo", &["zoneinfo._common", "zoneinfo._tzpath"]),
    ("_json", &["json.decoder"]),
    ("_curses_panel", &["_curses"]),
    ("array", &["collections.abc"]),
    // Python code imports these by a name built at run time.
    ("sysconfig", &["_sysconfigdata_*"]),
    ("dbm", &["dbm.*"]),
    ("xml.sax", &["xml.sax.expatreader"]),
    ("xml.dom.domreg", &["xml.dom.minidom"]),
    // Start methods run code strings (`from multiprocessing.spawn import
    // spawn_main`, `...forkserver import main`, `...resource_tracker import
    // main`) in the child, and contexts pick their Popen by name.
    ("multiprocessing", &["multiprocessing.*"]),
    // Loaders' resource readers, imported from the import system.
    ("importlib.resources", &["importlib.readers"]),
    // Without a system time zone database, zoneinfo reads the tzdata
    // package's files by a computed package name, when it is installed.
    ("zoneinfo", &["tzdata.*"]),
];

/// Stdlib imports (importer, imported) not followed: each sits in a
/// function that only the imported module's own API calls, so an app that
/// needs it imports that module anyway; or it is a debugging aid that needs
/// the app to import it first.
pub const LAZY_ONLY: &[(&str, &str)] = &[
    // `PathFinder.find_distributions`, called only by importlib.metadata.
    ("importlib._bootstrap_external", "importlib.metadata"),
    // `get_resource_reader`, called only by importlib.resources (which
    // implies importlib.readers, below).
    ("importlib._bootstrap_external", "importlib.readers"),
    ("zipimport", "importlib.readers"),
    // Where a warned-about object was allocated, shown only while
    // tracemalloc traces, which the app starts by importing it.
    ("warnings", "tracemalloc"),
    ("_py_warnings", "tracemalloc"),
    // The stack of an unawaited coroutine, shown only when the app asked
    // for origin tracking (3.14+).
    ("_py_warnings", "traceback"),
    // The interactive prompt's helpers, set up by `site` but used only by
    // the REPL (`help()`, tab completion), which a bundle does not start.
    ("_sitebuiltins", "pydoc"),
    ("_sitebuiltins", "_pyrepl.pager"),
    ("site", "rlcompleter"),
    ("site", "readline"),
    ("site", "_pyrepl.readline"),
    ("site", "_pyrepl.main"),
    ("site", "_pyrepl.unix_console"),
    // Error reports of `.pth` files and sitecustomize (3.15 imports it
    // lazily at module level), which a bundle does not have.
    ("site", "traceback"),
    ("site", "_pyrepl.windows_console"),
];

pub fn is_test_dir(name: &str) -> bool {
    TEST_DIRS.contains(&name)
}

/// `name` is on the never-list, or a submodule of a module that is.
pub fn is_never(name: &str) -> bool {
    NEVER.iter().any(|never| name == *never || name.strip_prefix(never).is_some_and(|rest| rest.starts_with('.')))
}

/// Whether the stdlib import of `imported` by `importer` is not followed.
pub fn lazy_only(importer: &str, imported: &str) -> bool {
    LAZY_ONLY.contains(&(importer, imported))
}

/// What `name` needs beyond its imports.
pub fn implicit(name: &str) -> &'static [&'static str] {
    IMPLICIT.iter().find(|(module, _)| *module == name).map_or(&[], |(_, needs)| needs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_list_matches_whole_names() {
        assert!(is_never("tkinter"));
        assert!(is_never("tkinter.ttk"));
        assert!(!is_never("tkinterx"));
        assert!(!is_never("testing"));
        assert!(is_never("test.support"));
    }
}
