#!/usr/bin/env bash
# Memory of a 4-worker group (bench/apps/workers_app.py: a parent and four
# spawned workers that import FastAPI and pydantic, as a server's workers
# do), summed over the five processes once all are up: RSS, and PSS (each
# shared page divided among the processes mapping it, so what the group
# really costs). The venv's python, onefile (memory files), onefile built
# with --cache-natives (a later start) and onedir, in one run; medians of
# RUNS.
#
#   bash bench/workers.sh              # RUNS=5 by default
#
# Uses the real-apps tests' venv (target/test-cache/venv-real-<version>)
# if it is there, else makes one under target/bench/. Measures only.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
TARGET=${CARGO_TARGET_DIR:-target}
case "$TARGET" in /*) ;; *) TARGET=$PWD/$TARGET ;; esac
work=$TARGET/bench/workers
rm -rf "$work" && mkdir -p "$work/home"

cargo build --release -q
PYBUNDLE=$TARGET/release/pybundle
BASE=/usr/bin/python3.11
version=$("$BASE" -c 'import platform; print(platform.python_version())')
VENV=$TARGET/test-cache/venv-real-$version
if [ ! -f "$VENV/pybundle-packages.txt" ]; then
    VENV=$TARGET/bench/workers-venv
    if [ ! -x "$VENV/bin/python" ]; then
        "$BASE" -m venv "$VENV"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check --only-binary :all: fastapi pydantic
    fi
fi
APP=bench/apps/workers_app.py
# Every cache directory a bundle may look in is this run's own.
export HOME=$work/home TMPDIR=$work/home PYBUNDLE_CACHE_DIR=$work/cache
unset XDG_CACHE_HOME
"$PYBUNDLE" "$APP" --onefile -q --python "$VENV/bin/python" --distpath "$work/onefile" --name workers
# A copy of another content, so the onefile bundle finds no entry it fills.
printf '\n# cached\n' | cat "$APP" - > "$work/workers_cached.py"
"$PYBUNDLE" "$work/workers_cached.py" --onefile -q --python "$VENV/bin/python" --distpath "$work/cached" --name workers --cache-natives
"$PYBUNDLE" "$APP" --onedir -q --python "$VENV/bin/python" --distpath "$work/onedir" --name workers
"$work/cached/workers" >/dev/null  # fills its cache entry

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
measure() {
    local label=$1; shift
    local out rss=() pss=()
    for _ in $(seq "$RUNS"); do
        out=$(timeout 120 "$@")
        rss+=("$(sed -n 's/.*rss_mb=\([0-9.]*\).*/\1/p' <<<"$out")")
        pss+=("$(sed -n 's/.*pss_mb=\([0-9.]*\).*/\1/p' <<<"$out")")
    done
    printf '%-28s %10s %10s\n' "$label" "$(printf '%s\n' "${rss[@]}" | median)" "$(printf '%s\n' "${pss[@]}" | median)"
}

echo "CPython $version, venv $VENV; a parent and 4 workers; medians of $RUNS runs"
printf '%-28s %10s %10s\n' "" "RSS MB" "PSS MB"
measure "venv python" "$VENV/bin/python" "$APP"
measure "onefile (memory files)" "$work/onefile/workers"
measure "onefile --cache-natives" "$work/cached/workers"
measure "onedir" "$work/onedir/workers/workers"
