#!/usr/bin/env bash
# End-to-end tests of the webraft-chat example CLI against the loopback test server.
# Usage: tests/cli/run.sh [NAME_SUBSTRING ...]   (from anywhere)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
make cli
exec python3 tests/cli/test_cli.py "$@"
