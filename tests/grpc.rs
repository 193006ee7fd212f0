//! The gRPC contract msgen writes with `transports: [http, grpc]`: it passes `buf lint` (buf's
//! standard rules, installed under tools/buf by tools/test.sh) for every valid spec of the
//! corpus, and its numbers hold across regenerations as `buf breaking` judges them: adding a
//! field breaks nothing, removing one breaks clients and leaves its number reserved.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use support::{msgen_in, root, stderr_of, try_run};

fn buf() -> String {
    root()
        .join("tools/buf/node_modules/.bin/buf")
        .display()
        .to_string()
}

/// The spec at `path` with `transports: [http, grpc]` after its `service:` line.
fn with_grpc(path: &Path) -> String {
    support::with_grpc(&fs::read_to_string(path).unwrap())
}

fn service_name(spec: &str) -> String {
    let line = spec.lines().find(|l| l.starts_with("service:")).unwrap();
    line["service:".len()..].trim().to_owned()
}

/// Generates `spec` as a new service under `dir`; its folder.
fn generate(dir: &Path, spec: &str) -> PathBuf {
    let name = service_name(spec);
    let file = dir.join(format!("{name}.yaml"));
    fs::write(&file, spec).unwrap();
    let file = file.display().to_string();
    let output = msgen_in(
        dir,
        &["--quiet", "new", &name, "--spec", &file, "--dir", "."],
    );
    assert!(output.status.success(), "{}", stderr_of(&output));
    dir.join(name)
}

/// Regenerates `service` from `spec`; removed fields drop their columns.
fn regenerate(service: &Path, spec: &str) {
    fs::write(service.join("msgen.yaml"), spec).unwrap();
    let output = msgen_in(service, &["--quiet", "generate", "--allow-destructive"]);
    assert!(output.status.success(), "{}", stderr_of(&output));
}

fn contract(service: &Path) -> String {
    let name = service_name(&fs::read_to_string(service.join("msgen.yaml")).unwrap());
    let krate = name.replace('-', "_");
    fs::read_to_string(service.join(format!("proto/{krate}/v1/{krate}.proto"))).unwrap()
}

/// The body of message or enum `name` in `contract`.
fn block<'a>(contract: &'a str, kind: &str, name: &str) -> &'a str {
    let start = contract
        .find(&format!("\n{kind} {name} {{"))
        .unwrap_or_else(|| panic!("no {kind} {name} in:\n{contract}"));
    let rest = &contract[start + 1..];
    &rest[..rest.find("\n}").unwrap()]
}

#[test]
fn every_valid_spec_gets_a_contract_buf_lint_accepts() {
    let temp = tempfile::tempdir().unwrap();
    let mut specs: Vec<PathBuf> = fs::read_dir(root().join("tests/specs/valid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .chain([
            root().join("examples/payment-service.yaml"),
            root().join("examples/notification-service.yaml"),
        ])
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    specs.sort();
    assert!(specs.len() >= 10, "the corpus shrank: {specs:?}");
    let mut refused = 0;
    for path in specs {
        let spec = with_grpc(&path);
        let parsed: serde_yaml::Value = serde_yaml::from_str(&spec).unwrap();
        if parsed["endpoints"].as_sequence().is_none_or(Vec::is_empty) {
            // Nothing to serve: msgen refuses the transport rather than write an empty
            // contract.
            let file = temp.path().join("no-endpoints.yaml");
            fs::write(&file, &spec).unwrap();
            let output = msgen_in(temp.path(), &["validate", &file.display().to_string()]);
            let stderr = stderr_of(&output);
            assert!(!output.status.success(), "{}", path.display());
            assert!(
                stderr.contains("no endpoint is served over gRPC"),
                "{stderr}"
            );
            refused += 1;
            continue;
        }
        let service = generate(temp.path(), &spec);
        assert!(service.join("buf.yaml").is_file());
        let contract = contract(&service);
        assert!(contract.contains("service "), "{}", path.display());
        if let Err(failure) = try_run(&service, &buf(), &["lint"]) {
            panic!(
                "{}: buf lint refused the contract: {failure}",
                path.display()
            );
        }
    }
    // The corpus has specs without endpoints: an entity alone, events alone.
    assert!(refused >= 2, "only {refused} specs without endpoints");
}

