"""A daemon thread is still running when the main thread finishes.

At interpreter exit CPython ends such a thread with pthread_exit(), and glibc
then needs libgcc_s.so.1 to unwind it. Without it glibc aborts with
"libgcc_s.so.1 must be installed for pthread_exit to work".
"""
import threading
import time

started = threading.Event()


def worker():
    n = 0
    while True:
        n += 1
        started.set()
        time.sleep(0.001)


for _ in range(4):
    threading.Thread(target=worker, daemon=True).start()
started.wait()
print("main done", flush=True)
