"""Reads every table in its own directory by path, as old packages do; the
file names appear nowhere in the code, so only --collect-files brings them."""
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tables")


def totals():
    out = []
    for name in sorted(os.listdir(HERE)):
        with open(os.path.join(HERE, name), encoding="utf-8") as fh:
            rows = [line.split(",") for line in fh.read().splitlines()[1:]]
        out.append("%s=%d" % (os.path.splitext(name)[0], sum(int(r[1]) for r in rows)))
    return " ".join(out)
