# Shared by tests/packaging/run.sh and tests/packaging/release.sh (sourced from the repository
# root, with WORK set): counting checks, the tools they need, and the consumer projects.
# The caller starts the test server (scripts/test-server.sh) before the consumer checks.

LOGS="$WORK/logs"
mkdir -p "$LOGS"
passed=0
failed=0

# check NAME COMMAND...: runs the command with its output in a log; shows the log on failure.
check() {
    local name="$1" log="$LOGS/$((passed + failed)).log"
    shift
    if "$@" >"$log" 2>&1; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
        sed 's/^/     | /' "$log" | tail -n 40
    fi
}

# check_suite NAME COMMAND...: runs a test program that ends with `N passed, N failed`
# and adds its counts; a crash or a missing summary counts as one more failure.
check_suite() {
    local name="$1" log="$LOGS/suite-$((passed + failed)).log" status=0 summary
    shift
    "$@" >"$log" 2>&1 || status=$?
    summary="$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' "$log" | tail -n 1)"
    if [ -n "$summary" ]; then
        passed=$((passed + ${summary% *}))
        failed=$((failed + ${summary#* }))
    fi
    if [ "$status" -eq 0 ] && [ -n "$summary" ] && [ "${summary#* }" -eq 0 ]; then
        echo "ok   $name: ${summary% *} tests"
        return
    fi
    [ -n "$summary" ] && [ "${summary#* }" -gt 0 ] || failed=$((failed + 1))
    echo "FAIL $name (exit $status)"
    grep -v '^ok ' "$log" | sed 's/^/     | /' | tail -n 40
}

# need_packages COMMAND:PACKAGE...: installs with apt-get the packages whose command is missing.
need_packages() {
    local pair missing=()
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
    done
    [ "${#missing[@]}" -gt 0 ] || return 0
    echo "installing ${missing[*]}"
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

# The end of the summary: prints the counts and returns non-zero if any check failed.
summary() {
    echo
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

header_value() { sed -n "s/^#define $1 \"\{0,1\}\([^\"]*\)\"\{0,1\}$/\1/p" include/webraft.h; }
ABI="$(header_value WEBRAFT_ABI_VERSION)"
VERSION="$(header_value WEBRAFT_VERSION)"

# needs_lib PROGRAM LIBRARY: the program loads exactly this libwebraft name.
needs_lib() { readelf -d "$1" | grep -q "NEEDED.*\[$2\]"; }
has_no_libwebraft() { ! readelf -d "$1" | grep -q 'NEEDED.*libwebraft'; }
# Starts the loopback test server; on exit, stops it and removes WORK (kept with WEBRAFT_PACKAGING_KEEP=1).
serve_until_exit() {
    # shellcheck source=scripts/test-server.sh
    . scripts/test-server.sh
    start_test_server || return 1
    trap 'stop_test_server; if [ -n "${WEBRAFT_PACKAGING_KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi' EXIT
}

# Runs a program as a user would: no LD_LIBRARY_PATH, so it finds the library by itself or not at all.
run_plain() { env -u LD_LIBRARY_PATH "$@"; }

# cmake_build DIR CMAKE_ARGS...: configures (output also in DIR/configure.log) and builds DIR
# into DIR/build. The callers set pipefail, so a failed configure fails here.
cmake_build() {
    local dir="$1"
    shift
    cmake -S "$dir" -B "$dir/build" "$@" | tee "$dir/configure.log" && nice -n 10 cmake --build "$dir/build"
}

# check_cmake_consumer LABEL NEEDED CMAKE_ARGS...: builds a copy of tests/packaging/cmake_consumer
# with these arguments, and runs its shared (which must load NEEDED) and static programs against
# the test server.
check_cmake_consumer() {
    local label="$1" needed="$2" dir="$WORK/$1/cmake_consumer"
    shift 2
    mkdir -p "$WORK/$label" && cp -r tests/packaging/cmake_consumer "$dir"
    check "$label: CMake consumer builds (webraft::webraft, webraft::webraft_static)" cmake_build "$dir" "$@"
    check "$label: CMake consumer, webraft::webraft, runs" run_plain "$dir/build/consumer_shared" "$WEBRAFT_TEST_URL/v1"
    check "$label: CMake consumer loads $needed" needs_lib "$dir/build/consumer_shared" "$needed"
    check "$label: CMake consumer, webraft::webraft_static, runs" run_plain "$dir/build/consumer_static" "$WEBRAFT_TEST_URL/v2"
    check "$label: static CMake consumer needs no libwebraft.so" has_no_libwebraft "$dir/build/consumer_static"
}

# check_pkgconfig_consumer LABEL: builds a copy of tests/packaging/pkgconfig_consumer with the
# caller's pkg-config (PKG_CONFIG_PATH) and runs it, shared and static, against the test server.
check_pkgconfig_consumer() {
    local label="$1" dir="$WORK/$1/pkgconfig_consumer"
    mkdir -p "$WORK/$label" && cp -r tests/packaging/pkgconfig_consumer "$dir"
    check "$label: pkg-config consumer builds (2 C++ + 1 C translation units, shared and static)" \
        nice -n 10 make -C "$dir"
    check "$label: pkg-config consumer runs" run_plain "$dir/consumer" "$WEBRAFT_TEST_URL/v1"
    check "$label: pkg-config consumer loads libwebraft.so.$ABI" needs_lib "$dir/consumer" "libwebraft.so.$ABI"
    check "$label: static pkg-config consumer runs" run_plain "$dir/consumer_static" "$WEBRAFT_TEST_URL/freeapi"
    check "$label: static pkg-config consumer needs no libwebraft.so" has_no_libwebraft "$dir/consumer_static"
}
