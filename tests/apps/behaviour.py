"""Reports how the interpreter looks from inside, as one JSON line.

argv[1] picks a mode:
  exit N   print the report, then sys.exit(N)
  raise    raise an uncaught exception
  sleep    print "ready <pid>" and sleep (for signal and process tests)
anything else: print the report and exit 0.
"""
import json
import os
import sys
import time

mode = sys.argv[1] if len(sys.argv) > 1 else ""

if mode == "raise":
    print("about to raise", flush=True)
    raise ValueError("boom from the behaviour app")

if mode == "sleep":
    print("ready", os.getpid(), flush=True)
    time.sleep(120)
    print("woke up without a signal", flush=True)
    sys.exit(0)

report = {
    "argv": sys.argv,
    "name": __name__,
    "frozen": getattr(sys, "frozen", None),
    "executable": sys.executable,
    "utf8_mode": sys.flags.utf8_mode,
    "stdout_encoding": sys.stdout.encoding,
    "stderr_encoding": sys.stderr.encoding,
    "fs_encoding": sys.getfilesystemencoding(),
    "optimize": sys.flags.optimize,
    "inspect": sys.flags.inspect,
    "debug": __debug__,
    "path": sys.path,
    "cwd": os.getcwd(),
    "pid": os.getpid(),
    "version": list(sys.version_info[:3]),
    "ld_library_path": os.environ.get("LD_LIBRARY_PATH"),
}
print(json.dumps(report, ensure_ascii=False))
print("non-ascii: h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c")
sys.stdout.flush()

if mode == "exit":
    sys.exit(int(sys.argv[2]))
