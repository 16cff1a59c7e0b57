"""multiprocessing in an interpreter started with -X dev: a pool worker
started with the method named by argv[1] reports whether it runs in dev
mode, then the parent. "main <pid>" is printed once, by the main process
only, so helpers or workers that re-run the app show it again.
"""
import multiprocessing as mp
import os
import sys


def dev_mode(_):
    return sys.flags.dev_mode


if __name__ == "__main__":
    print("main", os.getpid(), flush=True)
    with mp.get_context(sys.argv[1]).Pool(1) as pool:
        print("worker dev_mode", *pool.map(dev_mode, [0]), flush=True)
    print("parent dev_mode", dev_mode(0), flush=True)
