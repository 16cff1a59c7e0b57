//! Runs `boot.py` between the interpreter's core and main initialization:
//! after the built-in import machinery exists, before anything is imported
//! from the archive (which may already need an extension module, `zlib`).

use super::natives::Natives;
use super::python::{Api, PyObject, PY_FILE_INPUT};
use super::Failure;
use pybundle_bootloader::manifest::NativeKind;
use std::ffi::{c_char, CString};
use std::os::unix::ffi::OsStrExt;

const BOOT_SOURCE: &str = concat!(include_str!("boot.py"), "\0");

pub unsafe fn install(api: &Api, natives: &Natives) -> Result<(), Failure> {
    let extensions = (api.PyDict_New)();
    for item in &natives.items {
        if let NativeKind::Extension { module } = &item.native.kind {
            let key = utf8(api, module.as_bytes());
            let value = utf8(api, item.path.as_os_str().as_bytes());
            (api.PyDict_SetItem)(extensions, key, value);
            (api.Py_DecRef)(key);
            (api.Py_DecRef)(value);
        }
    }
    let globals = (api.PyDict_New)();
    let builtins = (api.PyImport_ImportModule)(c"builtins".as_ptr());
    (api.PyDict_SetItemString)(globals, c"__builtins__".as_ptr(), builtins);
    (api.PyDict_SetItemString)(globals, c"__name__".as_ptr(), utf8(api, b"pybundle_boot"));
    (api.PyDict_SetItemString)(globals, c"extensions".as_ptr(), extensions);
    let code = (api.Py_CompileString)(
        BOOT_SOURCE.as_ptr().cast::<c_char>(),
        c"<pybundle boot>".as_ptr(),
        PY_FILE_INPUT,
    );
    let result = if code.is_null() { code } else { (api.PyEval_EvalCode)(code, globals, globals) };
    if result.is_null() {
        (api.PyErr_Print)();
        return Err(Failure::new("the bundle's start-up code failed (see the traceback above)"));
    }
    Ok(())
}

pub unsafe fn utf8(api: &Api, bytes: &[u8]) -> *mut PyObject {
    let text = CString::new(bytes).unwrap_or_default();
    (api.PyUnicode_DecodeUTF8)(text.as_ptr(), bytes.len() as isize, c"surrogateescape".as_ptr())
}
