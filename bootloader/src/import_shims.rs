//! Replacements for functions that the toolchain's own code imports but
//! some Windows systems lack; a program that imports a missing function
//! does not start at all. mingw-w64's start-up code (crt2.o) calls
//! `GetStartupInfoA` and Rust std's backtrace support calls
//! `CreateFileMappingA`, both missing on Nano Server; std's random numbers
//! come from `bcryptprimitives!ProcessPrng`, missing before Windows 10 and
//! in Wine 8. Defining them in the program keeps the linker from importing
//! them; ours call `GetStartupInfoW`, `CreateFileMappingW` and
//! `bcrypt!BCryptGenRandom`. Use
//! [`windows_import_shims!`](crate::windows_import_shims) once in each
//! Windows binary's root module.

/// Defines the replacements in the calling crate (they must be linked into
/// the executable itself, before the import libraries).
#[macro_export]
macro_rules! windows_import_shims {
    () => {
        #[cfg(windows)]
        mod windows_import_shims {
            use std::ffi::c_void;
            use std::ptr::{null, null_mut};

            /// `STARTUPINFOA` and `STARTUPINFOW` share their layout; only
            /// the three string pointers differ in what they point to.
            #[repr(C)]
            pub struct StartupInfo {
                cb: u32,
                reserved: *mut c_void,
                desktop: *mut c_void,
                title: *mut c_void,
                rest: [u8; 72],
            }

            #[link(name = "kernel32")]
            extern "system" {
                fn GetStartupInfoW(info: *mut StartupInfo);
                fn CreateFileMappingW(file: *mut c_void, attributes: *mut c_void, protect: u32, high: u32, low: u32, name: *const u16) -> *mut c_void;
                fn SetLastError(code: u32);
            }

            #[link(name = "bcrypt")]
            extern "system" {
                fn BCryptGenRandom(algorithm: *mut c_void, buffer: *mut u8, len: u32, flags: u32) -> i32;
            }

            /// The start-up code reads only the flags and `wShowWindow`.
            unsafe extern "system" fn get_startup_info_a(info: *mut StartupInfo) {
                GetStartupInfoW(info);
                (*info).reserved = null_mut();
                (*info).desktop = null_mut();
                (*info).title = null_mut();
            }

            /// crt2.o calls through the import address slot.
            #[no_mangle]
            #[used]
            pub static __imp_GetStartupInfoA: unsafe extern "system" fn(*mut StartupInfo) = get_startup_info_a;

            /// Unnamed mappings only, which is all std asks for.
            #[no_mangle]
            pub unsafe extern "system" fn CreateFileMappingA(
                file: *mut c_void,
                attributes: *mut c_void,
                protect: u32,
                high: u32,
                low: u32,
                name: *const u8,
            ) -> *mut c_void {
                const ERROR_INVALID_PARAMETER: u32 = 87;
                if !name.is_null() {
                    SetLastError(ERROR_INVALID_PARAMETER);
                    return null_mut();
                }
                CreateFileMappingW(file, attributes, protect, high, low, null())
            }

            /// The system's preferred random number generator; like
            /// `ProcessPrng`, always succeeds (returns TRUE).
            #[no_mangle]
            pub unsafe extern "system" fn ProcessPrng(buffer: *mut u8, len: usize) -> i32 {
                const BCRYPT_USE_SYSTEM_PREFERRED_RNG: u32 = 2;
                let mut offset = 0;
                while offset < len {
                    let chunk = (len - offset).min(u32::MAX as usize);
                    if BCryptGenRandom(null_mut(), buffer.add(offset), chunk as u32, BCRYPT_USE_SYSTEM_PREFERRED_RNG) < 0 {
                        std::process::abort();
                    }
                    offset += chunk;
                }
                1
            }
        }
    };
}
