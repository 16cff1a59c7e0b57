//! The PE image checksum (the optional header's CheckSum field), computed the
//! standard way: a 16-bit one's-complement-style sum of the whole file with the
//! field itself taken as zero, plus the file length.

use super::headers::{put_u32, Headers};
use anyhow::Result;

/// The checksum of `image` when its CheckSum field sits at `checksum_offset`.
pub fn pe_checksum(image: &[u8], checksum_offset: usize) -> u32 {
    let field = checksum_offset..checksum_offset.saturating_add(4);
    let mut sum: u64 = 0;
    for (i, pair) in image.chunks(2).enumerate() {
        let at = 2 * i;
        let word = if field.contains(&at) {
            // Both halves of the field count as zero (an odd offset is not
            // expected, so a word straddling the field edge still counts).
            0
        } else {
            u64::from(pair[0]) | pair.get(1).map_or(0, |&hi| u64::from(hi) << 8)
        };
        sum += word;
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum = (sum & 0xffff) + (sum >> 16);
    (sum as u32).wrapping_add(image.len() as u32)
}

/// Recomputes and stores the checksum of a whole PE file, e.g. after a
/// payload was appended to it.
pub fn refresh_checksum(exe: &mut [u8]) -> Result<()> {
    let at = Headers::parse(exe)?.checksum_offset();
    let sum = pe_checksum(exe, at);
    put_u32(exe, at, sum);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pe_checksum_skips_the_field_and_adds_the_length() {
        let mut image = vec![0u8; 10];
        image[0] = 0x01;
        image[1] = 0x02;
        image[4..8].copy_from_slice(&[0xff; 4]);
        image[9] = 0x03;
        assert_eq!(pe_checksum(&image, 4), 0x0201 + 0x0300 + 10);
    }

    #[test]
    fn pe_checksum_folds_carries_and_handles_an_odd_length() {
        let image = [0xff, 0xff, 0x02, 0x00, 0x07];
        // 0xffff + 0x0002 = 0x10001 -> 0x0002; + 0x0007 = 0x0009; + len 5.
        assert_eq!(pe_checksum(&image, 100), 0x0009 + 5);
    }
}
