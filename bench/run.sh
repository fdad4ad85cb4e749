#!/usr/bin/env bash
# `make bench`: builds the library, the load server and every client in release
# mode, runs all scenarios side by side, writes bench/results/results.json and
# regenerates the benchmark block of BENCHMARKS.md.
#
# Usage: bench/run.sh [--quick]
#   --quick  a smoke run (~1-2 min after the builds): smaller sizes, fewer rounds,
#            binding benchmarks quoted instead of rerun. It writes
#            bench/results/quick.json and bench/results/quick.md and leaves
#            results.json and BENCHMARKS.md alone.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BENCH="$ROOT/bench"
BUILD="$BENCH/build"
MODE=full
case "${1:-}" in
    "") ;;
    --quick) MODE=quick ;;
    *) echo "usage: bench/run.sh [--quick]" >&2; exit 2 ;;
esac

say() { echo "[bench $(date +%H:%M:%S)] $*"; }

apt_updated=0
need() { # need COMMAND DEBIAN_PACKAGE
    command -v "$1" >/dev/null && return
    if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2"
}
need curl curl
need gcc gcc
need g++ g++
need strip binutils
need python3 python3
command -v cargo >/dev/null || { echo "bench: cargo (Rust) is required" >&2; exit 1; }
command -v go >/dev/null || { echo "bench: Go 1.22 or newer is required (https://go.dev/dl)" >&2; exit 1; }

# 10,000 held streams need 10,000 sockets in the client and as many in the server.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$MODE" = full ] && [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 10100 ]; then
    echo "bench: the open-files limit is $(ulimit -n); 10,000 streams need about 10,100 (raise the hard limit)" >&2
    exit 1
fi

say "building libwebraft (release)"
nice -n 10 cargo build --release --workspace
say "building the load server and the reqwest baseline (release)"
# bench/Cargo.lock started as a copy of the library's, so both use the same reqwest and tokio.
[ -f "$BENCH/Cargo.lock" ] || cp "$ROOT/Cargo.lock" "$BENCH/Cargo.lock"
(cd "$BENCH" && nice -n 10 cargo build --release)

say "building the C driver, the C++ overhead bench and the Go baseline"
mkdir -p "$BUILD"
LIB="$ROOT/target/release"
gcc -std=c11 -O2 -Wall -Wextra -Werror -pedantic -Iinclude -o "$BUILD/webraft_bench" "$BENCH/c/webraft_bench.c" \
    -L"$LIB" -lwebraft -Wl,-rpath,"$LIB" -lpthread
g++ -std=c++17 -O2 -Wall -Wextra -Werror -Iinclude -Ibindings/cpp -o "$BUILD/chunk_overhead" \
    "$BENCH/cpp/chunk_overhead.cpp" -L"$LIB" -lwebraft -Wl,-rpath,"$LIB"
(cd "$BENCH/go-baseline" && GOTOOLCHAIN=local go build -ldflags="-s -w" -o "$BUILD/go-baseline" .)

if ! "$BENCH/.venv/bin/python" -c "import openai" 2>/dev/null; then
    say "creating bench/.venv with the openai package"
    python3 -m venv "$BENCH/.venv" || { need python3-venv python3-venv; python3 -m venv "$BENCH/.venv"; }
    "$BENCH/.venv/bin/pip" install -q --disable-pip-version-check openai
fi

if [ "$MODE" = quick ]; then
    python3 "$BENCH/runner.py" --quick --out "$BENCH/results/quick.json"
    python3 "$BENCH/report.py" "$BENCH/results/quick.json" "$BENCH/results/quick.md"
else
    python3 "$BENCH/runner.py" --out "$BENCH/results/results.json"
    python3 "$BENCH/report.py" "$BENCH/results/results.json" "$ROOT/BENCHMARKS.md"
fi
