//! The outbox: events written with their changes, dispatched into deliveries, leased in
//! order per object and to one caller at a time.

use std::time::Duration;

use csms_core::model::{
    AttemptOutcome, ConnectorStatus, EventKind, NewCdr, NewStation, NewWebhook, SessionStatus,
    StatusReport, TenantId, WebhookDelivery, WebhookId,
};
use csms_core::store::{Store, StoreError};
use csms_core::tariff::simple;
use ocpp_types::OcppVersion;

use super::{dec, energy, garage, start_201, stop, tenant, time, unique};

fn kinds_and_subjects(events: &[csms_core::model::OutboxEvent]) -> Vec<(EventKind, String)> {
    events
        .iter()
        .map(|event| (event.kind, event.subject.clone()))
        .collect()
}

fn status(at_second: u32, status: ConnectorStatus) -> StatusReport {
    StatusReport {
        evse_id: 1,
        connector_id: 1,
        status,
        error_code: None,
        vendor_error_code: None,
        at: time(9, 0, at_second),
    }
}

/// Every change subscribers care about writes its event, with the object after the change;
/// a change that fails writes none, and nothing repeats without a change.
pub(crate) async fn events_are_written_with_their_changes(store: &impl Store) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let identity = unique("CP");
    let station = store
        .create_station(a, &NewStation::accepted(identity.clone()))
        .await
        .expect("station");
    let st = station.id;

    assert!(
        store
            .record_connection(
                a,
                &identity,
                Some(OcppVersion::V201),
                "node-a",
                time(8, 0, 0)
            )
            .await
            .expect("connected")
    );
    assert!(
        store
            .record_status(a, st, &status(0, ConnectorStatus::Available))
            .await
            .expect("status")
    );
    // The same status again, and an older report, are no change.
    store
        .record_status(a, st, &status(1, ConnectorStatus::Available))
        .await
        .expect("status");
    store
        .record_status(a, st, &status(0, ConnectorStatus::Occupied))
        .await
        .expect("status");
    store
        .record_status(a, st, &status(2, ConnectorStatus::Occupied))
        .await
        .expect("status");

    let (session, _) = store
        .start_session(a, &start_201(st, "tx-1", time(10, 0, 0)))
        .await
        .expect("session");
    // The same start again is the same session: no second event.
    store
        .start_session(a, &start_201(st, "tx-1", time(10, 0, 0)))
        .await
        .expect("session");
    assert!(
        store
            .update_session(a, session.id, SessionStatus::SuspendedEv, Some(1))
            .await
            .expect("update")
    );
    // A later sequence number alone is no event.
    assert!(
        store
            .update_session(a, session.id, SessionStatus::SuspendedEv, Some(2))
            .await
            .expect("update")
    );
    store
        .stop_session(a, session.id, &stop(time(11, 0, 0), "5000"))
        .await
        .expect("stop");
    store
        .stop_session(a, session.id, &stop(time(11, 0, 0), "5000"))
        .await
        .expect("stop");
    let new_cdr = NewCdr {
        session_id: session.id,
        owner: None,
        energy_wh: dec("4000"),
        currency: "EUR".to_owned(),
        total_cost_excl_vat: dec("1.20"),
        total_cost_incl_vat: None,
        tariff_id: None,
        details: serde_json::json!({}),
    };
    let (cdr, _) = store.issue_cdr(a, &new_cdr).await.expect("cdr");
    store.issue_cdr(a, &new_cdr).await.expect("cdr again");

    let location = store.create_location(a, &garage()).await.expect("location");
    let mut renamed = garage();
    renamed.name = "Garage Noord".to_owned();
    store
        .update_location(a, location.id, &renamed)
        .await
        .expect("update")
        .expect("location");
    let tariff = store
        .create_tariff(a, &simple::per_kwh("EUR", dec("0.30"), None))
        .await
        .expect("tariff");
    assert!(store.delete_tariff(a, tariff.id).await.expect("delete"));
    assert!(
        store
            .record_connection(a, &identity, None, "node-a", time(12, 0, 0))
            .await
            .expect("disconnected")
    );

    // Changes that fail write nothing.
    let missing = csms_core::model::StationId(station.id.0 + 1000);
    assert!(
        store
            .start_session(a, &start_201(missing, "tx-9", time(10, 0, 0)))
            .await
            .is_err()
    );
    let (running, _) = store
        .start_session(a, &start_201(st, "tx-2", time(13, 0, 0)))
        .await
        .expect("session");
    assert!(matches!(
        store
            .issue_cdr(
                a,
                &NewCdr {
                    session_id: running.id,
                    ..new_cdr.clone()
                }
            )
            .await,
        Err(StoreError::Invalid { .. })
    ));
    assert!(
        !store
            .delete_tariff(a, tariff.id)
            .await
            .expect("delete again")
    );

    let events = store.events(a, None, 100).await.expect("events");
    let session_subject = format!("session:{}", session.id);
    let connector = format!("connector:{st}:1:1");
    assert_eq!(
        kinds_and_subjects(&events),
        [
            (EventKind::StationConnected, format!("station:{st}")),
            (EventKind::EvseStatusChanged, connector.clone()),
            (EventKind::EvseStatusChanged, connector),
            (EventKind::SessionStarted, session_subject.clone()),
            (EventKind::SessionUpdated, session_subject.clone()),
            (EventKind::SessionEnded, session_subject),
            (EventKind::CdrIssued, format!("cdr:{}", cdr.id)),
            (
                EventKind::LocationChanged,
                format!("location:{}", location.id)
            ),
            (
                EventKind::LocationChanged,
                format!("location:{}", location.id)
            ),
            (EventKind::TariffChanged, format!("tariff:{}", tariff.id)),
            (EventKind::TariffDeleted, format!("tariff:{}", tariff.id)),
            (EventKind::StationDisconnected, format!("station:{st}")),
            (EventKind::SessionStarted, format!("session:{}", running.id)),
        ]
    );
    assert!(events.windows(2).all(|pair| pair[0].id < pair[1].id));
    assert!(events.iter().all(|event| event.tenant_id == a));
    // Each carries its object after the change.
    assert_eq!(events[2].data["status"], "Occupied");
    assert_eq!(
        events[4].data["status"],
        serde_json::json!(SessionStatus::SuspendedEv)
    );
    assert_eq!(events[5].data["id"], serde_json::json!(session.id));
    assert_eq!(
        events[5].data["stopped_at"],
        serde_json::json!(time(11, 0, 0))
    );
    assert_eq!(events[8].data["name"], "Garage Noord");
    // A deletion carries the object as it was.
    assert_eq!(events[10].data["id"], serde_json::json!(tariff.id));
    assert_eq!(events[10].data["tariff"], events[9].data["tariff"]);
    assert_eq!(events[0].data["ocpp_version"], "2.0.1");
    // Paging by the last id seen.
    let rest = store
        .events(a, Some(events[10].id), 100)
        .await
        .expect("events");
    assert_eq!(rest.len(), 2);
    assert!(store.events(b, None, 100).await.expect("events").is_empty());
}

