//! Nodes sharing a database: their leases, the stations each holds, dead nodes taken out
//! once, and duties held by one node at a time.

use csms_core::model::{EventKind, NewStation, TenantId};
use csms_core::store::Store;
use ocpp_types::OcppVersion;

use super::{tenant, time, unique};

async fn station(store: &impl Store, tenant: TenantId) -> (String, csms_core::model::StationId) {
    let identity = unique("CP");
    let station = store
        .create_station(tenant, &NewStation::accepted(identity.clone()))
        .await
        .expect("station");
    (identity, station.id)
}

async fn connect(store: &impl Store, tenant: TenantId, identity: &str, node: &str, second: u32) {
    assert!(
        store
            .record_connection(
                tenant,
                identity,
                Some(OcppVersion::V16),
                node,
                time(8, 0, second)
            )
            .await
            .expect("connection recorded")
    );
}

async fn node_of(store: &impl Store, tenant: TenantId, identity: &str) -> Option<String> {
    let node = store
        .station_node(tenant, identity)
        .await
        .expect("station node");
    let station = store
        .station_by_identity(tenant, identity)
        .await
        .expect("station")
        .expect("a station");
    assert_eq!(station.online, node.is_some());
    assert_eq!(station.node, node);
    node
}

/// A node whose lease ran out is taken out of the cluster once, with its stations offline
/// (each with its event); the others keep theirs; a node taken out learns it when it
/// renews.
pub(crate) async fn dead_nodes_are_taken_out_once(store: &impl Store) {
    let t = tenant(store, "T").await;
    let (one, _) = station(store, t).await;
    let (two, _) = station(store, t).await;
    let (a, b) = (unique("a"), unique("b"));
    assert!(
        !store
            .renew_node(&a, time(8, 0, 0), time(8, 0, 5))
            .await
            .unwrap()
    );
    assert!(
        !store
            .renew_node(&b, time(8, 0, 0), time(8, 0, 5))
            .await
            .unwrap()
    );
    connect(store, t, &one, &a, 1).await;
    connect(store, t, &two, &b, 1).await;
    assert!(
        store
            .renew_node(&b, time(8, 0, 0), time(8, 0, 9))
            .await
            .unwrap()
    );
    let alive = store.nodes(time(8, 0, 4)).await.unwrap();
    assert_eq!(alive.len(), 2);
    let alive = store.nodes(time(8, 0, 6)).await.unwrap();
    assert_eq!(
        alive.iter().map(|n| n.node_id.as_str()).collect::<Vec<_>>(),
        [b.as_str()]
    );

    // Nothing ran out yet.
    assert!(
        store
            .remove_nodes(time(8, 0, 4), None)
            .await
            .unwrap()
            .is_empty()
    );
    // Two nodes notice a's death at once: one takes it out.
    let (first, second) = tokio::join!(
        store.remove_nodes(time(8, 0, 6), None),
        store.remove_nodes(time(8, 0, 6), None)
    );
    let mut dead: Vec<_> = first.unwrap();
    dead.extend(second.unwrap());
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].node_id, a);
    assert_eq!(dead[0].stations.len(), 1);
    assert_eq!(node_of(store, t, &one).await, None);
    assert_eq!(node_of(store, t, &two).await, Some(b.clone()));
    let events = store.events(t, None, 100).await.unwrap();
    let last = events.last().expect("events");
    assert_eq!(last.kind, EventKind::StationDisconnected);
    assert_eq!(last.data["identity"], one.as_str());

    // a was slow, not dead: it learns it was taken out, and is back.
    assert!(
        !store
            .renew_node(&a, time(8, 0, 0), time(8, 0, 12))
            .await
            .unwrap()
    );
    assert!(
        store
            .renew_node(&a, time(8, 0, 0), time(8, 0, 13))
            .await
            .unwrap()
    );
    assert_eq!(
        store.node(&a).await.unwrap().unwrap().alive_until,
        time(8, 0, 13)
    );

    // A node that starts again under its name sets offline what it left online, whatever
    // its lease.
    let dead = store.remove_nodes(time(8, 0, 7), Some(&b)).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].node_id, b);
    assert_eq!(node_of(store, t, &two).await, None);
    assert!(store.node(&b).await.unwrap().is_none());
}

