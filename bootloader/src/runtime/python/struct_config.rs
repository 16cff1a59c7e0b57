//! Configuration through the `PyConfig` struct (CPython 3.8 to 3.13): a
//! zeroed buffer initialized by CPython, then fields written at the offsets
//! of this version's and platform's layout. Strings go in as bytes decoded
//! by CPython on Linux, and as UTF-16 (`wchar_t`) on Windows.

use super::layout::{self, ConfigLayout, Platform};
use super::settings::{Field, Settings};
use super::symbols::symbol_table;
use crate::runtime::loader::Library;
use crate::runtime::Failure;
use pybundle_bootloader::manifest::PythonOptions;
use std::ffi::{c_char, c_int, c_ulong, c_void, OsStr};

/// C's `wchar_t`.
#[cfg(unix)]
type WChar = i32;
#[cfg(windows)]
type WChar = u16;

/// CPython's `PyStatus`, returned by value from the initialization API.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct PyStatus {
    kind: c_int,
    func: *const c_char,
    err_msg: *const c_char,
    exitcode: c_int,
}

symbol_table!(
    /// The PEP 587 functions.
    StructApi {
        PyPreConfig_InitIsolatedConfig: fn(*mut c_void);
        Py_PreInitialize: fn(*const c_void) -> PyStatus;
        PyConfig_InitIsolatedConfig: fn(*mut c_void);
        PyConfig_Clear: fn(*mut c_void);
        PyWideStringList_Append: fn(*mut c_void, *const WChar) -> PyStatus;
        Py_InitializeFromConfig: fn(*const c_void) -> PyStatus;
        PyStatus_Exception: fn(PyStatus) -> c_int;
        Py_ExitStatusException: fn(PyStatus);
    }
);

#[cfg(unix)]
symbol_table!(
    /// Setting strings from bytes, decoded by CPython.
    TextApi {
        PyConfig_SetBytesString: fn(*mut c_void, *mut *mut WChar, *const c_char) -> PyStatus;
        PyConfig_SetBytesArgv: fn(*mut c_void, isize, *const *mut c_char) -> PyStatus;
        Py_DecodeLocale: fn(*const c_char, *mut usize) -> *mut WChar;
        PyMem_RawFree: fn(*mut c_void);
    }
);

#[cfg(windows)]
symbol_table!(
    /// Setting strings from UTF-16.
    TextApi {
        PyConfig_SetString: fn(*mut c_void, *mut *mut WChar, *const WChar) -> PyStatus;
        PyConfig_SetArgv: fn(*mut c_void, isize, *const *mut WChar) -> PyStatus;
    }
);

pub struct StructConfig {
    api: StructApi,
    text: TextApi,
    layout: ConfigLayout,
    /// The `PyConfig`, as 8-byte words for alignment.
    buffer: Vec<u64>,
}

impl StructConfig {
    /// Pre-initializes Python (UTF-8 mode, development mode) and creates an
    /// isolated configuration to fill in.
    pub fn new(library: &Library, (major, minor): (u32, u32), options: &PythonOptions) -> Result<StructConfig, Failure> {
        let layout = layout::layout(Platform::CURRENT, major, minor).ok_or_else(|| {
            Failure::new(format!("this stub cannot start Python {major}.{minor}; rebuild the bundle with a newer pybundle"))
        })?;
        let api = StructApi::bind(library)?;
        let text = TextApi::bind(library)?;
        let pre_layout = layout::preconfig(Platform::CURRENT);
        let mut pre = vec![0u64; pre_layout.size.div_ceil(8)];
        unsafe {
            (api.PyPreConfig_InitIsolatedConfig)(pre.as_mut_ptr().cast());
            // As python does: LC_CTYPE from the user's environment (which
            // matters when UTF-8 mode is off), and the C locale coerced to
            // C.UTF-8 (PEP 538; POSIX only).
            write_int(pre.as_mut_ptr().cast(), pre_layout.configure_locale, 1);
            write_int(pre.as_mut_ptr().cast(), pre_layout.coerce_c_locale, cfg!(unix).into());
            write_int(pre.as_mut_ptr().cast(), pre_layout.utf8_mode, options.utf8_mode.into());
            write_int(pre.as_mut_ptr().cast(), pre_layout.dev_mode, options.dev_mode.into());
            check(&api, (api.Py_PreInitialize)(pre.as_ptr().cast()));
        }
        let mut config = StructConfig { api, text, layout, buffer: vec![0; layout.size.div_ceil(8) + 1] };
        unsafe { (config.api.PyConfig_InitIsolatedConfig)(config.ptr()) };
        Ok(config)
    }

