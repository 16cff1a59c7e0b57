"""multiprocessing as most apps use it: the default start method (fork up
to 3.13 on Linux, forkserver from 3.14), `Pool()` with no arguments, and a
child of each start method that starts a child of its own. Never calls
freeze_support(). "main <pid>" is printed once, by the main process only.
"""
import multiprocessing as mp
import os


def square(n):
    return n * n


def grandchild(queue):
    queue.put(os.getpid())


def child(method, queue):
    ctx = mp.get_context(method)
    inner = ctx.Queue()
    process = ctx.Process(target=grandchild, args=(inner,))
    process.start()
    pid = inner.get(timeout=120)
    process.join(120)
    queue.put((method, process.exitcode, pid != os.getpid()))


if __name__ == "__main__":
    print("main", os.getpid(), flush=True)
    with mp.Pool() as pool:
        assert pool.map(square, range(10)) == [n * n for n in range(10)]
    print("pool() ok", flush=True)
    for method in ("fork", "spawn", "forkserver"):
        ctx = mp.get_context(method)
        queue = ctx.Queue()
        process = ctx.Process(target=child, args=(method, queue))
        process.start()
        result = queue.get(timeout=120)
        process.join(120)
        assert result == (method, 0, True) and process.exitcode == 0, (result, process.exitcode)
        print("nested", method, "ok", flush=True)
    assert mp.active_children() == [], mp.active_children()
    print("all ok", flush=True)
