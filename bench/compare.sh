#!/usr/bin/env bash
# Generation time and peak memory: `msgen new` (release build) against OpenAPI Generator
# (`rust-axum`) generating the same API, N runs each, the commands alternated within one run.
#
#   bench/compare.sh [N]          (default N=5; run from anywhere inside the repository)
#
# Inputs, for both generators:
#   payment  examples/payment-service.yaml; OpenAPI Generator gets the openapi.yaml that msgen
#            generated for it.
#   50       the synthetic 50-entity spec of benches/generate.rs, written by running that bench
#            with MSGEN_BENCH_SPEC_OUT set; OpenAPI Generator gets msgen's openapi.yaml for it.
#
# Wall time is taken with nanosecond timestamps around each command (GNU time's %e has only
# 10 ms resolution, too coarse for msgen); peak memory is GNU time's %M (maximum resident set
# of the process tree's largest process, in KiB). Prints the median of each, and the ratios.
# Needs: cargo, python3, Java 17+, GNU time (installed with apt-get when missing) and
# openapi-generator-cli (installed with pip when missing).
set -euo pipefail

N=${1:-5}
REPO=$(cd "$(dirname "$0")/.." && pwd)
# COMPARE_DIR: where the outputs are written (default: the system temp directory).
WORK=$(mktemp -d -p "${COMPARE_DIR:-${TMPDIR:-/tmp}}" msgen-compare.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if [ ! -x /usr/bin/time ]; then
    apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
if ! command -v openapi-generator-cli >/dev/null; then
    pip install -q openapi-generator-cli
fi
command -v java >/dev/null || { echo "compare.sh needs Java (17 or later)" >&2; exit 2; }

echo "building msgen (release) ..." >&2
(cd "$REPO" && cargo build -q --release --bin msgen)
MSGEN=${CARGO_TARGET_DIR:-$REPO/target}/release/msgen
echo "writing the 50-entity spec ..." >&2
(cd "$REPO" && MSGEN_BENCH_SPEC_OUT="$WORK/bench-50.yaml" cargo bench -q --bench generate >/dev/null 2>&1)

declare -A SPEC NAME
SPEC[payment]=$REPO/examples/payment-service.yaml
NAME[payment]=payment-service
SPEC[50]=$WORK/bench-50.yaml
NAME[50]=bench-service

# The OpenAPI document msgen generates for each spec is OpenAPI Generator's input.
for api in payment 50; do
    "$MSGEN" -q new "${NAME[$api]}" --spec "${SPEC[$api]}" --dir "$WORK/seed-$api"
    cp "$WORK/seed-$api/${NAME[$api]}/openapi.yaml" "$WORK/openapi-$api.yaml"
done
OGEN_VERSION=$(openapi-generator-cli version 2>/dev/null | tail -1)

# run TOOL API I: one timed run into a fresh directory; appends "tool api ms kib" to results.
run() {
    local tool=$1 api=$2 i=$3 out="$WORK/out-$1-$2-$3" start end
    mkdir -p "$out"
    start=$(date +%s%N)
    case $tool in
        msgen)
            /usr/bin/time -f '%M' -o "$WORK/mem" \
                "$MSGEN" -q new "${NAME[$api]}" --spec "${SPEC[$api]}" --dir "$out" ;;
        openapi-generator)
            /usr/bin/time -f '%M' -o "$WORK/mem" \
                openapi-generator-cli generate -g rust-axum -i "$WORK/openapi-$api.yaml" \
                -o "$out/${NAME[$api]}" >"$WORK/ogen-$api-$i.log" 2>&1 ;;
    esac
    end=$(date +%s%N)
    echo "$tool $api $(( (end - start) / 1000 )) $(tail -1 "$WORK/mem")" >>"$WORK/results"
    rm -rf "$out"
}

for i in $(seq 1 "$N"); do
    echo "round $i/$N ..." >&2
    for api in payment 50; do
        run msgen "$api" "$i"
        run openapi-generator "$api" "$i"
    done
done

python3 - "$WORK/results" "$N" "$OGEN_VERSION" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
n, ogen = sys.argv[2], sys.argv[3]
data = {}
for tool, api, us, kib in rows:
    data.setdefault((tool, api), []).append((int(us) / 1000, int(kib)))
print(f"msgen new vs OpenAPI Generator {ogen} (rust-axum), {n} runs each, medians")
print(f"{'api':<10}{'tool':<20}{'wall ms':>10}{'min..max ms':>20}{'peak MiB':>10}")
for api in ("payment", "50"):
    med = {}
    for tool in ("msgen", "openapi-generator"):
        runs = data[(tool, api)]
        ms = [r[0] for r in runs]
        mib = statistics.median(r[1] for r in runs) / 1024
        med[tool] = (statistics.median(ms), mib)
        span = f"{min(ms):.1f}..{max(ms):.1f}"
        print(f"{api:<10}{tool:<20}{med[tool][0]:>10.1f}{span:>20}{mib:>10.1f}")
    t = med["openapi-generator"][0] / med["msgen"][0]
    m = med["openapi-generator"][1] / med["msgen"][1]
    print(f"{api:<10}{'ratio (ogen/msgen)':<20}{t:>10.1f}x{'':>19}{m:>9.1f}x")
EOF
