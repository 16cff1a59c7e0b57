//! Compressing the plan's entries for the writer: each entry as zstd frames
//! of [`zstd_frames::FRAME_SIZE`] (so the stub can decode a large native on
//! several threads), frames compressed in parallel, an entry kept stored
//! where compression would not make it smaller. Large entries are kept in
//! the build cache by content and level, so a rebuild does not compress
//! libpython again.

use crate::build_cache::BuildCache;
use crate::plan::{Compression, Effort, Entry};
use anyhow::{anyhow, Result};
use pybundle_bootloader::zstd_frames::{self, FRAME_SIZE};
use rayon::prelude::*;

/// Entries at least this large are cached once compressed.
const CACHED_FROM: usize = FRAME_SIZE;

/// Each entry's zstd frames, or `None` where it is stored.
pub fn encode_all(entries: &[&Entry], effort: Effort) -> Result<Vec<Option<Vec<u8>>>> {
    let Some(level) = effort.level() else {
        return Ok(vec![None; entries.len()]);
    };
    let cache = BuildCache::user();
    entries.par_iter().map(|entry| encode(entry, level, &cache)).collect()
}

fn encode(entry: &Entry, level: i32, cache: &BuildCache) -> Result<Option<Vec<u8>>> {
    if entry.compression == Compression::Stored || entry.data.is_empty() {
        return Ok(None);
    }
    let key = (entry.data.len() >= CACHED_FROM).then(|| format!("{}-{level}-{}", zstd_frames::encoder_version(), entry.hash()));
    let cached = key.as_deref().and_then(|key| cache.load_compressed(key));
    let frames = match cached {
        Some(frames) => frames,
        None => {
            let frames: Vec<Vec<u8>> = entry
                .data
                .par_chunks(FRAME_SIZE)
                .map(|part| zstd_frames::encode_frame(part, level))
                .collect::<Result<_, String>>()
                .map_err(|e| anyhow!("cannot compress {}: {e}", entry.name))?;
            let frames = frames.concat();
            if let Some(key) = &key {
                cache.store_compressed(key, &frames);
            }
            frames
        }
    };
    Ok((frames.len() < entry.data.len()).then_some(frames))
}
