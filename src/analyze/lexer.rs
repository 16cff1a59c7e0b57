//! A Python tokenizer just deep enough for import analysis: it splits source
//! into logical lines (joining bracketed and backslash-continued lines,
//! dropping comments and blank lines) and keeps names, operators and string
//! literals, so that `import` inside a string or comment is never seen.
//! Strings of every form are handled: all prefixes, triple quotes, and
//! f-strings with nested replacement fields and quotes (PEP 701).

use std::fmt;

/// One token of a logical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok<'a> {
    /// An identifier or keyword.
    Name(&'a str),
    /// A string literal: its text if it is a plain one-part literal (no
    /// f/b prefix, no backslash), which is all a module name can be.
    Str(Option<&'a str>),
    /// A number literal, as written.
    Num(&'a str),
    /// A one-character operator or delimiter (`.`, `(`, `:`, `*`, ...).
    Op(u8),
    /// `:=`, kept apart so that a header's closing `:` is never confused.
    Walrus,
}

/// A logical line: its tokens, the column of its first token and the line
/// number where it starts (1-based).
#[derive(Debug, Clone, Copy)]
pub struct Line<'t, 'a> {
    pub indent: usize,
    pub number: u32,
    pub toks: &'t [Tok<'a>],
}

/// The logical lines of a source: all tokens in one vector (one allocation
/// per file, not per line), and where each line's tokens are.
#[derive(Debug, Default)]
pub struct Lines<'a> {
    pub toks: Vec<Tok<'a>>,
    spans: Vec<Span>,
}

#[derive(Debug)]
struct Span {
    start: usize,
    end: usize,
    indent: usize,
    number: u32,
}

impl<'a> Lines<'a> {
    pub fn iter(&self) -> impl Iterator<Item = Line<'_, 'a>> {
        self.spans.iter().map(|s| Line { indent: s.indent, number: s.number, toks: &self.toks[s.start..s.end] })
    }

    /// Ends the line that started at token `start`, if one did.
    fn close(&mut self, open: &mut Option<(usize, usize, u32)>) {
        if let Some((start, indent, number)) = open.take() {
            self.spans.push(Span { start, end: self.toks.len(), indent, number });
        }
    }
}

/// Why a source could not be tokenized, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: u32,
    pub message: &'static str,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Splits `source` into logical lines.
pub fn logical_lines(source: &str) -> Result<Lines<'_>, SyntaxError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let mut lexer = Lexer { src: source, b: source.as_bytes(), i: 0, line: 1, nesting: 0 };
    lexer.run()
}

