#!/usr/bin/env bash
# Build cost of a generated service (debug builds, as in day-to-day work):
#   clean        `cargo build` of the service crate alone, its dependencies already compiled
#                (`cargo clean -p <service>` first; the dependency cache stays warm);
#   regenerate   `msgen generate` after adding one optional field to an entity in msgen.yaml;
#   incremental  the `cargo build` right after that;
#   noop         `msgen generate` (the whole process) when the spec did not change: nothing is
#                written.
#
#   bench/buildcost.sh [REPEAT]      (default REPEAT=3; run from anywhere inside the repository)
#
# Settings (environment): SPECS ("payment", or "payment 50" to add the synthetic 50-entity spec
# of benches/generate.rs), CARGO_TARGET_DIR (default target/bench-build of the repository; the
# first build fills it and is reported as `cold`, with whatever the directory already had).
set -euo pipefail

REPEAT=${1:-3}
SPECS=${SPECS:-payment}
REPO=$(cd "$(dirname "$0")/.." && pwd)
MSGEN_TARGET=${CARGO_TARGET_DIR:-$REPO/target}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target/bench-build}
WORK=$(mktemp -d -t msgen-buildcost.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

echo "building msgen (release) ..." >&2
(cd "$REPO" && CARGO_TARGET_DIR=$MSGEN_TARGET cargo build -q --release --bin msgen)
MSGEN=$MSGEN_TARGET/release/msgen

# seconds CMD...: runs CMD (quietly) and prints its wall time in seconds.
seconds() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr" >&2; exit 1; }
    end=$(date +%s%N)
    echo "scale=3; ($end - $start) / 1000000000" | bc
}

for api in $SPECS; do
    case $api in
        payment) spec=$REPO/examples/payment-service.yaml name=payment-service entity=Payment ;;
        50)
            spec=$WORK/bench-50.yaml name=bench-service entity=Customer
            (cd "$REPO" && MSGEN_BENCH_SPEC_OUT="$spec" CARGO_TARGET_DIR=$MSGEN_TARGET \
                cargo bench -q --bench generate >/dev/null 2>&1) ;;
    esac
    "$MSGEN" -q new "$name" --spec "$spec" --dir "$WORK/$api"
    dir=$WORK/$api/$name
    for i in $(seq 1 "$REPEAT"); do
        t=$(cd "$dir" && seconds "$MSGEN" -q generate)
        echo "$api noop $t" | tee -a "$WORK/results" >&2
    done
    cold=$(cd "$dir" && seconds cargo build)
    echo "$api cold $cold" | tee -a "$WORK/results" >&2
    for i in $(seq 1 "$REPEAT"); do
        (cd "$dir" && cargo clean -q -p "$name")
        t=$(cd "$dir" && seconds cargo build)
        echo "$api clean $t" | tee -a "$WORK/results" >&2
    done
    for i in $(seq 1 "$REPEAT"); do
        # One more optional field on the entity, then regenerate and rebuild.
        python3 - "$dir/msgen.yaml" "$entity" "$i" <<'EOF'
import sys
path, entity, i = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(path).read().split("\n")
at = lines.index(f"  {entity}:")
fields = next(n for n in range(at, len(lines)) if lines[n].strip() == "fields:")
lines.insert(fields + 1, f"      bench_extra_{i}: {{ type: string, optional: true }}")
open(path, "w").write("\n".join(lines))
EOF
        g=$(cd "$dir" && seconds "$MSGEN" -q generate)
        t=$(cd "$dir" && seconds cargo build)
        echo "$api regenerate $g" | tee -a "$WORK/results" >&2
        echo "$api incremental $t" | tee -a "$WORK/results" >&2
    done
done

python3 - "$WORK/results" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print(f"{'spec':<10}{'step':<13}{'median s':>10}{'runs':>30}")
seen = []
for api, step, _ in rows:
    if (api, step) not in seen:
        seen.append((api, step))
for api, step in seen:
    ts = [float(r[2]) for r in rows if r[0] == api and r[1] == step]
    print(f"{api:<10}{step:<13}{statistics.median(ts):>10.3f}{' '.join(f'{t:.3f}' for t in ts):>30}")
EOF
