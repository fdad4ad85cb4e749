#!/usr/bin/env bash
# Go binding suite: build the library and test server, vet, run the Go tests
# with the race detector (once normally, once in GC-stress mode), and run the
# examples against the test server, checking what they print. Ends with
# "N passed, N failed", counting top-level Go tests of both runs plus the
# example checks.
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

echo "== examples against the test server"
cd "$root"
. scripts/test-server.sh
. scripts/media-fixtures.sh
start_test_server
bin="$(mktemp -d)"
# expect NAME STATUS PATTERNS COMMAND...: runs COMMAND; it passes when it exits
# with STATUS and each line of PATTERNS (an extended regular expression)
# matches a whole line of its standard output.
expect() {
    local name="$1" want="$2" patterns="$3" out status missing="" pattern
    shift 3
    out="$("$@" 2>"$bin/stderr")"
    status=$?
    while IFS= read -r pattern; do
        grep -qxE -- "$pattern" <<<"$out" || missing+="    no line matches: $pattern"$'\n'
    done <<<"$patterns"
    if [ "$status" -eq "$want" ] && [ -z "$missing" ]; then
        echo "example $name: ok"
        passed=$((passed + 1))
    else
        echo "example $name: FAILED (exit $status, want $want)"
        printf '%s' "$missing"
        sed 's/^/    stdout: /' <<<"$out"
        sed 's/^/    stderr: /' "$bin/stderr"
        failed=$((failed + 1))
    fi
}
if (cd examples/go && go build -o "$bin/webraft-go-chat" . && go build -o "$bin/" ./tools ./image ./errors ./models ./responses ./media ./fallback); then
    usage='usage: [1-9][0-9]* prompt \+ [1-9][0-9]* completion = [1-9][0-9]* tokens'
    for base in /v1 /v2 /freeapi; do
        expect "stream and usage $base" 0 "Hello! You said: hi from go
$usage" env WEBRAFT_API_KEY=test-key "$bin/webraft-go-chat" -base-url "$WEBRAFT_TEST_URL$base" "hi from go"
    done
    # A refused key: exit status 1 and the server's message on stderr.
    err="$(WEBRAFT_API_KEY=wrong "$bin/webraft-go-chat" -base-url "$WEBRAFT_TEST_URL/v1" "hi" 2>&1 >/dev/null)"
    code=$?
    if [ $code -eq 1 ] && [[ "$err" == *"Wrong Api key"* ]]; then
        echo "example wrong key: ok"
        passed=$((passed + 1))
    else
        echo "example wrong key: FAILED (exit $code): $err"
        failed=$((failed + 1))
    fi

    export WEBRAFT_API_KEY=test-key WEBRAFT_BASE_URL="$WEBRAFT_TEST_URL/v1"
    tool_lines='tool call call_1: get_weather\(\{"city":"Paris"\}\)
The tool call_1 said: 22 C and sunny in Paris'
    expect "tools" 0 "$tool_lines" "$bin/tools" -model tools
    expect "tools -stream" 0 "$tool_lines" "$bin/tools" -model tools -stream
    # A 1x1 PNG; the test server describes the image it received.
    printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82' >"$bin/pixel.png"
    expect "image" 0 "Hello! You said: what is this\? \[image 1: image/png $(wc -c <"$bin/pixel.png") bytes\]" \
        "$bin/image" "$bin/pixel.png" "what is this?"
    expect "errors, wrong key" 1 "HTTP 401: Wrong Api key
the key was refused: check WEBRAFT_API_KEY" env WEBRAFT_API_KEY=wrong-key "$bin/errors"
    expect "errors, no credits" 1 "HTTP 402: Insufficient Credits
out of credits: retrying will not help, top up the account" env WEBRAFT_API_KEY=no-credits-key "$bin/errors"
    responses_usage='usage: [1-9][0-9]* input \+ [1-9][0-9]* output = [1-9][0-9]* tokens'
    for base in /v1 /v2; do
        expect "responses $base" 0 "Hello! You said: hi from go
