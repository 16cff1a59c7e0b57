"""Starts 4 spawned worker processes that import FastAPI and pydantic, as
a 4-worker server's workers do, and prints the memory of the whole group
once all are up: the sum of RSS and of PSS (each shared page divided
among the processes that map it) over the parent and its workers."""
import multiprocessing
import os


def serve(ready, stop):
    import fastapi  # noqa: F401
    import pydantic  # noqa: F401
    ready.release()
    # Bounded: a worker whose parent was killed ends by itself.
    stop.wait(60)


def memory_kb(pid):
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            parts = line.split()
            if parts[0] in ("Rss:", "Pss:"):
                fields[parts[0]] = int(parts[1])
    return fields["Rss:"], fields["Pss:"]


if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Semaphore(0), context.Event()
    workers = [context.Process(target=serve, args=(ready, stop)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for _ in workers:
        ready.acquire()
    import fastapi  # noqa: F401
    import pydantic  # noqa: F401
    pids = [os.getpid()] + [worker.pid for worker in workers]
    rss, pss = (sum(values) for values in zip(*(memory_kb(pid) for pid in pids)))
    print(f"rss_mb={rss / 1024:.1f} pss_mb={pss / 1024:.1f}")
    stop.set()
    for worker in workers:
        worker.join()
