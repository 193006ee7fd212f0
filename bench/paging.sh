#!/usr/bin/env bash
# Cursor against offset paging, deep in a large PostgreSQL table: a generated service with two
# lists of the same shape, one `paging: offset` (readings) and one `paging: cursor` (samples),
# each over ROWS rows (1,000,000), in the default order (newest first). It times page 1 and
# page PAGE (5,000) of LIMIT (100) records of each, side by side in one run:
#   offset  GET /readings?limit=100&offset=499900
#   cursor  GET /samples?limit=100&cursor=<the next of page 4,999, reached by following next>
#
#   bench/paging.sh                  (run from anywhere inside the repository)
#
# Settings (environment): ROWS, LIMIT, PAGE, REQUESTS (200 per measured run), ROUNDS (3; the
# order of the four runs turns every round), PG_URL (postgres://postgres@127.0.0.1:5432),
# CARGO_TARGET_DIR (default target/bench-paging of the repository).
#
# The rows are written by SQL (generate_series), the same in both tables, then analysed. The
# service runs in a release build with RUST_LOG=warn. Each run is one curl process that sends
# REQUESTS requests over one kept-alive connection and reports each one's time; the figure is
# the median of a run, and the median of the rounds is printed with the ratios.
set -euo pipefail

ROWS=${ROWS:-1000000}
LIMIT=${LIMIT:-100}
PAGE=${PAGE:-5000}
REQUESTS=${REQUESTS:-200}
ROUNDS=${ROUNDS:-3}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18431}
REPO=$(cd "$(dirname "$0")/.." && pwd)
MSGEN_TARGET=${CARGO_TARGET_DIR:-$REPO/target}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target/bench-paging}
WORK=$(mktemp -d -t msgen-paging.XXXXXX)
DATABASE=msgen_bench_paging_$$
SERVER=""

cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
    wait 2>/dev/null || true
    psql -q "$PG_URL/postgres" -c "drop database if exists $DATABASE" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "building msgen and the service (release) ..." >&2
(cd "$REPO" && CARGO_TARGET_DIR=$MSGEN_TARGET cargo build -q --release --bin msgen)
cat >"$WORK/msgen.yaml" <<'SPEC'
service: paging-bench
database: postgres
entities:
  Reading:
    fields:
      sensor: { type: string, index: true }
      value: decimal
  Sample:
    fields:
      sensor: { type: string, index: true }
      value: decimal
endpoints:
  - resource: Reading
    operations: [list]
  - resource: Sample
    operations: [list]
    paging: cursor
SPEC
"$MSGEN_TARGET/release/msgen" -q new paging-bench --spec "$WORK/msgen.yaml" --dir "$WORK"
(cd "$WORK/paging-bench" && cargo build -q --release --locked)

psql -q "$PG_URL/postgres" -c "create database $DATABASE" >/dev/null
PORT=$PORT DATABASE_URL=$PG_URL/$DATABASE RUST_LOG=warn \
    "$CARGO_TARGET_DIR/release/paging-bench" >"$WORK/service.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/samples?limit=1" >/dev/null && break
    sleep 0.1
done

echo "writing $ROWS rows into each table ..." >&2
for table in readings samples; do
    psql -q "$PG_URL/$DATABASE" -c "
        insert into $table (id, sensor, value, created_at, updated_at)
        select gen_random_uuid(), 'sensor-' || (n % 100), n / 100.0,
               timestamptz '2026-01-01' + n * interval '1 second',
               timestamptz '2026-01-01' + n * interval '1 second'
        from generate_series(1, $ROWS) as n;
        analyze $table;" >/dev/null
done

base="http://127.0.0.1:$PORT"
echo "following next to page $PAGE of the cursor list ..." >&2
cursor=""
for _ in $(seq 2 "$PAGE"); do
    cursor=$(curl -sf "$base/samples?limit=$LIMIT&cursor=$cursor" |
        sed -E 's/.*"next":"([^"]*)".*/\1/')
done
declare -A URL=(
    [offset-first]="$base/readings?limit=$LIMIT"
    [offset-deep]="$base/readings?limit=$LIMIT&offset=$(((PAGE - 1) * LIMIT))"
    [cursor-first]="$base/samples?limit=$LIMIT"
    [cursor-deep]="$base/samples?limit=$LIMIT&cursor=$cursor"
)
# The deep pages hold the same rows in both lists.
python3 - "${URL[offset-deep]}" "${URL[cursor-deep]}" <<'PY'
import json, sys, urllib.request
pages = [json.load(urllib.request.urlopen(url))["items"] for url in sys.argv[1:]]
keys = [[(r["created_at"], r["value"]) for r in page] for page in pages]
assert keys[0] == keys[1] and keys[0], "the deep pages differ"
PY

# run NAME: the median time of REQUESTS requests to URL[NAME], in milliseconds.
run() {
    local config="$WORK/$1.curl"
    : >"$config"
    for _ in $(seq 1 "$REQUESTS"); do
        printf 'url = "%s"\noutput = "/dev/null"\n' "${URL[$1]}" >>"$config"
    done
    curl -sf --config "$config" -w '%{time_total}\n' |
        python3 -c 'import statistics, sys; print(statistics.median(float(t) for t in sys.stdin) * 1000)'
}

declare -A TIMES
names=(offset-first offset-deep cursor-first cursor-deep)
for round in $(seq 1 "$ROUNDS"); do
    for i in 0 1 2 3; do
        name=${names[$(((i + round) % 4))]}
        TIMES[$name]+="$(run "$name") "
    done
done
python3 - "$ROWS" "$PAGE" "$LIMIT" "${TIMES[offset-first]}" "${TIMES[offset-deep]}" \
    "${TIMES[cursor-first]}" "${TIMES[cursor-deep]}" <<'PY'
import statistics, sys
rows, page, limit = sys.argv[1:4]
names = ["offset, page 1", f"offset, page {page}", "cursor, page 1", f"cursor, page {page}"]
medians = [statistics.median(float(t) for t in times.split()) for times in sys.argv[4:8]]
print(f"{rows} rows, {limit} a page; median ms per request (median of rounds):")
for name, median, times in zip(names, medians, sys.argv[4:8]):
    rounds = ", ".join(f"{float(t):.2f}" for t in times.split())
    print(f"  {name:<20} {median:8.2f}   (rounds: {rounds})")
of, od, cf, cd = medians
print(f"  offset page {page} / page 1: {od / of:.1f}x")
print(f"  cursor page {page} / page 1: {cd / cf:.2f}x")
print(f"  offset / cursor at page {page}: {od / cd:.1f}x")
PY
