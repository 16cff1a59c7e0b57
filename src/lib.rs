//! pybundle: turns a Python application into one self-contained executable.
//!
//! A build flows through `probe → analyze → compile → collect → assemble →
//! write` ([`pipeline::build`]); every stage after analysis reads and extends
//! one [`plan::Plan`].

pub mod analyze;
pub mod build_cache;
pub mod cli;
pub mod collect;
pub mod compile;
pub mod contents;
pub mod elf;
pub mod find_program;
pub mod import_probe;
pub mod pe;
pub mod pipeline;
pub mod plan;
pub mod probe;
pub mod progress;
pub mod python_options;
pub mod report;
pub mod stubs;
pub mod windows;
pub mod write;
