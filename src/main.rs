//! The `pybundle` command: parse the command line, build, report.

use clap::Parser;
use pybundle::cli::Cli;
use std::process::ExitCode;

pybundle_bootloader::windows_import_shims!();

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.options().and_then(|options| pybundle::pipeline::build(&options)) {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            let text = format!("{error:#}").replace('\n', " ");
            eprintln!("pybundle: error: {text}");
            ExitCode::FAILURE
        }
    }
}
