"""Threads: 50 threads that each compute and join; threading.excepthook for
a thread that raises; daemon threads still running when the app ends.
One line per check; exit 0.
"""
import threading
import time

results = [None] * 50


def work(i):
    total = 0
    for k in range(2000):
        total += (i * k) % 7
    time.sleep(0.001)
    results[i] = (i, total, threading.current_thread().name)


threads = [threading.Thread(target=work, args=(i,), name="worker-%d" % i) for i in range(50)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert all(r is not None for r in results), results
assert [r[0] for r in results] == list(range(50))
assert len({r[2] for r in results}) == 50
assert threading.active_count() == 1, threading.enumerate()
print("50 threads joined", flush=True)

seen = []


def hook(args):
    seen.append((args.exc_type.__name__, str(args.exc_value), args.thread.name))


threading.excepthook = hook


def fail():
    raise ValueError("thread failure")


t = threading.Thread(target=fail, name="failing")
t.start()
t.join()
assert seen == [("ValueError", "thread failure", "failing")], seen
print("excepthook got", seen[0][0], seen[0][1], "in", seen[0][2], flush=True)

running = threading.Event()


def spin():
    while True:
        running.set()
        sum(range(100))
        time.sleep(0.0005)


for i in range(8):
    threading.Thread(target=spin, daemon=True, name="daemon-%d" % i).start()
running.wait()
print("daemon threads running:", sum(t.daemon for t in threading.enumerate()), flush=True)
print("main done", flush=True)
