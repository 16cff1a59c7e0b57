//! What this start of the bundle is for: the application itself, or one of
//! the helper processes that `multiprocessing` starts through
//! `sys.executable`, which a bundle must serve without the app calling
//! `freeze_support()`.
//!
//! Helper command lines are recognized only in the exact forms that
//! CPython 3.8 to 3.15 generate (parsed, never matched by prefix): a
//! resource tracker or forkserver command whose code is anything else
//! would run code from the command line, or start the app again in a loop,
//! so it is refused.

use super::Failure;
use std::ffi::OsString;

pub enum Launch {
    /// Run the application's entry as `__main__`.
    App,
    /// `--multiprocessing-fork name=N ...`: a spawned worker process.
    MultiprocessingChild,
    /// `[python flags] -c CODE ...` where CODE is exactly what
    /// multiprocessing passes to its resource tracker or forkserver.
    Command { code: String, argv: Vec<OsString> },
}

/// The code that a spawned worker runs (the same as `freeze_support()`).
#[cfg(not(windows))]
pub const CHILD_SOURCE: &str = "from multiprocessing.spawn import freeze_support\nfreeze_support()\n";

/// On Windows, multiprocessing does not tell the workers of a frozen
/// program to import its main module, so the worker imports it first, as
/// `__mp_main__` (as spawn does for plain python), and the app need not
/// call `freeze_support()`.
#[cfg(windows)]
pub const CHILD_SOURCE: &str = "import sys\nfrom multiprocessing.spawn import _fixup_main_from_path, freeze_support\n\
    _fixup_main_from_path(sys.executable)\nfreeze_support()\n";

/// The resource tracker's code, all versions: `...;main(FD)`.
const TRACKER: &str = "from multiprocessing.resource_tracker import main;main(";
/// The forkserver's code up to its arguments, 3.8 to 3.13.
const FORKSERVER: &str = "from multiprocessing.forkserver import main; main(";
/// The same since 3.14 (and late 3.13 patch releases, gh-144503), which
/// passes the parent's arguments after the code.
const FORKSERVER_ARGV: &str = "import sys; from multiprocessing.forkserver import main; main(";
/// What every helper's code mentions; a `-c` with it that is not one of the
/// forms above is refused rather than taken for the app's own argument.
const HELPER_MARK: &str = "from multiprocessing.";

/// Single-letter flags that `multiprocessing.util._args_from_interpreter_flags`
/// can pass (`-W` and `-X` take a value).
const FLAG_LETTERS: &[u8] = b"bBdEiIOPqsSuv";

pub fn classify(args: &[OsString]) -> Result<Launch, Failure> {
    let Some(first) = args.get(1) else { return Ok(Launch::App) };
    if first.as_encoded_bytes() == b"--multiprocessing-fork" {
        return if args[2..].iter().all(|a| is_spawn_argument(a.as_encoded_bytes())) {
            Ok(Launch::MultiprocessingChild)
        } else {
            Err(refusal(args))
        };
    }
    let Some(code_at) = code_position(args) else { return Ok(Launch::App) };
    let Some(code) = args[code_at].to_str() else { return Ok(Launch::App) };
    if !code.contains(HELPER_MARK) {
        return Ok(Launch::App);
    }
    let rest = &args[code_at + 1..];
    let exact = match code.strip_prefix(FORKSERVER_ARGV) {
        Some(arguments) => forkserver_arguments(arguments, true),
        None => match code.strip_prefix(FORKSERVER) {
            Some(arguments) => rest.is_empty() && forkserver_arguments(arguments, false),
            None => rest.is_empty() && code.strip_prefix(TRACKER).is_some_and(|a| integer_then(a, ")").is_some_and(str::is_empty)),
        },
    };
    if !exact {
        return Err(refusal(args));
    }
    let mut argv = vec![OsString::from("-c")];
    argv.extend(rest.iter().cloned());
    Ok(Launch::Command { code: code.to_string(), argv })
}

fn refusal(args: &[OsString]) -> Failure {
    let shown: Vec<String> = args.iter().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    Failure::new(format!(
        "refusing to start: the command line looks like a multiprocessing helper's but is not one ({}); \
         a bundle runs only the helper commands its own Python generates",
        shown.join(" ")
    ))
}

