//! The rounds every delivery worker runs: dispatch the outbox's waiting events, lease a
//! batch of due deliveries, attempt them a few at a time, and wait when there was nothing
//! to do.

use std::future::Future;

use futures_util::StreamExt;

use super::sender::{DeliveryConfig, Round};
#[cfg(doc)]
use crate::store::OutboxStore;
use crate::store::StoreResult;

/// A worker's kind of delivery: how a batch is leased and one is attempted.
#[async_trait::async_trait]
pub(crate) trait Leased: Send + Sync {
    /// What is leased.
    type Item: Send;

    /// Dispatches at most `batch` waiting events (see [`OutboxStore::dispatch_events`]).
    async fn dispatch(&self, batch: u32) -> StoreResult<usize>;

    /// Leases a batch of due deliveries.
    async fn lease(&self, config: &DeliveryConfig) -> StoreResult<Vec<Self::Item>>;

    /// Attempts one and records the attempt; whether it was delivered.
    async fn attempt(&self, item: Self::Item) -> StoreResult<bool>;
}

/// Dispatches every event waiting, then leases and attempts one batch.
pub(crate) async fn run_once<W: Leased>(worker: &W, config: &DeliveryConfig) -> StoreResult<Round> {
    let mut round = Round::default();
    loop {
        let dispatched = worker.dispatch(config.batch).await?;
        round.dispatched += dispatched;
        if dispatched < config.batch as usize {
            break;
        }
    }
    let leased = worker.lease(config).await?;
    round.attempted = leased.len();
    let attempts: Vec<StoreResult<bool>> = futures_util::stream::iter(leased)
        .map(|item| worker.attempt(item))
        .buffer_unordered(config.concurrency.max(1))
        .collect()
        .await;
    for attempt in attempts {
        if attempt? {
            round.delivered += 1;
        }
    }
    Ok(round)
}

/// Runs rounds until `shutdown` completes, waiting [`DeliveryConfig::idle_wait`] after a
/// round that found nothing to do (or failed, which is logged).
pub(crate) async fn run<W: Leased>(
    worker: &W,
    config: &DeliveryConfig,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let idle = tokio::select! {
            () = &mut shutdown => return,
            round = run_once(worker, config) => match round {
                Ok(round) => round.dispatched == 0 && round.attempted == 0,
                Err(error) => {
                    tracing::warn!(%error, "delivery round failed");
                    true
                }
            },
        };
        if idle {
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(config.idle_wait) => {}
            }
        }
    }
}
