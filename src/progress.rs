//! Progress lines on stderr while a build runs (silent with `--quiet`).

use std::time::Instant;

pub struct Progress {
    quiet: bool,
    started: Instant,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        Progress { quiet, started: Instant::now() }
    }

    pub fn step(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("pybundle: {message}");
        }
    }

    pub fn warn(&self, message: impl std::fmt::Display) {
        eprintln!("pybundle: warning: {message}");
    }

    pub fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}
