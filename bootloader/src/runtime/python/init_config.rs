//! Configuration through the name-based `PyInitConfig` API of PEP 741
//! (CPython 3.14 and later), which needs no struct layout.

use super::settings::{Field, Settings};
use super::symbols::symbol_table;
use crate::runtime::loader::Library;
use crate::runtime::Failure;
use pybundle_bootloader::manifest::PythonOptions;
use std::ffi::{c_char, c_int, c_void, CStr, CString, OsStr};

symbol_table!(
    /// The PEP 741 functions.
    InitConfigApi {
        PyInitConfig_Create: fn() -> *mut c_void;
        PyInitConfig_Free: fn(*mut c_void);
        PyInitConfig_GetError: fn(*mut c_void, *mut *const c_char) -> c_int;
        PyInitConfig_GetExitCode: fn(*mut c_void, *mut c_int) -> c_int;
        PyInitConfig_HasOption: fn(*mut c_void, *const c_char) -> c_int;
        PyInitConfig_SetInt: fn(*mut c_void, *const c_char, i64) -> c_int;
        PyInitConfig_SetStr: fn(*mut c_void, *const c_char, *const c_char) -> c_int;
        PyInitConfig_SetStrList: fn(*mut c_void, *const c_char, usize, *const *mut c_char) -> c_int;
        Py_InitializeFromInitConfig: fn(*mut c_void) -> c_int;
    }
);

pub struct InitConfig {
    api: InitConfigApi,
    config: *mut c_void,
}

impl InitConfig {
    /// An isolated configuration with the pre-configuration options set.
    pub fn new(library: &Library, options: &PythonOptions) -> Result<InitConfig, Failure> {
        let api = InitConfigApi::bind(library)?;
        let config = unsafe { (api.PyInitConfig_Create)() };
        if config.is_null() {
            return Err(Failure::new("out of memory while configuring Python"));
        }
        let mut init = InitConfig { api, config };
        init.set_named("configure_locale", 1)?;
        // The C locale coerced to C.UTF-8, as python does (PEP 538).
        init.set_named("coerce_c_locale", cfg!(unix).into())?;
        init.set_named("utf8_mode", options.utf8_mode.into())?;
        Ok(init)
    }

    /// Initializes the interpreter; exits as python would if asked to.
    pub fn initialize(self) -> Result<(), Failure> {
        if unsafe { (self.api.Py_InitializeFromInitConfig)(self.config) } < 0 {
            let mut code = 0;
            if unsafe { (self.api.PyInitConfig_GetExitCode)(self.config, &mut code) } == 1 {
                std::process::exit(code);
            }
            return Err(self.error("Python initialization failed"));
        }
        Ok(())
    }

    fn set_named(&mut self, name: &str, value: i64) -> Result<(), Failure> {
        let name = CString::new(name).expect("option names have no NUL");
        if unsafe { (self.api.PyInitConfig_SetInt)(self.config, name.as_ptr(), value) } < 0 {
            return Err(self.error("cannot configure Python"));
        }
        Ok(())
    }

    fn error(&self, context: &str) -> Failure {
        let mut message: *const c_char = std::ptr::null();
        unsafe { (self.api.PyInitConfig_GetError)(self.config, &mut message) };
        let text = if message.is_null() {
            "unknown error".into()
        } else {
            unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned()
        };
        Failure::new(format!("{context}: {text}"))
    }
}

impl Drop for InitConfig {
    fn drop(&mut self) {
        unsafe { (self.api.PyInitConfig_Free)(self.config) };
    }
}

impl Settings for InitConfig {
    fn has(&self, field: Field) -> bool {
        let name = CString::new(field.name()).expect("option names have no NUL");
        unsafe { (self.api.PyInitConfig_HasOption)(self.config, name.as_ptr()) == 1 }
    }

    fn set_int(&mut self, field: Field, value: i64) -> Result<(), Failure> {
        self.set_named(field.name(), value)
    }

    fn set_str(&mut self, field: Field, value: &OsStr) -> Result<(), Failure> {
        let name = CString::new(field.name()).expect("option names have no NUL");
        let value = utf8(value)?;
        if unsafe { (self.api.PyInitConfig_SetStr)(self.config, name.as_ptr(), value.as_ptr()) } < 0 {
            return Err(self.error("cannot configure Python"));
        }
        Ok(())
    }

    fn set_list(&mut self, field: Field, items: &[&OsStr]) -> Result<(), Failure> {
        let name = CString::new(field.name()).expect("option names have no NUL");
        let items: Vec<CString> = items.iter().map(|i| utf8(i)).collect::<Result<_, _>>()?;
        let pointers: Vec<*mut c_char> = items.iter().map(|i| i.as_ptr().cast_mut()).collect();
        let set = unsafe { (self.api.PyInitConfig_SetStrList)(self.config, name.as_ptr(), pointers.len(), pointers.as_ptr()) };
        if set < 0 {
            return Err(self.error("cannot configure Python"));
        }
        Ok(())
    }
}

/// The API takes UTF-8; what is not valid Unicode is replaced, as it
/// cannot be passed through it.
fn utf8(text: &OsStr) -> Result<CString, Failure> {
    CString::new(text.to_string_lossy().into_owned())
        .map_err(|_| Failure::new("an argument or path contains a NUL byte"))
}
