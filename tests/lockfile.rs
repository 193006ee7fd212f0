//! Every generated service comes with a `Cargo.lock` that cargo accepts as it is: for each
//! database and broker, for specs with and without decimals, and with and without gRPC,
//! `cargo metadata --locked` resolves the service's manifest to exactly the lock msgen wrote.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use support::{msgen, root, run};

fn specs() -> Vec<String> {
    let mut specs = vec![
        "examples/payment-service.yaml".to_string(),
        "examples/notification-service.yaml".to_string(),
    ];
    for entry in std::fs::read_dir(root().join("tests/specs/valid")).unwrap() {
        let path = entry.unwrap().path();
        specs.push(format!(
            "tests/specs/valid/{}",
            path.file_name().unwrap().to_str().unwrap()
        ));
    }
    specs.sort();
    specs
}

fn service_name(spec: &Path) -> String {
    let text = std::fs::read_to_string(spec).unwrap();
    let line = text.lines().find(|l| l.starts_with("service:")).unwrap();
    line["service:".len()..].trim().to_string()
}

/// One service to generate and check: its spec, name, database, broker, and a suffix for its
/// folder.
struct Case {
    spec: PathBuf,
    name: String,
    database: &'static str,
    broker: &'static str,
    variant: &'static str,
}

#[test]
fn every_generated_lock_is_the_one_cargo_resolves() {
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let mut cases = Vec::new();
    for spec in specs() {
        let spec = root().join(spec);
        let name = service_name(&spec);
        let text = std::fs::read_to_string(&spec).unwrap();
        // The same service serving gRPC too, where it has endpoints to serve.
        let grpc = text.contains("\nendpoints:").then(|| {
            let with = temp.path().join(format!("{name}-grpc.yaml"));
            let lines = text.lines().flat_map(|line| {
                let grpc = line
                    .starts_with("service:")
                    .then_some("transports: [http, grpc]");
                std::iter::once(line).chain(grpc)
            });
            std::fs::write(&with, lines.collect::<Vec<_>>().join("\n")).unwrap();
            with
        });
        let variants = std::iter::once((spec.clone(), "")).chain(grpc.map(|g| (g, "-grpc")));
        for (spec, variant) in variants {
            for database in ["sqlite", "postgres"] {
                for broker in ["none", "nats", "rabbitmq", "kafka"] {
                    cases.push(Case {
                        spec: spec.clone(),
                        name: name.clone(),
                        database,
                        broker,
                        variant,
                    });
                }
            }
        }
    }
    // A service that calls another over gRPC and serves none (tests/specs/e2e): its `spec:`
    // finds the payment example, serving gRPC, in `../services/` of the spec's folder.
    let callee = temp.path().join("services/payment-service");
    std::fs::create_dir_all(&callee).unwrap();
    let payment = std::fs::read_to_string(root().join("examples/payment-service.yaml")).unwrap();
    std::fs::write(callee.join("msgen.yaml"), support::with_grpc(&payment)).unwrap();
    let caller = temp.path().join("specs/checkout-over-grpc.yaml");
    std::fs::create_dir_all(caller.parent().unwrap()).unwrap();
    let spec = root().join("tests/specs/e2e/checkout-over-grpc.yaml");
    std::fs::copy(spec, &caller).unwrap();
    for database in ["sqlite", "postgres"] {
        cases.push(Case {
            spec: caller.clone(),
            name: service_name(&caller),
            database,
            broker: "none",
            variant: "",
        });
    }
    assert!(cases.len() >= 8 * 12, "only {} services", cases.len());
    // Two at a time: each check is a short cargo run, mostly waiting on the disk.
    let queue = Mutex::new(cases.iter());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let Some(case) = queue.lock().unwrap().next() else {
                    break;
                };
                check(temp.path(), case);
            });
        }
    });
}

/// Generates `case` under `temp` and checks that cargo accepts its lock file as it is.
fn check(temp: &Path, case: &Case) {
    let Case {
        name,
        database,
        broker,
        variant,
        ..
    } = case;
    let dir = temp.join(format!("{name}-{database}-{broker}{variant}"));
    let spec = case.spec.display().to_string();
    let parent = dir.display().to_string();
    let args = [
        "--quiet",
        "new",
        name,
        "--spec",
        &spec,
        "--database",
        database,
        "--broker",
        broker,
        "--dir",
        &parent,
    ];
    run(temp, msgen(), &args);
    let service = dir.join(name);
    let written = std::fs::read_to_string(service.join("Cargo.lock")).unwrap();
    run(
        &service,
        "cargo",
        &["metadata", "--locked", "--format-version", "1"],
    );
    let after = std::fs::read_to_string(service.join("Cargo.lock")).unwrap();
    assert_eq!(
        written,
        after,
        "cargo rewrote the lock of {}",
        service.display()
    );
}
