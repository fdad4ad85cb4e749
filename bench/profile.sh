#!/usr/bin/env bash
# Profiles webraft's side of one scenario, to find where a missed target's time
# goes. Uses perf sampling on the cpu-clock software event (it works on VMs
# without hardware counters); without perf, valgrind's callgrind.
# Run bench/run.sh (or --quick) first: this uses what it built.
#
# Usage: bench/profile.sh stream-sse|stream-jsonl|stream-responses|plain-async|plain-threads|open|footprint
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO="${1:-stream-sse}"
DRIVER=bench/build/webraft_bench
SERVER=bench/target/release/webraft-load-server
[ -x "$DRIVER" ] && [ -x "$SERVER" ] || { echo "profile: run bench/run.sh --quick first" >&2; exit 1; }
OUT="$(mktemp -d)"
trap 'exec 3>&-; rm -rf "$OUT"' EXIT

# The server exits when this script closes its stdin (fd 3).
exec 3> >("$SERVER" --exit-on-stdin-eof >"$OUT/port")
for _ in $(seq 100); do grep -q LISTENING "$OUT/port" 2>/dev/null && break; sleep 0.05; done
ORIGIN="http://127.0.0.1:$(awk '{print $2}' "$OUT/port")"
BODY='{"model":"bench-model","stream":true,"messages":[{"role":"user","content":"hi"}]}'

case "$SCENARIO" in
    stream-sse | stream-jsonl)
        FORMAT="${SCENARIO#stream-}"
        curl -s -o /dev/null -X POST -d "$BODY" "$ORIGIN/$FORMAT/100000/chat/completions" # render once
        ARGS=(stream "$ORIGIN/$FORMAT/100000" 100000) ;;
    stream-responses)
        curl -s -o /dev/null -X POST -d "$BODY" "$ORIGIN/sse/100000/responses" # render once
        ARGS=(responses "$ORIGIN/sse/100000" 100000) ;;
    open) ARGS=(open "$ORIGIN/sse-hold/60" 2000 "$ORIGIN/plain") ;;
    plain-async | plain-threads) ARGS=(plain "$ORIGIN/plain" 16 2 "${SCENARIO#plain-}") ;;
    footprint) ARGS=(footprint "$ORIGIN/plain") ;;
    *) echo "usage: bench/profile.sh stream-sse|stream-jsonl|stream-responses|plain-async|plain-threads|open|footprint" >&2; exit 2 ;;
esac

if command -v perf >/dev/null && perf record -e cpu-clock -o "$OUT/probe" -- true 2>/dev/null; then
    perf record -q -e cpu-clock -F 4000 --call-graph dwarf,16384 -o "$OUT/perf.data" -- "$DRIVER" "${ARGS[@]}"
    set +o pipefail # `head` ends the reports early
    echo "== where the CPU goes, own time (top 25)"
    perf report -i "$OUT/perf.data" --stdio --no-children --sort dso,symbol 2>/dev/null |
        grep -E '^ +[0-9.]+%' | head -25 | cut -c1-150
    echo "== webraft frames and JSON, including callees"
    perf report -i "$OUT/perf.data" --stdio --children --sort symbol 2>/dev/null | grep -E '^ +[0-9.]+%' |
        grep -E 'webraft::|webraft_|Value>::deserialize|drop_in_place<serde_json|load_native_certs|url::parser::Parser::parse_url' |
        head -25 | cut -c1-150
else
    # Instruction counts under valgrind: slower, so a smaller stream.
    [ "${ARGS[0]}" = stream ] && ARGS=(stream "${ARGS[1]%/100000}/10000" 10000)
    valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" "$DRIVER" "${ARGS[@]}"
    callgrind_annotate --inclusive=yes "$OUT/callgrind.out" | head -40
fi
