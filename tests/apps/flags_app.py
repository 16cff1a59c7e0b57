"""Interpreter flags as the app sees them, as one JSON line. With argv[1] ==
"unbuffered" it instead writes a partial line without flushing, then waits
for a line on stdin (a reader only sees the partial line before that if
stdout is unbuffered)."""
import faulthandler
import json
import sys
import warnings


def documented():
    """A docstring that -OO removes."""


if sys.argv[1:] == ["unbuffered"]:
    sys.stdout.write("partial line, not flushed")
    line = sys.stdin.readline()
    sys.stdout.write(" / read %r\n" % line.strip())
    sys.exit(0)

try:
    assert False, "asserts are on"
    asserts = False
except AssertionError:
    asserts = True

try:
    warnings.warn("a user warning", UserWarning)
    warning_raised = False
except UserWarning:
    warning_raised = True

print(json.dumps({
    "optimize": sys.flags.optimize,
    "debug": __debug__,
    "asserts": asserts,
    "doc": documented.__doc__,
    "stdlib_doc": json.dumps.__doc__ is not None,
    "dev_mode": sys.flags.dev_mode,
    "faulthandler": faulthandler.is_enabled(),
    "utf8_mode": sys.flags.utf8_mode,
    "stdout_encoding": sys.stdout.encoding,
    "fs_encoding": sys.getfilesystemencoding(),
    "unbuffered_stdout": type(sys.stdout.buffer).__name__,
    "write_through": sys.stdout.write_through,
    "warning_raised": warning_raised,
    "warnoptions": sys.warnoptions,
    "hash_randomization": sys.flags.hash_randomization,
    "hash": hash("pybundle"),
    "bytes_hash": hash(b"pybundle"),
    "xoptions": sys._xoptions,
}))
