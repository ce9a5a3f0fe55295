#!/usr/bin/env bash
# `make integration`: the integration targets in groups side by side, each group in a build copy of its own
# ($EXO_BUILD_DIR=.build/integration-N) against an emulator of its own (tests/utils/ansible_test.sh starts
# one when no Azure environment is exported). A group is a comma-separated list of target names or aliases.
#
#   tests/utils/integration.sh "exo/automation/" "exo/arm/,exo/graph/"
#   tests/utils/integration.sh runbook
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO" || exit 1
[ $# -gt 0 ] || { echo "usage: $0 GROUP [GROUP ...]" >&2; exit 2; }

mkdir -p .build/logs
pids=()
groups=("$@")
for i in "${!groups[@]}"; do
    n=$((i + 1))
    # shellcheck disable=SC2086 # a group's targets are separate words
    EXO_BUILD_DIR="$REPO/.build/integration-$n" tests/utils/ansible_test.sh integration ${groups[$i]//,/ } \
        > ".build/logs/integration-$n.log" 2>&1 &
    pids+=($!)
done

failed=0
for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then result=ok; else result=FAILED; failed=1; fi
    echo "--- integration group ${groups[$i]}: $result"
    cat ".build/logs/integration-$((i + 1)).log"
done
exit $failed
