#!/usr/bin/env bash
# What an `Idempotency-Key` costs a create: the payment example without `auth:`
# (bench/without-auth.sh) on SQLite, `POST /api/v1/payments` under load without a key ("plain")
# and with a key of its own on every request ("keyed": the key claimed before the operation,
# the answer stored after it), alternating, in one run of one release build of this tree.
#
#   bench/idempotency.sh
#
# Settings (environment): DURATION seconds per measured run (5), WARMUP seconds before each (1),
# ROUNDS (5), CONNECTIONS (32), CARGO_TARGET_DIR (default target/bench-runtime, shared with
# bench/versus.sh), PIN (the service on the last core, wrk on the others, as bench/runtime.sh).
# Prints requests/s, p50, p99 and the server's CPU time per request of each run, then the
# medians and the ratios keyed/plain.
set -euo pipefail

DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-5}
CONNECTIONS=${CONNECTIONS:-32}
REPO=$(cd "$(dirname "$0")/.." && pwd)
MSGEN_TARGET=${CARGO_TARGET_DIR:-$REPO/target}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target/bench-runtime}
WORK=$(mktemp -d -t msgen-idempotency.XXXXXX)
CORES=$(nproc)
PIN=${PIN:-$([ "$CORES" -ge 2 ] && echo 1 || echo 0)}
if [ "$PIN" = 1 ]; then
    SERVER_CPUS="taskset -c $((CORES - 1))"
    CLIENT_CPUS="taskset -c 0-$((CORES - 2))"
else
    SERVER_CPUS="" CLIENT_CPUS=""
fi
SERVER=""
cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
for tool in wrk curl bc; do
    command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }
done

echo "building msgen and the service (release) ..." >&2
(cd "$REPO" && CARGO_TARGET_DIR=$MSGEN_TARGET cargo build -q --release --bin msgen)
"$REPO/bench/without-auth.sh" >"$WORK/spec.yaml"
"$MSGEN_TARGET/release/msgen" -q new payment-service --spec "$WORK/spec.yaml" --dir "$WORK"
(cd "$WORK/payment-service" && cargo build -q --release --locked)

port=18394
PORT=$port HOST=127.0.0.1 DATABASE_URL="sqlite://$WORK/payments.db" DATABASE_MAX_CONNECTIONS=10 \
    RUST_LOG=info $SERVER_CPUS "$CARGO_TARGET_DIR/release/payment-service" >"$WORK/service.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break
    sleep 0.1
done

url="http://127.0.0.1:$port/api/v1/payments"
body='{"order_id": "00000000-0000-0000-0000-000000000063", "amount": "12.50", "currency": "EUR", "customer_email": "load@example.com"}'
# load VARIANT ROUND: one warm-up and one measured wrk run.
load() {
    local variant=$1 round=$2 keyed=0 cpu0 cpu1 result cpu_us
    [ "$variant" = keyed ] && keyed=1
    WRK_BODY=$body WRK_KEYED=$keyed $CLIENT_CPUS wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" \
        -s "$REPO/bench/wrk.lua" "$url" >/dev/null
    cpu0=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
    result=$(WRK_BODY=$body WRK_KEYED=$keyed $CLIENT_CPUS wrk -t1 -c"$CONNECTIONS" \
        -d"${DURATION}s" -s "$REPO/bench/wrk.lua" "$url" | grep '^RESULT')
    cpu1=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
    read -r _ rps p50 p99 sock bad total <<<"$result"
    if [ "$sock" != 0 ] || [ "$bad" != 0 ]; then
        echo "warning: $variant: $sock socket errors, $bad non-2xx of $total" >&2
    fi
    cpu_us=$(echo "($cpu1 - $cpu0) * 1000000 / $(getconf CLK_TCK) / $total" | bc -l)
    echo "$variant $round $rps $p50 $p99 $cpu_us" >>"$WORK/results"
    printf '%-6s round %s: %7.0f req/s  p50 %6.2f ms  p99 %7.2f ms  cpu %5.1f us/req\n' \
        "$variant" "$round" "$rps" "$(echo "$p50/1000" | bc -l)" "$(echo "$p99/1000" | bc -l)" \
        "$cpu_us" >&2
}

for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then order="plain keyed"; else order="keyed plain"; fi
    for variant in $order; do load "$variant" "$round"; done
done
echo "idempotency keys stored: $(sqlite3 "$WORK/payments.db" 'select count(*) from idempotency_keys' 2>/dev/null || echo '?')" >&2

python3 - "$WORK/results" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
print(f"{'variant':<9}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'cpu us':>9}")
medians = {}
for variant in ("plain", "keyed"):
    runs = [r for r in rows if r[0] == variant]
    m = [statistics.median(float(r[i]) for r in runs) for i in (2, 3, 4, 5)]
    medians[variant] = m
    print(f"{variant:<9}{m[0]:>10.0f}{m[1] / 1000:>9.2f}{m[2] / 1000:>9.2f}{m[3]:>9.1f}")
p, k = medians["plain"], medians["keyed"]
print(f"{'keyed/p':<9}{k[0] / p[0]:>10.2f}" + "".join(f"{k[i] / p[i]:>9.2f}" for i in (1, 2, 3)))
EOF
