//! Finding a program the way a shell does: a name with a directory part is
//! taken as a path, a bare name is looked up in `PATH` (on Windows also with
//! the extensions of `PATHEXT`). Written here because the `which` crate
//! imports Windows functions that Nano Server lacks.

use std::path::{Path, PathBuf};

/// The program `name` is, if it exists.
pub fn find_program(name: &Path) -> Option<PathBuf> {
    if name.components().count() > 1 || name.is_absolute() {
        return name.is_file().then(|| name.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .flat_map(|dir| candidates(&dir.join(name)))
        .find(|candidate| is_program(candidate))
}

#[cfg(unix)]
fn candidates(path: &Path) -> Vec<PathBuf> {
    vec![path.to_path_buf()]
}

#[cfg(unix)]
fn is_program(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn candidates(path: &Path) -> Vec<PathBuf> {
    let extensions = std::env::var("PATHEXT").unwrap_or_else(|_| ".COM;.EXE;.BAT;.CMD".into());
    let mut out = vec![path.to_path_buf()];
    out.extend(extensions.split(';').filter(|e| !e.is_empty()).map(|e| {
        let mut name = path.as_os_str().to_os_string();
        name.push(e.to_ascii_lowercase());
        PathBuf::from(name)
    }));
    out
}

#[cfg(not(unix))]
fn is_program(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_programs_on_path_and_by_path() {
        let sh = find_program(Path::new("sh")).expect("sh on PATH");
        assert!(sh.is_absolute());
        assert_eq!(find_program(&sh), Some(sh.clone()));
        assert_eq!(find_program(Path::new("pybundle-no-such-program")), None);
        assert_eq!(find_program(Path::new("./pybundle-no-such-program")), None);
    }
}
