import sys

from greet import GREETING

print(GREETING, __name__, sys.argv[1:])
