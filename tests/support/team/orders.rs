//! Business logic of orders.

use uuid::Uuid;

use super::{Orders, OrdersService, UsesDatabase};
use crate::error::AppError;
use crate::events::{self, OrderCancelled};
use crate::models::order::{CancelOrderRequest, NewOrder, Order, OrderStatus};
use crate::repositories::orders;

impl OrdersService for Orders {
    /// `POST /orders/{id}/cancel`: the order is cancelled, and the others are told.
    async fn cancel_order(&self, id: Uuid, input: CancelOrderRequest) -> Result<Order, AppError> {
        let mut tx = self.db().begin().await?;
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
}
