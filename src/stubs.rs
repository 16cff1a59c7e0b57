//! The runtime stubs carried inside the packer, one per target.

/// Stubs built with the packer, by target triple; `None` where the toolchain
/// could not build one.
const STUBS: &[(&str, Option<&[u8]>)] = include!(concat!(env!("OUT_DIR"), "/stubs.rs"));

/// The stub for `triple`, or an error that says how to get one.
pub fn for_target(triple: &str) -> anyhow::Result<&'static [u8]> {
    match STUBS.iter().find(|(t, _)| *t == triple) {
        Some((_, Some(stub))) => Ok(stub),
        Some((_, None)) => anyhow::bail!(
            "this pybundle was built without a stub for {triple}; rebuild it with that Rust target installed (rustup target add {triple})"
        ),
        None => anyhow::bail!("target {triple} is not supported"),
    }
}
