//! The CSMS processes (nodes) sharing one database.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{StationId, TenantId};

/// A node that said it is alive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterNode {
    /// Its name (`--node-id`).
    pub node_id: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Until when it is alive unless it says so again.
    pub alive_until: DateTime<Utc>,
}

/// A node whose lease ran out, taken out of the cluster, with the stations it held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadNode {
    /// Its name.
    pub node_id: String,
    /// The stations that were connected to it, now offline.
    pub stations: Vec<(TenantId, StationId)>,
}
