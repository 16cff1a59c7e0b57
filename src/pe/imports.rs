//! The functions a Windows executable imports, DLL by DLL, as its import
//! directory lists them (delay-loaded imports are not included).

use anyhow::{anyhow, Result};

/// Each imported DLL, in import-table order, with the names of the functions
/// taken from it (`ORDINAL n` for imports by ordinal).
pub fn imports(exe: &[u8]) -> Result<Vec<(String, Vec<String>)>> {
    // Our own header checks first, for the same errors as the other functions.
    super::headers::Headers::parse(exe)?;
    let pe = goblin::pe::PE::parse(exe).map_err(|e| {
        anyhow!("cannot read the executable's import table ({e}); give an intact PE .exe or .dll")
    })?;
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for import in &pe.imports {
        match out.iter_mut().find(|(dll, _)| dll == import.dll) {
            Some((_, names)) => names.push(import.name.to_string()),
            None => out.push((import.dll.to_string(), vec![import.name.to_string()])),
        }
    }
    Ok(out)
}
