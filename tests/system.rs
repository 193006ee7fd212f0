//! Systems of services: the manifest, `msgen system check` on the example system and on broken
//! copies of it (each problem reported at the right file, line and column), `msgen system
//! graph`, and `msgen new` adding a service to the system it is created in.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use support::{msgen_in as msgen, root, stderr_of as stderr, stdout_of as stdout};

const SERVICES: [&str; 3] = support::SHOP;

/// A copy of examples/shop in a temporary directory.
fn shop() -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let dir = support::copy_example_system(temp.path());
    (temp, dir)
}

/// Replaces the one occurrence of `from` in `file` under `dir` with `to`.
fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(from).count(), 1, "`{from}` once in {file}");
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// `file:line:column` of the `^` in `marker` (the marker without it, found once in the file).
fn location(dir: &Path, file: &str, marker: &str) -> String {
    let (before, after) = marker.split_once('^').expect("a marker holds a ^");
    let text = fs::read_to_string(dir.join(file)).unwrap();
    let whole = format!("{before}{after}");
    assert_eq!(text.matches(&whole).count(), 1, "`{whole}` once in {file}");
    let at = text.find(&whole).unwrap() + before.len();
    let line = text[..at].matches('\n').count() + 1;
    let column = text[..at].chars().rev().take_while(|c| *c != '\n').count() + 1;
    format!("{file}:{line}:{column}")
}

/// Each problem `msgen system check` reports: the `file:line:column` of every place it shows,
/// the problem's own first.
fn places(report: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for line in report.lines() {
        if line.starts_with("error: ") {
            out.push(Vec::new());
        } else if let Some(place) = line.trim_start().strip_prefix("┌─ ") {
            out.last_mut()
                .expect("a place under a problem")
                .push(place.to_owned());
        }
    }
    out.retain(|p| !p.is_empty());
    out
}

/// The `file:line:column` of every problem reported, in order.
fn reported(report: &str) -> Vec<String> {
    places(report).into_iter().map(|p| p[0].clone()).collect()
}

struct Broken {
    name: &'static str,
    /// (file, text, replacement)
    edits: &'static [(&'static str, &'static str, &'static str)],
    /// Where each problem is reported, in order: (file, marker with `^`), and a part of its
    /// message.
    problems: &'static [(&'static str, &'static str, &'static str)],
}

