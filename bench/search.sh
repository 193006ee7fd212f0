#!/usr/bin/env bash
# What the list indexes buy on a large PostgreSQL table: a generated service with two lists of
# the same shape, paged by cursor (so that no count of every row hides the query of the page),
# over ROWS rows (1,000,000) each: `readers`, with the indexes msgen's migrations create, and
# `members`, whose indexes are put back as they were before text filters and ordered index
# keys (no trigram index on `name`; `rank` indexed as `(rank, id)`, nulls last). It times,
# side by side in one run, LIMIT (20) records of
#   contains  GET /<list>?name[contains]=<6 characters found in a few rows>
#   prefix    GET /<list>?name[prefix]=<the first 12 characters of a few rows>
#   nulls     GET /<list>?sort=rank          (rank optional: one row in ten has none)
#
#   bench/search.sh                  (run from anywhere inside the repository)
#
# Settings (environment): ROWS, LIMIT, REQUESTS (50 per measured run), ROUNDS (3; the order
# of the runs turns every round), PG_URL (postgres://postgres@127.0.0.1:5432),
# CARGO_TARGET_DIR (default target/bench-paging of the repository, shared with
# bench/paging.sh).
#
# The rows are written by SQL (generate_series), the same in both tables (ids too), then
# analysed. The service runs in a release build with RUST_LOG=warn. Each run is one curl
# process that sends REQUESTS requests over one kept-alive connection and reports each one's
# time; the figure is the median of a run, and the median of the rounds is printed with the
# ratios.
set -euo pipefail

ROWS=${ROWS:-1000000}
LIMIT=${LIMIT:-20}
REQUESTS=${REQUESTS:-50}
ROUNDS=${ROUNDS:-3}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18432}
REPO=$(cd "$(dirname "$0")/.." && pwd)
MSGEN_TARGET=${CARGO_TARGET_DIR:-$REPO/target}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target/bench-paging}
WORK=$(mktemp -d -t msgen-search.XXXXXX)
DATABASE=msgen_bench_search_$$
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
service: search-bench
database: postgres
entities:
  Reader:
    fields:
      name: { type: string, search: contains }
      rank: { type: int, optional: true, index: true }
  Member:
    fields:
      name: { type: string, search: contains }
      rank: { type: int, optional: true, index: true }
endpoints:
  - resource: Reader
    operations: [list]
    paging: cursor
  - resource: Member
    operations: [list]
    paging: cursor
SPEC
"$MSGEN_TARGET/release/msgen" -q new search-bench --spec "$WORK/msgen.yaml" --dir "$WORK"
(cd "$WORK/search-bench" && cargo build -q --release --locked)

psql -q "$PG_URL/postgres" -c "create database $DATABASE" >/dev/null
PORT=$PORT DATABASE_URL=$PG_URL/$DATABASE RUST_LOG=warn \
    "$CARGO_TARGET_DIR/release/search-bench" >"$WORK/service.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/readers?limit=1" >/dev/null && break
    sleep 0.1
done

echo "writing $ROWS rows into each table ..." >&2
psql -q "$PG_URL/$DATABASE" -c "
    drop index members_name_search_idx;
    drop index members_rank_idx;
    create index members_rank_idx on members (rank, id);" >/dev/null
for table in readers members; do
    psql -q "$PG_URL/$DATABASE" -c "
        insert into $table (id, name, rank, created_at, updated_at)
        select md5('id' || n)::uuid, 'Person ' || md5(n::text),
               case when n % 10 = 0 then null else n % 1000 end,
               timestamptz '2026-01-01' + n * interval '1 second',
               timestamptz '2026-01-01' + n * interval '1 second'
        from generate_series(1, $ROWS) as n;
        analyze $table;" >/dev/null
done

base="http://127.0.0.1:$PORT"
# Six characters from the middle of one row's name, and the first twelve of another's, in
# another case: each found in a few rows.
contains=$(psql -tA "$PG_URL/$DATABASE" -c "select upper(substr(md5('4242'), 10, 6))")
prefix=$(psql -tA "$PG_URL/$DATABASE" -c "select 'PERSON ' || substr(md5('777'), 1, 5)")
declare -A URL
for list in readers members; do
    URL[$list-contains]="$base/$list?limit=$LIMIT&name%5Bcontains%5D=$contains"
    URL[$list-prefix]="$base/$list?limit=$LIMIT&name%5Bprefix%5D=${prefix// /%20}"
    URL[$list-nulls]="$base/$list?limit=$LIMIT&sort=rank"
done
# Both lists answer the same rows, and the searches find some.
python3 - "${URL[@]}" <<'PY'
import json, sys, urllib.request
pages = {}
for url in sys.argv[1:]:
    items = json.load(urllib.request.urlopen(url))["items"]
    pages.setdefault(url.split("?")[1], []).append([(r["name"], r["rank"]) for r in items])
for query, (a, b) in pages.items():
    assert a == b and a, f"the lists differ or are empty for {query}"
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
names=(readers-contains members-contains readers-prefix members-prefix readers-nulls members-nulls)
for round in $(seq 1 "$ROUNDS"); do
    for i in 0 1 2 3 4 5; do
        name=${names[$(((i + round) % 6))]}
        TIMES[$name]+="$(run "$name") "
    done
done
args=()
for name in "${names[@]}"; do args+=("${TIMES[$name]}"); done
python3 - "$ROWS" "$LIMIT" "${args[@]}" <<'PY'
import statistics, sys
rows, limit = sys.argv[1:3]
times = sys.argv[3:]
print(f"{rows} rows, {limit} a page; median ms per request (median of rounds):")
for i, what in enumerate(["name[contains]", "name[prefix]", "sort=rank (nulls)"]):
    now, before = (statistics.median(float(t) for t in times[2 * i + k].split()) for k in (0, 1))
    show = lambda t: ", ".join(f"{float(x):.2f}" for x in t.split())
    print(f"  {what:<18} indexed {now:8.2f} ({show(times[2 * i])})   "
          f"before {before:8.2f} ({show(times[2 * i + 1])})   before / indexed {before / now:.1f}x")
PY
