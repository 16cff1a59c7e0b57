//! `--python-option`: interpreter flags fixed into the bundle at build time,
//! written as on python's command line (`-O`, `-OO`, `-u`, `-B`, `-X NAME[=VALUE]`,
//! `-W ARG`).

use anyhow::{bail, Result};
use pybundle_bootloader::manifest::PythonOptions;

const SUPPORTED: &str = "-O, -OO, -u, -B, -X NAME[=VALUE], -W ARG";

/// Parses the flags given with `--python-option`, in order.
pub fn parse(flags: &[String], hash_seed: Option<u32>) -> Result<PythonOptions> {
    let mut options = PythonOptions { hash_seed, ..PythonOptions::default() };
    for flag in flags {
        let flag = flag.trim();
        let (name, value) = match flag.get(..2) {
            Some(head @ ("-X" | "-W")) => (head, flag[2..].trim()),
            _ => (flag, ""),
        };
        match (name, value) {
            ("-O", _) => options.optimize = options.optimize.max(1),
            ("-OO", _) => options.optimize = 2,
            ("-u", _) => options.unbuffered = true,
            ("-B", _) => {} // bundles never write bytecode anyway
            ("-X" | "-W", "") => bail!("--python-option {flag} needs a value, as in '{flag} VALUE'"),
            ("-W", warning) => options.warnings.push(warning.to_string()),
            ("-X", "utf8" | "utf8=1") => options.utf8_mode = true,
            ("-X", "utf8=0") => options.utf8_mode = false,
            // As python: `-X dev` with any value (even `dev=0`) is dev mode,
            // and the option is in `sys._xoptions` as given.
            ("-X", dev) if dev == "dev" || dev.starts_with("dev=") => {
                options.dev_mode = true;
                options.xoptions.push(dev.to_string());
            }
            ("-X", xoption) => options.xoptions.push(xoption.to_string()),
            _ => bail!("unsupported --python-option {flag:?}; supported: {SUPPORTED}"),
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_python_style_flags() {
        let o = parse(&flags(&["-OO", "-u", "-W error", "-Wignore::DeprecationWarning", "-X dev", "-X importtime"]), Some(0)).unwrap();
        assert_eq!(o.optimize, 2);
        assert!(o.unbuffered && o.dev_mode && o.utf8_mode);
        assert_eq!(o.warnings, ["error", "ignore::DeprecationWarning"]);
        assert_eq!(o.xoptions, ["dev", "importtime"]);
        assert_eq!(o.hash_seed, Some(0));
        assert!(!parse(&flags(&["-X utf8=0"]), None).unwrap().utf8_mode);
        for (dev, xoption) in [("-X dev=1", "dev=1"), ("-X dev=0", "dev=0"), ("-Xdev", "dev")] {
            let o = parse(&flags(&[dev]), None).unwrap();
            assert!(o.dev_mode && o.xoptions == [xoption], "{dev}");
        }
        assert_eq!(parse(&flags(&["-X devices"]), None).unwrap().xoptions, ["devices"]);
    }

    #[test]
    fn refuses_unknown_flags() {
        assert!(parse(&flags(&["-m"]), None).unwrap_err().to_string().contains("supported"));
        assert!(parse(&flags(&["-W"]), None).is_err());
    }
}
