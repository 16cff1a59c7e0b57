# The import protocol's Python side of a pybundle bundle. It runs once the
# interpreter is initialized, before the application. The stub binds:
#   _find(name)        None or [kind, archive name(, loadable path)]:
#                      1 module, 2 package, 3 namespace, 4 extension
#   _code(archive)     the code object of a bundled .pyc (hash-checked)
#   _read(archive)     the bytes of a bundled file (hash-checked), or None
#   _kind(archive)     0 absent, 1 file, 2 directory
#   _children(archive) the names in a directory ("/" ends a directory's)
#   _real_file(archive), _real_program(archive)
#                      [True, path]: the entry as real files on disk, for
#                      another program given its path; or [False, why]
#   bundle_path, data_dir, files_dir (or None), run_app, and served: the
#   stub serves the bundle's files by path (Linux), so resources are plain
#   paths (pathlib.Path) that any code, C included, can open
# Module paths are the bundle's own path joined with archive names
# (/opt/app/json/__init__.pyc), as python reports an installation's.
import sys
import _imp
import _io
import os
from _frozen_importlib import ModuleSpec
from _frozen_importlib_external import ExtensionFileLoader, PathFinder

MODULE, PACKAGE, NAMESPACE, EXTENSION = 1, 2, 3, 4


def _to_path(archive):
    return os.path.join(bundle_path, *archive.split("/")) if archive else bundle_path


def _to_archive(path):
    """The archive name of a path inside the bundle, or None."""
    if path == bundle_path:
        return ""
    if path.startswith(bundle_path + os.sep):
        return path[len(bundle_path) + 1:].replace(os.sep, "/")
    return None


class BundleFiles:
    """A file or directory of the bundle, as importlib.resources'
    Traversable (read-only)."""

    def __init__(self, archive):
        self._archive = archive

    @property
    def name(self):
        return self._archive.rpartition("/")[2]

    def __str__(self):
        return _to_path(self._archive)

    def __repr__(self):
        return "BundleFiles(%r)" % str(self)

    def __eq__(self, other):
        return isinstance(other, BundleFiles) and other._archive == self._archive

    def __hash__(self):
        return hash(self._archive)

    def is_dir(self):
        return _kind(self._archive) == 2

    def is_file(self):
        return _kind(self._archive) == 1

    def exists(self):
        return _kind(self._archive) != 0

    def iterdir(self):
        for child in _children(self._archive):
            yield self.joinpath(child.rstrip("/"))

    def joinpath(self, *parts):
        names = [n for part in parts for n in str(part).replace(os.sep, "/").split("/") if n and n != "."]
        archive = "/".join(([self._archive] if self._archive else []) + names)
        return BundleFiles(archive)

    __truediv__ = joinpath

    def read_bytes(self):
        data = _read(self._archive)
        if data is None:
            raise FileNotFoundError(2, "No such file in the bundle", str(self))
        return data

    def read_text(self, encoding=None, errors=None):
        return self.read_bytes().decode(encoding or "utf-8", errors or "strict")

    def open(self, mode="r", *args, **kwargs):
        if set(mode) - set("rbt"):
            raise OSError(30, "Read-only file system", str(self))
        stream = _io.BytesIO(self.read_bytes())
        return stream if "b" in mode else _io.TextIOWrapper(stream, *args, **kwargs)


def _files(archive):
    """The Traversable of a bundle path: a real path where the stub serves
    the bundle's files, so importlib.resources.as_file() needs no copy."""
    if served:
        import pathlib

        return pathlib.Path(_to_path(archive))
    return BundleFiles(archive)


class BundleResources:
    """A package's resources: `files()` (3.9+) and the older
    ResourceReader methods (3.8)."""

    def __init__(self, archive_dir):
        self._dir = BundleFiles(archive_dir)

    def files(self):
        return _files(self._dir._archive)

    def open_resource(self, resource):
        return self._dir.joinpath(resource).open("rb")

    def resource_path(self, resource):
        if served and self._dir.joinpath(resource).is_file():
            return str(self._dir.joinpath(resource))
        raise FileNotFoundError(resource)

    def is_resource(self, name):
        return self._dir.joinpath(name).is_file()

    def contents(self):
        return iter([child.rstrip("/") for child in _children(self._dir._archive)])


def _real_path(arg, program=False):
    """What another program can open for `arg`: a served path of the
    bundle is first made a real file (or directory) in the cache directory;
    anything else is returned as it is."""
    if isinstance(arg, bytes):
        real = _real_path(os.fsdecode(arg), program)
        return arg if real is None else os.fsencode(real)
    if not isinstance(arg, str):
        if not hasattr(arg, "__fspath__"):
            return arg
        real = _real_path(os.fspath(arg), program)
        return arg if real is None or real == os.fspath(arg) else real
    if not arg.startswith(bundle_path + os.sep):
        return arg
    archive = _to_archive(os.path.normpath(arg))
    if archive is None or _kind(archive) == 0:
        return arg
    done, real = (_real_program if program else _real_file)(archive)
    if not done:
        raise OSError(30, real, arg)
    return real


