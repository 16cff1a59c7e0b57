"""What code sees of the import system, printed as one JSON object that a
bundle and plain python must agree on (values that name paths are reduced
to whether they agree with each other). Run as `main.py` or as a bundle.
"""
import importlib.resources
import inspect
import json
import os
import pkgutil
import runpy
import sys

import regular
import regular.mod
import nsdata.sub

here = inspect.currentframe()
main = sys.modules["__main__"]
report = {}

# __main__ is served by a loader that knows it.
report["main_code_loads"] = main.__loader__.get_code("__main__") is not None
report["main_file_is_absolute"] = os.path.isabs(main.__file__)
# co_filename, __file__ and __spec__.origin agree.
report["module_paths_agree"] = (
    regular.mod.where.__code__.co_filename == regular.mod.__file__ == regular.mod.__spec__.origin
)
report["package_path_is_its_dir"] = regular.__path__ == [os.path.dirname(regular.__file__)]
report["getmodule_of_frame"] = inspect.getmodule(regular.mod.frame()).__name__
report["main_getmodule"] = inspect.getmodule(here).__name__ == "__main__"
report["stdlib_dir_set"] = isinstance(getattr(sys, "_stdlib_dir", ""), str) or sys.version_info < (3, 11)
report["os_has_file"] = os.path.isabs(os.__file__)
# PEP 302 methods of the loaders.
loader = regular.__loader__
report["is_package"] = [loader.is_package("regular"), regular.mod.__loader__.is_package("regular.mod")]
source = regular.mod.__loader__.get_source("regular.mod")
report["get_source_is_str_or_none"] = source is None or "VALUE = 42" in source
import _json  # noqa: E402  (an extension module in most builds)
ext = _json
if getattr(ext, "__spec__", None) is not None and ext.__spec__.origin not in ("built-in", None):
    report["extension_loader"] = [ext.__loader__.is_package("_json"), ext.__loader__.get_code("_json"), ext.__loader__.get_source("_json")]
else:
    report["extension_loader"] = [False, None, None]
# Resources of regular and namespace packages.
if hasattr(importlib.resources, "files"):
    report["regular_files"] = sorted(p.name for p in importlib.resources.files("regular").joinpath("data").iterdir())
    report["regular_read"] = importlib.resources.files("regular").joinpath("data/table.json").read_text().strip()
    # Namespace packages have resources from 3.10 on.
    if sys.version_info >= (3, 10):
        report["namespace_read"] = importlib.resources.files("nsdata").joinpath("assets/note.txt").read_text().strip()
else:  # 3.8: the older resource API
    report["regular_files"] = sorted(n for n in importlib.resources.contents("regular") if "." in n and not n.startswith(("__init__", "helper", "mod")))
    report["regular_read"] = pkgutil.get_data("regular", "data/table.json").decode().strip()
    report["namespace_read"] = None
report["get_data"] = regular.__loader__.get_data(os.path.join(os.path.dirname(regular.__file__), "data", "table.json")).decode().strip()
# pkgutil through the path hooks.
report["iter_modules"] = sorted(m.name for m in pkgutil.iter_modules(regular.__path__))
report["find_spec_sub"] = importlib.util.find_spec("nsdata.sub").name
# runpy of a bundled module by name.
report["runpy"] = runpy.run_module("regular.helper")["HELPER"]
report["frozen_attr"] = hasattr(sys, "frozen") == hasattr(sys, "_MEIPASS")
print(json.dumps(report, sort_keys=True))
