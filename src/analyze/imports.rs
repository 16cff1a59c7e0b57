//! The imports of one module, read from its logical lines: `import`,
//! `from ... import`, `importlib.import_module("...")`,
//! `importlib.util.find_spec("...")` and `__import__("...")`, wherever they
//! are (functions, classes, branches); the dotted names its string
//! literals spell (`"mysite.settings"`); and the text codecs it names
//! (`.encode("cp1252")`, `encoding="euc-jp"`, `codecs.lookup("idna")`).
//! Block structure comes from indentation: an import in a `try:` body whose
//! handlers catch `ImportError` (or in `with suppress(ImportError):`) is
//! optional, one in an `if` branch that the target never takes is dropped,
//! and one in a branch that cannot be decided is conditional.

use super::condition::{evaluate, Scope, Target};
use super::lexer::{logical_lines, Line, Lines, SyntaxError, Tok};
use std::collections::{HashMap, HashSet};

/// One imported module name, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// Dotted name without the leading dots; empty for `from . import x`.
    pub module: String,
    /// Number of leading dots (0 = absolute).
    pub level: u32,
    /// Names after `from ... import`, each maybe a submodule; `*` for a
    /// star import; empty for `import a.b`.
    pub names: Vec<String>,
    pub line: u32,
    /// In a `try:` body whose handlers catch `ImportError`.
    pub optional: bool,
    /// In an `if`/`elif`/`else` branch that the target may not take.
    pub conditional: bool,
    /// In a function body: runs only if the function is called.
    pub deferred: bool,
    /// In an `except ImportError:` handler: a fallback, needed only if one
    /// of these imports (indices into [`Scan::imports`]) fails.
    pub instead_of: Vec<usize>,
}

/// What analysis needs from a module's source.
#[derive(Debug, Default)]
pub struct Scan {
    pub imports: Vec<Import>,
    /// String literals assigned to `__all__` (for star imports).
    pub all: Vec<String>,
    /// Other string literals that are dotted names with at least one dot,
    /// such as a settings module named in an environment variable, and the
    /// module part of `"module:attribute"` entry points.
    pub dotted_strings: Vec<String>,
    /// Packages whose files are read by path, named as jinja2's
    /// `PackageLoader("package", ...)` names them.
    pub template_packages: Vec<String>,
    /// Codec names as written where a codec is looked up: the first
    /// argument of `.encode(...)`, `.decode(...)` and `codecs.lookup(...)`
    /// (and codecs' other look-ups), the second of `str(x, ...)`,
    /// `bytes(x, ...)`, `codecs.encode(x, ...)` and `codecs.decode(x, ...)`,
    /// and a string given to or assigned to a name ending in `encoding`.
    pub codec_names: Vec<String>,
}

/// Functions of `codecs` whose first argument is a codec name.
const CODEC_LOOKUPS: &[&str] = &[
    "lookup", "getencoder", "getdecoder", "getincrementalencoder", "getincrementaldecoder", "getreader", "getwriter",
    "iterencode", "iterdecode",
];

/// Exceptions whose handlers make the imports of a `try:` body optional.
const IMPORT_ERRORS: &[&str] = &["ImportError", "ModuleNotFoundError", "Exception", "BaseException"];

/// Reads the imports of a module's source. `name` is the value of
/// `__name__` while it runs (`__main__` for the entry). With `tools_unused`
/// (for the stdlib, whose `main()`s are `python -m` tools that a bundle
/// never runs), the imports of functions that only the module's own
/// `if __name__ == "__main__":` block calls are dropped.
pub fn scan(source: &str, target: &Target, name: &str, tools_unused: bool) -> Result<Scan, SyntaxError> {
    let lines = logical_lines(source)?;
    let mut scanner = Scanner { target: Some(target), name, ..Scanner::default() };
    for line in lines.iter() {
        scanner.line(&line);
    }
    let unused = if tools_unused { scanner.main_only_imports(&lines) } else { HashSet::new() };
    let mut dotted_strings = scanner.dotted_strings;
    dotted_strings.sort();
    dotted_strings.dedup();
    let template_packages = scanner.template_packages;
    let mut codec_names = scanner.codec_names;
    codec_names.sort();
    codec_names.dedup();
    Ok(Scan { imports: without(scanner.imports, &unused), all: scanner.all, dotted_strings, template_packages, codec_names })
}