/// Where the code of `[flags] -c CODE` is, if the arguments have that shape.
fn code_position(args: &[OsString]) -> Option<usize> {
    let mut i = 1;
    loop {
        let arg = args.get(i)?.as_encoded_bytes();
        match arg {
            b"-c" => return (i + 1 < args.len()).then_some(i + 1),
            b"-W" | b"-X" => i += 2,
            [b'-', letters @ ..] if !letters.is_empty() && letters.iter().all(|l| FLAG_LETTERS.contains(l)) => i += 1,
            _ => return None,
        }
    }
}

/// `name=value` as spawn passes them (`tracker_fd=5`, `pipe_handle=7`).
fn is_spawn_argument(arg: &[u8]) -> bool {
    let Some(eq) = arg.iter().position(|&b| b == b'=') else { return false };
    let (name, value) = (&arg[..eq], &arg[eq + 1..]);
    !name.is_empty()
        && name.iter().all(|b| b.is_ascii_lowercase() || *b == b'_')
        && (value == b"None" || (!value.is_empty() && value.iter().all(u8::is_ascii_digit)))
}

/// `FD, FD, PRELOAD, [sys_argv=sys.argv[1:], ]**KWARGS)` with Python
/// literals for PRELOAD and KWARGS.
fn forkserver_arguments(text: &str, with_argv: bool) -> bool {
    let parsed = (|| {
        let text = integer_then(text, ", ")?;
        let text = integer_then(text, ", ")?;
        let text = literal::value(text)?.strip_prefix(", ")?;
        let text = if with_argv { text.strip_prefix("sys_argv=sys.argv[1:], ")? } else { text };
        let text = text.strip_prefix("**")?;
        let text = literal::value(text)?;
        Some(text == ")")
    })();
    parsed == Some(true)
}

/// The text after a decimal integer and `then`.
fn integer_then<'a>(text: &'a str, then: &str) -> Option<&'a str> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    text[digits..].strip_prefix(then)
}

/// A recognizer for the Python literals that `repr()` gives for the
/// forkserver's arguments: None, booleans, integers, strings, and lists,
/// tuples and dicts of them. No names, calls or operators get through.
mod literal {
    /// The text after one literal at the start of `text`.
    pub fn value(text: &str) -> Option<&str> {
        for word in ["None", "True", "False"] {
            if let Some(rest) = text.strip_prefix(word) {
                return Some(rest);
            }
        }
        let first = *text.as_bytes().first()?;
        match first {
            b'0'..=b'9' | b'-' => {
                let body = text.strip_prefix('-').unwrap_or(text);
                let digits = body.bytes().take_while(u8::is_ascii_digit).count();
                (digits > 0).then(|| &body[digits..])
            }
            b'\'' | b'"' => string(text),
            b'[' => sequence(&text[1..], ']', false),
            b'(' => sequence(&text[1..], ')', false),
            b'{' => sequence(&text[1..], '}', true),
            _ => None,
        }
    }

    /// Items separated by `, ` up to `close`; dict items are `key: value`.
    fn sequence(mut text: &str, close: char, pairs: bool) -> Option<&str> {
        if let Some(rest) = text.strip_prefix(close) {
            return Some(rest);
        }
        loop {
            text = value(text)?;
            if pairs {
                text = value(text.strip_prefix(": ")?)?;
            }
            if let Some(rest) = text.strip_prefix(close) {
                return Some(rest);
            }
            text = text.strip_prefix(", ")?;
            // A one-element tuple is written `(x,)`.
            if let Some(rest) = text.strip_prefix(close).filter(|_| close == ')') {
                return Some(rest);
            }
        }
    }

