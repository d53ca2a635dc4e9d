//! The delivery worker: dispatches the outbox's events into deliveries, leases the due
//! ones, posts each, signed, to its webhook and records how it went.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::retry::{AttemptResult, RetryPolicy};
use super::rounds;
use super::signature::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, WebhookSecret};
use crate::model::{AttemptOutcome, Webhook, WebhookDelivery};
use crate::store::{Store, StoreResult};

/// How deliveries are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryConfig {
    /// When to try again and when to give up.
    pub retry: RetryPolicy,
    /// How long an attempt may take, connection included.
    pub timeout: Duration,
    /// How long a leased delivery is this process's alone (longer than `timeout`): a process
    /// that dies holding leases leaves them to the others once they run out.
    pub lease: Duration,
    /// How many events one dispatch takes, and how many deliveries one round leases.
    pub batch: u32,
    /// How many attempts run at once.
    pub concurrency: usize,
    /// How long the worker waits when a round found nothing to do.
    pub idle_wait: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(10),
            lease: Duration::from_secs(60),
            batch: 100,
            concurrency: 16,
            idle_wait: Duration::from_secs(1),
        }
    }
}

/// What one round of [`WebhookSender::run_once`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Events turned into deliveries.
    pub dispatched: usize,
    /// Deliveries attempted.
    pub attempted: usize,
    /// Of those, the ones delivered.
    pub delivered: usize,
}

/// Why the worker could not be made.
#[derive(Debug, thiserror::Error)]
#[error("the HTTP client could not be made: {0}")]
pub struct SenderError(#[from] reqwest::Error);

/// Delivers the outbox's events to webhooks. Any number of processes may run one on the
/// same database: each delivery is attempted by the process holding its lease.
#[derive(Debug)]
pub struct WebhookSender<S: ?Sized> {
    store: Arc<S>,
    client: reqwest::Client,
    config: DeliveryConfig,
}

#[async_trait::async_trait]
impl<S: Store + ?Sized> rounds::Leased for WebhookSender<S> {
    type Item = WebhookDelivery;

    async fn dispatch(&self, batch: u32) -> StoreResult<usize> {
        self.store.dispatch_events(batch).await
    }

    async fn lease(&self, config: &DeliveryConfig) -> StoreResult<Vec<WebhookDelivery>> {
        self.store
            .lease_deliveries(Utc::now(), config.lease, config.batch)
            .await
    }

    async fn attempt(&self, delivery: WebhookDelivery) -> StoreResult<bool> {
        WebhookSender::attempt(self, delivery).await
    }
}

impl<S: Store + ?Sized> WebhookSender<S> {
    /// A worker delivering from `store`.
    pub fn new(store: Arc<S>, config: DeliveryConfig) -> Result<WebhookSender<S>, SenderError> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            // A redirect is an answer like any other (and gives up): following it would
            // post the event, signed, wherever the receiver points.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "csms-core/",
                env!("CARGO_PKG_VERSION"),
                " webhooks"
            ))
            .build()?;
        Ok(WebhookSender {
            store,
            client,
            config,
        })
    }

    /// Dispatches every event waiting, then leases and attempts one batch of due
    /// deliveries.
    pub async fn run_once(&self) -> StoreResult<Round> {
        rounds::run_once(self, &self.config).await
    }

    /// Runs rounds until `shutdown` completes, waiting [`DeliveryConfig::idle_wait`] after a
    /// round that found nothing to do (or failed, which is logged).
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        rounds::run(self, &self.config, shutdown).await
    }

    /// Attempts a leased delivery and records the attempt; whether it was delivered.
    async fn attempt(&self, delivery: WebhookDelivery) -> StoreResult<bool> {
        let webhook = self
            .store
            .webhook(delivery.tenant_id, delivery.webhook_id)
            .await?;
        let outcome = match webhook {
            Some(webhook) if webhook.active => match self.post(&webhook, &delivery).await {
                Ok(result) => self
                    .config
                    .retry
                    .outcome(delivery.attempts, &result, Utc::now()),
                Err(error) => AttemptOutcome::GiveUp {
                    error,
                    response_status: None,
                },
            },
            _ => AttemptOutcome::GiveUp {
                error: "the webhook is inactive".to_owned(),
                response_status: None,
            },
        };
        if let AttemptOutcome::GiveUp { error, .. } = &outcome {
            tracing::warn!(
                delivery = delivery.id.0,
                webhook = delivery.webhook_id.0,
                %error,
                "webhook delivery given up"
            );
        }
        let delivered = matches!(outcome, AttemptOutcome::Delivered { .. });
        self.store
            .record_attempt(delivery.tenant_id, delivery.id, Utc::now(), &outcome)
            .await?;
        Ok(delivered)
    }

    /// Posts a delivery to its webhook, signed; how the receiver answered, or why the
    /// delivery cannot be made at all.
    async fn post(
        &self,
        webhook: &Webhook,
        delivery: &WebhookDelivery,
    ) -> Result<AttemptResult, String> {
        let secret = WebhookSecret::parse(&webhook.secret)
            .map_err(|error| format!("the webhook's secret is unusable: {error}"))?;
        let body = serde_json::to_vec(&delivery.payload)
            .map_err(|error| format!("the payload does not serialize: {error}"))?;
        let id = delivery
            .payload
            .get("id")
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| format!("dlv_{}", delivery.id.0), str::to_owned);
        let timestamp = Utc::now().timestamp();
        let answer = self
            .client
            .post(&webhook.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(WEBHOOK_ID, &id)
            .header(WEBHOOK_TIMESTAMP, timestamp)
            .header(WEBHOOK_SIGNATURE, secret.sign(&id, timestamp, &body))
            .body(body)
            .send()
            .await;
        Ok(match answer {
            Ok(response) => AttemptResult::Answered {
                status: response.status().as_u16(),
                retry_after: response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| value.trim().parse::<u64>().ok())
                    .map(Duration::from_secs),
            },
            Err(error) if error.is_timeout() => AttemptResult::TimedOut,
            Err(error) => AttemptResult::Unreachable(error.to_string()),
        })
    }
}
