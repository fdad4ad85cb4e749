#!/usr/bin/env bash
# ABI guard: the symbols libwebraft.so exports must be exactly those in abi/webraft.symbols, and
# each must be declared in include/webraft.h. A new export has to be added to the list on
# purpose; a dropped one breaks every program linked against the library, so it also needs a new
# WEBRAFT_ABI_VERSION (which makes the SONAME libwebraft.so.<new ABI>).
#
#   scripts/check-abi.sh [LIBRARY]            check (default: target/release/libwebraft.so)
#   scripts/check-abi.sh --update [LIBRARY]   rewrite the list from the library (make abi-update)
#
# --update refuses to drop a symbol while WEBRAFT_ABI_VERSION is still the one the list was
# written for. The list records that version, so raising it without reviewing the list also fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C  # one sort order for the list, whatever the locale

update=""
if [ "${1:-}" = --update ]; then
    update=1
    shift
fi
lib="${1:-target/release/libwebraft.so}"
list=abi/webraft.symbols

abi="$(sed -n 's/^#define WEBRAFT_ABI_VERSION \([0-9][0-9]*\)$/\1/p' include/webraft.h)"
exported="$(nm -D --defined-only "$lib" | awk '{print $NF}' | sort)"
# cbindgen starts each function declaration on a line of its own, with its return type; the
# name is the last identifier before a parenthesis on that line.
declared="$(grep -oE '^[A-Za-z].*\bwebraft_[a-z0-9_]+\(' include/webraft.h | grep -oE 'webraft_[a-z0-9_]+\($' | tr -d '(' | sort)"
listed_abi="$(sed -n 's/^# abi \([0-9][0-9]*\)$/\1/p' "$list" 2>/dev/null || true)"
listed="$(grep -v '^#' "$list" 2>/dev/null | sort || true)"

undeclared="$(comm -23 <(echo "$exported") <(echo "$declared"))"
unexported="$(comm -13 <(echo "$exported") <(echo "$declared"))"
added="$(comm -13 <(echo "$listed") <(echo "$exported"))"
dropped="$(comm -23 <(echo "$listed") <(echo "$exported"))"

status=0
# say HEADING LINES: prints the lines under the heading when there are any, and counts a failure.
say() {
    [ -n "$2" ] || return 0
    echo "$1"
    sed 's/^/    /' <<<"$2"
    status=1
}
say "exported by $lib but not declared in include/webraft.h:" "$undeclared"
say "declared in include/webraft.h but not exported by $lib:" "$unexported"

if [ -n "$update" ]; then
    [ "$status" -eq 0 ] || exit 1
    if [ -n "$dropped" ] && [ "$listed_abi" = "$abi" ]; then
        say "these symbols are gone, which breaks programs built against ABI $abi:" "$dropped"
        echo "raise WEBRAFT_ABI_VERSION (src/ffi/library.rs), rebuild, then run this again"
        exit 1
    fi
    {
        echo "# The symbols libwebraft.so exports (nm -D --defined-only), one per line, sorted."
        echo "# Checked by scripts/check-abi.sh; after an intended change run \`make abi-update\`."
        echo "# abi $abi"
        echo "$exported"
    } >"$list"
    echo "wrote $list: $(wc -l <<<"$exported") symbols, ABI $abi"
    exit 0
fi

[ -f "$list" ] || { echo "$list is missing: run make abi-update"; exit 1; }
if [ "$listed_abi" != "$abi" ]; then
    echo "$list was written for ABI $listed_abi, but include/webraft.h says $abi: review it with make abi-update"
    status=1
fi
say "exported but not in $list (add them with make abi-update):" "$added"
say "in $list but no longer exported (an incompatible change: raise WEBRAFT_ABI_VERSION, then make abi-update):" "$dropped"
[ "$status" -ne 0 ] || echo "ABI $abi: the $(wc -l <<<"$exported") exported symbols match $list"
exit "$status"
