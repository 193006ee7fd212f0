//! What msgen generates is a real service: it builds with no warnings, passes its own tests,
//! is clippy- and rustfmt-clean, its OpenAPI document passes an independent validator, and,
//! running, it answers as that document says (schemathesis, every check on).
//!
//! The services are generated into one cargo workspace and built together, as a team's CI
//! would check each of them: `fmt`, `clippy -D warnings`, a build that must not warn, then each
//! service's own tests. One build means one set of dependencies, compiled once with one feature
//! set, and the services' crates compiled side by side; each test below then checks one
//! service of it. One cargo runs at a time.

mod support;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use support::{psql, root, run, try_run, Provider, Running, PAYMENT_CLIENTS};

static CARGO: Mutex<()> = Mutex::new(());

/// How many tests passed, summed over every `test result:` line.
fn passed(output: &str) -> usize {
    output
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<usize>().ok())
        .sum()
}

/// One service of the workspace.
struct Case {
    /// Its package name, unique in the workspace (the spec's `service:` is set to it).
    name: &'static str,
    spec: &'static str,
    /// `--database` / `--broker` for `msgen new`.
    overrides: &'static [&'static str],
    /// How many of its own tests must pass, at least.
    min_tests: usize,
    /// Whether schemathesis runs against it.
    conformance: bool,
    /// Business logic written in place of a stub, as the service's team would.
    logic: Option<&'static Logic>,
    /// Whether it serves gRPC too (`transports: [http, grpc]`): its own tests then call every
    /// rpc through a tonic client and compare the answers with HTTP's.
    grpc: bool,
}

/// A file of business logic and the custom operations it implements; schemathesis leaves the
/// others out (their stubs answer 501 until the team writes them).
struct Logic {
    path: &'static str,
    code: &'static str,
    operations: &'static [&'static str],
}

/// The payment example's logic: capturing marks the payment succeeded.
const CAPTURE: Logic = Logic {
    path: "src/services/payments.rs",
    code: r#"//! Business logic of payments.

use uuid::Uuid;

use super::{Payments, PaymentsService};
use crate::auth::Caller;
use crate::error::AppError;
use crate::models::payment::{CapturePaymentRequest, Payment, PaymentPatch, PaymentStatus};

impl PaymentsService for Payments {
    async fn capture_payment(
        &self,
        caller: &Caller,
        id: Uuid,
        _input: CapturePaymentRequest,
    ) -> Result<Payment, AppError> {
        tracing::info!(subject = %caller.subject, %id, "capturing a payment");
        let change = PaymentPatch {
            status: Some(PaymentStatus::Succeeded),
            ..PaymentPatch::default()
        };
        self.patch(caller, id, change, None).await
    }
}
"#,
    operations: &["capture_payment"],
};

/// checkout-over-grpc's test of its calls to a running payment-service, over gRPC.
const OVER_GRPC: Logic = Logic {
    path: "tests/payments_over_grpc.rs",
    code: include_str!("support/team/payments_over_grpc.rs"),
    operations: &[],
};

const fn case(name: &'static str, spec: &'static str, overrides: &'static [&'static str]) -> Case {
    Case {
        name,
        spec,
        overrides,
        min_tests: 3,
        conformance: false,
        logic: None,
        grpc: false,
    }
}

