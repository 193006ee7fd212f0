//! What msgen generates is a real service: it builds with no warnings, passes its own tests,
//! is clippy- and rustfmt-clean, and its OpenAPI document passes an independent validator.
//!
//! The generated services share one target directory, so their dependencies compile once;
//! the first run takes a few minutes, later ones seconds. One cargo runs at a time.

mod support;

use std::sync::Mutex;

use support::{psql, root, run, Running};

static CARGO: Mutex<()> = Mutex::new(());

/// How many tests passed, summed over every `test result:` line.
fn passed(output: &str) -> usize {
    output
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<usize>().ok())
        .sum()
}

/// Generates the service of `spec` and checks it the way its team's CI would.
fn check_generated(name: &str, spec: &str, extra: &[&str], min_tests: usize) {
    let _cargo = CARGO
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let spec = root().join(spec).display().to_string();
    let mut args = vec!["new", name, "--spec", &spec];
    args.extend(extra);
    run(temp.path(), support::msgen(), &args);
    let dir = temp.path().join(name);

    run(&dir, "cargo", &["fmt", "--check"]);
    run(
        &dir,
        "cargo",
        &["clippy", "--all-targets", "--", "-D", "warnings"],
    );
    let build = run(&dir, "cargo", &["build", "--all-targets"]);
    assert!(!build.contains("warning:"), "the build warns:\n{build}");
    let tests = run(&dir, "cargo", &["test"]);
    assert!(passed(&tests) >= min_tests, "too few tests ran:\n{tests}");
    run(&dir, "openapi-spec-validator", &["openapi.yaml"]);
}

#[test]
fn payment_service_is_a_working_service() {
    check_generated("payment-service", "examples/payment-service.yaml", &[], 30);
}

#[test]
fn notification_service_is_a_working_service() {
    check_generated(
        "notification-service",
        "examples/notification-service.yaml",
        &[],
        10,
    );
}

/// The payment example (which publishes and consumes) with each broker adapter: fmt, clippy,
/// a build without warnings and its own tests, which need no broker. On Kafka that includes the
/// adapter's unit tests against librdkafka's in-process mock cluster.
#[test]
fn payment_service_builds_with_every_broker() {
    for broker in ["nats", "rabbitmq", "kafka"] {
        check_generated(
            "payment-service",
            "examples/payment-service.yaml",
            &["--broker", broker],
            30,
        );
    }
}

/// Every field type and constraint, defaults, refs with cascade, kebab-case enum values,
/// Rust keywords as names, and custom operations with inline bodies.
#[test]
fn kitchen_sink_is_a_working_service() {
    check_generated(
        "kitchen-sink",
        "tests/specs/valid/kitchen-sink.yaml",
        &["--database", "sqlite", "--broker", "none"],
        50,
    );
}

/// The smallest specs: an entity with no endpoint, a service with events only, and text full
/// of characters that need escaping.
#[test]
fn edge_case_specs_are_working_services() {
    for (name, spec) in [
        ("notes", "tests/specs/valid/minimal.yaml"),
        ("audit-log", "tests/specs/valid/events-only.yaml"),
        ("text-heavy", "tests/specs/valid/quoted-and-block-text.yaml"),
        ("keywords", "tests/specs/valid/keywords.yaml"),
        ("vet-appointments", "tests/specs/valid/odd-shapes.yaml"),
    ] {
        check_generated(name, spec, &[], 3);
    }
}

/// The same example on PostgreSQL: its tests run against the real server, each in a database
/// of its own.
#[test]
fn payment_service_on_postgres_is_a_working_service() {
    check_generated(
        "payment-service",
        "examples/payment-service.yaml",
        &["--database", "postgres"],
        30,
    );
}

#[test]
fn kitchen_sink_on_postgres_is_a_working_service() {
    check_generated(
        "kitchen-sink",
        "tests/specs/valid/kitchen-sink.yaml",
        &["--broker", "none"],
        50,
    );
}

