#!/usr/bin/env bash
# Issue #17's memory bound: uploading a 25 MB file keeps the process's RSS growth under twice
# the file's size, from a path and from bytes in memory. Builds the release library and test
# server (unless WEBRAFT_SKIP_CARGO=1), generates a 25 MB WAV-headed file, runs
# bench/upload-rss/upload_rss.c against the test server and prints its JSON lines.
# Exit 0 only when both uploads arrive whole and stay under the bound.
#
# Usage: bench/upload-rss/run.sh [SIZE_BYTES]   (default 25000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
SIZE="${1:-25000000}"
LIBDIR="$ROOT/target/release"
OUT="$ROOT/bench/build"
if [ -z "${WEBRAFT_SKIP_CARGO:-}" ]; then
    cargo build --release --workspace
fi
mkdir -p "$OUT"
"${CC:-gcc}" -std=c11 -O2 -Wall -Wextra -Werror -Iinclude -o "$OUT/upload_rss" bench/upload-rss/upload_rss.c \
    -L"$LIBDIR" -lwebraft -Wl,-rpath,"$LIBDIR"

# shellcheck source=scripts/test-server.sh
. scripts/test-server.sh
start_test_server
WORK="$(mktemp -d)"
trap 'stop_test_server; rm -rf "$WORK"' EXIT
{ printf 'RIFF\0\0\0\0WAVE'; head -c "$((SIZE - 12))" /dev/urandom; } >"$WORK/upload.wav"
"$OUT/upload_rss" "$WEBRAFT_TEST_URL/v1" "$WORK/upload.wav"
