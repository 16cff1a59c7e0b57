//! The DLLs that Windows itself provides, which a bundle never carries: the
//! API sets, the Universal CRT, and the system libraries that CPython, its
//! extension modules and common wheels import. An import of one of these is
//! left to the system; any other import must be in the bundle.

/// Lower-case names of system DLLs (without the API-set families, which
/// [`is_system_dll`] recognizes by prefix).
const SYSTEM_DLLS: &[&str] = &[
    "kernel32.dll", "kernelbase.dll", "ntdll.dll", "advapi32.dll", "ws2_32.dll", "mswsock.dll",
    "ucrtbase.dll", "msvcrt.dll", "bcrypt.dll", "bcryptprimitives.dll", "ncrypt.dll", "crypt32.dll",
    "secur32.dll", "sspicli.dll", "iphlpapi.dll", "dnsapi.dll", "rpcrt4.dll", "ole32.dll",
    "oleaut32.dll", "combase.dll", "version.dll", "shlwapi.dll", "psapi.dll", "dbghelp.dll",
    "userenv.dll", "setupapi.dll", "cfgmgr32.dll", "winhttp.dll", "wininet.dll", "powrprof.dll",
    "pdh.dll", "cabinet.dll", "normaliz.dll", "netapi32.dll", "wtsapi32.dll", "user32.dll",
    "gdi32.dll", "shell32.dll", "comctl32.dll", "comdlg32.dll", "imm32.dll", "winmm.dll",
    "winspool.drv", "msi.dll", "propsys.dll", "wintrust.dll", "mpr.dll", "opengl32.dll",
    "d3d11.dll", "dxgi.dll", "uxtheme.dll", "dwmapi.dll", "usp10.dll", "glu32.dll", "wldap32.dll",
    "authz.dll", "fwpuclnt.dll", "nsi.dll", "ntdsapi.dll", "wer.dll", "wevtapi.dll", "tdh.dll",
];

/// Whether `name` (any case) is provided by Windows.
pub fn is_system_dll(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("api-ms-win-") || name.starts_with("ext-ms-") || SYSTEM_DLLS.contains(&name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_system_dlls_in_any_case() {
        assert!(is_system_dll("KERNEL32.dll"));
        assert!(is_system_dll("api-ms-win-crt-runtime-l1-1-0.dll"));
        assert!(is_system_dll("WS2_32.dll"));
        assert!(!is_system_dll("vcruntime140.dll"));
        assert!(!is_system_dll("python313.dll"));
        assert!(!is_system_dll("libssl-3.dll"));
    }
}
