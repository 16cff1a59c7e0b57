#!/usr/bin/env bash
# Builds pybundle's wheels into DIR (default: target/wheels) with maturin:
#   - Linux x86_64: a static (musl) pybundle that runs on any Linux, tagged
#     manylinux_2_17 and musllinux_1_2;
#   - Windows x86_64 (win_amd64): pybundle.exe, cross-built with mingw-w64.
# Both carry the same runtime stubs (build.rs builds them for the host's
# Linux target and for Windows, whatever the packer is built for).
# Needs what scripts/setup.sh installs (the Rust targets, mingw-w64,
# musl-tools for the C code of zstd in the static packer, and maturin in
# target/test-cache/wheel-tools, which is made here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-target/wheels}"
mkdir -p "$OUT"

TOOLS="$PWD/target/test-cache/wheel-tools"
if ! "$TOOLS/bin/maturin" --version >/dev/null 2>&1; then
    echo "build-wheels.sh: pip install maturin (in $TOOLS)" >&2
    python3 -m venv "$TOOLS"
    "$TOOLS/bin/python" -m pip install -q "maturin>=1.5,<2"
fi
MATURIN="$TOOLS/bin/maturin"

for target in x86_64-unknown-linux-musl x86_64-pc-windows-gnu; do
    if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx "$target"; then
        echo "build-wheels.sh: rustup target add $target" >&2
        rustup target add "$target" >/dev/null
    fi
done

echo "build-wheels.sh: Linux wheel (x86_64-unknown-linux-musl, static)" >&2
# zstd's C code is compiled for musl by musl-tools' compiler wrapper.
export CC_x86_64_unknown_linux_musl="${CC_x86_64_unknown_linux_musl:-musl-gcc}"
"$MATURIN" build --release --locked --out "$OUT" --target x86_64-unknown-linux-musl \
    --compatibility manylinux_2_17 musllinux_1_2

echo "build-wheels.sh: Windows wheel (x86_64-pc-windows-gnu)" >&2
"$MATURIN" build --release --locked --out "$OUT" --target x86_64-pc-windows-gnu

ls -1 "$OUT"/pybundle-*.whl
