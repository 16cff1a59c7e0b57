//! Native libraries of Linux x86-64 ELF files: finding what an object needs
//! like the dynamic loader does, the glibc it requires, and stripping debug
//! information before bundling.

mod dst;
mod dynamic;
mod glibc;
mod ldcache;
mod resolve;
mod strip;

pub use dynamic::{needed, soname};
pub use glibc::{glibc_floor, is_glibc_core};
pub use ldcache::LdCache;
pub use resolve::{NativeLib, Resolver};
pub use strip::strip_debug;
