//! Installs the bundle's importer once the interpreter is initialized and
//! before the application runs: boot.py (the import protocol's Python side:
//! finder, loaders, resource readers, path hook) over the functions below,
//! which do the work in Rust: the module index, entries read from the
//! mapped executable and checked against their manifest hashes, bytecode
//! unmarshalled, extension modules made loadable. A damaged entry ends the
//! process with one line before any of its code runs.

use super::bundle::Bundle;
use super::module_index::{Found, ModuleIndex, PathKind};
use super::natives::NativeStore;
use super::python::startup_modules::PYC_HEADER;
use super::python::{Api, PyObject};
use super::Failure;
use pybundle_bootloader::layout;
use std::ffi::{c_char, c_int, CStr, OsStr};
use std::path::Path;
use std::sync::OnceLock;

/// What the functions work with; set once before boot.py runs.
struct Context {
    api: &'static Api,
    bundle: &'static Bundle,
    natives: &'static NativeStore,
    index: &'static ModuleIndex,
}

static CONTEXT: OnceLock<Context> = OnceLock::new();

/// CPython's `PyMethodDef`.
#[repr(C)]
struct MethodDef {
    name: *const c_char,
    function: unsafe extern "C" fn(*mut PyObject, *mut PyObject) -> *mut PyObject,
    flags: c_int,
    doc: *const c_char,
}

// SAFETY: the definitions are immutable and only read by CPython.
unsafe impl Sync for MethodDef {}

/// `METH_O`: the function takes exactly one argument.
const METH_O: c_int = 0x0008;

const fn method(name: &'static CStr, function: unsafe extern "C" fn(*mut PyObject, *mut PyObject) -> *mut PyObject) -> MethodDef {
    MethodDef { name: name.as_ptr(), function, flags: METH_O, doc: std::ptr::null() }
}

/// The functions boot.py gets, by the names it uses.
static FUNCTIONS: [MethodDef; 7] = [
    method(c"_find", find),
    method(c"_code", code),
    method(c"_read", read),
    method(c"_kind", kind),
    method(c"_children", children),
    method(c"_real_file", real_file),
    method(c"_real_program", real_program),
];

/// Where the application runs from, for boot.py.
pub struct Paths<'a> {
    pub bundle: &'a Path,
    /// The directory of the files placed on disk, if any.
    pub files_dir: Option<&'a Path>,
    /// `sys._MEIPASS`: the bundle's data directory.
    pub data_dir: &'a Path,
    /// Whether paths below the bundle's own are served as files.
    pub served: bool,
}

/// Runs boot.py; returns the application's code object when `run_app`.
pub unsafe fn install(
    api: &'static Api,
    bundle: &'static Bundle,
    natives: &'static NativeStore,
    index: &'static ModuleIndex,
    paths: &Paths,
    run_app: bool,
) -> Result<Option<*mut PyObject>, Failure> {
    let _ = CONTEXT.set(Context { api, bundle, natives, index });
    let globals = (api.PyDict_New)();
    let builtins = (api.PyImport_ImportModule)(c"builtins".as_ptr());
    set(api, globals, c"__builtins__", builtins);
    set(api, globals, c"__name__", utf8(api, b"pybundle_boot"));
    for function in &FUNCTIONS {
        let object = (api.PyCFunction_NewEx)(std::ptr::from_ref(function).cast_mut().cast(), std::ptr::null_mut(), std::ptr::null_mut());
        (api.PyDict_SetItemString)(globals, function.name, object);
        (api.Py_DecRef)(object);
    }
    set(api, globals, c"bundle_path", os_str(api, paths.bundle.as_os_str()));
    set(api, globals, c"data_dir", os_str(api, paths.data_dir.as_os_str()));
    let files_dir = match paths.files_dir {
        Some(dir) => os_str(api, dir.as_os_str()),
        None => (api.Py_BuildValue)(c"".as_ptr()),
    };
    set(api, globals, c"files_dir", files_dir);
    set(api, globals, c"served", (api.PyBool_FromLong)(paths.served.into()));
    set(api, globals, c"run_app", (api.PyBool_FromLong)(run_app.into()));
    let code = boot_code(api, bundle)?;
    let result = (api.PyEval_EvalCode)(code, globals, globals);
    if result.is_null() {
        (api.PyErr_Print)();
        return Err(Failure::new("the bundle's start-up code failed (see the traceback above)"));
    }
    if !run_app {
        return Ok(None);
    }
    let main_code = (api.PyDict_GetItemString)(globals, c"main_code".as_ptr());
    if main_code.is_null() {
        return Err(Failure::new("the bundle's start-up code did not load the application"));
    }
    (api.Py_IncRef)(main_code);
    Ok(Some(main_code))
}

