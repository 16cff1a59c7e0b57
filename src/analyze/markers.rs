//! PEP 508 environment markers of `Requires-Dist` lines (`typing-extensions;
//! python_version < "3.11"`, `colorama; sys_platform == "win32"`), evaluated
//! for the target interpreter, so a requirement that pip would not install
//! there is not followed. Three-valued: a variable the target does not
//! decide (`platform_release`) or text this parser does not read leaves the
//! requirement in. Written here because the crates that evaluate markers
//! bring a PEP 440 and a requirement parser this needs none of.

use super::condition::Target;
use std::cmp::Ordering;

/// Whether a requirement with `marker` (the text after `;`) applies on
/// `target`: false only when the marker is certainly false there.
pub fn applies(marker: &str, target: &Target) -> bool {
    let tokens = match tokenize(marker) {
        Some(tokens) => tokens,
        None => return true,
    };
    let mut parser = Parser { tokens: &tokens, at: 0, target };
    match parser.or() {
        Some(value) if parser.at == tokens.len() => value != Some(false),
        _ => true,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Text(String),
    Op(&'static str),
    Open,
    Close,
}

/// Comparison operators, longest first so `<=` is not read as `<`.
const OPS: [&str; 8] = ["===", "==", "!=", "~=", "<=", ">=", "<", ">"];

fn tokenize(text: &str) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let c = rest.chars().next()?;
        if c == '(' || c == ')' {
            tokens.push(if c == '(' { Token::Open } else { Token::Close });
            rest = &rest[1..];
        } else if c == '"' || c == '\'' {
            let end = rest[1..].find(c)?;
            tokens.push(Token::Text(rest[1..1 + end].to_string()));
            rest = &rest[end + 2..];
        } else if let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) {
            tokens.push(Token::Op(op));
            rest = &rest[op.len()..];
        } else if c.is_ascii_alphabetic() || c == '_' {
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).unwrap_or(rest.len());
            tokens.push(Token::Name(rest[..end].to_string()));
            rest = &rest[end..];
        } else {
            return None;
        }
        rest = rest.trim_start();
    }
    Some(tokens)
}

/// A recursive-descent reader of the marker grammar; each rule returns
/// `None` for text it cannot read, `Some(None)` for a value the target
/// does not decide.
struct Parser<'t> {
    tokens: &'t [Token],
    at: usize,
    target: &'t Target,
}

impl Parser<'_> {
    fn or(&mut self) -> Option<Option<bool>> {
        self.joined("or", Self::and, |left, right| match (left, right) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        })
    }

    fn and(&mut self) -> Option<Option<bool>> {
        self.joined("and", Self::comparison, |left, right| match (left, right) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        })
    }

    /// `part (word part)*`, the parts' values combined in turn by `join`.
    fn joined(
        &mut self,
        word: &str,
        part: fn(&mut Self) -> Option<Option<bool>>,
        join: fn(Option<bool>, Option<bool>) -> Option<bool>,
    ) -> Option<Option<bool>> {
        let mut value = part(self)?;
        while self.keyword(word) {
            value = join(value, part(self)?);
        }
        Some(value)
    }

    fn comparison(&mut self) -> Option<Option<bool>> {
        if self.tokens.get(self.at) == Some(&Token::Open) {
            self.at += 1;
            let value = self.or()?;
            (self.tokens.get(self.at) == Some(&Token::Close)).then_some(())?;
            self.at += 1;
            return Some(value);
        }
        let (left, left_is_version) = self.operand()?;
        let op = match self.tokens.get(self.at)? {
            Token::Op(op) => {
                self.at += 1;
                *op
            }
            Token::Name(word) if word == "in" => {
                self.at += 1;
                "in"
            }
            Token::Name(word) if word == "not" && self.tokens.get(self.at + 1) == Some(&Token::Name("in".into())) => {
                self.at += 2;
                "not in"
            }
            _ => return None,
        };
        let (right, right_is_version) = self.operand()?;
        let (Some(left), Some(right)) = (left, right) else { return Some(None) };
        Some(compare(&left, op, &right, left_is_version || right_is_version))
    }

    /// A variable's value on the target (`None` if the target does not
    /// decide it) or a quoted string, and whether it is a version.
    fn operand(&mut self) -> Option<(Option<String>, bool)> {
        let token = self.tokens.get(self.at)?.clone();
        self.at += 1;
        match token {
            Token::Text(text) => Some((Some(text), false)),
            Token::Name(name) => Some(variable(&name, self.target)),
            _ => None,
        }
    }

    fn keyword(&mut self, word: &str) -> bool {
        let found = matches!(self.tokens.get(self.at), Some(Token::Name(w)) if w == word);
        self.at += usize::from(found);
        found
    }
}

/// The marker variable `name` on the target, and whether it is a version.
fn variable(name: &str, target: &Target) -> (Option<String>, bool) {
    let (major, minor, micro) = target.version;
    let text = |s: &str| Some(s.to_string());
    match name {
        "python_version" => (Some(format!("{major}.{minor}")), true),
        "python_full_version" | "implementation_version" => (Some(format!("{major}.{minor}.{micro}")), true),
        "implementation_name" => (text("cpython"), false),
        "platform_python_implementation" => (text("CPython"), false),
        "sys_platform" => (Some(target.platform.clone()), false),
        "os_name" => (text(target.os_name()), false),
        "platform_system" => (Some(target.system()), false),
        // pybundle builds for x86-64 only; Windows names it AMD64.
        "platform_machine" => (text(if target.platform == "win32" { "AMD64" } else { "x86_64" }), false),
        // `extra`, `platform_release`, `platform_version`, unknown names.
        _ => (None, false),
    }
}

