//! What the stub configures in the interpreter, independent of how a given
//! CPython version takes it (a struct layout before 3.14, names from 3.14).

use crate::runtime::Failure;
use pybundle_bootloader::manifest::PythonOptions;
use std::ffi::{OsStr, OsString};
use std::path::Path;

/// The configuration fields the stub sets; `name()` is the PyConfig member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Isolated,
    UseEnvironment,
    UserSiteDirectory,
    InstallSignalHandlers,
    ConfigureCStdio,
    ParseArgv,
    SiteImport,
    WriteBytecode,
    PathconfigWarnings,
    SafePath,
    ModuleSearchPathsSet,
    ModuleSearchPaths,
    ProgramName,
    Executable,
    BaseExecutable,
    Prefix,
    BasePrefix,
    ExecPrefix,
    BaseExecPrefix,
    Argv,
    OptimizationLevel,
    BufferedStdio,
    DevMode,
    Faulthandler,
    UseHashSeed,
    HashSeed,
    WarnOptions,
    XOptions,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::Isolated => "isolated",
            Field::UseEnvironment => "use_environment",
            Field::UserSiteDirectory => "user_site_directory",
            Field::InstallSignalHandlers => "install_signal_handlers",
            Field::ConfigureCStdio => "configure_c_stdio",
            Field::ParseArgv => "parse_argv",
            Field::SiteImport => "site_import",
            Field::WriteBytecode => "write_bytecode",
            Field::PathconfigWarnings => "pathconfig_warnings",
            Field::SafePath => "safe_path",
            Field::ModuleSearchPathsSet => "module_search_paths_set",
            Field::ModuleSearchPaths => "module_search_paths",
            Field::ProgramName => "program_name",
            Field::Executable => "executable",
            Field::BaseExecutable => "base_executable",
            Field::Prefix => "prefix",
            Field::BasePrefix => "base_prefix",
            Field::ExecPrefix => "exec_prefix",
            Field::BaseExecPrefix => "base_exec_prefix",
            Field::Argv => "argv",
            Field::OptimizationLevel => "optimization_level",
            Field::BufferedStdio => "buffered_stdio",
            Field::DevMode => "dev_mode",
            Field::Faulthandler => "faulthandler",
            Field::UseHashSeed => "use_hash_seed",
            Field::HashSeed => "hash_seed",
            Field::WarnOptions => "warnoptions",
            Field::XOptions => "xoptions",
        }
    }
}

/// A configuration being filled in, for one way of passing it to CPython.
pub trait Settings {
    /// Whether this CPython has the field (e.g. `safe_path` is 3.11+).
    fn has(&self, field: Field) -> bool;
    fn set_int(&mut self, field: Field, value: i64) -> Result<(), Failure>;
    /// Sets a string field from an OS string (a path or an argument).
    fn set_str(&mut self, field: Field, value: &OsStr) -> Result<(), Failure>;
    fn set_list(&mut self, field: Field, items: &[&OsStr]) -> Result<(), Failure>;
}

