//! What this start of the bundle is for: the application itself, or one of
//! the helper processes that `multiprocessing` starts through
//! `sys.executable`, which a bundle must serve without the app calling
//! `freeze_support()`.

use std::ffi::OsString;

pub enum Launch {
    /// Run the application's entry as `__main__`.
    App,
    /// `--multiprocessing-fork ...`: a spawned worker process.
    MultiprocessingChild,
    /// `[python flags] -c CODE ...` where CODE starts multiprocessing's
    /// resource tracker or forkserver. Any other `-c` is the app's argument.
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

/// The code that `multiprocessing` passes with `-c` to its helper processes.
const HELPER_PREFIXES: &[&str] = &["from multiprocessing.resource_tracker import", "from multiprocessing.forkserver import"];

pub fn classify(args: &[OsString]) -> Launch {
    let Some(first) = args.get(1) else { return Launch::App };
    if first.as_encoded_bytes() == b"--multiprocessing-fork" {
        return Launch::MultiprocessingChild;
    }
    let mut i = 1;
    while let Some(arg) = args.get(i) {
        let arg = arg.as_encoded_bytes();
        match arg {
            b"-c" => break,
            b"-W" | b"-X" => i += 2,
            _ if arg.starts_with(b"-") && !arg.starts_with(b"--") && arg.len() > 1 => i += 1,
            _ => return Launch::App,
        }
    }
    let Some(code) = args.get(i + 1).and_then(|c| c.to_str()) else { return Launch::App };
    if !HELPER_PREFIXES.iter().any(|p| code.starts_with(p)) {
        return Launch::App;
    }
    let mut argv = vec![OsString::from("-c")];
    argv.extend(args[i + 2..].iter().cloned());
    Launch::Command { code: code.to_string(), argv }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn recognizes_multiprocessing_helpers_only() {
        assert!(matches!(classify(&args(&["app"])), Launch::App));
        assert!(matches!(classify(&args(&["app", "--multiprocessing-fork", "pipe_handle=5"])), Launch::MultiprocessingChild));
        let tracker = args(&["app", "-B", "-s", "-c", "from multiprocessing.resource_tracker import main;main(5)"]);
        assert!(matches!(classify(&tracker), Launch::Command { .. }));
        let flags = args(&["app", "-I", "-W", "error", "-c", "from multiprocessing.forkserver import main; main(1)", "x"]);
        match classify(&flags) {
            Launch::Command { argv, .. } => assert_eq!(argv, args(&["-c", "x"])),
            _ => panic!("forkserver not recognized"),
        }
        assert!(matches!(classify(&args(&["app", "-c", "config.yml"])), Launch::App));
        assert!(matches!(classify(&args(&["app", "-c", "import os"])), Launch::App));
        assert!(matches!(classify(&args(&["app", "input.txt", "-c"])), Launch::App));
    }
}
