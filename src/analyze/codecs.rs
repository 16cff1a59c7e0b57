//! Text codecs by name: which `encodings` module CPython's
//! `encodings.search_function` imports for a codec name, from the target
//! stdlib's own alias table (`encodings/aliases.py`).

use std::collections::HashMap;
use std::path::Path;

/// The alias table: normalized alias to module name.
#[derive(Debug, Default)]
pub struct Codecs {
    aliases: HashMap<String, String>,
}

impl Codecs {
    /// Reads the `aliases = { 'alias': 'module', ... }` table of
    /// `encodings/aliases.py`; a file that cannot be read gives no aliases.
    pub fn read(aliases_py: &Path) -> Codecs {
        let text = std::fs::read_to_string(aliases_py).unwrap_or_default();
        let aliases = text.lines().filter_map(alias_line).map(|(alias, module)| (alias.to_string(), module.to_string())).collect();
        Codecs { aliases }
    }

    /// The module (`encodings.NAME`) that looking up codec `name` imports,
    /// or `None` if the name cannot be a module's.
    pub fn module(&self, name: &str) -> Option<String> {
        let normalized = normalize(name);
        let module = self
            .aliases
            .get(&normalized)
            .or_else(|| self.aliases.get(&normalized.replace('.', "_")))
            .map_or(normalized.as_str(), String::as_str);
        (!module.is_empty() && !module.contains('.')).then(|| format!("encodings.{module}"))
    }
}

/// A codec name as `codecs.lookup` and `encodings.normalize_encoding`
/// leave it: lower case, each run of characters other than letters,
/// digits and `.` made one `_`, none at either end.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut gap = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '.' {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// `    'alias' : 'module',` of the alias table.
fn alias_line(line: &str) -> Option<(&str, &str)> {
    let (alias, module) = line.trim().strip_suffix(',')?.split_once(':')?;
    Some((unquote(alias)?, unquote(module)?))
}

fn unquote(text: &str) -> Option<&str> {
    text.trim().strip_prefix('\'')?.strip_suffix('\'')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_as_python_resolves_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aliases.py");
        std::fs::write(&path, "aliases = {\n    # comment\n    'eucjp'                : 'euc_jp',\n    'latin1' : 'latin_1',\n    'utf8': 'utf_8',\n}\n").unwrap();
        let codecs = Codecs::read(&path);
        assert_eq!(codecs.module("EUC-JP").as_deref(), Some("encodings.euc_jp"));
        assert_eq!(codecs.module("eucJP").as_deref(), Some("encodings.euc_jp"));
        assert_eq!(codecs.module("Latin 1").as_deref(), Some("encodings.latin_1"));
        assert_eq!(codecs.module("UTF-8").as_deref(), Some("encodings.utf_8"));
        assert_eq!(codecs.module("  cp1252 ").as_deref(), Some("encodings.cp1252"));
        assert_eq!(codecs.module("x.y"), None);
        assert_eq!(codecs.module("--"), None);
    }
}
