#!/usr/bin/env bash
# Run one set-up step so that a newcomer can tell a slow step from a hung one.
#
#   scripts/step.sh "What it does, about how long" LOG -- COMMAND [ARGS...]
#
# Prints the description, then a line every HEARTBEAT seconds while COMMAND runs, then how long it
# took. COMMAND's own output goes to LOG (appended); when it fails, the end of LOG is printed and
# the step's exit status is returned. Steps are idempotent: after an interruption, run the same
# make command again and it continues.
set -uo pipefail

HEARTBEAT="${HEARTBEAT:-30}"  # seconds: often enough to show progress, rare enough to stay readable
description="$1"
log="$2"
shift 3
label="${description%% (*}"  # the description without its "(how long)", for the heartbeat lines

mkdir -p "$(dirname "$log")"
echo "==> $description"
started=$SECONDS
"$@" >>"$log" 2>&1 &
child=$!
trap 'kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; echo "    interrupted: run the same command again to continue"; exit 130' INT TERM
while kill -0 "$child" 2>/dev/null; do
    for _ in $(seq "$HEARTBEAT"); do
        kill -0 "$child" 2>/dev/null || break
        sleep 1
    done
    if kill -0 "$child" 2>/dev/null; then
        elapsed=$((SECONDS - started))
        printf '    %s: still working (%dm%02ds); details in %s\n' "$label" $((elapsed / 60)) $((elapsed % 60)) "$log"
    fi
done
wait "$child"
status=$?
elapsed=$((SECONDS - started))
if [[ $status -ne 0 ]]; then
    echo "    FAILED after ${elapsed}s (exit $status); the end of $log:"
    tail -n 30 "$log" | sed 's/^/    | /'
    exit "$status"
fi
printf '    %s: done in %dm%02ds\n' "$label" $((elapsed / 60)) $((elapsed % 60))