/// A connection that ends on a node the station left changes nothing: the station stays
/// online on the node it moved to.
pub(crate) async fn a_station_moves_between_nodes(store: &impl Store) {
    let t = tenant(store, "T").await;
    let (identity, _) = station(store, t).await;
    let (a, b) = (unique("a"), unique("b"));
    connect(store, t, &identity, &a, 1).await;
    assert_eq!(node_of(store, t, &identity).await, Some(a.clone()));
    connect(store, t, &identity, &b, 2).await;
    assert_eq!(node_of(store, t, &identity).await, Some(b.clone()));
    let ended_on_a = store
        .record_connection(t, &identity, None, &a, time(8, 0, 3))
        .await
        .unwrap();
    assert!(!ended_on_a);
    assert_eq!(node_of(store, t, &identity).await, Some(b.clone()));
    let ended_on_b = store
        .record_connection(t, &identity, None, &b, time(8, 0, 4))
        .await
        .unwrap();
    assert!(ended_on_b);
    assert_eq!(node_of(store, t, &identity).await, None);
    let kinds: Vec<_> = store
        .events(t, None, 100)
        .await
        .unwrap()
        .iter()
        .map(|event| event.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::StationConnected,
            EventKind::StationConnected,
            EventKind::StationDisconnected
        ]
    );
}

/// A duty is held by one node at a time, kept by its holder, and taken by another once
/// its lease ran out or its holder gave it up.
pub(crate) async fn duties_are_held_by_one_node(store: &impl Store) {
    let duty = unique("settle");
    let (a, b) = (unique("a"), unique("b"));
    let at = |second: u32| time(9, 0, 0) + chrono::Duration::seconds(i64::from(second));
    let claim = |node: String, second: u32, until: u32| {
        let duty = duty.clone();
        async move {
            store
                .claim_duty(&duty, &node, at(second), at(until))
                .await
                .unwrap()
        }
    };
    let (for_a, for_b) = tokio::join!(claim(a.clone(), 0, 30), claim(b.clone(), 0, 30));
    assert!(for_a ^ for_b, "exactly one holds it: {for_a} {for_b}");
    let (holder, other) = if for_a { (a, b) } else { (b, a) };
    assert!(claim(holder.clone(), 10, 40).await, "the holder keeps it");
    assert!(!claim(other.clone(), 35, 65).await, "renewed until 40");
    assert!(claim(other.clone(), 41, 70).await, "ran out: taken over");
    assert!(!claim(holder.clone(), 42, 72).await);
    store.release_duties(&other).await.unwrap();
    assert!(claim(holder, 43, 73).await, "given up: taken");
}

/// The stations whose settings change are told, for other nodes' caches; their connection
/// state is not.
pub(crate) async fn station_changes_are_told(store: &impl Store) {
    let t = tenant(store, "T").await;
    let (identity, id) = station(store, t).await;
    let mut changes = store.station_changes();
    connect(store, t, &identity, "a", 1).await;
    store
        .record_seen(t, &identity, time(8, 1, 0))
        .await
        .unwrap();
    let mut new = NewStation::accepted(identity.clone());
    new.group = Some("depot".to_owned());
    store.update_station(t, id, &new).await.unwrap().unwrap();
    assert_eq!(changes.recv().await.unwrap(), id);
    assert!(changes.try_recv().is_err());
}

/// A node that held more stations than one statement writes events for: every one is set
/// offline, with its event.
pub(crate) async fn a_dead_node_with_many_stations(store: &impl Store) {
    let t = tenant(store, "T").await;
    let node = unique("big");
    let count = 1_100;
    let identities: Vec<String> = (0..count).map(|n| format!("CP-{n:04}")).collect();
    let node = node.as_str();
    futures_util::future::join_all(identities.iter().map(|identity| async move {
        store
            .create_station(t, &NewStation::accepted(identity.clone()))
            .await
            .expect("station");
        connect(store, t, identity, node, 1).await;
    }))
    .await;
    store
        .renew_node(node, time(8, 0, 0), time(8, 0, 5))
        .await
        .unwrap();
    let dead = store.remove_nodes(time(8, 0, 6), None).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].stations.len(), count);
    let mut disconnected = 0;
    let mut after = None;
    loop {
        let events = store.events(t, after, 1000).await.unwrap();
        let Some(last) = events.last() else { break };
        after = Some(last.id);
        disconnected += events
            .iter()
            .filter(|event| event.kind == EventKind::StationDisconnected)
            .count();
    }
    assert_eq!(disconnected, count);
    assert!(store.station_node(t, "CP-0999").await.unwrap().is_none());
}
