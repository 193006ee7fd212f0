//! The promise of events, kept on real brokers: payment-service and notification-service,
//! generated from the examples for PostgreSQL and a broker, run as processes. Capturing a
//! payment leads to exactly one Notification in notification-service's own database, whether
//! notification-service was running at the time, the broker was away for a while, a malformed
//! message got in the way, or two replicas of each service shared the work.
//!
//! Each run uses subjects, queues and databases of its own (`EVENTS_PREFIX` and unique names),
//! so runs do not see each other's events, and removes them at the end. The broker scenarios
//! stop and restart the broker on this machine, so they run one after the other.

mod support;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use support::{psql, root, run, Provider, Running, PAYMENT_CLIENTS};

/// One scenario at a time: they stop and start brokers, and build into one target directory.
static SERIAL: Mutex<()> = Mutex::new(());

const SUBJECT: &str = "payments.payment_succeeded";
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

#[derive(Clone, Copy)]
enum Broker {
    Nats,
    Rabbitmq,
}

impl Broker {
    fn name(self) -> &'static str {
        match self {
            Self::Nats => "nats",
            Self::Rabbitmq => "rabbitmq",
        }
    }

    fn env(self) -> (&'static str, &'static str) {
        match self {
            Self::Nats => ("NATS_URL", "nats://127.0.0.1:4222"),
            Self::Rabbitmq => ("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"),
        }
    }

    fn port(self) -> u16 {
        match self {
            Self::Nats => 4222,
            Self::Rabbitmq => 5672,
        }
    }

    fn stop(self) {
        match self {
            Self::Nats => {
                let stop = ["--stop", "--oknodo", "--exec", "/usr/sbin/nats-server"];
                run(root(), "start-stop-daemon", &stop);
            }
            Self::Rabbitmq => {
                run(root(), "rabbitmqctl", &["stop_app"]);
            }
        }
        wait_for(Duration::from_secs(60), "the broker to stop", || {
            TcpStream::connect(("127.0.0.1", self.port())).is_err()
        });
    }

    fn start(self) {
        match self {
            Self::Nats => {
                let start = [
                    "--start",
                    "--oknodo",
                    "--background",
                    "--exec",
                    "/usr/sbin/nats-server",
                    "--",
                    "-a",
                    "127.0.0.1",
                    "-p",
                    "4222",
                    "-js",
                    "-sd",
                    "/var/lib/nats-server",
                    "-l",
                    "/var/log/nats-server.log",
                ];
                run(root(), "start-stop-daemon", &start);
            }
            Self::Rabbitmq => {
                run(root(), "rabbitmqctl", &["start_app"]);
            }
        }
        wait_for(Duration::from_secs(120), "the broker to answer", || {
            TcpStream::connect(("127.0.0.1", self.port())).is_ok()
        });
    }

    /// Puts `body` on `subject` by hand, past any service.
    fn publish_raw(self, subject: &str, body: &str) {
        match self {
            Self::Nats => nats::publish(subject, body),
            Self::Rabbitmq => {
                amqp(&["publish", subject, body]);
            }
        }
    }

    /// Messages in notification-service's dead-letter destination.
    fn dead_letters(self, prefix: &str) -> u64 {
        match self {
            Self::Nats => {
                let subject = format!("{prefix}dead-letter.notification-service.{SUBJECT}");
                nats::stream_messages(&stream_name(&subject))
            }
            Self::Rabbitmq => {
                let queue = format!("{prefix}notification-service.dead-letter");
                amqp(&["count", &queue]).trim().parse().unwrap_or(0)
            }
        }
    }

    /// Whether notification-service's subscription exists, so that nothing published from
    /// now on can miss it.
    fn subscribed(self, prefix: &str) -> bool {
        match self {
            Self::Nats => true,
            Self::Rabbitmq => {
                let queue = format!("{prefix}notification-service.{SUBJECT}");
                amqp_status(&["count", &queue]).0
            }
        }
    }

    /// Removes what a run left on the broker.
    fn clean(self, prefix: &str) {
        match self {
            Self::Nats => {
                for subject in [
                    format!("{prefix}{SUBJECT}"),
                    format!("{prefix}dead-letter.notification-service.{SUBJECT}"),
                ] {
                    nats::delete_stream(&stream_name(&subject));
                }
            }
            Self::Rabbitmq => {
                amqp(&[
                    "delete",
                    &format!("{prefix}notification-service.{SUBJECT}"),
                    &format!("{prefix}notification-service.dead-letter"),
                ]);
            }
        }
    }
}