    /// Initializes the interpreter from the configuration.
    pub fn initialize(mut self) {
        let config = self.ptr();
        unsafe {
            check(&self.api, (self.api.Py_InitializeFromConfig)(config));
            (self.api.PyConfig_Clear)(config);
        }
    }

    fn ptr(&mut self) -> *mut c_void {
        self.buffer.as_mut_ptr().cast()
    }

    fn field_ptr<T>(&mut self, field: Field) -> Result<*mut T, Failure> {
        let offset = self
            .offset(field)
            .ok_or_else(|| Failure::new(format!("this Python has no configuration field {}", field.name())))?;
        // SAFETY: offsets come from the layout table and lie within the buffer.
        Ok(unsafe { self.ptr().cast::<u8>().add(offset).cast() })
    }

    fn offset(&self, field: Field) -> Option<usize> {
        let l = &self.layout;
        Some(match field {
            Field::Isolated => l.isolated,
            Field::UseEnvironment => l.use_environment,
            Field::UserSiteDirectory => l.user_site_directory,
            Field::InstallSignalHandlers => l.install_signal_handlers,
            Field::ConfigureCStdio => l.configure_c_stdio,
            Field::ParseArgv => l.parse_argv,
            Field::SiteImport => l.site_import,
            Field::WriteBytecode => l.write_bytecode,
            Field::PathconfigWarnings => l.pathconfig_warnings,
            Field::SafePath => return l.safe_path,
            Field::ModuleSearchPathsSet => l.module_search_paths_set,
            Field::ModuleSearchPaths => l.module_search_paths,
            Field::ProgramName => l.program_name,
            Field::Executable => l.executable,
            Field::BaseExecutable => l.base_executable,
            Field::Prefix => l.prefix,
            Field::BasePrefix => l.base_prefix,
            Field::ExecPrefix => l.exec_prefix,
            Field::BaseExecPrefix => l.base_exec_prefix,
            Field::Argv => l.argv,
            Field::OptimizationLevel => l.optimization_level,
            Field::BufferedStdio => l.buffered_stdio,
            Field::DevMode => l.dev_mode,
            Field::Faulthandler => l.faulthandler,
            Field::UseHashSeed => l.use_hash_seed,
            Field::HashSeed => l.hash_seed,
            Field::WarnOptions => l.warnoptions,
            Field::XOptions => l.xoptions,
        })
    }
}

impl Settings for StructConfig {
    fn has(&self, field: Field) -> bool {
        self.offset(field).is_some()
    }

    fn set_int(&mut self, field: Field, value: i64) -> Result<(), Failure> {
        let ptr = self.field_ptr::<u8>(field)?;
        unsafe {
            if field == Field::HashSeed {
                ptr.cast::<c_ulong>().write(value as c_ulong);
            } else {
                ptr.cast::<c_int>().write(value as c_int);
            }
        }
        Ok(())
    }

    fn set_str(&mut self, field: Field, value: &OsStr) -> Result<(), Failure> {
        let ptr = self.field_ptr::<*mut WChar>(field)?;
        let config = self.ptr();
        unsafe { check(&self.api, text::set_string(&self.text, config, ptr, value)?) };
        Ok(())
    }

    fn set_list(&mut self, field: Field, items: &[&OsStr]) -> Result<(), Failure> {
        let config = self.ptr();
        if field == Field::Argv {
            unsafe { check(&self.api, text::set_argv(&self.text, config, items)?) };
            return Ok(());
        }
        let list = self.field_ptr::<c_void>(field)?;
        for item in items {
            unsafe {
                let wide = text::to_wide(&self.text, item)?;
                check(&self.api, (self.api.PyWideStringList_Append)(list, wide.as_ptr()));
            }
        }
        Ok(())
    }
}

