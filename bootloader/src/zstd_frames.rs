//! Compressed entries: a zstd stream of one or more frames (zip method
//! 93), each frame stating its content size. The packer cuts a large entry
//! into frames of [`FRAME_SIZE`]; frames are independent, so they are
//! decoded on several threads at once, each straight into its own part of
//! the output.

use std::ops::Range;

/// The content size of every frame but the last.
pub const FRAME_SIZE: usize = 2 << 20;

/// Zip's method number for zstd.
pub const METHOD: u16 = 93;

/// At most this many threads decode one entry.
const MAX_THREADS: usize = 8;

/// Decodes `input` into `out`, which must be exactly as long as the frames
/// say their content is; the error says what is wrong with the data.
pub fn decode(input: &[u8], out: &mut [u8]) -> Result<(), String> {
    let frames = frames(input)?;
    if frames.iter().map(|(_, size)| *size as u64).sum::<u64>() != out.len() as u64 {
        return Err("its compressed frames do not add up to its stated size".into());
    }
    let mut jobs = Vec::with_capacity(frames.len());
    let mut rest = out;
    for (range, size) in frames {
        let (part, tail) = rest.split_at_mut(size);
        jobs.push((&input[range], part));
        rest = tail;
    }
    let threads = threads_for(jobs.len());
    if threads <= 1 {
        return decode_frames(jobs);
    }
    let per_thread = jobs.len().div_ceil(threads);
    let mut groups = Vec::with_capacity(threads);
    while !jobs.is_empty() {
        let tail = jobs.split_off(per_thread.min(jobs.len()));
        groups.push(std::mem::replace(&mut jobs, tail));
    }
    std::thread::scope(|scope| {
        let mut groups = groups.into_iter();
        let first = groups.next().unwrap_or_default();
        let others: Vec<_> = groups.map(|group| scope.spawn(move || decode_frames(group))).collect();
        let mut result = decode_frames(first);
        for handle in others {
            let outcome = handle.join().unwrap_or_else(|_| Err("a decoding thread failed".into()));
            result = result.and(outcome);
        }
        result
    })
}

/// One frame of at most [`FRAME_SIZE`] bytes of content, compressed at
/// `level` and stating its content size; the packer concatenates them.
pub fn encode_frame(content: &[u8], level: i32) -> Result<Vec<u8>, String> {
    let mut frame = vec![0; zstd_safe::compress_bound(content.len())];
    let length = zstd_safe::compress(&mut frame[..], content, level).map_err(|code| format!("zstd cannot compress: {}", zstd_safe::get_error_name(code)))?;
    frame.truncate(length);
    Ok(frame)
}

/// The zstd library's version, which with the level decides what
/// [`encode_frame`] makes of given content.
pub fn encoder_version() -> u32 {
    zstd_safe::version_number()
}

/// Decodes `input`, whose content the archive says is `size` bytes long,
/// into a new buffer; nothing is allocated unless the frames agree.
pub fn decode_to_vec(input: &[u8], size: u64) -> Result<Vec<u8>, String> {
    let stated: u64 = frames(input)?.iter().map(|(_, size)| *size as u64).sum();
    if stated != size {
        return Err("its compressed frames do not add up to its stated size".into());
    }
    let size = usize::try_from(size).map_err(|_| "it is too large for this system".to_string())?;
    let mut data = Vec::new();
    data.try_reserve_exact(size).map_err(|_| "it is too large to decode in memory".to_string())?;
    data.resize(size, 0);
    decode(input, &mut data)?;
    Ok(data)
}

/// Each frame's bytes in `input` and the content size it states.
fn frames(input: &[u8]) -> Result<Vec<(Range<usize>, usize)>, String> {
    let mut frames = Vec::new();
    let mut at = 0;
    while at < input.len() {
        let rest = &input[at..];
        let length = zstd_safe::find_frame_compressed_size(rest).map_err(|_| "its compressed data is damaged".to_string())?;
        let size = match zstd_safe::get_frame_content_size(rest) {
            Ok(Some(size)) => usize::try_from(size).map_err(|_| "its compressed data states an impossible size".to_string())?,
            _ => return Err("its compressed data does not state its size".into()),
        };
        if length == 0 || length > rest.len() {
            return Err("its compressed data is cut off".into());
        }
        frames.push((at..at + length, size));
        at += length;
    }
    Ok(frames)
}

/// Threads for `frames` frames: one per frame, at most one per processor.
fn threads_for(frames: usize) -> usize {
    if frames <= 1 {
        return 1;
    }
    let processors = std::thread::available_parallelism().map_or(1, usize::from);
    frames.min(processors).min(MAX_THREADS)
}

fn decode_frames(jobs: Vec<(&[u8], &mut [u8])>) -> Result<(), String> {
    let mut context = zstd_safe::DCtx::create();
    for (frame, out) in jobs {
        let written = context.decompress(out, frame).map_err(|code| format!("its compressed data is damaged ({})", zstd_safe::get_error_name(code)))?;
        if written != out.len() {
            return Err("its compressed data does not decode to its stated size".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `data` in frames of `frame` bytes, as the packer writes them.
    fn compress(data: &[u8], frame: usize) -> Vec<u8> {
        data.chunks(frame).flat_map(|part| encode_frame(part, 3).unwrap()).collect()
    }

    fn sample() -> Vec<u8> {
        (0..300_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect()
    }

    #[test]
    fn decodes_one_frame_and_many() {
        let data = sample();
        for frame in [data.len(), 100_000, 7_000] {
            let compressed = compress(&data, frame);
            assert!(decode_to_vec(&compressed, data.len() as u64).unwrap() == data);
        }
    }

    #[test]
    fn refuses_damage_and_wrong_sizes() {
        let data = sample();
        let compressed = compress(&data, 100_000);
        assert!(decode_to_vec(&compressed, data.len() as u64 + 1).unwrap_err().contains("stated size"));
        let mut out = vec![0; data.len()];
        assert!(decode(&compressed[..compressed.len() - 5], &mut out).is_err());
        assert!(decode(b"not zstd at all", &mut out).is_err());
        let mut flipped = compressed.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x55;
        // A flipped bit either fails to decode or decodes to other bytes,
        // which the caller's hash check catches.
        assert!(decode(&flipped, &mut out).is_err() || out != data);
    }
}
