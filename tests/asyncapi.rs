//! `asyncapi.yaml` of generated services, checked by an independent AsyncAPI 3 parser:
//! `@asyncapi/parser`, installed under tools/asyncapi and driven by
//! tests/support/asyncapi-validate.mjs. Nothing here builds a generated service.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_yaml::Value;
use support::{msgen, root, run};

const INSTALL: &str = "npm ci --prefix tools/asyncapi";

const BROKERS: [&str; 4] = ["none", "nats", "rabbitmq", "kafka"];

const EXAMPLES: [&str; 2] = ["payment-service", "notification-service"];

/// A way to break a document: its name, what the validator's error must mention, the change.
type Break = (&'static str, &'static str, fn(&mut Value));

/// Generates `example` with `broker` under `dir/broker`, and answers its `asyncapi.yaml`.
fn generate(dir: &Path, example: &str, broker: &str) -> PathBuf {
    let spec = root().join(format!("examples/{example}.yaml"));
    let spec = spec.display().to_string();
    run(
        dir,
        msgen(),
        &[
            "new", example, "--spec", &spec, "--broker", broker, "--dir", broker,
        ],
    );
    dir.join(broker).join(example).join("asyncapi.yaml")
}

/// Runs the validator on `files`; fails the test when it cannot run at all.
fn validate(files: &[PathBuf]) -> (Output, String) {
    let script = root().join("tests/support/asyncapi-validate.mjs");
    let output = match Command::new("node").arg(&script).args(files).output() {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!(
            "node is not installed; it runs the AsyncAPI validator. Install Node.js 20 or later, \
             then run `{INSTALL}`."
        ),
        Err(err) => panic!("cannot run node: {err}"),
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.code() == Some(2) {
        panic!(
            "the AsyncAPI validator could not run; install it with `{INSTALL}` (from the \
             repository root):\n{text}"
        );
    }
    (output, text)
}

#[test]
fn every_example_on_every_broker_is_valid_asyncapi_3() {
    let temp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for broker in BROKERS {
        for example in EXAMPLES {
            let file = generate(temp.path(), example, broker);
            assert!(file.is_file(), "{example} on {broker} has asyncapi.yaml");
            files.push(file);
        }
    }
    let (output, text) = validate(&files);
    assert!(
        output.status.success(),
        "@asyncapi/parser rejected a document:\n{text}"
    );
    for file in &files {
        assert!(
            text.contains(&format!("{}: valid AsyncAPI 3.0.0", file.display())),
            "{} was validated:\n{text}",
            file.display()
        );
    }
}

/// The validator is real: documents broken in different ways are each rejected, naming the
/// problem, while the document they were made from passes.
#[test]
fn the_validator_rejects_broken_documents() {
    let temp = tempfile::tempdir().unwrap();
    let file = generate(temp.path(), "payment-service", "nats");
    let (output, text) = validate(std::slice::from_ref(&file));
    assert!(output.status.success(), "the original is valid:\n{text}");

    let original: Value = serde_yaml::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
    let channel = "payments.payment_succeeded";
    let breaks: [Break; 4] = [
        ("address-not-a-string", "address", |doc| {
            doc["channels"]["payments.payment_succeeded"]["address"] = Value::from(42);
        }),
        ("info-without-title", "title", |doc| {
            doc["info"]
                .as_mapping_mut()
                .unwrap()
                .remove("title")
                .unwrap();
        }),
        ("dangling-reference", "does not exist", |doc| {
            doc["channels"]["payments.payment_succeeded"]["messages"]["PaymentSucceeded"]["$ref"] =
                Value::from("#/components/messages/Nothing");
        }),
        ("unknown-action", "action", |doc| {
            doc["operations"]["sendPaymentSucceeded"]["action"] = Value::from("publish");
        }),
    ];
    for (name, needle, break_it) in breaks {
        let mut doc = original.clone();
        assert!(doc["channels"].get(channel).is_some());
        break_it(&mut doc);
        let broken = temp.path().join(format!("{name}.yaml"));
        fs::write(&broken, serde_yaml::to_string(&doc).unwrap()).unwrap();
        let (output, text) = validate(std::slice::from_ref(&broken));
        assert_eq!(output.status.code(), Some(1), "{name} is rejected:\n{text}");
        assert!(
            text.contains(" error ") && text.contains(needle),
            "{name}: the error names {needle:?}:\n{text}"
        );
    }
}

#[test]
fn a_service_without_events_has_no_asyncapi_document() {
    let temp = tempfile::tempdir().unwrap();
    run(temp.path(), msgen(), &["new", "shop"]);
    let dir = temp.path().join("shop");
    assert!(dir.join("openapi.yaml").is_file());
    assert!(!dir.join("asyncapi.yaml").exists());
}
