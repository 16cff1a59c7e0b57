//! Starts the bundled CPython in this process and runs the application:
//! check that the loaded libpython is the manifest's version, hand it the
//! start-up modules, configure (per version) and initialize, install the
//! bundle's importer (boot.py), run `__main__`.

mod init_config;
mod layout;
mod settings;
pub mod startup_modules;
mod struct_config;
mod symbols;

use super::boot::{self, Paths};
use super::bundle::Bundle;
use super::launch::{self, Launch};
use super::loader::Library;
use super::module_index::ModuleIndex;
use super::natives::NativeStore;
use super::platform;
use super::Failure;
use init_config::InitConfig;
use startup_modules::StartupModules;
use std::ffi::{c_char, c_int, c_long, c_void, CStr, CString, OsString};
use struct_config::StructConfig;
use symbols::symbol_table;

pub type PyObject = c_void;

/// `Py_file_input`: compile a module's worth of statements.
pub const PY_FILE_INPUT: c_int = 257;

/// The first version configured by name (PEP 741) instead of by struct.
const NAMED_CONFIG_SINCE: (u32, u32) = (3, 14);

symbol_table!(
    /// The libpython functions used once the interpreter is up.
    Api {
        Py_CompileString: fn(*const c_char, *const c_char, c_int) -> *mut PyObject;
        PyEval_EvalCode: fn(*mut PyObject, *mut PyObject, *mut PyObject) -> *mut PyObject;
        PyDict_New: fn() -> *mut PyObject;
        PyDict_SetItemString: fn(*mut PyObject, *const c_char, *mut PyObject) -> c_int;
        PyDict_GetItemString: fn(*mut PyObject, *const c_char) -> *mut PyObject;
        PyUnicode_DecodeUTF8: fn(*const c_char, isize, *const c_char) -> *mut PyObject;
        PyImport_ImportModule: fn(*const c_char) -> *mut PyObject;
        PyImport_AddModule: fn(*const c_char) -> *mut PyObject;
        PyModule_GetDict: fn(*mut PyObject) -> *mut PyObject;
        PyMarshal_ReadObjectFromString: fn(*const c_char, isize) -> *mut PyObject;
        PyErr_Print: fn();
        PyErr_ExceptionMatches: fn(*mut PyObject) -> c_int;
        Py_IncRef: fn(*mut PyObject);
        Py_DecRef: fn(*mut PyObject);
        Py_FinalizeEx: fn() -> c_int;
        PyList_New: fn(isize) -> *mut PyObject;
        PyList_Append: fn(*mut PyObject, *mut PyObject) -> c_int;
        PyCFunction_NewEx: fn(*mut c_void, *mut PyObject, *mut PyObject) -> *mut PyObject;
        PyUnicode_AsUTF8: fn(*mut PyObject) -> *const c_char;
        PyLong_FromLongLong: fn(i64) -> *mut PyObject;
        PyBool_FromLong: fn(c_long) -> *mut PyObject;
        PyBytes_FromStringAndSize: fn(*const c_char, isize) -> *mut PyObject;
        Py_BuildValue: fn(*const c_char) -> *mut PyObject;
    }
);

/// Initializes Python for the bundle and runs what this start is for;
/// returns the exit code.
pub fn run(
    library: Library,
    bundle: &'static Bundle,
    natives: &'static NativeStore,
    index: &'static ModuleIndex,
    served: bool,
) -> Result<i32, Failure> {
    let manifest = bundle.manifest();
    let (major, minor, _) = manifest.python.version;
    check_version(&library, bundle, (major, minor))?;
    let args: Vec<OsString> = std::env::args_os().collect();
    let launch = launch::classify(&args)?;
    let argv = match &launch {
        Launch::Command { argv, .. } => argv.clone(),
        Launch::App | Launch::MultiprocessingChild => args,
    };
    let options = &manifest.options;
    let files_dir = natives.files_dir()?;
    let startup = StartupModules::install(&library, bundle, (major, minor))?;
    if (major, minor) >= NAMED_CONFIG_SINCE {
        let mut config = InitConfig::new(&library, options)?;
        settings::configure(&mut config, bundle.path(), &argv, options)?;
        config.initialize()?;
    } else {
        let mut config = StructConfig::new(&library, (major, minor), options)?;
        settings::configure(&mut config, bundle.path(), &argv, options)?;
        config.initialize();
    }
    startup.restore();
    let api: &'static Api = Box::leak(Box::new(Api::bind(&library)?));
    let keyboard_interrupt = library
        .symbol(c"PyExc_KeyboardInterrupt")
        .ok_or_else(|| Failure::new("the bundled libpython has no PyExc_KeyboardInterrupt"))?;
    let internal = natives.internal_dir();
    let data_dir = files_dir.as_deref().or(internal.as_deref()).unwrap_or(bundle.path());
    let paths = Paths { bundle: bundle.path(), files_dir: files_dir.as_deref(), data_dir, served };
    unsafe {
        let main_code = boot::install(api, bundle, natives, index, &paths, matches!(launch, Launch::App))?;
        let code = match (&launch, main_code) {
            (_, Some(code)) => code,
            (Launch::Command { code, .. }, None) => compile(api, code, "<string>")?,
            (_, None) => compile(api, launch::CHILD_SOURCE, "<pybundle multiprocessing>")?,
        };
        // SAFETY: the symbol is a `PyObject *` variable set when libpython loaded.
        let keyboard_interrupt = *keyboard_interrupt.cast::<*mut PyObject>();
        Ok(run_main(api, code, keyboard_interrupt))
    }
}

/// Refuses a libpython of another version than the manifest says (a
/// damaged or edited bundle) before any configuration is written for it.
fn check_version(library: &Library, bundle: &Bundle, (major, minor): (u32, u32)) -> Result<(), Failure> {
    let get_version = library
        .symbol(c"Py_GetVersion")
        .ok_or_else(|| Failure::damaged(bundle.path(), "the bundled libpython has no Py_GetVersion"))?;
    // SAFETY: `const char *Py_GetVersion(void)` may be called before
    // initialization; it returns a static string.
    let version = unsafe {
        let get_version: unsafe extern "C" fn() -> *const c_char = std::mem::transmute(get_version);
        CStr::from_ptr(get_version()).to_string_lossy().into_owned()
    };
    let expected = format!("{major}.{minor}.");
    if !version.starts_with(&expected) {
        let found = version.split_whitespace().next().unwrap_or("");
        return Err(Failure::damaged(
            bundle.path(),
            format!("the manifest says Python {major}.{minor} but the bundled libpython is {found}"),
        ));
    }
    Ok(())
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
unsafe fn run_main(api: &Api, code: *mut PyObject, keyboard_interrupt: *mut PyObject) -> i32 {
    let main = (api.PyImport_AddModule)(c"__main__".as_ptr());
    let globals = (api.PyModule_GetDict)(main);
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
