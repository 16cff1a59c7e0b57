"""What only running shows: a module imported by a name from the command
line, and a package's data file opened by a path built at run time."""
import importlib
import os
import sys

import tzdata

module = importlib.import_module(sys.argv[1])
with open(os.path.join(os.path.dirname(tzdata.__file__), "zoneinfo", "Europe", "Paris"), "rb") as zone:
    print(module.__name__, zone.read(4))
