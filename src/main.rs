//! The `pybundle` command: parse the command line, build, report.

use clap::Parser;
use pybundle::cli::Cli;
use std::process::ExitCode;

pybundle_bootloader::windows_import_shims!();

fn main() -> ExitCode {
    pybundle::cleanup::on_signals();
    let cli = Cli::parse();
    let built = cli.options().and_then(|options| pybundle::pipeline::build(&options));
    pybundle::cleanup::finish();
    match built {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            let text = format!("{error:#}").replace('\n', " ");
            eprintln!("pybundle: error: {text}");
            ExitCode::FAILURE
        }
    }
}
