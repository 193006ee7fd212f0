#!/usr/bin/env bash
# What the system's gateway adds to a request: the payment service of
# examples/payment-service.yaml (without `auth:`, bench/without-auth.sh; SQLite) in a system of
# its own, called directly and through its gateway, in the same run:
#   get     GET  /api/v1/payments/{id}
#   create  POST /api/v1/payments
# each with 1 connection (latency: what one caller waits) and with CONNECTIONS (throughput).
#
#   bench/gateway.sh                 (run from anywhere inside the repository)
#
# Settings (environment): DURATION seconds per measured run (5), WARMUP seconds before each
# (1), ROUNDS (5; the order direct/gateway is swapped every round), CONNECTIONS (32),
# CARGO_TARGET_DIR (default target/bench-gateway of the repository).
#
# Both run release builds with RUST_LOG=warn and no rate limit; the service and the gateway
# share the machine with wrk (1 thread), as they would share a node. Prints requests/s, p50
# and p99 of each run, then the medians over the rounds, the gateway's added p50 and p99 and
# its throughput as a share of the direct calls'.
set -euo pipefail

DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-5}
CONNECTIONS=${CONNECTIONS:-32}
REPO=$(cd "$(dirname "$0")/.." && pwd)
MSGEN_TARGET=${CARGO_TARGET_DIR:-$REPO/target}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target/bench-gateway}
WORK=$(mktemp -d -t msgen-gateway.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v bc >/dev/null || { apt-get update -qq && apt-get install -y -qq bc >/dev/null; }

(cd "$REPO" && CARGO_TARGET_DIR=$MSGEN_TARGET cargo build --release --quiet)
msgen="$MSGEN_TARGET/release/msgen"
system="$WORK/bench"
mkdir -p "$system"
cat >"$system/msgen-system.yaml" <<YAML
system: bench
ports: 8080-8099
services: [payment-service]
YAML
mkdir "$system/payment-service"
# Alone in its system, it consumes no event (nobody would publish it).
"$REPO/bench/without-auth.sh" | sed -e 's/^database: .*/database: sqlite/' -e 's/^broker: .*/broker: none/' \
    -e '/^  consume:/,$d' >"$system/payment-service/msgen.yaml"
(cd "$system" && "$msgen" --quiet system generate)
for crate in payment-service gateway; do
    cargo build --release --quiet --manifest-path "$system/$crate/Cargo.toml"
done

RUST_LOG=warn PORT=18101 DATABASE_URL="sqlite://$WORK/payments.db" \
    "$CARGO_TARGET_DIR/release/payment-service" >"$WORK/service.log" 2>&1 &
PIDS+=($!)
RUST_LOG=warn PORT=18100 RATE_LIMIT_PER_SECOND=0 PAYMENT_SERVICE_URL=http://127.0.0.1:18101 \
    "$CARGO_TARGET_DIR/release/bench-gateway" >"$WORK/gateway.log" 2>&1 &
PIDS+=($!)
for port in 18101 18100; do
    for _ in $(seq 100); do
        curl -fs -o /dev/null "http://127.0.0.1:$port/health/live" && break
        sleep 0.1
    done
done
body='{"order_id":"00000000-0000-0000-0000-00000000beef","amount":"12.50","currency":"EUR","customer_email":"load@example.com","note":null}'
id=$(curl -fs -H 'content-type: application/json' -d "$body" http://127.0.0.1:18101/api/v1/payments \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
# The same answer both ways.
[ "$(curl -fs "http://127.0.0.1:18101/api/v1/payments/$id")" = "$(curl -fs "http://127.0.0.1:18100/api/v1/payments/$id")" ]

# load NAME PORT ENDPOINT CONNECTIONS ROUND: one warm-up and one measured wrk run.
load() {
    local name=$1 port=$2 endpoint=$3 connections=$4 round=$5 url post=""
    case $endpoint in
        get) url="http://127.0.0.1:$port/api/v1/payments/$id" ;;
        create) url="http://127.0.0.1:$port/api/v1/payments" post=$body ;;
    esac
    WRK_BODY=$post wrk -t1 -c"$connections" -d"${WARMUP}s" -s "$REPO/bench/wrk.lua" "$url" >/dev/null
    local result
    result=$(WRK_BODY=$post wrk -t1 -c"$connections" -d"${DURATION}s" -s "$REPO/bench/wrk.lua" "$url" \
        | grep '^RESULT')
    read -r _ rps p50 p99 sock bad total <<<"$result"
    if [ "$sock" != 0 ] || [ "$bad" != 0 ]; then
        echo "warning: $name $endpoint c$connections: $sock socket errors, $bad non-2xx of $total" >&2
    fi
    echo "$endpoint $connections $name $round $rps $p50 $p99" >>"$WORK/results"
    printf '%-7s c%-3s %-8s round %s: %9.0f req/s  p50 %7.3f ms  p99 %7.3f ms\n' \
        "$endpoint" "$connections" "$name" "$round" "$rps" "$(echo "$p50/1000" | bc -l)" \
        "$(echo "$p99/1000" | bc -l)" >&2
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for round in $(seq 1 "$ROUNDS"); do
    for endpoint in get create; do
        for connections in 1 "$CONNECTIONS"; do
            if [ $((round % 2)) = 1 ]; then order="direct gateway"; else order="gateway direct"; fi
            for name in $order; do
                if [ "$name" = direct ]; then port=18101; else port=18100; fi
                load "$name" "$port" "$endpoint" "$connections" "$round"
            done
        done
    done
done

python3 - "$WORK/results" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
print(f"{'endpoint':8} {'conns':>5} {'direct req/s':>12} {'gateway req/s':>13} {'ratio':>6} "
      f"{'direct p50':>10} {'gateway p50':>11} {'added p50':>9} {'direct p99':>10} {'gateway p99':>11}")
for endpoint in ("get", "create"):
    for conns in sorted({r[1] for r in rows}, key=int):
        def med(name, col):
            return statistics.median(float(r[col]) for r in rows
                                     if r[0] == endpoint and r[1] == conns and r[2] == name)
        d_rps, g_rps = med("direct", 4), med("gateway", 4)
        d50, g50 = med("direct", 5) / 1000, med("gateway", 5) / 1000
        d99, g99 = med("direct", 6) / 1000, med("gateway", 6) / 1000
        print(f"{endpoint:8} {conns:>5} {d_rps:12.0f} {g_rps:13.0f} {g_rps / d_rps:6.2f} "
              f"{d50:8.3f}ms {g50:9.3f}ms {g50 - d50:7.3f}ms {d99:8.3f}ms {g99:9.3f}ms")
PY
