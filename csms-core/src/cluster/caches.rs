//! The NATS connection, and the changes of stations every node's store forgets.

use std::sync::Arc;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;

use super::{ClusterError, NodeConfig, Shared};
use crate::model::StationId;
use crate::store::Store;

/// Told to every node when a station's row changed on one.
#[derive(Debug, Serialize, Deserialize)]
struct StationChanged {
    /// The node that changed it.
    node: String,
    /// The station; none: some changes were missed, forget every station.
    station: Option<i64>,
}

/// Connects to the NATS server at `url` as the node `config` names. Whenever the
/// connection comes back after it was lost, or NATS dropped messages this node did not read
/// in time, `store` forgets every station it keeps in memory: changes told meanwhile may
/// have been missed.
pub(super) async fn connect<S: Store + ?Sized>(
    url: &str,
    config: &NodeConfig,
    store: Arc<S>,
) -> Result<async_nats::Client, ClusterError> {
    async_nats::ConnectOptions::new()
        .name(format!("csms {}", config.node_id))
        .event_callback(move |event| {
            let store = Arc::clone(&store);
            async move {
                match event {
                    async_nats::Event::Connected => {
                        tracing::info!("NATS connected: forgetting every cached station");
                        store.forget_station(None);
                    }
                    async_nats::Event::SlowConsumer(_) => {
                        tracing::warn!(
                            "NATS dropped messages this node read too slowly: forgetting \
                             every cached station"
                        );
                        store.forget_station(None);
                    }
                    async_nats::Event::Disconnected => tracing::warn!("NATS disconnected"),
                    other => tracing::debug!(event = %other, "NATS"),
                }
            }
        })
        .connect(url)
        .await
        .map_err(|error| ClusterError::Nats(format!("cannot connect to {url}: {error}")))
}

/// Tells the other nodes of the stations this node's store changed, and makes it forget
/// those the others changed.
pub(super) async fn share_changes<S: Store + ?Sized>(
    shared: &Arc<Shared<S>>,
) -> Result<(), ClusterError> {
    let Some(nats) = shared.nats.clone() else {
        return Ok(());
    };
    let subject = shared.subject("stations.changed");
    let mut told = nats
        .subscribe(subject.clone())
        .await
        .map_err(|error| ClusterError::Nats(error.to_string()))?;
    let me = Arc::clone(shared);
    shared.spawn(async move {
        while let Some(message) = told.next().await {
            match serde_json::from_slice::<StationChanged>(&message.payload) {
                Ok(changed) if changed.node == me.node_id() => {}
                Ok(changed) => me.store.forget_station(changed.station.map(StationId)),
                Err(_) => me.store.forget_station(None),
            }
        }
    });
    let mut changes = shared.store.station_changes();
    let node = shared.node_id().to_owned();
    shared.spawn(async move {
        loop {
            let station = match changes.recv().await {
                Ok(station) => Some(station.0),
                Err(RecvError::Lagged(_)) => None,
                Err(RecvError::Closed) => return,
            };
            let changed = StationChanged {
                node: node.clone(),
                station,
            };
            let published = match serde_json::to_vec(&changed) {
                Ok(payload) => nats
                    .publish(subject.clone(), payload.into())
                    .await
                    .map_err(|error| error.to_string()),
                Err(error) => Err(error.to_string()),
            };
            if let Err(error) = published {
                tracing::warn!(%error, "a station change not told to the cluster");
            }
        }
    });
    Ok(())
}
