"""multiprocessing with the start method named by argv[1] (fork, spawn or
forkserver): Process + Queue, Pool.map, ProcessPoolExecutor and a shared
Semaphore. It never calls freeze_support(). Prints one line per check and
"all ok"; the line "main <pid>" is printed once, by the main process only,
so a bundle that re-runs the app in its workers shows it more than once.
"""
import concurrent.futures
import multiprocessing as mp
import os
import sys
import time


def square(n):
    return n * n


def whoami(_):
    return os.getpid()


def put_pid(q, tag):
    q.put((tag, os.getpid(), __name__))


def hold(sem, inside, peak):
    with sem:
        with inside.get_lock():
            inside.value += 1
            peak.value = max(peak.value, inside.value)
        time.sleep(0.02)
        with inside.get_lock():
            inside.value -= 1


def check_process_queue(ctx):
    q = ctx.Queue()
    procs = [ctx.Process(target=put_pid, args=(q, i)) for i in range(3)]
    for p in procs:
        p.start()
    got = sorted(q.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(120)
        assert p.exitcode == 0, p.exitcode
    assert [t for t, _, _ in got] == [0, 1, 2], got
    pids = {pid for _, pid, _ in got}
    assert os.getpid() not in pids and len(pids) == 3, got
    print("process+queue ok", flush=True)


def check_pool(ctx):
    with ctx.Pool(2) as pool:
        assert pool.map(square, range(20)) == [n * n for n in range(20)]
        pids = set(pool.map(whoami, range(8)))
    assert os.getpid() not in pids, pids
    print("pool.map ok", flush=True)


def check_executor(ctx):
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=ctx) as ex:
        assert list(ex.map(square, range(10))) == [n * n for n in range(10)]
        assert ex.submit(square, 12).result(timeout=120) == 144
    print("executor ok", flush=True)


def check_semaphore(ctx):
    sem = ctx.Semaphore(2)
    inside = ctx.Value("i", 0)
    peak = ctx.Value("i", 0, lock=False)
    procs = [ctx.Process(target=hold, args=(sem, inside, peak)) for _ in range(5)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0, p.exitcode
    # Never more than two holders at once; all have left.
    assert 1 <= peak.value <= 2 and inside.value == 0, (peak.value, inside.value)
    print("semaphore ok", flush=True)


if __name__ == "__main__":
    method = sys.argv[1]
    print("main", os.getpid(), flush=True)
    ctx = mp.get_context(method)
    check_process_queue(ctx)
    check_pool(ctx)
    check_executor(ctx)
    check_semaphore(ctx)
    assert mp.active_children() == [], mp.active_children()
    print("all ok", method, flush=True)
