# Sourced by the test scripts: start the loopback test server and export its URL.
# Usage: . scripts/test-server.sh   (sets WEBRAFT_TEST_PORT, WEBRAFT_TEST_URL; stops it on exit)

start_test_server() {
    local bin="${WEBRAFT_TEST_SERVER_BIN:-target/release/webraft-test-server}"
    local fifo
    fifo="$(mktemp -u)"
    mkfifo "$fifo"
    "$bin" --port 0 >"$fifo" &
    WEBRAFT_TEST_SERVER_PID=$!
    local line
    read -r line <"$fifo"
    rm -f "$fifo"
    case "$line" in
        "LISTENING "*) WEBRAFT_TEST_PORT="${line#LISTENING }" ;;
        *) echo "test server did not start: $line" >&2; return 1 ;;
    esac
    export WEBRAFT_TEST_PORT
    export WEBRAFT_TEST_URL="http://127.0.0.1:$WEBRAFT_TEST_PORT"
    trap stop_test_server EXIT
}

stop_test_server() {
    if [ -n "${WEBRAFT_TEST_SERVER_PID:-}" ]; then
        kill "$WEBRAFT_TEST_SERVER_PID" 2>/dev/null || true
        wait "$WEBRAFT_TEST_SERVER_PID" 2>/dev/null || true
        WEBRAFT_TEST_SERVER_PID=
    fi
}
