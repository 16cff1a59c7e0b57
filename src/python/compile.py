# Run once per build by the packer with the target interpreter. Reads jobs
# from stdin, one per line: "SOURCE\tDISPLAY_NAME\tOUTPUT" (tab-separated),
# and writes an unchecked-hash .pyc for each: deterministic, not tied to the
# source's mtime, with co_filename set to DISPLAY_NAME. A syntax error is
# reported on stdout as "error\tDISPLAY_NAME\tLINE\tMESSAGE" and the run goes
# on; every success prints "ok\tOUTPUT".
import importlib._bootstrap_external as external
import importlib.util
import sys

optimize = int(sys.argv[1])
for line in sys.stdin.buffer:
    source_path, display, output = line.rstrip(b"\n").decode("utf-8", "surrogateescape").split("\t")
    with open(source_path, "rb") as f:
        source = f.read()
    try:
        code = compile(source, display, "exec", dont_inherit=True, optimize=optimize)
    except SyntaxError as e:
        message = (e.msg or "invalid syntax").replace("\t", " ").replace("\n", " ")
        print("error\t%s\t%s\t%s" % (display, e.lineno or 0, message), flush=True)
        continue
    except ValueError as e:  # e.g. source code string cannot contain null bytes
        print("error\t%s\t0\t%s" % (display, str(e).replace("\n", " ")), flush=True)
        continue
    data = external._code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False)
    with open(output, "wb") as f:
        f.write(data)
    print("ok\t%s" % output, flush=True)
