#!/usr/bin/env bash
# Mutation testing of the core modules (.cargo/mutants.toml) with
# cargo-mutants: each mutant must make some test fail. Slow (every mutant
# rebuilds and runs the suite), so not part of CI.
#
#   bash bench/mutants.sh              # every core module, the whole suite
#   bash bench/mutants.sh --no-config --file src/pe/checksum.rs -- --lib
#                                      # one file, its crate's unit tests
#
# Extra arguments go to `cargo mutants`. Results (caught.txt, missed.txt,
# timeout.txt, unviable.txt) land in target/mutants/mutants.out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants
# As in CI: a test that would skip for want of a tool fails, so no mutant
# survives because its test did not run.
export PYBUNDLE_REQUIRE_ALL=1
# The mutants build in copies of the tree; their tests use this checkout's
# test cache (roots, venvs, embeddable Pythons that setup.sh fetched).
export PYBUNDLE_TEST_CACHE="$PWD/target/test-cache"
exec cargo mutants --workspace --output target/mutants "$@"
