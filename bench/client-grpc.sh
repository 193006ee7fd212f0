#!/usr/bin/env bash
# What a call costs over gRPC against the same call over HTTP, through the generated client:
# order-service of the example system (examples/shop) calls `get_payment` of payment-service
# as it is (HTTP), and with `transport: grpc` (payment-service with `transports: [http, grpc]`).
# Each variant is built once (release) with an example binary that serves a fixed payment in
# process, as payment-service's router would answer it: over HTTP for the HTTP variant, and over
# gRPC through the translation payment-service's own gRPC server uses (`transcode::routes`)
# for the other; then it makes CALLS calls after 200 not counted and prints the time per call.
# The two binaries run in turn, ROUNDS times each.
#
#   bench/client-grpc.sh
#
# Settings (environment): CALLS per run (2000), ROUNDS (9), CONCURRENCY (1: one call after the
# other; more: that many calls at once), CARGO_TARGET_DIR (default target/bench-clients).
# Prints each round's time per call of each transport, then the medians and their ratio.
set -euo pipefail

CALLS=${CALLS:-2000}
ROUNDS=${ROUNDS:-9}
CONCURRENCY=${CONCURRENCY:-1}
REPO=$(cd "$(dirname "$0")/.." && pwd)
MSGEN_TARGET=${CARGO_TARGET_DIR:-$REPO/target}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target/bench-clients}
WORK=$(mktemp -d -t msgen-client-grpc.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

(cd "$REPO" && CARGO_TARGET_DIR=$MSGEN_TARGET cargo build --release --quiet)
MSGEN=$MSGEN_TARGET/release/msgen

for transport in http grpc; do
    mkdir -p "$WORK/$transport"
    cp -r "$REPO/examples/shop" "$WORK/$transport/"
    shop=$WORK/$transport/shop
    if [ "$transport" = grpc ]; then
        sed -i 's/^port: 8080$/port: 8080\ntransports: [http, grpc]/' "$shop/payment-service/msgen.yaml"
        sed -i 's/^    operations: \[get_payment, create_payment\]$/    transport: grpc\n&/' \
            "$shop/order-service/msgen.yaml"
        grep -q '^    transport: grpc$' "$shop/order-service/msgen.yaml"
    fi
    (cd "$shop" && "$MSGEN" system generate --quiet)
    mkdir -p "$shop/order-service/examples"
    if [ "$transport" = grpc ]; then
        SERVE='let routes = transcode::routes(&payment_service::CONTRACT, app);
    let routes = tonic::service::Routes::from(routes);
    let incoming = transcode::incoming(listener);
    let server = tonic::transport::Server::builder().add_routes(routes);
    tokio::spawn(server.serve_with_incoming(incoming));'
        USE='use order_service::transcode;'
    else
        SERVE='tokio::spawn(async move { axum::serve(listener, app).await });'
        USE=''
    fi
    cat > "$shop/order-service/examples/client_call.rs" <<RUST
//! Calls \`get_payment\` through the generated client; prints the time per call.

use std::time::Instant;

use axum::routing::get;
use axum::{Json, Router};
use order_service::clients::{payment_service, Clients};
use order_service::Config;
$USE

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().unwrap()).collect();
    let (calls, concurrency) = (args[0], args[1]);
    let payment = serde_json::json!({
        "id": "0190f1c8-7d2a-7000-8000-000000000001",
        "order_id": "0190f1c8-7d2a-7000-8000-000000000002",
        "amount": "12.50",
        "currency": "EUR",
        "status": "pending",
        "customer_email": "ada@example.com",
        "note": null,
        "created_at": "2024-01-02T03:04:05Z",
        "updated_at": "2024-01-02T03:04:05Z",
    });
    let app = Router::new().route(
        "/api/v1/payments/{id}",
        get(move || {
            let payment = payment.clone();
            async move { Json(payment) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    $SERVE

    let mut config = Config::from_lookup(|_| None).unwrap();
    config.payment_service_url = url;
    let clients = Clients::new(&config);
    let id = uuid::Uuid::now_v7();
    let run = |calls: usize| {
        let per_task = calls / concurrency;
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| {
                let clients = clients.clone();
                tokio::spawn(async move {
                    for _ in 0..per_task {
                        let payment: payment_service::Payment =
                            clients.payment_service.get_payment(id).await.unwrap();
                        assert_eq!(payment.currency, "EUR");
                    }
                })
            })
            .collect();
        async move {
            for task in tasks {
                task.await.unwrap();
            }
        }
    };
    run(200).await;
    let start = Instant::now();
    run(calls).await;
    let took = start.elapsed();
    println!("{:.1}", took.as_secs_f64() * 1e6 / calls as f64);
}
RUST
    (cd "$shop/order-service" && cargo build --release --quiet --example client_call)
    # One package name in one target directory: keep each variant's binary.
    cp "$CARGO_TARGET_DIR/release/examples/client_call" "$WORK/client-$transport"
done

http_us=()
grpc_us=()
echo "round  HTTP µs/call  gRPC µs/call"
for round in $(seq 1 "$ROUNDS"); do
    h=$("$WORK/client-http" "$CALLS" "$CONCURRENCY")
    g=$("$WORK/client-grpc" "$CALLS" "$CONCURRENCY")
    printf '%5d %13s %13s\n' "$round" "$h" "$g"
    http_us+=("$h")
    grpc_us+=("$g")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
range() { printf '%s\n' "$@" | sort -g | awk 'NR==1 {min=$1} {max=$1} END {print min ".." max}'; }
h=$(median "${http_us[@]}")
g=$(median "${grpc_us[@]}")
echo "median: HTTP $h µs/call ($(range "${http_us[@]}")), gRPC $g µs/call ($(range "${grpc_us[@]}")), gRPC/HTTP $(awk -v g="$g" -v h="$h" 'BEGIN {printf "%.2f", g / h}')"