#[test]
fn every_http_operation_has_its_rpc() {
    let temp = tempfile::tempdir().unwrap();
    let spec = with_grpc(&root().join("tests/specs/valid/kitchen-sink.yaml"));
    let service = generate(temp.path(), &spec);
    let contract = contract(&service);
    let openapi = fs::read_to_string(service.join("openapi.yaml")).unwrap();
    let mut checked = 0;
    for line in openapi.lines() {
        let Some(id) = line.trim().strip_prefix("operationId: ") else {
            continue;
        };
        let id = id.trim_matches(|c| c == '\'' || c == '"');
        // A link is served by creating and deleting the join entity's records.
        if id.starts_with("link_") || id.starts_with("unlink_") {
            continue;
        }
        let rpc: String = id
            .split('_')
            .map(|word| word[..1].to_uppercase() + &word[1..])
            .collect();
        let declared = format!("  rpc {rpc}({rpc}Request) returns ({rpc}Response);");
        assert!(contract.contains(&declared), "no rpc for {id}:\n{contract}");
        checked += 1;
    }
    assert!(checked >= 25, "only {checked} operations");
}

#[test]
fn numbers_hold_across_regenerations_as_buf_breaking_judges_them() {
    let temp = tempfile::tempdir().unwrap();
    let spec = with_grpc(&root().join("examples/payment-service.yaml"));
    let service = generate(temp.path(), &spec);
    let snapshot = |name: &str| {
        let to = temp.path().join(name);
        copy_dir(&service.join("proto"), &to);
        to.display().to_string()
    };
    let first = contract(&service);
    let payment = block(&first, "message", "Payment");
    assert!(payment.contains("  optional string note = 7;"), "{payment}");
    assert!(
        payment.contains("  google.protobuf.Timestamp updated_at = 9;"),
        "{payment}"
    );
    // The version travels beside the record, as HTTP's `ETag` does.
    assert!(!payment.contains("version"), "{payment}");
    let get = block(&first, "message", "GetPaymentResponse");
    assert!(get.contains("  int64 version = 2;"), "{get}");
    let v1 = snapshot("v1");

    // A new field, declared between two others: it takes the next number, the others keep
    // theirs, and buf finds nothing that breaks a client.
    let added = spec.replace(
        "      note: { type: string, optional: true }\n",
        "      memo: { type: string, optional: true }\n      note: { type: string, optional: true }\n",
    );
    assert_ne!(added, spec);
    regenerate(&service, &added);
    let second = contract(&service);
    let payment = block(&second, "message", "Payment");
    assert!(
        payment.contains("  optional string memo = 10;"),
        "{payment}"
    );
    assert!(payment.contains("  optional string note = 7;"), "{payment}");
    let input = block(&second, "message", "NewPayment");
    assert!(input.contains("  optional string memo = 6;"), "{input}");
    try_run(&service, &buf(), &["breaking", "proto", "--against", &v1])
        .unwrap_or_else(|failure| panic!("adding a field broke the contract: {failure}"));
    let v2 = snapshot("v2");

    // A removed field and a removed enum value: buf says clients break, and the numbers stay
    // reserved so that no later field takes them.
    let removed = added
        .replace("      note: { type: string, optional: true }\n", "")
        .replace(
            "values: [pending, succeeded, failed]",
            "values: [pending, succeeded]",
        );
    assert_ne!(removed, added);
    regenerate(&service, &removed);
    let third = contract(&service);
    let payment = block(&third, "message", "Payment");
    assert!(
        payment.contains("  reserved 7;\n  reserved \"note\";"),
        "{payment}"
    );
    assert!(
        payment.contains("  optional string memo = 10;"),
        "{payment}"
    );
    let status = block(&third, "enum", "PaymentStatus");
    assert!(
        status.contains("  reserved 3;\n  reserved \"PAYMENT_STATUS_FAILED\";"),
        "{status}"
    );
    let verdict = try_run(&service, &buf(), &["breaking", "proto", "--against", &v2])
        .expect_err("removing a field breaks clients");
    assert!(verdict.contains("\"note\""), "{verdict}");
    try_run(&service, &buf(), &["lint"]).unwrap_or_else(|failure| panic!("{failure}"));

    // The field comes back: a new number, the old one still reserved.
    regenerate(&service, &added);
    let fourth = contract(&service);
    let payment = block(&fourth, "message", "Payment");
    assert!(
        payment.contains("  optional string note = 11;"),
        "{payment}"
    );
    assert!(payment.contains("  reserved 7;\n"), "{payment}");
    assert!(!payment.contains("reserved \"note\""), "{payment}");
    let state = fs::read_to_string(service.join(".msgen/state.json")).unwrap();
    assert!(state.contains("\"proto\""), "the numbers are recorded");
}

