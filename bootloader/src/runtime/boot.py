# Start-up code of a pybundle bundle. It runs once the interpreter's core is
# up (built-in and frozen modules only) and before anything is imported from
# the archive. The stub binds `extensions`: module name -> loadable path of
# each bundled extension module.
import sys
import _imp
from _frozen_importlib import ModuleSpec


class BundledExtensionFinder:
    """Imports the bundle's extension modules from their native paths."""

    def __init__(self, paths):
        self._paths = paths

    def find_spec(self, fullname, path=None, target=None):
        origin = self._paths.get(fullname)
        if origin is None:
            return None
        spec = ModuleSpec(fullname, self, origin=origin)
        spec.has_location = True
        return spec

    def create_module(self, spec):
        return _imp.create_dynamic(spec)

    def exec_module(self, module):
        _imp.exec_dynamic(module)


sys.meta_path.append(BundledExtensionFinder(extensions))
sys.frozen = True
