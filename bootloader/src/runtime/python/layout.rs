//! Where the fields of CPython's `PyConfig` struct lie, per version.
//!
//! The offsets were computed from each version's public `cpython/initconfig.h`
//! with `offsetof` (`pyconfig_offsets.c`, whose Linux output is kept in
//! `pyconfig_offsets.txt` and checked by the tests), for x86_64 Linux (LP64,
//! gcc) and for x86_64 Windows
//! (LLP64, `x86_64-w64-mingw32-gcc -DMS_WINDOWS`: a 4-byte `unsigned long`
//! `hash_seed`, and the `legacy_windows_*` members). The stub fills a zeroed
//! buffer through `PyConfig_InitIsolatedConfig` and then writes these
//! fields, so no Rust mirror of the whole struct is needed. Supporting
//! another 3.8+ version is one more table entry per platform.

/// Offsets (bytes) of the `PyConfig` fields the stub sets.
#[derive(Debug, Clone, Copy)]
pub struct ConfigLayout {
    pub size: usize,
    pub isolated: usize,
    pub use_environment: usize,
    pub dev_mode: usize,
    pub faulthandler: usize,
    pub use_hash_seed: usize,
    /// An `unsigned long`.
    pub hash_seed: usize,
    pub xoptions: usize,
    pub warnoptions: usize,
    pub optimization_level: usize,
    pub buffered_stdio: usize,
    pub install_signal_handlers: usize,
    pub parse_argv: usize,
    pub argv: usize,
    pub program_name: usize,
    pub site_import: usize,
    pub write_bytecode: usize,
    pub user_site_directory: usize,
    pub configure_c_stdio: usize,
    pub pathconfig_warnings: usize,
    pub module_search_paths_set: usize,
    pub module_search_paths: usize,
    pub executable: usize,
    pub base_executable: usize,
    pub prefix: usize,
    pub base_prefix: usize,
    pub exec_prefix: usize,
    pub base_exec_prefix: usize,
    /// `safe_path` exists from 3.11 on.
    pub safe_path: Option<usize>,
}

/// The platforms whose layouts differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Linux,
    Windows,
}

impl Platform {
    /// The platform this stub runs on.
    pub const CURRENT: Platform = if cfg!(windows) { Platform::Windows } else { Platform::Linux };
}

/// Offsets in `PyPreConfig`, the same in 3.8 to 3.13 on each platform.
#[derive(Debug, Clone, Copy)]
pub struct PreConfigLayout {
    pub size: usize,
    pub configure_locale: usize,
    pub coerce_c_locale: usize,
    pub utf8_mode: usize,
    pub dev_mode: usize,
}

/// `PyPreConfig` on this platform (Windows has `legacy_windows_fs_encoding`
/// before `utf8_mode`).
pub fn preconfig(platform: Platform) -> PreConfigLayout {
    match platform {
        Platform::Linux => PreConfigLayout { size: 40, configure_locale: 16, coerce_c_locale: 20, utf8_mode: 28, dev_mode: 32 },
        Platform::Windows => PreConfigLayout { size: 44, configure_locale: 16, coerce_c_locale: 20, utf8_mode: 32, dev_mode: 36 },
    }
}

/// The layout for CPython `major.minor` on `platform`, if this stub knows it.
pub fn layout(platform: Platform, major: u32, minor: u32) -> Option<ConfigLayout> {
    let table: &[((u32, u32), ConfigLayout, ConfigLayout)] = &[
        ((3, 8), V3_8, WIN_V3_8),
        ((3, 9), V3_9, WIN_V3_9),
        ((3, 10), V3_10, WIN_V3_10),
        ((3, 11), V3_11, WIN_V3_11),
        ((3, 12), V3_12, WIN_V3_12),
        ((3, 13), V3_13, WIN_V3_13),
    ];
    let (_, linux, windows) = table.iter().find(|(v, _, _)| *v == (major, minor))?;
    Some(match platform {
        Platform::Linux => *linux,
        Platform::Windows => *windows,
    })
}