const CASES: &[Case] = &[
    Case {
        min_tests: 30,
        conformance: true,
        logic: Some(&CAPTURE),
        grpc: true,
        ..case("payment-service", "examples/payment-service.yaml", &[])
    },
    Case {
        min_tests: 30,
        grpc: true,
        ..case(
            "payment-service-postgres",
            "examples/payment-service.yaml",
            &["--database", "postgres"],
        )
    },
    Case {
        min_tests: 30,
        ..case(
            "payment-service-nats",
            "examples/payment-service.yaml",
            &["--broker", "nats"],
        )
    },
    Case {
        min_tests: 30,
        ..case(
            "payment-service-rabbitmq",
            "examples/payment-service.yaml",
            &["--broker", "rabbitmq"],
        )
    },
    Case {
        min_tests: 30,
        ..case(
            "payment-service-kafka",
            "examples/payment-service.yaml",
            &["--broker", "kafka"],
        )
    },
    Case {
        min_tests: 10,
        conformance: true,
        ..case(
            "notification-service",
            "examples/notification-service.yaml",
            &[],
        )
    },
    Case {
        min_tests: 50,
        conformance: true,
        ..case(
            "kitchen-sink",
            "tests/specs/valid/kitchen-sink.yaml",
            &["--database", "sqlite", "--broker", "none"],
        )
    },
    Case {
        min_tests: 50,
        conformance: true,
        grpc: true,
        ..case(
            "kitchen-sink-postgres",
            "tests/specs/valid/kitchen-sink.yaml",
            &["--broker", "none"],
        )
    },
    case("notes", "tests/specs/valid/minimal.yaml", &[]),
    case("audit-log", "tests/specs/valid/events-only.yaml", &[]),
    case(
        "text-heavy",
        "tests/specs/valid/quoted-and-block-text.yaml",
        &[],
    ),
    Case {
        conformance: true,
        grpc: true,
        ..case("keywords", "tests/specs/valid/keywords.yaml", &[])
    },
    Case {
        conformance: true,
        grpc: true,
        ..case("vet-appointments", "tests/specs/valid/odd-shapes.yaml", &[])
    },
    Case {
        conformance: true,
        ..case(
            "municipal-library-lending-service",
            "tests/specs/valid/library-loans.yaml",
            &[],
        )
    },
    Case {
        conformance: true,
        ..case("fleet", "tests/specs/valid/fleet-tracking.yaml", &[])
    },
    Case {
        conformance: true,
        grpc: true,
        ..case(
            "help-desk-ticketing",
            "tests/specs/valid/ticketing.yaml",
            &[],
        )
    },
    // Calls payment-service (above, which serves gRPC) over gRPC; its client tests go through
    // a gRPC fake that answers as payment-service's own server would.
    Case {
        min_tests: 10,
        logic: Some(&OVER_GRPC),
        ..case(
            "checkout-over-grpc",
            "tests/specs/e2e/checkout-over-grpc.yaml",
            &[],
        )
    },
];

/// The workspace every case is generated into, built and checked once.
struct Workspace {
    _temp: tempfile::TempDir,
    dir: PathBuf,
}

static WORKSPACE: OnceLock<Result<Workspace, String>> = OnceLock::new();

fn workspace() -> &'static Workspace {
    let built = WORKSPACE.get_or_init(|| {
        let _cargo = CARGO
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        build_workspace()
    });
    built
        .as_ref()
        .unwrap_or_else(|err| panic!("the workspace of generated services: {err}"))
}

