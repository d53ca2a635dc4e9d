//! Two nodes of a cluster in one test process, each with its own store (its own pool and
//! caches, as separate processes have) on one PostgreSQL schema, and one NATS server:
//! commands reach stations on the other node, a station that moves closes its old
//! connection, a node taken out records its stations again, a station's new password holds
//! on every node at once, a station rejected through one node is refused on the connection
//! the other node holds, duties run on one node.
//!
//! Needs `DATABASE_URL` and a NATS server at `NATS_URL` (default `nats://127.0.0.1:4222`);
//! without them the tests say so loudly and pass, unless `CI` is set: then they fail.

mod ocpp_support;

use std::sync::Arc;
use std::time::Duration;

use csms_core::cluster::{Node, NodeConfig};
use csms_core::model::{
    Actor, NewStation, NewTenant, RegistrationStatus, TenantId, TenantRole, TenantSettings,
    UnknownStationPolicy,
};
use csms_core::ocpp::commands::{Command, Outcome, ResetKind};
use csms_core::ocpp::{Csms, CsmsConfig, admission};
use csms_core::store::{ClusterStore, PostgresStore, StationStore, TenantStore};
use ocpp_server::Router;
use ocpp_server::client::{ChargePoint, ChargePointConfig, ClientError};
use ocpp_server::server::Server;
use ocpp_server::storage::PasswordHash;
use ocpp_support::unique;
use ocpp_types::{OcppVersion, v16, v201};

/// A node: its store, CSMS, cluster membership and OCPP server.
struct TestNode {
    store: Arc<PostgresStore>,
    csms: Csms<PostgresStore>,
    node: Node<PostgresStore>,
    server: Arc<Server>,
}

impl TestNode {
    async fn start(url: &str, schema: &str, nats: &str, subjects: &str, name: &str) -> TestNode {
        Self::start_with(url, schema, nats, subjects, name, |_| {}).await
    }

    /// [`TestNode::start`] with `tune` applied to the node's settings.
    async fn start_with(
        url: &str,
        schema: &str,
        nats: &str,
        subjects: &str,
        name: &str,
        tune: impl FnOnce(&mut NodeConfig),
    ) -> TestNode {
        let store = Arc::new(
            PostgresStore::connect_in_schema(url, schema)
                .await
                .expect("PostgreSQL store connects"),
        );
        let csms = Csms::new(
            Arc::clone(&store),
            CsmsConfig {
                node_id: name.to_owned(),
                ..CsmsConfig::default()
            },
        );
        let mut config = NodeConfig::new(name);
        config.heartbeat = Duration::from_millis(200);
        config.lease = Duration::from_secs(1);
        config.subjects = subjects.to_owned();
        tune(&mut config);
        let node = Node::join(Arc::clone(&store), config, Some(nats))
            .await
            .expect("node joins");
        let server = Arc::new(
            Server::bind(
                "127.0.0.1:0",
                csms.server_config(),
                csms.router(),
                node.station_storage(csms.station_storage()),
            )
            .await
            .expect("server listens"),
        );
        node.serve(&server).await.expect("node serves");
        TestNode {
            store,
            csms,
            node,
            server,
        }
    }

    fn url(&self, tenant: TenantId) -> String {
        format!("ws://{}/ocpp/{}", self.server.local_addr(), tenant.0)
    }

    async fn command(&self, tenant: TenantId, identity: &str) -> Outcome {
        let reset = Command::Reset {
            kind: ResetKind::Soft,
            evse: None,
        };
        self.csms
            .commands()
            .send(tenant, Actor::System, identity, &self.node, &reset)
            .await
            .expect("command audited")
            .outcome
    }

    fn holds(&self, tenant: TenantId, identity: &str) -> bool {
        self.server
            .station(admission::address(tenant, identity))
            .is_some_and(|handle| handle.is_connected())
    }
}

/// A station that accepts resets, in 1.6 or 2.0.1.
fn resettable() -> Router {
    Router::new()
        .on(|_ctx, _request: v16::ResetRequest| async {
            Ok(v16::ResetResponse {
                status: v16::ResetStatus::Accepted,
            })
        })
        .on(|_ctx, _request: v201::ResetRequest| async {
            Ok(v201::ResetResponse::new(v201::ResetStatus::Accepted))
        })
}

async fn connect(
    url: String,
    identity: &str,
    version: OcppVersion,
    password: Option<&str>,
) -> Result<ChargePoint, ClientError> {
    let mut config = ChargePointConfig::new(url, identity);
    config.versions = vec![version];
    config.reconnect = None;
    config.password = password.map(str::to_owned);
    ChargePoint::connect(config, resettable()).await
}

/// Polls `check` until it holds (at most 10 s).
async fn eventually<F: Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The database and NATS server, if the environment names them and NATS answers: without
/// them the tests say so loudly and pass, unless `CI` is set.
fn services() -> Option<(String, String)> {
    let nats = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
    let missing = match std::env::var("DATABASE_URL") {
        Ok(url) if nats_answers(&nats) => return Some((url, nats)),
        Ok(_) => format!("no NATS server answers at {nats} (NATS_URL)"),
        Err(_) => "DATABASE_URL is not set".to_owned(),
    };
    if std::env::var_os("CI").is_some() {
        panic!("CI is set but {missing}: the cluster tests must run");
    }
    eprintln!("\n!!! {missing}: SKIPPING the cluster tests !!!\n");
    None
}

