from importlib import resources

from . import x

VERSION = x.VERSION


def greeting():
    return resources.files(__name__).joinpath("data/greeting.txt").read_text(encoding="utf-8").strip()
