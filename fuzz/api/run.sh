#!/usr/bin/env bash
# Build the API fuzz targets and run them all at once for SECONDS each
# (default 600; -max_len=4096, else libFuzzer caps inputs at the longest seed),
# then print one summary line per target and a closing tally.
# Usage: fuzz/api/run.sh [SECONDS]
set -u
seconds=${1:-600}
cd "$(dirname "$0")"
targets=(config_json request_json image_part ffi_entry)
if ! cargo +nightly fuzz --help >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked || exit 1
fi
nice -n 10 cargo +nightly fuzz build --fuzz-dir . || exit 1
mkdir -p logs
pids=()
for t in "${targets[@]}"; do
    mkdir -p "corpus-run/$t" "artifacts/$t"
    # Seeds stay as committed; new inputs go to corpus-run/.
    nice -n 10 cargo +nightly fuzz run --fuzz-dir . "$t" "corpus-run/$t" "corpus/$t" -- \
        -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 \
        >"logs/$t.log" 2>&1 &
    pids+=($!)
done
passed=0 failed=0
for i in "${!targets[@]}"; do
    t=${targets[$i]}
    if wait "${pids[$i]}"; then passed=$((passed + 1)); result=ok; else failed=$((failed + 1)); result=CRASH; fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' "logs/$t.log" | tail -1)
    echo "$t: $result, ${runs:-?} executions, ${cov:-cov: ?} (log: fuzz/api/logs/$t.log)"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
