//! Compressed entries: a zstd stream of one or more frames (zip method
//! 93), each frame stating its content size. The packer cuts a large entry
//! into frames of [`FRAME_SIZE`]; frames are independent, so they are
//! decoded on several threads at once, each straight into its own part of
//! the output, and each thread hashes what it decoded: a frame of
//! [`FRAME_SIZE`] is a whole subtree of blake3's hash tree.

use blake3::hazmat::{self, ChainingValue, HasherExt, Mode};
use std::cell::RefCell;
use std::ops::Range;

/// The content size of every frame but the last.
pub const FRAME_SIZE: usize = 2 << 20;

/// Zip's method number for zstd.
pub const METHOD: u16 = 93;

/// At most this many threads decode one entry.
const MAX_THREADS: usize = 4;

/// Decodes `input` into `out`, which must be exactly as long as the frames
/// say their content is, and returns the content's blake3 hash; the error
/// says what is wrong with the data.
pub fn decode(input: &[u8], out: &mut [u8]) -> Result<blake3::Hash, String> {
    let frames = frames(input)?;
    if frames.iter().map(|(_, size)| *size as u64).sum::<u64>() != out.len() as u64 {
        return Err("its compressed frames do not add up to its stated size".into());
    }
    // Whole subtrees of the hash tree: every frame full but the last.
    let (last, full) = frames.split_last().map_or((0, &[][..]), |(last, full)| (last.1, full));
    let subtrees = !full.is_empty() && last > 0 && full.iter().all(|(_, size)| *size == FRAME_SIZE);
    let values = decode_in_threads(input, frames, out, subtrees)?;
    Ok(if subtrees { root_hash(&values, out.len() as u64) } else { blake3::hash(out) })
}

/// One frame to decode, and where its content goes.
struct Job<'a> {
    frame: &'a [u8],
    out: &'a mut [u8],
    /// Where the content starts in the entry.
    offset: u64,
}

/// Decodes the frames in groups, one thread each; with `subtrees`, also
/// returns each frame's chaining value, in order.
fn decode_in_threads(input: &[u8], frames: Vec<(Range<usize>, usize)>, out: &mut [u8], subtrees: bool) -> Result<Vec<ChainingValue>, String> {
    let mut jobs = Vec::with_capacity(frames.len());
    let mut rest = out;
    for (range, size) in frames {
        let offset = jobs.len() as u64 * FRAME_SIZE as u64;
        let (part, tail) = rest.split_at_mut(size);
        jobs.push(Job { frame: &input[range], out: part, offset });
        rest = tail;
    }
    let per_thread = jobs.len().div_ceil(threads_for(jobs.len())).max(1);
    let mut groups = Vec::new();
    while !jobs.is_empty() {
        let tail = jobs.split_off(per_thread.min(jobs.len()));
        groups.push(std::mem::replace(&mut jobs, tail));
    }
    let mut groups = groups.into_iter();
    let first = groups.next().unwrap_or_default();
    std::thread::scope(|scope| {
        let others: Vec<_> = groups.map(|group| scope.spawn(move || decode_frames(group, subtrees))).collect();
        let mut values = decode_frames(first, subtrees);
        for handle in others {
            let more = handle.join().unwrap_or_else(|_| Err("a decoding thread failed".into()));
            values = values.and_then(|mut values| {
                values.extend(more?);
                Ok(values)
            });
        }
        values
    })
}

fn decode_frames(jobs: Vec<Job<'_>>, subtrees: bool) -> Result<Vec<ChainingValue>, String> {
    with_context(|context| decode_frames_with(context, jobs, subtrees))
}

