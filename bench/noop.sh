#!/usr/bin/env bash
# Regenerating a service whose spec did not change: `msgen generate` and `msgen generate --check`
# (the whole command, start-up included) by the working tree's msgen against a baseline
# commit's, side by side in one run, on the synthetic specs of 50 and 400 entities
# (benches/generate.rs writes them).
#
#   bench/noop.sh <baseline commit> [RUNS]     (default RUNS=9; run from inside the repository)
#
# Each msgen regenerates a service it generated itself, so each finds its own `.msgen/`. The
# four commands of a size run in turn, RUNS times, after one run of each that is not counted;
# wall time is taken with nanosecond timestamps around each command. Prints the median and the
# spread of each. Each run also checks that
# nothing was written (the service's files and their modification times are the same).
set -euo pipefail

BASELINE=${1:?usage: bench/noop.sh <baseline commit> [RUNS]}
RUNS=${2:-9}
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d -t msgen-noop.XXXXXX)
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

for entities in 50 400; do
    (cd "$REPO" && MSGEN_BENCH_SPEC_OUT="$WORK/spec-$entities.yaml" MSGEN_BENCH_ENTITIES=$entities \
        cargo bench -q --bench generate >/dev/null 2>&1)
    for variant in before after; do
        "$WORK/msgen-$variant" --quiet new bench-service --spec "$WORK/spec-$entities.yaml" \
            --dir "$WORK/$variant-$entities"
    done
done

now() { date +%s%N; }
# The files of a service with their modification times, to tell that nothing was written.
listing() { find "$1" -type f -printf '%P %T@\n' | sort | md5sum; }
# The median and the spread of microsecond figures, in milliseconds.
median() {
    python3 -c 'import sys, statistics
values = sorted(int(v) / 1000 for v in sys.argv[1:])
print(f"{statistics.median(values):7.1f} ms  (min {values[0]:.1f}, max {values[-1]:.1f})")' "$@"
}

for entities in 50 400; do
    declare -A TIMES=()
    for run in $(seq 0 "$RUNS"); do
        for variant in before after; do
            dir="$WORK/$variant-$entities/bench-service"
            unchanged=$(listing "$dir")
            for how in generate check; do
                args=(--quiet generate)
                [ "$how" = check ] && args+=(--check)
                start=$(now)
                (cd "$dir" && "$WORK/msgen-$variant" "${args[@]}")
                end=$(now)
                # Run 0 is the warm-up.
                [ "$run" -gt 0 ] && TIMES[$variant-$how]+=" $(((end - start) / 1000))"
            done
            if [ "$(listing "$dir")" != "$unchanged" ]; then
                echo "msgen ($variant) wrote to the service of $entities entities" >&2
                exit 1
            fi
        done
    done
    for how in generate check; do
        for variant in before after; do
            # shellcheck disable=SC2086
            printf '%3d entities  %-8s  %-6s  %s\n' "$entities" "$how" "$variant" \
                "$(median ${TIMES[$variant-$how]})"
        done
    done
    unset TIMES
done
