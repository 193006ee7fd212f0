#!/usr/bin/env bash
# CPU instructions per request (user space, all threads), counted by valgrind's callgrind: the
# generated payment service against the hand-written baseline, SQLite, for the endpoints of
# bench/runtime.sh. Unlike requests/s this hardly depends on what else the machine is doing,
# so it shows small differences that load tests on a busy machine cannot.
#
#   bench/instructions.sh [N] [COMMIT]   (N requests per endpoint, default 2000, one connection)
#
# With COMMIT, the service that commit's msgen generates ("before") is counted too, beside this
# tree's ("generated") and the baseline, in the same run.
#
# Each service is started under callgrind with counting off, seeded with 300 rows, warmed with
# 50 requests; counting is on only while the N requests run. Counts of one program differ from
# run to run by a few percent (probably because how often a request is polled depends on
# timing), so each service is counted ROUNDS times, in an order that turns every round, and
# the median is printed with every round's count. Settings (environment): ENDPOINTS ("get
# list create"), ROUNDS (3), CARGO_TARGET_DIR (as bench/runtime.sh: target/bench-runtime).
# Needs valgrind (installed with apt-get when missing).
set -euo pipefail

N=${1:-2000}
BEFORE=${2:-}
ENDPOINTS=${ENDPOINTS:-get list create}
ROUNDS=${ROUNDS:-3}
REPO=$(cd "$(dirname "$0")/.." && pwd)
MSGEN_TARGET=${CARGO_TARGET_DIR:-$REPO/target}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target/bench-runtime}
WORK=$(mktemp -d -t msgen-instructions.XXXXXX)
cleanup() {
    git -C "$REPO" worktree remove --force "$WORK/before-src" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }

(cd "$REPO" && CARGO_TARGET_DIR=$MSGEN_TARGET cargo build -q --release --bin msgen)
"$REPO/bench/without-auth.sh" >"$WORK/payment-service.yaml"
"$MSGEN_TARGET/release/msgen" -q new payment-service \
    --spec "$WORK/payment-service.yaml" --database sqlite --dir "$WORK/gen"
(cd "$WORK/gen/payment-service" && cargo generate-lockfile -q && cargo build -q --release)
cp "$CARGO_TARGET_DIR/release/payment-service" "$WORK/generated"
SERVICES="generated baseline"
if [ -n "$BEFORE" ]; then
    git -C "$REPO" worktree add -q --detach "$WORK/before-src" "$BEFORE"
    (cd "$WORK/before-src" && CARGO_TARGET_DIR="$REPO/target/bench-change" \
        cargo build -q --release --bin msgen)
    "$REPO/target/bench-change/release/msgen" -q new payment-service \
        --spec "$WORK/payment-service.yaml" --database sqlite --dir "$WORK/before-gen"
    # The same crate versions as this tree's service.
    cp "$WORK/gen/payment-service/Cargo.lock" "$WORK/before-gen/payment-service/"
    (cd "$WORK/before-gen/payment-service" && cargo build -q --release)
    cp "$CARGO_TARGET_DIR/release/payment-service" "$WORK/before"
    SERVICES="before generated baseline"
fi
cp -r "$REPO/bench/baseline" "$WORK/baseline-src"
rm -f "$WORK/baseline-src/Cargo.lock"
cp "$WORK/gen/payment-service/Cargo.lock" "$WORK/baseline-src/"
(cd "$WORK/baseline-src" && cargo build -q --release --features sqlite)
cp "$CARGO_TARGET_DIR/release/payment-baseline" "$WORK/baseline"

# The client: `warm` sends 50 requests, `run` sends N; every answer must be a success.
cat >"$WORK/client.py" <<'EOF'
import http.client, json, sys
port, id, endpoint, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
body = json.dumps({"order_id": "00000000-0000-0000-0000-00000000beef", "amount": "12.50",
                   "currency": "EUR", "customer_email": "load@example.com", "note": None})
for _ in range(count):
    if endpoint == "get":
        conn.request("GET", f"/api/v1/payments/{id}")
    elif endpoint == "list":
        conn.request("GET", "/api/v1/payments?order_id=00000000-0000-0000-0000-000000000001")
    else:
        conn.request("POST", "/api/v1/payments", body, {"Content-Type": "application/json"})
    answer = conn.getresponse()
    answer.read()
    assert answer.status in (200, 201), answer.status
EOF

# Counts one service's endpoint once: instructions per request.
count() {
    local name=$1 endpoint=$2 port=$3 out pid id total
    out="$WORK/callgrind.$name.$endpoint.$port"
    PORT=$port DATABASE_URL="sqlite://$WORK/$name-$endpoint-$port.db" DATABASE_MAX_CONNECTIONS=10 \
        RUST_LOG=info valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
        "$WORK/$name" >"$WORK/$name.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do
        curl -sf "http://127.0.0.1:$port/api/v1/payments?limit=1" >/dev/null && break
        sleep 0.2
    done
    id=$(python3 "$REPO/bench/seed.py" "http://127.0.0.1:$port/api/v1" 300)
    python3 "$WORK/client.py" "$port" "$id" "$endpoint" 50
    callgrind_control -i on "$pid" >/dev/null 2>&1
    python3 "$WORK/client.py" "$port" "$id" "$endpoint" "$N"
    callgrind_control -i off "$pid" >/dev/null 2>&1
    callgrind_control -d "$pid" >/dev/null 2>&1
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    total=$(callgrind_annotate "$out.1" 2>/dev/null \
        | awk '/PROGRAM TOTALS/ && !done {gsub(",", "", $1); print $1; done = 1}')
    rm -f "$out"*
    echo $((total / N))
}

port=18190
read -r -a names <<<"$SERVICES"
declare -A COUNTS
for endpoint in $ENDPOINTS; do
    for round in $(seq 0 $((ROUNDS - 1))); do
        for i in "${!names[@]}"; do
            name=${names[$(((i + round) % ${#names[@]}))]}
            port=$((port + 1))
            COUNTS[$endpoint.$name]+="$(count "$name" "$endpoint" "$port") "
        done
    done
done
printf '%-8s %-10s %14s   %s\n' endpoint service instructions/request "each round"
for endpoint in $ENDPOINTS; do
    for name in $SERVICES; do
        rounds=${COUNTS[$endpoint.$name]}
        median=$(tr ' ' '\n' <<<"$rounds" | grep . | sort -n \
            | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
        printf '%-8s %-10s %14d   %s\n' "$endpoint" "$name" "$median" "$rounds"
    done
done
