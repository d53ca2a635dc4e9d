//! Several CSMS processes (nodes) on one database, with NATS for what they tell each other.
//!
//! A station connects to any node (behind a TCP load balancer, say); the database is the
//! one place every node reads and writes. A [`Node`] adds what a process alone does not
//! need:
//!
//! - **Presence.** Every node says it is alive by renewing a lease in the database
//!   (`cluster_nodes`, every [`NodeConfig::heartbeat`], for [`NodeConfig::lease`]), and
//!   records on each station's row which node holds its connection. When a node's lease
//!   runs out, the first node to notice takes it out of the cluster and sets its stations
//!   offline, with a `station.disconnected` event each: within a lease and a heartbeat of a
//!   node's death, every node's API shows its stations offline. A node that finds itself
//!   taken out (its heartbeats stalled longer than its lease) records its stations again.
//!   The same runs in a process alone, where it sets offline what a killed process left
//!   online.
//! - **Commands.** An operator command through any node's API, or a roaming partner's,
//!   reaches the station where it is connected: run here when it is connected here, else
//!   sent over NATS (request-reply) to the node holding it, which runs it and answers with
//!   the station's answer ([`CommandRoute`](crate::ocpp::commands::CommandRoute)). A node
//!   that does not answer at all is [`Outcome::NotConnected`](crate::ocpp::commands::Outcome),
//!   a station that does not answer in time [`Outcome::Timeout`](crate::ocpp::commands::Outcome).
//! - **Connection replacement.** A station that connects to a node is recorded there, and
//!   the node tells the others; a node still holding an older connection of the station
//!   closes it. A connection that ends on a node the station has left changes nothing in
//!   the database.
//! - **Caches.** What a store keeps in memory of stations (their settings, registration,
//!   password) is forgotten on every node when one node changes it; a node that lost its
//!   NATS connection, or whose messages NATS dropped because it read them too slowly,
//!   forgets everything, since it may have missed changes.
//!   Nothing else about stations, tokens or tariffs is kept in memory across requests.
//! - **Duties.** Background work runs on one node at a time: outbox deliveries are leased
//!   one by one (see [`crate::outbox`]); periodic jobs such as settling ended sessions take
//!   a duty lease ([`Node::holds_duty`]) that moves to another node when its holder dies.
//!
//! Without NATS ([`Node::join`] with no URL) a node is alone: presence and duties still
//! work through the database, and commands reach the stations connected to it only.
//!
//! NATS carries operator commands (station passwords among them, when set through
//! `set_variables`): run it on a private network, with authentication (credentials in the
//! URL, `nats://user:password@host:4222`) and TLS where the network is not trusted.
//!
//! # Subjects
//!
//! Every subject starts with [`NodeConfig::subjects`] (default `csms`), so that several
//! installations can share one NATS server:
//!
//! - `<prefix>.node.<node>.commands`: commands for the stations of `<node>` (request-reply).
//! - `<prefix>.stations.connected`: a station connected to a node.
//! - `<prefix>.stations.changed`: a station's row changed; caches forget it.

mod caches;
mod commands;
mod presence;

use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use ocpp_server::server::Server;
use ocpp_server::storage::Storage;
use tokio::task::JoinHandle;

use crate::store::{Store, StoreError};

/// What a node is and how it keeps in touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeConfig {
    /// Its name, unique in the cluster: 1 to 64 ASCII letters, digits, `-` and `_`
    /// ([`valid_node_id`]).
    pub node_id: String,
    /// How often it renews its lease, and looks for dead nodes (default 1 s).
    pub heartbeat: Duration,
    /// How long its lease lasts: a node silent for that long is dead (default 5 s).
    pub lease: Duration,
    /// The first tokens of its NATS subjects (default `csms`): dot-separated tokens of the
    /// same characters as node names.
    pub subjects: String,
    /// How long a command sent to another node waits for its answer: the station's own
    /// timeout and some (default 40 s).
    pub command_timeout: Duration,
}