status: completed
$responses_usage" env WEBRAFT_BASE_URL="$WEBRAFT_TEST_URL$base" "$bin/responses" "hi from go"
    done
    expect "responses, rate limits" 0 "requests left: 59 of 60, full again in 1s
tokens left: 149990 of 150000, full again in 6m0s" "$bin/responses" -model rate-limit-headers hi
    expect "responses, incomplete" 0 "Hello! You $
status: incomplete \(max_output_tokens\)" "$bin/responses" -model responses-incomplete hi
    # A failed response: exit status 1 and the server's message and code (on stderr).
    expect "responses, failed" 1 "responses: the server stopped the response: The model failed mid-response \(code server_error\)" \
        sh -c '"$0" -model responses-failed hi 2>&1' "$bin/responses"
    # Endpoint fallback, a hedge, and snapshots (issue #18). fallback_from FIRST WANT ARGS...
    # runs the example with FIRST as its base URL; stderr must name WANT as the endpoint 1 that answered.
    fallback_from() {
        local first="$1" want="$2" status
        shift 2
        WEBRAFT_BASE_URL="$first" "$bin/fallback" "$@" 2>"$bin/fallback.err"
        status=$?
        grep -qx "answered by $want (endpoint 1; 2 tried)" "$bin/fallback.err" || { cat "$bin/fallback.err"; return 9; }
        return $status
    }
    expect "fallback from a failing endpoint" 0 "Hello! You said: hi from go" \
        fallback_from "$WEBRAFT_TEST_URL/role/failing/v1" "$WEBRAFT_TEST_URL/v1" -fallback "$WEBRAFT_TEST_URL/v1" hi from go
    # How many snapshots print depends on how the chunks meet the reader; the last is the whole content.
    expect "fallback, hedged, partial JSON" 0 '\{"name":"Ada","tags":\["x","y"\],"age":36,"ok":true\}' \
        fallback_from "$WEBRAFT_TEST_URL/role/first-chunk-3000/v1" "$WEBRAFT_TEST_URL/v2" \
        -fallback "$WEBRAFT_TEST_URL/v2" -hedge 100ms -model json-content -partial-json hi
    expect "fallback, no key: the credential function refuses" 1 "" \
        env -u WEBRAFT_API_KEY "$bin/fallback" -fallback "$WEBRAFT_TEST_URL/v2" hi
    expect "models" 0 "gpt-4o \(webraft-test\)
text-embedding-3-small \(webraft-test\)" "$bin/models"
    # Media: a WAV file transcribed (plain and streamed), a line spoken to a file, an image
    # drawn to a file. The test server's transcript names the file's size, type and FNV-1a hash.
    write_test_wav "$bin/hello.wav"
    heard="$(heard_line "$bin/hello.wav" | sed 's/[()]/\\&/g')"
    expect "media transcribe" 0 "$heard" "$bin/media" transcribe "$bin/hello.wav"
    expect "media transcribe -stream" 0 "$heard" "$bin/media" transcribe -stream "$bin/hello.wav"
    expect "media transcribe, missing file" 1 "" "$bin/media" transcribe "$bin/no-such.wav"
    expect "media speak" 0 "wrote 10240 bytes to $bin/line.mp3" "$bin/media" speak -o "$bin/line.mp3" Hello, you
    is_test_speech "$bin/line.mp3" 10240 && echo "example media speak: the file holds the audio" && passed=$((passed + 1)) ||
        { echo "example media speak: FAILED, the file is not the audio"; failed=$((failed + 1)); }
    expect "media image" 0 "wrote 20 bytes to $bin/door.png" "$bin/media" image -o "$bin/door.png" a red door
    [ "$(tail -c +9 "$bin/door.png")" = "a red door#0" ] && echo "example media image: the file holds the image" && passed=$((passed + 1)) ||
        { echo "example media image: FAILED, the file is not the image"; failed=$((failed + 1)); }
else
    failed=$((failed + 1))
fi
rm -rf "$bin"

echo "go binding: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
