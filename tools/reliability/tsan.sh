#!/usr/bin/env bash
# ThreadSanitizer runs, both built with nightly -Zsanitizer=thread -Zbuild-std
# (TSan only works when std itself is instrumented) into their own target
# directory (default /tmp/tsan-target), so the normal build is not invalidated:
#   1. the Rust integration tests tests/chat.rs and tests/resilience.rs;
#   2. the C concurrency stress program tests/c/stress.c (8 threads x 500 mixed
#      operations on one client) against the instrumented libwebraft.so.
# Slow: a cold build takes about 10 minutes on 2 cores, the runs about 2.
#
# Environment: CARGO_TARGET_DIR (default /tmp/tsan-target), TSAN_TEST_THREADS
# (default 2), TSAN_LOG_DIR (default /tmp/tsan-logs), TSAN_SUPPRESS=0 (report
# the known false positives too), STRESS_THREADS / STRESS_OPS (default 8 / 500).
# Arguments go to the Rust test harness (e.g. a test-name filter).
# Any unsuppressed TSan warning makes the run exit 66 (TSan's exitcode), so the
# step fails. Ends with "N passed, N failed" over the two steps.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT="$PWD"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/tsan-target}"
logs="${TSAN_LOG_DIR:-/tmp/tsan-logs}"
mkdir -p "$logs"
target=x86_64-unknown-linux-gnu

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "tsan: the nightly toolchain is not installed (rustup toolchain install nightly --component rust-src)" >&2
    exit 2
fi
if ! rustup +nightly component list --installed | grep -q '^rust-src'; then
    echo "tsan: rust-src for nightly is missing (rustup +nightly component add rust-src)" >&2
    exit 2
fi

export RUSTFLAGS="-Zsanitizer=thread"
export RUSTDOCFLAGS="-Zsanitizer=thread"
# Known false positives are suppressed (each is explained in tsan.supp);
# TSAN_SUPPRESS=0 shows everything.
options="second_deadlock_stack=1 history_size=4 print_suppressions=1"
if [ "${TSAN_SUPPRESS:-1}" != 0 ]; then
    options="$options suppressions=$ROOT/tools/reliability/tsan.supp"
fi
export TSAN_OPTIONS="${TSAN_OPTIONS:-$options}"

passed=0
failed=0
report() { # step name, exit status, log
    local warnings
    warnings=$(grep -c '^WARNING: ThreadSanitizer' "$3" || true)
    echo "tsan: $1: exit $2, unsuppressed warnings $warnings, suppressed (count, rule):"
    grep -E '^ *[0-9]+ (race|thread):' "$3" | sed 's/^/    /' || echo "    none"
    if [ "$2" -eq 0 ] && [ "$warnings" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

echo "== 1. Rust integration tests under TSan"
start=$SECONDS
set +e
nice -n 10 cargo +nightly test -Zbuild-std --target "$target" --no-fail-fast \
    --test chat --test resilience -- --test-threads="${TSAN_TEST_THREADS:-2}" "$@" \
    2>&1 | tee "$logs/rust-tests.log"
status=${PIPESTATUS[0]}
set -e
grep -E '^test result:' "$logs/rust-tests.log" || true
echo "tsan: Rust tests took $((SECONDS - start)) s"
report "Rust integration tests" "$status" "$logs/rust-tests.log"

echo "== 2. C stress program under TSan"
start=$SECONDS
# The server itself is the ordinary release build.
env -u RUSTFLAGS -u RUSTDOCFLAGS -u CARGO_TARGET_DIR nice -n 10 cargo build --release -p webraft-test-server
# Step 1 built the instrumented libwebraft.so. (A separate `cargo build --lib`
# would rebuild every crate: without the dev-dependencies, tokio's features differ.)
lib_dir="$CARGO_TARGET_DIR/$target/debug/deps"
if [ ! -f "$lib_dir/libwebraft.so" ]; then
    echo "tsan: $lib_dir/libwebraft.so is missing: step 1 did not build the library" >&2
    exit 1
fi
# gcc's own libtsan is older than the rustc-built library's instrumentation
# (it lacks __tsan_memcpy and friends), so the program links the TSan runtime
# that ships with nightly rustc, whole, and exports it to the library.
runtime="$(rustc +nightly --print sysroot)/lib/rustlib/$target/lib/librustc-nightly_rt.tsan.a"
gcc -std=c11 -g -O1 -fsanitize=thread -Iinclude -c -o "$logs/stress.o" tests/c/stress.c
gcc -o "$logs/stress_tsan" "$logs/stress.o" -rdynamic \
    -Wl,--whole-archive "$runtime" -Wl,--no-whole-archive \
    -L"$lib_dir" -lwebraft -Wl,-rpath,"$lib_dir" -lpthread -ldl -lm -lrt -lstdc++
# shellcheck source=scripts/test-server.sh
. scripts/test-server.sh
start_test_server
set +e
STRESS_THREADS="${STRESS_THREADS:-8}" STRESS_OPS="${STRESS_OPS:-500}" STRESS_WATCHDOG_S=600 \
    nice -n 10 "$logs/stress_tsan" 2>&1 | tee "$logs/stress.log"
status=${PIPESTATUS[0]}
set -e
stop_test_server
echo "tsan: C stress took $((SECONDS - start)) s"
report "C stress program" "$status" "$logs/stress.log"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
