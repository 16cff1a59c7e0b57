//! Directory streams of served directories: what `opendir` returns for
//! them and `readdir` walks. libc's `DIR` is opaque to its callers, so a
//! served stream is a structure of ours that every function taking a
//! `DIR *` tells from libc's by its first field: libc's starts with a
//! descriptor (never negative), ours with a negative marker.

use std::ffi::c_long;

const MARKER: [i32; 2] = [-0x7079_6264, 0x0053_5256];

#[repr(C)]
pub struct DirStream {
    marker: [i32; 2],
    /// Name, is a directory, inode number; `.` and `..` first.
    entries: Vec<(Vec<u8>, bool, u64)>,
    position: usize,
    /// What the last `readdir` returned points here.
    entry: libc::dirent64,
}

impl DirStream {
    /// A stream over `children` of a directory with inode number `ino`.
    pub fn new(ino: u64, children: Vec<(String, bool, u64)>) -> *mut libc::DIR {
        let mut entries = vec![(b".".to_vec(), true, ino), (b"..".to_vec(), true, ino)];
        entries.extend(children.into_iter().map(|(name, is_dir, ino)| (name.into_bytes(), is_dir, ino)));
        // SAFETY: dirent64 is plain data; all zeroes is a valid value.
        let entry = unsafe { std::mem::zeroed() };
        Box::into_raw(Box::new(DirStream { marker: MARKER, entries, position: 0, entry })).cast()
    }

    /// The served stream `dir` is, or `None` for libc's.
    ///
    /// # Safety
    /// `dir` is a live stream from `opendir` (libc's or ours).
    pub unsafe fn of<'a>(dir: *mut libc::DIR) -> Option<&'a mut DirStream> {
        let first = dir.cast::<[i32; 2]>();
        (!dir.is_null() && *first == MARKER).then(|| &mut *dir.cast::<DirStream>())
    }

    /// Frees a stream made by [`DirStream::new`].
    ///
    /// # Safety
    /// `stream` came from [`DirStream::of`] and is not used again.
    pub unsafe fn free(stream: &mut DirStream) {
        drop(Box::from_raw(stream as *mut DirStream));
    }

    /// The next entry, or null at the end.
    pub fn next(&mut self) -> *mut libc::dirent64 {
        let Some((name, is_dir, ino)) = self.entries.get(self.position) else { return std::ptr::null_mut() };
        self.position += 1;
        let entry = &mut self.entry;
        entry.d_ino = *ino;
        entry.d_off = self.position as i64;
        entry.d_reclen = std::mem::size_of::<libc::dirent64>() as u16;
        entry.d_type = if *is_dir { libc::DT_DIR } else { libc::DT_REG };
        let length = name.len().min(entry.d_name.len() - 1);
        for (slot, byte) in entry.d_name.iter_mut().zip(&name[..length]) {
            *slot = *byte as libc::c_char;
        }
        entry.d_name[length] = 0;
        entry
    }

    pub fn tell(&self) -> c_long {
        self.position as c_long
    }

    pub fn seek(&mut self, position: c_long) {
        self.position = usize::try_from(position).unwrap_or(0);
    }
}
