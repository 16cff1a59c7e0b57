//! Where a bundle's payload sits in a Windows executable: after the PE image
//! (and its COFF symbols, if any) and before an Authenticode certificate
//! table, if the file is signed.

use super::headers::{Headers, DIR_SECURITY};
use anyhow::{ensure, Result};
use std::ops::Range;

/// The byte range between the end of the PE image and the certificate table
/// (or the end of the file when unsigned). Signing tools pad the file to 8
/// bytes before the certificate table, so a signed file's range may end in up
/// to 7 zero bytes after the payload.
pub fn overlay_range(exe: &[u8]) -> Result<Range<u64>> {
    let headers = Headers::parse(exe)?;
    let start = headers.symbols_end(exe)?.unwrap_or(headers.raw_end());
    let (cert_at, cert_size) = headers.dir(exe, DIR_SECURITY)?;
    let len = exe.len() as u64;
    if cert_size == 0 {
        return Ok(start..len);
    }
    let (cert_at, cert_end) = (
        u64::from(cert_at),
        u64::from(cert_at) + u64::from(cert_size),
    );
    ensure!(
        start <= cert_at && cert_end <= len,
        "malformed signed executable: its certificate table (bytes {cert_at}..{cert_end}) is not between the image end ({start}) and the file end ({len}); sign it again"
    );
    Ok(start..cert_at)
}
