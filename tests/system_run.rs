//! `msgen system run` on the example system, on PostgreSQL and NATS: the one command builds
//! and starts every service, wired together; an order cancelled in order-service reaches
//! payment-service, a payment captured there reaches notification-service and order-service,
//! each chain of request and events one trace in the spans the services export; the gateway in
//! front answers every operation as its service does, checks tokens at the edge and holds its
//! merged API reference (schemathesis); ctrl-c stops them all. And what it says, before building
//! anything, when a server is missing.
//!
//! The run uses databases and subjects of its own (`--prefix`) and drops the databases at the
//! end. The example's services listen on their own ports (8080-8082).

mod support;

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use support::otlp::{Collector, Span};
use support::{msgen, shared_target, Client, Provider, PAYMENT_CLIENTS, SHOP};

#[test]
fn a_missing_server_is_named_before_anything_is_built() {
    let temp = tempfile::tempdir().unwrap();
    let dir = support::copy_example_system(temp.path());
    let output = Command::new(msgen())
        .args(["system", "run"])
        .current_dir(&dir)
        .env("NATS_URL", "nats://127.0.0.1:9")
        .env("POSTGRES_URL", "postgres://postgres@127.0.0.1:9")
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let services = SHOP.join(", ");
    for expected in [
        format!("PostgreSQL is not running at 127.0.0.1:9 (POSTGRES_URL), and {services} need it"),
        format!("NATS is not running at 127.0.0.1:9 (NATS_URL), and {services} need it"),
    ] {
        assert!(stderr.contains(&expected), "{stderr}");
    }
    assert!(!dir.join("target").exists(), "nothing is built");
}

/// `count(*)` of `sql` in `database`, once the database is there.
fn count(database: &str, sql: &str) -> Option<u64> {
    support::try_psql(database, sql).ok()?.trim().parse().ok()
}

/// OTLP's span kinds.
const SERVER: u64 = 2;
const PRODUCER: u64 = 4;
const CONSUMER: u64 = 5;

/// The first span `collector` received from `service` of `kind` named `name` in `trace` (any
/// trace when `None`).
fn span_of(
    collector: &Collector,
    service: &str,
    kind: u64,
    name: &str,
    trace: Option<&str>,
) -> Option<Span> {
    collector.spans().into_iter().find(|span| {
        span.service == service
            && span.kind == kind
            && span.name == name
            && trace.is_none_or(|trace| span.trace_id == trace)
    })
}

fn wait_for(timeout: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "waited {timeout:?} for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The running `msgen system run`, asked to stop (SIGINT, as ctrl-c) when dropped, and its
/// databases dropped after.
struct Run {
    child: Child,
    databases: Vec<String>,
}

impl Run {
    fn interrupt(&mut self) -> bool {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status();
        if !sent.is_ok_and(|s| s.success()) {
            return false;
        }
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status.success(),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100))
                }
                _ => {
                    let _ = self.child.kill();
                    return false;
                }
            }
        }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.interrupt();
        }
        for database in &self.databases {
            support::drop_database(database);
        }
    }
}

