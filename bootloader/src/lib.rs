//! The pybundle payload format, shared by the packer and the runtime stub.
//!
//! A bundle is the stub executable followed by one zip archive. The archive
//! holds compiled modules at their import paths (the stub's importer reads
//! them straight from the executable), native files, and a manifest that
//! describes the bundle. Both programs use this crate, so they cannot disagree
//! about names or the manifest's shape; [`payload`] reads a bundle as
//! untrusted input.

pub mod layout;
pub mod manifest;
pub mod payload;
mod import_shims;
