#!/usr/bin/env bash
# What serving gRPC costs a service's builds: the payment example as it is (HTTP only) and with
# `transports: [http, grpc]`, side by side in one run (debug builds, as in day-to-day work):
#   clean        `cargo build` from an empty target directory, dependencies included;
#   incremental  `cargo build` after a change to the service's business logic
#                (src/services/payments.rs), its dependencies compiled;
#   contract     `cargo build` after a change to the gRPC contract (a comment in the .proto
#                file, which build.rs compiles again), for the gRPC variant only.
#
#   bench/grpc-build.sh [ROUNDS] [REPEAT]     (defaults 2 and 5; run from inside the repository)
#
# The clean builds of the two variants alternate, ROUNDS times each, each in a target
# directory of its own; then each variant's incremental build runs REPEAT times. Prints every
# time and the median of each.
set -euo pipefail

ROUNDS=${1:-2}
REPEAT=${2:-5}
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d -t msgen-grpc-build.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

echo "building msgen (release) ..." >&2
(cd "$REPO" && cargo build -q --release --bin msgen)
MSGEN=${CARGO_TARGET_DIR:-$REPO/target}/release/msgen

spec=$REPO/examples/payment-service.yaml
sed 's/^service: payment-service$/service: payment-service\ntransports: [http, grpc]/' \
    "$spec" >"$WORK/grpc.yaml"
"$MSGEN" -q new payment-service --spec "$spec" --dir "$WORK/http"
"$MSGEN" -q new payment-service --spec "$WORK/grpc.yaml" --dir "$WORK/grpc"

# seconds DIR: `cargo build` in DIR, with its own target directory; prints the wall time.
seconds() {
    local dir=$1 start end
    start=$(date +%s%N)
    (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo build --locked -q) >/dev/null 2>"$WORK/stderr" \
        || { cat "$WORK/stderr" >&2; exit 1; }
    end=$(date +%s%N)
    echo "scale=2; ($end - $start) / 1000000000" | bc
}

for round in $(seq 1 "$ROUNDS"); do
    for variant in http grpc; do
        dir=$WORK/$variant/payment-service
        rm -rf "$dir/target"
        t=$(seconds "$dir")
        echo "$variant clean $t" | tee -a "$WORK/results" >&2
    done
done
for i in $(seq 1 "$REPEAT"); do
    for variant in http grpc; do
        dir=$WORK/$variant/payment-service
        echo "// change $i" >>"$dir/src/services/payments.rs"
        t=$(seconds "$dir")
        echo "$variant incremental $t" | tee -a "$WORK/results" >&2
    done
    dir=$WORK/grpc/payment-service
    echo "// change $i" >>"$dir/proto/payment_service/v1/payment_service.proto"
    t=$(seconds "$dir")
    echo "grpc contract $t" | tee -a "$WORK/results" >&2
done

echo
echo "variant measure runs median(s)"
for key in "http clean" "grpc clean" "http incremental" "grpc incremental" "grpc contract"; do
    grep "^$key " "$WORK/results" | awk '{print $3}' | sort -n |
        awk -v key="$key" '{v[NR]=$1} END {
            m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
            printf "%s %d %.2f\n", key, NR, m
        }'
done
