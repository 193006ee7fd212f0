//! Business logic of orders.

use uuid::Uuid;

use super::{Orders, OrdersService, UsesDatabase};
use crate::clients::payment_service::NewPayment;
use crate::db;
use crate::error::AppError;
use crate::events::{self, OrderCancelled};
use crate::models::order::{CancelOrderRequest, NewOrder, Order, OrderStatus};
use crate::repositories::orders;

impl OrdersService for Orders {
    /// `POST /orders/{id}/cancel`: the order is cancelled, and the others are told.
    async fn cancel_order(&self, id: Uuid, input: CancelOrderRequest) -> Result<Order, AppError> {
        let mut tx = db::begin(self.db()).await?;
        let found = orders::find(&mut *tx, id).await?;
        let order = found.ok_or(AppError::NotFound("order"))?;
        let change = NewOrder {
            customer_email: order.customer_email,
            total: order.total,
            currency: order.currency,
            status: OrderStatus::Cancelled,
            cancel_reason: input.reason.clone(),
        };
        let updated = orders::update(&mut *tx, id, &change, None).await?;
        let order = updated.ok_or(AppError::NotFound("order"))?;
        let event = OrderCancelled {
            order_id: order.id,
            reason: input.reason,
        };
        events::publish(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(order)
    }

    /// `POST /orders/{id}/pay`: payment-service is asked for the order's payment, through the
    /// generated client. The payment's idempotency key is the order's, so asking again (or
    /// the client retrying) makes no second payment. A payment-service that cannot answer
    /// makes this a 503; one that refuses, a 502.
    async fn pay_order(&self, id: Uuid) -> Result<Order, AppError> {
        let found = orders::find(self.db(), id).await?;
        let order = found.ok_or(AppError::NotFound("order"))?;
        let payment = NewPayment {
            order_id: order.id,
            amount: order.total,
            currency: order.currency.clone(),
            customer_email: order.customer_email.clone(),
            note: None,
        };
        let key = format!("pay-order-{id}");
        let payments = &self.clients.payment_service;
        payments.create_payment(&payment, &key).await?;
        Ok(order)
    }
}
