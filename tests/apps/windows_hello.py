"""Hello world for the Windows tests: prints its arguments as ASCII (so the
console's code page cannot change them), writes a marker file if asked, and
exits 3."""
import os
import sys

print("hello from", sys.platform, "frozen", sys.frozen)
print("args:", ascii(sys.argv[1:]))
if os.environ.get("PYBUNDLE_TEST_MARKER"):
    with open(os.environ["PYBUNDLE_TEST_MARKER"], "w", encoding="utf-8") as f:
        f.write(ascii(sys.argv[1:]))
sys.exit(3)