#[test]
fn the_example_system_runs_and_its_events_reach_their_consumers() {
    let temp = tempfile::tempdir().unwrap();
    let dir = support::copy_example_system(temp.path());
    let generated = support::msgen_in(&dir, &["system", "generate", "--quiet"]);
    assert!(
        generated.status.success(),
        "{}",
        support::stderr_of(&generated)
    );
    for (file, code) in [
        ("payment-service/src/services/payments.rs", support::CAPTURE),
        (
            "notification-service/src/events/handlers.rs",
            support::NOTIFY,
        ),
        (
            "order-service/src/services/orders.rs",
            include_str!("support/team/orders.rs"),
        ),
    ] {
        fs::write(dir.join(file), code).unwrap();
    }

    // The gateway passes the checks a team's CI runs: formatting, clippy, and its own tests
    // against stand-ins for the services.
    let gateway = dir.join("gateway");
    let checks: [&[&str]; 3] = [
        &["fmt", "--check"],
        &[
            "clippy",
            "--locked",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &["test", "--locked"],
    ];
    for args in checks {
        let output = support::command(&gateway, "cargo", args).output().unwrap();
        assert!(
            output.status.success(),
            "cargo {args:?} in the gateway:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    // order-service calls payment-service as a client of the provider's own.
    let mut clients = PAYMENT_CLIENTS.to_vec();
    clients.push(("order-service", "payments:read payments:write"));
    let provider = Provider::start("payment-service", "key-1", &clients);
    let [issuer, jwks] = provider.service_env();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let prefix = format!("run{:x}", nanos & 0xffff_ffff);
    let collector = Collector::start();
    let child = Command::new(msgen())
        .args(["system", "run", "--prefix", &prefix, "--timeout", "120"])
        .current_dir(&dir)
        // The services build into the target directory the other tests share, like them.
        .env("CARGO_TARGET_DIR", shared_target())
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
        .env(issuer.0, &issuer.1)
        .env(jwks.0, &jwks.1)
        .env("AUTH_TOKEN_URL", format!("{}/token", provider.issuer()))
        .env("AUTH_CLIENT_ID", "order-service")
        .env("AUTH_CLIENT_SECRET", "order-service")
        .env("AUTH_CLIENT_SCOPE", "payments:read payments:write")
        .env("RATE_LIMIT_PER_SECOND", "0")
        .env("NO_COLOR", "1")
        // Every service sends its spans to the test's collector, a batch every 100 ms.
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector.endpoint)
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut run = Run {
        child,
        databases: SHOP
            .iter()
            .map(|s| format!("{prefix}_{}", s.replace('-', "_")))
            .collect(),
    };
    let (lines, received) = mpsc::channel::<String>();
    let stdout = run.child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            all.push_str(&line);
            all.push('\n');
            let _ = lines.send(line);
        }
        all
    });
    let mut stderr = run.child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    // Building the services is most of the wait.
    let deadline = Instant::now() + Duration::from_secs(30 * 60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match received.recv_timeout(left) {
            Ok(line) if line.starts_with("the system `shop` is ready") => break,
            Ok(_) => {}
            Err(_) => {
                run.interrupt();
                panic!(
                    "the system did not get ready:\n{}{}",
                    errors.join().unwrap(),
                    reader.join().unwrap()
                );
            }
        }
    }

    // An order cancelled in order-service reaches payment-service.
    let orders = Client::new("127.0.0.1:8082");
    let order = orders.json(
        "POST",
        "/api/v1/orders",
        Some(r#"{"customer_email": "ada@example.com", "total": "25.00", "currency": "EUR"}"#),
    );
    let id = order["id"].as_str().unwrap();
    let cancelled = orders.json(
        "POST",
        &format!("/api/v1/orders/{id}/cancel"),
        Some(r#"{"reason": "changed my mind"}"#),
    );
    assert_eq!(cancelled["status"], "cancelled");
    let payments_db = format!("{prefix}_payment_service");
    wait_for(
        Duration::from_secs(60),
        "payment-service to get OrderCancelled",
        || {
            let sql = "select count(*) from inbox where event_type = 'OrderCancelled' and source = '/order-service'";
            count(&payments_db, sql) == Some(1)
        },
    );
    // The request that cancelled it and payment-service's handling of the event: one trace.
    let mut cancel = None;
    wait_for(Duration::from_secs(30), "the spans of the cancel", || {
        let name = "POST /api/v1/orders/{id}/cancel";
        cancel = span_of(&collector, "order-service", SERVER, name, None);
        cancel.as_ref().is_some_and(|cancel| {
            let name = "orders.order_cancelled process";
            let trace = Some(cancel.trace_id.as_str());
            span_of(&collector, "payment-service", CONSUMER, name, trace).is_some()
        })
    });

    // A payment captured in payment-service reaches notification-service and order-service.
    let mut payments = Client::new("127.0.0.1:8080");
    payments.authorize(provider.token(
        "payment-desk",
        "payments:read payments:write payments:capture",
    ));
    let body = format!(
        r#"{{"order_id": "{id}", "amount": "25.00", "currency": "EUR", "customer_email": "ada@example.com"}}"#
    );
    let payment = payments.json("POST", "/api/v1/payments", Some(&body));
    let payment_id = payment["id"].as_str().unwrap();
    // The capture comes from a caller with a trace of its own.
    let trace = "5c6b1e0a9d3f47e2b8a1c4d7e0f3a6b9";
    let traceparent = format!("00-{trace}-a1b2c3d4e5f60718-01");
    let (status, captured) = payments.request_with(
        "POST",
        &format!("/api/v1/payments/{payment_id}/capture"),
        Some(r#"{"amount": "25.00"}"#),
        &[("traceparent", &traceparent)],
    );
    assert_eq!(status, 200, "{captured}");
    let captured: serde_json::Value = serde_json::from_str(&captured).unwrap();
    assert_eq!(captured["status"], "succeeded");
    let notifications_db = format!("{prefix}_notification_service");
    let orders_db = format!("{prefix}_order_service");
    wait_for(
        Duration::from_secs(60),
        "a notification of the payment",
        || {
            let sql =
                format!("select count(*) from notifications where payment_id = '{payment_id}'");
            count(&notifications_db, &sql) == Some(1)
        },
    );
    wait_for(
        Duration::from_secs(60),
        "order-service to get PaymentSucceeded",
        || {
            let sql = "select count(*) from inbox where event_type = 'PaymentSucceeded' and source = '/payment-service'";
            count(&orders_db, sql) == Some(1)
        },
    );

    // The capture, its event and both consumers' handling of it: one trace, the caller's. The
    // envelope in payment-service's outbox names the event's own span, the parent of each
    // consumer's span.
    let mut spans = None;
    wait_for(Duration::from_secs(30), "the spans of the capture", || {
        let trace = Some(trace);
        let name = "POST /api/v1/payments/{id}/capture";
        let capture = span_of(&collector, "payment-service", SERVER, name, trace);
        let name = "payments.payment_succeeded publish";
        let publish = span_of(&collector, "payment-service", PRODUCER, name, trace);
        let name = "payments.payment_succeeded process";
        let notified = span_of(&collector, "notification-service", CONSUMER, name, trace);
        let ordered = span_of(&collector, "order-service", CONSUMER, name, trace);
        spans = capture.zip(publish).zip(notified.zip(ordered));
        spans.is_some()
    });
    let ((capture, publish), (notified, ordered)) = spans.unwrap();
    assert_eq!(capture.parent_span_id, "a1b2c3d4e5f60718");
    assert_eq!(publish.parent_span_id, capture.span_id);
    assert_eq!(notified.parent_span_id, publish.span_id);
    assert_eq!(ordered.parent_span_id, publish.span_id);
    let sql = "select envelope from outbox where event_type = 'PaymentSucceeded'";
    let envelope = support::try_psql(&payments_db, sql).unwrap();
    let envelope: serde_json::Value = serde_json::from_str(envelope.trim()).unwrap();
    let carried = format!("00-{trace}-{}-01", publish.span_id);
    assert_eq!(envelope["traceparent"], carried.as_str(), "{envelope}");

    calls_between_services(&orders, &payments_db);

    through_the_gateway(&dir, &provider, &collector, &issuer, &jwks);

    // Ctrl-c stops every service, and msgen with them.
    assert!(run.interrupt(), "msgen system run ends well on ctrl-c");
    let out = reader.join().unwrap();
    for service in SHOP {
        assert!(out.contains(&format!("stopped {service}\n")), "{out}");
        // Each service's own lines come prefixed with its name.
        let prefixed = format!("{service:>20} | ");
        assert!(out.lines().any(|l| l.starts_with(&prefixed)), "{out}");
    }
    let _ = errors.join();
}

/// The gateway `msgen system run` starts in front of the services.
const GATEWAY: &str = "127.0.0.1:8000";

/// Where each service of the example listens.
fn address_of(service: &str) -> &'static str {
    match service {
        "payment-service" => "127.0.0.1:8080",
        "notification-service" => "127.0.0.1:8081",
        "order-service" => "127.0.0.1:8082",
        other => panic!("{other} is not a service of the example"),
    }
}

/// Every operation of every service through the gateway answers what the service answers
/// when called directly; a token without the operation's scope is refused at the gateway and
/// never reaches the service; one trace spans the gateway and the service; and a gateway whose
/// service is down answers that service's routes 503, and the others as before.
fn through_the_gateway(
    dir: &std::path::Path,
    provider: &Provider,
    collector: &Collector,
    issuer: &(&str, String),
    jwks: &(&str, String),
) {
    let token = provider.token(
        "payment-desk",
        "payments:read payments:write payments:refund payments:capture",
    );
    let mut gateway = Client::new(GATEWAY);
    gateway.authorize(token.clone());

    // A write through the gateway is the service's: the order is there when asked directly.
    let body = r#"{"customer_email": "grace@example.com", "total": "7.00", "currency": "EUR"}"#;
    let (status, created) = gateway.request("POST", "/api/v1/orders", Some(body));
    assert_eq!(status, 201, "{created}");
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    let id = created["id"].as_str().unwrap();
    let direct = Client::new(address_of("order-service"));
    let fetched = direct.json("GET", &format!("/api/v1/orders/{id}"), None);
    assert_eq!(fetched, created);

    // Parity: every operation of the system's API reference, called through the gateway and
    // directly, with a record that exists where the path names one and an empty body where the
    // operation takes one (a validation error, which changes nothing).
    let reference = fs::read_to_string(dir.join("gateway/openapi.yaml")).unwrap();
    let reference: serde_json::Value = serde_yaml::from_str(&reference).unwrap();
    let mut operations = 0;
    for (path, item) in reference["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(service) = operation["tags"][0].as_str() else {
                continue;
            };
            let method = method.to_ascii_uppercase();
            // Reads name the order; writes name a record that does not exist, so that they
            // change nothing.
            let record = if method == "GET" { id } else { MISSING };
            let path = with_parameters(path, record);
            let body = (method != "GET" && method != "DELETE").then_some("{}");
            let mut direct = Client::new(address_of(service));
            direct.authorize(token.clone());
            let through = gateway.request(&method, &path, body);
            let called = direct.request(&method, &path, body);
            assert_eq!(through, called, "{method} {path} of {service}");
            operations += 1;
        }
    }
    let routes = fs::read_to_string(dir.join("gateway/src/routes.rs")).unwrap();
    assert_eq!(
        operations,
        routes.matches("    Route {").count(),
        "every route was called"
    );

    // The system's API reference holds for the system behind the gateway: schemathesis, every
    // check on, with a token of every scope.
    let headers = [format!("Authorization: Bearer {token}")];
    let url = format!("http://{GATEWAY}");
    support::schemathesis_with(&dir.join("gateway/openapi.yaml"), &url, &[], &headers);

    // A token without the scope is refused at the edge, as the service would refuse it.
    let metrics = |client: &Client| client.request("GET", "/metrics", None).1;
    let refused_here = r#"gateway_requests_total{service="payment-service",method="POST",route="/api/v1/payments",status="403"} 1"#;
    let payments = Client::new(address_of("payment-service"));
    let seen_before = metrics(&payments);
    let mut reader = Client::new(GATEWAY);
    reader.authorize(provider.token("payment-desk", "payments:read"));
    let payment = r#"{"order_id": "00000000-0000-4000-8000-000000000009", "amount": "1.00", "currency": "EUR", "customer_email": "ada@example.com"}"#;
    let (status, body) = reader.request("POST", "/api/v1/payments", Some(payment));
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("the token lacks a scope this operation requires: payments:write"),
        "{body}"
    );
    assert!(metrics(&Client::new(GATEWAY)).contains(refused_here));
    let refused_there = |text: &str| {
        let line = text
            .lines()
            .find(|line| line.contains(r#"route="/api/v1/payments",status="403""#));
        line.map(str::to_owned)
    };
    assert_eq!(
        refused_there(&metrics(&payments)),
        refused_there(&seen_before),
        "the refused request did not reach payment-service"
    );

    // One trace: the caller's, continued by the gateway's span and then by the service's.
    let trace = "0af7651916cd43dd8448eb211c80319c";
    let traceparent = format!("00-{trace}-b7ad6b7169203331-01");
    let (status, body) = gateway.request_with(
        "GET",
        &format!("/api/v1/orders/{id}"),
        None,
        &[("traceparent", &traceparent)],
    );
    assert_eq!(status, 200, "{body}");
    let mut spans = None;
    wait_for(
        Duration::from_secs(30),
        "the spans through the gateway",
        || {
            let name = "GET /api/v1/orders/{id}";
            let edge = span_of(collector, "shop-gateway", SERVER, name, Some(trace));
            let service = span_of(collector, "order-service", SERVER, name, Some(trace));
            spans = edge.zip(service);
            spans.is_some()
        },
    );
    let (edge, service) = spans.unwrap();
    assert_eq!(edge.parent_span_id, "b7ad6b7169203331");
    assert_eq!(service.parent_span_id, edge.span_id);

    // A gateway whose notification-service is down (nothing listens where it looks):
    // 503 problems naming it, then at once from the open breaker, while the other services'
    // routes answer as before.
    let binary = support::shared_target().join("debug/shop-gateway");
    let mut down = support::Running::start_binary(
        &binary,
        &[
            ("NOTIFICATION_SERVICE_URL", "http://127.0.0.1:9"),
            (issuer.0, issuer.1.as_str()),
            (jwks.0, jwks.1.as_str()),
        ],
    );
    down.authorize(token);
    for _ in 0..20 {
        let (status, body) = down.request("GET", "/api/v1/notifications", None);
        assert_eq!(status, 503, "{body}");
        assert!(
            body.contains("notification-service is unavailable"),
            "{body}"
        );
    }
    let (_, body) = down.request("GET", "/api/v1/notifications", None);
    assert!(body.contains("failed too often lately"), "{body}");
    assert_eq!(
        down.request("GET", &format!("/api/v1/orders/{id}"), None).0,
        200
    );
    assert_eq!(down.request("GET", "/api/v1/payments", None).0, 200);
    let ready = down.json("GET", "/health/ready", None);
    assert_eq!(ready["status"], "degraded", "{ready}");
    assert_eq!(
        ready["services"]["notification-service"], "unavailable",
        "{ready}"
    );
    assert_eq!(ready["services"]["order-service"], "ready", "{ready}");
}

/// The id of a record no service has.
const MISSING: &str = "00000000-0000-4000-8000-000000000404";

/// `path` with `value` for each of its parameters.
fn with_parameters(path: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        out.push_str(value);
        rest = after.split_once('}').map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    out
}

/// A new order of order-service; its id.
fn new_order(orders: &Client) -> String {
    let body = r#"{"customer_email": "ada@example.com", "total": "12.50", "currency": "EUR"}"#;
    let order = orders.json("POST", "/api/v1/orders", Some(body));
    order["id"].as_str().unwrap().to_owned()
}

/// `POST /orders/{id}/pay`: the status and body of order-service's answer.
fn pay(orders: &Client, id: &str) -> (u16, String) {
    orders.request("POST", &format!("/api/v1/orders/{id}/pay"), None)
}

/// The payments payment-service holds for the order `id`.
fn payments_of(payments_db: &str, id: &str) -> Option<u64> {
    count(
        payments_db,
        &format!("select count(*) from payments where order_id = '{id}'"),
    )
}

/// The process of the running service `name`.
fn pid_of(name: &str) -> String {
    let output = Command::new("pgrep").args(["-x", name]).output().unwrap();
    let pids = String::from_utf8_lossy(&output.stdout);
    let mut pids = pids.lines();
    let pid = pids
        .next()
        .unwrap_or_else(|| panic!("{name} is not running"));
    assert!(pids.next().is_none(), "one {name} runs");
    pid.to_owned()
}

fn signal(pid: &str, signal: &str) {
    let sent = Command::new("kill").args([signal, pid]).status().unwrap();
    assert!(sent.success(), "kill {signal} {pid}");
}

/// order-service's team code calls payment-service through the generated client: once per
/// order however often it is asked; a 503 and an open breaker while payment-service does not
/// answer, with order-service still ready; calls again once payment-service is back; and a 503
/// within the call's time, not a wait, while payment-service is slowed beyond it. payment-service
/// does not finish the work of calls whose caller gave up.
fn calls_between_services(orders: &Client, payments_db: &str) {
    let metrics = |orders: &Client| orders.request("GET", "/metrics", None).1;
    let breaker =
        |state: u8| format!("client_breaker_state{{service=\"payment-service\"}} {state}");

    // Asked twice, payment-service makes one payment: the second call's key is the first's.
    let id = new_order(orders);
    let (status, body) = pay(orders, &id);
    assert_eq!(status, 200, "{body}");
    let (status, body) = pay(orders, &id);
    assert_eq!(status, 200, "{body}");
    assert_eq!(payments_of(payments_db, &id), Some(1));
    assert!(metrics(orders).contains(breaker(0).as_str()));

    // payment-service stops answering (stopped, its connections open): each call ends in a
    // 503 within its time, and the breaker opens after half of 10 attempts failed.
    let payment_service = pid_of("payment-service");
    signal(&payment_service, "-STOP");
    let ids: Vec<String> = (0..5).map(|_| new_order(orders)).collect();
    let answers: Vec<(u16, String)> = std::thread::scope(|scope| {
        let calls: Vec<_> = ids
            .iter()
            .map(|id| scope.spawn(move || pay(orders, id)))
            .collect();
        calls.into_iter().map(|c| c.join().unwrap()).collect()
    });
    signal(&payment_service, "-CONT");
    for (status, body) in &answers {
        assert_eq!(*status, 503, "{body}");
        assert!(body.contains("payment-service"), "{body}");
    }
    let text = metrics(orders);
    assert!(text.contains(breaker(1).as_str()), "{text}");
    let timeouts = r#"client_calls_total{service="payment-service",operation="create_payment",outcome="timeout"} 5"#;
    assert!(text.contains(timeouts), "{text}");
    // Open, the breaker answers at once, without calling; order-service stays ready.
    let id = new_order(orders);
    let (status, body) = pay(orders, &id);
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("circuit breaker is open"), "{body}");
    let (status, body) = orders.request("GET", "/health/ready", None);
    assert_eq!(status, 200, "{body}");

    // Back: once the breaker lets a probe through (after 5 s), calls succeed again.
    wait_for(Duration::from_secs(30), "a call after the breaker", || {
        pay(orders, &id).0 == 200
    });
    assert!(metrics(orders).contains(breaker(0).as_str()));
    assert_eq!(payments_of(payments_db, &id), Some(1));
    // The calls that gave up while payment-service was stopped reached it when it went on, by
    // then unwaited for: none made a payment.
    for id in &ids {
        assert_eq!(payments_of(payments_db, id), Some(0), "{id}");
    }

    // payment-service slowed beyond the calls' time (its table locked for 6 s): order-service
    // gives up after two attempts of 1.5 s, well before the lock is gone.
    let id = new_order(orders);
    let mut lock = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            payments_db,
            "-q",
            "-c",
        ])
        .arg("begin; lock table payments in access exclusive mode; select pg_sleep(6); commit;")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // The lock is taken before the call.
    wait_for(Duration::from_secs(10), "the lock", || {
        count(
            payments_db,
            "select count(*) from pg_locks where relation = 'payments'::regclass and mode = 'AccessExclusiveLock' and granted",
        ) == Some(1)
    });
    let (status, body) = pay(orders, &id);
    let locked = lock.try_wait().unwrap().is_none();
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("payment-service"), "{body}");
    assert!(
        locked,
        "the answer came while payment-service was still held up"
    );
    // PostgreSQL cancelled payment-service's inserts at each call's deadline: none waits for
    // the lock, and none is made once it is gone.
    wait_for(Duration::from_secs(2), "no insert waiting", || {
        count(
            payments_db,
            "select count(*) from pg_locks where relation = 'payments'::regclass and not granted",
        ) == Some(0)
    });
    assert!(lock.try_wait().unwrap().is_none(), "the lock is still held");
    assert!(lock.wait().unwrap().success());
    assert_eq!(payments_of(payments_db, &id), Some(0));
}
