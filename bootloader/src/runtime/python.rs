//! Binds libpython's C API by name and starts the interpreter the way
//! `python -I` would, with the bundle as its only import root.

use super::boot;
use super::bundle::Bundle;
use super::loader::Library;
use super::natives::Natives;
use super::pyconfig::{self, ConfigLayout};
use super::Failure;
use std::ffi::{c_char, c_int, c_void, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

pub type PyObject = c_void;
pub type WChar = i32;

/// CPython's `PyStatus`, returned by value from the initialization API.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct PyStatus {
    kind: c_int,
    func: *const c_char,
    err_msg: *const c_char,
    exitcode: c_int,
}

macro_rules! python_api {
    ($($name:ident: fn($($arg:ty),*) $(-> $ret:ty)?;)*) => {
        /// The libpython functions the stub calls.
        #[allow(non_snake_case)]
        pub struct Api {
            version: (u32, u32, u32),
            $(pub $name: unsafe extern "C" fn($($arg),*) $(-> $ret)?,)*
        }

        impl Api {
            pub fn bind(library: Library, version: (u32, u32, u32)) -> Result<Api, Failure> {
                Ok(Api {
                    version,
                    $($name: {
                        let symbol = library.symbol(
                            CStr::from_bytes_with_nul(concat!(stringify!($name), "\0").as_bytes()).unwrap(),
                        ).ok_or_else(|| Failure::new(format!(
                            "libpython {}.{} has no function {}", version.0, version.1, stringify!($name)
                        )))?;
                        // SAFETY: the symbol has this C signature in every supported version.
                        unsafe { std::mem::transmute::<*mut c_void, unsafe extern "C" fn($($arg),*) $(-> $ret)?>(symbol) }
                    },)*
                })
            }
        }
    };
}
use std::ffi::CStr;

python_api! {
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
    _Py_InitializeMain: fn() -> PyStatus;
    PyStatus_Exception: fn(PyStatus) -> c_int;
    Py_ExitStatusException: fn(PyStatus);
    Py_RunMain: fn() -> c_int;
    Py_CompileString: fn(*const c_char, *const c_char, c_int) -> *mut PyObject;
    PyEval_EvalCode: fn(*mut PyObject, *mut PyObject, *mut PyObject) -> *mut PyObject;
    PyDict_New: fn() -> *mut PyObject;
    PyDict_SetItemString: fn(*mut PyObject, *const c_char, *mut PyObject) -> c_int;
    PyDict_SetItem: fn(*mut PyObject, *mut PyObject, *mut PyObject) -> c_int;
    PyUnicode_DecodeUTF8: fn(*const c_char, isize, *const c_char) -> *mut PyObject;
    PyImport_ImportModule: fn(*const c_char) -> *mut PyObject;
    PyErr_Print: fn();
    Py_DecRef: fn(*mut PyObject);
}

/// A zeroed, suitably aligned buffer for a C struct of the given size.
struct StructBuffer(Vec<u64>);

impl StructBuffer {
    fn new(size: usize) -> StructBuffer {
        StructBuffer(vec![0; size.div_ceil(8) + 8])
    }
    fn ptr(&mut self) -> *mut c_void {
        self.0.as_mut_ptr().cast()
    }
    fn field<T>(&mut self, offset: usize) -> *mut T {
        // SAFETY: offsets come from the layout table and lie within the buffer.
        unsafe { self.ptr().cast::<u8>().add(offset).cast() }
    }
    fn set_int(&mut self, offset: usize, value: c_int) {
        unsafe { self.field::<c_int>(offset).write(value) }
    }
}

impl Api {
    /// Initializes Python for the bundle and runs its entry; returns the exit code.
    pub fn run(&self, bundle: &Bundle, natives: &Natives) -> Result<i32, Failure> {
        let (major, minor, _) = self.version;
        let layout = pyconfig::layout(major, minor).ok_or_else(|| {
            Failure::new(format!("this stub cannot start Python {major}.{minor}; rebuild with a newer pybundle"))
        })?;
        unsafe {
            self.pre_initialize();
            let mut config = StructBuffer::new(layout.size);
            (self.PyConfig_InitIsolatedConfig)(config.ptr());
            self.configure(&mut config, &layout, bundle.path())?;
            self.check((self.Py_InitializeFromConfig)(config.ptr()));
            (self.PyConfig_Clear)(config.ptr());
            boot::install(self, natives)?;
            self.check((self._Py_InitializeMain)());
            Ok((self.Py_RunMain)())
        }
    }

    /// UTF-8 mode on, environment ignored, before anything is decoded.
    unsafe fn pre_initialize(&self) {
        let mut pre = StructBuffer::new(pyconfig::PRECONFIG_SIZE);
        (self.PyPreConfig_InitIsolatedConfig)(pre.ptr());
        pre.set_int(pyconfig::PRECONFIG_UTF8_MODE, 1);
        self.check((self.Py_PreInitialize)(pre.ptr()));
    }

    unsafe fn configure(&self, config: &mut StructBuffer, l: &ConfigLayout, exe: &Path) -> Result<(), Failure> {
        config.set_int(l.isolated, 1);
        config.set_int(l.use_environment, 0);
        config.set_int(l.user_site_directory, 0);
        config.set_int(l.install_signal_handlers, 1);
        config.set_int(l.configure_c_stdio, 1);
        config.set_int(l.parse_argv, 0);
        config.set_int(l.site_import, 1);
        config.set_int(l.write_bytecode, 0);
        config.set_int(l.pathconfig_warnings, 0);
        config.set_int(l.init_main, 0);
        if let Some(safe_path) = l.safe_path {
            config.set_int(safe_path, 1);
        }
        let exe_bytes = c_string(exe.as_os_str().as_bytes())?;
        let home = c_string(exe.parent().unwrap_or(Path::new("/")).as_os_str().as_bytes())?;
        for offset in [l.program_name, l.executable, l.base_executable, l.run_filename] {
            self.check((self.PyConfig_SetBytesString)(config.ptr(), config.field(offset), exe_bytes.as_ptr()));
        }
        for offset in [l.prefix, l.base_prefix, l.exec_prefix, l.base_exec_prefix] {
            self.check((self.PyConfig_SetBytesString)(config.ptr(), config.field(offset), home.as_ptr()));
        }
        config.set_int(l.module_search_paths_set, 1);
        let wide = (self.Py_DecodeLocale)(exe_bytes.as_ptr(), std::ptr::null_mut());
        if wide.is_null() {
            return Err(Failure::new(format!("cannot decode the path {}", exe.display())));
        }
        self.check((self.PyWideStringList_Append)(config.field(l.module_search_paths), wide));
        (self.PyMem_RawFree)(wide.cast());

        let args: Vec<CString> = std::env::args_os()
            .map(|a| CString::new(a.as_bytes()).unwrap_or_default())
            .collect();
        let mut argv: Vec<*mut c_char> = args.iter().map(|a| a.as_ptr().cast_mut()).collect();
        argv.push(std::ptr::null_mut());
        self.check((self.PyConfig_SetBytesArgv)(config.ptr(), args.len() as isize, argv.as_ptr()));
        Ok(())
    }

    /// Exits the way python does when initialization fails.
    pub unsafe fn check(&self, status: PyStatus) {
        if (self.PyStatus_Exception)(status) != 0 {
            (self.Py_ExitStatusException)(status);
        }
    }
}

fn c_string(bytes: &[u8]) -> Result<CString, Failure> {
    CString::new(bytes).map_err(|_| Failure::new("a path contains a NUL byte"))
}
