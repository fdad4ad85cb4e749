#!/usr/bin/env bash
# Soak test: 200,000 mixed requests through one client over the C ABI,
# sampling memory and descriptors every 10,000 (see tools/reliability/soak.c).
# Environment: SOAK_REQUESTS (200000), SOAK_THREADS (16), SOAK_ROUND (10000),
# SOAK_WARMUP (20000), SOAK_RSS_PERCENT (10), SOAK_FD_SLACK (threads),
# SOAK_DEADLINE_S (900). Exit status: that of the soak program.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tools/reliability/common.sh
. tools/reliability/common.sh

build_program soak
describe_machine
# shellcheck source=scripts/test-server.sh
. scripts/test-server.sh
start_test_server
build/reliability/soak