fn build_workspace() -> Result<Workspace, String> {
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let dir = temp.path().join("services");
    std::fs::create_dir_all(&dir).unwrap();
    let mut members = Vec::new();
    for case in CASES {
        let text = std::fs::read_to_string(root().join(case.spec)).unwrap();
        let named: Vec<String> = text
            .lines()
            .map(|line| {
                if !line.starts_with("service:") {
                    line.to_string()
                } else if case.grpc {
                    format!("service: {}\ntransports: [http, grpc]", case.name)
                } else {
                    format!("service: {}", case.name)
                }
            })
            .collect();
        // Beside `services/`, so that a `spec:` of a dependency reaches `../services/<name>`.
        let spec = temp
            .path()
            .join("specs")
            .join(format!("{}.yaml", case.name));
        std::fs::create_dir_all(spec.parent().unwrap()).unwrap();
        std::fs::write(&spec, named.join("\n") + "\n").unwrap();
        let spec = spec.display().to_string();
        let mut args = vec![
            "--quiet", "new", case.name, "--spec", &spec, "--dir", "services",
        ];
        args.extend(case.overrides);
        try_run(temp.path(), support::msgen(), &args)?;
        if let Some(logic) = case.logic {
            std::fs::write(dir.join(case.name).join(logic.path), logic.code).unwrap();
        }
        members.push(format!("    \"{}\",", case.name));
    }
    let manifest = format!(
        "[workspace]\nresolver = \"2\"\nmembers = [\n{}\n]\n",
        members.join("\n")
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();

    try_run(&dir, "cargo", &["fmt", "--all", "--check"])?;
    try_run(
        &dir,
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    let build = try_run(&dir, "cargo", &["build", "--workspace", "--all-targets"])?;
    if build.contains("warning:") {
        return Err(format!("the build warns:\n{build}"));
    }
    Ok(Workspace { _temp: temp, dir })
}

/// Checks the workspace's service `name`: its own tests, its OpenAPI document, and for the
/// cases that say so, the running service against that document.
fn check(name: &str) {
    let case = CASES.iter().find(|c| c.name == name).expect("a case");
    let workspace = workspace();
    let service = workspace.dir.join(name);
    let _cargo = CARGO
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let tests = run(&workspace.dir, "cargo", &["test", "-p", name]);
    assert!(
        passed(&tests) >= case.min_tests,
        "too few tests ran:\n{tests}"
    );
    run(&service, "openapi-spec-validator", &["openapi.yaml"]);
    if case.conformance {
        conforms(&service, case);
    }
}

/// Runs the case's service on a database of its own and schemathesis against it. Custom
/// operations whose logic the case does not write are left out: until their team writes it,
/// they answer 501.
fn conforms(service: &Path, case: &Case) {
    let name = case.name;
    let implemented = case.logic.map_or(&[][..], |logic| logic.operations);
    let spec = std::fs::read_to_string(service.join("msgen.yaml")).unwrap();
    let spec: serde_yaml::Value = serde_yaml::from_str(&spec).unwrap();
    let custom: Vec<String> = spec["endpoints"]
        .as_sequence()
        .map(|endpoints| {
            endpoints
                .iter()
                .filter_map(|e| e["name"].as_str())
                .filter(|operation| !implemented.contains(operation))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let postgres = spec["database"] == "postgres";
    let database = if postgres {
        format!("e2e_{}_{}", name.replace('-', "_"), std::process::id())
    } else {
        String::new()
    };
    let url = if postgres {
        format!("postgres://postgres@127.0.0.1:5432/{database}")
    } else {
        format!("sqlite://{}", service.join("conformance.db").display())
    };
    // A service with `auth:` trusts a provider of its own; schemathesis sends a token with
    // every scope the spec names (and checks that protected operations refuse requests
    // without one).
    let scopes = spec_scopes(&spec).join(" ");
    let audience = spec["auth"]["audience"].as_str().unwrap_or_default();
    let provider = (!spec["auth"].is_null())
        .then(|| Provider::start(audience, "conformance", &[("conformance", &scopes)]));
    let mut env = vec![("DATABASE_URL", url)];
    env.extend(provider.iter().flat_map(Provider::service_env));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let running = Running::start(name, &env);
    let address = format!("http://{}", running.address);
    let headers: Vec<String> = provider
        .iter()
        .map(|p| format!("Authorization: Bearer {}", p.token("conformance", &scopes)))
        .collect();
    let result = std::panic::catch_unwind(|| {
        support::schemathesis_with(&service.join("openapi.yaml"), &address, &custom, &headers)
    });
    drop(running);
    drop(provider);
    if postgres {
        psql(
            "postgres",
            &format!("drop database if exists {database} with (force)"),
        );
    }
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// Every scope the endpoints of `spec` name.
fn spec_scopes(spec: &serde_yaml::Value) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    let mut add = |list: &serde_yaml::Value| {
        for scope in list.as_sequence().into_iter().flatten() {
            scopes.extend(scope.as_str().map(str::to_owned));
        }
    };
    for endpoint in spec["endpoints"].as_sequence().into_iter().flatten() {
        let written = &endpoint["scopes"];
        add(written);
        add(&written["read"]);
        add(&written["write"]);
    }
    scopes.sort();
    scopes.dedup();
    scopes
}

/// With its capture logic written, as its team would, and against schemathesis, with tokens
/// from a real OpenID Connect provider.
#[test]
fn payment_service() {
    check("payment-service");
}

/// The payment service behind a real OpenID Connect provider (oidc-provider): it fetches the
/// provider's key set and accepts its client-credentials tokens, refuses them without the
/// operation's scope, keeps accepting them with the keys it has while the provider is down, and
/// refuses them once the provider has rotated its key and the old one is gone.
#[test]
fn payment_service_behind_a_real_identity_provider() {
    workspace();
    let provider = Provider::start("payment-service", "key-1", PAYMENT_CLIENTS);
    let port = provider.port;
    let database = tempfile::NamedTempFile::new().unwrap();
    let url = format!("sqlite://{}", database.path().display());
    let mut env = vec![
        ("DATABASE_URL", url),
        // Keys are fetched again on the first token after a second, so the test need not wait.
        ("AUTH_JWKS_TTL_SECS", "1".to_string()),
        ("AUTH_JWKS_REFRESH_SECS", "0".to_string()),
    ];
    env.extend(provider.service_env());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let service = Running::start("payment-service", &env);
    let reader = provider.token("reader", "payments:read");
    let desk = provider.token(
        "payment-desk",
        "payments:read payments:write payments:capture",
    );
    let call = |method: &str, path: &str, body: Option<&str>, token: &str| {
        let bearer = format!("Bearer {token}");
        service.request_with(method, path, body, &[("Authorization", bearer.as_str())])
    };
    let get = |token: &str| call("GET", "/api/v1/payments", None, token).0;

    assert_eq!(service.request("GET", "/api/v1/payments", None).0, 401);
    assert_eq!(get(&reader), 200);
    let body = r#"{"order_id": "00000000-0000-4000-8000-000000000001", "amount": "10.00", "currency": "EUR", "customer_email": "desk@example.com"}"#;
    let (status, text) = call("POST", "/api/v1/payments", Some(body), &reader);
    assert_eq!(status, 403, "a reader may not create payments: {text}");
    let (status, text) = call("POST", "/api/v1/payments", Some(body), &desk);
    assert_eq!(status, 201, "{text}");

    // A create sent again with its key, as by a client whose answer was lost, gets the first
    // answer and creates nothing more; one whose caller has no time left is not worked on.
    let order = "00000000-0000-4000-8000-000000000002";
    let body = body.replace("000000000001", &order[24..]);
    let create = |headers: &[(&str, &str)]| {
        let bearer = format!("Bearer {desk}");
        let mut all = vec![("Authorization", bearer.as_str())];
        all.extend_from_slice(headers);
        service.request_with("POST", "/api/v1/payments", Some(&body), &all)
    };
    let first = create(&[("Idempotency-Key", "order-2-payment")]);
    assert_eq!(first.0, 201, "{}", first.1);
    assert_eq!(create(&[("Idempotency-Key", "order-2-payment")]), first);
    assert_eq!(create(&[("Request-Timeout-Ms", "0")]).0, 503);
    let (status, page) = call(
        "GET",
        &format!("/api/v1/payments?order_id={order}"),
        None,
        &reader,
    );
    assert_eq!(status, 200, "{page}");
    let page: serde_json::Value = serde_json::from_str(&page).unwrap();
    assert_eq!(page["total"], 1, "one payment for the order: {page}");

    // The provider is down: the keys the service has keep working.
    drop(provider);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(
        get(&reader),
        200,
        "the cached keys verify while the provider is down"
    );

    // The provider is back with a new key and without the old one.
    let rotated = Provider::start_on(port, "payment-service", "key-2", PAYMENT_CLIENTS);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(get(&reader), 401, "a token of the removed key is refused");
    let fresh = rotated.token("reader", "payments:read");
    assert_eq!(get(&fresh), 200, "a token of the new key is accepted");
}

/// On PostgreSQL its tests run against the real server, each in a database of its own.
#[test]
fn payment_service_on_postgres() {
    check("payment-service-postgres");
}

/// The payment example (which publishes and consumes) with each broker adapter: its own tests
/// need no broker. On Kafka they include the adapter's unit tests against librdkafka's
/// in-process mock cluster.
#[test]
fn payment_service_with_nats() {
    check("payment-service-nats");
}

#[test]
fn payment_service_with_rabbitmq() {
    check("payment-service-rabbitmq");
}

#[test]
fn payment_service_with_kafka() {
    check("payment-service-kafka");
}

#[test]
fn notification_service() {
    check("notification-service");
}

/// Every field type and constraint, defaults, refs with cascade, kebab-case enum values,
/// Rust keywords as names, and custom operations of every shape; on both databases, each
/// against schemathesis.
#[test]
fn kitchen_sink() {
    check("kitchen-sink");
}

#[test]
fn kitchen_sink_on_postgres() {
    check("kitchen-sink-postgres");
}

/// The smallest specs: an entity with no endpoint, a service with events only, text full of
/// characters that need escaping, Rust keywords as names, and odd shapes (fields that may all
/// be left out, a read-only entity, long enum values).
#[test]
fn edge_case_specs() {
    for name in [
        "notes",
        "audit-log",
        "text-heavy",
        "keywords",
        "vet-appointments",
    ] {
        check(name);
    }
}

/// Specs for three other domains, written from docs/spec.md alone: library loans (SQLite),
/// fleet tracking (PostgreSQL, NATS) and help-desk tickets (SQLite, RabbitMQ).
#[test]
fn library_loans() {
    check("municipal-library-lending-service");
}

#[test]
fn fleet_tracking() {
    check("fleet");
}

#[test]
fn help_desk_ticketing() {
    check("help-desk-ticketing");
}

/// Its own tests, whose client tests call a gRPC fake of payment-service.
#[test]
fn checkout_over_grpc() {
    check("checkout-over-grpc");
}

/// checkout-over-grpc calls a running payment-service (on SQLite, behind a real OpenID Connect
/// provider) over gRPC through its generated client: every kind of operation, with the same
/// answers as over HTTP and the same typed errors (tests/support/team/payments_over_grpc.rs).
#[test]
fn a_client_over_grpc_calls_a_running_service() {
    let workspace = workspace();
    let provider = Provider::start("payment-service", "key-1", PAYMENT_CLIENTS);
    let database = tempfile::NamedTempFile::new().unwrap();
    let grpc_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let mut env = vec![
        (
            "DATABASE_URL",
            format!("sqlite://{}", database.path().display()),
        ),
        ("GRPC_PORT", grpc_port.clone()),
    ];
    env.extend(provider.service_env());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let service = Running::start("payment-service", &env);
    let scopes = "payments:read payments:write payments:refund payments:capture";
    let _cargo = CARGO
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let output = support::command(
        &workspace.dir,
        "cargo",
        &[
            "test",
            "-p",
            "checkout-over-grpc",
            "--test",
            "payments_over_grpc",
            "--",
            "--ignored",
        ],
    )
    .env(
        "PAYMENT_SERVICE_URL",
        format!("http://127.0.0.1:{grpc_port}"),
    )
    .env(
        "PAYMENT_SERVICE_HTTP",
        format!("http://{}", service.address),
    )
    .env(
        "PAYMENT_SERVICE_TOKEN",
        provider.token("payment-desk", scopes),
    )
    .env("AUTH_TOKEN_URL", format!("{}/token", provider.issuer()))
    .env("AUTH_CLIENT_ID", "payment-desk")
    .env("AUTH_CLIENT_SECRET", "payment-desk")
    .env("AUTH_CLIENT_SCOPE", scopes)
    .output()
    .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("test result: ok. 1 passed"), "{text}");
}

/// A new service builds offline from a warm cargo cache: its lock file names only versions an
/// earlier build of the same kind of service fetched, and needs no registry to resolve.
#[test]
fn a_new_service_builds_offline_once_the_cache_is_warm() {
    let _cargo = CARGO
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let spec = root()
        .join("examples/notification-service.yaml")
        .display()
        .to_string();
    for (dir, build) in [
        ("warm-up", ["build", "--locked"].as_slice()),
        ("offline", ["build", "--offline", "--locked"].as_slice()),
    ] {
        let args = ["new", "notification-service", "--spec", &spec, "--dir", dir];
        run(temp.path(), support::msgen(), &args);
        let service = temp.path().join(dir).join("notification-service");
        run(&service, "cargo", build);
    }
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
            "idempotency_keys inbox outbox payments refunds",
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
    assert!(dockerfile.contains("cargo build --release --locked --bin payment-service"));
    // The Dockerfile's command, with the release profile's optimisation off: what is tested is
    // the binary's behaviour, which does not depend on it, and the optimised build of every
    // dependency would take most of this suite's time on two cores.
    let built = support::command(
        &dir,
        "cargo",
        &["build", "--release", "--locked", "--bin", "payment-service"],
    )
    .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
    .status()
    .unwrap();
    assert!(built.success());

    let configmap = std::fs::read_to_string(dir.join("deploy/k8s/configmap.yaml")).unwrap();
    let configmap: serde_yaml::Value = serde_yaml::from_str(&configmap).unwrap();
    let mut env: Vec<(String, String)> = configmap["data"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().into(), v.as_str().unwrap().into()))
        .collect();
    assert!(env.iter().any(|(k, v)| k == "HOST" && v == "0.0.0.0"));
    let free_port = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let (port, metrics_port) = (free_port(), free_port());
    let database = format!("sqlite://{}", temp.path().join("data.db").display());
    // `/metrics` is on a port of its own (the example has `auth:`): the ConfigMap's, moved to a
    // free one.
    let mut metrics_moved = false;
    for (key, value) in &mut env {
        match key.as_str() {
            "PORT" => *value = port.to_string(),
            "GRPC_PORT" => *value = free_port().to_string(),
            "DATABASE_URL" => value.clone_from(&database),
            "METRICS_ADDR" => {
                assert!(value.ends_with(":9090"), "{value}");
                *value = format!("0.0.0.0:{metrics_port}");
                metrics_moved = true;
            }
            _ => {}
        }
    }
    assert!(metrics_moved, "the ConfigMap sets METRICS_ADDR");
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
    let metrics_address = format!("127.0.0.1:{metrics_port}");
    let probe_at = |address: &str, path: &str| {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    };
    let probe = |path: &str| probe_at(&address, path);
    let results = answered.map(|_| {
        (
            probe("/health/live"),
            probe("/health/ready"),
            probe("/metrics"),
            probe_at(&metrics_address, "/metrics"),
        )
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let (live, ready, public_metrics, metrics) = results.expect("the service listens");
    assert!(
        public_metrics.starts_with("HTTP/1.1 404"),
        "{public_metrics}"
    );
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