/// `imports` but those at the `unused` indices, with `instead_of` renumbered.
fn without(imports: Vec<Import>, unused: &HashSet<usize>) -> Vec<Import> {
    if unused.is_empty() {
        return imports;
    }
    let mut renumbered = Vec::with_capacity(imports.len());
    let mut next = 0;
    for i in 0..imports.len() {
        renumbered.push((!unused.contains(&i)).then(|| {
            next += 1;
            next - 1
        }));
    }
    imports
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !unused.contains(i))
        .map(|(_, mut import)| {
            import.instead_of = import.instead_of.iter().filter_map(|&j| renumbered[j]).collect();
            import
        })
        .collect()
}

#[derive(Debug)]
enum Block {
    /// A `try:` statement: the imports of its body, and which clause it is
    /// in.
    Try { body: Vec<usize>, clause: Clause },
    /// An `if` chain: whether the current branch is dead or undecided, and
    /// what the earlier branches were.
    If { dead: bool, conditional: bool, taken: bool, undecided: bool },
    /// `with suppress(ImportError):`.
    Suppress,
    /// A function, by name; `top` for one at module level.
    Def { name: String, top: bool },
    /// `if __name__ == "__main__":` in a module that is not `__main__`.
    Main,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clause {
    Body,
    /// An `except` clause; whether it catches `ImportError`.
    Handler(bool),
    /// `else` or `finally`.
    Other,
}

#[derive(Debug)]
struct Frame {
    indent: usize,
    block: Block,
}

#[derive(Default)]
struct Scanner<'s> {
    target: Option<&'s Target>,
    name: &'s str,
    frames: Vec<Frame>,
    imports: Vec<Import>,
    all: Vec<String>,
    dotted_strings: Vec<String>,
    template_packages: Vec<String>,
    codec_names: Vec<String>,
    /// Module-level flags whose value on the target is known.
    flags: HashMap<String, bool>,
    /// Flags assigned again: never flags after that.
    unstable: HashSet<String>,
    /// The imports inside each module-level function.
    functions: HashMap<String, Vec<usize>>,
    /// How often each name occurs in a dead `__main__` block.
    main_names: HashMap<String, usize>,
}

impl<'s> Scanner<'s> {
    fn line(&mut self, line: &Line<'_, '_>) {
        let toks = line.toks;
        let keyword = match toks {
            [Tok::Name("async"), Tok::Name(k), ..] | [Tok::Name(k), ..] => *k,
            _ => "",
        };
        let continues = self.close_blocks(line.indent, keyword);
        let Some(colon) = header_end(keyword, toks) else {
            self.statements(toks, line);
            return;
        };
        let (head, body) = (&toks[..colon], &toks[colon + 1..]);
        let test = head.get(1..).unwrap_or_default();
        if !self.dead() {
            self.calls(head, line);
        }
        match keyword {
            "if" => {
                let value = self.evaluate(test);
                let main_block = value == Some(false) && line.indent == 0 && test.contains(&Tok::Name("__name__"));
                let block = if main_block {
                    Block::Main
                } else {
                    Block::If {
                        dead: value == Some(false),
                        conditional: value.is_none(),
                        taken: value == Some(true),
                        undecided: value.is_none(),
                    }
                };
                self.frames.push(Frame { indent: line.indent, block });
            }
            "def" => {
                if let Some(Tok::Name(name)) = toks.iter().skip_while(|t| t != &&Tok::Name("def")).nth(1) {
                    let block = Block::Def { name: name.to_string(), top: line.indent == 0 };
                    self.frames.push(Frame { indent: line.indent, block });
                }
            }
            "elif" | "else" if continues => {
                let value = if keyword == "elif" { self.evaluate(test) } else { Some(true) };
                self.next_branch(value);
            }
            "except" if continues => {
                let caught = head[1..].iter().all(|t| t == &Tok::Op(b'*'))
                    || head.iter().any(|t| matches!(t, Tok::Name(n) if IMPORT_ERRORS.contains(n)));
                if let Some(Frame { block: Block::Try { body, clause }, .. }) = self.frames.last_mut() {
                    if caught {
                        for &index in body.iter() {
                            self.imports[index].optional = true;
                        }
                    }
                    *clause = Clause::Handler(caught);
                }
            }
            "finally" if continues => self.next_branch(None),
            "try" => self.frames.push(Frame { indent: line.indent, block: Block::Try { body: Vec::new(), clause: Clause::Body } }),
            "with" => {
                let suppress = head.contains(&Tok::Name("suppress"))
                    && head.iter().any(|t| matches!(t, Tok::Name(n) if IMPORT_ERRORS.contains(n)));
                if suppress {
                    self.frames.push(Frame { indent: line.indent, block: Block::Suppress });
                }
            }
            _ => {}
        }
        self.statements(body, line);
    }

