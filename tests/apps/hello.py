"""Hello world for the pybundle tests: prints, echoes its arguments, exits 3."""
import sys

print("hello from pybundle")
print("args:", sys.argv[1:])
sys.exit(3)