impl NodeConfig {
    /// The settings of node `node_id`, the rest by default.
    pub fn new(node_id: impl Into<String>) -> NodeConfig {
        NodeConfig {
            node_id: node_id.into(),
            heartbeat: Duration::from_secs(1),
            lease: Duration::from_secs(5),
            subjects: "csms".to_owned(),
            command_timeout: Duration::from_secs(40),
        }
    }
}

/// Whether `name` may name a node: 1 to 64 ASCII letters, digits, `-` and `_` (a NATS
/// subject token, and readable in logs).
pub fn valid_node_id(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

/// Why a node could not join its cluster.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// The node's settings are wrong.
    #[error("invalid node settings: {0}")]
    Invalid(String),
    /// Another live process uses the node's name.
    #[error("node {0:?} is alive in another process: give each process its own --node-id")]
    NameInUse(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// NATS could not be reached, or refused a subscription.
    #[error("NATS: {0}")]
    Nats(String),
}

/// This process as a node of its cluster. Cheap to clone.
pub struct Node<S: ?Sized> {
    shared: Arc<Shared<S>>,
}

impl<S: ?Sized> Clone for Node<S> {
    fn clone(&self) -> Node<S> {
        Node {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<S: ?Sized> std::fmt::Debug for Node<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("config", &self.shared.config)
            .field("nats", &self.shared.nats.is_some())
            .finish_non_exhaustive()
    }
}

struct Shared<S: ?Sized> {
    config: NodeConfig,
    started_at: DateTime<Utc>,
    nats: Option<async_nats::Client>,
    /// The OCPP server whose stations are connected here, once it serves.
    server: OnceLock<Weak<Server>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    store: Arc<S>,
}

impl<S: ?Sized> Shared<S> {
    fn node_id(&self) -> &str {
        &self.config.node_id
    }

    /// The server, while it runs.
    fn server(&self) -> Option<Arc<Server>> {
        self.server.get().and_then(Weak::upgrade)
    }

    /// A subject under the node's prefix.
    fn subject(&self, rest: &str) -> String {
        format!("{}.{rest}", self.config.subjects)
    }

    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let task = tokio::spawn(task);
        self.tasks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(task);
    }
}

impl<S: Store + ?Sized> Node<S> {
    /// Joins the cluster of the processes on `store`'s database as `config` says, through
    /// the NATS server at `nats_url` (none: alone). Waits out the lease of an earlier run
    /// of the same name (a process killed a moment ago), fails if that name stays alive,
    /// then sets offline what the earlier run left online and starts renewing its lease.
    pub async fn join(
        store: Arc<S>,
        config: NodeConfig,
        nats_url: Option<&str>,
    ) -> Result<Node<S>, ClusterError> {
        check(&config)?;
        presence::wait_for_name(store.as_ref(), &config).await?;
        let nats = match nats_url {
            Some(url) => Some(caches::connect(url, &config, Arc::clone(&store)).await?),
            None => None,
        };
        let started_at = Utc::now();
        store
            .remove_nodes(started_at, Some(&config.node_id))
            .await?;
        store
            .renew_node(
                &config.node_id,
                started_at,
                lease_end(started_at, config.lease),
            )
            .await?;
        let node = Node {
            shared: Arc::new(Shared {
                config,
                started_at,
                nats,
                server: OnceLock::new(),
                tasks: Mutex::new(Vec::new()),
                store,
            }),
        };
        node.shared
            .spawn(presence::keep_alive(Arc::clone(&node.shared)));
        if node.shared.nats.is_some() {
            caches::share_changes(&node.shared).await?;
        }
        tracing::info!(
            node = node.node_id(),
            nats = node.shared.nats.is_some(),
            "joined the cluster"
        );
        Ok(node)
    }

    /// The node's name.
    pub fn node_id(&self) -> &str {
        self.shared.node_id()
    }

    /// Whether it reaches the other nodes through NATS.
    pub fn is_clustered(&self) -> bool {
        self.shared.nats.is_some()
    }

    /// The station storage for the OCPP server of this node: `inner` (such as
    /// [`Csms::station_storage`](crate::ocpp::Csms::station_storage) with this node's name
    /// in [`CsmsConfig::node_id`](crate::ocpp::CsmsConfig::node_id)), which also tells the
    /// other nodes of each station that connects here.
    pub fn station_storage(&self, inner: Arc<dyn Storage>) -> Arc<dyn Storage> {
        presence::announcing(Arc::clone(&self.shared), inner)
    }

    /// Serves the stations connected to `server` to the other nodes: their commands, and
    /// the closing of connections replaced on another node. Call it once.
    pub async fn serve(&self, server: &Arc<Server>) -> Result<(), ClusterError> {
        if self.shared.server.set(Arc::downgrade(server)).is_err() {
            return Err(ClusterError::Invalid(
                "the node serves one server".to_owned(),
            ));
        }
        if self.shared.nats.is_some() {
            commands::answer_commands(&self.shared).await?;
            presence::close_replaced(&self.shared).await?;
        }
        Ok(())
    }

    /// Whether this node holds `duty` now: takes it, or keeps it, for `lease` unless
    /// another live node holds it. A job that runs every `n` seconds on one node at a time
    /// asks before each run, with a lease longer than `n`; when its holder dies, another
    /// node takes it once the lease runs out. A store failure counts as not holding it.
    pub async fn holds_duty(&self, duty: &str, lease: Duration) -> bool {
        let now = Utc::now();
        match self
            .shared
            .store
            .claim_duty(duty, self.node_id(), now, lease_end(now, lease))
            .await
        {
            Ok(held) => held,
            Err(error) => {
                tracing::warn!(%error, duty, "duty not claimed");
                false
            }
        }
    }

    /// Leaves the cluster: stops its tasks, gives up its duties and sets its stations
    /// offline (call it once the OCPP server has shut down).
    pub async fn leave(self) {
        let tasks = std::mem::take(
            &mut *self
                .shared
                .tasks
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        for task in tasks {
            task.abort();
        }
        let store = &self.shared.store;
        if let Err(error) = store.release_duties(self.node_id()).await {
            tracing::warn!(%error, "duties not released");
        }
        if let Err(error) = store.remove_nodes(Utc::now(), Some(self.node_id())).await {
            tracing::warn!(%error, "node not removed");
        }
        if let Some(nats) = &self.shared.nats
            && let Err(error) = nats.flush().await
        {
            tracing::warn!(%error, "NATS not flushed");
        }
    }
}

fn check(config: &NodeConfig) -> Result<(), ClusterError> {
    if !valid_node_id(&config.node_id) {
        return Err(ClusterError::Invalid(format!(
            "node id {:?}: 1 to 64 ASCII letters, digits, '-' and '_'",
            config.node_id
        )));
    }
    if !config.subjects.split('.').all(valid_node_id) {
        return Err(ClusterError::Invalid(format!(
            "subject prefix {:?}: dot-separated tokens of ASCII letters, digits, '-' and '_'",
            config.subjects
        )));
    }
    if config.heartbeat.is_zero() || config.lease <= config.heartbeat {
        return Err(ClusterError::Invalid(
            "the lease must be longer than the heartbeat".to_owned(),
        ));
    }
    Ok(())
}

/// When a lease taken at `now` for `lease` ends.
fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::hours(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_are_subject_tokens() {
        assert!(valid_node_id("csms-1"));
        assert!(valid_node_id("host_42-1234"));
        assert!(!valid_node_id(""));
        assert!(!valid_node_id("a.b"));
        assert!(!valid_node_id("a b"));
        assert!(!valid_node_id("*"));
        assert!(!valid_node_id(&"x".repeat(65)));
        let mut config = NodeConfig::new("n1");
        assert!(check(&config).is_ok());
        config.subjects = "csms.test_1".to_owned();
        assert!(check(&config).is_ok());
        config.subjects = "csms.>".to_owned();
        assert!(check(&config).is_err());
        let mut config = NodeConfig::new("n1");
        config.lease = config.heartbeat;
        assert!(check(&config).is_err());
    }
}