const V3_8: ConfigLayout = ConfigLayout {
    faulthandler: 32,
    argv: 96,
    dev_mode: 12,
    use_hash_seed: 20,
    hash_seed: 24,
    xoptions: 120,
    warnoptions: 136,
    optimization_level: 168,
    buffered_stdio: 196,
    size: 360,
    isolated: 4,
    use_environment: 8,
    install_signal_handlers: 16,
    parse_argv: 88,
    program_name: 112,
    site_import: 152,
    write_bytecode: 176,
    user_site_directory: 188,
    configure_c_stdio: 192,
    pathconfig_warnings: 224,
    module_search_paths_set: 248,
    module_search_paths: 256,
    executable: 272,
    base_executable: 280,
    prefix: 288,
    base_prefix: 296,
    exec_prefix: 304,
    base_exec_prefix: 312,
    safe_path: None,
};

const V3_9: ConfigLayout = ConfigLayout { size: 392, ..V3_8 };

const V3_10: ConfigLayout = ConfigLayout {
    faulthandler: 32,
    argv: 104,
    dev_mode: 12,
    use_hash_seed: 20,
    hash_seed: 24,
    xoptions: 120,
    warnoptions: 136,
    optimization_level: 172,
    buffered_stdio: 200,
    size: 392,
    isolated: 4,
    use_environment: 8,
    install_signal_handlers: 16,
    parse_argv: 80,
    program_name: 240,
    site_import: 152,
    write_bytecode: 180,
    user_site_directory: 192,
    configure_c_stdio: 196,
    pathconfig_warnings: 232,
    module_search_paths_set: 272,
    module_search_paths: 280,
    executable: 296,
    base_executable: 304,
    prefix: 312,
    base_prefix: 320,
    exec_prefix: 328,
    base_exec_prefix: 336,
    safe_path: None,
};

const V3_11: ConfigLayout = ConfigLayout {
    faulthandler: 32,
    argv: 120,
    dev_mode: 12,
    use_hash_seed: 20,
    hash_seed: 24,
    xoptions: 136,
    warnoptions: 152,
    optimization_level: 188,
    buffered_stdio: 216,
    size: 424,
    isolated: 4,
    use_environment: 8,
    install_signal_handlers: 16,
    parse_argv: 96,
    program_name: 264,
    site_import: 168,
    write_bytecode: 196,
    user_site_directory: 208,
    configure_c_stdio: 212,
    pathconfig_warnings: 256,
    module_search_paths_set: 296,
    module_search_paths: 304,
    executable: 328,
    base_executable: 336,
    prefix: 344,
    base_prefix: 352,
    exec_prefix: 360,
    base_exec_prefix: 368,
    safe_path: Some(252),
};

const V3_12: ConfigLayout = ConfigLayout {
    faulthandler: 32,
    argv: 128,
    dev_mode: 12,
    use_hash_seed: 20,
    hash_seed: 24,
    xoptions: 144,
    warnoptions: 160,
    optimization_level: 196,
    buffered_stdio: 224,
    size: 432,
    isolated: 4,
    use_environment: 8,
    install_signal_handlers: 16,
    parse_argv: 104,
    program_name: 272,
    site_import: 176,
    write_bytecode: 204,
    user_site_directory: 216,
    configure_c_stdio: 220,
    pathconfig_warnings: 268,
    module_search_paths_set: 304,
    module_search_paths: 312,
    executable: 336,
    base_executable: 344,
    prefix: 352,
    base_prefix: 360,
    exec_prefix: 368,
    base_exec_prefix: 376,
    safe_path: Some(260),
};

const V3_13: ConfigLayout = ConfigLayout {
    size: 448,
    program_name: 280,
    pathconfig_warnings: 272,
    module_search_paths_set: 312,
    module_search_paths: 320,
    executable: 344,
    base_executable: 352,
    prefix: 360,
    base_prefix: 368,
    exec_prefix: 376,
    base_exec_prefix: 384,
    ..V3_12
};

// Windows x86_64 (LLP64, MS_WINDOWS).

