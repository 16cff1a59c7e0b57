//! Starts the bundled CPython in this process and runs the application:
//! configure (per version), initialize the core, install the bundle's
//! import support (boot.py), finish initialization, run `__main__`.

mod init_config;
mod layout;
mod settings;
mod struct_config;
mod symbols;

use super::boot;
use super::bundle::Bundle;
use super::launch::{self, Launch};
use super::loader::Library;
use super::natives::NativeStore;
use super::platform;
use super::Failure;
use init_config::InitConfig;
use std::ffi::{c_char, c_int, c_void, CString, OsString};
use std::path::Path;
use struct_config::StructConfig;
use symbols::symbol_table;

pub type PyObject = c_void;

/// `Py_file_input`: compile a module's worth of statements.
pub const PY_FILE_INPUT: c_int = 257;

/// Size of a `.pyc` header (magic, flags, and hash or mtime and size).
const PYC_HEADER: usize = 16;

/// The first version configured by name (PEP 741) instead of by struct.
const NAMED_CONFIG_SINCE: (u32, u32) = (3, 14);

symbol_table!(
    /// The libpython functions used once the interpreter's core is up.
    Api {
        _Py_InitializeMain: fn() -> struct_config::PyStatus;
        PyStatus_Exception: fn(struct_config::PyStatus) -> c_int;
        Py_ExitStatusException: fn(struct_config::PyStatus);
        Py_CompileString: fn(*const c_char, *const c_char, c_int) -> *mut PyObject;
        PyEval_EvalCode: fn(*mut PyObject, *mut PyObject, *mut PyObject) -> *mut PyObject;
        PyDict_New: fn() -> *mut PyObject;
        PyDict_SetItemString: fn(*mut PyObject, *const c_char, *mut PyObject) -> c_int;
        PyUnicode_DecodeUTF8: fn(*const c_char, isize, *const c_char) -> *mut PyObject;
        PyImport_ImportModule: fn(*const c_char) -> *mut PyObject;
        PyImport_AddModule: fn(*const c_char) -> *mut PyObject;
        PyModule_GetDict: fn(*mut PyObject) -> *mut PyObject;
        PyMarshal_ReadObjectFromString: fn(*const c_char, isize) -> *mut PyObject;
        PyErr_Print: fn();
        PyErr_ExceptionMatches: fn(*mut PyObject) -> c_int;
        Py_DecRef: fn(*mut PyObject);
        Py_FinalizeEx: fn() -> c_int;
        PyList_New: fn(isize) -> *mut PyObject;
        PyList_Append: fn(*mut PyObject, *mut PyObject) -> c_int;
        PyCFunction_NewEx: fn(*mut c_void, *mut PyObject, *mut PyObject) -> *mut PyObject;
        PyUnicode_AsUTF8: fn(*mut PyObject) -> *const c_char;
        Py_BuildValue: fn(*const c_char) -> *mut PyObject;
    }
);

