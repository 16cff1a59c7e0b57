//! Static evaluation of `if` tests that depend only on the target
//! interpreter: `sys.platform`, `os.name`, `platform.system()`,
//! `sys.version_info`, `sys.hexversion`, `TYPE_CHECKING`, `__name__`, and
//! module-level flags built from them (`WIN = sys.platform == "win32"`).
//! Imports in a branch that can never run on the target are not followed;
//! anything it cannot decide is `None`, and such branches count as taken.

use super::lexer::Tok;
use std::cmp::Ordering;
use std::collections::HashMap;

/// The interpreter the bundle runs on.
#[derive(Debug, Clone)]
pub struct Target {
    /// `sys.version_info[:3]`.
    pub version: (u32, u32, u32),
    /// `sys.platform`: `linux`, `win32`, `darwin`.
    pub platform: String,
}

impl Target {
    /// `os.name` on the target.
    pub(super) fn os_name(&self) -> &'static str {
        if self.platform == "win32" {
            "nt"
        } else {
            "posix"
        }
    }

    /// `platform.system()` on the target.
    pub(super) fn system(&self) -> String {
        match self.platform.as_str() {
            "win32" => "Windows".into(),
            "linux" => "Linux".into(),
            "darwin" => "Darwin".into(),
            other => other.to_string(),
        }
    }
}

/// What a test may use besides the target: the module's own flags and the
/// value of `__name__` while it runs.
pub struct Scope<'s> {
    pub target: &'s Target,
    pub flags: &'s HashMap<String, bool>,
    pub name: &'s str,
}

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Bool(bool),
    Int(i64),
    Str(String),
    Tuple(Vec<Val>),
    /// `sys.version_info`, whole (`None`) or sliced to its first n fields.
    Version(Option<usize>),
    Unknown,
}

/// The truth of `toks` (an `if`/`elif` test) on the target, if it is known.
pub fn evaluate(toks: &[Tok<'_>], scope: &Scope<'_>) -> Option<bool> {
    let mut parser = Parser { toks, pos: 0, scope, depth: 0 };
    let value = parser.or_expr()?;
    if parser.pos != toks.len() {
        return None;
    }
    truth(&value)
}

fn truth(value: &Val) -> Option<bool> {
    match value {
        Val::Bool(b) => Some(*b),
        _ => None,
    }
}

/// How deep a test may nest (`not`, parentheses) before it is undecided.
const MAX_DEPTH: usize = 100;

struct Parser<'t, 'a, 's> {
    toks: &'t [Tok<'a>],
    pos: usize,
    scope: &'s Scope<'s>,
    depth: usize,
}

