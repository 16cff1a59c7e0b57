"""Entry of the package app: a local package with subpackages, relative
imports and a data file read through importlib.resources."""
import sys

import mypkg
from mypkg.inner import describe

print(mypkg.greeting())
print(describe())
print("package:", mypkg.__name__, mypkg.VERSION)
sys.exit(0)
