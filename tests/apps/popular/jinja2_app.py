"""Jinja2: templates from an installed package (PackageLoader) and from a
directory given with --add-data (FileSystemLoader)."""
import os
import sys

from jinja2 import Environment, FileSystemLoader, PackageLoader

env = Environment(loader=PackageLoader("jinja2", "."), autoescape=True)
print(env.from_string("{{ items|join(', ') }} {{ '<b>' }}").render(items=["a", "b"]))
print(sorted(env.tests)[:3])
# Bundled with --add-data tests/apps/popular/jinja2_data:jinja2_data.
base = getattr(sys, "_MEIPASS", os.path.dirname(os.path.abspath(__file__)))
files = Environment(loader=FileSystemLoader(os.path.join(base, "jinja2_data", "templates")))
print(files.get_template("hello.txt").render(name="world").strip())