impl<'t, 'a> Parser<'t, 'a, '_> {
    fn peek(&self, ahead: usize) -> Option<&'t Tok<'a>> {
        self.toks.get(self.pos + ahead)
    }

    fn eat_name(&mut self, name: &str) -> bool {
        let found = matches!(self.peek(0), Some(Tok::Name(n)) if *n == name);
        self.pos += usize::from(found);
        found
    }

    fn eat_op(&mut self, op: u8) -> bool {
        let found = self.peek(0) == Some(&Tok::Op(op));
        self.pos += usize::from(found);
        found
    }

    fn or_expr(&mut self) -> Option<Val> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let value = self.disjunction();
        self.depth -= 1;
        value
    }

    fn disjunction(&mut self) -> Option<Val> {
        let mut value = self.and_expr()?;
        while self.eat_name("or") {
            let right = self.and_expr()?;
            value = match (truth(&value), truth(&right)) {
                (Some(true), _) | (_, Some(true)) => Val::Bool(true),
                (Some(false), Some(false)) => Val::Bool(false),
                _ => Val::Unknown,
            };
        }
        Some(value)
    }

    fn and_expr(&mut self) -> Option<Val> {
        let mut value = self.not_expr()?;
        while self.eat_name("and") {
            let right = self.not_expr()?;
            value = match (truth(&value), truth(&right)) {
                (Some(false), _) | (_, Some(false)) => Val::Bool(false),
                (Some(true), Some(true)) => Val::Bool(true),
                _ => Val::Unknown,
            };
        }
        Some(value)
    }

    fn not_expr(&mut self) -> Option<Val> {
        if self.eat_name("not") {
            if self.depth >= MAX_DEPTH {
                return None;
            }
            self.depth += 1;
            let value = self.not_expr();
            self.depth -= 1;
            let value = value?;
            return Some(truth(&value).map_or(Val::Unknown, |b| Val::Bool(!b)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Option<Val> {
        let left = self.atom()?;
        let Some(op) = self.comparison_op() else { return Some(left) };
        let right = self.atom()?;
        if self.comparison_op().is_some() {
            return None;
        }
        let version = self.scope.target.version;
        Some(compare(&left, op, &right, version).map_or(Val::Unknown, Val::Bool))
    }

    fn comparison_op(&mut self) -> Option<&'static str> {
        let (op, width) = match (self.peek(0), self.peek(1)) {
            (Some(Tok::Op(b'=')), Some(Tok::Op(b'='))) => ("==", 2),
            (Some(Tok::Op(b'!')), Some(Tok::Op(b'='))) => ("!=", 2),
            (Some(Tok::Op(b'<')), Some(Tok::Op(b'='))) => ("<=", 2),
            (Some(Tok::Op(b'>')), Some(Tok::Op(b'='))) => (">=", 2),
            (Some(Tok::Op(b'<')), _) => ("<", 1),
            (Some(Tok::Op(b'>')), _) => (">", 1),
            (Some(Tok::Name("in")), _) => ("in", 1),
            (Some(Tok::Name("not")), Some(Tok::Name("in"))) => ("not in", 2),
            (Some(Tok::Name("is")), Some(Tok::Name("not"))) => ("!=", 2),
            (Some(Tok::Name("is")), _) => ("==", 1),
            _ => return None,
        };
        self.pos += width;
        Some(op)
    }

    fn atom(&mut self) -> Option<Val> {
        let tok = self.peek(0)?.clone();
        self.pos += 1;
        let value = match tok {
            Tok::Op(b'(') => return self.parenthesized(),
            Tok::Num(text) => parse_int(text).map_or(Val::Unknown, Val::Int),
            Tok::Str(Some(text)) => Val::Str(text.to_string()),
            Tok::Str(None) => Val::Unknown,
            Tok::Name(first) => return self.reference(first),
            _ => return None,
        };
        self.trailers(value)
    }

    /// `( expr )` or a tuple literal.
    fn parenthesized(&mut self) -> Option<Val> {
        if self.eat_op(b')') {
            return Some(Val::Tuple(Vec::new()));
        }
        let first = self.or_expr()?;
        if self.eat_op(b')') {
            return self.trailers(first);
        }
        let mut items = vec![first];
        while self.eat_op(b',') {
            if self.eat_op(b')') {
                return Some(Val::Tuple(items));
            }
            items.push(self.or_expr()?);
        }
        self.eat_op(b')').then_some(Val::Tuple(items))
    }

    /// A name, its attributes, and what is known of it on the target.
    fn reference(&mut self, first: &str) -> Option<Val> {
        let mut path = vec![first.trim_start_matches('_').to_string()];
        if first == "__name__" {
            path = vec![first.to_string()];
        }
        while self.peek(0) == Some(&Tok::Op(b'.')) {
            let Some(Tok::Name(attr)) = self.peek(1) else { return None };
            path.push(attr.to_string());
            self.pos += 2;
        }
        let dotted = path.join(".");
        let target = self.scope.target;
        let (minor, micro) = (i64::from(target.version.1), i64::from(target.version.2));
        let value = match dotted.as_str() {
            "True" => Val::Bool(true),
            "False" => Val::Bool(false),
            "__name__" => Val::Str(self.scope.name.to_string()),
            "sys.platform" => Val::Str(target.platform.clone()),
            "os.name" => Val::Str(target.os_name().to_string()),
            "sys.version_info" => Val::Version(None),
            "sys.version_info.major" => Val::Int(i64::from(target.version.0)),
            "sys.version_info.minor" => Val::Int(minor),
            "sys.version_info.micro" => Val::Int(micro),
            "sys.hexversion" => Val::Int((i64::from(target.version.0) << 24) | (minor << 16) | (micro << 8) | 0xf0),
            "sys.implementation.name" => Val::Str("cpython".into()),
            "platform.system" | "platform.python_implementation" => {
                if !(self.eat_op(b'(') && self.eat_op(b')')) {
                    return None;
                }
                let text = if dotted == "platform.system" { target.system() } else { "CPython".into() };
                Val::Str(text)
            }
            "sys.platform.startswith" | "os.name.startswith" => {
                let subject = if dotted.starts_with("sys") { target.platform.clone() } else { target.os_name().into() };
                let argument = self.call_argument()?;
                return Some(starts_with(&subject, &argument).map_or(Val::Unknown, Val::Bool));
            }
            _ if path.len() == 1 => match self.scope.flags.get(first) {
                Some(flag) => Val::Bool(*flag),
                None if first == "TYPE_CHECKING" => Val::Bool(false),
                None => Val::Unknown,
            },
            _ if path.last().map(String::as_str) == Some("TYPE_CHECKING") => Val::Bool(false),
            _ => Val::Unknown,
        };
        self.trailers(value)
    }

    /// The single argument of a call, after the method name.
    fn call_argument(&mut self) -> Option<Val> {
        if !self.eat_op(b'(') {
            return None;
        }
        let value = self.or_expr()?;
        self.eat_op(b',');
        self.eat_op(b')').then_some(value)
    }

    /// Subscripts of `sys.version_info`; any other call or subscript makes
    /// the value unknown (and is skipped).
    fn trailers(&mut self, mut value: Val) -> Option<Val> {
        loop {
            match self.peek(0) {
                Some(Tok::Op(b'[')) if value == Val::Version(None) => {
                    value = self.version_subscript()?;
                }
                Some(Tok::Op(open @ (b'[' | b'('))) => {
                    let open = *open;
                    self.skip_brackets(open)?;
                    value = Val::Unknown;
                }
                Some(Tok::Op(b'.')) => {
                    let Some(Tok::Name(_)) = self.peek(1) else { return None };
                    self.pos += 2;
                    value = Val::Unknown;
                }
                _ => return Some(value),
            }
        }
    }

    /// `[n]` or `[:n]` after `sys.version_info`.
    fn version_subscript(&mut self) -> Option<Val> {
        self.pos += 1;
        let slice = self.eat_op(b':');
        let Some(Tok::Num(text)) = self.peek(0) else { return None };
        let index = usize::try_from(parse_int(text)?).ok()?;
        self.pos += 1;
        if !self.eat_op(b']') {
            return None;
        }
        if slice {
            return Some(Val::Version(Some(index)));
        }
        let target = self.scope.target.version;
        Some(match index {
            0 => Val::Int(i64::from(target.0)),
            1 => Val::Int(i64::from(target.1)),
            2 => Val::Int(i64::from(target.2)),
            _ => Val::Unknown,
        })
    }

    fn skip_brackets(&mut self, open: u8) -> Option<()> {
        let close = if open == b'(' { b')' } else { b']' };
        let mut depth = 0usize;
        while let Some(tok) = self.peek(0) {
            self.pos += 1;
            match tok {
                Tok::Op(c) if *c == open => depth += 1,
                Tok::Op(c) if *c == close => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(());
                    }
                }
                _ => {}
            }
        }
        None
    }
}

