"""Entry of `python -m optapp [PLUGIN]`.

PLUGIN is imported by a name the analysis cannot see (--hidden-import);
optapp.heavy is imported only if present (--exclude-module); extramod lives
in another directory (--paths); assets/message.txt comes from --add-data and
filepkg reads its tables by path (--collect-files).
"""
import importlib
import os
import sys

import optapp

print("main:", __name__, optapp.VERSION, "frozen" if getattr(sys, "frozen", False) else "plain")

if len(sys.argv) > 1:
    plugin = importlib.import_module(sys.argv[1])
    print("plugin:", plugin.describe())

try:
    from optapp import heavy
except ImportError:
    print("heavy: not bundled")
else:
    print("heavy:", heavy.weight())

import extramod

print("extramod:", extramod.shout("from the extra dir"))

base = getattr(sys, "_MEIPASS", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
with open(os.path.join(base, "assets", "message.txt"), encoding="utf-8") as fh:
    print("add-data:", fh.read().strip())

import filepkg

print("collect-files:", filepkg.totals())