fn stream_name(subject: &str) -> String {
    subject
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn amqp_status(args: &[&str]) -> (bool, String) {
    let output = Command::new("python3")
        .arg(root().join("tests/support/amqp.py"))
        .args(args)
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.success(), text)
}

fn amqp(args: &[&str]) -> String {
    let (ok, text) = amqp_status(args);
    assert!(ok, "amqp.py {} failed: {text}", args.join(" "));
    text
}

/// NATS spoken by hand (its protocol is text), so that the test needs no client library.
mod nats {
    use super::*;

    fn connect() -> (TcpStream, BufReader<TcpStream>) {
        let stream = TcpStream::connect("127.0.0.1:4222").expect("NATS answers");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut info = String::new();
        reader.read_line(&mut info).unwrap();
        assert!(info.starts_with("INFO"), "{info}");
        let mut writer = stream;
        writer
            .write_all(b"CONNECT {\"verbose\":false,\"pedantic\":false}\r\n")
            .unwrap();
        (writer, reader)
    }

    pub fn publish(subject: &str, body: &str) {
        let (mut writer, mut reader) = connect();
        write!(writer, "PUB {subject} {}\r\n{body}\r\nPING\r\n", body.len()).unwrap();
        let mut line = String::new();
        while !line.starts_with("PONG") {
            line.clear();
            reader.read_line(&mut line).unwrap();
            assert!(!line.starts_with("-ERR"), "{line}");
        }
    }

    /// A request to the JetStream API; returns the JSON answer.
    fn request(subject: &str) -> Value {
        let (mut writer, mut reader) = connect();
        write!(
            writer,
            "SUB _INBOX.msgen 1\r\nPUB {subject} _INBOX.msgen 0\r\n\r\n"
        )
        .unwrap();
        let mut line = String::new();
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            if line.starts_with("PING") {
                writer.write_all(b"PONG\r\n").unwrap();
            }
            if line.starts_with("MSG") {
                break;
            }
        }
        let size: usize = line.split_whitespace().last().unwrap().parse().unwrap();
        let mut body = vec![0; size + 2];
        reader.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body[..size]).unwrap()
    }

    pub fn stream_messages(stream: &str) -> u64 {
        let info = request(&format!("$JS.API.STREAM.INFO.{stream}"));
        info["state"]["messages"].as_u64().unwrap_or(0)
    }

    pub fn delete_stream(stream: &str) {
        request(&format!("$JS.API.STREAM.DELETE.{stream}"));
    }
}

fn wait_for(timeout: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "waited {timeout:?} for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn unique(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{tag}{}x{nanos:x}", std::process::id())
}

/// Generates both services for `broker` on PostgreSQL, with the team's code, and builds them.
fn build(broker: Broker, dir: &Path) -> (PathBuf, PathBuf) {
    let mut binaries = Vec::new();
    for (name, team_file, code) in [
        (
            "payment-service",
            "src/services/payments.rs",
            support::CAPTURE,
        ),
        (
            "notification-service",
            "src/events/handlers.rs",
            support::NOTIFY,
        ),
    ] {
        let spec = root().join(format!("examples/{name}.yaml"));
        let spec = spec.display().to_string();
        let args = [
            "new",
            name,
            "--spec",
            &spec,
            "--database",
            "postgres",
            "--broker",
            broker.name(),
        ];
        run(dir, support::msgen(), &args);
        let service = dir.join(name);
        fs::write(service.join(team_file), code).unwrap();
        run(&service, "cargo", &["build"]);
        let binary = dir.join(format!("{name}-{}", broker.name()));
        fs::copy(support::shared_target().join("debug").join(name), &binary).unwrap();
        binaries.push(binary);
    }
    let notification = binaries.pop().unwrap();
    (binaries.pop().unwrap(), notification)
}

