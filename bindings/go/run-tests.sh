#!/usr/bin/env bash
# Go binding suite: build the library and test server, vet, run the Go tests
# with the race detector (once normally, once in GC-stress mode), and run the
# streaming example against the test server. Ends with "N passed, N failed",
# counting top-level Go tests of both runs plus the example checks.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

if ! command -v go >/dev/null 2>&1; then
    echo "go is not installed (Go 1.24 or newer is needed)"
    echo "0 passed, 1 failed"
    exit 1
fi
if ! command -v gcc >/dev/null 2>&1; then
    apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev
fi
export CGO_ENABLED=1

echo "== cargo build --release --workspace"
if ! nice -n 10 cargo build --release --workspace; then
    echo "0 passed, 1 failed"
    exit 1
fi

passed=0
failed=0
count() { # count top-level test results in a go test -v log
    local p f
    p=$(grep -c '^--- PASS' "$1")
    f=$(grep -c '^--- FAIL' "$1")
    passed=$((passed + p))
    failed=$((failed + f))
}

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

cd "$here"
echo "== gofmt, go vet"
unformatted="$(gofmt -l . ../../examples/go)"
if [ -n "$unformatted" ]; then
    echo "not gofmt-ed: $unformatted"
    failed=$((failed + 1))
else
    passed=$((passed + 1))
fi
if go vet ./... && go vet -tags webraft_bench ./... && (cd ../../examples/go && go vet ./...); then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
fi

echo "== go test -race -count=1 ./..."
go test -race -count=1 -v ./... >"$log" 2>&1
status=$?
grep -E '^(--- |ok|FAIL|panic|PASS)' "$log"
count "$log"
[ $status -ne 0 ] && ! grep -q '^--- FAIL' "$log" && { tail -40 "$log"; failed=$((failed + 1)); }

echo "== go test -race -count=1 ./... with WEBRAFT_GO_GC_STRESS=1"
WEBRAFT_GO_GC_STRESS=1 go test -race -count=1 -v ./... >"$log" 2>&1
status=$?
grep -E '^(--- FAIL|ok|FAIL|panic)' "$log"
count "$log"
[ $status -ne 0 ] && ! grep -q '^--- FAIL' "$log" && { tail -40 "$log"; failed=$((failed + 1)); }

echo "== benchmarks, two iterations each (a smoke test; see BENCHMARKS.md)"
if go test -tags webraft_bench -run '^$' -bench . -benchtime 2x . >"$log" 2>&1; then
    grep -c '^Benchmark' "$log" | sed 's/$/ benchmarks ran/'
    passed=$((passed + 1))
else
    tail -20 "$log"
    failed=$((failed + 1))
fi

echo "== example against the test server"
cd "$root"
. scripts/test-server.sh
start_test_server
example="$(mktemp -d)/webraft-go-chat"
if (cd examples/go && go build -o "$example" .); then
    for base in /v1 /v2 /freeapi; do
        out="$(WEBRAFT_API_KEY=test-key "$example" -base-url "$WEBRAFT_TEST_URL$base" "hi from go" 2>/dev/null)"
        if [ "$out" = "Hello! You said: hi from go" ]; then
            echo "example $base: ok"
            passed=$((passed + 1))
        else
            echo "example $base: FAILED, printed: $out"
            failed=$((failed + 1))
        fi
    done
    # A refused key: exit status 1 and the server's message on stderr.
    err="$(WEBRAFT_API_KEY=wrong "$example" -base-url "$WEBRAFT_TEST_URL/v1" "hi" 2>&1 >/dev/null)"
    code=$?
    if [ $code -eq 1 ] && [[ "$err" == *"Wrong Api key"* ]]; then
        echo "example wrong key: ok"
        passed=$((passed + 1))
    else
        echo "example wrong key: FAILED (exit $code): $err"
        failed=$((failed + 1))
    fi
else
    failed=$((failed + 1))
fi
rm -rf "$(dirname "$example")"

echo "go binding: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
