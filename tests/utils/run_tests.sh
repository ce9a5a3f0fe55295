#!/usr/bin/env bash
# `make test`: run every step of TEST_STEPS (each a make target), even when one fails; print the time of
# each and the total (also written to $TIMES); fail at the end if any step failed.
#
# Steps named in BACKGROUND_STEPS start at once in the background, each in a build copy of its own
# ($EXO_BUILD_DIR=.build/<step>), and their output is printed at their place in TEST_STEPS.
#
#   TEST_STEPS="units lint" BACKGROUND_STEPS="" tests/utils/run_tests.sh
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO" || exit 1
MAKE="${MAKE:-make}"
TIMES="${TIMES:-.build/test-times.txt}"
read -r -a steps <<< "${TEST_STEPS:?TEST_STEPS names the steps}"
read -r -a background <<< "${BACKGROUND_STEPS:-}"

mkdir -p .build/logs "$(dirname "$TIMES")"
: > "$TIMES"
t0=$(date +%s)
declare -A bg=()
for step in "${background[@]}"; do
    (
        start=$(date +%s)
        if EXO_BUILD_DIR="$REPO/.build/$step" "$MAKE" --no-print-directory "$step" > ".build/logs/$step.log" 2>&1
        then result=ok; else result=FAILED; fi
        echo "$result $(( $(date +%s) - start ))" > ".build/logs/$step.result"
    ) &
    bg[$step]=$!
done

failed=""
for step in "${steps[@]}"; do
    echo "=== make $step"
    if [ -n "${bg[$step]:-}" ]; then
        wait "${bg[$step]}" || true
        cat ".build/logs/$step.log"
        read -r result secs < ".build/logs/$step.result"
        note="(ran in the background)"
    else
        start=$(date +%s)
        note=""
        if "$MAKE" --no-print-directory "$step"; then result=ok; else result=FAILED; fi
        secs=$(( $(date +%s) - start ))
    fi
    [ "$result" = ok ] || failed="$failed $step"
    printf '%-14s %5d s  %-6s %s\n' "$step" "$secs" "$result" "$note" >> "$TIMES"
done
printf '%-14s %5d s\n' "total" "$(( $(date +%s) - t0 ))" >> "$TIMES"
echo "=== make test: time per step"
cat "$TIMES"
if [ -n "$failed" ]; then
    echo "make test: FAILED:$failed"
    exit 1
fi
echo "make test: all checks passed"