    /// Ends the blocks that a line at `indent` leaves; says whether the line
    /// goes on the innermost remaining one (`elif`, `else`, `except`,
    /// `finally` at its indentation).
    fn close_blocks(&mut self, indent: usize, keyword: &str) -> bool {
        while let Some(top) = self.frames.last() {
            if indent > top.indent {
                return false;
            }
            let goes_on = indent == top.indent
                && match top.block {
                    Block::Try { .. } => matches!(keyword, "except" | "else" | "finally"),
                    Block::If { .. } | Block::Main => matches!(keyword, "elif" | "else"),
                    Block::Suppress | Block::Def { .. } => false,
                };
            if goes_on {
                return true;
            }
            self.frames.pop();
        }
        false
    }

    /// Moves the innermost block to its next branch (`elif`/`else` of an
    /// `if`, `else` of a `try`).
    fn next_branch(&mut self, value: Option<bool>) {
        match self.frames.last_mut() {
            Some(Frame { block: Block::If { dead, conditional, taken, undecided }, .. }) => {
                *dead = *taken || value == Some(false);
                *conditional = *undecided || value.is_none();
                *taken |= value == Some(true);
                *undecided |= value.is_none();
            }
            Some(Frame { block: Block::Try { clause, .. }, .. }) => *clause = Clause::Other,
            Some(frame @ Frame { block: Block::Main, .. }) => {
                frame.block = Block::If { dead: value == Some(false), conditional: value.is_none(), taken: false, undecided: false };
            }
            _ => {}
        }
    }

