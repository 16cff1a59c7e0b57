//! The stdlib codecs a bundle leaves out, listed in the bundle
//! ([`layout::CODECS_LEFT_OUT`]) so that looking one up at run time says
//! which option brings them (`--all-codecs`) instead of only "unknown
//! encoding".

use crate::plan::Entry;
use pybundle_bootloader::layout;
use std::collections::{BTreeMap, BTreeSet};

/// The list entry: every module of `available` (the stdlib's `encodings`
/// submodules, by name) that `bundled` (every module bundled) lacks;
/// `None` when none is left out.
pub fn entry<M>(available: impl IntoIterator<Item = String>, bundled: &BTreeMap<String, M>) -> Option<Entry> {
    let left_out: BTreeSet<String> =
        available.into_iter().filter(|name| name != "__init__" && !bundled.contains_key(&format!("encodings.{name}"))).collect();
    if left_out.is_empty() {
        return None;
    }
    let text: String = left_out.iter().map(|name| format!("{name}\n")).collect();
    Some(Entry::data(layout::CODECS_LEFT_OUT.into(), text.into_bytes(), "codecs left out (for a hint at run time)".into()))
}

/// The `encodings` modules of a stdlib directory.
pub fn in_stdlib_dir(stdlib: &std::path::Path) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(stdlib.join("encodings")) else { return Vec::new() };
    dir.flatten().filter_map(|e| e.file_name().to_str()?.strip_suffix(".py").map(String::from)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_what_is_left_out_and_nothing_else() {
        let bundled: BTreeMap<String, ()> = [("encodings.utf_8".to_string(), ()), ("encodings".to_string(), ())].into();
        let available = ["__init__", "utf_8", "euc_jp", "cp1252"].map(String::from);
        let entry = entry(available, &bundled).unwrap();
        assert_eq!(entry.name, layout::CODECS_LEFT_OUT);
        assert_eq!(entry.data, b"cp1252\neuc_jp\n");
        assert!(super::entry(["utf_8".to_string()], &bundled).is_none());
    }
}
