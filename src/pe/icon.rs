//! Turns an `.ico` file into the resources Windows reads an application icon
//! from: one RT_ICON per image (IDs 1..=n) and one RT_GROUP_ICON (ID 1) that
//! lists them.

use super::headers::u16_at;
use super::rsrc::{Resource, LANG_EN_US, RT_GROUP_ICON, RT_ICON};
use anyhow::{ensure, Context, Result};

/// pybundle's own icon, drawn by `stub-icons/make_icon.py`.
pub(super) const DEFAULT_ICON: &[u8] = include_bytes!("../../stub-icons/pybundle.ico");

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The RT_ICON and RT_GROUP_ICON resources for the icon file `ico`.
pub(super) fn icon_resources(ico: &[u8]) -> Result<Vec<Resource>> {
    let (reserved, kind, count) = (u16_at(ico, 0), u16_at(ico, 2), u16_at(ico, 4));
    let (Ok(0), Ok(kind), Ok(count)) = (reserved, kind, count) else {
        anyhow::bail!("icon: not an .ico file (bad header); give an .ico with one or more images");
    };
    ensure!(
        kind != 2,
        "icon: this is a cursor (.cur), not an icon; give an .ico file"
    );
    ensure!(
        kind == 1,
        "icon: not an .ico file (type {kind} in its header); give an .ico with one or more images"
    );
    ensure!(
        count > 0,
        "icon: the .ico holds no image; give an .ico with one or more images"
    );

    let mut group = Vec::with_capacity(6 + 14 * usize::from(count));
    group.extend_from_slice(&[0, 0, 1, 0]);
    group.extend_from_slice(&count.to_le_bytes());
    let mut resources = Vec::with_capacity(usize::from(count) + 1);
    for (i, id) in (1..=count).enumerate() {
        let entry = 6 + 16 * i;
        let header = ico.get(entry..entry + 16).context(
            "icon: the .ico is truncated (its image list is cut short); re-export the icon",
        )?;
        let size = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
        let at = u32::from_le_bytes([header[12], header[13], header[14], header[15]]);
        let image = usize::try_from(at)
            .ok()
            .and_then(|at| ico.get(at..at.checked_add(size as usize)?))
            .with_context(|| {
                format!(
                    "icon: image {id} lies past the end of the .ico (bytes {at}..{}, file has {}); re-export the icon",
                    u64::from(at) + u64::from(size),
                    ico.len()
                )
            })?;
        ensure!(
            !image.is_empty(),
            "icon: image {id} of the .ico is empty; re-export the icon"
        );
        let (planes, bit_count) = depth(header, image);
        group.extend_from_slice(&header[..4]); // width, height, colour count, reserved
        group.extend_from_slice(&planes.to_le_bytes());
        group.extend_from_slice(&bit_count.to_le_bytes());
        group.extend_from_slice(&size.to_le_bytes());
        group.extend_from_slice(&id.to_le_bytes());
        resources.push(Resource {
            kind: RT_ICON,
            id,
            lang: LANG_EN_US,
            data: image.to_vec(),
        });
    }
    resources.push(Resource {
        kind: RT_GROUP_ICON,
        id: 1,
        lang: LANG_EN_US,
        data: group,
    });
    Ok(resources)
}

/// Planes and bits per pixel of an image: from its directory entry, or when
/// that says 0 (common for PNG images), from the image itself.
fn depth(header: &[u8], image: &[u8]) -> (u16, u16) {
    let planes = u16::from_le_bytes([header[4], header[5]]).max(1);
    let bits = u16::from_le_bytes([header[6], header[7]]);
    if bits != 0 {
        return (planes, bits);
    }
    let bits = if image.starts_with(PNG_SIGNATURE) {
        let channels = match image.get(25) {
            Some(0 | 3) => 1,
            Some(4) => 2,
            Some(2) => 3,
            _ => 4,
        };
        image
            .get(24)
            .map_or(32, |&depth| u16::from(depth) * channels)
    } else {
        u16_at(image, 14).unwrap_or(32)
    };
    (planes, bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_icon_has_the_four_sizes() {
        let resources = icon_resources(DEFAULT_ICON).unwrap();
        let group = &resources.last().unwrap().data;
        assert_eq!(u16::from_le_bytes([group[4], group[5]]), 4);
        let widths: Vec<u8> = (0..4).map(|i| group[6 + 14 * i]).collect();
        assert_eq!(widths, [16, 32, 48, 0], "0 means 256");
        assert!(resources[3].data.starts_with(PNG_SIGNATURE));
        let ids: Vec<u16> = (0..4)
            .map(|i| u16::from_le_bytes([group[18 + 14 * i], group[19 + 14 * i]]))
            .collect();
        assert_eq!(ids, [1, 2, 3, 4]);
    }

    /// (planes, bits) of each image in a group icon resource.
    fn group_depths(group: &[u8]) -> Vec<(u16, u16)> {
        let count = usize::from(u16::from_le_bytes([group[4], group[5]]));
        let at = |i: usize, field: usize| u16::from_le_bytes([group[6 + 14 * i + field], group[7 + 14 * i + field]]);
        (0..count).map(|i| (at(i, 4), at(i, 6))).collect()
    }

    #[test]
    fn a_depth_the_directory_leaves_out_comes_from_the_image() {
        let group = |ico: &[u8]| group_depths(&icon_resources(ico).unwrap().last().unwrap().data);
        assert_eq!(group(DEFAULT_ICON), [(1, 32); 4]);
        // The directory entries say 0 planes and 0 bits: read from the BMP
        // headers and the PNG's IHDR (8-bit RGBA, then RGB).
        let mut ico = DEFAULT_ICON.to_vec();
        for i in 0..4 {
            ico[6 + 16 * i + 4..6 + 16 * i + 8].fill(0);
        }
        assert_eq!(group(&ico), [(1, 32); 4]);
        let png = u32::from_le_bytes(ico[6 + 16 * 3 + 12..6 + 16 * 3 + 16].try_into().unwrap()) as usize;
        // Colour types: 2 RGB, 0 grey, 3 palette, 4 grey and alpha.
        for (colour_type, bits) in [(2, 24), (0, 8), (3, 8), (4, 16)] {
            ico[png + 25] = colour_type;
            assert_eq!(group(&ico)[3], (1, bits), "colour type {colour_type}");
        }
    }

    #[test]
    fn bad_icons_are_clear_errors() {
        let err = |ico: &[u8]| icon_resources(ico).unwrap_err().to_string();
        assert!(err(b"hello").contains("not an .ico"));
        assert!(err(&[0, 0, 2, 0, 1, 0]).contains("cursor"));
        assert!(err(&[0, 0, 1, 0, 0, 0]).contains("no image"));
        assert!(err(&[0, 0, 1, 0, 1, 0, 16, 16]).contains("truncated"));
        let mut past_end = vec![0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0];
        past_end.extend_from_slice(&100u32.to_le_bytes());
        past_end.extend_from_slice(&22u32.to_le_bytes());
        assert!(err(&past_end).contains("image 1 lies past the end"));
        assert!(err(&DEFAULT_ICON[..DEFAULT_ICON.len() - 1]).contains("image 4 lies past the end"));
    }
}