fn starts_with(subject: &str, argument: &Val) -> Option<bool> {
    match argument {
        Val::Str(prefix) => Some(subject.starts_with(prefix.as_str())),
        Val::Tuple(items) => {
            let mut any = false;
            for item in items {
                any |= starts_with(subject, item)?;
            }
            Some(any)
        }
        _ => None,
    }
}

fn parse_int(text: &str) -> Option<i64> {
    let text = text.replace('_', "");
    let lower = text.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    if let Some(oct) = lower.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok();
    }
    if let Some(bin) = lower.strip_prefix("0b") {
        return i64::from_str_radix(bin, 2).ok();
    }
    lower.parse().ok()
}

fn compare(left: &Val, op: &str, right: &Val, version: (u32, u32, u32)) -> Option<bool> {
    match (op, left, right) {
        ("in", item, Val::Tuple(items)) => contains(items, item, version),
        ("not in", item, Val::Tuple(items)) => contains(items, item, version).map(|b| !b),
        ("in", Val::Str(part), Val::Str(whole)) => Some(whole.contains(part.as_str())),
        ("not in", Val::Str(part), Val::Str(whole)) => Some(!whole.contains(part.as_str())),
        (_, Val::Str(a), Val::Str(b)) => order(op, a.cmp(b)),
        (_, Val::Int(a), Val::Int(b)) => order(op, a.cmp(b)),
        (_, Val::Bool(a), Val::Bool(b)) => order(op, a.cmp(b)),
        (_, Val::Version(length), Val::Tuple(items)) => {
            order(op, VersionOrder { length: *length, items }.cmp_with(version)?)
        }
        (_, Val::Tuple(items), Val::Version(length)) => {
            order(op, VersionOrder { length: *length, items }.cmp_with(version)?.reverse())
        }
        _ => None,
    }
}

struct VersionOrder<'v> {
    length: Option<usize>,
    items: &'v [Val],
}

impl VersionOrder<'_> {
    /// `sys.version_info[:length]` compared with the tuple literal.
    fn cmp_with(&self, version: (u32, u32, u32)) -> Option<Ordering> {
        let mut literal = Vec::new();
        for item in self.items {
            let Val::Int(n) = item else { return None };
            literal.push(*n);
        }
        let full = [i64::from(version.0), i64::from(version.1), i64::from(version.2)];
        let ours: &[i64] = match self.length {
            Some(n) if n <= 3 => &full[..n],
            Some(_) => return None,
            None if literal.len() > 3 => return None,
            None => &full,
        };
        let shared = ours.len().min(literal.len());
        let ordering = ours[..shared].cmp(&literal[..shared]);
        if ordering != Ordering::Equal {
            return Some(ordering);
        }
        // The whole version_info goes on with releaselevel and serial.
        if self.length.is_none() {
            return Some(Ordering::Greater);
        }
        Some(ours.len().cmp(&literal.len()))
    }
}