async fn webhook(store: &impl Store, t: TenantId, events: &[&str], active: bool) -> WebhookId {
    store
        .create_webhook(
            t,
            &NewWebhook {
                url: "http://127.0.0.1:9/hook".to_owned(),
                events: events.iter().map(|e| (*e).to_owned()).collect(),
                secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
                active,
            },
        )
        .await
        .expect("webhook")
        .id
}

fn leased_events(leased: &[WebhookDelivery]) -> Vec<(WebhookId, String)> {
    let mut pairs: Vec<_> = leased
        .iter()
        .map(|d| (d.webhook_id, d.event.clone()))
        .collect();
    pairs.sort();
    pairs
}

/// Dispatch makes one delivery per webhook that wants the event; a webhook gets the
/// events of one object in order (a delivery waits while an earlier one about the same
/// object is pending, retried or not); a leased delivery is nobody else's until its lease
/// runs out or its attempt is recorded.
pub(crate) async fn deliveries_leased_in_order_per_object(store: &impl Store) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let every = webhook(store, a, &[], true).await;
    let ends = webhook(store, a, &["session.ended"], true).await;
    let _inactive = webhook(store, a, &[], false).await;
    let _other_tenant = webhook(store, b, &[], true).await;
    let station = store
        .create_station(a, &NewStation::accepted(unique("CP")))
        .await
        .expect("station");
    let (one, _) = store
        .start_session(a, &start_201(station.id, "tx-1", time(10, 0, 0)))
        .await
        .expect("session");
    store
        .stop_session(a, one.id, &stop(time(11, 0, 0), "5000"))
        .await
        .expect("stop");
    let (two, _) = store
        .start_session(a, &start_201(station.id, "tx-2", time(12, 0, 0)))
        .await
        .expect("session");

    let mut dispatched = 0;
    loop {
        let n = store.dispatch_events(2).await.expect("dispatch");
        dispatched += n;
        if n == 0 {
            break;
        }
    }
    assert!(dispatched >= 3, "{dispatched}");
    assert_eq!(store.dispatch_events(10).await.expect("dispatch"), 0);

    let now = chrono::Utc::now();
    let lease = Duration::from_secs(60);
    let first = store
        .lease_deliveries(now, lease, 100)
        .await
        .expect("lease");
    // Session one's end waits for its start at `every`; `ends` has only the end.
    assert_eq!(leased_events(&first), {
        let mut expected = vec![
            (every, "session.started".to_owned()),
            (every, "session.started".to_owned()),
            (ends, "session.ended".to_owned()),
        ];
        expected.sort();
        expected
    });
    let started_one = first
        .iter()
        .find(|d| d.webhook_id == every && d.subject == format!("session:{}", one.id))
        .expect("the first start");
    assert_eq!(started_one.payload["type"], "session.started");
    assert_eq!(
        started_one.payload["id"],
        format!("evt_{}", started_one.event_id.expect("an event").0)
    );
    assert_eq!(started_one.payload["data"]["id"], serde_json::json!(one.id));
    assert!(started_one.payload["created_at"].is_string());
    assert!(
        first
            .iter()
            .all(|d| d.subject != format!("session:{}", two.id) || d.webhook_id == every)
    );
    // Leased: nobody gets them again.
    assert!(
        store
            .lease_deliveries(now, lease, 100)
            .await
            .expect("lease")
            .is_empty()
    );

    // A retry of the start still holds the end back.
    let retry_at = now + chrono::Duration::seconds(30);
    store
        .record_attempt(
            a,
            started_one.id,
            now,
            &AttemptOutcome::Retry {
                error: "HTTP 503".to_owned(),
                response_status: Some(503),
                next_attempt_at: retry_at,
            },
        )
        .await
        .expect("attempt")
        .expect("delivery");
    assert!(
        store
            .lease_deliveries(now, lease, 100)
            .await
            .expect("lease")
            .is_empty()
    );
    let later = retry_at + chrono::Duration::seconds(1);
    let again = store
        .lease_deliveries(later, lease, 100)
        .await
        .expect("lease");
    assert_eq!(
        leased_events(&again),
        [(every, "session.started".to_owned())]
    );
    store
        .record_attempt(
            a,
            again[0].id,
            later,
            &AttemptOutcome::Delivered {
                response_status: 204,
            },
        )
        .await
        .expect("attempt")
        .expect("delivery");
    let end = store
        .lease_deliveries(later, lease, 100)
        .await
        .expect("lease");
    assert_eq!(leased_events(&end), [(every, "session.ended".to_owned())]);

    // A lease that runs out frees the delivery for the next caller.
    let expired = later + chrono::Duration::seconds(61);
    let freed = store
        .lease_deliveries(expired, lease, 100)
        .await
        .expect("lease");
    assert!(freed.iter().any(|d| d.id == end[0].id));
}