/// Initializes Python for the bundle and runs what this start is for;
/// returns the exit code.
pub fn run(library: Library, bundle: &'static Bundle, natives: &'static NativeStore) -> Result<i32, Failure> {
    let manifest = bundle.manifest();
    let (major, minor, _) = manifest.python.version;
    let args: Vec<OsString> = std::env::args_os().collect();
    let launch = launch::classify(&args);
    let argv = match &launch {
        Launch::Command { argv, .. } => argv.clone(),
        Launch::App | Launch::MultiprocessingChild => args,
    };
    let options = &manifest.options;
    let files_dir = natives.files_dir()?;
    let files_dir = files_dir.as_deref();
    if (major, minor) >= NAMED_CONFIG_SINCE {
        let mut config = InitConfig::new(&library, options)?;
        settings::configure(&mut config, bundle.path(), files_dir, &argv, options)?;
        config.initialize()?;
    } else {
        let mut config = StructConfig::new(&library, (major, minor), options)?;
        settings::configure(&mut config, bundle.path(), files_dir, &argv, options)?;
        config.initialize();
    }
    let api: &'static Api = Box::leak(Box::new(Api::bind(&library)?));
    let keyboard_interrupt = library
        .symbol(c"PyExc_KeyboardInterrupt")
        .ok_or_else(|| Failure::new("the bundled libpython has no PyExc_KeyboardInterrupt"))?;
    unsafe {
        boot::install(api, natives, files_dir)?;
        let status = (api._Py_InitializeMain)();
        if (api.PyStatus_Exception)(status) != 0 {
            (api.Py_ExitStatusException)(status);
        }
        let code = match &launch {
            Launch::App => app_code(api, bundle)?,
            Launch::MultiprocessingChild => compile(api, launch::CHILD_SOURCE, "<pybundle multiprocessing>")?,
            Launch::Command { code, .. } => compile(api, code, "<string>")?,
        };
        // SAFETY: the symbol is a `PyObject *` variable set when libpython loaded.
        let keyboard_interrupt = *keyboard_interrupt.cast::<*mut PyObject>();
        let file = matches!(launch, Launch::App).then(|| bundle.path());
        Ok(run_main(api, code, file, keyboard_interrupt))
    }
}

/// The application's compiled entry, stored uncompressed in the archive.
unsafe fn app_code(api: &Api, bundle: &Bundle) -> Result<*mut PyObject, Failure> {
    let pyc = bundle.verified_entry(&bundle.manifest().entry)?;
    let body = pyc.get(PYC_HEADER..).ok_or_else(|| Failure::damaged(bundle.path(), "the entry is cut off"))?;
    let code = (api.PyMarshal_ReadObjectFromString)(body.as_ptr().cast(), body.len() as isize);
    if code.is_null() {
        (api.PyErr_Print)();
        return Err(Failure::damaged(bundle.path(), "the entry's bytecode does not load"));
    }
    Ok(code)
}

unsafe fn compile(api: &Api, source: &str, name: &str) -> Result<*mut PyObject, Failure> {
    let source = CString::new(source).map_err(|_| Failure::new("the start-up command contains a NUL byte"))?;
    let name = CString::new(name).expect("names have no NUL");
    let code = (api.Py_CompileString)(source.as_ptr(), name.as_ptr(), PY_FILE_INPUT);
    if code.is_null() {
        (api.PyErr_Print)();
        return Err(Failure::new("cannot compile the start-up command"));
    }
    Ok(code)
}

/// Runs `code` as `__main__` and finalizes, with python's exit rules:
/// `SystemExit` exits with its code (inside `PyErr_Print`), another
/// exception prints its traceback and gives 1, and an unhandled
/// `KeyboardInterrupt` ends the process as python's would (by SIGINT on
/// Linux, with `STATUS_CONTROL_C_EXIT` on Windows).
unsafe fn run_main(api: &Api, code: *mut PyObject, file: Option<&Path>, keyboard_interrupt: *mut PyObject) -> i32 {
    let main = (api.PyImport_AddModule)(c"__main__".as_ptr());
    let globals = (api.PyModule_GetDict)(main);
    if let Some(file) = file {
        let path = boot::os_str(api, file.as_os_str());
        (api.PyDict_SetItemString)(globals, c"__file__".as_ptr(), path);
        (api.Py_DecRef)(path);
    }
    let result = (api.PyEval_EvalCode)(code, globals, globals);
    let mut exit_code = 0;
    let mut interrupted = false;
    if result.is_null() {
        interrupted = (api.PyErr_ExceptionMatches)(keyboard_interrupt) != 0;
        (api.PyErr_Print)();
        exit_code = 1;
    } else {
        (api.Py_DecRef)(result);
    }
    (api.Py_DecRef)(code);
    if (api.Py_FinalizeEx)() < 0 {
        exit_code = 120;
    }
    if interrupted {
        return platform::exit_interrupted();
    }
    exit_code
}