def _give_real_paths(subprocess):
    """subprocess hands another program real files for the bundle's paths
    in its arguments (the program itself included)."""
    execute_child = subprocess.Popen._execute_child

    def _execute_child(self, args, executable, *rest):
        if isinstance(args, (str, bytes)) or hasattr(args, "__fspath__"):
            args = [args]
        program = executable is None
        args = [_real_path(arg, program and i == 0) for i, arg in enumerate(args)]
        if executable is not None:
            executable = _real_path(executable, True)
        return execute_child(self, args, executable, *rest)

    subprocess.Popen._execute_child = _execute_child


def _give_real_paths_to_exec():
    """os.execv/execve (and the os.exec* functions over them) run a real
    file for a bundle path, with real files for its paths among the
    arguments."""
    for name in ("execv", "execve"):
        original = getattr(os, name, None)
        if original is None:
            continue

        def call(path, args, *rest, original=original):
            return original(_real_path(path, True), [_real_path(arg) for arg in args], *rest)

        setattr(os, name, call)


class BundleImporter:
    """Finds the bundle's modules (a meta path finder)."""

    def find_spec(self, fullname, path=None, target=None):
        found = _find(fullname)
        if found is None:
            return None
        kind, archive = found[0], found[1]
        if kind == EXTENSION:
            spec = ModuleSpec(fullname, BundledExtensionLoader(fullname, found[2]), origin=found[2])
            spec.has_location = True
            return spec
        loader = BundleLoader(fullname, kind, archive)
        if kind == NAMESPACE:
            spec = ModuleSpec(fullname, loader, is_package=True)
            spec.submodule_search_locations = [_to_path(archive)]
            on_disk = os.path.join(files_dir, *fullname.split(".")) if files_dir else None
            if on_disk and os.path.isdir(on_disk):
                # Portions of the namespace placed on disk.
                spec.submodule_search_locations.append(on_disk)
            return spec
        spec = ModuleSpec(fullname, loader, origin=loader.path, is_package=kind == PACKAGE)
        spec.has_location = True
        if kind == PACKAGE:
            spec.submodule_search_locations = [os.path.dirname(loader.path)]
        return spec

    def iter_modules(self, prefix=""):
        return _iter_modules("", prefix)

    def invalidate_caches(self):
        pass


class BundleLoader:
    """Loads one module of the bundle, with the PEP 302 methods code calls
    (`get_code`, `get_source`, `is_package`, `get_filename`, `get_data`)
    and its package's resources."""

    def __init__(self, fullname, kind, archive):
        self.name = fullname
        self._kind = kind
        self._archive = archive
        self.path = bundle_path if fullname == "__main__" else _to_path(archive)
        # importlib.resources of 3.9 reads packages of a zip archive with
        # zipfile.Path; the bundle is one.
        self.archive = bundle_path

    def _check(self, fullname):
        if fullname is not None and fullname != self.name:
            raise ImportError("loader for %s cannot handle %s" % (self.name, fullname), name=fullname)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        code = self.get_code(self.name)
        if code is not None:
            exec(code, module.__dict__)
        if served and self.name == "subprocess":
            _give_real_paths(module)

    def get_code(self, fullname=None):
        self._check(fullname)
        if self._kind == NAMESPACE:
            return None
        code = _code(self._archive)
        _imp._fix_co_filename(code, self.path)
        return code

    def get_source(self, fullname=None):
        self._check(fullname)
        return None

    def is_package(self, fullname=None):
        self._check(fullname)
        return self._kind in (PACKAGE, NAMESPACE)

    def get_filename(self, fullname=None):
        self._check(fullname)
        return self.path

    def get_data(self, path):
        archive = _to_archive(path)
        if archive is None:
            with _io.open(path, "rb") as file:
                return file.read()
        return BundleFiles(archive).read_bytes()

    def _resource_dir(self):
        if self._kind == PACKAGE:
            return self._archive.rpartition("/")[0]
        return self._archive if self._kind == NAMESPACE else None

    def get_resource_reader(self, fullname=None):
        self._check(fullname)
        directory = self._resource_dir()
        return None if directory is None else BundleResources(directory)

    def files(self):
        # What importlib.resources of 3.9 asks the loader itself.
        return _files(self._resource_dir() or "")


class BundledExtensionLoader(ExtensionFileLoader):
    """Loads an extension module from its loadable file (a memory file or
    the cache), then reports its place in the bundle as `__file__`."""

    def exec_module(self, module):
        super().exec_module(module)
        found = _find(module.__spec__.name)
        if found is not None:
            module.__file__ = _to_path(found[1])