const WIN_V3_8: ConfigLayout = ConfigLayout {
    faulthandler: 28,
    size: 360,
    isolated: 4,
    use_environment: 8,
    dev_mode: 12,
    use_hash_seed: 20,
    hash_seed: 24,
    xoptions: 112,
    warnoptions: 128,
    optimization_level: 160,
    buffered_stdio: 188,
    install_signal_handlers: 16,
    parse_argv: 80,
    argv: 88,
    program_name: 104,
    site_import: 144,
    write_bytecode: 168,
    user_site_directory: 180,
    configure_c_stdio: 184,
    pathconfig_warnings: 224,
    module_search_paths_set: 248,
    module_search_paths: 256,
    executable: 272,
    base_executable: 280,
    prefix: 288,
    base_prefix: 296,
    exec_prefix: 304,
    base_exec_prefix: 312,
    safe_path: None,
};

const WIN_V3_9: ConfigLayout = ConfigLayout { size: 392, ..WIN_V3_8 };

const WIN_V3_10: ConfigLayout = ConfigLayout {
    faulthandler: 28,
    size: 400,
    isolated: 4,
    use_environment: 8,
    dev_mode: 12,
    use_hash_seed: 20,
    hash_seed: 24,
    xoptions: 120,
    warnoptions: 136,
    optimization_level: 172,
    buffered_stdio: 200,
    install_signal_handlers: 16,
    parse_argv: 80,
    argv: 104,
    program_name: 248,
    site_import: 152,
    write_bytecode: 180,
    user_site_directory: 192,
    configure_c_stdio: 196,
    pathconfig_warnings: 240,
    module_search_paths_set: 280,
    module_search_paths: 288,
    executable: 304,
    base_executable: 312,
    prefix: 320,
    base_prefix: 328,
    exec_prefix: 336,
    base_exec_prefix: 344,
    safe_path: None,
};

const WIN_V3_11: ConfigLayout = ConfigLayout {
    faulthandler: 28,
    size: 432,
    isolated: 4,
    use_environment: 8,
    dev_mode: 12,
    use_hash_seed: 20,
    hash_seed: 24,
    xoptions: 136,
    warnoptions: 152,
    optimization_level: 188,
    buffered_stdio: 216,
    install_signal_handlers: 16,
    parse_argv: 96,
    argv: 120,
    program_name: 272,
    site_import: 168,
    write_bytecode: 196,
    user_site_directory: 208,
    configure_c_stdio: 212,
    pathconfig_warnings: 264,
    module_search_paths_set: 304,
    module_search_paths: 312,
    executable: 336,
    base_executable: 344,
    prefix: 352,
    base_prefix: 360,
    exec_prefix: 368,
    base_exec_prefix: 376,
    safe_path: Some(260),
};

const WIN_V3_12: ConfigLayout = ConfigLayout {
    faulthandler: 28,
    size: 432,
    isolated: 4,
    use_environment: 8,
    dev_mode: 12,
    use_hash_seed: 20,
    hash_seed: 24,
    xoptions: 136,
    warnoptions: 152,
    optimization_level: 188,
    buffered_stdio: 216,
    install_signal_handlers: 16,
    parse_argv: 96,
    argv: 120,
    program_name: 272,
    site_import: 168,
    write_bytecode: 196,
    user_site_directory: 208,
    configure_c_stdio: 212,
    pathconfig_warnings: 268,
    module_search_paths_set: 304,
    module_search_paths: 312,
    executable: 336,
    base_executable: 344,
    prefix: 352,
    base_prefix: 360,
    exec_prefix: 368,
    base_exec_prefix: 376,
    safe_path: Some(260),
};