/// Strings on Linux: bytes, decoded by CPython as python decodes its
/// command line.
#[cfg(unix)]
mod text {
    use super::{PyStatus, TextApi, WChar};
    use crate::runtime::Failure;
    use std::ffi::{c_char, c_void, CString, OsStr};
    use std::os::unix::ffi::OsStrExt;

    /// A wide string from `Py_DecodeLocale`, with the function that frees it.
    pub struct Wide(*mut WChar, unsafe extern "C" fn(*mut c_void));

    impl Wide {
        pub fn as_ptr(&self) -> *const WChar {
            self.0
        }
    }

    impl Drop for Wide {
        fn drop(&mut self) {
            // SAFETY: Py_DecodeLocale allocates with PyMem_RawMalloc.
            unsafe { (self.1)(self.0.cast()) }
        }
    }

    pub unsafe fn to_wide(api: &TextApi, text: &OsStr) -> Result<Wide, Failure> {
        let bytes = c_string(text)?;
        let wide = (api.Py_DecodeLocale)(bytes.as_ptr(), std::ptr::null_mut());
        if wide.is_null() {
            return Err(Failure::new(format!("cannot decode {}", text.to_string_lossy())));
        }
        Ok(Wide(wide, api.PyMem_RawFree))
    }

    pub unsafe fn set_string(api: &TextApi, config: *mut c_void, field: *mut *mut WChar, text: &OsStr) -> Result<PyStatus, Failure> {
        let value = c_string(text)?;
        Ok((api.PyConfig_SetBytesString)(config, field, value.as_ptr()))
    }

    pub unsafe fn set_argv(api: &TextApi, config: *mut c_void, items: &[&OsStr]) -> Result<PyStatus, Failure> {
        let items: Vec<CString> = items.iter().map(|i| c_string(i)).collect::<Result<_, _>>()?;
        let mut argv: Vec<*mut c_char> = items.iter().map(|a| a.as_ptr().cast_mut()).collect();
        argv.push(std::ptr::null_mut());
        Ok((api.PyConfig_SetBytesArgv)(config, items.len() as isize, argv.as_ptr()))
    }

    fn c_string(text: &OsStr) -> Result<CString, Failure> {
        CString::new(text.as_bytes()).map_err(|_| Failure::new("an argument or path contains a NUL byte"))
    }
}

/// Strings on Windows: UTF-16 as the system gives them, passed unchanged.
#[cfg(windows)]
mod text {
    use super::{PyStatus, TextApi, WChar};
    use crate::runtime::Failure;
    use std::ffi::{c_void, OsStr};
    use std::os::windows::ffi::OsStrExt;

    /// A NUL-terminated UTF-16 string.
    pub struct Wide(Vec<WChar>);

    impl Wide {
        pub fn as_ptr(&self) -> *const WChar {
            self.0.as_ptr()
        }
    }

    pub unsafe fn to_wide(_: &TextApi, text: &OsStr) -> Result<Wide, Failure> {
        let mut wide: Vec<WChar> = text.encode_wide().collect();
        if wide.contains(&0) {
            return Err(Failure::new("an argument or path contains a NUL character"));
        }
        wide.push(0);
        Ok(Wide(wide))
    }

    pub unsafe fn set_string(api: &TextApi, config: *mut c_void, field: *mut *mut WChar, text: &OsStr) -> Result<PyStatus, Failure> {
        let value = to_wide(api, text)?;
        Ok((api.PyConfig_SetString)(config, field, value.as_ptr()))
    }

    pub unsafe fn set_argv(api: &TextApi, config: *mut c_void, items: &[&OsStr]) -> Result<PyStatus, Failure> {
        let items: Vec<Wide> = items.iter().map(|i| to_wide(api, i)).collect::<Result<_, _>>()?;
        let mut argv: Vec<*mut WChar> = items.iter().map(|a| a.as_ptr().cast_mut()).collect();
        argv.push(std::ptr::null_mut());
        Ok((api.PyConfig_SetArgv)(config, items.len() as isize, argv.as_ptr()))
    }
}

unsafe fn write_int(base: *mut u8, offset: usize, value: c_int) {
    base.add(offset).cast::<c_int>().write(value);
}

/// Exits the way python does when initialization fails.
unsafe fn check(api: &StructApi, status: PyStatus) {
    if (api.PyStatus_Exception)(status) != 0 {
        (api.Py_ExitStatusException)(status);
    }
}
