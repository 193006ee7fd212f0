#!/usr/bin/env bash
# What checking tokens costs: the payment example with `auth:` (a JWT checked on every request:
# RS256, the key from a running OpenID Connect provider, tools/oidc/provider.mjs) against the
# same service without it (bench/without-auth.sh), side by side in one run, on SQLite:
#   get   GET /api/v1/payments/{id}
#   list  GET /api/v1/payments?order_id=...0001   (a page of 20, and the count)
#
#   bench/auth.sh                    (run from anywhere inside the repository)
#
# Settings (environment): DURATION seconds per measured run (5), WARMUP seconds before each (1),
# ROUNDS (3; the order of the two services is swapped every round), CONNECTIONS (32), SEED rows
# (1000), CARGO_TARGET_DIR (default target/bench-runtime of the repository), PIN (as in
# bench/runtime.sh: the service on the last core, wrk on the others).
#
# Both run in release builds with DATABASE_MAX_CONNECTIONS=10 and RUST_LOG=info on fresh SQLite
# files seeded with the same rows through their APIs; the service with auth: counts every request
# against its client's rate limit, set high enough never to refuse one. Needs node and tools/oidc/node_modules
# (tools/test.sh installs them). Prints requests/s, p50, p99 and the server's CPU time per
# request of each run, then the medians and the ratio with auth / without.
set -euo pipefail

DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
SEED=${SEED:-1000}
REPO=$(cd "$(dirname "$0")/.." && pwd)
MSGEN_TARGET=${CARGO_TARGET_DIR:-$REPO/target}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target/bench-runtime}
WORK=$(mktemp -d -t msgen-auth.XXXXXX)
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
    rm -rf "$WORK"
}
trap cleanup EXIT
for tool in wrk curl bc; do
    command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }
done

# --- build ----------------------------------------------------------------------------------
echo "building msgen and both services (release) ..." >&2
(cd "$REPO" && CARGO_TARGET_DIR=$MSGEN_TARGET cargo build -q --release --bin msgen)
MSGEN=$MSGEN_TARGET/release/msgen
"$REPO/bench/without-auth.sh" >"$WORK/without.yaml"
"$MSGEN" -q new payment-service --spec "$REPO/examples/payment-service.yaml" --dir "$WORK/with"
"$MSGEN" -q new payment-service --spec "$WORK/without.yaml" --dir "$WORK/without"
mkdir -p "$WORK/bin"
for variant in with without; do
    (cd "$WORK/$variant/payment-service" && cargo build -q --release --locked)
    cp "$CARGO_TARGET_DIR/release/payment-service" "$WORK/bin/$variant"
done

# --- run ------------------------------------------------------------------------------------
provider=18290
OIDC_CLIENTS='{"bench": "payments:read payments:write"}' \
    node "$REPO/tools/oidc/provider.mjs" "$provider" payment-service bench >"$WORK/oidc.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$provider/jwks" >/dev/null && break
    sleep 0.1
done
TOKEN=$(curl -sf -u bench:bench -d grant_type=client_credentials \
    -d "scope=payments:read payments:write" "http://127.0.0.1:$provider/token" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

declare -A PORTS=([with]=18291 [without]=18292) PID
for variant in with without; do
    port=${PORTS[$variant]}
    PORT=$port HOST=127.0.0.1 DATABASE_URL="sqlite://$WORK/$variant.db" DATABASE_MAX_CONNECTIONS=10 \
        RUST_LOG=info AUTH_ISSUER="http://127.0.0.1:$provider" RATE_LIMIT_PER_SECOND=100000000 \
        AUTH_JWKS_URL="http://127.0.0.1:$provider/jwks" \
        $SERVER_CPUS "$WORK/bin/$variant" >"$WORK/$variant.log" 2>&1 &
    PIDS+=($!)
    PID[$variant]=$!
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break
        sleep 0.1
    done
done
declare -A ID
ID[with]=$(TOKEN=$TOKEN python3 "$REPO/bench/seed.py" "http://127.0.0.1:${PORTS[with]}/api/v1" "$SEED")
ID[without]=$(python3 "$REPO/bench/seed.py" "http://127.0.0.1:${PORTS[without]}/api/v1" "$SEED")

# load VARIANT ENDPOINT ROUND: one warm-up and one measured wrk run.
load() {
    local variant=$1 endpoint=$2 round=$3 port=${PORTS[$1]} url token=""
    case $endpoint in
        get) url="http://127.0.0.1:$port/api/v1/payments/${ID[$variant]}" ;;
        list) url="http://127.0.0.1:$port/api/v1/payments?order_id=00000000-0000-0000-0000-000000000001" ;;
    esac
    [ "$variant" = with ] && token=$TOKEN
    WRK_TOKEN=$token $CLIENT_CPUS wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" -s "$REPO/bench/wrk.lua" "$url" >/dev/null
    local pid=${PID[$variant]} cpu0 cpu1 result
    cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    result=$(WRK_TOKEN=$token $CLIENT_CPUS wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" \
        -s "$REPO/bench/wrk.lua" "$url" | grep '^RESULT')
    cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    read -r _ rps p50 p99 sock bad total <<<"$result"
    if [ "$sock" != 0 ] || [ "$bad" != 0 ]; then
        echo "warning: $variant $endpoint: $sock socket errors, $bad non-2xx of $total" >&2
    fi
    local cpu_us
    cpu_us=$(echo "($cpu1 - $cpu0) * 1000000 / $(getconf CLK_TCK) / $total" | bc -l)
    echo "$endpoint $variant $round $rps $p50 $p99 $cpu_us" >>"$WORK/results"
    printf '%-5s %-8s round %s: %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  cpu %5.1f us/req\n' \
        "$endpoint" "$variant" "$round" "$rps" "$(echo "$p50/1000" | bc -l)" \
        "$(echo "$p99/1000" | bc -l)" "$cpu_us" >&2
}

for round in $(seq 1 "$ROUNDS"); do
    for endpoint in get list; do
        if [ $((round % 2)) = 1 ]; then order="with without"; else order="without with"; fi
        for variant in $order; do load "$variant" "$endpoint" "$round"; done
    done
done

python3 - "$WORK/results" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
print(f"{'endpoint':<9}{'variant':<9}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'cpu us':>9}")
for endpoint in ("get", "list"):
    medians = {}
    for variant in ("with", "without"):
        runs = [r for r in rows if r[0] == endpoint and r[1] == variant]
        m = [statistics.median(float(r[i]) for r in runs) for i in (3, 4, 5, 6)]
        medians[variant] = m
        print(f"{endpoint:<9}{variant:<9}{m[0]:>10.0f}{m[1] / 1000:>9.2f}{m[2] / 1000:>9.2f}{m[3]:>9.1f}")
    w, wo = medians["with"], medians["without"]
    print(f"{endpoint:<9}{'ratio':<9}{w[0] / wo[0]:>10.2f}{w[1] / wo[1]:>9.2f}{w[2] / wo[2]:>9.2f}{w[3] / wo[3]:>9.2f}")
EOF