const BROKEN: &[Broken] = &[
    Broken {
        name: "a consumed event nobody publishes",
        edits: &[(
            "payment-service/msgen.yaml",
            "subject: orders.order_cancelled",
            "subject: shipping.parcel_lost",
        )],
        problems: &[(
            "payment-service/msgen.yaml",
            "subject: ^shipping.parcel_lost",
            "no service of the system publishes `shipping.parcel_lost`",
        )],
    },
    Broken {
        name: "a subject misspelt by its consumer",
        edits: &[(
            "payment-service/msgen.yaml",
            "subject: orders.order_cancelled",
            "subject: orders.order_canceled",
        )],
        problems: &[(
            "payment-service/msgen.yaml",
            "subject: ^orders.order_canceled",
            "did you mean `orders.order_cancelled`, which `order-service` publishes?",
        )],
    },
    Broken {
        name: "a payload field renamed by its producer",
        edits: &[(
            "payment-service/msgen.yaml",
            "        order_id: uuid\n        amount: decimal",
            "        order_ref: uuid\n        amount: decimal",
        )],
        problems: &[
            (
                "notification-service/msgen.yaml",
                "        ^order_id: uuid",
                "did you mean `order_ref`?",
            ),
            (
                "order-service/msgen.yaml",
                "      payload:\n        ^order_id: uuid\n        amount",
                "`order-service` reads `order_id` from `PaymentSucceeded`, which `payment-service` does not publish",
            ),
        ],
    },
    Broken {
        name: "a payload field's type changed by its producer",
        edits: &[(
            "payment-service/msgen.yaml",
            "        amount: decimal",
            "        amount: float",
        )],
        problems: &[
            (
                "notification-service/msgen.yaml",
                "amount: ^decimal",
                "`amount` is read as `decimal` here but published as `float` by `payment-service`",
            ),
            (
                "order-service/msgen.yaml",
                "        amount: ^decimal",
                "published as `float`",
            ),
        ],
    },
    Broken {
        name: "two producers of one subject",
        edits: &[(
            "order-service/msgen.yaml",
            "  consume:\n",
            "    OrderPaid:\n      subject: payments.payment_succeeded\n      payload:\n        order_id: uuid\n  consume:\n",
        )],
        problems: &[(
            "order-service/msgen.yaml",
            "    OrderPaid:\n      subject: ^payments.payment_succeeded",
            "`payments.payment_succeeded` is published by both `payment-service` and `order-service`",
        )],
    },
    Broken {
        name: "two services on one port",
        edits: &[("order-service/msgen.yaml", "port: 8082", "port: 8081")],
        problems: &[(
            "order-service/msgen.yaml",
            "port: ^8081",
            "`notification-service` and `order-service` both listen on port 8081",
        )],
    },
    Broken {
        name: "two services serving gRPC on one port",
        edits: &[
            (
                "order-service/msgen.yaml",
                "port: 8082\n",
                "port: 8082\ntransports: [http, grpc]\n",
            ),
            (
                "notification-service/msgen.yaml",
                "port: 8081\n",
                "port: 8081\ntransports: [http, grpc]\n",
            ),
        ],
        problems: &[(
            "order-service/msgen.yaml",
            "transports: ^[http, grpc]",
            "`notification-service` and `order-service` both serve gRPC on port 50051 (the default)",
        )],
    },
    Broken {
        name: "a gRPC port that is a service's HTTP port",
        edits: &[(
            "order-service/msgen.yaml",
            "port: 8082\n",
            "port: 8082\ntransports: [http, grpc]\ngrpc_port: 8081\n",
        )],
        problems: &[(
            "order-service/msgen.yaml",
            "grpc_port: ^8081",
            "`order-service` serves gRPC on port 8081, where a service listens for HTTP",
        )],
    },
    Broken {
        name: "a port outside the system's range",
        edits: &[("order-service/msgen.yaml", "port: 8082", "port: 9000")],
        problems: &[(
            "order-service/msgen.yaml",
            "port: ^9000",
            "outside the system's ports 8080-8089",
        )],
    },
    Broken {
        name: "`from:` naming no service of the system",
        edits: &[(
            "order-service/msgen.yaml",
            "from: payment-service",
            "from: payments-service",
        )],
        problems: &[(
            "order-service/msgen.yaml",
            "from: ^payments-service",
            "did you mean `payment-service`?",
        )],
    },
    Broken {
        name: "`from:` naming another service than the producer",
        edits: &[(
            "order-service/msgen.yaml",
            "from: payment-service",
            "from: notification-service",
        )],
        problems: &[(
            "order-service/msgen.yaml",
            "from: ^notification-service",
            "`payments.payment_succeeded` is published by `payment-service`, not by `notification-service`",
        )],
    },
    Broken {
        name: "an event consumed under another name",
        edits: &[(
            "order-service/msgen.yaml",
            "    PaymentSucceeded:",
            "    PaymentCompleted:",
        )],
        problems: &[(
            "order-service/msgen.yaml",
            "    ^PaymentCompleted:",
            "envelopes of that type would go to `order-service`'s dead letters",
        )],
    },
    Broken {
        name: "a published field the consumer requires but the producer may leave out",
        edits: &[(
            "payment-service/msgen.yaml",
            "reason: { type: string, optional: true }",
            "reason: string",
        )],
        problems: &[(
            "payment-service/msgen.yaml",
            "^reason: string",
            "`reason` is required here but optional where `order-service` publishes it",
        )],
    },
    Broken {
        name: "an enum value the consumer cannot read",
        edits: &[
            (
                "order-service/msgen.yaml",
                "        reason: { type: string, optional: true }\n  consume:",
                "        reason: { type: string, optional: true }\n        by: { type: enum, values: [customer, shop] }\n  consume:",
            ),
            (
                "payment-service/msgen.yaml",
                "reason: { type: string, optional: true }",
                "reason: { type: string, optional: true }\n        by: { type: enum, values: [customer] }",
            ),
        ],
        problems: &[(
            "payment-service/msgen.yaml",
            "values: ^[customer]",
            "`by` here cannot read `shop`, which `order-service` publishes",
        )],
    },
    Broken {
        name: "a service on another broker than the system's",
        edits: &[(
            "notification-service/msgen.yaml",
            "broker: nats",
            "broker: rabbitmq",
        )],
        problems: &[(
            "notification-service/msgen.yaml",
            "broker: ^rabbitmq",
            "`notification-service` uses broker `rabbitmq`, but the services of the system exchange events over `nats`",
        )],
    },
    Broken {
        name: "routes a gateway could not tell apart",
        edits: &[(
            "order-service/msgen.yaml",
            "path: /orders/{id}/cancel",
            "path: /payments/{id}/cancel",
        )],
        problems: &[(
            "order-service/msgen.yaml",
            "path: ^/payments/{id}/cancel",
            "`payment-service` and `order-service` both answer under `/api/v1/payments`",
        )],
    },
    Broken {
        name: "two services of one name",
        edits: &[
            (
                "order-service/msgen.yaml",
                "service: order-service",
                "service: payment-service",
            ),
            // A service of that name would call itself.
            (
                "order-service/msgen.yaml",
                "dependencies:\n  payment-service:\n    operations: [get_payment, create_payment]\n    timeout_ms: 1500\n    retries: 1\n    breaker: { failure_rate: 50, window: 10, open_secs: 5 }\n",
                "",
            ),
        ],
        // In the order of the manifest's services.
        problems: &[
            (
                "payment-service/msgen.yaml",
                "from: ^order-service",
                "`from: order-service` names no service of the system",
            ),
            (
                "order-service/msgen.yaml",
                "service: ^payment-service",
                "two services of the system are named `payment-service`",
            ),
        ],
    },
    Broken {
        name: "a service named as the gateway",
        edits: &[(
            "notification-service/msgen.yaml",
            "service: notification-service",
            "service: shop-gateway",
        )],
        problems: &[(
            "notification-service/msgen.yaml",
            "service: ^shop-gateway",
            "`shop-gateway` is the name of the system's gateway",
        )],
    },
    Broken {
        name: "a listed service without a spec",
        edits: &[(
            "msgen-system.yaml",
            "  - order-service\n",
            "  - order-service\n  - inventory-service\n",
        )],
        problems: &[(
            "msgen-system.yaml",
            "  - ^inventory-service",
            "`inventory-service` has no msgen.yaml",
        )],
    },
];

