# Run once by the packer with the target interpreter; prints one JSON object
# that describes the interpreter. Kept to the stdlib of Python 3.8.
import sys

# What CPython imported to start, before this script imported anything. The
# probe runs with -S: a bundle runs `site` too, but without site-packages,
# so none of their .pth files' imports.
STARTUP = sorted(set(sys.modules) | {"site"})

# Now what `python -I` would do: the site-packages (of a virtualenv too)
# and their .pth paths on sys.path, where the app's packages are found.
import site

site.main()

import importlib.util
import json
import platform
import sysconfig

var = sysconfig.get_config_var
paths = sysconfig.get_paths()


def from_stdlib(name):
    """Whether start-up module `name` is built in, frozen or in the stdlib
    (not brought in by a .pth file of site-packages, which a bundle lacks)."""
    origin = getattr(sys.modules.get(name), "__file__", None)
    if origin is None:
        return True
    stdlib_dirs = (paths["stdlib"], paths["platstdlib"])
    in_site = "site-packages" in origin or "dist-packages" in origin
    return origin.startswith(stdlib_dirs) and not in_site


try:
    import _imp
    FROZEN = list(_imp._frozen_module_names())
except AttributeError:  # before 3.11
    FROZEN = ["_frozen_importlib", "_frozen_importlib_external", "zipimport"]
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
    "builtin_modules": sorted(set(sys.builtin_module_names) | {"_frozen_importlib", "_frozen_importlib_external"}),
    "frozen_modules": sorted(FROZEN),
    "sys_path": sys.path,
    "startup_modules": [name for name in STARTUP if from_stdlib(name)],
}))
