//! What this service does with the events it consumes.

use super::consumer::{EventHandlers, HandlerError, Handlers, Tx};
use super::{Envelope, PaymentSucceeded};
use crate::models::notification::{NewNotification, NotificationChannel};
use crate::repositories::notifications;

impl EventHandlers for Handlers {
    /// Records the notification to send for the payment.
    async fn payment_succeeded(
        &self,
        tx: &mut Tx,
        event: Envelope<PaymentSucceeded>,
    ) -> Result<(), HandlerError> {
        let notification = NewNotification {
            payment_id: event.data.payment_id,
            channel: NotificationChannel::Email,
            sent_at: None,
        };
        notifications::insert(&mut **tx, &notification).await?;
        Ok(())
    }
}