struct Deployment {
    broker: Broker,
    prefix: String,
    databases: Vec<String>,
    /// Whose tokens the payment service accepts.
    provider: Provider,
    /// A token with every scope of the payment service, which the notification service ignores.
    token: String,
}

impl Deployment {
    fn new(broker: Broker, tag: &str) -> Self {
        let id = unique(tag);
        let provider = Provider::start("payment-service", "key-1", PAYMENT_CLIENTS);
        let token = provider.token(
            "payment-desk",
            "payments:read payments:write payments:capture",
        );
        Self {
            broker,
            prefix: format!("{id}."),
            databases: vec![format!("pay_{id}"), format!("notify_{id}")],
            provider,
            token,
        }
    }

    fn start(&self, binary: &Path, database: &str) -> Running {
        let url = format!("postgres://postgres@127.0.0.1:5432/{database}");
        let [issuer, jwks] = self.provider.service_env();
        let env = [
            ("DATABASE_URL", url.as_str()),
            ("EVENTS_PREFIX", self.prefix.as_str()),
            self.broker.env(),
            (issuer.0, issuer.1.as_str()),
            (jwks.0, jwks.1.as_str()),
        ];
        let mut running = Running::start_binary(binary, &env);
        running.authorize(self.token.clone());
        running
    }

    fn payments_db(&self) -> &str {
        &self.databases[0]
    }

    fn notifications_db(&self) -> &str {
        &self.databases[1]
    }

    fn wait_until_subscribed(&self) {
        wait_for(Duration::from_secs(60), "the subscription", || {
            self.broker.subscribed(&self.prefix)
        });
    }

    /// Notifications stored, and how many distinct payments they are for.
    fn notifications(&self) -> (u64, u64) {
        let sql = "select count(*) || ' ' || count(distinct payment_id) from notifications";
        let row = psql(self.notifications_db(), sql);
        let (all, distinct) = row.trim().split_once(' ').unwrap();
        (all.parse().unwrap(), distinct.parse().unwrap())
    }

    fn wait_for_notifications(&self, expected: u64, timeout: Duration) {
        wait_for(timeout, &format!("{expected} notifications"), || {
            self.notifications().0 >= expected
        });
        // Anything handled twice would show up now or in the next moments.
        std::thread::sleep(Duration::from_secs(2));
        assert_eq!(self.notifications(), (expected, expected));
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        self.broker.clean(&self.prefix);
        for database in &self.databases {
            support::drop_database(database);
        }
    }
}

