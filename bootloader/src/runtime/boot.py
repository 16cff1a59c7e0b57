# Start-up code of a pybundle bundle. It runs once the interpreter's core is
# up (built-in and frozen modules only) and before anything is imported from
# the archive. The stub binds `extension_modules` (the names of the bundled
# extension modules), `load_extension(name)`, which makes one loadable and
# returns its path, and `files_dir`: the directory of the files the bundle
# places on disk, or None.
import sys
import _imp
from _frozen_importlib import ModuleSpec


class BundledExtensionFinder:
    """Imports the bundle's extension modules from their native files."""

    def __init__(self, names, load):
        self._names = frozenset(names)
        self._load = load

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self._names:
            return None
        spec = ModuleSpec(fullname, self, origin=self._load(fullname))
        spec.has_location = True
        return spec

    def create_module(self, spec):
        return _imp.create_dynamic(spec)

    def exec_module(self, module):
        _imp.exec_dynamic(module)


sys.meta_path.append(BundledExtensionFinder(extension_modules, load_extension))
sys.frozen = True
if files_dir is not None:
    # The stub put it first on sys.path: packages that open their own
    # files by path are imported from there.
    sys._MEIPASS = files_dir
