#!/usr/bin/env bash
# Builds the C# binding, its tests and the examples with Mono's mcs, then runs them on
# Mono against the loopback test server:
#   0. a compile of the sources with Unity's iOS defines (UNITY_5_3_OR_NEWER, UNITY_IOS);
#   1. the test suite (the native library found through a Mono dllmap next to Webraft.dll);
#   2. the finalizer-only run, in its own process (nothing disposed; exits with work in flight);
#   3. every example in examples/csharp, each a program of its own, its output checked (the
#      native library found through LD_LIBRARY_PATH).
# Installs Mono from Debian when mcs or mono is missing. Ends with "N passed, N failed".
# Environment: WEBRAFT_SKIP_CARGO=1 skips `cargo build` when the library and server exist;
# arguments are test-name filters passed to the suite (e.g. PollTests); with them, the
# finalizer-only run and the examples are skipped.
set -uo pipefail

cd "$(dirname "$0")/../.."
ROOT="$PWD"
HERE="$ROOT/bindings/csharp"
OUT="$HERE/build/test"
LIBDIR="$ROOT/target/release"
passed=0
failed=0

step() { printf '\n=== %s ===\n' "$*"; }

# Adds a runner's "N passed, N failed" line to the totals; a run without that line counts as one failure.
count_summary() { # output file, exit status
    local line
    line="$(grep -E '^([a-z-]+: )?[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1)"
    if [ -z "$line" ]; then
        echo "*** no summary line (exit status $2)"
        failed=$((failed + 1))
        return
    fi
    local p f
    p="$(sed -E 's/^([a-z-]+: )?([0-9]+) passed.*/\2/' <<<"$line")"
    f="$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")"
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "*** exit status $2 despite no failed test"
        failed=$((failed + 1))
    fi
}

check() { # name, then the command; counts one test
    local name="$1"
    shift
    if "$@"; then
        echo "PASS $name"
        passed=$((passed + 1))
    else
        echo "FAIL $name"
        failed=$((failed + 1))
    fi
}

step "Mono"
if ! command -v mcs >/dev/null 2>&1 || ! command -v mono >/dev/null 2>&1; then
    echo "installing mono-mcs and mono-runtime"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends mono-mcs mono-runtime
fi
mono --version | head -n 1

step "build the library and the test server (cargo build --release --workspace)"
if [ -n "${WEBRAFT_SKIP_CARGO:-}" ] && [ -f "$LIBDIR/libwebraft.so" ] && [ -x "$LIBDIR/webraft-test-server" ]; then
    echo "skipped (WEBRAFT_SKIP_CARGO set)"
else
    cargo build --release --workspace || { echo "cargo build failed"; echo "0 passed, 1 failed"; exit 1; }
fi