/// boot.py's code object, compiled by the packer.
unsafe fn boot_code(api: &Api, bundle: &Bundle) -> Result<*mut PyObject, Failure> {
    let pyc = bundle.verified_entry(layout::BOOT_MODULE)?;
    let body = pyc.get(PYC_HEADER..).ok_or_else(|| Failure::damaged(bundle.path(), "its start-up code is cut off"))?;
    let code = (api.PyMarshal_ReadObjectFromString)(body.as_ptr().cast(), body.len() as isize);
    if code.is_null() {
        (api.PyErr_Print)();
        return Err(Failure::damaged(bundle.path(), "its start-up code does not load"));
    }
    Ok(code)
}

unsafe fn set(api: &Api, dict: *mut PyObject, name: &CStr, value: *mut PyObject) {
    (api.PyDict_SetItemString)(dict, name.as_ptr(), value);
    (api.Py_DecRef)(value);
}

fn context() -> &'static Context {
    CONTEXT.get().expect("the boot context is set before boot.py runs")
}

/// Ends the process: the app must not run on damaged code.
fn die(failure: Failure) -> ! {
    eprintln!("pybundle: {failure}");
    std::process::exit(failure.exit_code());
}

/// The argument as UTF-8 text, or `None` with a Python exception set.
unsafe fn text<'a>(api: &Api, object: *mut PyObject) -> Option<&'a str> {
    let pointer = (api.PyUnicode_AsUTF8)(object);
    if pointer.is_null() {
        return None;
    }
    CStr::from_ptr(pointer).to_str().ok()
}

/// `_find(name)`: `None`, or `[kind, archive name]` with kind 1 module,
/// 2 package, 3 namespace package (archive name: its directory), 4
/// extension module (archive name: its native file, now loadable; the
/// third item is the path to load it from).
unsafe extern "C" fn find(_module: *mut PyObject, name: *mut PyObject) -> *mut PyObject {
    let context = context();
    let api = context.api;
    let Some(name) = text(api, name) else { return std::ptr::null_mut() };
    let Some(found) = context.index.find(name) else { return (api.Py_BuildValue)(c"".as_ptr()) };
    let list = (api.PyList_New)(0);
    append(api, list, (api.PyLong_FromLongLong)(found.code()));
    match &found {
        Found::Module(archive) | Found::Package(archive) => append(api, list, utf8(api, archive.as_bytes())),
        Found::Namespace => append(api, list, utf8(api, name.replace('.', "/").as_bytes())),
        Found::Extension(archive) => {
            append(api, list, utf8(api, archive.as_bytes()));
            let path = match context.natives.extension(name) {
                Ok(Some(path)) => path,
                Ok(None) => die(Failure::damaged(context.bundle.path(), format!("extension module {name} is not in the manifest"))),
                Err(failure) => die(failure),
            };
            append(api, list, os_str(api, path.as_os_str()));
        }
    }
    list
}

unsafe fn append(api: &Api, list: *mut PyObject, item: *mut PyObject) {
    (api.PyList_Append)(list, item);
    (api.Py_DecRef)(item);
}