    fn evaluate(&self, test: &[Tok<'_>]) -> Option<bool> {
        let target = self.target?;
        evaluate(test, &Scope { target, flags: &self.flags, name: self.name })
    }

    fn dead(&self) -> bool {
        self.frames.iter().any(|f| matches!(f.block, Block::If { dead: true, .. } | Block::Main))
    }

    /// The simple statements of a line (or of a header's inline body),
    /// split at `;`.
    fn statements(&mut self, toks: &[Tok<'_>], line: &Line<'_, '_>) {
        if self.dead() {
            if self.frames.iter().any(|f| matches!(f.block, Block::Main)) {
                for tok in toks {
                    if let Tok::Name(name) = tok {
                        *self.main_names.entry(name.to_string()).or_default() += 1;
                    }
                }
            }
            return;
        }
        let mut depth = 0i32;
        let mut start = 0;
        for (i, tok) in toks.iter().enumerate() {
            match tok {
                Tok::Op(b'(' | b'[' | b'{') => depth += 1,
                Tok::Op(b')' | b']' | b'}') => depth -= 1,
                Tok::Op(b';') if depth == 0 => {
                    self.statement(&toks[start..i], line);
                    start = i + 1;
                }
                _ => {}
            }
        }
        self.statement(&toks[start..], line);
    }

    fn statement(&mut self, toks: &[Tok<'_>], line: &Line<'_, '_>) {
        match toks {
            // `lazy` (3.15, PEP 810) defers the import; the module is still needed.
            [Tok::Name("import"), rest @ ..] | [Tok::Name("lazy"), Tok::Name("import"), rest @ ..] => self.import(rest, line.number),
            [Tok::Name("from"), rest @ ..] | [Tok::Name("lazy"), Tok::Name("from"), rest @ ..] => self.import_from(rest, line.number),
            [Tok::Name("__all__"), ..] => {
                self.all.extend(toks.iter().filter_map(|t| match t {
                    Tok::Str(Some(s)) => Some(s.to_string()),
                    _ => None,
                }));
            }
            [Tok::Name(name), Tok::Op(b'='), value @ ..] if value.first() != Some(&Tok::Op(b'=')) => {
                self.assignment(name, value, line.indent);
                self.calls(toks, line);
            }
            _ => self.calls(toks, line),
        }
    }

    /// Keeps `NAME = <test known on the target>` at module level as a flag;
    /// a flag assigned again anywhere is no longer trusted.
    fn assignment(&mut self, name: &str, value: &[Tok<'_>], indent: usize) {
        if self.unstable.contains(name) {
            return;
        }
        let known = if indent == 0 && !self.flags.contains_key(name) { self.evaluate(value) } else { None };
        match known {
            Some(flag) => {
                self.flags.insert(name.to_string(), flag);
            }
            None => {
                if self.flags.remove(name).is_some() {
                    self.unstable.insert(name.to_string());
                }
            }
        }
    }

    /// `import a.b.c [as x], d`.
    fn import(&mut self, toks: &[Tok<'_>], line: u32) {
        for part in toks.split(|t| t == &Tok::Op(b',')) {
            if let Some((module, _)) = dotted(part) {
                self.record(Import { module, level: 0, names: Vec::new(), line, optional: false, conditional: false, deferred: false, instead_of: Vec::new() });
            }
        }
    }

    /// `from .a import b [as c], d`, `from . import (x, y)`, `from a import *`.
    fn import_from(&mut self, toks: &[Tok<'_>], line: u32) {
        let level = toks.iter().take_while(|t| t == &&Tok::Op(b'.')).count();
        let rest = &toks[level..];
        let (module, used) = match rest.first() {
            Some(Tok::Name("import")) => (String::new(), 0),
            _ => match dotted(rest) {
                Some(found) => found,
                None => return,
            },
        };
        let Some((Tok::Name("import"), names)) = rest[used..].split_first() else { return };
        let names: Vec<String> = if names.first() == Some(&Tok::Op(b'*')) {
            vec!["*".to_string()]
        } else {
            names
                .split(|t| t == &Tok::Op(b','))
                .filter_map(|part| match part {
                    [Tok::Op(b'('), Tok::Name(n), ..] | [Tok::Name(n), ..] => Some(n.to_string()),
                    _ => None,
                })
                .collect()
        };
        let level = u32::try_from(level).unwrap_or(u32::MAX);
        self.record(Import { module, level, names, line, optional: false, conditional: false, deferred: false, instead_of: Vec::new() });
    }

    /// `importlib.import_module("x")`, `import_module(".x", __package__)`,
    /// `import_module(".x", package="pkg")`, `importlib.util.find_spec`
    /// with the same arguments, and `__import__("x")`; and the dotted names
    /// in string literals.
    fn calls(&mut self, toks: &[Tok<'_>], line: &Line<'_, '_>) {
        for (i, tok) in toks.iter().enumerate() {
            if let Tok::Str(Some(text)) = tok {
                // `"pkg.mod"`, or an entry point `"module:attribute"`
                // (`uvicorn.run("main:app")`).
                let module = match text.split_once(':') {
                    Some((module, attribute)) => Some(module).filter(|_| is_dotted_name(attribute)),
                    None => Some(*text).filter(|t| t.contains('.')),
                };
                if let Some(module) = module.filter(|m| is_dotted_name(m)) {
                    self.dotted_strings.push(module.to_string());
                }
            }
            let codecs = codec_names(&toks[..i], tok, &toks[i + 1..]);
            self.codec_names.extend(codecs.into_iter().map(String::from));
            if let (Tok::Name("PackageLoader"), Some([Tok::Op(b'('), Tok::Str(Some(package)), ..])) = (tok, toks.get(i + 1..)) {
                if is_dotted_name(package) {
                    self.template_packages.push(package.to_string());
                }
            }
            let Tok::Name(function @ ("import_module" | "find_spec" | "__import__")) = tok else { continue };
            let Some([Tok::Op(b'('), Tok::Str(Some(text)), after @ ..]) = toks.get(i + 1..) else { continue };
            let owner = if *function == "find_spec" { "util" } else { "importlib" };
            let qualified_by_other = i > 0 && toks[i - 1] == Tok::Op(b'.') && (i < 2 || toks[i - 2] != Tok::Name(owner));
            if *function != "__import__" && qualified_by_other {
                continue;
            }
            let level = text.bytes().take_while(|&c| c == b'.').count();
            let module = &text[level..];
            if !(is_dotted_name(module) || (level > 0 && module.is_empty())) {
                continue;
            }
            let import = |module: String, level: usize| Import {
                module,
                level: u32::try_from(level).unwrap_or(u32::MAX),
                names: Vec::new(),
                line: line.number,
                optional: false,
                conditional: false,
                deferred: false,
                instead_of: Vec::new(),
            };
            if level == 0 {
                self.record(import(module.to_string(), 0));
                continue;
            }
            if *function == "__import__" {
                continue;
            }
            let package = match after {
                [Tok::Op(b','), Tok::Name("package"), Tok::Op(b'='), package, ..] | [Tok::Op(b','), package, ..] => package,
                _ => continue,
            };
            match package {
                Tok::Name("__name__" | "__package__") => self.record(import(module.to_string(), level)),
                Tok::Str(Some(package)) if is_dotted_name(package) => {
                    let parts: Vec<&str> = package.split('.').collect();
                    let Some(keep) = parts.len().checked_sub(level - 1).filter(|&k| k > 0) else { continue };
                    let mut absolute = parts[..keep].join(".");
                    if !module.is_empty() {
                        absolute = format!("{absolute}.{module}");
                    }
                    self.record(import(absolute, 0));
                }
                _ => {}
            }
        }
    }

    fn record(&mut self, mut import: Import) {
        let index = self.imports.len();
        for frame in &mut self.frames {
            match &mut frame.block {
                Block::Try { body, clause: Clause::Body } => body.push(index),
                Block::Try { body, clause: Clause::Handler(true) } => import.instead_of = body.clone(),
                Block::If { conditional: true, .. } => import.conditional = true,
                Block::Suppress => import.optional = true,
                Block::Def { name, top } => {
                    import.deferred = true;
                    if *top {
                        self.functions.entry(name.clone()).or_default().push(index);
                    }
                }
                _ => {}
            }
        }
        self.imports.push(import);
    }

    /// The imports of module-level functions that only this module's dead
    /// `if __name__ == "__main__":` block calls (`_test()`, `main()`): their
    /// name occurs nowhere else in the module, nor in `__all__`.
    fn main_only_imports(&self, lines: &Lines<'_>) -> HashSet<usize> {
        let candidates: Vec<(&String, &Vec<usize>)> = self
            .functions
            .iter()
            .filter(|(name, _)| self.main_names.contains_key(*name) && !self.all.contains(name))
            .collect();
        let mut unused = HashSet::new();
        for (name, imports) in candidates {
            let everywhere = lines.toks.iter().filter(|t| matches!(t, Tok::Name(n) if n == name)).count();
            if everywhere == 1 + self.main_names[name] {
                unused.extend(imports);
            }
        }
        unused
    }
}

/// Where a compound statement's header ends (its `:`), if `keyword` starts
/// one; `lambda`s in the header have their own `:`.
fn header_end(keyword: &str, toks: &[Tok<'_>]) -> Option<usize> {
    let compound = match keyword {
        "if" | "elif" | "else" | "try" | "except" | "finally" | "while" | "for" | "with" | "def" | "class"
        | "async" => true,
        // Soft keywords: `match = 1`, `match(x)`, `case.attr` are not headers.
        "match" | "case" => !matches!(
            toks.get(1),
            None | Some(Tok::Op(b'=' | b'.' | b':' | b',' | b')' | b'[')) | Some(Tok::Walrus)
        ),
        _ => false,
    };
    if !compound {
        return None;
    }
    let mut depth = 0i32;
    let mut lambdas = 0;
    for (i, tok) in toks.iter().enumerate() {
        match tok {
            Tok::Op(b'(' | b'[' | b'{') => depth += 1,
            Tok::Op(b')' | b']' | b'}') => depth -= 1,
            Tok::Name("lambda") if depth == 0 => lambdas += 1,
            Tok::Op(b':') if depth == 0 && lambdas > 0 => lambdas -= 1,
            Tok::Op(b':') if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// A dotted name at the start of `toks`, and how many tokens it used.
fn dotted(toks: &[Tok<'_>]) -> Option<(String, usize)> {
    let Some(Tok::Name(first)) = toks.first() else { return None };
    let mut name = first.to_string();
    let mut used = 1;
    while let [Tok::Op(b'.'), Tok::Name(part), ..] = &toks[used..] {
        name.push('.');
        name.push_str(part);
        used += 2;
    }
    Some((name, used))
}

/// `a.b.c` made of identifiers.
pub fn is_dotted_name(text: &str) -> bool {
    !text.is_empty() && text.split('.').all(is_identifier)
}

/// The codecs that the call or assignment at `tok` names (see
/// [`Scan::codec_names`]): the string literals of the argument or value
/// that names a codec (`x.decode(name or "cp437")`); `before` and `after`
/// are the tokens around `tok`.
fn codec_names<'a>(before: &[Tok<'a>], tok: &Tok<'a>, after: &[Tok<'a>]) -> Vec<&'a str> {
    let Tok::Name(name) = tok else { return Vec::new() };
    let attribute = matches!(before.last(), Some(Tok::Op(b'.')));
    let of_codecs = attribute && before.len() >= 2 && before[before.len() - 2] == Tok::Name("codecs");
    let argument = match *name {
        "encode" | "decode" if of_codecs => 1,
        "encode" | "decode" if attribute => 0,
        "str" | "bytes" if !attribute => 1,
        lookup if of_codecs && CODEC_LOOKUPS.contains(&lookup) => 0,
        name if name.to_ascii_lowercase().ends_with("encoding") => {
            return match after {
                [Tok::Op(b'='), value @ ..] => literals(value),
                _ => Vec::new(),
            };
        }
        _ => return Vec::new(),
    };
    match after {
        [Tok::Op(b'('), arguments @ ..] => literals(nth_argument(arguments, argument)),
        _ => Vec::new(),
    }
}

/// The tokens of argument `n` of a call whose arguments start `tokens`.
fn nth_argument<'t, 'a>(tokens: &'t [Tok<'a>], n: usize) -> &'t [Tok<'a>] {
    let (mut depth, mut index, mut start) = (0usize, 0, 0);
    for (at, tok) in tokens.iter().enumerate() {
        match tok {
            Tok::Op(b'(' | b'[' | b'{') => depth += 1,
            Tok::Op(b')' | b']' | b'}') if depth == 0 => return if index == n { &tokens[start..at] } else { &[] },
            Tok::Op(b')' | b']' | b'}') => depth -= 1,
            Tok::Op(b',') if depth == 0 => {
                if index == n {
                    return &tokens[start..at];
                }
                index += 1;
                start = at + 1;
            }
            _ => {}
        }
    }
    if index == n { &tokens[start..] } else { &[] }
}

/// The string literals of one expression's tokens, up to where it ends at
/// its own level (a `,` or closing bracket).
fn literals<'a>(tokens: &[Tok<'a>]) -> Vec<&'a str> {
    nth_argument(tokens, 0).iter().filter_map(|tok| if let Tok::Str(Some(text)) = tok { Some(*text) } else { None }).collect()
}

/// A file name stem that `importlib.import_module` can import from a
/// package, though `import` cannot spell it (`0001_initial`).
pub fn is_module_stem(stem: &str) -> bool {
    !stem.is_empty() && !stem.contains('.') && !stem.contains(char::is_whitespace)
}

pub fn is_identifier(part: &str) -> bool {
    let mut chars = part.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imports_of(source: &str) -> Vec<(String, u32, Vec<String>, bool, bool)> {
        let target = Target { version: (3, 11, 7), platform: "linux".into() };
        scan(source, &target, "pkg.mod", true)
            .unwrap()
            .imports
            .into_iter()
            .map(|i| (i.module, i.level, i.names, i.optional, i.conditional))
            .collect()
    }

    fn modules(source: &str) -> Vec<String> {
        imports_of(source)
            .into_iter()
            .map(|(m, level, names, ..)| format!("{}{m}{}", ".".repeat(level as usize), if names.is_empty() { String::new() } else { format!(":{}", names.join(",")) }))
            .collect()
    }

    #[test]
    fn statement_forms() {
        let source = "import a.b.c as x, d\nfrom e.f import g, h as i\nfrom . import (j,\n    k,)\nfrom ..pkg.mod import y\nfrom ... import z\nfrom m import *\nimport n; import o\n";
        assert_eq!(
            modules(source),
            ["a.b.c", "d", "e.f:g,h", ".:j,k", "..pkg.mod:y", "...:z", "m:*", "n", "o"]
        );
    }

    #[test]
    fn semicolons_inside_brackets_do_not_split() {
        assert_eq!(modules("print(f(1), [2]); import json\nx = {'a': (1, 2)}; import csv\n"), ["json", "csv"]);
    }

    #[test]
    fn elif_chains_take_the_first_true_branch() {
        let source = "if sys.platform == 'win32':\n    import a\nelif sys.platform == 'linux':\n    import b\nelif True:\n    import c\nelse:\n    import d\n";
        assert_eq!(modules(source), ["b"]);
    }

    #[test]
    fn the_else_of_a_loop_in_a_dead_branch_is_dead() {
        let source = "if sys.platform == 'win32':\n    for x in y:\n        pass\n    else:\n        import a\nimport b\n";
        assert_eq!(modules(source), ["b"]);
    }

    #[test]
    fn the_else_of_a_main_block_runs_in_an_imported_module() {
        let source = "if __name__ == '__main__':\n    import a\nelse:\n    import b\n";
        assert_eq!(modules(source), ["b"]);
    }

    #[test]
    fn headers_hold_calls_and_lambdas() {
        // A call in a live header runs; one in a dead branch's does not.
        let source = "if importlib.import_module('live'):\n    pass\nif sys.platform == 'win32':\n    if importlib.import_module('dead'):\n        pass\n";
        assert_eq!(modules(source), ["live"]);
        // A lambda's `:` is not the end of the header.
        assert_eq!(modules("if lambda: 0: import a\n"), ["a"]);
        // Nor is a walrus's.
        assert_eq!(modules("if m := re.match('x', s): import b\n"), ["b"]);
    }

    #[test]
    fn a_comparison_is_not_an_assignment() {
        let source = "HAS_X = False\nHAS_X == True\nif HAS_X:\n    import x\n";
        assert_eq!(modules(source), Vec::<String>::new());
    }

    #[test]
    fn packages_named_by_a_template_loader() {
        let target = Target { version: (3, 11, 0), platform: "linux".into() };
        let scanned = scan("env = Environment(loader=PackageLoader(\"myapp.web\", \"templates\"))\nPackageLoader(name)\n", &target, "m", false).unwrap();
        assert_eq!(scanned.template_packages, ["myapp.web"]);
    }

    #[test]
    fn lazy_imports_of_3_15() {
        let source = "lazy import a.b\nlazy from .thread import ThreadPoolExecutor\nlazy = 1\n";
        assert_eq!(modules(source), ["a.b", ".thread:ThreadPoolExecutor"]);
    }

    #[test]
    fn strings_comments_and_continuations() {
        let source = r#"
s = "import nope1"
t = '''
import nope2
'''
u = f"{'import nope3'} {x!r:>{w}}"   # import nope4
import \
    yes1
v = rb'\' import nope5'
def f():
    import yes2
class C:
    from yes3 import thing
"#;
        assert_eq!(modules(source), ["yes1", "yes2", "yes3:thing"]);
    }

    #[test]
    fn dynamic_imports() {
        let source = r#"
import importlib
m = importlib.import_module("x.y")
n = import_module(".sub", __package__)
o = importlib.import_module("..other", package="pkg.inner")
p = __import__("q.r", fromlist=["s"])
skipped = importlib.import_module(name)
skipped = self.import_module("nope")
skipped = importlib.import_module(f"a{b}")
spec = importlib.util.find_spec("html.parser")
found = find_spec(".helpers", __name__)
skipped = finder.find_spec("nope.either")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
uvicorn.run("server:app", host="0.0.0.0")
skipped = "http://localhost:80", "a:b:c", "only.module:"
skipped = importlib.import_module("")
skipped = importlib.import_module(".sub", "not a package name")
import_module("first.on.its.line")
"#;
        assert_eq!(modules(source), ["importlib", "x.y", ".sub", "pkg.other", "q.r", "html.parser", ".helpers", "first.on.its.line"]);
        let scanned = scan(source, &Target { version: (3, 11, 0), platform: "linux".into() }, "m", false).unwrap();
        assert_eq!(scanned.dotted_strings, ["first.on.its.line", "html.parser", "mysite.settings", "nope.either", "pkg.inner", "q.r", "server", "x.y"]);
    }

    #[test]
    fn codec_names() {
        let source = r#"
text.encode("cp1252", "ignore")
data.decode('euc-jp')
codecs.lookup("Shift_JIS")
codecs.getincrementaldecoder("utf-16")()
codecs.encode(obj, "rot13")
str(raw, "koi8-r")
bytes(text, "big5")
open("f", encoding="gb2312")
DEFAULT_ENCODING = "mac-roman"
filename.decode(self.metadata_encoding or 'cp437')
open(f, "w", encoding=enc if enc else "iso8859-15", errors="x")
skipped = text.encode(name)
skipped = lookup("iso2022_jp")
skipped = str(a, b, "cp437")
skipped = {"charset": "latin-1"}
skipped = self.str(raw, "cp850")
codecs.decode(pick(a, "cp866", [b, "cp855"]), "hex")
"#;
        let scanned = scan(source, &Target { version: (3, 11, 0), platform: "linux".into() }, "m", false).unwrap();
        assert_eq!(
            scanned.codec_names,
            ["Shift_JIS", "big5", "cp1252", "cp437", "euc-jp", "gb2312", "hex", "iso8859-15", "koi8-r", "mac-roman", "rot13", "utf-16"]
        );
    }

    #[test]
    fn module_stems_import_module_can_name() {
        assert!(is_module_stem("0001_initial"));
        for not_one in ["", "a.b", "a b", "tab\there"] {
            assert!(!is_module_stem(not_one), "{not_one:?}");
        }
    }

    #[test]
    fn try_imports_are_optional() {
        let source = "
try:
    import a
    try:
        import b
    except KeyError:
        import c
except (ImportError, AttributeError):
    import d
else:
    import e
try: import f
except: pass
try:
    import g
finally:
    pass
from contextlib import suppress
with suppress(ModuleNotFoundError):
    import h
import i
try:
    import j
except ValueError:
    pass
";
        let optional: Vec<(String, bool)> = imports_of(source).into_iter().map(|i| (i.0, i.3)).collect();
        let expected = [("a", true), ("b", true), ("c", true), ("d", false), ("e", false), ("f", true), ("g", false), ("contextlib", false), ("h", true), ("i", false), ("j", false)];
        assert_eq!(optional, expected.map(|(m, o)| (m.to_string(), o)));
    }

    #[test]
    fn branches_known_on_the_target() {
        let source = "
import sys
from typing import TYPE_CHECKING
WIN = sys.platform.startswith('win')
if TYPE_CHECKING:
    import typing_only
if sys.platform == 'win32':
    import msvcrt
elif sys.platform == 'darwin':
    import macos
else:
    import posix_only
if WIN:
    import winreg
if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli
if have_x:
    import maybe
    if sys.version_info < (3, 8): import old
elif other:
    import maybe2
else:
    import maybe3
if __name__ == '__main__':
    import argparse
def f():
    if os.name == 'nt':
        import nt_only
    import always
";
        let got: Vec<(String, bool)> = imports_of(source).into_iter().map(|i| (i.0, i.4)).collect();
        let expected = [("sys", false), ("typing", false), ("posix_only", false), ("tomllib", false), ("maybe", true), ("maybe2", true), ("maybe3", true), ("always", false)];
        assert_eq!(got, expected.map(|(m, c)| (m.to_string(), c)));
    }

    #[test]
    fn fallbacks_name_what_they_replace() {
        let target = Target { version: (3, 11, 7), platform: "linux".into() };
        let source = "try:\n    import fast\n    from . import faster\nexcept ImportError:\n    import slow\nelse:\n    import after\ntry:\n    x()\nexcept (ValueError, ImportError):\n    import other\n";
        let imports = scan(source, &target, "pkg.mod", true).unwrap().imports;
        let instead: Vec<(&str, Vec<usize>)> = imports.iter().map(|i| (i.module.as_str(), i.instead_of.clone())).collect();
        assert_eq!(instead, [("fast", vec![]), ("", vec![]), ("slow", vec![0, 1]), ("after", vec![]), ("other", vec![])]);
    }

    #[test]
    fn functions_only_the_main_block_calls() {
        let target = Target { version: (3, 11, 7), platform: "linux".into() };
        let source = "import a\ndef _test():\n    import doctest\ndef main():\n    import argparse\ndef used():\n    import json\nmain_alias = main\nhandlers = [used]\ntry:\n    import x\nexcept ImportError:\n    import y\nif __name__ == '__main__':\n    _test(); main(); used()\n";
        let modules = |name: &str| -> Vec<String> {
            scan(source, &target, name, true).unwrap().imports.into_iter().map(|i| format!("{}{:?}", i.module, i.instead_of)).collect()
        };
        assert_eq!(modules("pkg.mod"), ["a[]", "argparse[]", "json[]", "x[]", "y[3]"]);
        let kept = scan(source, &target, "pkg.mod", false).unwrap().imports;
        assert_eq!(kept.len(), 6);
        assert_eq!(modules("__main__").len(), 6);
    }

    #[test]
    fn imports_in_functions_are_deferred() {
        let target = Target { version: (3, 11, 7), platform: "linux".into() };
        let source = "import a\nclass C:\n    import b\n    def m(self):\n        import c\n    import d\ndef f():\n    def g(): pass\n    import e\nimport f\n";
        let deferred: Vec<(String, bool)> = scan(source, &target, "m", true).unwrap().imports.into_iter().map(|i| (i.module, i.deferred)).collect();
        let expected = [("a", false), ("b", false), ("c", true), ("d", false), ("e", true), ("f", false)];
        assert_eq!(deferred, expected.map(|(m, d)| (m.to_string(), d)));
    }

    #[test]
    fn flags_reassigned_are_not_trusted() {
        let source = "import sys\nWIN = sys.platform == 'win32'\nWIN = True\nif WIN:\n    import winreg\n";
        assert_eq!(imports_of(source).len(), 2);
        let source = "LINUX = sys.platform == 'linux'\nLINUX = False\nif LINUX:\n    import a\n";
        assert_eq!(modules(source), ["a"]);
        // Only a module-level assignment makes a flag.
        let source = "def f():\n    WIN = sys.platform == 'win32'\nif WIN:\n    import b\n";
        assert_eq!(modules(source), ["b"]);
    }

    #[test]
    fn dunder_all_and_headers() {
        let target = Target { version: (3, 11, 7), platform: "linux".into() };
        let source = "__all__ = ['a', 'b']\n__all__ += ['c']\nmatch x:\n    case 1: import m\nif (lambda: 1)(): import l\nmatch = 3\n";
        let scan = scan(source, &target, "__main__", true).unwrap();
        assert_eq!(scan.all, ["a", "b", "c"]);
        let names: Vec<&str> = scan.imports.iter().map(|i| i.module.as_str()).collect();
        assert_eq!(names, ["m", "l"]);
    }
}
