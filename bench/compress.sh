#!/usr/bin/env bash
# The size/start-up curve of `--compress`: hello world onefile at each
# level, built with an empty and a warm build cache, its size, and its
# start-up median against `python -I hello.py`, in one run; also the max
# bundle built with --cache-natives starting from its filled cache
# directory, and the same app onedir; and each one's peak RSS.
#
#   bash bench/compress.sh [PYTHON]     # default: Debian's python3.11
#
# Needs hyperfine (apt). Measures only; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${1:-/usr/bin/python3.11}
RUNS=${RUNS:-30}
work=target/bench/compress
rm -rf "$work" && mkdir -p "$work"
command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
cargo build --release -q
printf 'print("hello world")\n' > "$work/hello.py"
export PYBUNDLE_BUILD_CACHE=$PWD/$work/build-cache

seconds() { local start=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $start" | bc; }

commands=()
for level in none fast max; do
    rm -rf "$PYBUNDLE_BUILD_CACHE"
    args=("$work/hello.py" --onefile -q --python "$PYTHON" --distpath "$work/$level" --name hello --compress "$level")
    cold=$(seconds target/release/pybundle "${args[@]}")
    warm=$(seconds target/release/pybundle "${args[@]}")
    echo "$level $(stat -c %s "$work/$level/hello") $cold $warm" >> "$work/sizes"
    commands+=(-n "$level" "$work/$level/hello")
done
target/release/pybundle "$work/hello.py" --onedir -q --python "$PYTHON" --distpath "$work/onedir" --name hello
# --cache-natives: decoded into the cache directory at the first start (a
# warm-up run), loaded from there after. Its own script, so the other
# bundles of the same content do not find the entry it fills.
printf 'print("hello world")  # cached\n' > "$work/cached.py"
target/release/pybundle "$work/cached.py" --onefile -q --python "$PYTHON" --distpath "$work/cached" --name hello --cache-natives
# Every cache directory a bundle may look in is this run's own, so no
# entry an earlier run filled is found.
export PYBUNDLE_CACHE_DIR=$PWD/$work/cache HOME=$PWD/$work/home TMPDIR=$PWD/$work/tmp
unset XDG_CACHE_HOME
mkdir -p "$HOME" "$TMPDIR"
commands+=(-n "max, --cache-natives" "$work/cached/hello")
commands+=(-n onedir "$work/onedir/hello/hello" -n python "$PYTHON -I $work/hello.py")
hyperfine -N -w 5 -r "$RUNS" --export-json "$work/startup.json" "${commands[@]}" >/dev/null
# Peak RSS (GNU time's maximum resident set), the least of 5 starts.
for ((i = 0; i < ${#commands[@]}; i += 3)); do
    name=${commands[i + 1]}
    least=$(for _ in 1 2 3 4 5; do /usr/bin/time -f %M ${commands[i + 2]} 2>&1 >/dev/null | tail -1; done | sort -n | head -1)
    echo "$least $name" >> "$work/rss"
done

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
runs = {r["command"]: r for r in json.load(open(f"{work}/startup.json"))["results"]}
rss = {name: int(kb) / 1024 for kb, name in (line.rstrip("\n").split(" ", 1) for line in open(f"{work}/rss"))}
python = runs["python"]["median"] * 1000
print(f"{'--compress':<20} {'size MB':>8} {'cold build s':>13} {'warm build s':>13} {'start ms':>9} {'user+sys ms':>12} {'ratio':>6} {'peak RSS MB':>12}")
for line in open(f"{work}/sizes"):
    level, size, cold, warm = line.split()
    r = runs[level]
    cpu = (r["user"] + r["system"]) * 1000
    print(f"{level:<20} {int(size) / 1e6:>8.2f} {float(cold):>13.2f} {float(warm):>13.2f} {r['median'] * 1000:>9.1f} {cpu:>12.1f} {r['median'] * 1000 / python:>6.2f} {rss[level]:>12.1f}")
for name in ("max, --cache-natives", "onedir", "python"):
    r = runs[name]
    print(f"{name:<20} {'':>8} {'':>13} {'':>13} {r['median'] * 1000:>9.1f} {(r['user'] + r['system']) * 1000:>12.1f} {r['median'] * 1000 / python:>6.2f} {rss[name]:>12.1f}")
PY