/// `_code(archive_name)`: the code object of a bundled `.pyc`.
unsafe extern "C" fn code(_module: *mut PyObject, name: *mut PyObject) -> *mut PyObject {
    let context = context();
    let api = context.api;
    let Some(name) = text(api, name) else { return std::ptr::null_mut() };
    let pyc = context.bundle.verified_entry(name).unwrap_or_else(|failure| die(failure));
    let Some(body) = pyc.get(PYC_HEADER..) else {
        die(Failure::damaged(context.bundle.path(), format!("entry {name} is cut off")))
    };
    let code = (api.PyMarshal_ReadObjectFromString)(body.as_ptr().cast(), body.len() as isize);
    if code.is_null() {
        (api.PyErr_Print)();
        die(Failure::damaged(context.bundle.path(), format!("the bytecode of {name} does not load")));
    }
    code
}

/// `_read(archive_path)`: the bytes of a bundled file, or `None`.
unsafe extern "C" fn read(_module: *mut PyObject, path: *mut PyObject) -> *mut PyObject {
    let context = context();
    let api = context.api;
    let Some(path) = text(api, path) else { return std::ptr::null_mut() };
    if context.index.kind(path) != Some(PathKind::File) {
        return (api.Py_BuildValue)(c"".as_ptr());
    }
    let data = context.bundle.verified_entry(path).unwrap_or_else(|failure| die(failure));
    (api.PyBytes_FromStringAndSize)(data.as_ptr().cast(), data.len() as isize)
}

/// `_kind(archive_path)`: 0 absent, 1 file, 2 directory.
unsafe extern "C" fn kind(_module: *mut PyObject, path: *mut PyObject) -> *mut PyObject {
    let context = context();
    let api = context.api;
    let Some(path) = text(api, path) else { return std::ptr::null_mut() };
    let kind = match context.index.kind(path) {
        None => 0,
        Some(PathKind::File) => 1,
        Some(PathKind::Directory) => 2,
    };
    (api.PyLong_FromLongLong)(kind)
}

/// `_children(archive_path)`: the names in a directory (`/` ends a
/// directory's name).
unsafe extern "C" fn children(_module: *mut PyObject, path: *mut PyObject) -> *mut PyObject {
    let context = context();
    let api = context.api;
    let Some(path) = text(api, path) else { return std::ptr::null_mut() };
    let list = (api.PyList_New)(0);
    for child in context.index.children(path) {
        append(api, list, utf8(api, child.as_bytes()));
    }
    list
}

/// `_real_file(archive_path)`: `[True, path]`, the served file or
/// directory as real files on disk for another program, or `[False,
/// why]`.
unsafe extern "C" fn real_file(_module: *mut PyObject, path: *mut PyObject) -> *mut PyObject {
    real_copy(path, false)
}

/// `_real_program(archive_path)`: as `_real_file`, in a place that allows
/// running it.
unsafe extern "C" fn real_program(_module: *mut PyObject, path: *mut PyObject) -> *mut PyObject {
    real_copy(path, true)
}

unsafe fn real_copy(path: *mut PyObject, program: bool) -> *mut PyObject {
    let context = context();
    let api = context.api;
    let Some(path) = text(api, path) else { return std::ptr::null_mut() };
    let list = (api.PyList_New)(0);
    match super::cache_dir::served_copy(context.bundle, context.index, path, program) {
        Ok(real) => {
            append(api, list, (api.PyBool_FromLong)(1));
            append(api, list, os_str(api, real.as_os_str()));
        }
        Err(failure) => {
            append(api, list, (api.PyBool_FromLong)(0));
            append(api, list, utf8(api, failure.to_string().as_bytes()));
        }
    }
    list
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

/// Decodes exactly `bytes` (NUL bytes included: CPython takes the length).
unsafe fn decode_utf8(api: &Api, bytes: &[u8], errors: &CStr) -> *mut PyObject {
    (api.PyUnicode_DecodeUTF8)(bytes.as_ptr().cast(), bytes.len() as isize, errors.as_ptr())
}