step "compile with mcs -langversion:7.2"
rm -rf "$OUT"
mkdir -p "$OUT/example"
MCS=(mcs -langversion:7.2 -warnaserror -nologo)
compile_examples() {
    local example
    for example in "$ROOT"/examples/csharp/*.cs; do
        "${MCS[@]}" -out:"$OUT/example/$(basename "$example" .cs).exe" -r:"$OUT/Webraft.dll" "$example" || return 1
    done
}
if ! "${MCS[@]}" -target:library -doc:"$OUT/Webraft.xml" -out:"$OUT/Webraft.dll" "$HERE"/src/*.cs \
    || ! "${MCS[@]}" -out:"$OUT/Webraft.Tests.exe" -r:"$OUT/Webraft.dll" "$HERE"/tests/*.cs \
    || ! compile_examples; then
    echo "compilation failed"
    echo "0 passed, 1 failed"
    exit 1
fi
# Unity compiles the sources with its own defines and AOT attribute (a stub stands in for it).
unity_build() {
    "${MCS[@]}" -target:library -out:"$OUT/unity/UnityEngine.dll" "$HERE"/tests/unity/*.cs &&
        "${MCS[@]}" -target:library -define:UNITY_5_3_OR_NEWER -define:UNITY_IOS -r:"$OUT/unity/UnityEngine.dll" \
            -out:"$OUT/unity/Webraft.dll" "$HERE"/src/*.cs &&
        grep -q __Internal "$OUT/unity/Webraft.dll"
}
mkdir -p "$OUT/unity"
check "sources compile as Unity for iOS compiles them (AOT attribute, __Internal)" unity_build

# The suite finds the native library through a dllmap; the examples (their own folder, no map)
# through LD_LIBRARY_PATH.
cat >"$OUT/Webraft.dll.config" <<CONFIG
<configuration>
  <dllmap dll="webraft" target="$LIBDIR/libwebraft.so" />
</configuration>
CONFIG
cp "$OUT/Webraft.dll" "$OUT/example/"

step "start the test server"
# shellcheck source=scripts/test-server.sh
. scripts/test-server.sh
. scripts/media-fixtures.sh
start_test_server || { echo "0 passed, 1 failed"; exit 1; }
echo "WEBRAFT_TEST_URL=$WEBRAFT_TEST_URL"
# The MockServer tests start their own webraft-mock, this build's.
export WEBRAFT_MOCK_BIN="$LIBDIR/webraft-mock"

step "test suite on Mono"
env -u LD_LIBRARY_PATH timeout 600 mono --debug "$OUT/Webraft.Tests.exe" "$@" | tee "$OUT/tests.log"
status=${PIPESTATUS[0]}
count_summary "$OUT/tests.log" "$status"

if [ $# -eq 0 ]; then
    step "finalizer-only run (no Dispose anywhere; exits with requests in flight)"
    env -u LD_LIBRARY_PATH timeout 120 mono --debug "$OUT/Webraft.Tests.exe" --finalizer-only | tee "$OUT/finalizer.log"
    status=${PIPESTATUS[0]}
    count_summary "$OUT/finalizer.log" "$status"

    step "examples (examples/csharp)"
    V1="$WEBRAFT_TEST_URL/v1"
    V2="$WEBRAFT_TEST_URL/v2"
    # Runs an example with the test server's key, base URL $BASE (default /v1) and model $MODEL
    # (default gpt-4o): stdout to NAME.out, stderr to NAME.err, both shown.
    run_example() { # name, then arguments
        local name="$1" status=0
        shift
        LD_LIBRARY_PATH="$LIBDIR" WEBRAFT_API_KEY=test-key WEBRAFT_BASE_URL="${BASE:-$V1}" WEBRAFT_MODEL="${MODEL:-gpt-4o}" \
            timeout 60 mono "$OUT/example/$name.exe" "$@" >"$OUT/example/$name.out" 2>"$OUT/example/$name.err" || status=$?
        cat "$OUT/example/$name.out" "$OUT/example/$name.err"
        return "$status"
    }
    # Passes when the example exits with the expected status and prints exactly the expected stdout.
    expect() { # name, exit status, stdout, then arguments
        local name="$1" status="$2" expected="$3" actual=0
        shift 3
        run_example "$name" "$@" || actual=$?
        [ "$actual" -eq "$status" ] && [ "$(cat "$OUT/example/$name.out")" = "$expected" ]
    }
    stderr_has() { # name, text
        grep -qF -- "$2" "$OUT/example/$1.err"
    }

    stream_chat() {
        expect StreamChat 0 "Hello! You said: tell me a story" --base-url "$V1" --model slow tell me a story &&
            stderr_has StreamChat "[11 tokens: 4 prompt + 7 completion]" &&
            expect StreamChat 0 "Hello! You said: hi there" --base-url "$V2" --system "be brief" hi there &&
            stderr_has StreamChat "[9 tokens: 4 prompt + 5 completion]" &&
            expect StreamChat 1 "" --base-url "$V1" --api-key wrong hi && stderr_has StreamChat "Wrong Api key"
    }
    check "StreamChat streams a reply and prints its usage (SSE, JSON lines), and reports a wrong key" stream_chat

    tool_round_trip() {
        local answer='get_weather({"city":"Paris"}) -> 22 C, dry
The tool call_1 said: 22 C, dry'
        MODEL=tools expect ToolRoundTrip 0 "$answer"$'\n'"$answer"
    }
    check "ToolRoundTrip answers a tool call, plain then streamed" tool_round_trip

    image_question() {
        local png="$OUT/example/pixel.png"
        base64 -d >"$png" <<<"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
        BASE="$V2" expect ImageQuestion 0 "Hello! You said: What is in this picture? [image 1: image/png $(stat -c %s "$png") bytes]" "$png" &&
            expect ImageQuestion 1 "" "$OUT/example/no-such.png" && stderr_has ImageQuestion "IO"
    }
    check "ImageQuestion asks about a local image, and reports a missing one" image_question

    check "ErrorReport prints the HTTP status and the server's message for a wrong key and for no credits" \
        expect ErrorReport 1 "HTTP 401: Wrong Api key
HTTP 402: Insufficient Credits (out of credits: top up, retrying will not help)" wrong-key no-credits-key

    frame_loop() {
        BASE="$V2" MODEL=slow expect FrameLoop 0 "Hello! You said: Hello there!
Hello! You said: What is on the menu?" && stderr_has FrameLoop "[turn 2: "
    }
    check "FrameLoop streams two turns at 60 FPS, within its per-frame budget in library calls" frame_loop

    responses() {
        MODEL=rate-limit-headers expect Responses 0 "Hello! You said: hi there" hi there &&
            stderr_has Responses "[completed, 7 tokens]" && stderr_has Responses "[59 of 60 requests left, resets in 1 s]" &&
            BASE="$V2" expect Responses 0 "Hello! You said: Say hello." && stderr_has Responses "[no rate-limit headers]" &&
            MODEL=responses-failed expect Responses 1 "Hello! You " hi &&
            stderr_has Responses "responses: STREAM_ERROR: The model failed mid-response"
    }
    check "Responses streams a Responses API reply and reports the rate limit (SSE, JSON lines), and a failed response" responses

    media() {
        local dir="$OUT/example" heard
        write_test_wav "$dir/hello.wav"
        heard="$(heard_line "$dir/hello.wav")"
        expect Media 0 "$heard" transcribe "$dir/hello.wav" &&
            expect Media 0 "$heard" transcribe "$dir/hello.wav" --stream &&
            expect Media 1 "" transcribe "$dir/no-such.wav" && stderr_has Media "INVALID_ARGUMENT" &&
            expect Media 0 "wrote 10240 bytes to $dir/line.mp3" speak "$dir/line.mp3" Hello, you &&
            is_test_speech "$dir/line.mp3" 10240 &&
            expect Media 0 "wrote 20 bytes to $dir/door.png" image "$dir/door.png" a red door &&
            [ "$(tail -c +9 "$dir/door.png")" = "a red door#0" ]
    }
    check "Media transcribes a WAV file (plain, streamed), speaks a line to a file, draws an image to a file" media
    never_stuck() {
        BASE="$WEBRAFT_TEST_URL/role/failing/v1" expect NeverStuck 0 "Hello! You said: hi there" --fallback "$V1" hi there &&
            stderr_has NeverStuck "answered by $V1 (endpoint 1; 2 tried)" &&
            BASE="$WEBRAFT_TEST_URL/role/first-chunk-3000/v1" MODEL=json-content run_example NeverStuck --fallback "$V2" \
                --hedge-ms 100 --partial-json hi &&
            [ "$(tail -n 1 "$OUT/example/NeverStuck.out")" = '{"name":"Ada","tags":["x","y"],"age":36,"ok":true}' ] &&
            stderr_has NeverStuck "answered by $V2 (endpoint 1; 2 tried)" &&
            WEBRAFT_API_KEY= expect_without_key
    }
    # The provider refuses without a key: the call ends with status Credentials.
    expect_without_key() {
        local status=0
        LD_LIBRARY_PATH="$LIBDIR" WEBRAFT_BASE_URL="$V1" timeout 60 mono "$OUT/example/NeverStuck.exe" hi \
            >/dev/null 2>"$OUT/example/NeverStuck.err" || status=$?
        [ "$status" -eq 1 ] && stderr_has NeverStuck "CREDENTIALS"
    }
    check "NeverStuck falls back from a failing endpoint, hedges a slow one, prints snapshots, and reports a refused credential" never_stuck

    check "ListModels lists the ids of GET /models" expect ListModels 0 "gpt-4o
gpt-4o-mini
gpt-3.5-turbo
text-embedding-3-small"
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
