//! Every generated service comes with a `Cargo.lock` that cargo accepts as it is: for each
//! database and broker, for specs with and without decimals, and with and without gRPC,
//! `cargo metadata --locked` resolves the service's manifest to exactly the lock msgen wrote.

mod support;

use std::path::Path;

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

#[test]
fn every_generated_lock_is_the_one_cargo_resolves() {
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let mut checked = 0;
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
                    let dir = temp
                        .path()
                        .join(format!("{name}-{database}-{broker}{variant}"));
                    let spec = spec.display().to_string();
                    let args = [
                        "--quiet",
                        "new",
                        &name,
                        "--spec",
                        &spec,
                        "--database",
                        database,
                        "--broker",
                        broker,
                        "--dir",
                    ];
                    let mut args = args.to_vec();
                    let parent = dir.display().to_string();
                    args.push(&parent);
                    run(temp.path(), msgen(), &args);
                    let service = dir.join(&name);
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
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 8 * 12, "only {checked} services checked");
}
