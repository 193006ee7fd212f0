#!/usr/bin/env bash
# Runtime throughput and latency: the payment service msgen generates from
# examples/payment-service.yaml (without `auth:`: the baseline checks no tokens; see
# bench/without-auth.sh) against the hand-written baseline in bench/baseline/, on SQLite
# and on PostgreSQL, for three endpoints:
#   get     GET  /api/v1/payments/{id}
#   list    GET  /api/v1/payments?order_id=...0001   (a page of 20, and the count)
#   create  POST /api/v1/payments
#
#   bench/runtime.sh                 (run from anywhere inside the repository)
#
# Settings (environment): DURATION seconds per measured run (5), WARMUP seconds before each
# (1), ROUNDS (3; the order generated/baseline is swapped every round), CONNECTIONS (32),
# SEED rows (1000), DATABASES ("sqlite postgres"), PG_URL (postgres://postgres@127.0.0.1:5432),
# CARGO_TARGET_DIR (shared by both builds; default target/bench-runtime of the repository),
# PIN (1 on a machine with at least 2 cores: the service runs on the last core and wrk on the
# others, so that the two do not take turns on the same core; 0 lets the scheduler place them).
#
# Both services run in release builds with DATABASE_MAX_CONNECTIONS=10 and RUST_LOG=info, each
# with a fresh database (a new SQLite file; a new PostgreSQL database, dropped at the end),
# seeded with the same rows through its own API. Load comes from wrk (installed with apt-get
# when missing), 1 thread, on 127.0.0.1 only. The 1000 seeded rows pay 50 orders, 20 each;
# created rows pay another order, so the listed order keeps its 20 rows. Prints requests/s, p50 and p99 of each run and the
# server's CPU time (user + system, all its threads) per request, then the median over the
# rounds and the ratio generated/baseline.
set -euo pipefail

DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
SEED=${SEED:-1000}
DATABASES=${DATABASES:-sqlite postgres}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
REPO=$(cd "$(dirname "$0")/.." && pwd)
MSGEN_TARGET=${CARGO_TARGET_DIR:-$REPO/target}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target/bench-runtime}
WORK=$(mktemp -d -t msgen-runtime.XXXXXX)
PIDS=()
declare -A SERVER_PID
PG_DBS=()
RUN_ID=$$
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
    for db in "${PG_DBS[@]}"; do
        psql -q "$PG_URL/postgres" -c "drop database if exists $db" >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }

# --- build ----------------------------------------------------------------------------------
mkdir -p "$WORK/bin"
echo "building msgen (release) ..." >&2
(cd "$REPO" && CARGO_TARGET_DIR=$MSGEN_TARGET cargo build -q --release --bin msgen)
MSGEN=$MSGEN_TARGET/release/msgen
"$REPO/bench/without-auth.sh" >"$WORK/payment-service.yaml"
for db in $DATABASES; do
    "$MSGEN" -q new payment-service --spec "$WORK/payment-service.yaml" \
        --database "$db" --dir "$WORK/gen-$db"
done
# The baseline is built from a copy, with the generated service's lock file, so that the
# crates both use (axum, sqlx, tokio, serde, ...) are the same versions.
cp -r "$REPO/bench/baseline" "$WORK/baseline"
rm -f "$WORK/baseline/Cargo.lock"
first_db=${DATABASES%% *}
(cd "$WORK/gen-$first_db/payment-service" && cargo generate-lockfile -q)
cp "$WORK/gen-$first_db/payment-service/Cargo.lock" "$WORK/baseline/Cargo.lock"
for db in $DATABASES; do
    echo "building the generated service for $db (release) ..." >&2
    cp "$WORK/gen-$first_db/payment-service/Cargo.lock" "$WORK/gen-$db/payment-service/" 2>/dev/null || true
    (cd "$WORK/gen-$db/payment-service" && cargo build -q --release)
    cp "$CARGO_TARGET_DIR/release/payment-service" "$WORK/bin/generated-$db"
    echo "building the baseline for $db (release) ..." >&2
    (cd "$WORK/baseline" && cargo build -q --release --features "$db")
    cp "$CARGO_TARGET_DIR/release/payment-baseline" "$WORK/bin/baseline-$db"
