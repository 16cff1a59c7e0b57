//! Names of the well-known entries inside a bundle's archive.

/// The manifest entry, stored uncompressed.
pub const MANIFEST: &str = ".pybundle/manifest.json";

/// Directory of the shared libraries (libpython and its dependencies).
pub const LIB_DIR: &str = ".pybundle/lib";

/// Files placed on disk at run time (`--add-data`, and packages that open
/// their own files by path), at their paths below this directory.
pub const FILES_DIR: &str = ".pybundle/files";

/// The stdlib codecs (`encodings` module names, one per line) that the
/// packer left out, so that looking one up says how to include it; boot.py
/// reads it by this name (beside the codecs: `.pybundle/` entries are not
/// served to Python).
pub const CODECS_LEFT_OUT: &str = "encodings/pybundle-codecs-left-out.txt";

/// The stub's start-up code (the importer's Python side), compiled by the
/// packer with the bundle's Python like any module, so no start compiles it.
pub const BOOT_MODULE: &str = ".pybundle/boot.pyc";

/// The source of [`BOOT_MODULE`].
pub const BOOT_SOURCE: &str = include_str!("runtime/boot.py");

/// The compiled entry script, run as `__main__`.
pub const MAIN_MODULE: &str = "__main__.pyc";

/// In onedir layout, the directory beside the executable that holds the
/// native files at their archive paths.
pub const ONEDIR_INTERNAL: &str = "_internal";

/// The environment variable that forces the cache-directory fallback.
pub const ENV_NO_MEMFD: &str = "PYBUNDLE_NO_MEMFD";

/// The environment variable that names the cache directory.
pub const ENV_CACHE_DIR: &str = "PYBUNDLE_CACHE_DIR";
