//! The pybundle stub: finds the payload appended to its own executable,
//! loads the bundled CPython and runs the application in this process.

mod runtime;

pybundle_bootloader::windows_import_shims!();

fn main() {
    let code = match runtime::run() {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("pybundle: {failure}");
            failure.exit_code()
        }
    };
    std::process::exit(code);
}
