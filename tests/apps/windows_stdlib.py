"""Exercises stdlib modules that need native code on Windows: one line per
check. Every check raises on failure, so a broken bundle ends in a traceback
and exit code 1 instead of printing its line."""
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
    assert con.execute("select count(*) from t where v > 'x'").fetchone() == (2,)


def check_ssl():
    import ssl
    ctx = ssl.create_default_context()
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert ssl.OPENSSL_VERSION.startswith("OpenSSL"), ssl.OPENSSL_VERSION


def check_hashlib():
    import hashlib
    assert hashlib.sha256(b"abc").hexdigest().startswith("ba7816bf")
    assert hashlib.new("md5", b"").hexdigest() == "d41d8cd98f00b204e9800998ecf8427e"


def check_zlib():
    import zlib
    data = b"pybundle " * 500
    assert zlib.decompress(zlib.compress(data)) == data


def check_ctypes():
    import ctypes
    import os
    assert ctypes.windll.kernel32.GetCurrentProcessId() == os.getpid()
    assert ctypes.sizeof(ctypes.c_void_p) == 8


def check_asyncio():
    import asyncio

    async def double(x):
        await asyncio.sleep(0.01)
        return 2 * x

    async def main():
        return await asyncio.gather(*(double(i) for i in range(5)))

    assert asyncio.run(main()) == [0, 2, 4, 6, 8]


def check_unicodedata():
    import unicodedata
    assert unicodedata.name("\u00e9") == "LATIN SMALL LETTER E WITH ACUTE"


def check_thread_pool():
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(lambda x: x * x, range(10))) == [x * x for x in range(10)]


for name, check in list(globals().items()):
    if name.startswith("check_"):
        check()
        print("ok", name[len("check_"):], flush=True)
print("frozen", sys.frozen, "executable", sys.executable.lower().endswith(".exe"))
