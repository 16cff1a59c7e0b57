# Run once by the packer with the target interpreter; prints one JSON object
# that describes the interpreter. Kept to the stdlib of Python 3.8.
import importlib.util
import json
import platform
import sys
import sysconfig

var = sysconfig.get_config_var
paths = sysconfig.get_paths()
print(json.dumps({
    "implementation": sys.implementation.name,
    "version": list(sys.version_info[:3]),
    "magic": importlib.util.MAGIC_NUMBER.hex(),
    "gil_disabled": bool(var("Py_GIL_DISABLED")),
    "machine": platform.machine(),
    "executable": sys.executable,
    "prefix": sys.prefix,
    "base_prefix": sys.base_prefix,
    "stdlib": paths["stdlib"],
    "platstdlib": paths["platstdlib"],
    "purelib": paths["purelib"],
    "platlib": paths["platlib"],
    "dynload": var("DESTSHARED"),
    "libdir": var("LIBDIR"),
    "ldlibrary": var("LDLIBRARY"),
    "instsoname": var("INSTSONAME"),
    "multiarch": var("MULTIARCH"),
    "ext_suffix": var("EXT_SUFFIX"),
    "shared": bool(var("Py_ENABLE_SHARED")),
    "builtin_modules": sorted(sys.builtin_module_names),
    "sys_path": sys.path,
}))