/// Concurrent callers never lease the same delivery.
pub(crate) async fn concurrent_leases_are_disjoint<S: Store + Clone + 'static>(store: &S) {
    let a = tenant(store, "A").await;
    webhook(store, a, &[], true).await;
    for _ in 0..40 {
        let station = store
            .create_station(a, &NewStation::accepted(unique("CP")))
            .await
            .expect("station");
        store
            .record_connection(
                a,
                &station.identity,
                Some(OcppVersion::V16),
                "node-a",
                time(8, 0, 0),
            )
            .await
            .expect("connected");
    }
    while store.dispatch_events(100).await.expect("dispatch") > 0 {}
    let now = chrono::Utc::now();
    let leases: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .lease_deliveries(now, Duration::from_secs(60), 7)
                    .await
                    .expect("lease")
            })
        })
        .collect();
    let mut ids = Vec::new();
    for lease in leases {
        ids.extend(lease.await.expect("joined").into_iter().map(|d| d.id));
    }
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "a delivery was leased twice");
    assert_eq!(count, 40);
}

async fn partner(
    store: &impl Store,
    t: TenantId,
    party: &str,
    status: csms_core::model::PartnerStatus,
    receivers: &[&str],
) -> csms_core::model::RoamingPartnerId {
    partner_of_version(store, t, party, status, receivers, "2.2.1").await
}

