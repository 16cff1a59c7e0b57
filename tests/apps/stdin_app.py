"""stdin. argv[1]:
  lines   read stdin line by line until EOF; print each upper-cased with its
          number, then "lines: N"
  prompt  print whether stdin is a tty, then input("name? ") twice and greet
"""
import sys

if sys.argv[1] == "lines":
    n = 0
    for line in sys.stdin:
        n += 1
        print("%d: %s" % (n, line.rstrip("\n").upper()), flush=True)
    print("lines:", n)
elif sys.argv[1] == "prompt":
    print("isatty", sys.stdin.isatty(), sys.stdout.isatty(), flush=True)
    first = input("name? ")
    print("hello, %s!" % first, flush=True)
    second = input("again? ")
    print("bye, %s!" % second, flush=True)
