#!/usr/bin/env bash
# The one test command (README: `make test`). Installs what it needs, builds
# everything, checks the header for drift, and runs every suite. Exits non-zero
# if any suite fails.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()

step() {
    local name="$1"
    shift
    echo
    echo "==== $name"
    local started=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        echo "==== $name: ok ($((SECONDS - started)) s)"
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "==== $name: FAILED ($((SECONDS - started)) s)"
    fi
}

header_is_current() {
    if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        echo "not a git checkout: cannot compare include/webraft.h with the committed copy"
        return 1
    fi
    # build.rs has just regenerated the header; any difference means it was not committed.
    git diff --exit-code -- include/webraft.h
}

step "install system packages" scripts/install-deps.sh
step "build (release)" cargo build --release --workspace
step "header drift check" header_is_current
step "ABI guard (exports = abi/webraft.symbols)" scripts/check-abi.sh
step "Rust tests" cargo test --workspace
step "fuzz smoke (stream decoder, about a minute)" scripts/fuzz-smoke.sh
step "C ABI tests (ASan/UBSan, valgrind)" tests/c/run.sh
step "webraft-chat CLI tests" tests/cli/run.sh
step "C examples (plain and ASan/UBSan, output checked)" examples/c/run.sh
step "C++ wrapper and packaging (install, consumers, game loop)" tests/packaging/run.sh
step "Go binding (vet, go test -race, GC stress, example)" bindings/go/run-tests.sh
step "C# binding on Mono (suite, finalizer-only run, example)" bindings/csharp/run-tests.sh
step "release artifacts (dist tarball, .deb, CMake from source, Go on an install, Unity, NuGet)" \
    tests/packaging/release.sh
# Last: by now the steps above have installed Mono and built the library.
step "README code blocks compile (C, C++, Go, C#)" scripts/check-snippets.py

echo
if [ "$failed" -gt 0 ]; then
    printf 'failed suite: %s\n' "${failures[@]}"
fi
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
