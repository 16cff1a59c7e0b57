#!/usr/bin/env bash
# Installs what the tests need (scripts/setup.sh), then runs the whole
# workspace's tests. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Every test runs or fails: a missing tool, interpreter or download fails the
# test that needs it, naming it (src/test_env.rs). Without this (a plain
# `cargo test`) such a test prints "SKIPPED: ..." and passes.
export PYBUNDLE_REQUIRE_ALL="${PYBUNDLE_REQUIRE_ALL:-1}"
# A short fuzzing run (tests/fuzz.rs); README.md's "Fuzzing" gives longer ones.
export PYBUNDLE_FUZZ_ITERATIONS="${PYBUNDLE_FUZZ_ITERATIONS:-300}"
exec cargo test --workspace --no-fail-fast "$@"