/// Whether something accepts connections at the host and port of the NATS URL `url`.
fn nats_answers(url: &str) -> bool {
    use std::net::ToSocketAddrs;
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let host = host.split(['/', ',']).next().unwrap_or(host);
    host.to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .is_some_and(|addr| {
            std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok()
        })
}

async fn tenant(store: &PostgresStore) -> TenantId {
    store
        .create_tenant(&NewTenant {
            name: "Operator".into(),
            role: TenantRole::Cpo,
            country_code: "NL".into(),
            party_id: "ABC".into(),
            settings: TenantSettings {
                unknown_stations: UnknownStationPolicy::Reject,
                unsecured_stations: true,
                ..TenantSettings::default()
            },
        })
        .await
        .expect("tenant")
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_their_stations() {
    let Some((url, nats)) = services() else {
        return;
    };
    let schema = unique("cluster");
    let subjects = format!("csms.{schema}");
    let a = TestNode::start(&url, &schema, &nats, &subjects, &unique("a")).await;
    let b = TestNode::start(&url, &schema, &nats, &subjects, &unique("b")).await;
    let t = tenant(&a.store).await;
    for identity in ["CP-16", "CS-201", "CP-PASS"] {
        let mut new = NewStation::accepted(identity);
        if identity == "CP-PASS" {
            new.security_profile = 1;
            new.credentials_hash = Some(PasswordHash::new("old password").unwrap());
        }
        a.store.create_station(t, &new).await.expect("station");
    }

    // A 1.6 station on a, a 2.0.1 station on b: each node commands both.
    let _cp16 = connect(a.url(t), "CP-16", OcppVersion::V16, None)
        .await
        .expect("connects to a");
    let cs201 = connect(b.url(t), "CS-201", OcppVersion::V201, None)
        .await
        .expect("connects to b");
    eventually("both recorded", || async {
        b.store.station_node(t, "CP-16").await.unwrap().as_deref() == Some(a.node.node_id())
            && a.store.station_node(t, "CS-201").await.unwrap().as_deref() == Some(b.node.node_id())
    })
    .await;
    for node in [&a, &b] {
        for identity in ["CP-16", "CS-201"] {
            assert_eq!(
                node.command(t, identity).await,
                Outcome::Accepted,
                "{identity}"
            );
        }
    }
    assert_eq!(a.command(t, "CP-PASS").await, Outcome::NotConnected);

    // The 1.6 station moves to b: its connection to a is closed, commands follow it.
    let _moved = connect(b.url(t), "CP-16", OcppVersion::V16, None)
        .await
        .expect("connects to b");
    eventually("a closes its older connection", || async {
        !a.holds(t, "CP-16")
    })
    .await;
    assert_eq!(
        a.store.station_node(t, "CP-16").await.unwrap().as_deref(),
        Some(b.node.node_id())
    );
    assert_eq!(a.command(t, "CP-16").await, Outcome::Accepted);

    // A station recorded on a node nobody answers for is not connected.
    a.store
        .record_connection(
            t,
            "CP-PASS",
            Some(OcppVersion::V16),
            "ghost",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(a.command(t, "CP-PASS").await, Outcome::NotConnected);
    a.store
        .record_connection(t, "CP-PASS", None, "ghost", chrono::Utc::now())
        .await
        .unwrap();

    // b looked dead for a while (its lease ran out) and was taken out: its stations went
    // offline; b records them again at its next heartbeat.
    let started = b
        .store
        .node(b.node.node_id())
        .await
        .unwrap()
        .unwrap()
        .started_at;
    b.store
        .renew_node(
            b.node.node_id(),
            started,
            chrono::Utc::now() - chrono::Duration::seconds(5),
        )
        .await
        .unwrap();
    eventually("b's stations back online on b", || async {
        a.store.node(b.node.node_id()).await.unwrap().is_some()
            && a.store.station_node(t, "CS-201").await.unwrap().as_deref() == Some(b.node.node_id())
    })
    .await;
    assert_eq!(a.command(t, "CS-201").await, Outcome::Accepted);

    // A password changed through b holds on a at once, although a keeps the station in
    // memory (its real connection is there, busy): an impostor with the old password is
    // refused on a.
    let real = connect(a.url(t), "CP-PASS", OcppVersion::V16, Some("old password"))
        .await
        .expect("the old password, before the change");
    for _ in 0..2 {
        real.call(&v16::AuthorizeRequest {
            id_tag: "NOBODY".to_owned(),
        })
        .await
        .expect("an Authorize, which a answers from the station it keeps");
    }
    let station = b
        .store
        .station_by_identity(t, "CP-PASS")
        .await
        .unwrap()
        .unwrap();
    let mut new = NewStation::accepted("CP-PASS");
    new.security_profile = 1;
    new.credentials_hash = Some(PasswordHash::new("new password").unwrap());
    b.store
        .update_station(t, station.id, &new)
        .await
        .unwrap()
        .unwrap();
    // The change crosses NATS in well under a second.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        connect(a.url(t), "CP-PASS", OcppVersion::V16, Some("old password"))
            .await
            .is_err(),
        "a let the old password in"
    );
    connect(a.url(t), "CP-PASS", OcppVersion::V16, Some("new password"))
        .await
        .expect("the new password on a");

    // The 2.0.1 station's connection to b carries its station: an operator's change
    // through a reaches it there, and its next message is decided by it.
    let authorize = || {
        let request =
            v201::AuthorizeRequest::new(v201::IdToken::new("NOBODY", v201::IdTokenEnum::Iso14443));
        let cs201 = &cs201;
        async move { cs201.call(&request).await }
    };
    authorize().await.expect("answered on b");
    let row = a
        .store
        .station_by_identity(t, "CS-201")
        .await
        .unwrap()
        .unwrap();
    a.store
        .set_station_registration(t, row.id, RegistrationStatus::Rejected)
        .await
        .unwrap();
    eventually("b refuses the rejected station's messages", || async {
        authorize().await.is_err()
    })
    .await;
    a.store
        .set_station_registration(t, row.id, RegistrationStatus::Accepted)
        .await
        .unwrap();
    eventually("b answers it again once accepted", || async {
        authorize().await.is_ok()
    })
    .await;

    // One node at a time holds a duty.
    let lease = Duration::from_secs(30);
    let duty = unique("duty");
    let (on_a, on_b) = tokio::join!(
        a.node.holds_duty(&duty, lease),
        b.node.holds_duty(&duty, lease)
    );
    assert!(on_a ^ on_b, "{on_a} {on_b}");

    for node in [a, b] {
        let TestNode {
            store,
            node,
            server,
            ..
        } = node;
        drop(server);
        node.leave().await;
        store.close().await;
    }
    let store = PostgresStore::connect_in_schema(&url, &schema)
        .await
        .unwrap();
    ocpp_support::drop_schema(&store, &schema).await;
}

/// A station that takes a command and never answers it: through another node, the command
/// times out (504 at the API), which is told apart from a station that is not connected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_through_another_node_times_out_when_the_station_is_silent() {
    let Some((url, nats)) = services() else {
        return;
    };
    let schema = unique("cluster");
    let subjects = format!("csms.{schema}");
    let a = TestNode::start_with(&url, &schema, &nats, &subjects, &unique("a"), |config| {
        config.command_timeout = Duration::from_millis(800);
    })
    .await;
    let b = TestNode::start(&url, &schema, &nats, &subjects, &unique("b")).await;
    let t = tenant(&a.store).await;
    a.store
        .create_station(t, &NewStation::accepted("CP-SILENT"))
        .await
        .expect("station");
    let mut config = ChargePointConfig::new(b.url(t), "CP-SILENT");
    config.versions = vec![OcppVersion::V16];
    config.reconnect = None;
    let silent = Router::new().on(|_ctx, _request: v16::ResetRequest| async {
        std::future::pending::<()>().await;
        Ok(v16::ResetResponse {
            status: v16::ResetStatus::Accepted,
        })
    });
    let _station = ChargePoint::connect(config, silent)
        .await
        .expect("connects to b");
    eventually("the station recorded on b", || async {
        a.store
            .station_node(t, "CP-SILENT")
            .await
            .unwrap()
            .as_deref()
            == Some(b.node.node_id())
    })
    .await;
    let asked = tokio::time::Instant::now();
    assert_eq!(a.command(t, "CP-SILENT").await, Outcome::Timeout);
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "the asking node's own limit holds: {:?}",
        asked.elapsed()
    );
    assert_eq!(a.command(t, "CP-NOWHERE").await, Outcome::UnknownStation);
}

/// A duty is held by one node at a time; when its holder stops renewing it (the node died),
/// another node takes it once the lease runs out, and the first cannot take it back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duty_moves_when_its_holder_stops() {
    let Some((url, nats)) = services() else {
        return;
    };
    let schema = unique("cluster");
    let subjects = format!("csms.{schema}");
    let a = TestNode::start(&url, &schema, &nats, &subjects, &unique("a")).await;
    let b = TestNode::start(&url, &schema, &nats, &subjects, &unique("b")).await;
    let lease = Duration::from_millis(700);
    let duty = "settle-ended-sessions";
    assert!(a.node.holds_duty(duty, lease).await);
    for _ in 0..3 {
        assert!(!b.node.holds_duty(duty, lease).await, "a holds it");
        assert!(a.node.holds_duty(duty, lease).await, "a keeps it");
    }
    // a stops asking, as a dead node does; b takes the duty once a's lease is over.
    let stopped = tokio::time::Instant::now();
    eventually("b takes the duty", || async {
        b.node.holds_duty(duty, lease).await
    })
    .await;
    assert!(
        stopped.elapsed() >= Duration::from_millis(500),
        "not before the lease ran out"
    );
    assert!(!a.node.holds_duty(duty, lease).await, "b holds it now");
}
