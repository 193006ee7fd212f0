#!/usr/bin/env bash
# The service the working tree's msgen generates against the one a baseline commit's msgen
# generates, side by side in one run: the payment example without `auth:` (bench/without-auth.sh)
# on SQLite or PostgreSQL, under load, to see what a template change costs per request.
#   get   GET /api/v1/payments/{id}
#   list  GET /api/v1/payments?order_id=...0001   (a page of 20, and the count)
#   create POST /api/v1/payments
# Variants: `before` (the baseline's service), `after` (this tree's), and `export` (this tree's
# with OTEL_EXPORTER_OTLP_ENDPOINT set, its spans sent to a collector that accepts and drops them;
# bench/otlp-sink.py on the client's cores).
#
#   bench/versus.sh <baseline commit>          (run from anywhere inside the repository)
#
# Settings (environment): DATABASE (sqlite; or postgres, at PG_URL, default
# postgres://postgres@127.0.0.1:5432, a new database per variant, dropped at the end),
# ENDPOINTS ("get list create"), DURATION seconds per measured run (5), WARMUP seconds before each (1),
# ROUNDS (3; the order of the variants rotates every round), CONNECTIONS (32), SEED rows (1000),
# CARGO_TARGET_DIR (default target/bench-runtime of the repository; both services build there,
# so their common dependencies compile once), PIN (as in bench/runtime.sh: the service on the
# last core, wrk on the others).
#
# Every variant is a release build with DATABASE_MAX_CONNECTIONS=10 and RUST_LOG=info on a fresh
# database seeded with the same rows through its API. Prints requests/s, p50, p99 and the
# server's CPU time per request of each run, then the medians and the ratios to `before`.
set -euo pipefail

BASELINE=${1:?usage: bench/versus.sh <baseline commit>}
DATABASE=${DATABASE:-sqlite}
ENDPOINTS=${ENDPOINTS:-get list create}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
SEED=${SEED:-1000}
REPO=$(cd "$(dirname "$0")/.." && pwd)
MSGEN_TARGET=${CARGO_TARGET_DIR:-$REPO/target}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target/bench-runtime}
WORK=$(mktemp -d -t msgen-versus.XXXXXX)
PIDS=()
CORES=$(nproc)
PIN=${PIN:-$([ "$CORES" -ge 2 ] && echo 1 || echo 0)}
if [ "$PIN" = 1 ]; then
    SERVER_CPUS="taskset -c $((CORES - 1))"
    CLIENT_CPUS="taskset -c 0-$((CORES - 2))"
else
    SERVER_CPUS="" CLIENT_CPUS=""
fi
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    git -C "$REPO" worktree remove --force "$WORK/baseline" 2>/dev/null || true
    if [ "$DATABASE" = postgres ]; then
        for variant in before after export; do
            psql -q "$PG_URL/postgres" -c "drop database if exists versus_${variant}_$$" >/dev/null 2>&1 || true
        done
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
for tool in wrk curl bc; do
    command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }
done

# --- build ----------------------------------------------------------------------------------
echo "building both msgens and both services (release) ..." >&2
git -C "$REPO" worktree add -q --detach "$WORK/baseline" "$BASELINE"
(cd "$REPO" && CARGO_TARGET_DIR=$MSGEN_TARGET cargo build -q --release --bin msgen)
(cd "$WORK/baseline" && CARGO_TARGET_DIR=$WORK/baseline-target cargo build -q --release --bin msgen)
"$REPO/bench/without-auth.sh" | sed "s/^database: sqlite$/database: $DATABASE/" >"$WORK/spec.yaml"
"$WORK/baseline-target/release/msgen" -q new payment-service --spec "$WORK/spec.yaml" --dir "$WORK/before"
"$MSGEN_TARGET/release/msgen" -q new payment-service --spec "$WORK/spec.yaml" --dir "$WORK/after"
mkdir -p "$WORK/bin"
for variant in before after; do
    (cd "$WORK/$variant/payment-service" && cargo build -q --release --locked)
    cp "$CARGO_TARGET_DIR/release/payment-service" "$WORK/bin/$variant"
done
cp "$WORK/bin/after" "$WORK/bin/export"

