"""Exercises stdlib modules that need native code: one line per check, exit 0.

Every check raises on failure, so a broken bundle ends in a traceback and
exit code 1 instead of printing its line.
"""
import sys


def check_json():
    import json
    data = {"a": [1, 2.5, None, True], "b": "caf\u00e9"}
    assert json.loads(json.dumps(data)) == data


def check_sqlite3():
    import sqlite3
    con = sqlite3.connect(":memory:")
    con.execute("create table t (k integer primary key, v text)")
    con.executemany("insert into t (v) values (?)", [("x",), ("y",), ("z",)])
    (count,) = con.execute("select count(*) from t where v > 'x'").fetchone()
    assert count == 2, count
    con.close()


def check_ssl():
    import os
    import ssl
    ctx = ssl.create_default_context()
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    bundle = "/etc/ssl/certs/ca-certificates.crt"
    if os.path.exists(bundle):
        ctx.load_verify_locations(cafile=bundle)
        assert ctx.cert_store_stats()["x509_ca"] > 0, ctx.cert_store_stats()
    assert ssl.OPENSSL_VERSION


def check_hashlib():
    import hashlib
    assert hashlib.new("sha256", b"pybundle").digest() == hashlib.sha256(b"pybundle").digest()
    assert hashlib.sha256(b"abc").hexdigest() == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def payload():
    return ("pybundle round trip " * 200).encode()


def check_zlib():
    import zlib
    data = payload()
    packed = zlib.compress(data, 9)
    assert len(packed) < len(data)
    assert zlib.decompress(packed) == data


def check_lzma():
    import lzma
    data = payload()
    assert lzma.decompress(lzma.compress(data)) == data


def check_bz2():
    import bz2
    data = payload()
    assert bz2.decompress(bz2.compress(data)) == data


def check_decimal():
    import decimal
    from decimal import Decimal
    assert Decimal("0.1") + Decimal("0.2") == Decimal("0.3")
    with decimal.localcontext() as ctx:
        ctx.prec = 5
        assert str(Decimal(1) / Decimal(7)) == "0.14286"
    # The C implementation is the one a normal CPython uses.
    import _decimal  # noqa: F401


def check_asyncio():
    import asyncio

    async def add(a, b):
        await asyncio.sleep(0)
        return a + b

    async def main():
        return await asyncio.gather(add(1, 2), add(3, 4))

    assert asyncio.run(main()) == [3, 7]


def check_ctypes():
    import ctypes
    libc = ctypes.CDLL("libc.so.6")
    libc.strlen.restype = ctypes.c_size_t
    libc.strlen.argtypes = [ctypes.c_char_p]
    assert libc.strlen(b"pybundle") == 8
    this = ctypes.CDLL(None)
    assert this.abs(-5) == 5


def check_unicodedata():
    import unicodedata
    assert unicodedata.name("\u00e9") == "LATIN SMALL LETTER E WITH ACUTE"
    assert unicodedata.normalize("NFC", "e\u0301") == "\u00e9"


def check_zoneinfo():
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    paris = ZoneInfo("Europe/Paris")
    assert datetime(2024, 1, 15, 12, tzinfo=paris).utcoffset() == timedelta(hours=1)
    assert datetime(2024, 7, 15, 12, tzinfo=paris).utcoffset() == timedelta(hours=2)


def check_threads():
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(lambda n: n * n, range(20))) == [n * n for n in range(20)]


CHECKS = [
    ("json", check_json),
    ("sqlite3", check_sqlite3),
    ("ssl", check_ssl),
    ("hashlib", check_hashlib),
    ("zlib", check_zlib),
    ("lzma", check_lzma),
    ("bz2", check_bz2),
    ("decimal", check_decimal),
    ("asyncio", check_asyncio),
    ("ctypes", check_ctypes),
    ("unicodedata", check_unicodedata),
    ("zoneinfo", check_zoneinfo),
    ("threads", check_threads),
]
if sys.version_info < (3, 9):  # zoneinfo is new in 3.9
    CHECKS = [c for c in CHECKS if c[0] != "zoneinfo"]

for name, check in CHECKS:
    check()
    print(name, "ok", flush=True)
print("all ok")
sys.exit(0)
