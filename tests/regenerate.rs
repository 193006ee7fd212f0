//! The life of a service: generate it, write business logic and edit generated code, then
//! change the spec again and again. At every step the team's code and edits survive, the
//! service's tests pass, the new migrations apply to a database that already holds rows and
//! lose none the change did not mean to drop, files the change does not concern stay as they
//! were, and `msgen generate --check` is clean afterwards. Run on SQLite and on PostgreSQL.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::SystemTime;

use support::{
    command, msgen, psql, root, run, test_and_build, Provider, Running, PAYMENT_CLIENTS,
};

/// The team's business logic: capturing sets the amount and marks the payment succeeded.
const CAPTURE: &str = r#"//! Business logic of payments.

use uuid::Uuid;

use super::{Payments, PaymentsService};
use crate::auth::Caller;
use crate::error::AppError;
use crate::models::payment::{CapturePaymentRequest, Payment, PaymentPatch, PaymentStatus};

impl PaymentsService for Payments {
    /// `POST /payments/{id}/capture`: the team's rule.
    async fn capture_payment(
        &self,
        caller: &Caller,
        id: Uuid,
        input: CapturePaymentRequest,
    ) -> Result<Payment, AppError> {
        tracing::info!(subject = %caller.subject, "capturing");
        let change = PaymentPatch {
            amount: Some(input.amount),
            status: Some(PaymentStatus::Succeeded),
            ..PaymentPatch::default()
        };
        self.patch(caller, id, change, None).await
    }
}
"#;

/// The team's handler of a consumed event.
const HANDLERS: &str = r#"//! Our reactions to other services' events.

use super::consumer::{EventHandlers, HandlerError, Handlers, Tx};
use super::{Envelope, OrderCancelled};

impl EventHandlers for Handlers {
    /// An order was cancelled: nothing to undo for payments yet, but it is worth a line.
    async fn order_cancelled(
        &self,
        tx: &mut Tx,
        event: Envelope<OrderCancelled>,
    ) -> Result<(), HandlerError> {
        let _ = tx;
        tracing::info!(order = %event.data.order_id, "order cancelled");
        Ok(())
    }
}
"#;

/// The team's own test of it.
const CAPTURE_TEST: &str = r#"//! Our rules.

use serde_json::{json, Value};

use crate::helpers::spawn_app;

#[tokio::test]
async fn capturing_marks_the_payment_succeeded() {
    let app = spawn_app().await;
    let body = app.payment_body(0).await;
    let created: Value = app.post("/api/v1/payments", &body).await.json().await.unwrap();
    let path = format!("/api/v1/payments/{}/capture", created["id"].as_str().unwrap());
    let response = app.post(&path, &json!({ "amount": "12.00" })).await;
    assert_eq!(response.status(), 200);
    let captured: Value = response.json().await.unwrap();
    assert_eq!(captured["status"], "succeeded");
}
"#;

/// A hand edit in a generated controller: a log line in the capture handler.
const HAND_EDIT: &str = "    tracing::info!(%id, \"capturing a payment\");\n";

fn replace(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the spec has no `{from}`");
    text.replacen(from, to, 1)
}

struct Step {
    what: &'static str,
    edit: fn(&str) -> String,
    args: &'static [&'static str],
    /// Files this change does not concern: they must not be written.
    untouched: &'static [&'static str],
}

