#!/usr/bin/env bash
# Build and run the C ABI test suite (tests/c/test_capi) twice against the
# loopback test server:
#   1. with AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer),
#   2. without sanitizers under valgrind memcheck (WEBRAFT_TEST_SLOW=1 relaxes
#      the strict timing checks for valgrind's slowdown),
# each followed by the concurrency stress program (tests/c/stress.c).
# Exits non-zero if any step fails. Works from any directory.
#
# Environment: CC (default gcc), WEBRAFT_C_TESTS (test-name substrings to run,
# space-separated; default all), SKIP_VALGRIND=1 / SKIP_ASAN=1 to skip a mode.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT="$PWD"
CC="${CC:-gcc}"
OUT="$ROOT/tests/c/build"
SRCS=(tests/c/test_capi.c tests/c/test_basic.c tests/c/test_chat.c tests/c/test_async.c tests/c/test_conversation.c tests/c/test_responses.c
    tests/c/test_mock.c tests/c/test_media.c tests/c/test_stuck.c)
LIBDIR="$ROOT/target/release"
# shellcheck disable=SC2206
FILTER=(${WEBRAFT_C_TESTS:-})
failed=0

step() { printf '\n=== %s ===\n' "$*"; }

step "build the library and the test server (cargo build --release --workspace)"
if [ -n "${WEBRAFT_SKIP_CARGO:-}" ] && [ -f "$LIBDIR/libwebraft.so" ] && [ -x "$LIBDIR/webraft-test-server" ]; then
    echo "skipped (WEBRAFT_SKIP_CARGO set)"
else
    cargo build --release --workspace
fi

step "start the test server"
# shellcheck source=scripts/test-server.sh
. scripts/test-server.sh
start_test_server
echo "WEBRAFT_TEST_URL=$WEBRAFT_TEST_URL"
# test_mock.c starts its own webraft-mock (this build's) through webraft_mock.h.
export WEBRAFT_MOCK_BIN="$LIBDIR/webraft-mock"

mkdir -p "$OUT"
COMMON=(-std=c11 -Wall -Wextra -Werror -pedantic -g -Iinclude)
LINK=(-L"$LIBDIR" -lwebraft -Wl,-rpath,"$LIBDIR" -lpthread)

run_mode() { # name, then the command
    local name="$1"
    shift
    local start=$SECONDS status=0
    "$@" || status=$?
    echo "--- $name: exit $status in $((SECONDS - start)) s"
    if [ "$status" -ne 0 ]; then
        echo "*** $name FAILED (exit $status)"
        failed=1
    fi
}

if [ -z "${SKIP_ASAN:-}" ]; then
    step "build test_capi with ASan/UBSan"
    "$CC" "${COMMON[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer \
        -o "$OUT/test_capi_asan" "${SRCS[@]}" "${LINK[@]}"

    step "run test_capi under ASan/UBSan/LSan"
    run_mode "ASan/UBSan run" env \
        ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
        "$OUT/test_capi_asan" "${FILTER[@]}"
    step "concurrency stress under ASan/UBSan (8 threads x 500 mixed operations)"
    "$CC" "${COMMON[@]}" -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
        -o "$OUT/stress_asan" tests/c/stress.c "${LINK[@]}"
    run_mode "stress run" env \
        ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="halt_on_error=1" \
        STRESS_THREADS=8 STRESS_OPS=500 STRESS_WATCHDOG_S=240 "$OUT/stress_asan"
fi

if [ -z "${SKIP_VALGRIND:-}" ]; then
    step "build test_capi without sanitizers (-O1 -g)"
    "$CC" "${COMMON[@]}" -O1 -o "$OUT/test_capi" "${SRCS[@]}" "${LINK[@]}"

    step "run test_capi under valgrind"
    if ! command -v valgrind >/dev/null 2>&1; then
        echo "valgrind not found; installing it"
        apt-get update
        apt-get install -y --no-install-recommends valgrind
    fi
    run_mode "valgrind run" env WEBRAFT_TEST_SLOW=1 \
        valgrind --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
        "$OUT/test_capi" "${FILTER[@]}"
    step "concurrency stress under valgrind (4 threads x 40 mixed operations)"
    "$CC" "${COMMON[@]}" -O1 -o "$OUT/stress" tests/c/stress.c "${LINK[@]}"
    run_mode "stress valgrind run" env STRESS_THREADS=4 STRESS_OPS=40 STRESS_WATCHDOG_S=240 \
        valgrind --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
        "$OUT/stress"
fi

step "summary"
if [ "$failed" -ne 0 ]; then
    echo "C ABI tests FAILED"
    exit 1
fi
echo "C ABI tests passed"
