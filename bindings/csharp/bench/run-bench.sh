#!/usr/bin/env bash
# Measures the per-chunk cost of the C# layer on Mono against a C callback, two ways.
#  1. Callback loop (the figure that answers "what does C# add per chunk"): callback_loop.c
#     calls a chunk callback CALLS times on a native thread with a real 256-byte chunk, for C
#     callbacks and for the binding's own callback; no network or stream parsing in the way.
#  2. End to end: big-chunks-N streamed from the loopback test server, C (bench_raw.c) and C#
#     (Bench.cs) runs alternating. Wall time also counts the server and other processes, so on
#     a shared machine the process-CPU figures are the ones to read, with their range.
# Each mode runs RUNS times; medians are reported.
# Usage: bindings/csharp/bench/run-bench.sh [CALLS=2000000] [CHUNKS=200000] [RUNS=7]
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT="$PWD"
BENCH="$ROOT/bindings/csharp/bench"
OUT="$ROOT/bindings/csharp/build/bench"
LIBDIR="$ROOT/target/release"
CALLS="${1:-2000000}"
CHUNKS="${2:-200000}"
RUNS="${3:-7}"

if ! command -v mcs >/dev/null || ! command -v mono >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mono-mcs mono-runtime
fi
cargo build --release --workspace
mkdir -p "$OUT"
C_FLAGS=(-std=c11 -O2 -Wall -Wextra -Iinclude)
C_LINK=(-L"$LIBDIR" -lwebraft -Wl,-rpath,"$LIBDIR")
gcc "${C_FLAGS[@]}" -D_POSIX_C_SOURCE=200809L -o "$OUT/bench_raw" "$BENCH/bench_raw.c" "${C_LINK[@]}"
gcc "${C_FLAGS[@]}" -shared -fPIC -o "$OUT/libcallbackloop.so" "$BENCH/callback_loop.c" "${C_LINK[@]}" -lpthread
mcs -langversion:7.2 -nologo -optimize+ -target:library -out:"$OUT/Webraft.dll" bindings/csharp/src/*.cs
mcs -langversion:7.2 -nologo -optimize+ -out:"$OUT/Bench.exe" -r:"$OUT/Webraft.dll" "$BENCH/Bench.cs"
export LD_LIBRARY_PATH="$LIBDIR:$OUT"

echo "mono: $(mono --version | head -n 1)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

: >"$OUT/loop.txt"
for _ in $(seq "$RUNS"); do
    mono "$OUT/Bench.exe" loop "$CALLS" >>"$OUT/loop.txt"
done

# shellcheck source=scripts/test-server.sh
. scripts/test-server.sh
start_test_server
: >"$OUT/raw.txt"
: >"$OUT/cs.txt"
for _ in $(seq "$RUNS"); do
    "$OUT/bench_raw" "$WEBRAFT_TEST_URL/v1" "$CHUNKS" 1 >>"$OUT/raw.txt"
    mono "$OUT/Bench.exe" stream "$WEBRAFT_TEST_URL/v1" "$CHUNKS" >>"$OUT/cs.txt"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$OUT/loop.txt" "$OUT/raw.txt" "$OUT/cs.txt" "$CALLS" "$RUNS" <<'PY'
import re, statistics, sys

def medians(paths, pattern):
    runs = {}
    for path in paths:
        for line in open(path):
            m = re.match(pattern, line)
            if m:
                runs.setdefault(m[1], []).append((float(m[3]), float(m[4])))
    return {mode: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs),
                   min(r[1] for r in rs), max(r[1] for r in rs)) for mode, rs in runs.items()}

loop_path, raw_path, cs_path, calls, runs = sys.argv[1:]
baseline = {"pinvoke-count": "c-count", "binding-count": "c-count", "binding-text": "c-text",
            "stream-count": "c-count", "stream-text": "c-text", "poll-text": "c-text"}

print(f"\n1. callback loop: ns per call, median of {runs} runs of {calls} calls")
loop = medians([loop_path], r"(\S+) calls=(\d+) wall_ns=([\d.]+) cpu_ns=([\d.]+)")
print(f"{'mode':<14} {'wall ns':>8} {'cpu ns':>8} {'cpu range':>12} {'vs':>8} {'+cpu us/chunk':>14}")
for mode in ["c-count", "c-text", "pinvoke-count", "binding-count", "binding-text"]:
    wall, cpu, low, high = loop[mode]
    line = f"{mode:<14} {wall:>8.1f} {cpu:>8.1f} {f'{low:.0f}-{high:.0f}':>12}"
    if mode in baseline:
        line += f" {baseline[mode]:>8} {(cpu - loop[baseline[mode]][1]) / 1e3:>14.3f}"
    print(line)

print(f"\n2. end to end: big-chunks stream, ms per run, median of {runs} runs")
stream = medians([raw_path, cs_path], r"(\S+) chunks=(\d+) wall_ms=([\d.]+) cpu_ms=([\d.]+)")
chunks = int(re.search(r"chunks=(\d+)", open(raw_path).readline())[1])
print(f"{'mode':<14} {'wall ms':>8} {'cpu ms':>8} {'cpu range':>12} {'vs':>8} {'+wall us/chunk':>15} {'+cpu us/chunk':>14}")
for mode in ["c-count", "c-text", "pinvoke-count", "stream-count", "stream-text", "poll-text"]:
    wall, cpu, low, high = stream[mode]
    line = f"{mode:<14} {wall:>8.0f} {cpu:>8.0f} {f'{low:.0f}-{high:.0f}':>12}"
    if mode in baseline:
        bwall, bcpu = stream[baseline[mode]][:2]
        line += f" {baseline[mode]:>8} {(wall - bwall) * 1e3 / chunks:>15.2f} {(cpu - bcpu) * 1e3 / chunks:>14.2f}"
    print(line)
print(f"(chunks per run: {chunks})")
PY
