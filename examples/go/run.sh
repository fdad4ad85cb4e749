#!/usr/bin/env bash
# Stream a chat with the Go example: from the real WebraftAI API when
# WEBRAFT_API_KEY is set (WEBRAFT_BASE_URL picks another endpoint), else from
# the local test server. Needs `cargo build --release --workspace` first.
set -euo pipefail
cd "$(dirname "$0")/../.."
prompt="${1:-Tell me a short story about a lighthouse.}"
bin_dir="$(mktemp -d)"
trap 'rm -rf "$bin_dir"' EXIT
( cd examples/go && CGO_ENABLED=1 go build -o "$bin_dir/webraft-go-chat" . )
if [ -n "${WEBRAFT_API_KEY:-}" ]; then
    "$bin_dir/webraft-go-chat" "$prompt"
    exit
fi
. scripts/test-server.sh
start_test_server
trap 'stop_test_server; rm -rf "$bin_dir"' EXIT
echo "== no WEBRAFT_API_KEY: streaming from the local test server at $WEBRAFT_TEST_URL =="
WEBRAFT_API_KEY=test-key "$bin_dir/webraft-go-chat" -base-url "$WEBRAFT_TEST_URL/v1" -model slow "$prompt"
