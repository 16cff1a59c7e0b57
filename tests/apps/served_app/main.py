"""Package files opened by path, as code does without importlib.resources:
os.listdir, open, os.stat, os.walk, glob, pathlib, shutil, a forked
child and threads. Prints the same lines under plain python and in a
bundle; a bundle then also shows that its tree is read-only and where
`--add-data` files are."""
import errno
import glob
import json
import os
import pathlib
import shutil
import stat
import sys
import threading

import served_pkg

here = os.path.dirname(served_pkg.__file__)
data = os.path.join(here, "data")
table = os.path.join(data, "table.json")

print("listdir", sorted(os.listdir(data)))
with open(table) as file:
    print("open", json.load(file))
info = os.stat(table)
print("stat", stat.S_ISREG(info.st_mode), info.st_size, stat.S_ISDIR(os.stat(data).st_mode))
print("exists", os.path.exists(table), os.path.isfile(table), os.path.isdir(data), os.path.exists(os.path.join(data, "nope")))
print("access", os.access(table, os.R_OK), os.access(data, os.X_OK))
print("walk", [(os.path.relpath(root, data), sorted(dirs), sorted(files)) for root, dirs, files in os.walk(data)])
print("glob", sorted(os.path.relpath(p, data) for p in glob.glob(os.path.join(data, "**", "*"), recursive=True)))
print("scandir", sorted((e.name, e.is_dir(), e.is_file()) for e in os.scandir(data)))
print("pathlib", (pathlib.Path(data) / "sub" / "leaf.txt").read_text().strip(), sorted(p.name for p in pathlib.Path(data).iterdir()))
print("realpath", os.path.realpath(os.path.join(data, "sub", "..", "table.json")) == table)
with open(table, "rb") as file:
    file.seek(3)
    print("seek", file.read(6), os.fstat(file.fileno()).st_size)
try:
    open(os.path.join(data, "missing.txt"))
except FileNotFoundError as e:
    print("missing", errno.errorcode[e.errno])
try:
    os.listdir(table)
except NotADirectoryError as e:
    print("notdir", errno.errorcode[e.errno])
try:
    open(data)
except IsADirectoryError as e:
    print("isdir", errno.errorcode[e.errno])


def read_in_thread(results, index):
    with open(table, "rb") as file:
        results[index] = file.read()


results = [None] * 8
threads = [threading.Thread(target=read_in_thread, args=(results, i)) for i in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("threads", len(set(results)), results[0] == pathlib.Path(table).read_bytes())

if hasattr(os, "fork"):
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        with open(os.path.join(data, "sub", "leaf.txt"), "rb") as file:
            os.write(write_end, file.read())
        os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    print("fork", os.read(read_end, 100), os.WEXITSTATUS(status) if hasattr(os, "WEXITSTATUS") else status)

if getattr(sys, "frozen", False):
    for operation, call in [
        ("write", lambda: open(table, "w")),
        ("append", lambda: open(table, "a")),
        ("create", lambda: open(os.path.join(data, "new.txt"), "x")),
        ("mkdir", lambda: os.mkdir(os.path.join(data, "new"))),
        ("remove", lambda: os.remove(table)),
        ("chmod", lambda: os.chmod(table, 0o600)),
        ("rename", lambda: os.rename(table, table + ".old")),
    ]:
        try:
            call()
            print(operation, "succeeded")
        except OSError as e:
            print(operation, errno.errorcode[e.errno])
    with open(table, "rb") as file:
        try:
            os.write(file.fileno(), b"x")
        except OSError as e:
            print("write to descriptor", errno.errorcode[e.errno])
    print("mode", oct(stat.S_IMODE(info.st_mode)), oct(stat.S_IMODE(os.stat(data).st_mode)))
    print("mtime", info.st_mtime == os.stat(sys.executable).st_mtime)
    print("samefile", os.path.samefile(table, os.path.join(data, ".", "table.json")))
    readme = os.path.join(sys._MEIPASS, "extra", "readme.txt")
    print("add-data", open(readme).read().strip(), "extra" in os.listdir(sys._MEIPASS))
    if os.environ.get("SERVED_COPY_TO"):
        copied = shutil.copytree(data, os.path.join(os.environ["SERVED_COPY_TO"], "copy"))
        print("copytree", sorted(os.listdir(copied)), pathlib.Path(copied, "table.json").read_text().strip())
