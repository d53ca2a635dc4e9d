//! Which node holds which station: the node's lease, stations recorded again when it was
//! taken out, and connections closed when their station connected to another node.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use ocpp_server::StationAddress;
use ocpp_server::storage::{StationRecord, Storage, StorageError};
use ocpp_types::OcppVersion;
use serde::{Deserialize, Serialize};

use super::{ClusterError, NodeConfig, Shared, lease_end};
use crate::ocpp::admission;
use crate::store::{ClusterStore, Store};

/// Told to every node when a station connects to one.
#[derive(Debug, Serialize, Deserialize)]
struct StationConnected {
    /// The node it connected to.
    node: String,
    /// Its tenant, as its address names it.
    tenant: Option<String>,
    identity: String,
    /// When it connected (on that node's clock).
    at: DateTime<Utc>,
}

/// Waits until no live process holds `config.node_id`: an earlier run killed a moment ago
/// holds it until its lease runs out. Fails if it is still held after twice the lease.
pub(super) async fn wait_for_name<S: ClusterStore + ?Sized>(
    store: &S,
    config: &NodeConfig,
) -> Result<(), ClusterError> {
    let deadline = tokio::time::Instant::now() + 2 * config.lease;
    loop {
        let holder = store.node(&config.node_id).await?;
        match holder {
            Some(node) if node.alive_until >= Utc::now() => {
                if tokio::time::Instant::now() > deadline {
                    return Err(ClusterError::NameInUse(config.node_id.clone()));
                }
                tracing::info!(
                    node = config.node_id,
                    until = %node.alive_until,
                    "waiting for the lease of an earlier run of this node to run out"
                );
                tokio::time::sleep(config.heartbeat).await;
            }
            _ => return Ok(()),
        }
    }
}

/// Renews the node's lease every heartbeat and takes dead nodes out of the cluster. A node
/// that finds itself taken out records its stations again.
pub(super) async fn keep_alive<S: Store + ?Sized>(shared: Arc<Shared<S>>) {
    let config = &shared.config;
    let mut every = tokio::time::interval(config.heartbeat);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let now = Utc::now();
        let store = shared.store.as_ref();
        match store
            .renew_node(
                shared.node_id(),
                shared.started_at,
                lease_end(now, config.lease),
            )
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(
                    node = shared.node_id(),
                    "this node was taken out of the cluster (its lease ran out): \
                     recording its stations again"
                );
                record_stations(&shared).await;
            }
            Err(error) => tracing::warn!(%error, "node lease not renewed"),
        }
        match store.remove_nodes(now, None).await {
            Ok(dead) => {
                for node in dead {
                    tracing::warn!(
                        node = node.node_id,
                        stations = node.stations.len(),
                        "node dead (its lease ran out): its stations are offline"
                    );
                }
            }
            Err(error) => tracing::warn!(%error, "dead nodes not removed"),
        }
    }
}

/// Records every station connected here as connected to this node.
async fn record_stations<S: Store + ?Sized>(shared: &Shared<S>) {
    let Some(server) = shared.server() else {
        return;
    };
    for station in server.stations() {
        let Some(tenant) = admission::tenant_in(&station.address) else {
            continue;
        };
        if let Err(error) = shared
            .store
            .record_connection(
                tenant,
                station.address.identity(),
                Some(station.version),
                shared.node_id(),
                Utc::now(),
            )
            .await
        {
            tracing::warn!(%error, station = %station.address, "connection not recorded again");
        }
    }
}

/// A station storage that tells the other nodes of each station that connects here.
struct Announcing<S: ?Sized> {
    shared: Arc<Shared<S>>,
    inner: Arc<dyn Storage>,
}

pub(super) fn announcing<S: Store + ?Sized>(
    shared: Arc<Shared<S>>,
    inner: Arc<dyn Storage>,
) -> Arc<dyn Storage> {
    Arc::new(Announcing { shared, inner })
}

#[async_trait]
impl<S: Store + ?Sized> Storage for Announcing<S> {
    async fn station(
        &self,
        address: &StationAddress,
    ) -> Result<Option<StationRecord>, StorageError> {
        self.inner.station(address).await
    }

    async fn record_connection(
        &self,
        address: &StationAddress,
        version: Option<OcppVersion>,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        self.inner.record_connection(address, version, at).await?;
        if let (Some(_), Some(nats)) = (version, &self.shared.nats) {
            let connected = StationConnected {
                node: self.shared.node_id().to_owned(),
                tenant: address.tenant().map(str::to_owned),
                identity: address.identity().to_owned(),
                at,
            };
            let published = match serde_json::to_vec(&connected) {
                Ok(payload) => nats
                    .publish(self.shared.subject("stations.connected"), payload.into())
                    .await
                    .map_err(|error| error.to_string()),
                Err(error) => Err(error.to_string()),
            };
            if let Err(error) = published {
                tracing::warn!(%error, station = %address, "connection not told to the cluster");
            }
        }
        Ok(())
    }

    async fn record_seen(
        &self,
        address: &StationAddress,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        self.inner.record_seen(address, at).await
    }
}

/// Closes the connections here of stations that connected to another node since.
pub(super) async fn close_replaced<S: Store + ?Sized>(
    shared: &Arc<Shared<S>>,
) -> Result<(), ClusterError> {
    let Some(nats) = &shared.nats else {
        return Ok(());
    };
    let mut connected = nats
        .subscribe(shared.subject("stations.connected"))
        .await
        .map_err(|error| ClusterError::Nats(error.to_string()))?;
    let me = Arc::clone(shared);
    shared.spawn(async move {
        while let Some(message) = connected.next().await {
            let Ok(connected) = serde_json::from_slice::<StationConnected>(&message.payload) else {
                tracing::warn!("a station connection told in a form not understood");
                continue;
            };
            if connected.node == me.node_id() {
                continue;
            }
            let Some(server) = me.server() else {
                continue;
            };
            let address = match connected.tenant {
                Some(tenant) => StationAddress::in_tenant(tenant, connected.identity),
                None => StationAddress::new(connected.identity),
            };
            let older = server
                .connected(address.clone())
                .is_some_and(|here| here.since <= connected.at);
            if let (true, Some(handle)) = (older, server.station(address.clone())) {
                tracing::info!(
                    station = %address,
                    node = connected.node,
                    "the station connected to another node: closing its connection here"
                );
                handle
                    .close(1000, "replaced by a connection to another node")
                    .await;
            }
        }
    });
    Ok(())
}
