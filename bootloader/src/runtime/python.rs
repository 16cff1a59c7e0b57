//! Binds libpython's C API by name and starts the interpreter the way
//! `python -I` would, with the bundle as its only import root.

use super::boot;
use super::bundle::Bundle;
use super::launch::{self, Launch};
use super::loader::Library;
use super::natives::Natives;
use super::pyconfig::{self, ConfigLayout};
use super::Failure;
use pybundle_bootloader::manifest::PythonOptions;
use std::ffi::{c_char, c_int, c_void, CString, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

pub type PyObject = c_void;
pub type WChar = i32;

/// `Py_file_input`: compile a module's worth of statements.
const PY_FILE_INPUT: c_int = 257;

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
            /// The `KeyboardInterrupt` class.
            keyboard_interrupt: *mut PyObject,
            $(pub $name: unsafe extern "C" fn($($arg),*) $(-> $ret)?,)*
        }

        impl Api {
            pub fn bind(library: Library, version: (u32, u32, u32)) -> Result<Api, Failure> {
                let keyboard_interrupt = library
                    .symbol(c"PyExc_KeyboardInterrupt")
                    .ok_or_else(|| Failure::new("libpython has no PyExc_KeyboardInterrupt"))?;
                Ok(Api {
                    version,
                    // SAFETY: the symbol is a `PyObject *` variable set at load time.
                    keyboard_interrupt: unsafe { *keyboard_interrupt.cast::<*mut PyObject>() },
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
    Py_CompileString: fn(*const c_char, *const c_char, c_int) -> *mut PyObject;
    PyEval_EvalCode: fn(*mut PyObject, *mut PyObject, *mut PyObject) -> *mut PyObject;
    PyDict_New: fn() -> *mut PyObject;
    PyDict_SetItemString: fn(*mut PyObject, *const c_char, *mut PyObject) -> c_int;
    PyDict_SetItem: fn(*mut PyObject, *mut PyObject, *mut PyObject) -> c_int;
    PyUnicode_DecodeUTF8: fn(*const c_char, isize, *const c_char) -> *mut PyObject;
    PyImport_ImportModule: fn(*const c_char) -> *mut PyObject;
    PyErr_Print: fn();
    PyErr_ExceptionMatches: fn(*mut PyObject) -> c_int;
    Py_DecRef: fn(*mut PyObject);
    PyImport_AddModule: fn(*const c_char) -> *mut PyObject;
    PyModule_GetDict: fn(*mut PyObject) -> *mut PyObject;
    PyMarshal_ReadObjectFromString: fn(*const c_char, isize) -> *mut PyObject;
    Py_FinalizeEx: fn() -> c_int;
}

/// Size of a `.pyc` header (magic, flags, and hash or mtime and size).
const PYC_HEADER: usize = 16;

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
        let args: Vec<OsString> = std::env::args_os().collect();
        let launch = launch::classify(&args);
        let argv = match &launch {
            Launch::Command { argv, .. } => argv.clone(),
            Launch::App | Launch::MultiprocessingChild => args,
        };
        unsafe {
            let options = &bundle.manifest().options;
            self.pre_initialize(options);
            let mut config = StructBuffer::new(layout.size);
            (self.PyConfig_InitIsolatedConfig)(config.ptr());
            self.configure(&mut config, &layout, bundle.path(), &argv)?;
            self.apply_options(&mut config, &layout, options)?;
            self.check((self.Py_InitializeFromConfig)(config.ptr()));
            (self.PyConfig_Clear)(config.ptr());
            boot::install(self, natives)?;
            self.check((self._Py_InitializeMain)());
            let code = match &launch {
                Launch::App => self.app_code(bundle)?,
                Launch::MultiprocessingChild => self.compile(launch::CHILD_SOURCE, "<pybundle multiprocessing>")?,
                Launch::Command { code, .. } => self.compile(code, "<string>")?,
            };
            Ok(self.run_main(code, matches!(launch, Launch::App).then(|| bundle.path())))
        }
    }

    /// The application's compiled entry, stored uncompressed in the archive.
    unsafe fn app_code(&self, bundle: &Bundle) -> Result<*mut PyObject, Failure> {
        let pyc = bundle.verified_entry(&bundle.manifest().entry)?;
        let body = pyc.get(PYC_HEADER..).ok_or_else(|| Failure::damaged(bundle.path(), "the entry is cut off"))?;
        let code = (self.PyMarshal_ReadObjectFromString)(body.as_ptr().cast(), body.len() as isize);
        if code.is_null() {
            (self.PyErr_Print)();
            return Err(Failure::damaged(bundle.path(), "the entry's bytecode does not load"));
        }
        Ok(code)
    }

    unsafe fn compile(&self, source: &str, name: &str) -> Result<*mut PyObject, Failure> {
        let source = c_string(source.as_bytes())?;
        let name = c_string(name.as_bytes())?;
        let code = (self.Py_CompileString)(source.as_ptr(), name.as_ptr(), PY_FILE_INPUT);
        if code.is_null() {
            (self.PyErr_Print)();
            return Err(Failure::new("cannot compile the start-up command"));
        }
        Ok(code)
    }

    /// Runs `code` as `__main__` and finalizes, with python's exit rules:
    /// `SystemExit` exits with its code (inside `PyErr_Print`), another
    /// exception prints its traceback and gives 1, and an unhandled
    /// `KeyboardInterrupt` ends the process by SIGINT.
    unsafe fn run_main(&self, code: *mut PyObject, file: Option<&Path>) -> i32 {
        let main = (self.PyImport_AddModule)(c"__main__".as_ptr());
        let globals = (self.PyModule_GetDict)(main);
        if let Some(file) = file {
            let path = boot::utf8(self, file.as_os_str().as_bytes());
            (self.PyDict_SetItemString)(globals, c"__file__".as_ptr(), path);
            (self.Py_DecRef)(path);
        }
        let result = (self.PyEval_EvalCode)(code, globals, globals);
        let mut exit_code = 0;
        let mut interrupted = false;
        if result.is_null() {
            interrupted = (self.PyErr_ExceptionMatches)(self.keyboard_interrupt) != 0;
            (self.PyErr_Print)();
            exit_code = 1;
        } else {
            (self.Py_DecRef)(result);
        }
        (self.Py_DecRef)(code);
        if (self.Py_FinalizeEx)() < 0 {
            exit_code = 120;
        }
        if interrupted {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            libc::kill(libc::getpid(), libc::SIGINT);
        }
        exit_code
    }

    /// UTF-8 mode (unless turned off), environment ignored, before anything
    /// is decoded.
    unsafe fn pre_initialize(&self, options: &PythonOptions) {
        let mut pre = StructBuffer::new(pyconfig::PRECONFIG_SIZE);
        (self.PyPreConfig_InitIsolatedConfig)(pre.ptr());
        pre.set_int(pyconfig::PRECONFIG_UTF8_MODE, options.utf8_mode.into());
        pre.set_int(pyconfig::PRECONFIG_DEV_MODE, options.dev_mode.into());
        self.check((self.Py_PreInitialize)(pre.ptr()));
    }

    unsafe fn configure(
        &self,
        config: &mut StructBuffer,
        l: &ConfigLayout,
        exe: &Path,
        args: &[OsString],
    ) -> Result<(), Failure> {
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
        for offset in [l.program_name, l.executable, l.base_executable] {
            self.check((self.PyConfig_SetBytesString)(config.ptr(), config.field(offset), exe_bytes.as_ptr()));
        }
        for offset in [l.prefix, l.base_prefix, l.exec_prefix, l.base_exec_prefix] {
            self.check((self.PyConfig_SetBytesString)(config.ptr(), config.field(offset), home.as_ptr()));
        }
        config.set_int(l.module_search_paths_set, 1);
        self.append_wide(config.field(l.module_search_paths), exe.as_os_str().as_bytes())?;

        let args: Vec<CString> = args.iter().map(|a| CString::new(a.as_bytes()).unwrap_or_default()).collect();
        let mut argv: Vec<*mut c_char> = args.iter().map(|a| a.as_ptr().cast_mut()).collect();
        argv.push(std::ptr::null_mut());
        self.check((self.PyConfig_SetBytesArgv)(config.ptr(), args.len() as isize, argv.as_ptr()));
        Ok(())
    }

    /// The interpreter flags chosen at build time.
    unsafe fn apply_options(&self, config: &mut StructBuffer, l: &ConfigLayout, options: &PythonOptions) -> Result<(), Failure> {
        config.set_int(l.optimization_level, options.optimize.into());
        config.set_int(l.buffered_stdio, (!options.unbuffered).into());
        config.set_int(l.dev_mode, options.dev_mode.into());
        if let Some(seed) = options.hash_seed {
            config.set_int(l.use_hash_seed, 1);
            config.field::<std::ffi::c_ulong>(l.hash_seed).write(seed.into());
        }
        for (offset, items) in [(l.warnoptions, &options.warnings), (l.xoptions, &options.xoptions)] {
            for item in items {
                self.append_wide(config.field(offset), item.as_bytes())?;
            }
        }
        Ok(())
    }

    /// Appends to a `PyWideStringList` field.
    unsafe fn append_wide(&self, list: *mut c_void, text: &[u8]) -> Result<(), Failure> {
        let text = c_string(text)?;
        let wide = (self.Py_DecodeLocale)(text.as_ptr(), std::ptr::null_mut());
        if wide.is_null() {
            return Err(Failure::new(format!("cannot decode {}", text.to_string_lossy())));
        }
        self.check((self.PyWideStringList_Append)(list, wide));
        (self.PyMem_RawFree)(wide.cast());
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