const STEPS: &[Step] = &[
    Step {
        what: "add a field with a default",
        edit: |s| {
            replace(
                s,
                "      note: { type: string, optional: true }\n",
                "      note: { type: string, optional: true }\n      channel: { type: string, default: web }\n",
            )
        },
        args: &[],
        untouched: &[
            "src/models/refund.rs",
            "src/repositories/refunds.rs",
            "src/controllers/refunds.rs",
            "tests/api/refunds.rs",
        ],
    },
    Step {
        what: "add an entity",
        edit: |s| {
            let s = replace(
                s,
                "  Refund:\n",
                "  Customer:\n    fields:\n      name: string\n  Refund:\n",
            );
            replace(
                &s,
                "  - name: capture_payment\n",
                "  - resource: Customer\n  - name: capture_payment\n",
            )
        },
        args: &[],
        untouched: &[
            "src/models/payment.rs",
            "src/repositories/payments.rs",
            "src/controllers/payments.rs",
            "src/models/refund.rs",
            "src/repositories/refunds.rs",
        ],
    },
    Step {
        what: "add a custom endpoint",
        edit: |s| {
            replace(
                s,
                "  - resource: Customer\n",
                "  - resource: Customer\n  - name: refund_payment\n    method: POST\n    path: /payments/{id}/refund\n    params: { id: uuid }\n    response: Payment\n",
            )
        },
        args: &[],
        untouched: &[
            "src/models/refund.rs",
            "src/repositories/payments.rs",
            "src/repositories/refunds.rs",
            "src/repositories/customers.rs",
        ],
    },
    Step {
        what: "add an event",
        edit: |s| {
            let s = replace(
                s,
                "  publish:\n",
                "  publish:\n    PaymentRefunded:\n      subject: payments.payment_refunded\n      payload:\n        payment_id: uuid\n",
            );
            replace(
                &s,
                "  consume:\n",
                "  consume:\n    OrderShipped:\n      subject: orders.order_shipped\n      from: order-service\n      payload:\n        order_id: uuid\n",
            )
        },
        args: &[],
        untouched: &[
            "src/models/payment.rs",
            "src/repositories/payments.rs",
            "src/controllers/payments.rs",
            "src/services/contracts.rs",
            "tests/api/payments.rs",
        ],
    },
    Step {
        what: "rename a field",
        edit: |s| {
            replace(
                s,
                "      note: { type: string, optional: true }\n",
                "      memo: { type: string, optional: true, renamed_from: note }\n",
            )
        },
        args: &[],
        untouched: &[
            "src/models/refund.rs",
            "src/repositories/refunds.rs",
            "src/controllers/refunds.rs",
            "src/models/customer.rs",
        ],
    },
    Step {
        // On PostgreSQL, each in the steps that do not block writes to a table with rows: an
        // index built concurrently, a check added `not valid` and validated after, `not null`
        // proven by such a check.
        what: "index a field, require another, add an enum value",
        edit: |s| {
            let s = replace(
                s,
                "      memo: { type: string, optional: true, renamed_from: note }\n",
                "      memo: { type: string, default: \"\", renamed_from: note }\n",
            );
            let s = replace(
                &s,
                "customer_email: { type: string, format: email }",
                "customer_email: { type: string, format: email, index: true }",
            );
            replace(
                &s,
                "values: [pending, succeeded, failed]",
                "values: [pending, succeeded, failed, refunded]",
            )
        },
        args: &[],
        untouched: &[
            "src/models/refund.rs",
            "src/repositories/refunds.rs",
            "src/controllers/refunds.rs",
            "src/models/customer.rs",
        ],
    },
    Step {
        what: "remove an entity",
        edit: |s| {
            let s = replace(s, "  Customer:\n    fields:\n      name: string\n", "");
            replace(&s, "  - resource: Customer\n", "")
        },
        args: &["--allow-destructive"],
        untouched: &[
            "src/models/payment.rs",
            "src/repositories/payments.rs",
            "src/models/refund.rs",
            "src/repositories/refunds.rs",
        ],
    },
];

fn mtimes(dir: &Path) -> BTreeMap<String, SystemTime> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .filter(|e| !e.path().components().any(|c| c.as_os_str() == "target"))
        .map(|e| {
            let name = e.path().strip_prefix(dir).unwrap().display().to_string();
            (name, e.metadata().unwrap().modified().unwrap())
        })
        .collect()
}

/// The rows the database must keep through every step.
struct Rows {
    captured: String,
    payments: usize,
    refunds: usize,
}

