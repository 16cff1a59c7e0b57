#!/usr/bin/env bash
# Benchmarks pybundle against plain python3 and PyInstaller in one run:
# onefile size, build time, and start-up (medians over many runs).
#
#   bash bench/run.sh [PYTHON]     # PYTHON: a CPython with a shared libpython
#
# Needs hyperfine (apt) and installs PyInstaller into a venv under
# target/bench. Prints a table with ratios; measures only, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${1:-/usr/bin/python3.11}
RUNS=${RUNS:-20}
work=target/bench
mkdir -p "$work"
command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null

cargo build --release -q
PYBUNDLE=$PWD/target/release/pybundle
if [ ! -x "$work/venv/bin/pyinstaller" ]; then
    "$PYTHON" -m venv "$work/venv"
    "$work/venv/bin/pip" install -q pyinstaller
fi

app=$work/hello.py
printf 'print("hello world")\n' > "$app"

seconds() { local start=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $start" | bc; }

rm -rf "$work/pb" "$work/pi"
"$PYBUNDLE" "$app" --onefile -q --python "$PYTHON" --distpath "$work/pb"     # warm the bytecode cache
pb_build=$(seconds "$PYBUNDLE" "$app" --onefile -q --python "$PYTHON" --distpath "$work/pb")
pi_build=$(seconds "$work/venv/bin/pyinstaller" --onefile --strip --noconfirm --log-level ERROR \
    --distpath "$work/pi" --workpath "$work/pi-build" --specpath "$work/pi-build" "$app")
pb_size=$(stat -c %s "$work/pb/hello")
pi_size=$(stat -c %s "$work/pi/hello")

hyperfine -N -w 3 -r "$RUNS" --export-json "$work/startup.json" \
    -n pybundle "$work/pb/hello" \
    -n pyinstaller "$work/pi/hello" \
    -n "python3 -I" "$PYTHON -I $app" >/dev/null
median() { python3 -c "import json,sys; r={x['command']: x for x in json.load(open('$work/startup.json'))['results']}; print('%.1f' % (r[sys.argv[1]]['median']*1000))" "$1"; }
pb_ms=$(median pybundle); pi_ms=$(median pyinstaller); py_ms=$(median "python3 -I")

printf '\n%-26s %12s %12s %12s\n' "hello world, onefile" pybundle PyInstaller "python3 -I"
printf '%-26s %12.2f %12.2f %12s\n' "size (MB)" "$(echo "$pb_size/1000000" | bc -l)" "$(echo "$pi_size/1000000" | bc -l)" "-"
printf '%-26s %12.2f %12.2f %12s\n' "build (s)" "$pb_build" "$pi_build" "-"
printf '%-26s %12s %12s %12s\n' "start-up median (ms)" "$pb_ms" "$pi_ms" "$py_ms"
printf '\nratios: size pybundle/PyInstaller %.2f; start-up pybundle/python3 -I %.2f, pybundle/PyInstaller %.2f; build pybundle/PyInstaller %.2f\n' \
    "$(echo "$pb_size/$pi_size" | bc -l)" "$(echo "$pb_ms/$py_ms" | bc -l)" "$(echo "$pb_ms/$pi_ms" | bc -l)" "$(echo "$pb_build/$pi_build" | bc -l)"
