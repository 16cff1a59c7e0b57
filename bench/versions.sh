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
