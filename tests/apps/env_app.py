"""subprocess from a bundle. Prints, as JSON lines:
  parent  the app's own os.environ
  env     what /usr/bin/env (a system tool) prints, as a dict
  python  os.environ of a child python (argv[1], started with -I -c)
  self    os.environ of this same app started again through sys.executable
Run with argv[1] = "child" it prints its environ as JSON and exits 5.
"""
import json
import os
import subprocess
import sys

DUMP = "import json, os; print(json.dumps(dict(os.environ)))"

if sys.argv[1:] == ["child"]:
    print(json.dumps(dict(os.environ)))
    sys.exit(5)


def env_dict(text):
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


print(json.dumps({"parent": dict(os.environ)}), flush=True)
out = subprocess.run(["/usr/bin/env"], stdout=subprocess.PIPE, check=True, text=True).stdout
print(json.dumps({"env": env_dict(out)}), flush=True)
out = subprocess.run([sys.argv[1], "-I", "-c", DUMP], stdout=subprocess.PIPE, check=True, text=True).stdout
print(json.dumps({"python": json.loads(out)}), flush=True)
child = subprocess.run([sys.executable, "child"], stdout=subprocess.PIPE, text=True)
assert child.returncode == 5, child
print(json.dumps({"self": json.loads(child.stdout)}), flush=True)
print("all ok")
