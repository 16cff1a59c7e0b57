#!/usr/bin/env bash
# Installs what the tests need (scripts/setup.sh), then runs the whole
# workspace's tests. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The Windows resource checks read back with pefile and run every tool that
# setup.sh installed, rather than skipping.
export PYBUNDLE_TEST_PYTHON="${PYBUNDLE_TEST_PYTHON:-$PWD/target/test-cache/pefile-venv/bin/python}"
export PYBUNDLE_REQUIRE_WINDOWS_TOOLS="${PYBUNDLE_REQUIRE_WINDOWS_TOOLS:-1}"
# A short fuzzing run (tests/fuzz.rs); README.md's "Fuzzing" gives longer ones.
export PYBUNDLE_FUZZ_ITERATIONS="${PYBUNDLE_FUZZ_ITERATIONS:-300}"
exec cargo test --workspace "$@"
