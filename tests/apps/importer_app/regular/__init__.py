"""A regular package with data files."""


def load_helper():
    import importlib

    return importlib.import_module("regular.helper")
