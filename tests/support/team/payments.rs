//! Business logic of payments.

use uuid::Uuid;

use super::{Payments, PaymentsService, UsesDatabase};
use crate::auth::Caller;
use crate::db;
use crate::error::AppError;
use crate::events::{self, PaymentSucceeded};
use crate::models::payment::{CapturePaymentRequest, NewPayment, Payment, PaymentStatus};
use crate::repositories::payments;

impl PaymentsService for Payments {
    /// `POST /payments/{id}/capture`: the payment succeeds, and the others are told.
    async fn capture_payment(
        &self,
        caller: &Caller,
        id: Uuid,
        input: CapturePaymentRequest,
    ) -> Result<Payment, AppError> {
        tracing::info!(subject = %caller.subject, %id, "capturing a payment");
        let mut tx = db::begin(self.db()).await?;
        let found = payments::find(&mut *tx, id).await?;
        let payment = found.ok_or(AppError::NotFound("payment"))?;
        let change = NewPayment {
            order_id: payment.order_id,
            amount: input.amount,
            currency: payment.currency,
            status: PaymentStatus::Succeeded,
            customer_email: payment.customer_email,
            note: payment.note,
        };
        let updated = payments::update(&mut *tx, id, &change, None).await?;
        let payment = updated.ok_or(AppError::NotFound("payment"))?;
        let event = PaymentSucceeded {
            payment_id: payment.id,
            order_id: payment.order_id,
            amount: payment.amount,
        };
        events::publish(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(payment)
    }
}
