#!/usr/bin/env bash
# What the generated client adds to a call to another service: order-service of the example
# system (examples/shop) calls `get_payment` through `crate::clients` (its timeout, breaker,
# retry budget, concurrency limit, metrics, deadline and trace headers) and, alternating with
# it, makes the same call with a bare `reqwest::Client` that decodes the same `Payment` type.
# Both call one in-process server answering a fixed payment, in one process of one release
# build of this tree, so that the difference is the client stack alone.
#
#   bench/clients.sh
#
# Settings (environment): CALLS per round and kind (2000), ROUNDS (9, after one round of
# warm-up), CONCURRENCY (1: one call after the other; more: that many calls at once),
# CARGO_TARGET_DIR (default target/bench-clients).
# Prints each round's time per call of each kind, then the medians, their ratio and their
# difference.
set -euo pipefail

CALLS=${CALLS:-2000}
ROUNDS=${ROUNDS:-9}
CONCURRENCY=${CONCURRENCY:-1}
REPO=$(cd "$(dirname "$0")/.." && pwd)
MSGEN_TARGET=${CARGO_TARGET_DIR:-$REPO/target}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target/bench-clients}
WORK=$(mktemp -d -t msgen-clients.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

(cd "$REPO" && CARGO_TARGET_DIR=$MSGEN_TARGET cargo build --release --quiet)
MSGEN=$MSGEN_TARGET/release/msgen
cp -r "$REPO/examples/shop" "$WORK/"
(cd "$WORK/shop" && "$MSGEN" system generate --quiet)
SERVICE=$WORK/shop/order-service
mkdir -p "$SERVICE/examples"
cat > "$SERVICE/examples/client_overhead.rs" <<'RUST'
//! Calls `get_payment` through the generated client and through a bare reqwest client, in
//! alternating rounds; prints the time per call of each.

use std::time::{Duration, Instant};

use axum::routing::get;
use axum::{Json, Router};
use order_service::clients::payment_service::Payment;
use order_service::clients::Clients;
use order_service::Config;

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().unwrap()).collect();
    let (calls, rounds, concurrency) = (args[0], args[1], args[2]);
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
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut config = Config::from_lookup(|_| None).unwrap();
    config.payment_service_url = url.clone();
    let clients = Clients::new(&config);
    let bare = reqwest::Client::new();
    let id = uuid::Uuid::now_v7();
    let per_task = calls / concurrency;

    let generated = || async {
        let tasks = (0..concurrency).map(|_| {
            let clients = clients.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    clients.payment_service.get_payment(id).await.unwrap();
                }
            })
        });
        for task in tasks.collect::<Vec<_>>() {
            task.await.unwrap();
        }
    };
    let plain = || async {
        let tasks = (0..concurrency).map(|_| {
            let (bare, url) = (bare.clone(), url.clone());
            tokio::spawn(async move {
                for _ in 0..per_task {
                    let response = bare.get(format!("{url}/api/v1/payments/{id}")).send().await;
                    let body = response.unwrap().error_for_status().unwrap().bytes().await;
                    let _: Payment = serde_json::from_slice(&body.unwrap()).unwrap();
                }
            })
        });
        for task in tasks.collect::<Vec<_>>() {
            task.await.unwrap();
        }
    };

    let per_call = |took: Duration| took.as_secs_f64() * 1e6 / (per_task * concurrency) as f64;
    let (mut client_us, mut bare_us) = (Vec::new(), Vec::new());
    println!("round  client µs/call  bare µs/call");
    for round in 0..=rounds {
        let start = Instant::now();
        generated().await;
        let client = per_call(start.elapsed());
        let start = Instant::now();
        plain().await;
        let plain_call = per_call(start.elapsed());
        if round == 0 {
            println!("warm-up {client:>12.1} {plain_call:>13.1}");
            continue;
        }
        println!("{round:>5} {client:>15.1} {plain_call:>13.1}");
        client_us.push(client);
        bare_us.push(plain_call);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (c, b) = (median(&mut client_us), median(&mut bare_us));
    println!(
        "median: client {c:.1} µs/call, bare {b:.1} µs/call, ratio {:.2}, difference {:.1} µs/call",
        c / b,
        c - b
    );
}
RUST
cd "$SERVICE"
cargo run --release --quiet --example client_overhead -- "$CALLS" "$ROUNDS" "$CONCURRENCY"
