//! Configuration through the `PyConfig` struct (CPython 3.8 to 3.13): a
//! zeroed buffer initialized by CPython, then fields written at the offsets
//! of this version's layout.

use super::layout::{self, ConfigLayout};
use super::settings::{Field, Settings};
use super::symbols::symbol_table;
use crate::runtime::loader::Library;
use crate::runtime::Failure;
use pybundle_bootloader::manifest::PythonOptions;
use std::ffi::{c_char, c_int, c_ulong, c_void, CString};

type WChar = i32;

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
        PyConfig_SetBytesString: fn(*mut c_void, *mut *mut WChar, *const c_char) -> PyStatus;
        PyConfig_SetBytesArgv: fn(*mut c_void, isize, *const *mut c_char) -> PyStatus;
        PyConfig_Clear: fn(*mut c_void);
        PyWideStringList_Append: fn(*mut c_void, *const WChar) -> PyStatus;
        Py_DecodeLocale: fn(*const c_char, *mut usize) -> *mut WChar;
        PyMem_RawFree: fn(*mut c_void);
        Py_InitializeFromConfig: fn(*const c_void) -> PyStatus;
        PyStatus_Exception: fn(PyStatus) -> c_int;
        Py_ExitStatusException: fn(PyStatus);
    }
);

pub struct StructConfig {
    api: StructApi,
    layout: ConfigLayout,
    /// The `PyConfig`, as 8-byte words for alignment.
    buffer: Vec<u64>,
}

impl StructConfig {
    /// Pre-initializes Python (UTF-8 mode, development mode) and creates an
    /// isolated configuration to fill in.
    pub fn new(library: &Library, (major, minor): (u32, u32), options: &PythonOptions) -> Result<StructConfig, Failure> {
        let layout = layout::layout(major, minor).ok_or_else(|| {
            Failure::new(format!("this stub cannot start Python {major}.{minor}; rebuild the bundle with a newer pybundle"))
        })?;
        let api = StructApi::bind(library)?;
        let mut pre = vec![0u64; layout::PRECONFIG_SIZE.div_ceil(8)];
        unsafe {
            (api.PyPreConfig_InitIsolatedConfig)(pre.as_mut_ptr().cast());
            write_int(pre.as_mut_ptr().cast(), layout::PRECONFIG_UTF8_MODE, options.utf8_mode.into());
            write_int(pre.as_mut_ptr().cast(), layout::PRECONFIG_DEV_MODE, options.dev_mode.into());
            check(&api, (api.Py_PreInitialize)(pre.as_ptr().cast()));
        }
        let mut config = StructConfig { api, layout, buffer: vec![0; layout.size.div_ceil(8) + 1] };
        unsafe { (config.api.PyConfig_InitIsolatedConfig)(config.ptr()) };
        Ok(config)
    }

    /// Initializes the interpreter's core from the configuration.
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
            Field::InitMain => l.init_main,
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

    fn set_str(&mut self, field: Field, value: &[u8]) -> Result<(), Failure> {
        let value = c_string(value)?;
        let ptr = self.field_ptr::<*mut WChar>(field)?;
        let config = self.ptr();
        unsafe { check(&self.api, (self.api.PyConfig_SetBytesString)(config, ptr, value.as_ptr())) };
        Ok(())
    }

    fn set_list(&mut self, field: Field, items: &[&[u8]]) -> Result<(), Failure> {
        let items: Vec<CString> = items.iter().map(|i| c_string(i)).collect::<Result<_, _>>()?;
        if field == Field::Argv {
            let mut argv: Vec<*mut c_char> = items.iter().map(|a| a.as_ptr().cast_mut()).collect();
            argv.push(std::ptr::null_mut());
            let config = self.ptr();
            let status = unsafe { (self.api.PyConfig_SetBytesArgv)(config, items.len() as isize, argv.as_ptr()) };
            unsafe { check(&self.api, status) };
            return Ok(());
        }
        let list = self.field_ptr::<c_void>(field)?;
        for item in &items {
            unsafe {
                let wide = (self.api.Py_DecodeLocale)(item.as_ptr(), std::ptr::null_mut());
                if wide.is_null() {
                    return Err(Failure::new(format!("cannot decode {}", item.to_string_lossy())));
                }
                check(&self.api, (self.api.PyWideStringList_Append)(list, wide));
                (self.api.PyMem_RawFree)(wide.cast());
            }
        }
        Ok(())
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

fn c_string(bytes: &[u8]) -> Result<CString, Failure> {
    CString::new(bytes).map_err(|_| Failure::new("an argument or path contains a NUL byte"))
}
