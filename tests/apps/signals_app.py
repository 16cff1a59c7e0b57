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
    # os.write, not print: a handler may run while print("ready") is
    # still inside the buffered stdout, which print would re-enter.
    def on_usr1(signum, frame):
        os.write(1, b"got SIGUSR1 %r\n" % (signum == signal.SIGUSR1))

    def on_term(signum, frame):
        os.write(1, b"got SIGTERM %r\n" % (signum == signal.SIGTERM))
        sys.exit(7)

    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGTERM, on_term)

print("ready", os.getpid(), flush=True)
deadline = time.monotonic() + 240
while time.monotonic() < deadline:
    time.sleep(0.05)
print("no signal came", flush=True)
sys.exit(0)
