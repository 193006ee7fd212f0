//! checkout-over-grpc calls a running payment-service over gRPC through its generated client:
//! each operation does what it does over HTTP, and answers what HTTP answers.
//!
//! tests/e2e.rs runs payment-service and this test with `--ignored`, with
//! `PAYMENT_SERVICE_URL` at payment-service's gRPC port, `PAYMENT_SERVICE_HTTP` at its HTTP
//! address, the `AUTH_*` settings of the client-credentials grant and `PAYMENT_SERVICE_TOKEN`,
//! a token for the HTTP calls.

use checkout_over_grpc::clients::payment_service::{
    CapturePaymentRequest, NewPayment, NewRefund, Page, Payment, PaymentPatch, PaymentQuery,
    PaymentStatus, Refund, RefundQuery, Window,
};
use checkout_over_grpc::clients::{ClientError, Clients};
use checkout_over_grpc::config::Config;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// What payment-service answers `GET path` over HTTP.
async fn over_http<T: DeserializeOwned>(path: &str) -> T {
    let base = std::env::var("PAYMENT_SERVICE_HTTP").expect("PAYMENT_SERVICE_HTTP");
    let token = std::env::var("PAYMENT_SERVICE_TOKEN").expect("PAYMENT_SERVICE_TOKEN");
    let response = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("payment-service answers over HTTP");
    let response = response.error_for_status().expect("a success");
    response.json().await.expect("JSON of the spec's types")
}

#[tokio::test]
#[ignore = "needs a running payment-service: tests/e2e.rs starts one and runs this test"]
async fn each_operation_over_grpc_answers_as_over_http() {
    let config = Config::from_env().expect("the settings tests/e2e.rs gives");
    let clients = Clients::new(&config);
    let payments = &clients.payment_service;

    // Created once for its key, with the types of payment-service's spec.
    let order_id = Uuid::now_v7();
    let new = NewPayment {
        order_id,
        amount: Decimal::new(1050, 2),
        currency: "EUR".into(),
        customer_email: "grpc@example.com".into(),
        note: Some("first".into()),
    };
    // Keys name what the call is for: this test's order.
    let key = |what: &str| format!("{what}-{order_id}");
    let created = payments
        .create_payment(&new, &key("checkout"))
        .await
        .unwrap();
    assert_eq!(created.order_id, order_id);
    assert_eq!(created.status, PaymentStatus::Pending);
    assert_eq!(created.note.as_deref(), Some("first"));
    let again = payments
        .create_payment(&new, &key("checkout"))
        .await
        .unwrap();
    assert_eq!(again, created);
    let path = format!("/api/v1/payments/{}", created.id);
    assert_eq!(over_http::<Payment>(&path).await, created);
    assert_eq!(payments.get_payment(created.id).await.unwrap(), created);

    // A list filtered by a value, a set and a range, sorted and cut, as HTTP lists it.
    let query = PaymentQuery {
        order_id: Some(order_id),
        status_in: Some(vec![PaymentStatus::Pending, PaymentStatus::Failed]),
        created_at_gte: Some(created.created_at),
        sort: Some("-created_at".into()),
        limit: Some(5),
        ..Default::default()
    };
    let page = payments.list_payments(&query).await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items, vec![created.clone()]);
    let parameters = serde_urlencoded::to_string(&query).unwrap();
    let listed: Page<Payment> = over_http(&format!("/api/v1/payments?{parameters}")).await;
    assert_eq!(page, listed);
    let none = PaymentQuery {
        status_in: Some(vec![PaymentStatus::Failed]),
        ..query.clone()
    };
    assert_eq!(payments.list_payments(&none).await.unwrap().total, 0);

    // A partial change sets a nullable field to null and keeps the others; a replacement
    // changes what it is given.
    let patch = PaymentPatch {
        note: Some(None),
        ..PaymentPatch::default()
    };
    let patched = payments.patch_payment(created.id, &patch).await.unwrap();
    assert_eq!(patched.note, None);
    assert_eq!(patched.amount, created.amount);
    assert_eq!(over_http::<Payment>(&path).await, patched);
    let replacement = NewPayment {
        currency: "USD".into(),
        note: Some("replaced".into()),
        ..new.clone()
    };
    let replaced = payments
        .update_payment(created.id, &replacement)
        .await
        .unwrap();
    assert_eq!(replaced.currency, "USD");
    assert_eq!(replaced.note.as_deref(), Some("replaced"));
    assert_eq!(over_http::<Payment>(&path).await, replaced);

    // The custom operation, with its team's logic.
    let capture = CapturePaymentRequest {
        amount: Decimal::new(1050, 2),
    };
    let captured = payments
        .capture_payment(created.id, &capture, &key("capture"))
        .await
        .unwrap();
    assert_eq!(captured.status, PaymentStatus::Succeeded);

    // Refunds: a list paged by cursor, the list of one payment's, and a delete.
    let mut refunds = Vec::new();
    for (what, reason) in [("refund-a", "damaged"), ("refund-b", "late")] {
        let refund = NewRefund {
            payment_id: created.id,
            amount: Decimal::new(100, 2),
            reason: reason.into(),
        };
        refunds.push(payments.create_refund(&refund, &key(what)).await.unwrap());
    }
    let first = RefundQuery {
        payment_id: Some(created.id),
        limit: Some(1),
        ..RefundQuery::default()
    };
    let first = payments.list_refunds(&first).await.unwrap();
    let next = RefundQuery {
        payment_id: Some(created.id),
        limit: Some(1),
        cursor: Some(first.next.clone().expect("a second page")),
        ..RefundQuery::default()
    };
    let second = payments.list_refunds(&next).await.unwrap();
    let mut seen = vec![first.items[0].id, second.items[0].id];
    seen.sort();
    let mut made: Vec<Uuid> = refunds.iter().map(|r| r.id).collect();
    made.sort();
    assert_eq!(seen, made);
    let all = RefundQuery::default();
    let of_payment = payments
        .list_refunds_of_payment(created.id, &all)
        .await
        .unwrap();
    assert_eq!(of_payment.items.len(), 2);
    let listed: Window<Refund> = over_http(&format!("{path}/refunds")).await;
    assert_eq!(of_payment, listed);
    let refund = payments.get_refund(refunds[0].id).await.unwrap();
    assert_eq!(refund, refunds[0]);
    payments.delete_refund(refunds[0].id).await.unwrap();

    // Errors, typed as over HTTP, with the fields at fault named as in the HTTP body.
    let err = payments.get_refund(refunds[0].id).await.unwrap_err();
    assert!(matches!(err, ClientError::NotFound { .. }), "{err:?}");
    let invalid = NewPayment {
        currency: "euro".into(),
        ..new.clone()
    };
    let err = payments
        .create_payment(&invalid, &key("invalid"))
        .await
        .unwrap_err();
    let ClientError::Invalid { problem, .. } = err else {
        panic!("{err:?}");
    };
    assert!(
        problem.errors.iter().any(|e| e.field == "currency"),
        "{problem:?}"
    );
}