/// A partner that agreed `version`, with the receivers of `receivers` (declared receivers in
/// 2.2.1, endpoints without a role in 2.1.1, which has none).
async fn partner_of_version(
    store: &impl Store,
    t: TenantId,
    party: &str,
    status: csms_core::model::PartnerStatus,
    receivers: &[&str],
    version: &str,
) -> csms_core::model::RoamingPartnerId {
    let role = if version == "2.1.1" { "" } else { "RECEIVER" };
    store
        .create_partner(
            t,
            &csms_core::model::NewRoamingPartner {
                name: party.to_owned(),
                country_code: "NL".to_owned(),
                party_id: party.to_owned(),
                role: csms_core::model::TenantRole::Emsp,
                versions_url: format!("http://127.0.0.1:9/{party}/versions"),
                version: Some(version.to_owned()),
                our_token_hash: None,
                their_token: Some(format!("token-at-{party}")),
                endpoints: receivers
                    .iter()
                    .map(|module| csms_core::model::PartnerEndpoint {
                        module: (*module).to_owned(),
                        role: role.to_owned(),
                        url: format!("http://127.0.0.1:9/{party}/{module}"),
                    })
                    .collect(),
                status,
            },
        )
        .await
        .expect("partner")
        .id
}

/// A session and its CDR are pushed to the partner whose token charged it, locations to
/// every connected partner with a Locations receiver (of OCPI 2.2.1 or 2.1.1), nothing to a
/// partner not connected;
/// one object's pushes go in order, and each partner's log lists them.
pub(crate) async fn pushes_go_to_the_partners_they_concern(store: &impl Store) {
    use csms_core::model::PartnerStatus::{Connected, Pending};
    let a = tenant(store, "A").await;
    let owner = partner(
        store,
        a,
        "EMP",
        Connected,
        &["sessions", "cdrs", "locations"],
    )
    .await;
    let other = partner(store, a, "EM2", Connected, &["locations"]).await;
    let old = partner_of_version(store, a, "E21", Connected, &["locations"], "2.1.1").await;
    let pending = partner(store, a, "EM3", Pending, &["sessions", "locations"]).await;
    let token: ocpi_types::v221::tokens::Token = serde_json::from_value(serde_json::json!({
        "country_code": "NL", "party_id": "EMP", "uid": "ROAM-1", "type": "RFID",
        "contract_id": "NL-EMP-C00000001-X", "issuer": "EMP", "valid": true,
        "whitelist": "ALWAYS", "last_updated": "2026-03-01T10:00:00Z"
    }))
    .unwrap();
    assert!(
        store
            .put_roaming_token(a, owner, &token)
            .await
            .expect("token")
    );
    let station = store
        .create_station(a, &NewStation::accepted(unique("CP")))
        .await
        .expect("station");
    let mut start = start_201(station.id, "tx-1", time(10, 0, 0));
    // A station may present the uid in another case.
    start.token_uid = Some("roam-1".to_owned());
    let (session, _) = store.start_session(a, &start).await.expect("session");
    store
        .stop_session(a, session.id, &stop(time(11, 0, 0), "5000"))
        .await
        .expect("stop");
    let location = store.create_location(a, &garage()).await.expect("location");
    while store.dispatch_events(100).await.expect("dispatch") > 0 {}

    let now = chrono::Utc::now();
    let lease = Duration::from_secs(60);
    let first = store
        .lease_partner_deliveries(now, lease, 100)
        .await
        .expect("lease");
    let mut got: Vec<_> = first
        .iter()
        .map(|p| (p.partner_id, p.kind, p.subject.clone()))
        .collect();
    got.sort_by_key(|(partner, kind, _)| (*partner, kind.as_str()));
    let session_subject = format!("session:{}", session.id);
    let location_subject = format!("location:{}", location.id);
    let mut expected = vec![
        (owner, EventKind::SessionStarted, session_subject.clone()),
        (owner, EventKind::LocationChanged, location_subject.clone()),
        (other, EventKind::LocationChanged, location_subject.clone()),
        (old, EventKind::LocationChanged, location_subject),
    ];
    expected.sort_by_key(|(partner, kind, _)| (*partner, kind.as_str()));
    assert_eq!(
        got, expected,
        "the end waits for the start; nothing for {pending}"
    );
    let started = first
        .iter()
        .find(|p| p.kind == EventKind::SessionStarted)
        .expect("the start");
    assert_eq!(started.payload["id"], serde_json::json!(session.id));
    store
        .record_partner_attempt(
            a,
            started.id,
            now,
            &AttemptOutcome::Delivered {
                response_status: 200,
            },
        )
        .await
        .expect("attempt")
        .expect("push");
    let next = store
        .lease_partner_deliveries(now, lease, 100)
        .await
        .expect("lease");
    assert_eq!(
        next.iter()
            .map(|p| (p.partner_id, p.kind))
            .collect::<Vec<_>>(),
        [(owner, EventKind::SessionEnded)]
    );
    let log = store
        .partner_deliveries(a, owner, csms_core::store::Page::default())
        .await
        .expect("log");
    assert_eq!(log.total, 3);
    assert_eq!(
        log.items[log.items.len() - 1].status,
        csms_core::model::DeliveryStatus::Delivered
    );
    assert!(
        store
            .partner_deliveries(a, pending, csms_core::store::Page::default())
            .await
            .expect("log")
            .items
            .is_empty()
    );
}

