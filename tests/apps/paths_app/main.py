"""Where things are in a bundle, as one JSON line: __file__ of the main
script and of a module, os.path.dirname(__file__) before and after a chdir,
sys.path, sys.prefix and friends, and sys.argv[1:] as the bytes that
os.fsencode gives back (hex), so that non-UTF-8 arguments can be compared.
"""
import json
import os
import sys

import pathpkg
import pathpkg.mod

here = os.path.dirname(__file__)
cwd = os.getcwd()
os.chdir("/")
here_after_chdir = os.path.dirname(__file__)
os.chdir(cwd)

print(json.dumps({
    "file": __file__,
    "dir": here,
    "dir_after_chdir": here_after_chdir,
    "pkg_file": pathpkg.__file__,
    "mod_file": pathpkg.mod.__file__,
    "mod_dir": pathpkg.mod.here(),
    "path": sys.path,
    "prefix": sys.prefix,
    "base_prefix": sys.base_prefix,
    "exec_prefix": sys.exec_prefix,
    "base_exec_prefix": sys.base_exec_prefix,
    "executable": sys.executable,
    "base_executable": getattr(sys, "_base_executable", None),
    "argv_hex": [os.fsencode(a).hex() for a in sys.argv[1:]],
    "argv_ascii": [ascii(a) for a in sys.argv[1:]],
}))
