#!/usr/bin/env bash
# Load test: 10,000 concurrent trickled streams through one client over the C
# ABI, against the loopback test server (see tools/reliability/load.c).
# Environment: LOAD_STREAMS (10000), LOAD_MODEL (trickle-50), LOAD_WORDS (20),
# LOAD_DEADLINE_S (300). Exit status: that of the load program.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tools/reliability/common.sh
. tools/reliability/common.sh

streams="${LOAD_STREAMS:-10000}"
# One socket per stream in this process and one in the server, plus a margin.
need=$((streams + 256))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
    hard="$(ulimit -Hn)"
    if [ "$hard" != unlimited ] && [ "$hard" -lt "$need" ]; then
        echo "load: needs $need open files for $streams streams, but the hard limit is $hard;" \
            "raise it (as root: ulimit -Hn $need) or set LOAD_STREAMS lower" >&2
        exit 2
    fi
    ulimit -n "$need"
fi
echo "== open-file limit $(ulimit -n) (hard $(ulimit -Hn))"
read -r port_low port_high </proc/sys/net/ipv4/ip_local_port_range
if [ $((port_high - port_low + 1)) -lt "$streams" ]; then
    echo "load: only $((port_high - port_low + 1)) ephemeral ports for $streams connections" >&2
    exit 2
fi

build_program load
describe_machine
# shellcheck source=scripts/test-server.sh
. scripts/test-server.sh
start_test_server
WEBRAFT_TEST_SERVER_PID="$WEBRAFT_TEST_SERVER_PID" build/reliability/load
