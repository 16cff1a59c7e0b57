//! The glibc core (libraries a bundle never carries, because they must match
//! the system's ld.so) and the oldest glibc a bundled object can run on.

use super::dynamic;
use anyhow::Result;

/// Sonames of the libraries Debian's libc6 package ships for x86-64.
const CORE: &[&str] = &[
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libutil.so.1",
    "libresolv.so.2",
    "libanl.so.1",
    "libnsl.so.1",
    "libBrokenLocale.so.1",
    "libc_malloc_debug.so.0",
    "libmemusage.so",
    "libpcprofile.so",
    "libthread_db.so.1",
    "libmvec.so.1",
];

/// Whether `soname` belongs to glibc itself (libc, libm, ld-linux, NSS
/// modules, ...). libgcc_s.so.1 and libcrypt.so.1 are not core.
pub fn is_glibc_core(soname: &str) -> bool {
    CORE.contains(&soname)
        || soname.starts_with("ld-linux")
        || (soname.starts_with("libnss_") && soname.ends_with(".so.2"))
}

/// The newest `GLIBC_X.Y` version the object requires from the glibc core
/// (a `GLIBC_X.Y.Z` counts as X.Y; GLIBC_PRIVATE and other non-numbered
/// versions are ignored). `None` when it requires no versioned glibc symbol.
pub fn glibc_floor(data: &[u8]) -> Result<Option<(u32, u32)>> {
    let info = dynamic::parse(data)?;
    Ok(info
        .version_needs
        .iter()
        .filter(|(file, _)| is_glibc_core(file))
        .flat_map(|(_, versions)| versions.iter().filter_map(|v| parse_version(v)))
        .max())
}

/// "GLIBC_2.34" -> (2, 34); "GLIBC_2.2.5" -> (2, 2).
fn parse_version(name: &str) -> Option<(u32, u32)> {
    let mut parts = name.strip_prefix("GLIBC_")?.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    match parts.next() {
        None => Some((major, minor)),
        Some(patch) => patch.parse::<u32>().ok().map(|_| (major, minor)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_env;
    use std::path::Path;

    #[test]
    fn core_membership() {
        for core in [
            "libc.so.6",
            "libm.so.6",
            "ld-linux-x86-64.so.2",
            "libnss_files.so.2",
            "libpthread.so.0",
        ] {
            assert!(is_glibc_core(core), "{core}");
        }
        for not_core in [
            "libgcc_s.so.1",
            "libcrypt.so.1",
            "libssl.so.3",
            "libpython3.11.so.1.0",
            "libnss3.so",
            // libcap2's, not glibc's, though named like an NSS module's end.
            "libcap.so.2",
        ] {
            assert!(!is_glibc_core(not_core), "{not_core}");
        }
    }

    #[test]
    fn version_names() {
        assert_eq!(parse_version("GLIBC_2.34"), Some((2, 34)));
        assert_eq!(parse_version("GLIBC_2.2.5"), Some((2, 2)));
        assert_eq!(parse_version("GLIBC_PRIVATE"), None);
        assert_eq!(parse_version("GLIBC_ABI_DT_RELR"), None);
        assert_eq!(parse_version("GCC_3.0"), None);
    }

    /// The floor of the file at `path` is the newest glibc version that
    /// readelf shows it needs.
    fn check_floor_against_readelf(path: &Path, part: &str) {
        let Some(data) = test_env::require(std::fs::read(path).ok(), &path.display().to_string(), part) else {
            return;
        };
        let Some(versions) = test_env::readelf_glibc_versions(path, part) else { return };
        assert!(versions.len() > 1, "{} needs several glibc versions: {versions:?}", path.display());
        assert_eq!(glibc_floor(&data).unwrap(), versions.last().copied(), "{}", path.display());
    }

    #[test]
    fn floor_of_system_files_is_the_newest_version_they_need() {
        let part = "floor_of_system_files_is_the_newest_version_they_need";
        check_floor_against_readelf(Path::new("/usr/lib/x86_64-linux-gnu/libssl.so.3"), part);
        for py in test_env::cpythons() {
            check_floor_against_readelf(&py.libpython, part);
        }
    }

    #[test]
    fn floor_ignores_non_glibc_needs() {
        // libstdc++ also needs GCC_* versions from libgcc_s; only glibc's count.
        let path = Path::new("/usr/lib/x86_64-linux-gnu/libstdc++.so.6");
        let part = "floor_ignores_non_glibc_needs";
        let Some(data) = test_env::require(std::fs::read(path).ok(), "libstdc++.so.6 (libstdc++6)", part) else {
            return;
        };
        let info = dynamic::parse(&data).unwrap();
        assert!(
            info.version_needs
                .iter()
                .any(|(file, _)| file == "libgcc_s.so.1"),
            "{info:?}"
        );
        check_floor_against_readelf(path, part);
    }

    #[test]
    fn floor_of_non_elf_is_error() {
        assert!(glibc_floor(b"hello").is_err());
    }
}
