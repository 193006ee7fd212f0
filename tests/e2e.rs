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
            "payments refunds",
        ),
        (
            "notification-service",
            "examples/notification-service.yaml",
            "notifications",
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