fn seed(service: &Running) -> Rows {
    let mut ids = Vec::new();
    for (n, note) in ["first note", "second note", "third note"]
        .iter()
        .enumerate()
    {
        let body = format!(
            r#"{{"order_id": "00000000-0000-4000-8000-00000000000{n}", "amount": "1{n}.50", "currency": "EUR", "customer_email": "c{n}@example.com", "note": "{note}"}}"#
        );
        let payment = service.json("POST", "/api/v1/payments", Some(&body));
        ids.push(payment["id"].as_str().unwrap().to_string());
    }
    for id in &ids[..2] {
        let body = format!(r#"{{"payment_id": "{id}", "amount": "1.00", "reason": "damaged"}}"#);
        service.json("POST", "/api/v1/refunds", Some(&body));
    }
    let path = format!("/api/v1/payments/{}/capture", ids[0]);
    let captured = service.json("POST", &path, Some(r#"{"amount": "99.00"}"#));
    assert_eq!(captured["status"], "succeeded");
    Rows {
        captured: ids[0].clone(),
        payments: 3,
        refunds: 2,
    }
}

fn verify(service: &Running, rows: &Rows, step: usize) {
    let payments = service.json("GET", "/api/v1/payments?limit=100", None);
    assert_eq!(payments["total"], rows.payments, "step {step}: {payments}");
    // Refunds are paged by cursor, without a total: one page holds them all.
    let refunds = service.json("GET", "/api/v1/refunds?limit=100", None);
    let listed = refunds["items"].as_array().map(Vec::len);
    assert_eq!(listed, Some(rows.refunds), "step {step}: {refunds}");
    assert!(refunds["next"].is_null(), "step {step}: {refunds}");
    let captured = service.json("GET", &format!("/api/v1/payments/{}", rows.captured), None);
    assert_eq!(captured["status"], "succeeded", "step {step}");
    assert_eq!(captured["amount"], "99.00", "step {step}");
    let text = |key: &str| captured[key].as_str().map(str::to_owned);
    match step {
        // Before the rename the note is `note`, after it `memo`: same value either way.
        0..=4 => assert_eq!(text("note").as_deref(), Some("first note"), "step {step}"),
        _ => assert_eq!(text("memo").as_deref(), Some("first note"), "step {step}"),
    }
    if (1..=5).contains(&step) {
        assert_eq!(captured["channel"], "web", "step {step}: {captured}");
    }
}

fn scenario(database: &str) {
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let spec = root()
        .join("examples/payment-service.yaml")
        .display()
        .to_string();
    let args = [
        "new",
        "payment-service",
        "--spec",
        &spec,
        "--database",
        database,
    ];
    run(temp.path(), msgen(), &args);
    let dir = temp.path().join("payment-service");

    // The team's work: business logic, a test of it, and an edit of generated code.
    fs::write(dir.join("src/services/payments.rs"), CAPTURE).unwrap();
    fs::write(dir.join("src/events/handlers.rs"), HANDLERS).unwrap();
    fs::write(dir.join("tests/api/custom.rs"), CAPTURE_TEST).unwrap();
    let controller = dir.join("src/controllers/payments.rs");
    let text = fs::read_to_string(&controller).unwrap();
    let anchor =
        "    input.validate()?;\n    Ok(Json(\n        state.payments.capture_payment(&caller, id, input).await?,\n    ))";
    let edited = replace(&text, anchor, &format!("{HAND_EDIT}{anchor}"));
    fs::write(&controller, edited).unwrap();

    let database_name = format!("regenerate_{}", std::process::id());
    let (url, _file) = match database {
        "sqlite" => {
            let file = temp.path().join("rows.db");
            (format!("sqlite://{}", file.display()), Some(file))
        }
        _ => {
            let url = format!("postgres://postgres@127.0.0.1:5432/{database_name}");
            (url, None)
        }
    };
    let binary = temp.path().join("payment-service-binary");
    test_and_build(&dir, "payment-service", &binary);
    let provider = Provider::start("payment-service", "key-1", PAYMENT_CLIENTS);
    let scopes = PAYMENT_CLIENTS[1].1;
    let token = provider.token(PAYMENT_CLIENTS[1].0, scopes);
    let [issuer, jwks] = provider.service_env();
    let env = [
        ("DATABASE_URL", url.as_str()),
        (issuer.0, issuer.1.as_str()),
        (jwks.0, jwks.1.as_str()),
    ];
    let start = || {
        let mut service = Running::start_binary(&binary, &env);
        service.authorize(token.clone());
        service
    };
    let rows = {
        let service = start();
        let rows = seed(&service);
        verify(&service, &rows, 0);
        rows
    };

    for (n, step) in STEPS.iter().enumerate() {
        let step_number = n + 1;
        let spec_path = dir.join("msgen.yaml");
        let spec = fs::read_to_string(&spec_path).unwrap();
        fs::write(&spec_path, (step.edit)(&spec)).unwrap();
        let before = mtimes(&dir);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let mut args = vec!["generate"];
        args.extend(step.args);
        let report = run(&dir, msgen(), &args);
        let after = mtimes(&dir);
        for path in step.untouched {
            assert_eq!(
                before.get(*path),
                after.get(*path),
                "step {step_number} ({}) rewrote {path}:\n{report}",
                step.what
            );
        }
        let logic = fs::read_to_string(dir.join("src/services/payments.rs")).unwrap();
        assert!(
            logic.starts_with(CAPTURE.trim_end_matches("}\n")),
            "step {step_number}: {logic}"
        );
        let controller = fs::read_to_string(&controller).unwrap();
        assert!(
            controller.contains(HAND_EDIT),
            "step {step_number}: {controller}"
        );
        let handlers = fs::read_to_string(dir.join("src/events/handlers.rs")).unwrap();
        assert!(
            handlers.starts_with(HANDLERS.trim_end_matches("}\n")),
            "step {step_number}: {handlers}"
        );
        if step.what == "add an event" {
            // The newly consumed event gets a stub in the team's handlers, after their code.
            assert!(
                handlers.contains("async fn order_shipped("),
                "step {step_number}: {handlers}"
            );
        }

        test_and_build(&dir, "payment-service", &binary);
        {
            let service = start();
            verify(&service, &rows, step_number);
            if step.what == "add an entity" {
                service.json("POST", "/api/v1/customers", Some(r#"{"name": "Ada"}"#));
            }
            if step.what == "remove an entity" {
                assert_eq!(service.request("GET", "/api/v1/customers", None).0, 404);
            }
        }
        let check = command(&dir, msgen(), &["generate", "--check"])
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "step {step_number}: not clean after generate:\n{}",
            String::from_utf8_lossy(&check.stdout)
        );
    }
    let mut migrations: Vec<String> = fs::read_dir(dir.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    migrations.sort();
    // The initial one, and one per step that changes the schema (a new endpoint or event
    // changes none), named after the change; on PostgreSQL, the index of the sixth step is
    // built in a migration of its own and its constraints validated in another.
    let sixth: &[&str] = match database {
        "postgres" => &[
            "0005_change_status_and_memo_in_payments.sql",
            "0006_create_index_payments_customer_email_idx.sql",
            "0007_validate_change_status_and_memo_in_payments.sql",
            "0008_drop_customers.sql",
        ],
        _ => &[
            "0005_change_status_and_memo_in_payments.sql",
            "0006_drop_customers.sql",
        ],
    };
    let mut expected = vec![
        "0001_initial.sql",
        "0002_add_channel_to_payments.sql",
        "0003_create_customers.sql",
        "0004_rename_note_in_payments.sql",
    ];
    expected.extend(sixth);
    assert_eq!(migrations, expected);
    if database == "postgres" {
        // What the steps that spare the locks leave is what a plain migration would have.
        let memo = psql(
            &database_name,
            "select is_nullable from information_schema.columns \
             where table_name = 'payments' and column_name = 'memo'",
        );
        assert_eq!(memo.trim(), "NO");
        let index = psql(
            &database_name,
            "select indisvalid from pg_index where indexrelid = 'payments_customer_email_idx'::regclass",
        );
        assert_eq!(index.trim(), "t");
        let constraints = psql(
            &database_name,
            "select conname || ' ' || convalidated from pg_constraint \
             where conrelid = 'payments'::regclass and contype = 'c' order by conname",
        );
        assert_eq!(constraints.trim(), "payments_status_check true");
        psql(
            "postgres",
            &format!("drop database {database_name} with (force)"),
        );
    }
}

#[test]
fn a_service_lives_through_seven_spec_changes_on_sqlite() {
    scenario("sqlite");
}

#[test]
fn a_service_lives_through_seven_spec_changes_on_postgres() {
    scenario("postgres");
}
