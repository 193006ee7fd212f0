//! `dependencies:`: the services a service calls, found through its system or a path, each
//! operation checked against the other service's spec, and the typed client generated from it.

mod support;

use std::fs;
use std::path::Path;

use support::{msgen_in as msgen, stderr_of as stderr};

/// A copy of examples/shop whose order-service calls payment-service with `dependency`.
fn shop_calling(dependency: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let dir = support::copy_example_system(temp.path());
    let spec = dir.join("order-service/msgen.yaml");
    let text = fs::read_to_string(&spec).unwrap();
    // The example's own `dependencies:` block gives way to the test's.
    let start = text
        .find("\ndependencies:\n")
        .expect("the example calls a service")
        + 1;
    let end = start + text[start..].find("\n\n").unwrap() + 2;
    let text = format!("{}{dependency}\n{}", &text[..start], &text[end..]);
    fs::write(&spec, text).unwrap();
    (temp, dir)
}

fn read(dir: &Path, file: &str) -> String {
    fs::read_to_string(dir.join(file)).unwrap_or_else(|err| panic!("{file}: {err}"))
}

#[test]
fn a_dependency_in_the_system_gets_a_typed_client() {
    let (_temp, dir) = shop_calling(
        "dependencies:\n  payment-service:\n    operations: [get_payment, create_payment, capture_payment]\n    timeout_ms: 1500\n    breaker: { window: 10 }\n",
    );
    let service = dir.join("order-service");
    let out = msgen(&service, &["validate", "msgen.yaml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = msgen(&service, &["generate"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let client = read(&service, "src/clients/payment_service.rs");
    // One method per operation, with the other service's own types.
    assert!(client
        .contains("pub async fn get_payment(&self, id: Uuid) -> Result<Payment, ClientError>"));
    assert!(client.contains("body: &NewPayment,\n        idempotency_key: &str,"));
    assert!(client.contains("pub struct CapturePaymentRequest {\n    pub amount: Decimal,\n}"));
    // Readonly fields are received, never sent; optional ones are sent only when set.
    let new_payment = client.split("pub struct NewPayment").nth(1).unwrap();
    let new_payment = new_payment.split("\n}").next().unwrap();
    assert!(!new_payment.contains("status"), "{new_payment}");
    assert!(new_payment.contains(
        "#[serde(skip_serializing_if = \"Option::is_none\")]\n    pub note: Option<String>,"
    ));
    let payment = client.split("pub struct Payment {").nth(1).unwrap();
    assert!(payment.contains("pub status: PaymentStatus,"));
    assert!(client.contains("#[serde(rename = \"succeeded\")]\n    Succeeded,"));
    // The policy of the spec, the defaults elsewhere.
    assert!(client.contains("timeout: Duration::from_millis(1500),"));
    assert!(client.contains("retries: 2,"));
    assert!(client.contains("window: 10,"));
    assert!(client.contains("failure_rate: 50,"));
    // The address is configuration, the other service's port by default.
    let config = read(&service, "src/config.rs");
    assert!(config.contains("\"PAYMENT_SERVICE_URL\""), "{config}");
    assert!(config.contains("\"http://127.0.0.1:8080\""));
    // Decimals need rust_decimal, which order-service also uses for its own fields.
    assert!(read(&service, "Cargo.toml").contains("rust_decimal"));

    // Regenerating without a change changes nothing.
    let out = msgen(&service, &["generate", "--check"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn an_operation_the_other_service_lacks_is_reported_at_its_place() {
    let (_temp, dir) = shop_calling(
        "dependencies:\n  payment-service:\n    operations: [get_paymnt, list_payments, delete_payment]\n",
    );
    let service = dir.join("order-service");
    let out = msgen(&service, &["generate"]);
    assert!(!out.status.success());
    let report = stderr(&out);
    assert!(
        report.contains("error: `payment-service` has no operation `get_paymnt`"),
        "{report}"
    );
    assert!(report.contains("did you mean `get_payment`?"), "{report}");
    // A list is called like any operation.
    assert!(!report.contains("`list_payments`"), "{report}");
    // payment-service has no delete: its operations are listed.
    assert!(
        report.contains("`payment-service` has no operation `delete_payment`"),
        "{report}"
    );
    // Each at its line in order-service's spec, with the other service's spec shown too.
    let spec = read(&service, "msgen.yaml");
    let line = spec.lines().position(|l| l.contains("get_paymnt")).unwrap() + 1;
    assert!(
        report.contains(&format!("msgen.yaml:{line}:18")),
        "{report}"
    );
    assert!(report.contains("payment-service/msgen.yaml"), "{report}");
    assert!(
        report.contains("2 problems in the dependencies of `msgen.yaml`"),
        "{report}"
    );
    // Nothing was written.
    assert!(!service.join("src").exists());
}

#[test]
fn a_service_outside_a_system_names_the_spec_of_its_dependency() {
    let temp = tempfile::tempdir().unwrap();
    let root = support::root();
    for (name, example) in [("payments", "payment-service"), ("orders", "order-service")] {
        fs::create_dir_all(temp.path().join(name)).unwrap();
        fs::copy(
            root.join(format!("examples/shop/{example}/msgen.yaml")),
            temp.path().join(name).join("msgen.yaml"),
        )
        .unwrap();
    }
    let spec = temp.path().join("orders/msgen.yaml");
    let text = fs::read_to_string(&spec).unwrap();
    let start = text.find("\ndependencies:\n").unwrap() + 1;
    let end = start + text[start..].find("\n\n").unwrap() + 2;
    let text = format!("{}{}", &text[..start], &text[end..]);
    let without = text.replacen(
        "\nevents:\n",
        "\ndependencies:\n  payment-service:\n    operations: [get_payment]\n\nevents:\n",
        1,
    );
    fs::write(&spec, &without).unwrap();
    let out = msgen(&temp.path().join("orders"), &["validate", "msgen.yaml"]);
    assert!(!out.status.success());
    let report = stderr(&out);
    assert!(
        report.contains("msgen cannot find the spec of `payment-service`"),
        "{report}"
    );
    assert!(report.contains("write `spec:`"), "{report}");

    let with = without.replacen(
        "operations: [get_payment]",
        "spec: ../payments/msgen.yaml\n    operations: [get_payment]",
        1,
    );
    fs::write(&spec, &with).unwrap();
    let out = msgen(&temp.path().join("orders"), &["validate", "msgen.yaml"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // A path to another service's spec is refused under a name that is not that service's.
    fs::write(
        &spec,
        with.replacen("  payment-service:", "  billing-service:", 1),
    )
    .unwrap();
    let out = msgen(&temp.path().join("orders"), &["validate", "msgen.yaml"]);
    assert!(!out.status.success());
    let report = stderr(&out);
    assert!(
        report.contains("is the spec of `payment-service`, not of `billing-service`"),
        "{report}"
    );
}

#[test]
fn a_new_service_keeps_finding_the_spec_of_its_dependency() {
    let temp = tempfile::tempdir().unwrap();
    let root = support::root();
    fs::create_dir_all(temp.path().join("payments")).unwrap();
    fs::copy(
        root.join("examples/shop/payment-service/msgen.yaml"),
        temp.path().join("payments/msgen.yaml"),
    )
    .unwrap();
    // A spec kept apart from where the service goes, naming the other spec from its folder.
    fs::create_dir_all(temp.path().join("drafts")).unwrap();
    let text = fs::read_to_string(root.join("examples/shop/order-service/msgen.yaml")).unwrap();
    let text = text.replacen(
        "
  payment-service:
",
        "
  payment-service:
    spec: ../payments/msgen.yaml
",
        1,
    );
    fs::write(temp.path().join("drafts/order-service.yaml"), text).unwrap();
    let args = [
        "new",
        "order-service",
        "--spec",
        "drafts/order-service.yaml",
        "--dir",
        "services/shop",
    ];
    let out = msgen(temp.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    // Its copy names the same spec from the service's folder, so regenerating finds it.
    let service = temp.path().join("services/shop/order-service");
    let copy = read(&service, "msgen.yaml");
    assert!(
        copy.contains("    spec: ../../../payments/msgen.yaml\n"),
        "{copy}"
    );
    let out = msgen(&service, &["generate", "--check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(read(&service, "src/clients/payment_service.rs").contains("pub async fn get_payment"));
}

#[test]
fn the_settings_of_a_dependency_are_checked() {
    let (_temp, dir) = shop_calling(
        "dependencies:\n  payment-service:\n    operations: [get_payment, get_payment]\n    timeout_ms: 0\n    retries: 11\n    breaker: { failure_rate: 150, windw: 3 }\n  order-service:\n    operations: [get_order]\n",
    );
    let out = msgen(&dir.join("order-service"), &["validate", "msgen.yaml"]);
    assert!(!out.status.success());
    let report = stderr(&out);
    for expected in [
        "operation `get_payment` is named twice",
        "`timeout_ms` must be between 1 and 600000, found 0",
        "`retries` must be between 0 and 10, found 11",
        "unknown key `windw` in `breaker`",
        "a service cannot depend on itself",
    ] {
        assert!(report.contains(expected), "{expected}: {report}");
    }
}

#[test]
fn system_check_checks_the_calls_between_services() {
    let temp = tempfile::tempdir().unwrap();
    let dir = support::copy_example_system(temp.path());
    let out = msgen(&dir, &["system", "check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(support::stdout_of(&out).contains("1 call(s) between services"));

    let spec = dir.join("order-service/msgen.yaml");
    let text = fs::read_to_string(&spec).unwrap();
    fs::write(&spec, text.replacen("[get_payment,", "[get_paiement,", 1)).unwrap();
    let out = msgen(&dir, &["system", "check"]);
    assert!(!out.status.success());
    let report = stderr(&out);
    assert!(
        report.contains("`payment-service` has no operation `get_paiement`"),
        "{report}"
    );
    assert!(report.contains("order-service/msgen.yaml"), "{report}");
    assert!(
        report.contains("1 problem in the dependencies of"),
        "{report}"
    );
}

#[test]
fn event_handlers_may_call_other_services_and_so_need_no_endpoint() {
    let temp = tempfile::tempdir().unwrap();
    let dir = support::copy_example_system(temp.path());
    let service = dir.join("alert-service");
    fs::create_dir_all(&service).unwrap();
    let calls = "service: alert-service\ndatabase: sqlite\nbroker: nats\n\
                 dependencies:\n  payment-service:\n    operations: [get_payment]\n";
    fs::write(service.join("msgen.yaml"), calls).unwrap();
    let out = msgen(&service, &["validate", "msgen.yaml"]);
    assert!(!out.status.success());
    let report = stderr(&out);
    assert!(report.contains("and this one has neither"), "{report}");
    let consumes = format!(
        "{calls}events:\n  consume:\n    PaymentSucceeded:\n      subject: payments.payment_succeeded\n      from: payment-service\n      payload:\n        payment_id: uuid\n"
    );
    fs::write(service.join("msgen.yaml"), consumes).unwrap();
    let out = msgen(&service, &["generate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let handlers = read(&service, "src/events/consumer.rs");
    assert!(handlers.contains("pub clients: Clients,"), "{handlers}");
}

/// The example system with payment-service serving gRPC too (`edit` changes its spec first).
fn shop_over_grpc(
    dependency: &str,
    edit: impl FnOnce(String) -> String,
) -> (tempfile::TempDir, std::path::PathBuf) {
    let (temp, dir) = shop_calling(dependency);
    let spec = dir.join("payment-service/msgen.yaml");
    let text = fs::read_to_string(&spec).unwrap();
    let text = text.replacen(
        "\nport: 8080\n",
        "\nport: 8080\ntransports: [http, grpc]\n",
        1,
    );
    fs::write(&spec, edit(text)).unwrap();
    (temp, dir)
}

/// The lines of a contract but its comments, which name the service that wrote it.
fn declarations(contract: &str) -> Vec<&str> {
    contract.lines().filter(|l| !l.starts_with("//")).collect()
}

#[test]
fn a_dependency_over_grpc_calls_the_contract_its_service_serves() {
    let (_temp, dir) = shop_over_grpc(
        "dependencies:\n  payment-service:\n    transport: grpc\n    operations: [get_payment, create_payment, capture_payment, list_refunds_of_payment]\n",
        |text| text,
    );
    // payment-service first, so that order-service reads the numbers it recorded.
    let out = msgen(&dir.join("payment-service"), &["generate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = msgen(&dir, &["system", "generate"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // The caller keeps a copy of the contract payment-service serves, numbers and all.
    let contract = "proto/payment_service/v1/payment_service.proto";
    let served = read(&dir.join("payment-service"), contract);
    let copy = read(&dir.join("order-service/clients"), contract);
    assert_eq!(declarations(&copy), declarations(&served));
    assert!(
        copy.contains("src/clients/payment_service.rs calls"),
        "{copy}"
    );
    // build.rs compiles it; the client calls the rpc of each operation through it.
    let build = read(&dir, "order-service/build.rs");
    assert!(build.contains("\"clients/proto/payment_service/v1/payment_service.proto\""));
    assert!(build.contains("\"client_payment_service\""), "{build}");
    let client = read(&dir, "order-service/src/clients/payment_service.rs");
    assert!(client.contains("let caller = caller.over_grpc(&CONTRACT);"));
    for (rpc, operation) in [
        ("GetPayment", "get_payment"),
        ("CreatePayment", "create_payment"),
        ("CapturePayment", "capture_payment"),
        ("ListRefundsOfPayment", "list_refunds_of_payment"),
    ] {
        let entry = format!("name: \"{rpc}\",\n        operation: \"{operation}\",");
        assert!(client.contains(&entry), "{entry}\n{client}");
    }
    assert!(!client.contains("\"ListPayments\""), "only the rpcs called");
    // Its address is payment-service's gRPC port, here, in the system and in the cluster.
    let config = read(&dir, "order-service/src/config.rs");
    assert!(config.contains("\"PAYMENT_SERVICE_URL\", \"http://127.0.0.1:50051\""));
    let compose = read(&dir, "compose.yaml");
    let order = compose.split("\n  order-service:\n").nth(1).unwrap();
    let order = order.split("\n  notification-service:\n").next().unwrap();
    assert!(
        order.contains("PAYMENT_SERVICE_URL: http://payment-service:50051"),
        "{order}"
    );
    let configmap = read(&dir, "order-service/deploy/k8s/configmap.yaml");
    assert!(configmap.contains("PAYMENT_SERVICE_URL: http://payment-service:50051"));
    // In the catalog, order-service consumes the gRPC API that payment-service provides.
    let consumer = read(&dir, "order-service/catalog-info.yaml");
    assert!(
        consumer.contains("consumesApis:\n    - payment-service-grpc\n"),
        "{consumer}"
    );
    let provider = read(&dir, "payment-service/catalog-info.yaml");
    let api = provider
        .split("name: payment-service-grpc\n")
        .nth(1)
        .unwrap();
    assert!(api.contains("type: grpc\n"), "{api}");
    assert!(api.contains(&format!("$text: ./{contract}")), "{api}");
    // What payment-service numbered is an input: a change to it reaches the caller.
    let state = read(&dir, "order-service/.msgen/state.json");
    assert!(
        state.contains("../payment-service/.msgen/state.json"),
        "{state}"
    );
}

#[test]
fn a_dependency_over_grpc_needs_each_operation_served_over_grpc() {
    let dependency =
        "dependencies:\n  payment-service:\n    transport: grpc\n    operations: [get_payment, capture_payment]\n";
    // payment-service serves no gRPC at all.
    let (_temp, dir) = shop_calling(dependency);
    let service = dir.join("order-service");
    let out = msgen(&service, &["generate"]);
    assert!(!out.status.success());
    let report = stderr(&out);
    assert!(
        report.contains("error: `payment-service` does not serve gRPC"),
        "{report}"
    );
    assert!(
        report.contains("add `transports: [http, grpc]`"),
        "{report}"
    );
    let spec = read(&service, "msgen.yaml");
    let line = spec
        .lines()
        .position(|l| l.contains("transport: grpc"))
        .unwrap()
        + 1;
    assert!(
        report.contains(&format!("msgen.yaml:{line}:16")),
        "{report}"
    );
    assert!(!service.join("src").exists());

    // It serves gRPC, but not the capture.
    let (_temp, dir) = shop_over_grpc(dependency, |text| {
        text.replacen(
            "    path: /payments/{id}/capture\n",
            "    path: /payments/{id}/capture\n    grpc: false\n",
            1,
        )
    });
    let service = dir.join("order-service");
    let out = msgen(&service, &["generate"]);
    assert!(!out.status.success());
    let report = stderr(&out);
    assert!(
        report.contains("error: `payment-service` does not serve `capture_payment` over gRPC"),
        "{report}"
    );
    assert!(!report.contains("`get_payment`"), "{report}");
    assert!(!service.join("src").exists());
}
