"""A module of a package, so that its __file__ can be checked."""
import os


def here():
    return os.path.dirname(__file__)