    /// A quoted string with backslash escapes, as `repr()` writes one.
    fn string(text: &str) -> Option<&str> {
        let quote = text.as_bytes()[0];
        let bytes = text.as_bytes();
        let mut i = 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b if b == quote => return Some(&text[i + 1..]),
                b'\n' => return None,
                _ => i += 1,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    fn launch(list: &[&str]) -> Result<Launch, Failure> {
        classify(&args(list))
    }

    #[test]
    fn the_app_and_its_own_arguments() {
        assert!(matches!(launch(&["app"]), Ok(Launch::App)));
        assert!(matches!(launch(&["app", "-c", "config.yml"]), Ok(Launch::App)));
        assert!(matches!(launch(&["app", "-c", "import os"]), Ok(Launch::App)));
        assert!(matches!(launch(&["app", "input.txt", "-c"]), Ok(Launch::App)));
        assert!(matches!(launch(&["app", "-v", "-c"]), Ok(Launch::App)));
        assert!(matches!(launch(&["app", "--verbose", "-c", "from multiprocessing.x import y"]), Ok(Launch::App)));
    }

    #[test]
    fn spawned_workers() {
        assert!(matches!(launch(&["app", "--multiprocessing-fork", "tracker_fd=5", "pipe_handle=7"]), Ok(Launch::MultiprocessingChild)));
        assert!(matches!(launch(&["app", "--multiprocessing-fork", "parent_pid=None", "pipe_handle=7"]), Ok(Launch::MultiprocessingChild)));
        assert!(launch(&["app", "--multiprocessing-fork", "pipe_handle=__import__('os')"]).is_err());
    }

    /// The resource tracker, as every version from 3.8 to 3.15 starts it,
    /// with the flags `_args_from_interpreter_flags` passes.
    #[test]
    fn resource_tracker() {
        let code = "from multiprocessing.resource_tracker import main;main(5)";
        assert!(matches!(launch(&["app", "-c", code]), Ok(Launch::Command { .. })));
        assert!(matches!(launch(&["app", "-B", "-s", "-OO", "-W", "error", "-X", "dev", "-c", code]), Ok(Launch::Command { .. })));
        assert!(matches!(launch(&["app", "-X", "utf8=0", "-I", "-c", code]), Ok(Launch::Command { .. })));
    }

    /// The forkserver's command of 3.8 to 3.13.0.
    #[test]
    fn forkserver_up_to_3_13() {
        let code = "from multiprocessing.forkserver import main; main(4, 7, ['__main__'], \
            **{'sys_path': ['/opt/app', '/x\\'y'], 'main_path': '/opt/app/app'})";
        match launch(&["app", "-c", code]) {
            Ok(Launch::Command { argv, code: run }) => {
                assert_eq!(argv, args(&["-c"]));
                assert_eq!(run, code);
            }
            _ => panic!("forkserver not recognized"),
        }
        let bare = "from multiprocessing.forkserver import main; main(4, 7, None, **{})";
        assert!(matches!(launch(&["app", "-c", bare]), Ok(Launch::Command { .. })));
    }

    /// The forkserver's command since 3.14 (and Debian's 3.13.18), which
    /// passes the parent's arguments after the code.
    #[test]
    fn forkserver_since_3_14() {
        let code = "import sys; from multiprocessing.forkserver import main; \
            main(4, 7, ['__main__'], sys_argv=sys.argv[1:], **{'main_path': '/app', 'authkey_r': 9, 'on_error': 'warn'})";
        match launch(&["app", "-I", "-c", code, "--port", "80"]) {
            Ok(Launch::Command { argv, .. }) => assert_eq!(argv, args(&["-c", "--port", "80"])),
            _ => panic!("forkserver not recognized"),
        }
    }

    /// Anything else that claims to be a helper is refused, never run and
    /// never taken for a start of the app (which would start it again).
    #[test]
    fn refuses_what_is_not_exactly_a_helper() {
        let refused = [
            "from multiprocessing.resource_tracker import main;main(5); import os",
            "from multiprocessing.resource_tracker import main;main(__import__('os').system('x'))",
            "from multiprocessing.forkserver import main; main(4, 7, None, **{'a': open('x')})",
            "from multiprocessing.forkserver import main; main(4, 7, None, **{}); print(1)",
            "import sys; from multiprocessing.forkserver import main; main(4, 7, None, **{})",
            "import sys; from multiprocessing.forkserver import main; main(1, 2, 3, 4)",
            "from multiprocessing.forkserver import main; main(4, 7, ['x' + 'y'], **{})",
        ];
        for code in refused {
            assert!(launch(&["app", "-c", code]).is_err(), "{code}");
        }
        let tracker = "from multiprocessing.resource_tracker import main;main(5)";
        assert!(launch(&["app", "-c", tracker, "extra"]).is_err());
    }
}