const WIN_V3_13: ConfigLayout = ConfigLayout {
    faulthandler: 28,
    size: 448,
    isolated: 4,
    use_environment: 8,
    dev_mode: 12,
    use_hash_seed: 20,
    hash_seed: 24,
    xoptions: 136,
    warnoptions: 152,
    optimization_level: 188,
    buffered_stdio: 216,
    install_signal_handlers: 16,
    parse_argv: 96,
    argv: 120,
    program_name: 280,
    site_import: 168,
    write_bytecode: 196,
    user_site_directory: 208,
    configure_c_stdio: 212,
    pathconfig_warnings: 272,
    module_search_paths_set: 312,
    module_search_paths: 320,
    executable: 344,
    base_executable: 352,
    prefix: 360,
    base_prefix: 368,
    exec_prefix: 376,
    base_exec_prefix: 384,
    safe_path: Some(260),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supported_version_has_a_layout_that_fits() {
        for platform in [Platform::Linux, Platform::Windows] {
            for minor in 8..=13 {
                let l = layout(platform, 3, minor).expect("layout");
                assert!(l.base_exec_prefix + 8 <= l.size, "3.{minor}");
                assert!(l.hash_seed + 8 <= l.size, "3.{minor}");
            }
            assert!(layout(platform, 3, 7).is_none());
            assert!(layout(platform, 3, 14).is_none());
        }
    }

    /// The Linux tables as `pyconfig_offsets.c` prints them.
    fn as_generator_output(minor: u32) -> String {
        let l = layout(Platform::Linux, 3, minor).expect("layout");
        let p = preconfig(Platform::Linux);
        let config = [
            ("size", l.size),
            ("isolated", l.isolated),
            ("use_environment", l.use_environment),
            ("dev_mode", l.dev_mode),
            ("faulthandler", l.faulthandler),
            ("use_hash_seed", l.use_hash_seed),
            ("hash_seed", l.hash_seed),
            ("xoptions", l.xoptions),
            ("warnoptions", l.warnoptions),
            ("optimization_level", l.optimization_level),
            ("buffered_stdio", l.buffered_stdio),
            ("install_signal_handlers", l.install_signal_handlers),
            ("parse_argv", l.parse_argv),
            ("argv", l.argv),
            ("program_name", l.program_name),
            ("site_import", l.site_import),
            ("write_bytecode", l.write_bytecode),
            ("user_site_directory", l.user_site_directory),
            ("configure_c_stdio", l.configure_c_stdio),
            ("pathconfig_warnings", l.pathconfig_warnings),
            ("module_search_paths_set", l.module_search_paths_set),
            ("module_search_paths", l.module_search_paths),
            ("executable", l.executable),
            ("base_executable", l.base_executable),
            ("prefix", l.prefix),
            ("base_prefix", l.base_prefix),
            ("exec_prefix", l.exec_prefix),
            ("base_exec_prefix", l.base_exec_prefix),
        ];
        let mut out = String::new();
        for (field, offset) in config.into_iter().chain(l.safe_path.map(|at| ("safe_path", at))) {
            out.push_str(&format!("PyConfig.{field} {offset}\n"));
        }
        for (field, offset) in [
            ("size", p.size),
            ("configure_locale", p.configure_locale),
            ("coerce_c_locale", p.coerce_c_locale),
            ("utf8_mode", p.utf8_mode),
            ("dev_mode", p.dev_mode),
        ] {
            out.push_str(&format!("PyPreConfig.{field} {offset}\n"));
        }
        out
    }

    /// Every supported version's Linux layout is what `offsetof` gave for
    /// that version's headers (pyconfig_offsets.txt; the packer's
    /// tests/pyconfig.rs checks that file against the headers of every
    /// interpreter on the machine).
    #[test]
    fn linux_layouts_match_offsetof_in_each_versions_headers() {
        let recorded = include_str!("pyconfig_offsets.txt");
        let mut versions = Vec::new();
        for section in recorded.split("\n== ").skip(1) {
            let (version, offsets) = section.split_once('\n').expect("a version line");
            let minor: u32 = version.strip_prefix("3.").and_then(|m| m.parse().ok()).expect("3.X");
            assert_eq!(as_generator_output(minor).trim_end(), offsets.trim_end(), "3.{minor}: layout.rs differs from offsetof");
            versions.push(minor);
        }
        assert_eq!(versions, (8..=13).collect::<Vec<_>>());
    }
}
