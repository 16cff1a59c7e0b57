//! Expands the dynamic string tokens the loader substitutes in RPATH,
//! RUNPATH and DT_NEEDED: `$ORIGIN`, `$LIB` and `$PLATFORM` (also braced).

use std::path::Path;

/// What `$LIB` may stand for: Debian's multiarch dir, then upstream's.
const LIB_DIRS: &[&str] = &["lib/x86_64-linux-gnu", "lib64"];
const PLATFORM: &str = "x86_64";

/// All expansions of `text` for an object in directory `origin`, in search
/// order. Unknown tokens are kept literally, as the loader does.
pub(crate) fn expand(text: &str, origin: &Path) -> Vec<String> {
    let origin = origin.to_string_lossy();
    let mut results = vec![String::new()];
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        for result in &mut results {
            result.push_str(&rest[..dollar]);
        }
        let (token, len) = token_at(&rest[dollar + 1..]);
        let choices: Vec<&str> = match token {
            "ORIGIN" => vec![&*origin],
            "LIB" => LIB_DIRS.to_vec(),
            "PLATFORM" => vec![PLATFORM],
            _ => vec![&rest[dollar..dollar + 1 + len]],
        };
        results = results
            .iter()
            .flat_map(|prefix| {
                choices
                    .iter()
                    .map(move |choice| format!("{prefix}{choice}"))
            })
            .collect();
        rest = &rest[dollar + 1 + len..];
    }
    for result in &mut results {
        result.push_str(rest);
    }
    results
}

/// The token name after a `$` and how many bytes it spans (braces included).
fn token_at(text: &str) -> (&str, usize) {
    if let Some(inner) = text.strip_prefix('{') {
        if let Some(close) = inner.find('}') {
            return (&inner[..close], close + 2);
        }
    }
    let len = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    (&text[..len], len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_tokens() {
        let origin = Path::new("/opt/app/lib");
        assert_eq!(expand("$ORIGIN/../lib", origin), ["/opt/app/lib/../lib"]);
        assert_eq!(expand("${ORIGIN}/x", origin), ["/opt/app/lib/x"]);
        assert_eq!(
            expand("/usr/$LIB", origin),
            ["/usr/lib/x86_64-linux-gnu", "/usr/lib64"]
        );
        assert_eq!(expand("/p/${PLATFORM}", origin), ["/p/x86_64"]);
        assert_eq!(expand("/plain/dir", origin), ["/plain/dir"]);
    }

    #[test]
    fn keeps_unknown_and_partial_tokens() {
        let origin = Path::new("/o");
        assert_eq!(expand("$ORIGINAL/x", origin), ["$ORIGINAL/x"]);
        assert_eq!(expand("/a/${UNCLOSED", origin), ["/a/${UNCLOSED"]);
        assert_eq!(expand("/a/$", origin), ["/a/$"]);
        assert_eq!(expand("$ORIGIN$ORIGIN", origin), ["/o/o"]);
    }
}