#[test]
fn the_example_system_is_consistent() {
    let manifest = root().join("examples/shop/msgen-system.yaml");
    let output = msgen(
        root(),
        &["system", "check", "--manifest", manifest.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "the system `shop` is consistent: 3 service(s), 2 subject(s), 1 call(s) between services\n"
    );
}

#[test]
fn each_broken_system_fails_at_the_files_and_lines_of_its_problems() {
    for case in BROKEN {
        let (_temp, dir) = shop();
        for (file, from, to) in case.edits {
            edit(&dir, file, from, to);
        }
        let output = msgen(&dir, &["system", "check"]);
        let report = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{}: {report}", case.name);
        assert_eq!(stdout(&output), "", "{}", case.name);
        let expected: Vec<String> = case
            .problems
            .iter()
            .map(|(file, marker, _)| location(&dir, file, marker))
            .collect();
        assert_eq!(reported(&report), expected, "{}: {report}", case.name);
        for (_, _, message) in case.problems {
            assert!(
                report.contains(message),
                "{}: `{message}` in {report}",
                case.name
            );
        }
        let count = case.problems.len();
        let summary = match count {
            1 => "error: 1 problem in the system of `msgen-system.yaml`\n".to_owned(),
            n => format!("error: {n} problems in the system of `msgen-system.yaml`\n"),
        };
        assert!(report.ends_with(&summary), "{}: {report}", case.name);
    }
}

#[test]
fn a_problem_between_two_services_shows_both_files() {
    let (_temp, dir) = shop();
    edit(
        &dir,
        "payment-service/msgen.yaml",
        "        amount: decimal",
        "        amount: float",
    );
    let report = stderr(&msgen(&dir, &["system", "check"]));
    let producer = location(&dir, "payment-service/msgen.yaml", "        amount: ^float");
    assert_eq!(
        places(&report),
        [
            [
                location(&dir, "notification-service/msgen.yaml", "amount: ^decimal"),
                producer.clone(),
            ],
            [
                location(&dir, "order-service/msgen.yaml", "        amount: ^decimal"),
                producer,
            ],
        ],
        "{report}"
    );
    assert!(report.contains("----- published as `float`"), "{report}");
}

#[test]
fn spec_problems_of_every_service_are_reported_together() {
    let (_temp, dir) = shop();
    edit(
        &dir,
        "order-service/msgen.yaml",
        "type: decimal, min: 0",
        "type: decimall, min: 0",
    );
    edit(
        &dir,
        "notification-service/msgen.yaml",
        "port: 8081",
        "port: 0",
    );
    let output = msgen(&dir, &["system", "check"]);
    assert_eq!(output.status.code(), Some(1));
    let report = stderr(&output);
    assert_eq!(
        reported(&report),
        [
            location(&dir, "notification-service/msgen.yaml", "port: ^0"),
            location(&dir, "order-service/msgen.yaml", "type: ^decimall"),
        ],
        "{report}"
    );
}

#[test]
fn a_broken_manifest_is_reported_at_its_lines() {
    let (_temp, dir) = shop();
    edit(&dir, "msgen-system.yaml", "broker: nats", "brokr: nats");
    edit(
        &dir,
        "msgen-system.yaml",
        "ports: 8080-8089",
        "ports: 8089-8080",
    );
    let output = msgen(&dir, &["system", "check"]);
    assert_eq!(output.status.code(), Some(1));
    let report = stderr(&output);
    assert_eq!(
        reported(&report),
        [
            location(&dir, "msgen-system.yaml", "^brokr: nats"),
            location(&dir, "msgen-system.yaml", "ports: ^8089-8080"),
        ],
        "{report}"
    );
    assert!(report.contains("did you mean `broker`?"), "{report}");
}

#[test]
fn the_example_systems_page_is_up_to_date() {
    let manifest = root().join("examples/shop/msgen-system.yaml");
    let output = msgen(
        root(),
        &[
            "system",
            "graph",
            "--check",
            "--manifest",
            manifest.to_str().unwrap(),
        ],
    );
    assert!(
        output.status.success(),
        "examples/shop/SYSTEM.md is stale; run `msgen system graph` in examples/shop: {}",
        stderr(&output)
    );
}

#[test]
fn the_graph_draws_every_service_subject_and_arrow() {
    let (_temp, dir) = shop();
    let json = stdout(&msgen(&dir, &["system", "graph", "--format", "json"]));
    let graph: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(graph["system"], "shop");
    let services: Vec<&str> = graph["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(services, SERVICES);
    let cancelled = &graph["subjects"][0];
    assert_eq!(cancelled["subject"], "orders.order_cancelled");
    assert_eq!(
        cancelled["publishers"],
        serde_json::json!(["order-service"])
    );
    assert_eq!(
        cancelled["consumers"],
        serde_json::json!(["payment-service"])
    );
    let succeeded = &graph["subjects"][1];
    assert_eq!(
        succeeded["consumers"],
        serde_json::json!(["notification-service", "order-service"])
    );
    assert_eq!(graph["services"][2]["database"]["name"], "order_service");
    // order-service calls payment-service (`dependencies:`).
    assert_eq!(
        graph["calls"],
        serde_json::json!([{
            "caller": "order-service",
            "service": "payment-service",
            "operations": ["get_payment", "create_payment"],
        }])
    );

    let mermaid = stdout(&msgen(&dir, &["system", "graph", "--format", "mermaid"]));
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(
        mermaid.contains("svc_order_service -- publishes --> subject_1"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("subject_1 -- consumed by --> svc_payment_service"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("svc_order_service -. calls .-> svc_payment_service"),
        "{mermaid}"
    );
    let dot = stdout(&msgen(&dir, &["system", "graph", "--format", "dot"]));
    assert!(dot.starts_with("digraph \"shop\" {"), "{dot}");
    assert!(
        dot.contains("\"service:payment-service\" -> \"subject:payments.payment_succeeded\""),
        "{dot}"
    );
    assert!(
        dot.contains(
            "\"service:order-service\" -> \"service:payment-service\" [label=\"calls\", style=dashed];"
        ),
        "{dot}"
    );
    assert_eq!(dot.matches('{').count(), dot.matches('}').count(), "{dot}");

    // The page is written, then up to date; a changed spec makes it stale.
    assert!(msgen(&dir, &["system", "graph", "--check"]).status.code() == Some(1));
    assert!(msgen(&dir, &["system", "graph"]).status.success());
    let page = fs::read_to_string(dir.join("SYSTEM.md")).unwrap();
    assert!(page.contains("```mermaid\nflowchart LR\n"), "{page}");
    assert!(
        page.contains("| `order-service` | `payment-service` | `get_payment`, `create_payment` |"),
        "{page}"
    );
    assert!(msgen(&dir, &["system", "graph", "--check"])
        .status
        .success());
    edit(&dir, "order-service/msgen.yaml", "port: 8082", "port: 8083");
    let stale = msgen(&dir, &["system", "graph", "--check"]);
    assert_eq!(stale.status.code(), Some(1));
    assert!(stderr(&stale).contains("out of date"), "{}", stderr(&stale));
}

#[test]
fn new_services_join_the_system_they_are_created_in() {
    let temp = tempfile::tempdir().unwrap();
    let created = msgen(temp.path(), &["system", "new", "market"]);
    assert!(created.status.success(), "{}", stderr(&created));
    let dir = temp.path().join("market");
    assert!(stdout(&created).contains("msgen-system.yaml"));

    // An empty system is consistent.
    let empty = msgen(&dir, &["system", "check"]);
    assert!(empty.status.success(), "{}", stderr(&empty));

    for service in ["catalog-service", "basket-service"] {
        let output = msgen(&dir, &["new", service]);
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(stdout(&output).contains("added"), "{}", stdout(&output));
    }
    for (service, spec) in [
        ("payment-service", "examples/payment-service.yaml"),
        ("order-service", "examples/shop/order-service/msgen.yaml"),
    ] {
        let spec = root().join(spec);
        let output = msgen(&dir, &["new", service, "--spec", spec.to_str().unwrap()]);
        assert!(output.status.success(), "{}", stderr(&output));
    }

    let manifest = fs::read_to_string(dir.join("msgen-system.yaml")).unwrap();
    assert!(
        manifest.ends_with(
            "services: [catalog-service, basket-service, payment-service, order-service]\n"
        ),
        "{manifest}"
    );
    let spec = |service: &str| fs::read_to_string(dir.join(service).join("msgen.yaml")).unwrap();
    // The first keeps the starter's port and base path; the second takes the next free port and
    // a base path of its own, as the starter's routes are the first one's; each the system's
    // broker.
    assert!(spec("catalog-service").contains("\nport: 8080\n"));
    assert!(spec("catalog-service").contains("\nbase_path: /api/v1\n"));
    assert!(spec("basket-service").contains("\nport: 8081\n"));
    assert!(spec("basket-service").contains("\nbase_path: /basket-service\n"));
    // The payment service's spec asks for 8080 and the order service's for 8082, taken by then;
    // their own base paths stay, as their routes are theirs.
    assert!(spec("payment-service").contains("\nport: 8082\n"));
    assert!(spec("order-service").contains("\nport: 8083\n"));
    assert!(spec("order-service").contains("\nbase_path: /api/v1\n"));
    for service in [
        "catalog-service",
        "basket-service",
        "payment-service",
        "order-service",
    ] {
        assert!(spec(service).contains("\nbroker: nats"), "{service}");
    }
    let check = msgen(&dir, &["system", "check"]);
    assert!(check.status.success(), "{}", stderr(&check));

    // A second system of the same name is refused, and nothing is written.
    let again = msgen(temp.path(), &["system", "new", "market"]);
    assert_eq!(again.status.code(), Some(2));
    let bad = msgen(temp.path(), &["system", "new", "Market"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("not kebab-case"), "{}", stderr(&bad));
    assert!(!temp.path().join("Market").exists());
}

#[test]
fn the_system_copies_of_the_examples_are_the_examples() {
    // Only their database and broker differ, so that the system's services exchange events.
    for service in ["payment-service", "notification-service"] {
        let body = |text: String| -> Vec<String> {
            text.lines()
                .skip_while(|l| l.starts_with('#'))
                .filter(|l| !l.starts_with("database:") && !l.starts_with("broker:"))
                .map(str::to_owned)
                .collect()
        };
        let alone =
            body(fs::read_to_string(root().join(format!("examples/{service}.yaml"))).unwrap());
        let in_system = body(
            fs::read_to_string(root().join(format!("examples/shop/{service}/msgen.yaml"))).unwrap(),
        );
        assert_eq!(alone, in_system, "examples/shop/{service}/msgen.yaml");
    }
}

/// Every file under `dir` with its contents, by path relative to it (`.msgen/` left out).
fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walk(dir)
        .into_iter()
        .filter(|(path, _)| !path.contains(".msgen/"))
        .collect()
}

fn walk(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((relative, fs::read(&path).unwrap()));
            }
        }
    }
    out
}

fn yaml(path: &Path) -> serde_json::Value {
    let text = fs::read_to_string(path).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs Backstage's catalog model on `files` (tests/support/catalog-validate.mjs).
fn catalog_validate(files: &[PathBuf]) -> String {
    const INSTALL: &str = "npm ci --prefix tools/catalog";
    let script = root().join("tests/support/catalog-validate.mjs");
    let output = match std::process::Command::new("node")
        .arg(&script)
        .args(files)
        .output()
    {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!(
            "node is not installed; it runs Backstage's catalog model. Install Node.js 20 or \
             later, then run `{INSTALL}`."
        ),
        Err(err) => panic!("cannot run node: {err}"),
    };
    let text = format!("{}{}", stdout(&output), stderr(&output));
    assert_ne!(
        output.status.code(),
        Some(2),
        "the catalog validator could not run; install it with `{INSTALL}`:\n{text}"
    );
    assert!(output.status.success(), "{text}");
    text
}

#[test]
fn system_generate_writes_every_service_and_the_systems_own_files() {
    let (_temp, dir) = shop();
    let output = msgen(&dir, &["system", "generate"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let listed = stdout(&output);
    for service in SERVICES {
        for file in [
            "Cargo.toml",
            "src/main.rs",
            "openapi.yaml",
            "asyncapi.yaml",
            ".msgen/state.json",
        ] {
            assert!(dir.join(service).join(file).is_file(), "{service}/{file}");
        }
        assert!(
            listed.contains(&format!("   create  {service}/src/main.rs\n")),
            "{listed}"
        );
        // The same files `msgen new` writes for the service, made in the system without it
        // (where the services it calls are found).
        let alone = tempfile::tempdir().unwrap();
        fs::copy(
            dir.join("msgen-system.yaml"),
            alone.path().join("msgen-system.yaml"),
        )
        .unwrap();
        for other in SERVICES.iter().filter(|s| **s != service) {
            fs::create_dir_all(alone.path().join(other)).unwrap();
            let spec = format!("{other}/msgen.yaml");
            fs::copy(dir.join(&spec), alone.path().join(&spec)).unwrap();
        }
        let spec = dir.join(service).join("msgen.yaml");
        let created = msgen(
            alone.path(),
            &["new", service, "--spec", spec.to_str().unwrap()],
        );
        assert!(created.status.success(), "{}", stderr(&created));
        let mut expected = tree(&alone.path().join(service));
        let mut written = tree(&dir.join(service));
        written
            .remove("catalog-info.yaml")
            .expect("the service's catalog entry");
        expected.remove("msgen.yaml");
        written.remove("msgen.yaml");
        assert_eq!(
            expected.keys().collect::<Vec<_>>(),
            written.keys().collect::<Vec<_>>(),
            "{service}"
        );
        assert!(expected == written, "{service}: the files of `msgen new`");
    }
    for file in [
        "compose.yaml",
        "deploy/kustomization.yaml",
        "catalog-info.yaml",
        ".msgen/state.json",
    ] {
        assert!(dir.join(file).is_file(), "{file}");
    }

    // Nothing to do the second time, and --check agrees.
    let again = msgen(&dir, &["system", "generate"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(stdout(&again), "");
    let check = msgen(&dir, &["system", "generate", "--check"]);
    assert!(check.status.success(), "{}", stderr(&check));
}

/// Regenerating answers from `.msgen/` when nothing changed, which for a service that calls
/// others takes their specs to be unchanged too: `.msgen/` records what each was (by its path
/// from the service's folder), so a change to one reaches the services that call it.
#[test]
fn a_change_to_a_called_services_spec_reaches_its_callers() {
    let (_temp, dir) = shop();
    let output = msgen(&dir, &["system", "generate", "-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let state = fs::read_to_string(dir.join("order-service/.msgen/state.json")).unwrap();
    let state: serde_json::Value = serde_json::from_str(&state).unwrap();
    let inputs: Vec<&String> = state["inputs"].as_object().unwrap().keys().collect();
    assert_eq!(
        inputs,
        ["../msgen-system.yaml", "../payment-service/msgen.yaml"],
        "{state}"
    );

    edit(
        &dir,
        "payment-service/msgen.yaml",
        "      note: { type: string, optional: true }\n",
        "      note: { type: string, optional: true }\n      memo: { type: string, optional: true }\n",
    );
    let check = msgen(&dir, &["system", "generate", "--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    let listed = stdout(&check);
    for file in [
        "payment-service/src/models/payment.rs",
        "order-service/src/clients/payment_service.rs",
    ] {
        assert!(listed.contains(&format!("  {file}\n")), "{file}: {listed}");
    }
    assert!(!listed.contains("notification-service/"), "{listed}");
    let alone = msgen(&dir.join("order-service"), &["generate", "--check"]);
    assert_eq!(alone.status.code(), Some(1), "{}", stdout(&alone));
    assert!(
        stdout(&alone).contains("  src/clients/payment_service.rs\n"),
        "{}",
        stdout(&alone)
    );

    let output = msgen(&dir, &["system", "generate", "-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let client = fs::read_to_string(dir.join("order-service/src/clients/payment_service.rs"));
    assert!(client.unwrap().contains("pub memo: Option<String>"));
    let check = msgen(&dir, &["system", "generate", "--check"]);
    assert!(check.status.success(), "{}", stdout(&check));
}

#[test]
fn the_systems_compose_file_runs_every_service_on_one_server_and_broker() {
    let (_temp, dir) = shop();
    assert!(msgen(&dir, &["system", "generate"]).status.success());
    let compose = yaml(&dir.join("compose.yaml"));

    // The Compose Specification's own schema accepts it.
    let schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root().join("tests/schemas/compose-spec.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft7::new(&schema).expect("the compose schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&compose)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "compose.yaml:\n{}", errors.join("\n"));

    let services = compose["services"].as_object().unwrap();
    let names: Vec<&str> = services.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            &["shop-gateway"],
            SERVICES.as_slice(),
            &["jaeger", "postgres", "nats"]
        ]
        .concat()
    );
    // The gateway is the one entry published on the machine, and reaches every service.
    let gateway = &services["shop-gateway"];
    assert_eq!(gateway["build"], "./gateway");
    assert_eq!(gateway["ports"], serde_json::json!(["8000:8000"]));
    for (service, port) in SERVICES.iter().zip([8080, 8081, 8082]) {
        let variable = format!("{}_URL", service.to_uppercase().replace('-', "_"));
        let url = format!("http://{service}:{port}");
        assert_eq!(
            gateway["environment"][&variable],
            url.as_str(),
            "{variable}"
        );
        assert!(gateway["depends_on"][service].is_object(), "{service}");
    }
    let mut databases = Vec::new();
    for (service, port) in SERVICES.iter().zip([8080, 8081, 8082]) {
        let s = &services[*service];
        assert_eq!(s["build"], format!("./{service}"));
        assert_eq!(
            s.get("ports"),
            None,
            "{service} is reached through the gateway"
        );
        assert_eq!(s["expose"][0], port.to_string());
        let env = &s["environment"];
        assert_eq!(env["PORT"], port.to_string());
        assert_eq!(env["NATS_URL"], "nats://nats:4222");
        // The system's `events_prefix`, for every service.
        assert_eq!(env["EVENTS_PREFIX"], "shop.");
        // Every service's spans go to the one trace viewer.
        assert_eq!(env["OTEL_EXPORTER_OTLP_ENDPOINT"], "http://jaeger:4318");
        let url = env["DATABASE_URL"].as_str().unwrap();
        assert!(
            url.starts_with("postgres://postgres:postgres@postgres:5432/"),
            "{url}"
        );
        databases.push(url.rsplit('/').next().unwrap().to_owned());
        assert_eq!(s["depends_on"]["postgres"]["condition"], "service_healthy");
        assert!(s["depends_on"]["nats"].is_object(), "{service}");
    }
    // One server, a database per service.
    assert_eq!(
        databases,
        ["payment_service", "notification_service", "order_service"]
    );
    assert_eq!(services["nats"]["command"][0], "-js");
    assert_eq!(services["jaeger"]["ports"][0], "16686:16686");
}

#[test]
fn the_systems_catalog_describes_every_service_and_the_apis_between_them() {
    let (_temp, dir) = shop();
    assert!(msgen(&dir, &["system", "generate"]).status.success());
    let mut files = vec![dir.join("catalog-info.yaml")];
    files.extend(
        SERVICES
            .iter()
            .map(|s| dir.join(s).join("catalog-info.yaml")),
    );
    let validated = catalog_validate(&files);
    assert_eq!(validated.lines().count(), 2 + 3 + 3 + 2, "{validated}");

    let mut documents = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        for document in serde_yaml::Deserializer::from_str(&text) {
            let value: serde_json::Value = serde::Deserialize::deserialize(document).unwrap();
            documents.push(value);
        }
    }
    let of_kind = |kind: &str| -> Vec<&serde_json::Value> {
        documents.iter().filter(|d| d["kind"] == kind).collect()
    };
    let apis: Vec<&str> = of_kind("API")
        .iter()
        .map(|a| a["metadata"]["name"].as_str().unwrap())
        .collect();
    let system = of_kind("System");
    assert_eq!(system[0]["metadata"]["name"], "shop");
    let location = of_kind("Location");
    for target in location[0]["spec"]["targets"].as_array().unwrap() {
        assert!(dir.join(target.as_str().unwrap()).is_file(), "{target}");
    }
    let components = of_kind("Component");
    assert_eq!(components.len(), 3);
    for component in &components {
        assert_eq!(component["spec"]["system"], "shop");
        for key in ["providesApis", "consumesApis"] {
            for api in component["spec"][key].as_array().into_iter().flatten() {
                assert!(apis.contains(&api.as_str().unwrap()), "{key} {api}");
            }
        }
    }
    let consumed = |name: &str| -> serde_json::Value {
        components
            .iter()
            .find(|c| c["metadata"]["name"] == name)
            .unwrap()["spec"]["consumesApis"]
            .clone()
    };
    assert_eq!(
        consumed("payment-service"),
        serde_json::json!(["order-service-events"])
    );
    assert_eq!(
        consumed("notification-service"),
        serde_json::json!(["payment-service-events"])
    );
    // order-service calls payment-service's HTTP API too (`dependencies:`).
    assert_eq!(
        consumed("order-service"),
        serde_json::json!(["payment-service-http", "payment-service-events"])
    );
    // Each API's definition is the service's document.
    for api in of_kind("API") {
        let definition = api["spec"]["definition"]["$text"].as_str().unwrap();
        let service = api["metadata"]["name"]
            .as_str()
            .unwrap()
            .rsplit_once('-')
            .unwrap()
            .0;
        assert!(dir.join(service).join(definition).is_file(), "{definition}");
    }
}

#[test]
fn the_systems_overlay_deploys_every_service_from_its_base() {
    let (_temp, dir) = shop();
    assert!(msgen(&dir, &["system", "generate"]).status.success());
    let overlay = yaml(&dir.join("deploy/kustomization.yaml"));
    assert_eq!(overlay["kind"], "Kustomization");
    let resources: Vec<&str> = overlay["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(resources.len(), SERVICES.len() + 1);
    assert_eq!(resources[0], "../gateway/deploy/k8s");
    for (resource, service) in resources[1..].iter().zip(SERVICES) {
        assert_eq!(*resource, format!("../{service}/deploy/k8s"));
        assert!(dir
            .join("deploy")
            .join(resource)
            .join("kustomization.yaml")
            .is_file());
    }
    assert_eq!(
        overlay["labels"][0]["pairs"]["app.kubernetes.io/part-of"],
        "shop"
    );
    assert_eq!(overlay["labels"][0]["includeSelectors"], false);
    // The gateway's base: a Deployment, its ConfigMap, and the LoadBalancer Service that is the
    // system's public entry; the services' own Services stay inside the cluster.
    let base = dir.join("gateway/deploy/k8s");
    let files: Vec<PathBuf> = ["configmap.yaml", "deployment.yaml", "service.yaml"]
        .iter()
        .map(|f| base.join(f))
        .collect();
    support::kubernetes_validate(&files, files.len(), None, "the gateway's base");
    assert_eq!(
        yaml(&base.join("service.yaml"))["spec"]["type"],
        "LoadBalancer"
    );
    for service in SERVICES {
        let own = yaml(&dir.join(service).join("deploy/k8s/service.yaml"));
        assert_eq!(own["spec"]["type"], "ClusterIP", "{service}");
    }
    let settings = yaml(&base.join("configmap.yaml"));
    assert_eq!(
        settings["data"]["PAYMENT_SERVICE_URL"],
        "http://payment-service"
    );
    let patches = overlay["patches"].as_array().unwrap();
    assert_eq!(patches.len(), SERVICES.len());
    // kustomize itself, when kubectl is here.
    match std::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(dir.join("deploy"))
        .output()
    {
        Ok(output) => {
            assert!(output.status.success(), "{}", stderr(&output));
            let built = stdout(&output);
            let mut deployments = Vec::new();
            let mut prefixes = Vec::new();
            for document in serde_yaml::Deserializer::from_str(&built) {
                let value: serde_json::Value = serde::Deserialize::deserialize(document).unwrap();
                // The gateway has no events.
                if value["kind"] == "ConfigMap"
                    && value["metadata"]["name"] != "shop-gateway-config"
                {
                    prefixes.push(value["data"]["EVENTS_PREFIX"].clone());
                }
                if value["kind"] == "Deployment" {
                    assert_eq!(
                        value["metadata"]["labels"]["app.kubernetes.io/part-of"],
                        "shop"
                    );
                    deployments.push(value["metadata"]["name"].as_str().unwrap().to_owned());
                }
            }
            assert_eq!(deployments.len(), SERVICES.len() + 1, "{built}");
            // The system's `events_prefix` in every service's settings.
            assert_eq!(prefixes, vec![serde_json::json!("shop."); SERVICES.len()]);
            let file = dir.join("kustomize-build.yaml");
            fs::write(&file, &built).unwrap();
            let documents = serde_yaml::Deserializer::from_str(&built).count();
            support::kubernetes_validate(&[file], documents, None, "the system's overlay");
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("kubectl is not installed: the kustomize build is not checked");
        }
        Err(err) => panic!("cannot run kubectl: {err}"),
    }
}

#[test]
fn system_generate_keeps_edits_and_writes_nothing_when_a_service_refuses_a_change() {
    let (_temp, dir) = shop();
    assert!(msgen(&dir, &["system", "generate"]).status.success());
    // A team's edit to the system's compose file is kept when the system changes.
    let compose = dir.join("compose.yaml");
    let edited = fs::read_to_string(&compose).unwrap().replacen(
        "      RUST_LOG: info\n",
        "      RUST_LOG: debug\n",
        1,
    );
    fs::write(&compose, &edited).unwrap();
    edit(&dir, "order-service/msgen.yaml", "port: 8082", "port: 8083");
    let output = msgen(&dir, &["system", "generate"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("compose.yaml"),
        "{}",
        stdout(&output)
    );
    let merged = fs::read_to_string(&compose).unwrap();
    assert!(merged.contains("RUST_LOG: debug"), "{merged}");
    assert!(merged.contains("      - \"8083\"\n"), "{merged}");
    assert!(
        merged.contains("ORDER_SERVICE_URL: http://order-service:8083"),
        "{merged}"
    );

    // A change one service refuses (a required field without a default, for stored orders)
    // leaves every folder as it was, the other services' changes included.
    let before = tree(&dir);
    edit(
        &dir,
        "payment-service/msgen.yaml",
        "port: 8080",
        "port: 8084",
    );
    edit(
        &dir,
        "order-service/msgen.yaml",
        "      cancel_reason:",
        "      priority: int\n      cancel_reason:",
    );
    let refused = msgen(&dir, &["system", "generate"]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("order-service/msgen.yaml:"),
        "{}",
        stderr(&refused)
    );
    let mut after = tree(&dir);
    for file in ["payment-service/msgen.yaml", "order-service/msgen.yaml"] {
        after.insert(file.to_owned(), before[file].clone());
    }
    assert!(before == after, "a refused change wrote something");
}

#[test]
fn a_system_with_problems_is_not_generated() {
    let (_temp, dir) = shop();
    edit(&dir, "order-service/msgen.yaml", "port: 8082", "port: 8081");
    let before = tree(&dir);
    let output = msgen(&dir, &["system", "generate"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("both listen on port 8081"),
        "{}",
        stderr(&output)
    );
    assert!(before == tree(&dir));
}

/// The example system's services' OpenAPI documents merged into one for its clients: a valid
/// OpenAPI document (openapi-spec-validator) holding every operation of every service.
#[test]
fn the_systems_api_reference_is_one_valid_document() {
    let temp = tempfile::tempdir().unwrap();
    let dir = support::copy_example_system(temp.path());
    let system = msgen::system::load(&dir.join("msgen-system.yaml")).unwrap();
    let merged = msgen::system::reference::of_system(&system);
    let path = temp.path().join("openapi.json");
    std::fs::write(&path, serde_json::to_string_pretty(&merged).unwrap()).unwrap();
    support::run(
        temp.path(),
        "openapi-spec-validator",
        &[&path.display().to_string()],
    );
    let operations: usize = merged["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "parameters")
                .count()
        })
        .sum();
    // Each service's own document, as `msgen new` writes it, counted the same way.
    let mut separately = 0;
    for member in &system.members {
        let spec = dir.join(&member.folder.value).join("msgen.yaml");
        let out = temp.path().join("one");
        let made = msgen(
            temp.path(),
            &[
                "new",
                member.name(),
                "--spec",
                &spec.display().to_string(),
                "--dir",
                &out.display().to_string(),
                "-q",
            ],
        );
        assert!(made.status.success(), "{}", stderr(&made));
        let text = fs::read_to_string(out.join(member.name()).join("openapi.yaml")).unwrap();
        let own: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        separately += own["paths"]
            .as_mapping()
            .unwrap()
            .values()
            .map(|item| {
                let item = item.as_mapping().unwrap();
                item.keys()
                    .filter(|k| k.as_str() != Some("parameters"))
                    .count()
            })
            .sum::<usize>();
        fs::remove_dir_all(&out).unwrap();
    }
    assert!(separately > 10);
    assert_eq!(operations, separately);
    assert_eq!(
        merged["paths"]["/api/v1/payments/{id}"]["get"]["operationId"],
        "payment-service.get_payment"
    );
}
