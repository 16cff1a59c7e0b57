#!/usr/bin/env bash
# Mutation testing of the core modules (.cargo/mutants.toml) with
# cargo-mutants: each mutant must make some test fail. Slow (every mutant
# rebuilds and runs tests), so not part of CI.
#
#   bash bench/mutants.sh --shard 0/100  # a hundredth of the core set, each
#                                        # mutant judged by the whole suite
#                                        # (about half an hour a mutant)
#   bash bench/mutants.sh --unit elf     # src/elf/, judged by its unit tests
#                                        # (`elf::`), the lib test target only
#   bash bench/mutants.sh --unit write   # src/write.rs, the same way
#   bash bench/mutants.sh --unit analyze --shard 0/4 --sharding round-robin
#   bash bench/mutants.sh --stub linux --shard 0/20 --sharding round-robin
#                                        # the stub's Linux runtime, judged by
#                                        # its unit tests and the integration
#                                        # tests that run bundles on one Python
#                                        # (a few minutes a mutant)
#   bash bench/mutants.sh --stub windows # the Windows runtime, by the wine tests
#
# Extra arguments go to `cargo mutants`. Results (caught.txt, missed.txt,
# timeout.txt, unviable.txt) land in target/mutants/<module or all>/mutants.out/;
# `--iterate` re-tests only what an earlier run there did not catch.
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
mkdir -p target/mutants
if [ "${1:-}" = --unit ]; then
    module=${2:?"--unit needs a module of src/: elf, pe, analyze, plan or write"}
    shift 2
    files="src/$module/*.rs"
    [ -d "src/$module" ] || files="src/$module.rs"
    # The same exclusions and skipped calls as .cargo/mutants.toml, whose
    # globs would otherwise be added to this one.
    exec cargo mutants --no-config --skip-calls-defaults true --skip-calls 'eprintln!,writeln!' \
        -f "$files" -e 'src/**/tests.rs' -e src/test_env.rs \
        --output "target/mutants/$module" -C --lib "$@" -- "$module::"
fi
if [ "${1:-}" = --stub ]; then
    platform=${2:?"--stub needs a platform: linux or windows"}
    shift 2
    # Each mutant rebuilds the stub into the packer (build.rs), then runs
    # the stub's unit tests and the integration tests of what a bundle
    # does at run time: on Linux with one CPython (Debian's, unless
    # PYBUNDLE_TEST_PYTHONS names others), on Windows the wine tests.
    case $platform in
        linux)
            export PYBUNDLE_TEST_PYTHONS=${PYBUNDLE_TEST_PYTHONS:-/usr/bin/python3.11}
            files=(-f 'bootloader/src/runtime/**/*.rs' -e 'bootloader/src/runtime/windows/**')
            tests=(--test behaviour --test distroless --test importer --test native_cache
                --test runtime --test security --test served_files) ;;
        windows)
            files=(-f 'bootloader/src/runtime/windows/**')
            tests=(--test windows) ;;
        *) echo "--stub: no platform $platform (linux or windows)" >&2; exit 2 ;;
    esac
    # No baseline run: cargo-mutants would run it in the stub's package
    # alone, which has no such tests (the tree is green before a run, or
    # CI would not be).
    exec cargo mutants --no-config --skip-calls-defaults true --skip-calls 'eprintln!,writeln!' \
        --workspace "${files[@]}" --test-workspace true --baseline skip --timeout 600 --build-timeout 600 \
        --output "target/mutants/stub-$platform" "$@" -- --bin pybundle-stub "${tests[@]}"
fi
exec cargo mutants --workspace --output target/mutants/all "$@"
