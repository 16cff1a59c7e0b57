from ..sub import y
from . import z


def describe():
    return "relative imports: %d %s" % (y.triple_of_double(7), z.NAME)
