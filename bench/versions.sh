#!/usr/bin/env bash
# Hello world onefile per CPython found here (Debian's python3.11 and pyenv's
# 3.8+ with a shared libpython): bundle size and start-up median against
# `python -I hello.py` of the same interpreter, measured in one run.
#
#   bash bench/versions.sh
#
# Needs hyperfine (apt). Measures only; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-20}
work=target/bench/versions
mkdir -p "$work"
command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
cargo build --release -q
printf 'print("hello world")\n' > "$work/hello.py"

pythons=(/usr/bin/python3.11)
for dir in "$(pyenv root 2>/dev/null || echo /root/.pyenv)"/versions/3.*; do
    [ -d "$dir" ] || continue
    minor=$(basename "$dir" | cut -d. -f1,2)
    case "$minor" in 3.[0-7]) continue ;; esac
    [ -x "$dir/bin/python$minor" ] && pythons+=("$dir/bin/python$minor")
done

printf '%-44s %10s %12s %12s %8s\n' python "size MB" "bundle ms" "python ms" ratio
for py in "${pythons[@]}"; do
    name=$(echo "$py" | tr / _)
    target/release/pybundle "$work/hello.py" --onefile -q --python "$py" --distpath "$work/$name" --name hello || continue
    hyperfine -N -w 3 -r "$RUNS" --export-json "$work/$name.json" "$work/$name/hello" "$py -I $work/hello.py" >/dev/null
    read -r bundle plain < <(python3 -c "import json; r=json.load(open('$work/$name.json'))['results']; print('%.1f %.1f' % (r[0]['median']*1000, r[1]['median']*1000))")
    size=$(stat -c %s "$work/$name/hello")
    printf '%-44s %10.1f %12s %12s %8.2f\n' "$py" "$(echo "$size/1000000" | bc -l)" "$bundle" "$plain" "$(echo "$bundle/$plain" | bc -l)"
done

# CPython 3.14 and 3.15 from Debian sid (../shared/tools/make-sid-root.sh):
# built and timed inside the sid build root, whose glibc their bundles need;
# the bundle and `python3.X -I hello.py` alternate, medians of RUNS each.
sid=target/test-cache/debian-sid-3.14-3.15  # the root tests/debian_cpythons.rs uses
[ -x "$sid/sidroot/usr/bin/python3.15" ] || bash ../shared/tools/make-sid-root.sh "$sid" >/dev/null
mkdir -p "$sid/sidroot/opt/bench"
cp target/release/pybundle "$work/hello.py" "$sid/sidroot/opt/bench/"
for minor in 3.14 3.15; do
    bash ../shared/tools/sid-chroot.sh "$sid/sidroot" "cd /opt/bench && ./pybundle hello.py --onefile -q --python /usr/bin/python$minor --distpath d$minor --name hello && python$minor -I -c '
import statistics, subprocess, time, os
runs = {\"b\": [], \"p\": []}
for i in range($RUNS + 3):
    for key, cmd in ((\"b\", [\"d$minor/hello\"]), (\"p\", [\"python$minor\", \"-I\", \"hello.py\"])):
        t = time.perf_counter(); subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True); t = time.perf_counter() - t
        if i >= 3: runs[key].append(t * 1000)
b, p = statistics.median(runs[\"b\"]), statistics.median(runs[\"p\"])
print(\"%-44s %10.1f %12.1f %12.1f %8.2f\" % (\"sid /usr/bin/python$minor\", os.path.getsize(\"d$minor/hello\") / 1e6, b, p, b / p))
'"
done
