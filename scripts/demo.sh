#!/usr/bin/env bash
# The demo: stream a chat with webraft-chat, against the real WebraftAI API when
# WEBRAFT_API_KEY is set, else against the local test server.
set -euo pipefail
cd "$(dirname "$0")/.."
prompt="${1:-Tell me a short story about a lighthouse.}"
if [ -n "${WEBRAFT_API_KEY:-}" ]; then
    echo "== streaming from ${WEBRAFT_BASE_URL:-https://api.webraft.in/v2} =="
    exec build/webraft-chat ${WEBRAFT_BASE_URL:+--base-url "$WEBRAFT_BASE_URL"} --stream "$prompt"
fi
. scripts/test-server.sh
start_test_server
echo "== no WEBRAFT_API_KEY: streaming from the local test server at $WEBRAFT_TEST_URL =="
echo "-- SSE (OpenAI style, /v1):"
build/webraft-chat --base-url "$WEBRAFT_TEST_URL/v1" --api-key test-key --model slow --stream "$prompt"
echo "-- JSON lines (WebraftAI style, /v2):"
build/webraft-chat --base-url "$WEBRAFT_TEST_URL/v2" --api-key test-key --stream "$prompt"
echo "-- the same request as the final JSON:"
build/webraft-chat --base-url "$WEBRAFT_TEST_URL/v2" --api-key test-key --stream --json "$prompt"