/// The steps of the `contract` job of the service's CI workflow, as run there: by `bash -e`, with
/// `npx` running the buf these tests run (the workflow's pins the same version).
fn ci_step(service: &Path, name: &str, base_ref: &str) -> Result<String, String> {
    let workflow = fs::read_to_string(service.join(".github/workflows/ci.yml")).unwrap();
    let workflow: serde_yaml::Value = serde_yaml::from_str(&workflow).unwrap();
    let steps = workflow["jobs"]["contract"]["steps"]
        .as_sequence()
        .expect("a contract job");
    let step = steps
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no step {name}"));
    let script = step["run"].as_str().unwrap();
    let shims = tempfile::tempdir().unwrap();
    let npx = shims.path().join("npx");
    // `npx --yes @bufbuild/buf@<version> <args>`: buf with <args>.
    fs::write(&npx, format!("#!/bin/sh\nshift 2\nexec {} \"$@\"\n", buf())).unwrap();
    let mut permissions = fs::metadata(&npx).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    fs::set_permissions(&npx, permissions).unwrap();
    let runner_temp = tempfile::tempdir().unwrap();
    let path = format!(
        "{}:{}",
        shims.path().display(),
        std::env::var("PATH").unwrap()
    );
    let output = std::process::Command::new("bash")
        .args(["-e", "-c", script])
        .current_dir(service)
        .env("PATH", path)
        .env("GITHUB_BASE_REF", base_ref)
        .env("RUNNER_TEMP", runner_temp.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(text)
    }
}

fn git(dir: &Path, args: &[&str]) {
    try_run(dir, "git", args).unwrap_or_else(|failure| panic!("{failure}"));
}

#[test]
fn the_services_ci_lints_the_contract_and_refuses_what_breaks_its_clients() {
    let temp = tempfile::tempdir().unwrap();
    let spec = with_grpc(&root().join("examples/payment-service.yaml"));
    let service = generate(temp.path(), &spec);
    git(&service, &["init", "-q", "-b", "main"]);
    git(&service, &["add", "-A"]);
    git(
        &service,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-qm",
            "first",
        ],
    );
    // As the checkout of a pull request has it: the target branch as `origin/main`.
    git(
        &service,
        &["update-ref", "refs/remotes/origin/main", "HEAD"],
    );

    ci_step(&service, "Lints", "main").unwrap_or_else(|failure| panic!("{failure}"));
    let breaking = "No breaking change against the target branch";
    ci_step(&service, breaking, "main").unwrap_or_else(|failure| panic!("{failure}"));
    // A target branch from before the service served gRPC: nothing to compare with.
    let before = ci_step(&service, breaking, "gone").unwrap_or_else(|failure| panic!("{failure}"));
    assert!(before.contains("no gRPC contract yet"), "{before}");

    // A new field breaks nothing; a removed one breaks the contract's clients.
    let added = spec.replace(
        "      note: { type: string, optional: true }\n",
        "      note: { type: string, optional: true }\n      memo: { type: string, optional: true }\n",
    );
    regenerate(&service, &added);
    ci_step(&service, breaking, "main").unwrap_or_else(|failure| panic!("{failure}"));
    regenerate(
        &service,
        &added.replace("      note: { type: string, optional: true }\n", ""),
    );
    let verdict = ci_step(&service, breaking, "main").expect_err("removing a field breaks clients");
    assert!(verdict.contains("\"note\""), "{verdict}");
}

#[test]
fn without_grpc_there_is_no_contract() {
    let temp = tempfile::tempdir().unwrap();
    let spec = fs::read_to_string(root().join("examples/payment-service.yaml")).unwrap();
    let service = generate(temp.path(), &spec);
    assert!(!service.join("proto").exists());
    assert!(!service.join("buf.yaml").exists());
    let workflow = fs::read_to_string(service.join(".github/workflows/ci.yml")).unwrap();
    assert!(!workflow.contains("contract:"), "{workflow}");
    let state = fs::read_to_string(service.join(".msgen/state.json")).unwrap();
    assert!(!state.contains("\"proto\""));
}

#[test]
fn an_endpoint_may_stay_off_grpc() {
    let temp = tempfile::tempdir().unwrap();
    let spec = with_grpc(&root().join("examples/payment-service.yaml")).replace(
        "  - resource: Refund\n",
        "  - resource: Refund\n    grpc: false\n",
    );
    let service = generate(temp.path(), &spec);
    let contract = contract(&service);
    assert!(contract.contains("rpc GetPayment("), "{contract}");
    assert!(!contract.contains("Refund"), "{contract}");
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}