# --- run ------------------------------------------------------------------------------------
sink=18390
$CLIENT_CPUS python3 "$REPO/bench/otlp-sink.py" "$sink" >"$WORK/sink.log" 2>&1 &
PIDS+=($!)
declare -A PORTS=([before]=18391 [after]=18392 [export]=18393) PID ID
for variant in before after export; do
    port=${PORTS[$variant]}
    otlp=""
    [ "$variant" = export ] && otlp="http://127.0.0.1:$sink"
    case $DATABASE in
        sqlite) url="sqlite://$WORK/$variant.db" ;;
        postgres) url="$PG_URL/versus_${variant}_$$" ;;
    esac
    PORT=$port HOST=127.0.0.1 DATABASE_URL=$url DATABASE_MAX_CONNECTIONS=10 \
        RUST_LOG=info OTEL_EXPORTER_OTLP_ENDPOINT=$otlp \
        $SERVER_CPUS "$WORK/bin/$variant" >"$WORK/$variant.log" 2>&1 &
    PIDS+=($!)
    PID[$variant]=$!
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break
        sleep 0.1
    done
    ID[$variant]=$(python3 "$REPO/bench/seed.py" "http://127.0.0.1:$port/api/v1" "$SEED")
done

# load VARIANT ENDPOINT ROUND: one warm-up and one measured wrk run.
load() {
    local variant=$1 endpoint=$2 round=$3 port=${PORTS[$1]} url body=""
    case $endpoint in
        get) url="http://127.0.0.1:$port/api/v1/payments/${ID[$variant]}" ;;
        list) url="http://127.0.0.1:$port/api/v1/payments?order_id=00000000-0000-0000-0000-000000000001" ;;
        create)
            url="http://127.0.0.1:$port/api/v1/payments"
            body='{"order_id": "00000000-0000-0000-0000-000000000063", "amount": "12.50", "currency": "EUR", "customer_email": "load@example.com"}'
            ;;
    esac
    WRK_BODY=$body $CLIENT_CPUS wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" -s "$REPO/bench/wrk.lua" "$url" >/dev/null
    local pid=${PID[$variant]} cpu0 cpu1 result
    cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    result=$(WRK_BODY=$body $CLIENT_CPUS wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" \
        -s "$REPO/bench/wrk.lua" "$url" | grep '^RESULT')
    cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    read -r _ rps p50 p99 sock bad total <<<"$result"
    if [ "$sock" != 0 ] || [ "$bad" != 0 ]; then
        echo "warning: $variant $endpoint: $sock socket errors, $bad non-2xx of $total" >&2
    fi
    local cpu_us
    cpu_us=$(echo "($cpu1 - $cpu0) * 1000000 / $(getconf CLK_TCK) / $total" | bc -l)
    echo "$endpoint $variant $round $rps $p50 $p99 $cpu_us" >>"$WORK/results"
    printf '%-6s %-7s round %s: %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  cpu %5.1f us/req\n' \
        "$endpoint" "$variant" "$round" "$rps" "$(echo "$p50/1000" | bc -l)" \
        "$(echo "$p99/1000" | bc -l)" "$cpu_us" >&2
}

orders=("before after export" "after export before" "export before after")
for round in $(seq 1 "$ROUNDS"); do
    for endpoint in $ENDPOINTS; do
        for variant in ${orders[$(((round - 1) % 3))]}; do load "$variant" "$endpoint" "$round"; done
    done
done
echo "spans received by the collector: $(cat "$WORK/sink.log" | tail -1)" >&2

python3 - "$WORK/results" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
print(f"{'endpoint':<9}{'variant':<9}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'cpu us':>9}")
for endpoint in dict.fromkeys(r[0] for r in rows):
    medians = {}
    for variant in ("before", "after", "export"):
        runs = [r for r in rows if r[0] == endpoint and r[1] == variant]
        m = [statistics.median(float(r[i]) for r in runs) for i in (3, 4, 5, 6)]
        medians[variant] = m
        print(f"{endpoint:<9}{variant:<9}{m[0]:>10.0f}{m[1] / 1000:>9.2f}{m[2] / 1000:>9.2f}{m[3]:>9.1f}")
    b = medians["before"]
    for variant in ("after", "export"):
        v = medians[variant]
        ratios = "".join(f"{v[i] / b[i]:>9.2f}" for i in (1, 2, 3))
        print(f"{endpoint:<9}{variant + '/b':<9}{v[0] / b[0]:>10.2f}{ratios}")
EOF
