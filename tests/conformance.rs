//! Each example service, running, against schemathesis with every check on: no input makes
//! it fail or crash, it refuses what its document forbids and accepts what it allows, and its
//! answers match its own `openapi.yaml` (status codes, content types, schemas, headers).

mod support;

use std::fs;

use support::{msgen, root, run, Running};

/// The example's business logic, as its team would write it in place of the stub (which
/// answers 501 until then): capturing marks the payment succeeded.
const CAPTURE: &str = r#"//! Business logic of payments.

use uuid::Uuid;

use super::{Payments, PaymentsService};
use crate::error::AppError;
use crate::models::payment::{CapturePaymentRequest, Payment, PaymentPatch, PaymentStatus};

impl PaymentsService for Payments {
    async fn capture_payment(
        &self,
        id: Uuid,
        _input: CapturePaymentRequest,
    ) -> Result<Payment, AppError> {
        let change = PaymentPatch {
            status: Some(PaymentStatus::Succeeded),
            ..PaymentPatch::default()
        };
        self.patch(id, change, None).await
    }
}
"#;

fn conforms(name: &str, logic: &[(&str, &str)]) {
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let spec = root()
        .join(format!("examples/{name}.yaml"))
        .display()
        .to_string();
    run(temp.path(), msgen(), &["new", name, "--spec", &spec]);
    let dir = temp.path().join(name);
    for (path, code) in logic {
        fs::write(dir.join(path), code).unwrap();
    }
    run(&dir, "cargo", &["build"]);
    let database = format!("sqlite://{}", temp.path().join("conformance.db").display());
    let service = Running::start(name, &[("DATABASE_URL", &database)]);
    let url = format!("http://{}", service.address);
    support::schemathesis(&dir.join("openapi.yaml"), &url, &[]);
}

#[test]
fn payment_service_conforms_to_its_openapi_document() {
    conforms("payment-service", &[("src/services/payments.rs", CAPTURE)]);
}

#[test]
fn notification_service_conforms_to_its_openapi_document() {
    conforms("notification-service", &[]);
}