/// Configures the interpreter like `python -I`, `argv` as `sys.argv`, and
/// the build's interpreter options. The search path is empty: what Python
/// imports while it initializes is given to it as frozen modules, and the
/// bundle's importer sets `sys.path` once it is installed.
pub fn configure(
    settings: &mut dyn Settings,
    exe: &Path,
    argv: &[OsString],
    options: &PythonOptions,
) -> Result<(), Failure> {
    let ints = [
        (Field::Isolated, 1),
        (Field::UseEnvironment, 0),
        (Field::UserSiteDirectory, 0),
        (Field::InstallSignalHandlers, 1),
        (Field::ConfigureCStdio, 1),
        (Field::ParseArgv, 0),
        (Field::SiteImport, 1),
        (Field::WriteBytecode, 0),
        (Field::PathconfigWarnings, 0),
        (Field::SafePath, 1),
        (Field::ModuleSearchPathsSet, 1),
        (Field::OptimizationLevel, options.optimize.into()),
        (Field::BufferedStdio, (!options.unbuffered).into()),
        (Field::DevMode, options.dev_mode.into()),
        // The isolated defaults turn it off; development mode turns it on.
        (Field::Faulthandler, options.dev_mode.into()),
    ];
    for (field, value) in ints {
        if settings.has(field) {
            settings.set_int(field, value)?;
        }
    }
    if let Some(seed) = options.hash_seed {
        settings.set_int(Field::UseHashSeed, 1)?;
        settings.set_int(Field::HashSeed, seed.into())?;
    }
    let exe = exe.as_os_str();
    let home = Path::new(exe).parent().unwrap_or(Path::new("/")).as_os_str();
    for field in [Field::ProgramName, Field::Executable, Field::BaseExecutable] {
        settings.set_str(field, exe)?;
    }
    for field in [Field::Prefix, Field::BasePrefix, Field::ExecPrefix, Field::BaseExecPrefix] {
        settings.set_str(field, home)?;
    }
    settings.set_list(Field::ModuleSearchPaths, &[])?;
    let argv: Vec<&OsStr> = argv.iter().map(OsString::as_os_str).collect();
    settings.set_list(Field::Argv, &argv)?;
    let warnings: Vec<&OsStr> = options.warnings.iter().map(OsStr::new).collect();
    settings.set_list(Field::WarnOptions, &warnings)?;
    let xoptions: Vec<&OsStr> = options.xoptions.iter().map(OsStr::new).collect();
    settings.set_list(Field::XOptions, &xoptions)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Option names CPython 3.14 accepts in `PyInitConfig_Set*` (its
    /// `PYCONFIG_SPEC` table and the pre-configuration names of PEP 741),
    /// limited to the ones the stub may set.
    const PEP_741_NAMES: &[&str] = &[
        "isolated", "use_environment", "user_site_directory", "install_signal_handlers",
        "configure_c_stdio", "parse_argv", "site_import", "write_bytecode", "pathconfig_warnings",
        "safe_path", "module_search_paths_set", "module_search_paths", "program_name",
        "executable", "base_executable", "prefix", "base_prefix", "exec_prefix", "base_exec_prefix",
        "argv", "optimization_level", "buffered_stdio", "dev_mode", "faulthandler", "use_hash_seed", "hash_seed",
        "warnoptions", "xoptions", "utf8_mode", "configure_locale",
    ];

    #[derive(Default)]
    struct Recorded {
        ints: BTreeMap<&'static str, i64>,
        strs: BTreeMap<&'static str, OsString>,
        lists: BTreeMap<&'static str, Vec<OsString>>,
    }

    impl Settings for Recorded {
        fn has(&self, _: Field) -> bool {
            true
        }
        fn set_int(&mut self, field: Field, value: i64) -> Result<(), Failure> {
            self.ints.insert(field.name(), value);
            Ok(())
        }
        fn set_str(&mut self, field: Field, value: &OsStr) -> Result<(), Failure> {
            self.strs.insert(field.name(), value.to_os_string());
            Ok(())
        }
        fn set_list(&mut self, field: Field, items: &[&OsStr]) -> Result<(), Failure> {
            self.lists.insert(field.name(), items.iter().map(|i| i.to_os_string()).collect());
            Ok(())
        }
    }

    #[test]
    fn configures_an_isolated_interpreter_rooted_at_the_bundle() {
        let mut recorded = Recorded::default();
        let options = PythonOptions { optimize: 2, hash_seed: Some(0), warnings: vec!["error".into()], ..Default::default() };
        let argv = [OsString::from("./app"), OsString::from("x")];
        configure(&mut recorded, Path::new("/opt/dist/app"), &argv, &options).unwrap();
        assert_eq!(recorded.ints["isolated"], 1);
        assert_eq!(recorded.ints["use_environment"], 0);
        assert_eq!(recorded.ints["optimization_level"], 2);
        assert_eq!(recorded.ints["use_hash_seed"], 1);
        assert_eq!(recorded.ints["hash_seed"], 0);
        assert_eq!(recorded.strs["executable"], "/opt/dist/app");
        assert_eq!(recorded.strs["prefix"], "/opt/dist");
        assert!(recorded.lists["module_search_paths"].is_empty());
        assert_eq!(recorded.lists["argv"], ["./app", "x"]);
        assert_eq!(recorded.lists["warnoptions"], ["error"]);
    }

    #[test]
    fn every_field_is_a_pep_741_option_name() {
        let mut recorded = Recorded::default();
        configure(&mut recorded, Path::new("/a"), &[], &PythonOptions { hash_seed: Some(1), ..Default::default() }).unwrap();
        let used = recorded.ints.keys().chain(recorded.strs.keys()).chain(recorded.lists.keys());
        for name in used {
            assert!(PEP_741_NAMES.contains(name), "{name} is not a PEP 741 option");
        }
    }
}
