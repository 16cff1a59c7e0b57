//! The pybundle payload format, shared by the packer and the runtime stub.
//!
//! A bundle is the stub executable followed by one zip archive. The archive
//! holds compiled modules at their import paths (the stub's importer reads
//! them straight from the executable), native files, and a manifest that
//! describes the bundle. Both programs use this crate, so they cannot disagree
//! about names, the manifest's shape or how entries are compressed
//! ([`zstd_frames`]); [`archive`] writes the archive and [`payload`] reads a
//! bundle as untrusted input.

pub mod archive;
pub mod layout;
pub mod manifest;
pub mod payload;
pub mod zstd_frames;
mod zip_records;
mod import_shims;