/// How deep f-strings may nest in each other (CPython allows far fewer).
const MAX_NESTING: usize = 200;

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    line: u32,
    /// Replacement fields open around the current position.
    nesting: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self, ahead: usize) -> u8 {
        self.b.get(self.i + ahead).copied().unwrap_or(0)
    }

    fn error(&self, message: &'static str) -> SyntaxError {
        SyntaxError { line: self.line, message }
    }

    fn run(&mut self) -> Result<Lines<'a>, SyntaxError> {
        let mut lines = Lines { toks: Vec::with_capacity(self.b.len() / 4), spans: Vec::new() };
        // The open line: its first token, indentation and line number.
        let mut current: Option<(usize, usize, u32)> = None;
        // Open brackets and the line of each.
        let mut brackets: Vec<(u8, u32)> = Vec::new();
        while self.i < self.b.len() {
            if current.is_none() {
                let indent = self.indentation();
                match self.peek(0) {
                    b'#' | b'\n' | b'\r' => {
                        self.skip_comment();
                        self.newline();
                        continue;
                    }
                    _ if self.i >= self.b.len() => break,
                    _ => current = Some((lines.toks.len(), indent, self.line)),
                }
            }
            let c = self.peek(0);
            let tok = match c {
                b' ' | b'\t' | b'\x0c' => {
                    self.i += 1;
                    continue;
                }
                b'#' => {
                    self.skip_comment();
                    continue;
                }
                b'\n' | b'\r' => {
                    self.newline();
                    if brackets.is_empty() {
                        lines.close(&mut current);
                    }
                    continue;
                }
                b'\\' => {
                    self.i += 1;
                    if !matches!(self.peek(0), b'\n' | b'\r') {
                        return Err(self.error("unexpected character after line continuation"));
                    }
                    self.newline();
                    continue;
                }
                b'\'' | b'"' => self.string("")?,
                b'0'..=b'9' => self.number(),
                b'.' if self.peek(1).is_ascii_digit() => self.number(),
                c if is_name_start(c) => {
                    let name = self.name();
                    if matches!(self.peek(0), b'\'' | b'"') && is_string_prefix(name) {
                        self.string(name)?
                    } else {
                        Tok::Name(name)
                    }
                }
                b'(' | b'[' | b'{' => {
                    brackets.push((c, self.line));
                    self.i += 1;
                    Tok::Op(c)
                }
                b')' | b']' | b'}' => {
                    let open = match c {
                        b')' => b'(',
                        b']' => b'[',
                        _ => b'{',
                    };
                    if brackets.pop().map(|(b, _)| b) != Some(open) {
                        return Err(self.error("unmatched closing bracket"));
                    }
                    self.i += 1;
                    Tok::Op(c)
                }
                b':' if self.peek(1) == b'=' => {
                    self.i += 2;
                    Tok::Walrus
                }
                c => {
                    self.i += 1;
                    Tok::Op(c)
                }
            };
            lines.toks.push(tok);
        }
        if let Some(&(_, line)) = brackets.last() {
            return Err(SyntaxError { line, message: "bracket never closed" });
        }
        lines.close(&mut current);
        Ok(lines)
    }

    /// Reads leading whitespace at the start of a physical line; tabs go to
    /// the next multiple of 8 as in CPython.
    fn indentation(&mut self) -> usize {
        let mut column = 0;
        loop {
            match self.peek(0) {
                b' ' => column += 1,
                b'\t' => column = (column / 8 + 1) * 8,
                b'\x0c' => column = 0,
                _ => return column,
            }
            self.i += 1;
        }
    }

    fn skip_comment(&mut self) {
        while !matches!(self.peek(0), b'\n' | b'\r' | 0) {
            self.i += 1;
        }
    }

    /// Consumes one line ending (`\n`, `\r\n` or `\r`) if there is one.
    fn newline(&mut self) {
        match self.peek(0) {
            b'\r' if self.peek(1) == b'\n' => self.i += 2,
            b'\r' | b'\n' => self.i += 1,
            _ => return,
        }
        self.line += 1;
    }

    fn name(&mut self) -> &'a str {
        let start = self.i;
        while self.i < self.b.len() && is_name_char(self.b[self.i]) {
            self.i += 1;
        }
        &self.src[start..self.i]
    }

    fn number(&mut self) -> Tok<'a> {
        let start = self.i;
        let hex = self.peek(0) == b'0' && matches!(self.peek(1), b'x' | b'X');
        while self.i < self.b.len() {
            let c = self.b[self.i];
            let exponent_sign =
                matches!(c, b'+' | b'-') && !hex && matches!(self.b[self.i - 1], b'e' | b'E');
            if !(c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || exponent_sign) {
                break;
            }
            self.i += 1;
        }
        Tok::Num(&self.src[start..self.i])
    }

    /// Reads a string literal whose opening quote is at `self.i`.
    fn string(&mut self, prefix: &str) -> Result<Tok<'a>, SyntaxError> {
        let lower = prefix.to_ascii_lowercase();
        let raw = lower.contains('r');
        let formatted = lower.contains('f') || lower.contains('t');
        let quote = self.peek(0);
        let triple = self.peek(1) == quote && self.peek(2) == quote;
        let first_line = self.line;
        self.i += if triple { 3 } else { 1 };
        if formatted {
            self.fstring_body(quote, triple, raw).map_err(|e| SyntaxError { line: first_line, ..e })?;
            return Ok(Tok::Str(None));
        }
        let start = self.i;
        let mut escaped = false;
        loop {
            match self.peek(0) {
                0 if self.i >= self.b.len() => {
                    return Err(SyntaxError { line: first_line, message: "unterminated string literal" });
                }
                b'\\' => {
                    escaped = true;
                    self.i += 1;
                    if matches!(self.peek(0), b'\n' | b'\r') {
                        self.newline();
                    } else {
                        self.i += 1;
                    }
                }
                b'\n' | b'\r' if !triple => return Err(self.error("unterminated string literal")),
                b'\n' | b'\r' => self.newline(),
                c if c == quote && (!triple || (self.peek(1) == quote && self.peek(2) == quote)) => {
                    let end = self.i;
                    self.i += if triple { 3 } else { 1 };
                    let plain = !escaped && !lower.contains('b');
                    return Ok(Tok::Str(plain.then(|| &self.src[start..end])));
                }
                _ => self.i += 1,
            }
        }
    }

    /// The literal part of an f-string, up to and including its closing
    /// quote; replacement fields are read by [`Self::replacement_field`].
    fn fstring_body(&mut self, quote: u8, triple: bool, raw: bool) -> Result<(), SyntaxError> {
        loop {
            match self.peek(0) {
                0 if self.i >= self.b.len() => return Err(self.error("unterminated f-string")),
                b'\\' => {
                    self.i += 1;
                    match self.peek(0) {
                        b'\n' | b'\r' => self.newline(),
                        // `\N{NAME}` is a character, not a replacement field.
                        b'N' if !raw && self.peek(1) == b'{' => {
                            while !matches!(self.peek(0), b'}' | b'\n' | 0) {
                                self.i += 1;
                            }
                            self.i += 1;
                        }
                        b'{' => {}
                        _ => self.i += 1,
                    }
                }
                // `{{` is text (and `}`, doubled or not, is like any other
                // character here).
                b'{' if self.peek(1) == b'{' => self.i += 2,
                b'{' => {
                    self.i += 1;
                    self.replacement_field()?;
                }
                b'\n' | b'\r' if !triple => return Err(self.error("unterminated f-string")),
                b'\n' | b'\r' => self.newline(),
                c if c == quote && (!triple || (self.peek(1) == quote && self.peek(2) == quote)) => {
                    self.i += if triple { 3 } else { 1 };
                    return Ok(());
                }
                _ => self.i += 1,
            }
        }
    }

    /// An f-string's `{expression!conversion:format_spec}`, after its `{`,
    /// up to and including its `}`.
    fn replacement_field(&mut self) -> Result<(), SyntaxError> {
        if self.nesting >= MAX_NESTING {
            return Err(self.error("f-strings nested too deeply"));
        }
        self.nesting += 1;
        let result = self.field_contents();
        self.nesting -= 1;
        result
    }

    fn field_contents(&mut self) -> Result<(), SyntaxError> {
        let mut depth = 0usize;
        loop {
            let c = self.peek(0);
            match c {
                0 if self.i >= self.b.len() => return Err(self.error("unterminated f-string")),
                b'\'' | b'"' => {
                    self.string("")?;
                }
                c if is_name_start(c) => {
                    let name = self.name();
                    if matches!(self.peek(0), b'\'' | b'"') && is_string_prefix(name) {
                        self.string(name)?;
                    }
                }
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    self.i += 1;
                }
                b')' | b']' => {
                    depth = depth.saturating_sub(1);
                    self.i += 1;
                }
                b'}' => {
                    self.i += 1;
                    if depth == 0 {
                        return Ok(());
                    }
                    depth -= 1;
                }
                b':' if depth == 0 => {
                    self.i += 1;
                    return self.format_spec();
                }
                b'\n' | b'\r' => self.newline(),
                _ => self.i += 1,
            }
        }
    }

    /// A format spec: literal text with nested replacement fields, up to and
    /// including the `}` that closes its field.
    fn format_spec(&mut self) -> Result<(), SyntaxError> {
        loop {
            match self.peek(0) {
                0 if self.i >= self.b.len() => return Err(self.error("unterminated f-string")),
                b'{' => {
                    self.i += 1;
                    self.replacement_field()?;
                }
                b'}' => {
                    self.i += 1;
                    return Ok(());
                }
                b'\\' => self.i += 2,
                b'\n' | b'\r' => self.newline(),
                _ => self.i += 1,
            }
        }
    }
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// `r`, `b`, `u`, `f`, `t` and their valid pairs, in any case.
fn is_string_prefix(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "r" | "u" | "b" | "f" | "t" | "br" | "rb" | "fr" | "rf" | "tr" | "rt"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(source: &str) -> Vec<Vec<String>> {
        logical_lines(source)
            .unwrap()
            .iter()
            .map(|l| {
                l.toks
                    .iter()
                    .map(|t| match t {
                        Tok::Name(n) => n.to_string(),
                        Tok::Str(Some(s)) => format!("'{s}'"),
                        Tok::Str(None) => "<str>".into(),
                        Tok::Num(n) => n.to_string(),
                        Tok::Op(c) => (*c as char).to_string(),
                        Tok::Walrus => ":=".into(),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn strings_hide_their_content() {
        let lines = names("x = 'import a'\ny = \"\"\"\nimport b\n\"\"\"\nz = r'\\\\' ; import c  # import d\n");
        assert_eq!(lines, [vec!["x", "=", "'import a'"], vec!["y", "=", "'\nimport b\n'"], vec!["z", "=", "<str>", ";", "import", "c"]]);
    }

    #[test]
    fn fstrings_with_nested_quotes_and_fields() {
        let src = "a = f\"{x[\"k\"]!r:>{width}} {{import q}}\"\nb = rf'''{'''x'''}\n'''\nc = f'\\N{DASH}{y}'\nimport ok\n";
        let lines = names(src);
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[3], ["import", "ok"]);
    }

    #[test]
    fn lines_join_inside_brackets_and_after_backslash() {
        let lines = logical_lines("from . import (a,\n   b)\nimport x, \\\n  y\n\n    # c\nz\n").unwrap();
        let lines: Vec<Line> = lines.iter().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].toks.len(), 8);
        assert_eq!((lines[1].number, lines[2].number), (3, 7));
    }

    #[test]
    fn indentation_and_prefixes() {
        let lines = logical_lines("if x:\n\tb'a'\n    Rb\"\\\"\"\nprint(1e-5, 0x1E+2)\n").unwrap();
        let lines: Vec<Line> = lines.iter().collect();
        assert_eq!(lines.iter().map(|l| l.indent).collect::<Vec<_>>(), [0, 8, 4, 0]);
        assert_eq!(lines[1].toks, [Tok::Str(None)]);
        assert_eq!(lines[3].toks.len(), 8);
        // A tab goes to the next multiple of 8; a form feed starts again.
        let lines = logical_lines("if x:\n  \ta\n         \tb\n  \x0c   c\n").unwrap();
        assert_eq!(lines.iter().map(|l| l.indent).collect::<Vec<_>>(), [0, 8, 16, 3]);
    }

    #[test]
    fn every_line_ending_counts_a_line() {
        let lines = logical_lines("a\r\nb\rc\nd").unwrap();
        let lines: Vec<Line> = lines.iter().collect();
        assert_eq!(lines.iter().map(|l| (l.number, l.toks.len())).collect::<Vec<_>>(), [(1, 1), (2, 1), (3, 1), (4, 1)]);
        let lines = logical_lines("s = '''a\nb\r\nc'''\nx\n").unwrap();
        assert_eq!(lines.iter().map(|l| l.number).collect::<Vec<_>>(), [1, 4]);
    }

    #[test]
    fn fstring_fields_and_specs_count_their_lines() {
        let numbers = |source: &str| logical_lines(source).unwrap().iter().map(|l| l.number).collect::<Vec<_>>();
        // A backslash before a line end, a line end inside a field and one
        // inside a format spec: each is a line of the source.
        assert_eq!(numbers("a = f'''x\\\ny'''\nb\n"), [1, 3]);
        assert_eq!(numbers("a = f'''x\\\r\ny'''\nb\n"), [1, 3]);
        assert_eq!(numbers("a = f'''{x\n}'''\nb\n"), [1, 3]);
        assert_eq!(numbers("a = f'''{x:\n>{w}}'''\nb\n"), [1, 3]);
        // Since 3.12 the format spec of a one-quote f-string may hold one.
        assert_eq!(numbers("a = f'{x:\n}'\nb\n"), [1, 3]);
    }

    #[test]
    fn fstring_fields_hold_brackets_strings_and_named_characters() {
        // `}` in a string or a dict inside a field does not end the field.
        let lines = names("x = f'{ {\"a\": \"}'\"}[\"a\"] }'\nimport q\n");
        assert_eq!(lines, [vec!["x", "=", "<str>"], vec!["import", "q"]]);
        // In a raw f-string `\N{` starts a field; elsewhere a named character.
        let lines = names("x = rf'\\N{\"}'\"}'\ny = f'\\N{QUOTATION MARK}{z}'\nimport q\n");
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[2], ["import", "q"]);
        // A `:` inside brackets is not the start of a format spec.
        let lines = names("x = f'{d[1:2]!r:>{w}}'\nimport q\n");
        assert_eq!(lines[1], ["import", "q"]);
        // An escaped quote in a format spec.
        let lines = names("x = f'{d:\\'>10}'\nimport q\n");
        assert_eq!(lines[1], ["import", "q"]);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let source = format!("x = {}{}\n", "f'{".repeat(5000), "}'".repeat(5000));
        assert_eq!(logical_lines(&source).unwrap_err().message, "f-strings nested too deeply");
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(logical_lines("a\nx = (1,\n\n").unwrap_err(), SyntaxError { line: 2, message: "bracket never closed" });
        let unterminated = SyntaxError { line: 1, message: "unterminated string literal" };
        assert_eq!(logical_lines("s = '''\n\n").unwrap_err(), unterminated);
        assert_eq!(logical_lines("a\nb = 'x\n").unwrap_err(), SyntaxError { line: 2, message: "unterminated string literal" });
        assert!(logical_lines("x = ]").is_err());
        // A one-quote string ends at its line even if a quote follows.
        assert_eq!(logical_lines("a = 'x\ny'\n").unwrap_err(), unterminated);
        let unterminated_f = |source: &str| logical_lines(source).unwrap_err().message;
        assert_eq!(unterminated_f("a = f'x\ny'\n"), "unterminated f-string");
        assert_eq!(unterminated_f("a = f'x"), "unterminated f-string");
        assert_eq!(unterminated_f("a = f'{x"), "unterminated f-string");
        assert_eq!(unterminated_f("a = f'{x:>10"), "unterminated f-string");
        // An f-string's error names the line where the string starts.
        assert_eq!(logical_lines("a\nb = f'''{x}\n\n").unwrap_err(), SyntaxError { line: 2, message: "unterminated f-string" });
        // Doubled braces are text; a triple-quoted f-string spans lines.
        let lines = logical_lines("a = f'}} {{'\nb = f'''{x}\n'''\nc\n").unwrap();
        assert_eq!(lines.iter().map(|l| l.number).collect::<Vec<_>>(), [1, 2, 4]);
    }
}
