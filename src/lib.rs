//! pybundle: turns a Python application into one self-contained executable.
//!
//! A build flows through `probe → analyze → compile → collect → assemble →
//! write` ([`pipeline::build`]); every stage after analysis reads and extends
//! one [`plan::Plan`].

pub mod analyze;
pub mod build_cache;
pub mod cleanup;
pub mod cli;
pub mod codecs_left_out;
pub mod collect;
pub mod compile;
pub mod compress;
pub mod contents;
pub mod discover;
pub mod elf;
pub mod entry_point;
pub mod find_program;
pub mod inspect;
pub mod linux;
pub mod fuzzing;
pub mod import_probe;
pub mod pe;
pub mod pipeline;
pub mod plan;
pub mod probe;
pub mod progress;
pub mod project_config;
pub mod python_options;
pub mod report;
pub mod stubs;
pub mod target;
#[cfg(test)]
pub mod test_env;
pub mod windows;
pub mod write;
