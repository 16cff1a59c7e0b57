"""A package from a source checkout on --paths, described by setuptools'
*.egg-info (not a dist-info): importlib.metadata sees it, and its data
file opens by path."""
import importlib.metadata as metadata
import os

import eggpkg

print(eggpkg.hello(), metadata.version("eggpkg"), metadata.metadata("eggpkg")["Summary"])
# Sources are not bundled: a 3.12+ bundle lists only the files that exist.
print("eggpkg/table.txt" in [str(f) for f in metadata.files("eggpkg") or []])
with open(os.path.join(os.path.dirname(eggpkg.__file__), "table.txt")) as f:
    print(f.read().strip())