/// A running session tells its progress at most every `PROGRESS_EVERY` of its readings'
/// time (a `session.updated` event with the session), through either way meter values are
/// added, and not once it is over.
pub(crate) async fn running_sessions_tell_their_progress(store: &impl Store) {
    assert_eq!(csms_core::store::PROGRESS_EVERY, Duration::from_secs(300));
    let t = tenant(store, "T").await;
    let station = store
        .create_station(t, &NewStation::accepted(unique("CP")))
        .await
        .expect("station");
    let (session, _) = store
        .start_session(t, &start_201(station.id, "TX-P", time(10, 0, 0)))
        .await
        .expect("session");
    let subject = format!("session:{}", session.id);
    let updates = || async {
        store
            .events(t, None, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|event| event.kind == EventKind::SessionUpdated && event.subject == subject)
            .collect::<Vec<_>>()
    };
    for (minute, told) in [(1, 0), (4, 0), (5, 1), (9, 1), (10, 2), (12, 2)] {
        store
            .add_meter_values(t, session.id, &[energy(time(10, minute, 0), "1100")])
            .await
            .unwrap();
        assert_eq!(
            updates().await.len(),
            told,
            "after the reading of 10:{minute:02}"
        );
    }
    // Several readings at once (a station that was offline): one event, for the newest.
    let backlog: Vec<_> = (13..=30)
        .map(|minute| energy(time(10, minute, 0), "1200"))
        .collect();
    store
        .add_meter_values(t, session.id, &backlog)
        .await
        .unwrap();
    let told = updates().await;
    assert_eq!(told.len(), 3);
    assert_eq!(told[2].data["id"], session.id.0);
    store
        .stop_session(t, session.id, &stop(time(10, 40, 0), "1300"))
        .await
        .unwrap();
    store
        .add_meter_values(t, session.id, &[energy(time(10, 50, 0), "1300")])
        .await
        .unwrap();
    assert_eq!(
        updates().await.len(),
        3,
        "a session that is over tells nothing more"
    );
}