class BundlePathFinder:
    """The path entry finder for a directory of the bundle (`sys.path`'s
    entry for the bundle, and package `__path__`s): pkgutil and runpy go
    through it."""

    def __init__(self, archive_dir):
        self._dir = archive_dir

    def find_spec(self, fullname, target=None):
        parent = fullname.rpartition(".")[0].replace(".", "/")
        if parent != self._dir:
            return None
        return IMPORTER.find_spec(fullname)

    def iter_modules(self, prefix=""):
        return _iter_modules(self._dir, prefix)

    def invalidate_caches(self):
        pass


def _iter_modules(archive_dir, prefix):
    """(name, is_package) of the modules in a directory, as pkgutil lists
    them."""
    seen = set()
    for child in _children(archive_dir):
        if child.endswith("/"):
            name, is_package = child[:-1], True
            if _kind((archive_dir + "/" if archive_dir else "") + name + "/__init__.pyc") != 1:
                continue
        else:
            name, is_package = child.partition(".")[0], False
            if name == "__init__" or not child.endswith((".pyc",) + tuple(_imp.extension_suffixes())):
                continue
        if name not in seen:
            seen.add(name)
            yield prefix + name, is_package


def _bundle_path_hook(path):
    archive = _to_archive(path)
    if archive is None or _kind(archive) != 2:
        raise ImportError("not a directory of the bundle", path=path)
    return BundlePathFinder(archive)


def _rehome_startup_modules():
    """Modules imported while Python initialized (frozen, by the stub or by
    CPython) get the paths and loader python gives an installation's."""
    for name, module in list(sys.modules.items()):
        spec = getattr(module, "__spec__", None)
        if spec is None or spec.origin != "frozen" or name == "__main__":
            continue
        own = IMPORTER.find_spec(name)
        if own is not None and isinstance(own.loader, BundleLoader):
            module.__spec__ = own
            module.__loader__ = own.loader
            module.__file__ = own.origin
            if own.submodule_search_locations is not None:
                module.__path__ = own.submodule_search_locations
        elif not hasattr(module, "__file__"):
            parts = name.split(".")
            tail = os.path.join(*parts, "__init__.py") if hasattr(module, "__path__") else os.path.join(*parts) + ".py"
            module.__file__ = os.path.join(bundle_path, tail)


# The codecs of CPython's stdlib that the packer left out (layout.rs,
# CODECS_LEFT_OUT), read when a look-up first fails.
CODECS_LEFT_OUT = "encodings/pybundle-codecs-left-out.txt"
_codecs_left_out = None


def _codec_left_out(name):
    """A codecs search function, asked after the bundled codecs: a codec
    of CPython that the bundle left out is named as such, with the fix."""
    global _codecs_left_out
    if _codecs_left_out is None:
        listed = _read(CODECS_LEFT_OUT)
        _codecs_left_out = frozenset(listed.decode().split()) if listed else frozenset()
    import encodings
    from encodings.aliases import aliases

    normalized = encodings.normalize_encoding(name).lower()
    module = aliases.get(normalized) or aliases.get(normalized.replace(".", "_")) or normalized
    if module in _codecs_left_out:
        raise LookupError("unknown encoding: %s (pybundle left this codec out of the bundle; build it with --all-codecs)" % name)
    return None


IMPORTER = BundleImporter()
# After the built-in and frozen importers, before the path finder.
sys.meta_path.insert(sys.meta_path.index(PathFinder) if PathFinder in sys.meta_path else len(sys.meta_path), IMPORTER)
sys.path_hooks.insert(0, _bundle_path_hook)
sys.path_importer_cache.clear()
sys.path[:] = ([files_dir] if files_dir else []) + [bundle_path]
sys.frozen = True
sys._MEIPASS = data_dir
sys._stdlib_dir = bundle_path
_rehome_startup_modules()
sys.modules["_codecs"].register(_codec_left_out)
if served:
    _give_real_paths_to_exec()


def _main_is_a_script_in_children():
    """In a multiprocessing helper, the app's main module is imported from
    the bundle's path (runpy through the path hook), which gives it a
    `__spec__`; as with a script under python, it gets none, so that the
    helper's own children import it by path too (nested processes)."""
    from multiprocessing import spawn

    fixup = spawn._fixup_main_from_path

    def fixup_main_from_path(main_path):
        fixup(main_path)
        main = sys.modules.get("__main__")
        if main is not None and getattr(main, "__file__", None) == bundle_path:
            main.__spec__ = None

    spawn._fixup_main_from_path = fixup_main_from_path


if run_app:
    _main = sys.modules["__main__"]
    _main.__file__ = bundle_path
    _main.__loader__ = IMPORTER.find_spec("__main__").loader
    main_code = _main.__loader__.get_code("__main__")
else:
    _main_is_a_script_in_children()