/// `left op right`, by PEP 440 release numbers where a version is
/// compared and both read as one, else as strings; `None` if undecided.
fn compare(left: &str, op: &str, right: &str, versions: bool) -> Option<bool> {
    match op {
        "in" => return Some(right.contains(left)),
        "not in" => return Some(!right.contains(left)),
        "===" => return Some(left == right),
        _ => {}
    }
    if versions {
        if let Some(prefix) = right.strip_suffix(".*") {
            let matches = release(left)?.starts_with(&release(prefix)?);
            return match op {
                "==" => Some(matches),
                "!=" => Some(!matches),
                _ => None,
            };
        }
        let (l, r) = (release(left)?, release(right)?);
        let order = cmp_release(&l, &r);
        return match op {
            "==" => Some(order == Ordering::Equal),
            "!=" => Some(order != Ordering::Equal),
            "<" => Some(order == Ordering::Less),
            "<=" => Some(order != Ordering::Greater),
            ">" => Some(order == Ordering::Greater),
            ">=" => Some(order != Ordering::Less),
            // ~=X.Y.Z: >= X.Y.Z and the same X.Y.
            "~=" if r.len() >= 2 => Some(order != Ordering::Less && l.starts_with(&r[..r.len() - 1])),
            _ => None,
        };
    }
    match op {
        "==" => Some(left == right),
        "!=" => Some(left != right),
        _ => None,
    }
}

/// The numbers of a plain release version (`3.11.2`); `None` for anything
/// else (a pre-release, a local version), which stays undecided.
fn release(version: &str) -> Option<Vec<u64>> {
    version.split('.').map(|part| part.parse().ok()).collect()
}

/// Compares release numbers, missing ones counting as zero (3.11 == 3.11.0).
fn cmp_release(left: &[u64], right: &[u64]) -> Ordering {
    let len = left.len().max(right.len());
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    (0..len).map(|i| at(left, i).cmp(&at(right, i))).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux(version: (u32, u32, u32)) -> Target {
        Target { version, platform: "linux".into() }
    }

    #[test]
    fn versions_platforms_and_implementations() {
        let t311 = linux((3, 11, 2));
        for (marker, expected) in [
            (r#"python_version < "3.11""#, false),
            (r#"python_version >= "3.11""#, true),
            (r#"python_full_version < '3.11'"#, false),
            (r#"python_full_version < "3.11.3""#, true),
            (r#"python_version == "3.11.*""#, true),
            (r#"python_version != "3.1.*""#, true),
            (r#"python_version ~= "3.9""#, true),
            (r#"python_full_version ~= "3.11.0""#, true),
            (r#"python_full_version ~= "3.10.0""#, false),
            (r#""3.8" > python_version"#, false),
            (r#"sys_platform == "win32""#, false),
            (r#"sys_platform != "win32""#, true),
            (r#"platform_system == "Windows" or python_version < "3.8""#, false),
            (r#"platform_python_implementation != 'PyPy'"#, true),
            (r#"implementation_name != "PyPy""#, true),
            (r#"(os_name == "nt" or sys_platform == "linux") and python_version < "4""#, true),
            (r#"platform_machine == "x86_64""#, true),
            (r#"sys_platform in "linux darwin""#, true),
            (r#"sys_platform not in "win32 cygwin""#, true),
            // Each of these is false, so an operator or variable that is
            // not read (and so keeps the requirement) shows.
            (r#"platform_python_implementation == 'PyPy'"#, false),
            (r#"platform_machine == "aarch64""#, false),
            (r#"python_version <= "3.10""#, false),
            (r#"python_version != "3.11.*""#, false),
            (r#"python_version != "3.11""#, false),
            (r#"sys_platform in "win32 cygwin""#, false),
            (r#"sys_platform not in "linux""#, false),
            (r#"(python_version < "3.8") or (sys_platform == "win32")"#, false),
            (r#"python_version < "3.8" or sys_platform == "linux""#, true),
        ] {
            assert_eq!(applies(marker, &t311), expected, "{marker}");
        }
        let windows = Target { version: (3, 13, 0), platform: "win32".into() };
        assert!(applies(r#"sys_platform == "win32""#, &windows));
        assert!(applies(r#"platform_system == "Windows""#, &windows));
        assert!(!applies(r#"os_name == "posix""#, &windows));
    }

    /// What the target does not decide, or what cannot be read, keeps the
    /// requirement in; a decided false side still decides `and`.
    #[test]
    fn undecided_keeps_the_requirement() {
        let t = linux((3, 11, 2));
        for marker in [
            r#"platform_release >= "5""#,
            r#"python_version < "3.11" or platform_release == "x""#,
            r#"python_version >= "3.12rc1""#,
            r#"python_version < "3.11"#,
            r#"python_version <"#,
            r#"(python_version < "3.11""#,
            r#"python_version <> "3""#,
            r#"sys_platform is in "linux""#,
            // A false marker followed by text the grammar has no place for.
            r#"python_version < "3.11" python_version"#,
            r#"sys_platform == "win32")"#,
        ] {
            assert!(applies(marker, &t), "{marker}");
        }
        assert!(!applies(r#"python_version < "3.11" and platform_release == "x""#, &t));
    }
}
