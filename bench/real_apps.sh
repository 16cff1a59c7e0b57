#!/usr/bin/env bash
# Benchmarks the real apps of tests/apps/real/ (FastAPI + uvicorn, click +
# rich, numpy, cryptography, pydantic + PyYAML, Pillow, requests) bundled
# from a pip venv, against the venv's python running the same app, in one
# run: onefile size beside PyInstaller's onefile of the same app from the
# same venv (when PyInstaller installs), build time (second build, warm
# cache), and start-up (hyperfine medians) of onefile, onefile built with
# --cache-natives (a later start) and onedir, or for the server the time
# from start to the first HTTP response (median of RUNS starts).
#
#   bash bench/real_apps.sh            # RUNS=10 by default
#
# Uses the tests' venv (target/test-cache/venv-real-<version>) if it is
# there, else makes one under target/bench/. Measures only, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-10}
TARGET=${CARGO_TARGET_DIR:-target}
case "$TARGET" in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
work=$TARGET/bench/real
mkdir -p "$work"
command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null

cargo build --release -q
PYBUNDLE=$TARGET/release/pybundle
BASE=/usr/bin/python3.11
version=$("$BASE" -c 'import platform; print(platform.python_version())')
VENV=$TARGET/test-cache/venv-real-$version
if [ ! -f "$VENV/pybundle-packages.txt" ]; then
    VENV=$work/venv
    if [ ! -x "$VENV/bin/python" ]; then
        "$BASE" -m venv "$VENV"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check --only-binary :all: \
            fastapi uvicorn click rich numpy cryptography certifi pydantic pyyaml pillow requests
    fi
fi
PY=$VENV/bin/python
APPS=$ROOT/tests/apps/real
# Debian's python3.11 has the interpreter linked in statically; a bundle
# carries libpython3.11.so, a separate build of it as position-independent
# code. The same venv run by a python that uses that library (a two-line
# launcher of Py_BytesMain, with the venv's pyvenv.cfg and lib/) shows
# what the library itself costs.
SHARED=$work/shared-libpython-venv
mkdir -p "$SHARED/bin"
cp "$VENV/pyvenv.cfg" "$SHARED/"
ln -sfn "$VENV/lib" "$SHARED/lib"
printf 'extern int Py_BytesMain(int, char **);\nint main(int argc, char **argv) { return Py_BytesMain(argc, argv); }\n' |
    cc -O2 -x c - -o "$SHARED/bin/python" -l:libpython3.11.so.1.0
SPY=$SHARED/bin/python
export HOME=$work/home          # the bundles' cache directory goes here
mkdir -p "$HOME"

# name | script | build options | run arguments (the same as the tests')
# pydantic_yaml_app: without rich (and what rich reaches), as the tests
# build it.
apps=(
    "cli_app|cli_app.py||table 3"
    "numpy_app|numpy_app.py||"
    "crypto_app|crypto_app.py||"
    "pydantic_yaml_app|pydantic_yaml_app.py|--exclude-module rich|"
    "pillow_app|pillow_app.py||$work/out.png"
    "requests_app|requests_app.py||"
    "fastapi_app|fastapi_app.py||"
)

now() { date +%s.%N; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1000000 }'; }

