//! Webhook subscriptions, and the log of deliveries to them.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::tenant::TenantId;

id_type!(
    /// The identifier of a webhook subscription.
    WebhookId
);

id_type!(
    /// The identifier of a webhook delivery.
    DeliveryId
);

/// A subscription: events of a tenant posted to a URL. [`Debug`](fmt::Debug) leaves out the
/// secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// Its identifier.
    pub id: WebhookId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Where events are posted.
    pub url: String,
    /// The events it wants (`session.started`, ...); every event when empty.
    pub events: Vec<String>,
    /// The key deliveries are signed with.
    pub secret: String,
    /// Whether it gets deliveries.
    pub active: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("url", &self.url)
            .field("events", &self.events)
            .field("secret", &"<redacted>")
            .field("active", &self.active)
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl Webhook {
    /// Whether it wants `event` now.
    pub fn wants(&self, event: &str) -> bool {
        self.active && (self.events.is_empty() || self.events.iter().any(|e| e == event))
    }
}

/// What it takes to create (or replace) a [`Webhook`]. [`Debug`](fmt::Debug) leaves out the
/// secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWebhook {
    /// Where events are posted.
    pub url: String,
    /// The events it wants; every event when empty.
    pub events: Vec<String>,
    /// The signing key.
    pub secret: String,
    /// Whether it gets deliveries.
    pub active: bool,
}

impl fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewWebhook")
            .field("url", &self.url)
            .field("events", &self.events)
            .field("secret", &"<redacted>")
            .field("active", &self.active)
            .finish()
    }
}

text_enum!(
    /// Where a delivery stands.
    DeliveryStatus {
        /// Not yet delivered; tried again at `next_attempt_at`.
        Pending = "pending",
        /// The receiver accepted it.
        Delivered = "delivered",
        /// Given up.
        Failed = "failed",
    }
);

/// One event to deliver to one webhook, with its attempts so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    /// Its identifier.
    pub id: DeliveryId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The webhook.
    pub webhook_id: WebhookId,
    /// The event (`session.started`).
    pub event: String,
    /// What makes it unique for the webhook (`event:42` for an outbox event).
    pub event_key: String,
    /// The outbox event it delivers, if it delivers one.
    pub event_id: Option<super::EventId>,
    /// The object the event is about (`session:42`): a delivery is attempted only once the
    /// webhook's earlier deliveries about the same object are delivered or given up. Empty
    /// for a delivery that is not about an object.
    pub subject: String,
    /// The body to post.
    pub payload: serde_json::Value,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// How many attempts were made.
    pub attempts: u32,
    /// When the last attempt was made.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When to try next (pending deliveries).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The HTTP status of the last answer.
    pub response_status: Option<i32>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

/// What it takes to queue a [`WebhookDelivery`]. Queuing is idempotent per webhook and
/// `event_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDelivery {
    /// The webhook.
    pub webhook_id: WebhookId,
    /// The event.
    pub event: String,
    /// What makes it unique for the webhook.
    pub event_key: String,
    /// The object it is about, if any (see [`WebhookDelivery::subject`]).
    pub subject: String,
    /// The body to post.
    pub payload: serde_json::Value,
    /// When to make the first attempt.
    pub due_at: DateTime<Utc>,
}

/// How an attempt to deliver went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// Delivered.
    Delivered {
        /// The HTTP status of the answer.
        response_status: i32,
    },
    /// Not delivered; try again.
    Retry {
        /// Why.
        error: String,
        /// The HTTP status of the answer, if there was one.
        response_status: Option<i32>,
        /// When to try again.
        next_attempt_at: DateTime<Utc>,
    },
    /// Not delivered; give up.
    GiveUp {
        /// Why.
        error: String,
        /// The HTTP status of the answer, if there was one.
        response_status: Option<i32>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let new = NewWebhook {
            url: "https://example.com/hook".to_owned(),
            events: Vec::new(),
            secret: "whsec-0123456789abcdef".to_owned(),
            active: true,
        };
        let webhook = Webhook {
            id: WebhookId(1),
            tenant_id: TenantId(1),
            url: new.url.clone(),
            events: Vec::new(),
            secret: new.secret.clone(),
            active: true,
            created_at: Utc::now(),
        };
        for shown in [format!("{new:?}"), format!("{webhook:#?}")] {
            assert!(!shown.contains("whsec-0123456789abcdef"), "{shown}");
            assert!(shown.contains("https://example.com/hook"), "{shown}");
        }
    }
}