/// Creates a payment and captures it; both answers must be 2xx. Returns the payment's id.
fn create_and_capture(payment: &Running, n: usize, headers: &[(&str, &str)]) -> String {
    let body = format!(
        r#"{{"order_id": "00000000-0000-4000-8000-{n:012x}", "amount": "10.00", "currency": "EUR", "customer_email": "c{n}@example.com"}}"#
    );
    let created = payment.json("POST", "/api/v1/payments", Some(&body));
    let id = created["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/payments/{id}/capture");
    let (status, text) =
        payment.request_with("POST", &path, Some(r#"{"amount": "12.50"}"#), headers);
    assert_eq!(status, 200, "capture answered {status}: {text}");
    id
}

fn broker_state(service: &Running) -> String {
    let ready = service.json("GET", "/health/ready", None);
    ready["broker"].as_str().unwrap_or_default().to_string()
}

/// The value of the `events_consumed` counter for `outcome` in a service's `/metrics`.
fn consumed(service: &Running, outcome: &str) -> u64 {
    let (_, metrics) = service.request("GET", "/metrics", None);
    let label = format!("outcome=\"{outcome}\"");
    metrics
        .lines()
        .filter(|line| line.starts_with("events_consumed_total{") && line.contains(&label))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

fn scenario(broker: Broker) {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let (payment_bin, notification_bin) = build(broker, temp.path());

    let one = Deployment::new(broker, broker.name());
    let notification = one.start(&notification_bin, one.notifications_db());
    let payment = one.start(&payment_bin, one.payments_db());
    one.wait_until_subscribed();

    // A capture leads to exactly one notification, and its event carries the request's trace.
    let traceparent = format!("00-{TRACE_ID}-00f067aa0ba902b7-01");
    let id = create_and_capture(&payment, 0, &[("traceparent", &traceparent)]);
    one.wait_for_notifications(1, Duration::from_secs(60));
    let stored = psql(
        one.notifications_db(),
        "select payment_id from notifications",
    );
    assert_eq!(stored.trim(), id);
    let envelope = psql(one.payments_db(), "select envelope from outbox");
    let envelope: Value = serde_json::from_str(envelope.trim()).unwrap();
    let carried = envelope["traceparent"].as_str().unwrap_or_default();
    assert!(
        carried.starts_with(&format!("00-{TRACE_ID}-")) && carried != traceparent,
        "the event does not continue the request's trace: {envelope}"
    );

    // notification-service is down: payments go on; it catches up when it is back.
    drop(notification);
    for n in 1..=200 {
        create_and_capture(&payment, n, &[]);
    }
    let notification = one.start(&notification_bin, one.notifications_db());
    one.wait_for_notifications(201, Duration::from_secs(120));

    // The broker is down for a while during a stream of captures: nothing is lost.
    for n in 201..=220 {
        create_and_capture(&payment, n, &[]);
    }
    broker.stop();
    for n in 221..=260 {
        create_and_capture(&payment, n, &[]);
    }
    wait_for(
        Duration::from_secs(60),
        "readiness to report the broker down",
        || broker_state(&payment) == "down",
    );
    let pending = psql(
        one.payments_db(),
        "select count(*) from outbox where sent_at is null",
    );
    assert!(
        pending.trim().parse::<u64>().unwrap() > 0,
        "nothing waited in the outbox"
    );
    broker.start();
    for n in 261..=280 {
        create_and_capture(&payment, n, &[]);
    }
    one.wait_for_notifications(281, Duration::from_secs(180));
    wait_for(
        Duration::from_secs(60),
        "readiness to report the broker up",
        || broker_state(&payment) == "up",
    );

    // A malformed message goes to the dead letters, and the next event still gets through.
    broker.publish_raw(&format!("{}{SUBJECT}", one.prefix), "{this is not an event");
    create_and_capture(&payment, 281, &[]);
    one.wait_for_notifications(282, Duration::from_secs(60));
    wait_for(Duration::from_secs(30), "the dead letter", || {
        broker.dead_letters(&one.prefix) == 1
    });
    assert_eq!(consumed(&notification, "dead_letter"), 1);
    drop((payment, notification, one));

    // Two replicas of each service on PostgreSQL: 1,000 captures over both payment replicas
    // give exactly 1,000 notifications, and both notification replicas did part of the work.
    let two = Deployment::new(broker, &format!("{}2", broker.name()));
    let notifications = [
        two.start(&notification_bin, two.notifications_db()),
        two.start(&notification_bin, two.notifications_db()),
    ];
    let payments = [
        two.start(&payment_bin, two.payments_db()),
        two.start(&payment_bin, two.payments_db()),
    ];
    two.wait_until_subscribed();
    for n in 0..1000 {
        create_and_capture(&payments[n % 2], n, &[]);
    }
    two.wait_for_notifications(1000, Duration::from_secs(300));
    let handled: Vec<u64> = notifications
        .iter()
        .map(|n| consumed(n, "handled"))
        .collect();
    assert_eq!(
        handled.iter().sum::<u64>(),
        1000,
        "handled per replica: {handled:?}"
    );
    assert!(
        handled.iter().all(|&h| h > 0),
        "one replica did all the work: {handled:?}"
    );
    let pending = psql(
        two.payments_db(),
        "select count(*) from outbox where sent_at is null",
    );
    assert_eq!(pending.trim(), "0");
}

#[test]
fn events_flow_through_nats_jetstream() {
    scenario(Broker::Nats);
}

#[test]
fn events_flow_through_rabbitmq() {
    scenario(Broker::Rabbitmq);
}