fn contains(items: &[Val], item: &Val, version: (u32, u32, u32)) -> Option<bool> {
    let mut any = false;
    for candidate in items {
        any |= compare(item, "==", candidate, version)?;
    }
    Some(any)
}

fn order(op: &str, ordering: Ordering) -> Option<bool> {
    Some(match op {
        "==" => ordering == Ordering::Equal,
        "!=" => ordering != Ordering::Equal,
        "<" => ordering == Ordering::Less,
        "<=" => ordering != Ordering::Greater,
        ">" => ordering == Ordering::Greater,
        ">=" => ordering != Ordering::Less,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::lexer::logical_lines;

    fn eval(test: &str) -> Option<bool> {
        let target = Target { version: (3, 11, 7), platform: "linux".into() };
        let flags = HashMap::from([("WIN".to_string(), false)]);
        let scope = Scope { target: &target, flags: &flags, name: "pkg.mod" };
        let lines = logical_lines(test).unwrap();
        let line = lines.iter().next().unwrap();
        evaluate(line.toks, &scope)
    }

    #[test]
    fn platform_tests() {
        assert_eq!(eval("sys.platform == 'win32'"), Some(false));
        assert_eq!(eval("_sys.platform.startswith('linux')"), Some(true));
        assert_eq!(eval("sys.platform.startswith(('win', 'cygwin'))"), Some(false));
        assert_eq!(eval("os.name == 'nt' or sys.platform == 'darwin'"), Some(false));
        assert_eq!(eval("platform.system() == 'Windows'"), Some(false));
        assert_eq!(eval("sys.platform in ('linux', 'darwin')"), Some(true));
        assert_eq!(eval("not WIN"), Some(true));
    }

    #[test]
    fn version_tests() {
        assert_eq!(eval("sys.version_info >= (3, 11)"), Some(true));
        assert_eq!(eval("sys.version_info < (3, 11)"), Some(false));
        assert_eq!(eval("sys.version_info[:2] == (3, 11)"), Some(true));
        assert_eq!(eval("sys.version_info >= (3, 11, 8)"), Some(false));
        assert_eq!(eval("(3, 12) <= sys.version_info"), Some(false));
        assert_eq!(eval("sys.version_info[0] == 2"), Some(false));
        assert_eq!(eval("sys.version_info.minor > 7"), Some(true));
        assert_eq!(eval("sys.hexversion >= 0x030B0000"), Some(true));
        // 3.11.7 final: every field of the number counts.
        assert_eq!(eval("sys.hexversion == 0x030B07F0"), Some(true));
        assert_eq!(eval("sys.version_info > (3,)"), Some(true));
    }

    #[test]
    fn other_tests() {
        assert_eq!(eval("TYPE_CHECKING"), Some(false));
        assert_eq!(eval("typing.TYPE_CHECKING"), Some(false));
        assert_eq!(eval("__name__ == '__main__'"), Some(false));
        assert_eq!(eval("HAS_X"), None);
        assert_eq!(eval("HAS_X and sys.platform == 'win32'"), Some(false));
        assert_eq!(eval("HAS_X or sys.platform == 'linux'"), Some(true));
        assert_eq!(eval("hasattr(os, 'fork')"), None);
        assert_eq!(eval("x + 1 > 2"), None);
        assert_eq!(eval("sys.platform == 'win32' and foo.bar(x)[0]"), Some(false));
        // Only sys.version_info is subscripted; any other subscript is unknown.
        assert_eq!(eval("sys.platform[0] == 'l'"), None);
        assert_eq!(eval("HAS_X[0] == 3"), None);
        assert_eq!(eval("True"), Some(true));
        assert_eq!(eval("False or not True"), Some(false));
        assert_eq!(eval("sys.platform != 'win32'"), Some(true));
        assert_eq!(eval("'win' not in sys.platform"), Some(true));
        assert_eq!(eval("'lin' in sys.platform"), Some(true));
        assert_eq!(eval("sys.version_info.major is 3"), Some(true));
        assert_eq!(eval("sys.version_info.micro == 7"), Some(true));
        assert_eq!(eval("platform.python_implementation() == 'CPython'"), Some(true));
        assert_eq!(eval("'abc'.upper() == 'ABC' or sys.platform == 'linux'"), Some(true));
        // Depth counts nesting, not length.
        let long = vec!["(not WIN)"; MAX_DEPTH * 2].join(" and ");
        assert_eq!(eval(&long), Some(true));
        let deep = format!("{}True{}", "(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(eval(&deep), None);
        assert_eq!(eval(&format!("{}True", "not ".repeat(10_000))), None);
    }
}
