//! The `pybundle` command: `pybundle inspect BUNDLE`, or a build from the
//! command line completed from `[tool.pybundle]` in ./pyproject.toml.

use clap::Parser;
use pybundle::cli::Cli;
use std::path::Path;
use std::process::ExitCode;

pybundle_bootloader::windows_import_shims!();

fn main() -> ExitCode {
    // `inspect` as the first argument is the subcommand; a script of that
    // name is built as `pybundle ./inspect`.
    if std::env::args_os().nth(1).is_some_and(|arg| arg == "inspect") {
        return exit(pybundle::inspect::main(std::env::args_os().skip(1)));
    }
    pybundle::cleanup::on_signals();
    let cli = Cli::parse();
    let built = pybundle::project_config::complete(cli, Path::new(".")).and_then(|(cli, _entry_script)| {
        let options = cli.options()?;
        pybundle::pipeline::build(&options)
    });
    pybundle::cleanup::finish();
    exit(built.map(|_| true))
}

/// Success, a failure already described (false), a usage error (exit code
/// 2, as clap's own), or an error to describe.
fn exit(result: anyhow::Result<bool>) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            if let Some(usage) = error.downcast_ref::<clap::Error>() {
                usage.exit();
            }
            let text = format!("{error:#}").replace('\n', " ");
            eprintln!("pybundle: error: {text}");
            ExitCode::FAILURE
        }
    }
}
