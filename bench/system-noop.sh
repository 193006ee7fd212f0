#!/usr/bin/env bash
# Regenerating the example system (examples/shop) with nothing changed: `msgen system generate`,
# `msgen system generate --check` at the system's root and `msgen generate` in order-service,
# which calls payment-service (the whole command, start-up included), by the working tree's
# msgen against a baseline commit's, side by side in one run.
#
#   bench/system-noop.sh <baseline commit> [RUNS]     (default RUNS=21; run from inside the repository)
#
# Each msgen regenerates a copy of the system it generated itself. The commands run in turn,
# RUNS times, after one run of each that is not counted; wall time is taken with nanosecond
# timestamps around each command. Prints the median and the spread of each. Each run also
# checks that nothing was written.
set -euo pipefail

BASELINE=${1:?usage: bench/system-noop.sh <baseline commit> [RUNS]}
RUNS=${2:-21}
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d -t msgen-system-noop.XXXXXX)
cleanup() {
    git -C "$REPO" worktree remove --force "$WORK/baseline" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "building msgen (release), the working tree's and $BASELINE's ..." >&2
(cd "$REPO" && cargo build -q --release --bin msgen)
cp "${CARGO_TARGET_DIR:-$REPO/target}/release/msgen" "$WORK/msgen-after"
git -C "$REPO" worktree add -q --detach "$WORK/baseline" "$BASELINE"
(cd "$WORK/baseline" && CARGO_TARGET_DIR="$REPO/target/bench-noop" cargo build -q --release --bin msgen)
cp "$REPO/target/bench-noop/release/msgen" "$WORK/msgen-before"

for variant in before after; do
    cp -r "$REPO/examples/shop" "$WORK/$variant"
    (cd "$WORK/$variant" && "$WORK/msgen-$variant" --quiet system generate)
done

now() { date +%s%N; }
listing() { find "$1" -type f -printf '%P %T@\n' | sort | md5sum; }
median() {
    python3 -c 'import sys, statistics
values = sorted(int(v) / 1000 for v in sys.argv[1:])
print(f"{statistics.median(values):7.1f} ms  (min {values[0]:.1f}, max {values[-1]:.1f})")' "$@"
}

declare -A TIMES=()
for run in $(seq 0 "$RUNS"); do
    for variant in before after; do
        dir="$WORK/$variant"
        unchanged=$(listing "$dir")
        for how in system check service; do
            case $how in
                system) at=$dir; args=(--quiet system generate) ;;
                check) at=$dir; args=(--quiet system generate --check) ;;
                service) at=$dir/order-service; args=(--quiet generate) ;;
            esac
            start=$(now)
            (cd "$at" && "$WORK/msgen-$variant" "${args[@]}")
            end=$(now)
            # Run 0 is the warm-up.
            [ "$run" -gt 0 ] && TIMES[$variant-$how]+=" $(((end - start) / 1000))"
        done
        if [ "$(listing "$dir")" != "$unchanged" ]; then
            echo "msgen ($variant) wrote to the system" >&2
            exit 1
        fi
    done
done
for how in system check service; do
    for variant in before after; do
        # shellcheck disable=SC2086
        printf '%-8s  %-6s  %s\n' "$how" "$variant" "$(median ${TIMES[$variant-$how]})"
    done
done
