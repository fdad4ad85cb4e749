#!/usr/bin/env bash
# Builds the C# binding, its tests and the streaming example with Mono's mcs, then runs them on
# Mono against the loopback test server:
#   0. a compile of the sources with Unity's iOS defines (UNITY_5_3_OR_NEWER, UNITY_IOS);
#   1. the test suite (the native library found through a Mono dllmap next to Webraft.dll);
#   2. the finalizer-only run, in its own process (nothing disposed; exits with work in flight);
#   3. the example, streamed and polled (the native library found through LD_LIBRARY_PATH).
# Installs Mono from Debian when mcs or mono is missing. Ends with "N passed, N failed".
# Environment: WEBRAFT_SKIP_CARGO=1 skips `cargo build` when the library and server exist;
# arguments are test-name filters passed to the suite (e.g. PollTests).
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
if ! "${MCS[@]}" -target:library -doc:"$OUT/Webraft.xml" -out:"$OUT/Webraft.dll" "$HERE"/src/*.cs \
    || ! "${MCS[@]}" -out:"$OUT/Webraft.Tests.exe" -r:"$OUT/Webraft.dll" "$HERE"/tests/*.cs \
    || ! "${MCS[@]}" -out:"$OUT/example/StreamChat.exe" -r:"$OUT/Webraft.dll" "$ROOT"/examples/csharp/*.cs; then
    echo "compilation failed"
    echo "0 passed, 1 failed"
    exit 1
fi
# Unity compiles the sources with its own defines and AOT attribute (a stub stands in for it).
unity_build() {
    "${MCS[@]}" -target:library -out:"$OUT/unity/UnityEngine.dll" "$HERE/tests/unity/AOT.cs" &&
        "${MCS[@]}" -target:library -define:UNITY_5_3_OR_NEWER -define:UNITY_IOS -r:"$OUT/unity/UnityEngine.dll" \
            -out:"$OUT/unity/Webraft.dll" "$HERE"/src/*.cs &&
        grep -q __Internal "$OUT/unity/Webraft.dll"
}
mkdir -p "$OUT/unity"
check "sources compile as Unity for iOS compiles them (AOT attribute, __Internal)" unity_build

# The suite finds the native library through a dllmap; the example (its own folder, no map)
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
start_test_server || { echo "0 passed, 1 failed"; exit 1; }
echo "WEBRAFT_TEST_URL=$WEBRAFT_TEST_URL"

step "test suite on Mono"
env -u LD_LIBRARY_PATH timeout 600 mono --debug "$OUT/Webraft.Tests.exe" "$@" | tee "$OUT/tests.log"
status=${PIPESTATUS[0]}
count_summary "$OUT/tests.log" "$status"

if [ $# -eq 0 ]; then
    step "finalizer-only run (no Dispose anywhere; exits with requests in flight)"
    env -u LD_LIBRARY_PATH timeout 120 mono --debug "$OUT/Webraft.Tests.exe" --finalizer-only | tee "$OUT/finalizer.log"
    status=${PIPESTATUS[0]}
    count_summary "$OUT/finalizer.log" "$status"

    step "example: examples/csharp/StreamChat.cs"
    example() { # expected stdout, then arguments
        local expected="$1" actual
        shift
        actual="$(LD_LIBRARY_PATH="$LIBDIR" timeout 60 mono "$OUT/example/StreamChat.exe" "$@")" || return 1
        echo "$actual"
        [ "$actual" = "$expected" ]
    }
    check "example streams (StreamAsync, SSE)" example "Hello! You said: tell me a story" \
        --base-url "$WEBRAFT_TEST_URL/v1" --api-key test-key --model slow tell me a story
    check "example polls (frame loop, JSON lines)" example "Hello! You said: hi there" \
        --base-url "$WEBRAFT_TEST_URL/v2" --api-key test-key --system "be brief" --poll hi there
    wrong_key() {
        ! LD_LIBRARY_PATH="$LIBDIR" timeout 60 mono "$OUT/example/StreamChat.exe" \
            --base-url "$WEBRAFT_TEST_URL/v1" --api-key wrong hi 2>"$OUT/example.err" >/dev/null \
            && grep -q "Wrong Api key" "$OUT/example.err"
    }
    check "example reports a wrong key and exits 1" wrong_key
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
