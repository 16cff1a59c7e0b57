//! Windows executables, in pure Rust on any host: writing the icon, version
//! info, manifest and subsystem into a PE stub, keeping it valid (sizes,
//! checksum), finding the appended payload, and listing imports.
//!
//! A bundle is made in this order: [`apply_resources`] on the stub, append
//! the payload, [`refresh_checksum`] (done by `crate::write` for every
//! Windows bundle), then optionally sign (Authenticode
//! appends a certificate table); at run time [`overlay_range`] finds the
//! payload between the image and the certificate table.

mod apply;
mod checksum;
mod headers;
mod icon;
mod imports;
mod manifest;
mod overlay;
mod resources;
mod rsrc;
mod version;

#[cfg(test)]
mod tests;

pub use apply::apply_resources;
pub use checksum::{pe_checksum, refresh_checksum};
pub use imports::imports;
pub use manifest::default_manifest;
pub use overlay::overlay_range;
pub use resources::{Resources, Subsystem};
pub use version::VersionInfo;
