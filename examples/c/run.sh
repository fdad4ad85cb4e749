#!/usr/bin/env bash
# Builds the C examples in examples/c with the README's flags (-std=c11 -Wall -Wextra -Werror
# -pedantic), once plain and once with AddressSanitizer + UndefinedBehaviorSanitizer (leak
# checks on), runs both builds against the loopback test server, and checks each run's exit
# status, stdout (exactly) and stderr (a substring). webraft-chat has its own suite (tests/cli).
# Ends with "N passed, N failed"; exits non-zero on any failure. Works from any directory.
#
# Environment: CC (default gcc), WEBRAFT_SKIP_CARGO=1 uses the library and test server already
# built, SKIP_ASAN=1 builds and runs the plain build only.
set -uo pipefail

cd "$(dirname "$0")/../.."
ROOT="$PWD"
CC="${CC:-gcc}"
LIBDIR="$ROOT/target/release"
OUT="$ROOT/build/examples-c"
EXAMPLES=(stream_usage tool_round_trip image_question errors list_models transcribe speak generate_image)
passed=0
failed=0

step() { printf '\n=== %s ===\n' "$*"; }

step "build the library and the test server"
if [ -z "${WEBRAFT_SKIP_CARGO:-}" ]; then
    cargo build --release --workspace || { echo "0 passed, 1 failed"; exit 1; }
fi

MODES=(plain)
[ -n "${SKIP_ASAN:-}" ] || MODES+=(asan)
step "compile the examples (${MODES[*]})"
mkdir -p "$OUT"
FLAGS=(-std=c11 -Wall -Wextra -Werror -pedantic -g -Iinclude)
for mode in "${MODES[@]}"; do
    extra=(-O2)
    [ "$mode" = asan ] && extra=(-O1 -fsanitize=address,undefined -fno-omit-frame-pointer)
    for name in "${EXAMPLES[@]}"; do
        if "$CC" "${FLAGS[@]}" "${extra[@]}" -o "$OUT/$name-$mode" "examples/c/$name.c" \
            -L"$LIBDIR" -lwebraft -Wl,-rpath,"$LIBDIR"; then
            passed=$((passed + 1))
        else
            echo "FAIL compile $name ($mode)"
            failed=$((failed + 1))
        fi
    done
done

step "start the test server"
# shellcheck source=scripts/test-server.sh
. scripts/test-server.sh
start_test_server || { echo "$passed passed, $((failed + 1)) failed"; exit 1; }
echo "WEBRAFT_TEST_URL=$WEBRAFT_TEST_URL"

WORK="$(mktemp -d)"
trap 'stop_test_server; rm -rf "$WORK"' EXIT
# A 1x1 PNG, for the image example.
PNG="$WORK/pixel.png"
base64 -d >"$PNG" <<<'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
PNG_BYTES="$(stat -c %s "$PNG")"

# Runs one example in every mode and checks it. Arguments: a description, the exit status, the
# whole stdout, a substring of stderr ("" for none expected), then the environment settings
# (NAME=VALUE...) and the example's name and arguments.
check() {
    local what="$1" want_status="$2" want_out="$3" want_err="$4"
    shift 4
    local settings=()
    while [[ "$1" == *=* ]]; do settings+=("$1"); shift; done
    local name="$1"
    shift
    for mode in "${MODES[@]}"; do
        local status=0
        env WEBRAFT_BASE_URL="$WEBRAFT_TEST_URL/v1" WEBRAFT_API_KEY=test-key \
            ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
            "${settings[@]}" timeout 60 "$OUT/$name-$mode" "$@" >"$WORK/out" 2>"$WORK/err" || status=$?
        local problem=""
        if [ "$status" -ne "$want_status" ]; then
            problem="exit status $status, expected $want_status"
        elif [ "$(cat "$WORK/out")" != "$want_out" ]; then
            problem="stdout differs; expected:
$want_out"
        elif [ -z "$want_err" ] && [ -s "$WORK/err" ]; then
            problem="unexpected stderr"
        elif [[ "$(cat "$WORK/err")" != *"$want_err"* ]]; then
            problem="stderr lacks: $want_err"
        fi
        if [ -z "$problem" ]; then
            echo "PASS $name ($mode): $what"
            passed=$((passed + 1))
        else
            echo "FAIL $name ($mode): $what: $problem"
            echo "--- stdout:"; cat "$WORK/out"
            echo "--- stderr:"; cat "$WORK/err"
            failed=$((failed + 1))
        fi
    done
}