/// Two services generated side by side each create and migrate a database of their own, and
/// neither sees the other's tables.
#[test]
fn services_side_by_side_own_separate_postgres_databases() {
    let _cargo = CARGO
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let services = [
        (
            "payment-service",
            "examples/payment-service.yaml",
            "inbox outbox payments refunds",
        ),
        (
            "notification-service",
            "examples/notification-service.yaml",
            "inbox notifications",
        ),
    ];
    let mut defaults = Vec::new();
    for (name, spec, tables) in services {
        let spec = root().join(spec).display().to_string();
        let args = ["new", name, "--spec", &spec, "--database", "postgres"];
        run(temp.path(), support::msgen(), &args);
        let dir = temp.path().join(name);
        let config = std::fs::read_to_string(dir.join("src/config.rs")).unwrap();
        let default = config
            .lines()
            .find(|l| l.starts_with("pub const DEFAULT_DATABASE_URL"))
            .unwrap()
            .to_owned();
        defaults.push(default);

        run(&dir, "cargo", &["build"]);
        let database = format!("e2e_{}_{}", name.replace('-', "_"), std::process::id());
        let url = format!("postgres://postgres@127.0.0.1:5432/{database}");
        // By the time it listens, it has created and migrated its database.
        drop(Running::start(name, &[("DATABASE_URL", &url)]));
        let found = psql(&database, "select string_agg(tablename, ' ' order by tablename) from pg_tables where schemaname = 'public'");
        psql(
            "postgres",
            &format!("drop database {database} with (force)"),
        );
        assert_eq!(found.trim(), format!("_sqlx_migrations {tables}"));
    }
    assert_ne!(
        defaults[0], defaults[1],
        "both services default to one database"
    );
}

/// The release binary the Dockerfile builds, run with the environment the Kubernetes
/// manifests give it, answers its probes. (No container engine runs here: the image itself
/// is not built. Two values are changed for the machine the test runs on: the port, to one
/// that is free, and the database file, which the Deployment keeps on its volume.)
#[test]
fn the_release_binary_answers_its_probes_with_the_manifests_environment() {
    let _cargo = CARGO
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let spec = root()
        .join("examples/payment-service.yaml")
        .display()
        .to_string();
    run(
        temp.path(),
        support::msgen(),
        &["new", "payment-service", "--spec", &spec],
    );
    let dir = temp.path().join("payment-service");
    let dockerfile = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("cargo build --release --bin payment-service"));
    run(
        &dir,
        "cargo",
        &["build", "--release", "--bin", "payment-service"],
    );

    let configmap = std::fs::read_to_string(dir.join("deploy/k8s/configmap.yaml")).unwrap();
    let configmap: serde_yaml::Value = serde_yaml::from_str(&configmap).unwrap();
    let mut env: Vec<(String, String)> = configmap["data"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().into(), v.as_str().unwrap().into()))
        .collect();
    assert!(env.iter().any(|(k, v)| k == "HOST" && v == "0.0.0.0"));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let database = format!("sqlite://{}", temp.path().join("data.db").display());
    for (key, value) in &mut env {
        match key.as_str() {
            "PORT" => *value = port.to_string(),
            "DATABASE_URL" => value.clone_from(&database),
            _ => {}
        }
    }
    let binary = support::shared_target().join("release/payment-service");
    let mut child = std::process::Command::new(&binary)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let address = format!("127.0.0.1:{port}");
    let answered = (0..100).find_map(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        std::net::TcpStream::connect(&address).ok()
    });
    let probe = |path: &str| {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    };
    let results = answered.map(|_| {
        (
            probe("/health/live"),
            probe("/health/ready"),
            probe("/metrics"),
        )
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let (live, ready, metrics) = results.expect("the service listens");
    assert!(live.starts_with("HTTP/1.1 204"), "{live}");
    // The example has events but `broker: none`: readiness reports the database only.
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(
        ready.contains(r#""database":"up""#) && !ready.contains("broker"),
        "{ready}"
    );
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    assert!(metrics.contains("http_requests_total"), "{metrics}");
}
