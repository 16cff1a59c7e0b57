from .. import x


def triple_of_double(n):
    return 3 * x.double(n)