done

# --- run ------------------------------------------------------------------------------------
# start NAME DB PORT: starts bin/NAME-DB on PORT with a fresh database; waits until it answers.
start() {
    local name=$1 db=$2 port=$3 url
    case $db in
        sqlite) url="sqlite://$WORK/$name.db" ;;
        postgres)
            local database="msgen_bench_${name}_$RUN_ID"
            psql -q "$PG_URL/postgres" -c "drop database if exists $database" >/dev/null
            psql -q "$PG_URL/postgres" -c "create database $database" >/dev/null
            PG_DBS+=("$database")
            url="$PG_URL/$database" ;;
    esac
    PORT=$port HOST=127.0.0.1 DATABASE_URL=$url DATABASE_MAX_CONNECTIONS=10 RUST_LOG=info \
        $SERVER_CPUS "$WORK/bin/$name-$db" >"$WORK/$name-$db.log" 2>&1 &
    PIDS+=($!)
    SERVER_PID[$name]=$!
    for _ in $(seq 1 100); do
        if curl -sf "http://127.0.0.1:$port/api/v1/payments?limit=1" >/dev/null; then return; fi
        sleep 0.1
    done
    echo "$name ($db) did not start:" >&2
    cat "$WORK/$name-$db.log" >&2
    exit 1
}

# Same answers from both: status codes, headers, JSON keys and the seeded values.
check_same() {
    python3 - "$@" <<'EOF'
import http.client, json, sys
(gen, gen_id), (base, base_id) = [(sys.argv[i], sys.argv[i + 1]) for i in (1, 3)]
def call(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
    headers = {"Content-Type": "application/json"} if body else {}
    conn.request(method, path, body, headers)
    answer = conn.getresponse()
    return answer.status, dict(answer.getheaders()), json.loads(answer.read())
body = json.dumps({"order_id": "00000000-0000-0000-0000-0000000000ff", "amount": "1.50",
                   "currency": "EUR", "customer_email": "check@example.com", "note": None})
orders = "/api/v1/payments?order_id=00000000-0000-0000-0000-000000000001"
volatile = {"id", "created_at", "updated_at"}
for method, gpath, bpath, b in [
    ("GET", f"/api/v1/payments/{gen_id}", f"/api/v1/payments/{base_id}", None),
    ("GET", orders, orders, None),
    ("POST", "/api/v1/payments", "/api/v1/payments", body),
]:
    g, bb = call(gen, method, gpath, b), call(base, method, bpath, b)
    assert g[0] == bb[0], (gpath, g[0], bb[0])
    for h in ("content-type", "etag"):
        assert g[1].get(h, "").split('"')[0] == bb[1].get(h, "").split('"')[0], (gpath, h)
    strip = lambda v: {k: v[k] for k in v if k not in volatile}
    if "items" in g[2]:
        assert [strip(i) for i in g[2]["items"]] == [strip(i) for i in bb[2]["items"]], gpath
        g[2]["items"] = bb[2]["items"] = None
    assert strip(g[2]) == strip(bb[2]), (gpath, g[2], bb[2])
    assert list(g[2]) == list(bb[2]), (gpath, list(g[2]), list(bb[2]))
EOF
}

# load NAME DB PORT ENDPOINT ROUND ID: one warm-up and one measured wrk run.
load() {
    local name=$1 db=$2 port=$3 endpoint=$4 round=$5 id=$6 url body=""
    case $endpoint in
        get) url="http://127.0.0.1:$port/api/v1/payments/$id" ;;
        list) url="http://127.0.0.1:$port/api/v1/payments?order_id=00000000-0000-0000-0000-000000000001" ;;
        create)
            url="http://127.0.0.1:$port/api/v1/payments"
            body='{"order_id":"00000000-0000-0000-0000-00000000beef","amount":"12.50","currency":"EUR","customer_email":"load@example.com","note":null}' ;;
    esac
    WRK_BODY=$body $CLIENT_CPUS wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" -s "$REPO/bench/wrk.lua" "$url" >/dev/null
    local result cpu0 cpu1 pid=${SERVER_PID[$name]}
    cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    result=$(WRK_BODY=$body $CLIENT_CPUS wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s "$REPO/bench/wrk.lua" "$url" \
        | grep '^RESULT')
    cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    read -r _ rps p50 p99 sock bad total <<<"$result"
    # CPU time in clock ticks -> microseconds per request.
    local cpu_us
    cpu_us=$(echo "($cpu1 - $cpu0) * 1000000 / $(getconf CLK_TCK) / $total" | bc -l)
    if [ "$sock" != 0 ] || [ "$bad" != 0 ]; then
        echo "warning: $name $db $endpoint: $sock socket errors, $bad non-2xx of $total" >&2
    fi
    echo "$db $endpoint $name $round $rps $p50 $p99 $cpu_us" >>"$WORK/results"
    printf '%-9s %-7s %-10s round %s: %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  cpu %5.1f us/req  (load %s)\n' \
        "$db" "$endpoint" "$name" "$round" "$rps" "$(echo "$p50/1000" | bc -l)" \
        "$(echo "$p99/1000" | bc -l)" "$cpu_us" "$(cut -d' ' -f1 /proc/loadavg)" >&2
}

