VERSION = "1.2.3"


def double(n):
    return 2 * n
