#!/usr/bin/env bash
# Benchmarks the popular-packages apps of tests/apps/popular/ (flask,
# jinja2, django, orjson, pandas, markdown, zoneinfo + tzdata, boto3,
# grpcio + protobuf, babel, lxml, httpx, certifi, requests, pytz), each
# bundled onefile with no options from a pip venv: whether the bundle
# prints what the venv's python prints (pass/fail), bundle size, build time
# cold (empty build cache: every module compiled, every package
# import-probed) and warm (the same build again), and start-up (hyperfine
# medians): the bundle's first start (an empty HOME, as in a fresh
# container), its later starts, and the venv's python running the app.
#
#   bash bench/popular.sh
#   ONLY="django pandas" bash bench/popular.sh      # some of the apps
#   BASELINE=path/to/older/pybundle bash bench/popular.sh
#       # also builds each app with another packer (an earlier version)
#       # and reports its first and later starts
#
# Uses the tests' venv (target/test-cache/venv-popular-<version>) if it is
# there, else makes one under target/bench/. Measures only, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-target}
case "$TARGET" in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
work=$TARGET/bench/popular
rm -rf "$work"
mkdir -p "$work"

cargo build --release -q
PYBUNDLE=$TARGET/release/pybundle
BASE=/usr/bin/python3.11
version=$("$BASE" -c 'import platform; print(platform.python_version())')
VENV=$TARGET/test-cache/venv-popular-$version
if [ ! -f "$VENV/pybundle-packages.txt" ]; then
    VENV=$work/venv
    "$BASE" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --only-binary :all: \
        flask jinja2 django orjson pandas markdown tzdata boto3 grpcio protobuf babel lxml httpx \
        matplotlib scipy pyarrow requests certifi pytz
fi
PY=$VENV/bin/python
APPS=$ROOT/tests/apps/popular
export HOME=$work/home          # a bundle's cache directory would go here
mkdir -p "$HOME"
command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null

# name | build options (as the tests build them)
apps=(
    "flask|" "jinja2|--add-data $APPS/jinja2_data:jinja2_data" "django|" "orjson|" "pandas|" "markdown|"
    "zoneinfo|" "boto3|" "grpc|" "babel|" "lxml|" "httpx|" "certifi|" "requests|" "pytz|"
)

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# The median of hyperfine's runs of a command, in ms ("fail" if it fails).
median_ms() {
    hyperfine -N --style none --export-json "$work/h.json" "$@" >/dev/null 2>&1 || { echo fail; return; }
    "$BASE" -c 'import json,sys; print("%.0f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$work/h.json"
}

printf '%-10s %-6s %9s %9s %9s %9s %9s %9s' app result "size MB" "cold s" "warm s" "first ms" "later ms" "python ms"
[ -n "${BASELINE:-}" ] && printf ' %14s %14s' "baseline first" "baseline later"
printf '\n'
for entry in "${apps[@]}"; do
    IFS='|' read -r name options <<<"$entry"
    case " ${ONLY:-$name} " in *" $name "*) ;; *) continue ;; esac
    script=$APPS/${name}_app.py
    expected=$(cd "$APPS" && env -i PATH=/usr/bin:/bin HOME="$HOME" "$PY" -E -s -B "$script" 2>/dev/null || true)
    export PYBUNDLE_BUILD_CACHE=$work/cache-$name
    build() {
        # shellcheck disable=SC2086
        "$PYBUNDLE" "$script" --onefile -q --python "$PY" --distpath "$work/dist" $options
    }
    start=$(now); build; cold=$(secs "$start" "$(now)")
    start=$(now); build; warm=$(secs "$start" "$(now)")
    exe=$work/dist/${name}_app
    size=$(awk -v b="$(stat -c %s "$exe")" 'BEGIN { printf "%.1f", b / 1000000 }')
    got=$(cd "$work" && env -i PATH=/usr/bin:/bin HOME="$HOME" "$exe" 2>/dev/null || true)
    result=fail
    [ -n "$expected" ] && [ "$got" = "$expected" ] && result=pass
    first=$(cd "$work" && median_ms --runs 5 --prepare "rm -rf $HOME/.cache" "$exe")
    later=$(cd "$work" && median_ms --warmup 2 --runs 10 "$exe")
    plain=$(cd "$APPS" && median_ms --warmup 2 --runs 10 "$PY -E -s -B $script")
    printf '%-10s %-6s %9s %9s %9s %9s %9s %9s' "$name" "$result" "$size" "$cold" "$warm" "$first" "$later" "$plain"
    if [ -n "${BASELINE:-}" ]; then
        # shellcheck disable=SC2086
        PYBUNDLE_BUILD_CACHE=$work/cache-baseline-$name "$BASELINE" "$script" --onefile -q --python "$PY" --distpath "$work/baseline" $options
        old=$work/baseline/${name}_app
        old_first=$(cd "$work" && median_ms --runs 5 --prepare "rm -rf $HOME/.cache" "$old")
        old_later=$(cd "$work" && median_ms --warmup 2 --runs 10 "$old")
        printf ' %14s %14s' "$old_first" "$old_later"
    fi
    printf '\n'
done
