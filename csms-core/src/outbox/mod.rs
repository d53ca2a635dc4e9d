//! Events out of the system: the outbox's events delivered to webhooks.
//!
//! Store methods that change what subscribers care about (a session starting, progressing
//! or ending, a CDR issued, a connector's status, a location or tariff, a station's
//! connection) write an [event](crate::model::OutboxEvent) in the same database transaction
//! as the change: no event is lost when the process dies after the commit, and none is sent
//! for a change that rolled back. The [`WebhookSender`] then dispatches each event into one
//! delivery per webhook of its tenant that wants it, posts deliveries
//! ([`signature`]: signed per Standard Webhooks) and retries failures by [`RetryPolicy`],
//! logging every attempt in the delivery log.
//!
//! Deliveries of one object's events reach a webhook in the order they were written: a
//! delivery waits while an earlier one about the same object is pending. A receiver must
//! still expect a delivery twice (an attempt whose answer was lost is attempted again) and
//! drop the repeat by its `webhook-id`.

pub mod retry;
pub(crate) mod rounds;
mod sender;
pub mod signature;

pub use retry::{AttemptResult, RetryPolicy};
pub use sender::{DeliveryConfig, Round, SenderError, WebhookSender};
pub use signature::{SecretFormatError, WebhookSecret};
