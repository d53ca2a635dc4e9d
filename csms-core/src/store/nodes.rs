//! What the CSMS processes (nodes) sharing one database keep there: which are alive, and
//! which node does each background duty (see [`crate::cluster`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{ClusterNode, DeadNode};

/// Nodes and their duties. Times are the nodes' clocks (keep them synchronized, as NTP
/// does): a lease runs out when the clock of the node that reads it passes its end.
#[async_trait]
pub trait ClusterStore: Send + Sync {
    /// Records that `node`, started at `started_at`, is alive until `until`: whether it was
    /// in the cluster still (`false`: it is new, or was taken out as dead).
    async fn renew_node(
        &self,
        node: &str,
        started_at: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// The node `node`, if it said it is alive (whether its lease ran out or not).
    async fn node(&self, node: &str) -> StoreResult<Option<ClusterNode>>;

    /// The nodes whose lease had not run out at `now`, by name.
    async fn nodes(&self, now: DateTime<Utc>) -> StoreResult<Vec<ClusterNode>>;

    /// Takes out of the cluster every node whose lease ran out before `now` (and, with
    /// `node`, that node whatever its lease: one that stops, or starts again under its old
    /// name): its stations are set offline at `now`, with a `station.disconnected` event
    /// each. Each dead node is taken out by one caller only, whoever else calls at the same
    /// time.
    async fn remove_nodes(
        &self,
        now: DateTime<Utc>,
        node: Option<&str>,
    ) -> StoreResult<Vec<DeadNode>>;

    /// Takes `duty` for `node` until `until`, or keeps it, unless another node holds it
    /// past `now`: whether `node` holds it now.
    async fn claim_duty(
        &self,
        duty: &str,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Gives up the duties `node` holds (a node that stops).
    async fn release_duties(&self, node: &str) -> StoreResult<()>;
}
