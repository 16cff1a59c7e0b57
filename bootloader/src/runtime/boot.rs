//! Runs `boot.py` between the interpreter's core and main initialization:
//! after the built-in import machinery exists, before anything is imported
//! from the archive (which may already need an extension module, `zlib`).
//! It gives boot.py `load_extension(name)`, a function of the stub that makes
//! an extension module loadable (loading its libraries first) and returns
//! its path.

use super::natives::NativeStore;
use super::python::{Api, PyObject, PY_FILE_INPUT};
use super::Failure;
use std::ffi::{c_char, c_int, CStr, CString};
use std::ffi::OsStr;
use std::path::Path;
use std::sync::OnceLock;

const BOOT_SOURCE: &str = concat!(include_str!("boot.py"), "\0");

/// What `load_extension` works with; set once before boot.py runs.
static CONTEXT: OnceLock<(&'static Api, &'static NativeStore)> = OnceLock::new();

/// CPython's `PyMethodDef`.
#[repr(C)]
struct MethodDef {
    name: *const c_char,
    function: unsafe extern "C" fn(*mut PyObject, *mut PyObject) -> *mut PyObject,
    flags: c_int,
    doc: *const c_char,
}

// SAFETY: the definition is immutable and only read by CPython.
unsafe impl Sync for MethodDef {}

/// `METH_O`: the function takes exactly one argument.
const METH_O: c_int = 0x0008;

static LOAD_EXTENSION: MethodDef = MethodDef {
    name: c"load_extension".as_ptr(),
    function: load_extension,
    flags: METH_O,
    doc: std::ptr::null(),
};

pub unsafe fn install(api: &'static Api, store: &'static NativeStore, files_dir: Option<&Path>) -> Result<(), Failure> {
    let _ = CONTEXT.set((api, store));
    let names = (api.PyList_New)(0);
    for module in store.extension_modules() {
        let name = utf8(api, module.as_bytes());
        (api.PyList_Append)(names, name);
        (api.Py_DecRef)(name);
    }
    let function = (api.PyCFunction_NewEx)(std::ptr::from_ref(&LOAD_EXTENSION).cast_mut().cast(), std::ptr::null_mut(), std::ptr::null_mut());
    let files_dir = match files_dir {
        Some(dir) => os_str(api, dir.as_os_str()),
        None => (api.Py_BuildValue)(c"".as_ptr()),
    };
    let globals = (api.PyDict_New)();
    let builtins = (api.PyImport_ImportModule)(c"builtins".as_ptr());
    (api.PyDict_SetItemString)(globals, c"__builtins__".as_ptr(), builtins);
    (api.PyDict_SetItemString)(globals, c"__name__".as_ptr(), utf8(api, b"pybundle_boot"));
    (api.PyDict_SetItemString)(globals, c"extension_modules".as_ptr(), names);
    (api.PyDict_SetItemString)(globals, c"load_extension".as_ptr(), function);
    (api.PyDict_SetItemString)(globals, c"files_dir".as_ptr(), files_dir);
    let code = (api.Py_CompileString)(BOOT_SOURCE.as_ptr().cast::<c_char>(), c"<pybundle boot>".as_ptr(), PY_FILE_INPUT);
    let result = if code.is_null() { code } else { (api.PyEval_EvalCode)(code, globals, globals) };
    if result.is_null() {
        (api.PyErr_Print)();
        return Err(Failure::new("the bundle's start-up code failed (see the traceback above)"));
    }
    Ok(())
}

/// `load_extension(name: str) -> str`. A damaged bundle ends the process
/// with one line, as at start-up: the app must not run on damaged code.
unsafe extern "C" fn load_extension(_module: *mut PyObject, name: *mut PyObject) -> *mut PyObject {
    let (api, store) = CONTEXT.get().expect("boot context is set before boot.py runs");
    let name = (api.PyUnicode_AsUTF8)(name);
    if name.is_null() {
        return std::ptr::null_mut();
    }
    let name = CStr::from_ptr(name).to_string_lossy();
    match store.extension(&name) {
        Ok(Some(path)) => os_str(api, path.as_os_str()),
        Ok(None) => {
            let failure = Failure::damaged(store.bundle_path(), format!("extension module {name} is not in the manifest"));
            eprintln!("pybundle: {failure}");
            std::process::exit(failure.exit_code());
        }
        Err(failure) => {
            eprintln!("pybundle: {failure}");
            std::process::exit(failure.exit_code());
        }
    }
}

/// A path or argument as a Python `str`, losslessly: undecodable bytes
/// (Linux) and unpaired surrogates (Windows) survive, as python keeps them.
pub unsafe fn os_str(api: &Api, text: &OsStr) -> *mut PyObject {
    let errors = if cfg!(windows) { c"surrogatepass" } else { c"surrogateescape" };
    decode_utf8(api, text.as_encoded_bytes(), errors)
}

pub unsafe fn utf8(api: &Api, bytes: &[u8]) -> *mut PyObject {
    decode_utf8(api, bytes, c"surrogateescape")
}

unsafe fn decode_utf8(api: &Api, bytes: &[u8], errors: &CStr) -> *mut PyObject {
    let text = CString::new(bytes).unwrap_or_default();
    (api.PyUnicode_DecodeUTF8)(text.as_ptr(), bytes.len() as isize, errors.as_ptr())
}