step "run the examples against the test server"
# The test server's gpt-4o replies "Hello! You said: <prompt>" in tokens split after each space,
# and counts prompt words as prompt tokens.
check "streams the reply, then prints the usage the stream ended with" 0 \
    "Hello! You said: tell me a story
usage: 4 prompt + 7 completion = 11 tokens" "" \
    stream_usage "tell me a story"
check "streams JSON lines (/v2) just the same" 0 \
    "Hello! You said: hi
usage: 1 prompt + 4 completion = 5 tokens" "" \
    WEBRAFT_BASE_URL="$WEBRAFT_TEST_URL/v2" stream_usage hi

# The `tools` model asks for get_weather({"city":"Paris"}) as call_1, then answers with what the
# tool said; any other model answers at once.
tool_answer="The tool call_1 said: 22 C and sunny in Paris"
check "plain tool round trip" 0 "$tool_answer" "" WEBRAFT_MODEL=tools tool_round_trip
check "streamed tool round trip (SSE)" 0 "$tool_answer" "" WEBRAFT_MODEL=tools tool_round_trip --stream
check "streamed tool round trip (JSON lines)" 0 "$tool_answer" "" \
    WEBRAFT_BASE_URL="$WEBRAFT_TEST_URL/v2" WEBRAFT_MODEL=tools tool_round_trip --stream
check "a model that calls no tool answers at once" 0 "Hello! You said: What is the weather in Paris?" "" \
    WEBRAFT_MODEL=gpt-4o tool_round_trip

check "sends the image as a data URL" 0 \
    "Hello! You said: What is in this image? [image 1: image/png $PNG_BYTES bytes]" "" \
    image_question "$PNG"
check "a missing image file fails before anything is sent" 1 "" "IO: " \
    image_question "$WORK/missing.png" "hi"

check "a good key gets the reply" 0 "Hello! You said: Hello!" "" errors
check "a wrong key: HTTP 401 and the server's message" 1 "" "HTTP 401: Wrong Api key" \
    WEBRAFT_API_KEY=wrong-key errors
check "no credits: HTTP 402, the server's message, and exit 3" 3 "" "HTTP 402: Insufficient Credits
out of credits" WEBRAFT_API_KEY=no-credits-key errors
check "no server at all: the library's own message" 1 "" "CONNECT: " \
    WEBRAFT_BASE_URL=http://127.0.0.1:9/v1 errors

check "lists the model ids" 0 "gpt-4o
gpt-4o-mini
gpt-3.5-turbo
text-embedding-3-small" "" list_models
check "a wrong key fails the listing" 1 "" "Wrong Api key" WEBRAFT_API_KEY=wrong-key list_models

# Audio and images: the server's transcript describes the uploaded file exactly (its length,
# name, type and FNV-1a 64 hash), speech is 1024 bytes per byte of input, and a generated image
# is the PNG signature followed by "<prompt>#0".
WAV="$WORK/hello.wav"
printf 'RIFF\044\0\0\0WAVEfmt ' >"$WAV"
WAV_TEXT="heard 16 bytes of hello.wav (audio/wav) fnv1a64 $(python3 -c '
import sys
h = 0xcbf29ce484222325
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
print(f"{h:016x}")' "$WAV")"
check "transcribes a WAV file" 0 "$WAV_TEXT" "" transcribe "$WAV"
check "streams the transcript as it arrives" 0 "$WAV_TEXT" "" transcribe "$WAV" --stream
check "a missing recording fails before anything is sent" 1 "" "INVALID_ARGUMENT: " transcribe "$WORK/none.wav"
check "speaks a line to a file" 0 "wrote 11264 bytes to $WORK/line.mp3" "" speak "$WORK/line.mp3" "Hello there"
check "a cut download leaves the file as it was" 1 "" "TRANSPORT: " WEBRAFT_MODEL=tts-cut \
    speak "$WORK/line.mp3" "Hello again"
if [ "$(stat -c %s "$WORK/line.mp3")" = 11264 ] && [ "$(ls -A "$WORK" | grep -c line)" = 1 ]; then
    passed=$((passed + 1))
else
    echo "FAIL speak: the speech file changed, or a temporary file was left"
    failed=$((failed + 1))
fi
check "generates an image to a file" 0 "wrote 15 bytes to $WORK/fox.png" "" generate_image "$WORK/fox.png" "a fox"
if [ "$(od -An -c "$WORK/fox.png" | tr -d ' \n')" = '211PNG\r\n032\nafox#0' ]; then
    passed=$((passed + 1))
else
    echo "FAIL generate_image: the file is not the image the server sent"
    failed=$((failed + 1))
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
