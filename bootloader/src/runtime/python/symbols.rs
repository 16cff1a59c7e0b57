//! Binding groups of libpython functions by name, with a clear error when a
//! function is missing.

/// Declares a struct of function pointers, bound from a loaded library.
macro_rules! symbol_table {
    ($(#[$meta:meta])* $table:ident { $($name:ident: fn($($arg:ty),*) $(-> $ret:ty)?;)* }) => {
        $(#[$meta])*
        #[allow(non_snake_case)]
        pub struct $table {
            $(pub $name: unsafe extern "C" fn($($arg),*) $(-> $ret)?,)*
        }

        impl $table {
            pub fn bind(library: &crate::runtime::loader::Library) -> Result<$table, crate::runtime::Failure> {
                Ok($table {
                    $($name: {
                        let name = concat!(stringify!($name), "\0");
                        let symbol = library
                            .symbol(std::ffi::CStr::from_bytes_with_nul(name.as_bytes()).expect("NUL-terminated"))
                            .ok_or_else(|| crate::runtime::Failure::new(format!(
                                "the bundled libpython has no function {}; the bundle is damaged or was built for another Python",
                                stringify!($name)
                            )))?;
                        // SAFETY: the function has this C signature in every
                        // version that uses this table.
                        unsafe {
                            std::mem::transmute::<*mut std::ffi::c_void, unsafe extern "C" fn($($arg),*) $(-> $ret)?>(symbol)
                        }
                    },)*
                })
            }
        }
    };
}

pub(crate) use symbol_table;