/// Runs `work` with this thread's decoding context, made at its first
/// use: a bundle decodes a `.pyc` at every import, and making a context
/// costs about as much as decoding a small one.
fn with_context<T>(work: impl FnOnce(&mut zstd_safe::DCtx<'static>) -> T) -> T {
    thread_local! {
        static CONTEXT: RefCell<Option<zstd_safe::DCtx<'static>>> = const { RefCell::new(None) };
    }
    CONTEXT.with(|cell| work(cell.borrow_mut().get_or_insert_with(zstd_safe::DCtx::create)))
}

fn decode_frames_with(context: &mut zstd_safe::DCtx<'static>, jobs: Vec<Job<'_>>, subtrees: bool) -> Result<Vec<ChainingValue>, String> {
    let mut values = Vec::with_capacity(if subtrees { jobs.len() } else { 0 });
    for job in jobs {
        let written = context.decompress(job.out, job.frame).map_err(|code| format!("its compressed data is damaged ({})", zstd_safe::get_error_name(code)))?;
        if written != job.out.len() {
            return Err("its compressed data does not decode to its stated size".into());
        }
        if subtrees {
            values.push(blake3::Hasher::new().set_input_offset(job.offset).update(job.out).finalize_non_root());
        }
    }
    Ok(values)
}

/// The hash of `len` bytes of content whose frames (at least two, all of
/// [`FRAME_SIZE`] but the last) have the chaining values `values`.
fn root_hash(values: &[ChainingValue], len: u64) -> blake3::Hash {
    let (left, right, left_len) = split_subtrees(values, len);
    hazmat::merge_subtrees_root(&subtree(left, left_len), &subtree(right, len - left_len), Mode::Hash)
}

fn subtree(values: &[ChainingValue], len: u64) -> ChainingValue {
    if let [value] = values {
        return *value;
    }
    let (left, right, left_len) = split_subtrees(values, len);
    hazmat::merge_subtrees_non_root(&subtree(left, left_len), &subtree(right, len - left_len), Mode::Hash)
}

/// The frames of the left and right subtrees, as blake3 splits `len`
/// bytes (the left one a power of two of frames), and the left's length.
fn split_subtrees(values: &[ChainingValue], len: u64) -> (&[ChainingValue], &[ChainingValue], u64) {
    let left_len = hazmat::left_subtree_len(len);
    let (left, right) = values.split_at((left_len / FRAME_SIZE as u64) as usize);
    (left, right, left_len)
}

/// Decodes `input`, whose content the archive says is `size` bytes long,
/// into a new buffer, with the content's hash; nothing is allocated unless
/// the frames agree.
pub fn decode_to_vec(input: &[u8], size: u64) -> Result<(Vec<u8>, blake3::Hash), String> {
    let stated: u64 = frames(input)?.iter().map(|(_, size)| *size as u64).sum();
    if stated != size {
        return Err("its compressed frames do not add up to its stated size".into());
    }
    let size = usize::try_from(size).map_err(|_| "it is too large for this system".to_string())?;
    let mut data = Vec::new();
    data.try_reserve_exact(size).map_err(|_| "it is too large to decode in memory".to_string())?;
    data.resize(size, 0);
    let hash = decode(input, &mut data)?;
    Ok((data, hash))
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

/// Threads for `frames` frames: one per frame, up to [`MAX_THREADS`].
/// The processors are not counted (that reads cgroup files, which costs
/// more than a thread too many); the system shares them out.
fn threads_for(frames: usize) -> usize {
    frames.clamp(1, MAX_THREADS)
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
            let (decoded, hash) = decode_to_vec(&compressed, data.len() as u64).unwrap();
            assert!(decoded == data);
            assert_eq!(hash, blake3::hash(&data));
        }
    }

    #[test]
    fn hashes_whole_frames_as_subtrees() {
        for len in [2 * FRAME_SIZE, 2 * FRAME_SIZE + 1, 5 * FRAME_SIZE + 4097, 8 * FRAME_SIZE] {
            let data: Vec<u8> = (0..len as u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
            let compressed = compress(&data, FRAME_SIZE);
            let mut out = vec![0; len];
            assert_eq!(decode(&compressed, &mut out).unwrap(), blake3::hash(&data), "{len} bytes");
            assert!(out == data);
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
