"""Signals the app sends itself, argv[1]:
  term     SIGTERM with the default action: the process dies by SIGTERM
  int      SIGINT: KeyboardInterrupt, then death by SIGINT as python's
  handler  a SIGUSR1 handler runs, then exit 3
"""
import os
import signal
import sys
import time

mode = sys.argv[1]
if mode == "handler":
    signal.signal(signal.SIGUSR1, lambda signum, frame: print("got SIGUSR1", flush=True))
    os.kill(os.getpid(), signal.SIGUSR1)
    time.sleep(0.1)
    sys.exit(3)
os.kill(os.getpid(), signal.SIGTERM if mode == "term" else signal.SIGINT)
time.sleep(30)
print("not reached")
