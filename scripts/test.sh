#!/usr/bin/env bash
# Installs what the tests need (scripts/setup.sh), then runs the whole
# workspace's tests. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec cargo test --workspace "$@"
