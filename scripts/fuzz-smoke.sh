#!/usr/bin/env bash
# Short fuzz run of the stream decoder + accumulator (fuzz/fuzz_targets/stream_decode.rs).
#
# Uses rustup's nightly toolchain when present, else the default one: the smoke
# build has no sanitizer (-s none), which needs no nightly flags. It is an
# unoptimized build (--dev), which compiles in a fraction of the time of the
# ASan release build the README's 10-minute run uses. Installs cargo-fuzz if
# missing. Skips (exit 0) without cargo or a C++ compiler (libFuzzer is C++).
# The whole script keeps within FUZZ_SMOKE_BUDGET seconds (default 200):
# fuzzing gets what install and build leave, at most FUZZ_SMOKE_SECONDS
# (default 60) and at least 20.
# Exit status: 0 passed or skipped, 1 crash, build failure or dependency drift.
set -uo pipefail
cd "$(dirname "$0")/.."

budget=${FUZZ_SMOKE_BUDGET:-200}
max_seconds=${FUZZ_SMOKE_SECONDS:-60}
target=stream_decode
build_flags=(--dev --sanitizer none)

skip() {
    echo "fuzz smoke skipped: $1"
    echo "fuzz: 0 passed, 0 failed, 1 skipped"
    exit 0
}

fail() {
    echo "fuzz smoke FAILED: $1"
    echo "fuzz: 0 passed, 1 failed"
    exit 1
}

command -v cargo >/dev/null || skip "cargo is not installed"
command -v c++ >/dev/null || skip "no C++ compiler (c++) to build libFuzzer"

# The target compiles src/error.rs and src/stream/ itself, so their
# dependencies must be declared as the library declares them.
for dep in serde serde_json thiserror; do
    ours=$(grep "^$dep = " fuzz/Cargo.toml)
    theirs=$(grep "^$dep = " Cargo.toml)
    [[ "$ours" == "$theirs" ]] ||
        fail "fuzz/Cargo.toml has '$ours' but Cargo.toml has '$theirs'; make them match"
done

toolchain=""  # expanded unquoted below: empty means the default toolchain
if cargo +nightly --version >/dev/null 2>&1; then
    toolchain=+nightly
fi
echo "toolchain: $(cargo $toolchain --version)"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install cargo-fuzz --locked --quiet || fail "cargo install cargo-fuzz"
fi

nice -n 10 cargo $toolchain fuzz build "${build_flags[@]}" "$target" ||
    fail "building the fuzz target"

seconds=$((budget - SECONDS))
((seconds > max_seconds)) && seconds=$max_seconds
((seconds < 20)) && seconds=20
echo "fuzzing $target for $seconds s (install and build took $SECONDS s)"

# New inputs go to a scratch directory; the committed seeds are only read.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
log="$scratch/fuzz.log"
nice -n 10 cargo $toolchain fuzz run "${build_flags[@]}" "$target" \
    "$scratch" "fuzz/corpus/$target" -- \
    -dict=fuzz/stream.dict -max_len=2048 -max_total_time="$seconds" -print_final_stats=1 \
    >"$log" 2>&1
status=$?

grep -E '^#[0-9]+ +DONE|^stat::number_of_executed_units|^stat::peak_rss_mb' "$log"
if ((status != 0)); then
    # The panic or sanitizer report, and cargo-fuzz's reproduce command.
    grep -A4 -E 'panicked at|ERROR: (libFuzzer|AddressSanitizer)' "$log" | grep -vE '^ +(at|[0-9]+:) '
    grep -A2 '^Reproduce with' "$log"
    # libFuzzer names the saved input on a line "... Test unit written to <path>".
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    if [[ -n "$artifact" && -f "$artifact" ]]; then
        echo "crash input ($artifact), hex:"
        od -An -tx1 -v "$artifact" | tr -d ' \n'
        echo
    fi
    fail "the fuzz target failed (exit $status)"
fi
echo "fuzz smoke finished in $SECONDS s"
echo "fuzz: 1 passed, 0 failed"
