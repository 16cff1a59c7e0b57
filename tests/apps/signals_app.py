"""Signals. argv[1]:
  sleep     print "ready <pid>", then sleep (default SIGTERM handling)
  handlers  install handlers for SIGUSR1 and SIGTERM, print "ready <pid>",
            print "got SIGUSR1" / "got SIGTERM" as they arrive, and exit 7
            after SIGTERM
"""
import os
import signal
import sys
import time

mode = sys.argv[1]

if mode == "handlers":
    def on_usr1(signum, frame):
        print("got SIGUSR1", signum == signal.SIGUSR1, flush=True)

    def on_term(signum, frame):
        print("got SIGTERM", signum == signal.SIGTERM, flush=True)
        sys.exit(7)

    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGTERM, on_term)

print("ready", os.getpid(), flush=True)
deadline = time.monotonic() + 240
while time.monotonic() < deadline:
    time.sleep(0.05)
print("no signal came", flush=True)
sys.exit(0)
