#!/usr/bin/env bash
# Regenerating a service after a change to one entity: `msgen generate` (the whole command,
# start-up included) by the working tree's msgen against a baseline commit's, side by side in
# one run, on the synthetic spec of 50 entities (benches/generate.rs writes it).
#
#   bench/change.sh <baseline commit> [RUNS]     (default RUNS=9; run from inside the repository)
#
# Two changes to the entity `Supplier`, each made and then undone, so that every run starts from
# the same service: its description (which its model's doc comment, the API documents and its
# tests show), and the largest amount it accepts (`max: 1000000` added to a field: validation,
# the API documents and the tests). Each msgen regenerates a service it generated itself, so
# each finds its own `.msgen/`. The commands run in turn, RUNS times, after one run of each that
# is not counted; wall time is taken with nanosecond timestamps around each command. Prints the
# median and the spread of each. Each run also checks that both msgens leave the same files
# (`.msgen/` apart).
set -euo pipefail

BASELINE=${1:?usage: bench/change.sh <baseline commit> [RUNS]}
RUNS=${2:-9}
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d -t msgen-change.XXXXXX)
cleanup() {
    git -C "$REPO" worktree remove --force "$WORK/baseline" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "building msgen (release), the working tree's and $BASELINE's ..." >&2
(cd "$REPO" && cargo build -q --release --bin msgen)
cp "${CARGO_TARGET_DIR:-$REPO/target}/release/msgen" "$WORK/msgen-after"
git -C "$REPO" worktree add -q --detach "$WORK/baseline" "$BASELINE"
(cd "$WORK/baseline" && CARGO_TARGET_DIR="$REPO/target/bench-change" cargo build -q --release --bin msgen)
cp "$REPO/target/bench-change/release/msgen" "$WORK/msgen-before"

(cd "$REPO" && MSGEN_BENCH_SPEC_OUT="$WORK/spec.yaml" MSGEN_BENCH_ENTITIES=50 \
    cargo bench -q --bench generate >/dev/null 2>&1)
grep -q '^    description: The supplier entity.$' "$WORK/spec.yaml"
grep -q '^      amount: { type: decimal, min: 0 }$' "$WORK/spec.yaml"
python3 - "$WORK/spec.yaml" "$WORK" <<'EOF'
import sys
spec, work = sys.argv[1], sys.argv[2]
text = open(spec).read()
head, supplier = text.split("  Supplier:\n", 1)
body, rest = supplier.split("\n  Warehouse:", 1)
changes = {
    "description": body.replace("The supplier entity.", "The supplier entity, as changed.", 1),
    "constraint": body.replace("amount: { type: decimal, min: 0 }",
                               "amount: { type: decimal, min: 0, max: 1000000 }", 1),
}
for name, changed in changes.items():
    assert changed != body, name
    open(f"{work}/spec-{name}.yaml", "w").write(f"{head}  Supplier:\n{changed}\n  Warehouse:{rest}")
EOF
for variant in before after; do
    "$WORK/msgen-$variant" --quiet new bench-service --spec "$WORK/spec.yaml" --dir "$WORK/$variant"
done

now() { date +%s%N; }
# The files of a service but `.msgen/`, to tell that both msgens wrote the same.
listing() { (cd "$1" && find . -type f -not -path './.msgen/*' -exec md5sum {} + | sort -k2 | md5sum); }
# The median and the spread of microsecond figures, in milliseconds.
median() {
    python3 -c 'import sys, statistics
values = sorted(int(v) / 1000 for v in sys.argv[1:])
print(f"{statistics.median(values):7.1f} ms  (min {values[0]:.1f}, max {values[-1]:.1f})")' "$@"
}

declare -A TIMES=()
for run in $(seq 0 "$RUNS"); do
    for change in description constraint; do
        for spec in "spec-$change" spec; do
            for variant in before after; do
                dir="$WORK/$variant/bench-service"
                cp "$WORK/$spec.yaml" "$dir/msgen.yaml"
                start=$(now)
                (cd "$dir" && "$WORK/msgen-$variant" --quiet generate)
                end=$(now)
                # Run 0 is the warm-up.
                [ "$run" -gt 0 ] && TIMES[$variant-$change]+=" $(((end - start) / 1000))"
            done
            if [ "$(listing "$WORK/before/bench-service")" != "$(listing "$WORK/after/bench-service")" ]; then
                echo "the two msgens wrote different files ($spec.yaml)" >&2
                exit 1
            fi
        done
    done
done
for change in description constraint; do
    for variant in before after; do
        # shellcheck disable=SC2086
        printf '%-12s  %-6s  %s\n' "$change" "$variant" "$(median ${TIMES[$variant-$change]})"
    done
done
