# Run by the packer with the target interpreter (-I) to see what imports and
# files no source shows: it imports one installed package, or runs the app
# with the arguments of --trace-run, and records every module imported (the
# audit hook's "import" events and the new entries of sys.modules) and
# every file opened (its "open" events). Arguments: OUT, then "import
# PACKAGE", or "run TARGET N PATH... ARG..." (TARGET a script or "-m
# MODULE"; N directories to put first on sys.path; the app's arguments).
# The result, JSON, goes to OUT even when the import or run fails. Nothing
# is imported before the hook but what start-up already did, so that what
# the package imports is seen.
import sys


def main():
    out, mode, target = sys.argv[1:4]
    if mode == "run":
        import runpy
    before = set(sys.modules)
    imported = []
    opened = []

    def hook(event, args):
        if event == "import":
            imported.append(args[0])
        elif event == "open" and isinstance(args[0], (str, bytes)):
            opened.append(args[0] if isinstance(args[0], str) else args[0].decode("utf-8", "surrogateescape"))

    error = None
    sys.addaudithook(hook)
    try:
        if mode == "import":
            __import__(target)
        else:
            count = int(sys.argv[4])
            sys.path[:0] = sys.argv[5 : 5 + count]
            args = sys.argv[5 + count :]
            if target.startswith("-m "):
                sys.argv = [target[3:]] + args
                runpy.run_module(target[3:], run_name="__main__", alter_sys=True)
            else:
                sys.argv = [target] + args
                runpy.run_path(target, run_name="__main__")
    except SystemExit as exit:
        if exit.code not in (None, 0):
            error = "exited with %r" % (exit.code,)
    except BaseException as failure:
        error = "%s: %s" % (type(failure).__name__, failure)
    modules = sorted(set(imported) | (set(sys.modules) - before))
    files = sorted(set(opened))
    import json

    with open(out, "w", encoding="utf-8") as stream:
        json.dump({"modules": modules, "files": files, "error": error}, stream)


main()