command -v bc >/dev/null || { apt-get update -qq && apt-get install -y -qq bc >/dev/null; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); pinned: $PIN" >&2
for db in $DATABASES; do
    start generated "$db" 18091
    start baseline "$db" 18092
    gen_id=$(python3 "$REPO/bench/seed.py" http://127.0.0.1:18091/api/v1 "$SEED")
    base_id=$(python3 "$REPO/bench/seed.py" http://127.0.0.1:18092/api/v1 "$SEED")
    check_same 18091 "$gen_id" 18092 "$base_id"
    for round in $(seq 1 "$ROUNDS"); do
        for endpoint in get list create; do
            if [ $((round % 2)) = 1 ]; then order="generated baseline"; else order="baseline generated"; fi
            for name in $order; do
                if [ "$name" = generated ]; then port=18091 id=$gen_id; else port=18092 id=$base_id; fi
                load "$name" "$db" "$port" "$endpoint" "$round" "$id"
            done
        done
    done
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    PIDS=()
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$WORK/results" "$DURATION" "$ROUNDS" "$CONNECTIONS" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print(f"generated vs baseline: {sys.argv[3]} round(s) of {sys.argv[2]} s per endpoint and service, "
      f"{sys.argv[4]} connections.\nreq/s, p99 and server CPU per request: medians over the "
      f"rounds; ratio: median over the rounds of generated/baseline req/s,\neach round's pair "
      f"measured back to back")
print(f"{'database':<10}{'endpoint':<9}{'gen req/s':>10}{'base req/s':>11}{'ratio':>7}"
      f"{'gen p99 ms':>11}{'base p99 ms':>12}{'gen CPU us':>11}{'base CPU us':>12}")
seen = []
for db, endpoint, *_ in rows:
    if (db, endpoint) not in seen:
        seen.append((db, endpoint))
for db, endpoint in seen:
    def col(name, i):
        return {r[3]: float(r[i]) for r in rows
                if r[0] == db and r[1] == endpoint and r[2] == name}
    g, b = col("generated", 4), col("baseline", 4)
    ratio = statistics.median(g[k] / b[k] for k in g)
    med = lambda name, i: statistics.median(col(name, i).values())
    print(f"{db:<10}{endpoint:<9}{med('generated', 4):>10.0f}{med('baseline', 4):>11.0f}"
          f"{ratio:>7.2f}{med('generated', 6) / 1000:>11.2f}{med('baseline', 6) / 1000:>12.2f}"
          f"{med('generated', 7):>11.1f}{med('baseline', 7):>12.1f}")
EOF
