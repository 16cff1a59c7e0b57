//! The modules CPython imports while it initializes (the codecs, and
//! before 3.11 `site` and what it needs), served from the bundle before
//! its importer can be installed: they are handed to CPython as frozen
//! modules through `PyImport_FrozenModules`, the pointer that the C API
//! documents for embedding applications, in every version from 3.8 on.
//! Initialization then needs no search path and no private API; once it is
//! done the original table is put back and the bundle's importer takes
//! these modules over.

use crate::runtime::bundle::Bundle;
use crate::runtime::loader::Library;
use crate::runtime::Failure;
use std::ffi::{c_char, CString};

/// Size of a `.pyc` header (magic, flags, and hash or mtime and size).
pub const PYC_HEADER: usize = 16;

/// Imported during initialization by every version from 3.8 on, when
/// present in the bundle (the locale codecs only in some locales).
const ALWAYS: &[&str] = &[
    "encodings", "encodings.aliases", "encodings.utf_8", "encodings.utf_8_sig", "encodings.latin_1",
    "encodings.ascii", "linecache", "warnings",
];

/// Frozen into CPython itself from 3.11 on, and read from the search path
/// before that (and with `-X frozen_modules=off`).
const BEFORE_3_11: &[&str] = &[
    "_bootlocale", "_collections_abc", "_sitebuiltins", "abc", "codecs", "genericpath", "io", "ntpath", "os", "posixpath",
    "site", "stat",
];

/// `struct _frozen` of the running version, written as raw fields.
struct Layout {
    /// Bytes per entry.
    stride: usize,
    /// 3.11 and later have an `int is_package` after `size`; before, a
    /// package has a negative size.
    has_is_package: bool,
}

impl Layout {
    fn of((major, minor): (u32, u32)) -> Layout {
        match (major, minor) {
            // name, code, size (+ padding).
            (3, ..=10) => Layout { stride: 24, has_is_package: false },
            // name, code, size, is_package, get_code.
            (3, 11 | 12) => Layout { stride: 32, has_is_package: true },
            // name, code, size, is_package.
            _ => Layout { stride: 24, has_is_package: true },
        }
    }
}

/// The installed table; dropping it does not restore (see [`restore`]).
pub struct StartupModules {
    pointer: *mut *const u8,
    original: *const u8,
}

impl StartupModules {
    /// Reads the start-up modules from the bundle (each checked against its
    /// hash) and puts them in front of CPython's own frozen modules.
    pub fn install(library: &Library, bundle: &Bundle, version: (u32, u32)) -> Result<StartupModules, Failure> {
        let pointer = library
            .symbol(c"PyImport_FrozenModules")
            .ok_or_else(|| Failure::new("the bundled libpython has no PyImport_FrozenModules"))?
            .cast::<*const u8>();
        let layout = Layout::of(version);
        let names = ALWAYS.iter().chain(if version < (3, 11) { BEFORE_3_11 } else { &[] });
        let mut table: Vec<u8> = Vec::new();
        for name in names {
            let Some((archive_name, is_package)) = archive_name(bundle, name) else { continue };
            let pyc = bundle.verified_entry(&archive_name)?;
            let code: &'static [u8] = Box::leak(
                pyc.get(PYC_HEADER..)
                    .ok_or_else(|| Failure::damaged(bundle.path(), format!("entry {archive_name} is cut off")))?
                    .to_vec()
                    .into_boxed_slice(),
            );
            let size = i32::try_from(code.len()).map_err(|_| Failure::damaged(bundle.path(), "a start-up module is too large"))?;
            let name: &'static CString = Box::leak(Box::new(CString::new(*name).expect("module names have no NUL")));
            push_entry(&mut table, &layout, name.as_ptr(), code.as_ptr(), size, is_package);
        }
        // SAFETY: the variable is a `const struct _frozen *` of libpython;
        // CPython reads it only during imports, and none runs yet.
        let original = unsafe { *pointer };
        // CPython's own table follows ours: before 3.11 it holds the
        // import machinery itself.
        let mut at = original;
        while !at.is_null() && unsafe { !(*at.cast::<*const c_char>()).is_null() } {
            table.extend_from_slice(unsafe { std::slice::from_raw_parts(at, layout.stride) });
            at = unsafe { at.add(layout.stride) };
        }
        table.resize(table.len() + layout.stride, 0);
        let table: &'static [u8] = Box::leak(table.into_boxed_slice());
        unsafe { *pointer = table.as_ptr() };
        Ok(StartupModules { pointer, original })
    }

    /// Gives CPython its own table back, once initialization is done: from
    /// then on the bundle's importer serves these modules.
    pub fn restore(self) {
        // SAFETY: as in `install`; the interpreter runs no import meanwhile.
        unsafe { *self.pointer = self.original };
    }
}

/// The archive name of a module's bytecode, and whether it is a package.
fn archive_name(bundle: &Bundle, module: &str) -> Option<(String, bool)> {
    let path = module.replace('.', "/");
    let hashes = &bundle.manifest().hashes;
    let package = format!("{path}/__init__.pyc");
    if hashes.contains_key(&package) {
        return Some((package, true));
    }
    let plain = format!("{path}.pyc");
    hashes.contains_key(&plain).then_some((plain, false))
}

fn push_entry(table: &mut Vec<u8>, layout: &Layout, name: *const c_char, code: *const u8, size: i32, is_package: bool) {
    let start = table.len();
    table.resize(start + layout.stride, 0);
    let entry = &mut table[start..];
    entry[0..8].copy_from_slice(&(name as usize).to_ne_bytes());
    entry[8..16].copy_from_slice(&(code as usize).to_ne_bytes());
    if layout.has_is_package {
        entry[16..20].copy_from_slice(&size.to_ne_bytes());
        entry[20..24].copy_from_slice(&i32::from(is_package).to_ne_bytes());
    } else {
        let size = if is_package { -size } else { size };
        entry[16..20].copy_from_slice(&size.to_ne_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(entry: &[u8], at: usize) -> i32 {
        i32::from_ne_bytes(entry[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn packages_are_marked_per_version() {
        let (name, code) = (c"encodings".as_ptr(), [0u8; 4].as_ptr());
        let mut old = Vec::new();
        push_entry(&mut old, &Layout::of((3, 10)), name, code, 4, true);
        assert_eq!((old.len(), field(&old, 16)), (24, -4));
        let mut mid = Vec::new();
        push_entry(&mut mid, &Layout::of((3, 12)), name, code, 4, true);
        assert_eq!((mid.len(), field(&mid, 16), field(&mid, 20)), (32, 4, 1));
        let mut new = Vec::new();
        push_entry(&mut new, &Layout::of((3, 15)), name, code, 4, false);
        assert_eq!((new.len(), field(&new, 16), field(&new, 20)), (24, 4, 0));
        assert_eq!(usize::from_ne_bytes(new[0..8].try_into().unwrap()), name as usize);
    }
}
