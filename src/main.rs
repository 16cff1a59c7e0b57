//! The `pybundle` command: parse the command line (completed from
//! `[tool.pybundle]` in ./pyproject.toml), build, report.

use clap::Parser;
use pybundle::cli::Cli;
use std::path::Path;
use std::process::ExitCode;

pybundle_bootloader::windows_import_shims!();

fn main() -> ExitCode {
    let cli = Cli::parse();
    let built = pybundle::project_config::complete(cli, Path::new(".")).and_then(|(cli, _entry_script)| {
        let options = cli.options()?;
        pybundle::pipeline::build(&options)
    });
    match built {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            let text = format!("{error:#}").replace('\n', " ");
            eprintln!("pybundle: error: {text}");
            ExitCode::FAILURE
        }
    }
}