# Median time (ms) from starting a server command (port appended) to its
# first answer to GET /health, then SIGTERM; RUNS starts after one warm-up.
first_response_ms() {
    "$BASE" - "$RUNS" "$@" <<'EOF'
import socket, statistics, subprocess, sys, time, urllib.request
runs, cmd = int(sys.argv[1]), sys.argv[2:]
def once():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    start = time.perf_counter()
    p = subprocess.Popen(cmd + [str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/health" % port, timeout=5).read()
                return (time.perf_counter() - start) * 1000
            except OSError:
                if p.poll() is not None:
                    sys.exit("server exited early: %r" % cmd)
                if time.perf_counter() - start > 120:
                    sys.exit("no answer in 120 s: %r" % cmd)
                time.sleep(0.002)
    finally:
        p.terminate(); p.wait()
once()
print("%.1f" % statistics.median(once() for _ in range(runs)))
EOF
}

# PyInstaller, run by the venv's python (so it sees the same packages) from
# a directory of its own; skipped if it cannot be installed.
PI=$work/pyinstaller
if [ ! -d "$PI/PyInstaller" ]; then
    "$BASE" -m pip install -q --disable-pip-version-check --target "$PI" pyinstaller || rm -rf "$PI"
fi
export PYBUNDLE_CACHE_DIR=$work/cache  # --cache-natives fills it
rm -rf "$PYBUNDLE_CACHE_DIR"

rows=()
for spec in "${apps[@]}"; do
    IFS='|' read -r name script opts args <<<"$spec"
    dist=$work/dist
    # shellcheck disable=SC2086
    "$PYBUNDLE" "$APPS/$script" --onefile -q --name "$name" --python "$PY" --distpath "$dist" $opts
    start=$(now)
    # shellcheck disable=SC2086
    "$PYBUNDLE" "$APPS/$script" --onefile -q --name "$name" --python "$PY" --distpath "$dist" $opts
    build=$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
    size=$(stat -c %s "$dist/$name")
    # shellcheck disable=SC2086
    "$PYBUNDLE" "$APPS/$script" --onefile -q --name "$name" --python "$PY" --distpath "$work/cached" --cache-natives $opts
    # shellcheck disable=SC2086
    "$PYBUNDLE" "$APPS/$script" --onedir -q --name "$name" --python "$PY" --distpath "$work/onedir" $opts
    pi_size=-
    if [ -d "$PI/PyInstaller" ]; then
        # shellcheck disable=SC2086  # (PyInstaller takes --exclude-module too)
        PYTHONPATH=$PI "$PY" -m PyInstaller --onefile --strip --noconfirm --log-level ERROR --name "$name" \
            --distpath "$work/pi-dist" --workpath "$work/pi-build" --specpath "$work/pi-build" $opts \
            "$APPS/$script" >/dev/null 2>&1 && pi_size=$(mb "$(stat -c %s "$work/pi-dist/$name")")
    fi
    if [ "$name" = fastapi_app ]; then
        b_ms=$(first_response_ms "$dist/$name")
        first_response_ms "$work/cached/$name" >/dev/null  # fills the cache
        c_ms=$(first_response_ms "$work/cached/$name")
        d_ms=$(first_response_ms "$work/onedir/$name/$name")
        p_ms=$(first_response_ms "$PY" "$APPS/$script")
        s_ms=$(first_response_ms "$SPY" "$APPS/$script")
        what="first response"
    else
        json=$work/$name.json
        "$work/cached/$name" $args >/dev/null  # fills the cache
        hyperfine -N -w 2 -r "$RUNS" --export-json "$json" \
            -n bundle "$dist/$name $args" \
            -n cached "$work/cached/$name $args" \
            -n onedir "$work/onedir/$name/$name $args" \
            -n python "$PY -B $APPS/$script $args" \
            -n shared "$SPY -B $APPS/$script $args" >/dev/null
        read -r b_ms c_ms d_ms p_ms s_ms < <("$BASE" -c "import json,sys; r={x['command']: x['median'] for x in json.load(open(sys.argv[1]))['results']}; print(' '.join('%.1f' % (r[n]*1000) for n in ('bundle', 'cached', 'onedir', 'python', 'shared')))" "$json")
        what="start-up"
    fi
    ratio() { awk -v a="$1" -v b="$p_ms" 'BEGIN { printf "%.2f", a / b }'; }
    rows+=("$(printf '%-18s %8s %8s %7s %-14s %8s %8s %8s %8s %8s %6s %6s %6s %6s' "$name" "$(mb "$size")" "$pi_size" "$build" "$what" \
        "$b_ms" "$c_ms" "$d_ms" "$p_ms" "$s_ms" "$(ratio "$b_ms")" "$(ratio "$c_ms")" "$(ratio "$d_ms")" "$(ratio "$s_ms")")")
done

echo
echo "pybundle $("$PYBUNDLE" --version | awk '{print $2}'), CPython $version, venv $VENV; medians of $RUNS runs"
"$PY" -m pip list --format=freeze 2>/dev/null |
    grep -iE '^(fastapi|uvicorn|click|rich|numpy|cryptography|certifi|pydantic|pyyaml|pillow|requests)==' | tr '\n' ' '
[ -d "$PI/PyInstaller" ] && echo && echo "PyInstaller $(PYTHONPATH=$PI "$PY" -m PyInstaller --version) (--onefile --strip)"
echo
echo "MB: pybundle onefile (default) and PyInstaller onefile; ms: onefile, onefile --cache-natives (a later start), onedir, the venv's python, the venv run with Debian's shared libpython; ratios of those four to python"
printf '%-18s %8s %8s %7s %-14s %8s %8s %8s %8s %8s %6s %6s %6s %6s\n' app "MB" "PI MB" "build s" measure onefile cached onedir python shared "1file" cached onedir shared
for r in "${rows[@]}"; do echo "$r"; done
