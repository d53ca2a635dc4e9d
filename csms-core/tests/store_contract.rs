//! The store contract: one suite, generic over [`Store`], run against SQLite always (a fresh
//! file per test) and against PostgreSQL when `DATABASE_URL` is set (a fresh schema per
//! test, dropped when the test passes). Without `DATABASE_URL` the PostgreSQL half is
//! skipped with a warning, unless `CI` is set: then it fails.

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use csms_core::model::{
    Actor, Address, ApiKeyId, AuthMethod, BootLogEntry, Connector, ConnectorStatus, Coordinates,
    Evse, MeterValue, NewApiKey, NewAuditEntry, NewLocation, NewSession, NewStation, NewTenant,
    NewToken, NewUser, NewVehicle, OpeningHours, ParkingSpot, RegistrationStatus, Role, SessionId,
    SessionStatus, SessionStop, StatusReport, TenantId, TenantRole, TenantSettings, TimeWindow,
    TokenId, TokenKind, TokenRestrictions, TokenStatus, TokenUsage, TransactionRef,
    UnknownStationPolicy, UnknownStop, UserId,
};
use csms_core::store::{
    Page, PostgresStore, SecretKey, SessionStore, SqliteStore, StationStore, Store, StoreError,
};
use ocpi_types::v221::locations::{ConnectorFormat, ConnectorType, PowerType};
use ocpp_server::storage::PasswordHash;
use ocpp_types::OcppVersion;
use rust_decimal::Decimal;

#[path = "store_contract/admin.rs"]
mod admin;
#[path = "store_contract/billing.rs"]
mod billing;
#[path = "store_contract/cdrs.rs"]
mod cdrs;
#[path = "store_contract/cluster.rs"]
mod cluster;
#[path = "store_contract/operations.rs"]
mod operations;
#[path = "store_contract/outbox.rs"]
mod outbox;
#[path = "store_contract/raw.rs"]
mod raw;
#[path = "store_contract/tariffs.rs"]
mod tariffs;
#[path = "store_contract/usage.rs"]
mod usage;
#[path = "store_contract/write_path.rs"]
mod write_path;

use admin::{people_and_tokens_managed, places_and_stations_managed, sessions_and_audit_listed};
use billing::{
    hub_client_info_kept, invoices_group_cdrs, roaming_partners_kept, secrets_sealed_at_rest,
    webhooks_deliver_and_log,
};
use cdrs::cdrs_issued_once_and_immutable;
use cluster::{
    a_dead_node_with_many_stations, a_station_moves_between_nodes, dead_nodes_are_taken_out_once,
    duties_are_held_by_one_node, station_changes_are_told,
};
use operations::{
    charging_profiles_recorded, reservations_made_and_ended, station_configuration_reported,
};
use outbox::{
    concurrent_leases_are_disjoint, deliveries_leased_in_order_per_object,
    events_are_written_with_their_changes, pushes_go_to_the_partners_they_concern,
    running_sessions_tell_their_progress,
};
use tariffs::tariffs_assigned_and_resolved;
use usage::{a_session_is_counted_once, token_usage_counts_atomically};
use write_path::{
    concurrent_writes_fail_alone, meter_readings_kept_once_never_dropped,
    sessions_advance_by_their_sequence_numbers, writes_wait_for_a_held_transaction,
};

/// A name no other test, in this run or a concurrent one, uses.
fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    format!(
        "{prefix}_{}_{nanos}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn time(hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, hour, minute, second)
        .single()
        .expect("a valid time")
}

fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

async fn tenant(store: &impl Store, name: &str) -> TenantId {
    let new = NewTenant {
        name: name.to_owned(),
        role: TenantRole::Cpo,
        country_code: "NL".to_owned(),
        party_id: "ABC".to_owned(),
        settings: TenantSettings {
            time_zone: "Europe/Amsterdam".to_owned(),
            currency: "EUR".to_owned(),
            language: "nl".to_owned(),
            unknown_stations: UnknownStationPolicy::Pending,
            unsecured_stations: false,
        },
    };
    let created = store.create_tenant(&new).await.expect("tenant created");
    assert_eq!(created.name, name);
    assert_eq!(created.settings, new.settings);
    created.id
}

/// A location with one parking spot and no renter.
fn garage() -> NewLocation {
    NewLocation {
        name: "Garage".to_owned(),
        address: Address {
            street: "Kade 1".to_owned(),
            postal_code: Some("1011 AA".to_owned()),
            city: "Amsterdam".to_owned(),
            state: None,
            country: "NLD".to_owned(),
        },
        coordinates: None,
        time_zone: "Europe/Amsterdam".to_owned(),
        opening_hours: OpeningHours::default(),
        parking_spots: vec![ParkingSpot {
            label: "B-17".to_owned(),
            floor: Some("-2".to_owned()),
            renter: None,
        }],
    }
}

fn start_201(station: csms_core::model::StationId, id: &str, at: DateTime<Utc>) -> NewSession {
    NewSession {
        station_id: station,
        transaction_id: Some(id.to_owned()),
        evse_id: Some(1),
        connector_id: Some(1),
        token_uid: Some("TAG-1".to_owned()),
        token_id: None,
        started_at: at,
        meter_start_wh: Some(dec("1000")),
        status: SessionStatus::Charging,
        auth_method: Some(AuthMethod::Central),
        offline: false,
        seq_no: Some(0),
    }
}

fn start_16(station: csms_core::model::StationId, connector: i32, at: DateTime<Utc>) -> NewSession {
    NewSession {
        transaction_id: None,
        evse_id: Some(connector),
        connector_id: Some(connector),
        seq_no: None,
        ..start_201(station, "unused", at)
    }
}

fn energy(at: DateTime<Utc>, wh: &str) -> MeterValue {
    MeterValue {
        timestamp: at,
        measurand: "Energy.Active.Import.Register".to_owned(),
        phase: None,
        location: Some("Outlet".to_owned()),
        context: Some("Sample.Periodic".to_owned()),
        unit: Some("Wh".to_owned()),
        value: dec(wh),
        signed_data: None,
    }
}

fn stop(at: DateTime<Utc>, meter: &str) -> SessionStop {
    SessionStop {
        stopped_at: at,
        meter_stop_wh: Some(dec(meter)),
        status: SessionStatus::Completed,
        reason: Some("Local".to_owned()),
        offline: false,
        seq_no: Some(9),
    }
}

fn audit(action: &str) -> NewAuditEntry {
    NewAuditEntry {
        at: time(9, 0, 0),
        actor: Actor::User(UserId(1)),
        action: action.to_owned(),
        target: "token:1".to_owned(),
        old_value: Some(serde_json::json!({"status": "accepted"})),
        new_value: Some(serde_json::json!({"status": "blocked", "note": "lost, €"})),
    }
}

/// Nothing of tenant A can be read, changed or counted through tenant B.
async fn tenant_isolation(store: &impl Store) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let identity = unique("CP-A");

    let user = store
        .create_user(
            a,
            &NewUser {
                name: "Ann".to_owned(),
                email: Some("ann@example.com".to_owned()),
                roles: vec![Role::Renter],
            },
        )
        .await
        .expect("user");
    let mut new_token = NewToken::accepted("04A1B2C3", TokenKind::Rfid);
    new_token.owner = Some(user.id);
    let token = store.create_token(a, &new_token).await.expect("token");
    let vehicle = store
        .create_vehicle(
            a,
            &NewVehicle {
                vin: Some("WVWZZZ1JZXW000001".to_owned()),
                make: "VW".to_owned(),
                model: "ID.3".to_owned(),
                battery_capacity_kwh: Some(dec("58.0")),
                owner: Some(user.id),
            },
        )
        .await
        .expect("vehicle");
    let location = store
        .create_location(
            a,
            &NewLocation {
                name: "Garage".to_owned(),
                address: Address {
                    street: "Kade 1".to_owned(),
                    postal_code: Some("1011 AA".to_owned()),
                    city: "Amsterdam".to_owned(),
                    state: None,
                    country: "NLD".to_owned(),
                },
                coordinates: Some(Coordinates {
                    latitude: dec("52.370216"),
                    longitude: dec("4.895168"),
                }),
                time_zone: "Europe/Amsterdam".to_owned(),
                opening_hours: OpeningHours::default(),
                parking_spots: vec![ParkingSpot {
                    label: "B-17".to_owned(),
                    floor: Some("-2".to_owned()),
                    renter: Some(user.id),
                }],
            },
        )
        .await
        .expect("location");
    let mut new_station = NewStation::accepted(&identity);
    new_station.location_id = Some(location.id);
    let station = store
        .create_station(a, &new_station)
        .await
        .expect("station");
    let evse = Evse {
        tenant_id: a,
        station_id: station.id,
        evse_id: 1,
        uid: None,
        status: ConnectorStatus::Available,
    };
    assert!(store.upsert_evse(a, &evse).await.expect("evse"));
    let (session, _) = store
        .start_session(a, &start_201(station.id, "tx-a", time(10, 0, 0)))
        .await
        .expect("session");
    store
        .add_meter_values(a, session.id, &[energy(time(10, 1, 0), "1100")])
        .await
        .expect("meter values");
    store
        .append_audit(a, &audit("token.block"))
        .await
        .expect("audit");
    let key = store
        .create_api_key(
            a,
            &NewApiKey {
                user_id: Some(user.id),
                name: "ci".to_owned(),
                prefix: unique("key"),
                secret_hash: PasswordHash::new("s3cret").unwrap(),
                roles: vec![Role::Admin],
                expires_at: None,
            },
        )
        .await
        .expect("API key");

    assert_eq!(
        store
            .list_api_keys(a, Page::default())
            .await
            .expect("keys")
            .items,
        vec![key.clone()]
    );
    assert_eq!(
        store
            .list_api_keys(b, Page::default())
            .await
            .expect("keys")
            .total,
        0
    );
    let tenants = store.list_tenants(Page::default()).await.expect("tenants");
    assert_eq!(tenants.total, 2);
    assert_eq!(
        tenants.items.iter().map(|t| t.id).collect::<Vec<_>>(),
        [a, b]
    );

    // B reads nothing of A.
    assert_eq!(store.user(b, user.id).await.expect("read"), None);
    assert_eq!(store.token(b, token.id).await.expect("read"), None);
    assert_eq!(store.token_by_uid(b, "04A1B2C3").await.expect("read"), None);
    assert!(
        store
            .tokens_of_owner(b, user.id)
            .await
            .expect("read")
            .is_empty()
    );
    assert_eq!(store.vehicle(b, vehicle.id).await.expect("read"), None);
    assert_eq!(store.location(b, location.id).await.expect("read"), None);
    assert_eq!(
        store.station_by_id(b, station.id).await.expect("read"),
        None
    );
    assert!(store.evses(b, station.id).await.expect("read").is_empty());
    assert!(
        store
            .boot_log(b, station.id, 10)
            .await
            .expect("read")
            .is_empty()
    );
    assert_eq!(store.session(b, session.id).await.expect("read"), None);
    assert_eq!(
        store
            .session_by_transaction(b, station.id, "tx-a")
            .await
            .expect("read"),
        None
    );
    assert_eq!(
        store
            .active_session(b, station.id, Some(1), 1)
            .await
            .expect("read"),
        None
    );
    assert!(
        store
            .sessions_started_between(b, time(0, 0, 0), time(23, 0, 0))
            .await
            .expect("read")
            .is_empty()
    );
    assert!(
        store
            .meter_values(b, session.id)
            .await
            .expect("read")
            .is_empty()
    );
    assert!(store.audit_log(b, 10).await.expect("read").is_empty());

    // B changes nothing of A.
    assert!(
        !store
            .set_token_status(b, token.id, TokenStatus::Blocked)
            .await
            .expect("update")
    );
    assert!(
        !store
            .save_token_usage(b, token.id, &TokenUsage::default())
            .await
            .expect("update")
    );
    assert!(
        !store
            .set_station_registration(b, station.id, RegistrationStatus::Rejected)
            .await
            .expect("update")
    );
    assert!(
        !store
            .record_heartbeat(b, station.id, time(11, 0, 0))
            .await
            .expect("update")
    );
    let boot = BootLogEntry {
        tenant_id: b,
        station_id: station.id,
        at: time(11, 0, 0),
        vendor: "Evil".to_owned(),
        model: "X".to_owned(),
        serial_number: None,
        firmware_version: None,
        reason: None,
        outcome: RegistrationStatus::Accepted,
    };
    assert!(!store.log_boot(b, &boot).await.expect("update"));
    assert!(
        !store
            .upsert_evse(
                b,
                &Evse {
                    tenant_id: b,
                    ..evse.clone()
                }
            )
            .await
            .expect("update")
    );
    assert!(
        !store
            .update_session(b, session.id, SessionStatus::SuspendedEv, Some(5))
            .await
            .expect("update")
    );
    assert_eq!(
        store
            .stop_session(b, session.id, &stop(time(11, 0, 0), "2000"))
            .await
            .expect("update"),
        None
    );
    assert!(matches!(
        store
            .add_meter_values(b, session.id, &[energy(time(10, 2, 0), "9999")])
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store
            .start_session(b, &start_201(station.id, "tx-b", time(10, 0, 0)))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        !store
            .revoke_api_key(b, key.id, time(11, 0, 0))
            .await
            .expect("update")
    );
    // Identities are unique within a tenant: A cannot have two stations of one identity,
    // while B's station of that identity is another station, found only through B.
    assert!(matches!(
        store
            .create_station(a, &NewStation::accepted(&identity))
            .await,
        Err(StoreError::Conflict { .. })
    ));
    let namesake = store
        .create_station(b, &NewStation::accepted(&identity))
        .await
        .expect("B's own station");
    assert_ne!(namesake.id, station.id);
    let found = |tenant| store.station_by_identity(tenant, &identity);
    assert_eq!(
        found(a).await.expect("read").map(|s| s.id),
        Some(station.id)
    );
    assert_eq!(
        found(b).await.expect("read").map(|s| s.id),
        Some(namesake.id)
    );
    assert!(store.delete_station(b, namesake.id).await.expect("delete"));
    let mut foreign_location = NewStation::accepted(unique("CP-B"));
    foreign_location.location_id = Some(location.id);
    assert!(matches!(
        store.create_station(b, &foreign_location).await,
        Err(StoreError::NotFound { .. })
    ));

    // A's rows are as A left them.
    let token_now = store
        .token(a, token.id)
        .await
        .expect("read")
        .expect("token");
    assert_eq!(token_now, token);
    assert_eq!(
        store.station_by_id(a, station.id).await.expect("read"),
        Some(station.clone())
    );
    let session_now = store
        .session(a, session.id)
        .await
        .expect("read")
        .expect("session");
    assert_eq!(session_now, session);
    assert_eq!(
        store.meter_values(a, session.id).await.expect("read").len(),
        1
    );
    assert_eq!(
        store.boot_log(a, station.id, 10).await.expect("read"),
        vec![]
    );
    let key_now = store
        .api_key_by_prefix(&key.prefix)
        .await
        .expect("read")
        .expect("key");
    assert_eq!(key_now.revoked_at, None);
    assert!(key_now.accepts("s3cret", time(12, 0, 0)));
    assert!(!key_now.accepts("s3cret!", time(12, 0, 0)));

    // Uids are per tenant: B may have a token with A's uid, and finds only its own.
    let b_token = store
        .create_token(b, &NewToken::accepted("04A1B2C3", TokenKind::Rfid))
        .await
        .expect("B's token");
    assert_eq!(
        store
            .token_by_uid(b, "04A1B2C3")
            .await
            .expect("read")
            .map(|t| t.id),
        Some(b_token.id)
    );
    assert_eq!(
        store
            .token_by_uid(a, "04A1B2C3")
            .await
            .expect("read")
            .map(|t| t.id),
        Some(token.id)
    );

    // The rows A made read back as written.
    assert_eq!(
        store.user(a, user.id).await.expect("read"),
        Some(user.clone())
    );
    assert_eq!(
        store.vehicle(a, vehicle.id).await.expect("read"),
        Some(vehicle)
    );
    let location_now = store
        .location(a, location.id)
        .await
        .expect("read")
        .expect("location");
    assert_eq!(location_now, location);
    assert_eq!(location_now.parking_spots[0].renter, Some(user.id));
    assert_eq!(
        store.tokens_of_owner(a, user.id).await.expect("read"),
        vec![token]
    );
}

/// The same start delivered twice (or at once from two connections) makes one session.
/// A 1.6 start on a connector whose session never got its stop ends that session, in the
/// start's own transaction; the same start again, or a start on another connector, ends
/// nothing.
async fn a_start_ends_the_session_running_on_its_connector<S: Store + Clone>(store: &S) {
    let t = tenant(store, "T").await;
    let station = store
        .create_station(t, &NewStation::accepted(unique("CP")))
        .await
        .expect("station");
    let (lost, _) = store
        .start_session(t, &start_16(station.id, 1, time(9, 0, 0)))
        .await
        .expect("first start");
    let (other, _) = store
        .start_session(t, &start_16(station.id, 2, time(9, 30, 0)))
        .await
        .expect("start on connector 2");

    let next = start_16(station.id, 1, time(11, 0, 0));
    let start = store
        .start_session_ending_running(t, &next, "Superseded")
        .await
        .expect("second start");
    assert!(start.created);
    let ended = start.superseded.expect("the lost session ended");
    assert_eq!(ended.id, lost.id);
    assert_eq!(ended.status, SessionStatus::Failed);
    assert_eq!(ended.stop_reason.as_deref(), Some("Superseded"));
    assert_eq!(ended.stopped_at, Some(time(11, 0, 0)));
    let kept = store
        .session(t, lost.id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(kept, ended);

    let again = store
        .start_session_ending_running(t, &next, "Superseded")
        .await
        .expect("the same start again");
    assert!(!again.created);
    assert_eq!(again.session.id, start.session.id);
    assert_eq!(again.superseded, None);
    let untouched = store
        .session(t, other.id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(untouched.status, SessionStatus::Charging);
    let running = store
        .session(t, start.session.id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(running.status, SessionStatus::Charging);
}

async fn idempotent_session_creation<S: Store + Clone>(store: &S) {
    let t = tenant(store, "T").await;
    let station = store
        .create_station(t, &NewStation::accepted(unique("CP")))
        .await
        .expect("station");

    // 2.0.1: the station's transaction id is the key.
    let new = start_201(station.id, "b2c4-11", time(10, 0, 0));
    let (first, created) = store.start_session(t, &new).await.expect("start");
    assert!(created);
    assert_eq!(
        first.transaction,
        TransactionRef::V201("b2c4-11".to_owned())
    );
    let (again, created) = store.start_session(t, &new).await.expect("start again");
    assert!(!created);
    assert_eq!(again, first);

    // 1.6: station, connector and time are the key; the transaction id is the session's.
    let new = start_16(station.id, 2, time(10, 5, 0));
    let (first16, created) = store.start_session(t, &new).await.expect("start 1.6");
    assert!(created);
    let SessionId(id) = first16.id;
    assert_eq!(
        first16.transaction,
        TransactionRef::V16(i32::try_from(id).expect("small id"))
    );
    let (again16, created) = store.start_session(t, &new).await.expect("start 1.6 again");
    assert!(!created);
    assert_eq!(again16, first16);
    assert_eq!(
        store
            .session_by_transaction(t, station.id, &id.to_string())
            .await
            .expect("read"),
        Some(first16.clone())
    );
    let (later, created) = store
        .start_session(t, &start_16(station.id, 2, time(12, 0, 0)))
        .await
        .expect("a later start");
    assert!(created);
    assert_ne!(later.id, first16.id);

    // Many connections delivering the same start at once.
    let new = start_201(station.id, "raced", time(13, 0, 0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let store = store.clone();
        let new = new.clone();
        tasks.spawn(async move { store.start_session(t, &new).await });
    }
    let mut created_count = 0;
    let mut ids = Vec::new();
    while let Some(result) = tasks.join_next().await {
        let (session, created) = result.expect("task").expect("start");
        created_count += usize::from(created);
        ids.push(session.id);
    }
    assert_eq!(created_count, 1, "exactly one delivery creates the session");
    ids.dedup();
    assert_eq!(ids.len(), 1);

    let all = store
        .sessions_started_between(t, time(0, 0, 0), time(23, 59, 59))
        .await
        .expect("sessions");
    let started: Vec<_> = all.iter().map(|s| s.started_at).collect();
    assert_eq!(
        started,
        vec![
            time(10, 0, 0),
            time(10, 5, 0),
            time(12, 0, 0),
            time(13, 0, 0)
        ]
    );
    let window = store
        .sessions_started_between(t, time(10, 5, 0), time(12, 0, 0))
        .await
        .expect("sessions");
    assert_eq!(window, vec![first16.clone()]);

    // Status by sequence number: an older event changes nothing.
    assert!(
        store
            .update_session(t, first.id, SessionStatus::SuspendedEv, Some(3))
            .await
            .expect("update")
    );
    assert!(
        !store
            .update_session(t, first.id, SessionStatus::Charging, Some(2))
            .await
            .expect("update")
    );
    let now = store
        .session(t, first.id)
        .await
        .expect("read")
        .expect("session");
    assert_eq!(now.status, SessionStatus::SuspendedEv);
    assert_eq!(now.last_seq_no, Some(3));

    // The active session on a connector, then a stop delivered twice.
    let active = store
        .active_session(t, station.id, Some(1), 1)
        .await
        .expect("read")
        .expect("active");
    assert_eq!(
        Some(active.id),
        ids.first().copied(),
        "the latest start is the active one"
    );
    let stopped = store
        .stop_session(t, first.id, &stop(time(11, 0, 0), "8500.5"))
        .await
        .expect("stop")
        .expect("session");
    assert_eq!(stopped.status, SessionStatus::Completed);
    assert_eq!(stopped.energy_wh, Some(dec("7500.5")));
    assert_eq!(stopped.stopped_at, Some(time(11, 0, 0)));
    assert_eq!(stopped.last_seq_no, Some(9));
    let mut late = stop(time(11, 30, 0), "9999");
    late.status = SessionStatus::Failed;
    let again = store
        .stop_session(t, first.id, &late)
        .await
        .expect("stop again")
        .expect("session");
    assert_eq!(again, stopped, "a second stop changes nothing");
    assert_eq!(
        store
            .active_session(t, station.id, Some(1), 1)
            .await
            .expect("read")
            .map(|s| s.id),
        ids.first().copied(),
        "stopping the older session leaves the latest active"
    );
    assert!(
        !store
            .update_session(t, first.id, SessionStatus::Charging, Some(20))
            .await
            .expect("update"),
        "a session that is over stays over"
    );
}

/// Tokens are found by uid, with everything they were created with.
async fn token_lookup(store: &impl Store) {
    let t = tenant(store, "T").await;
    let owner = store
        .create_user(
            t,
            &NewUser {
                name: "Renter".to_owned(),
                email: None,
                roles: vec![Role::Renter, Role::Driver],
            },
        )
        .await
        .expect("user");
    let new = NewToken {
        uid: "E1234567".to_owned(),
        kind: TokenKind::Rfid,
        status: TokenStatus::Accepted,
        expires_at: Some(time(23, 0, 0)),
        group_id: Some("GARAGE".to_owned()),
        visual_id: Some("card 7".to_owned()),
        owner: Some(owner.id),
        vehicle_id: None,
        restrictions: TokenRestrictions {
            station_groups: vec!["level -2".to_owned()],
            time_windows: vec![TimeWindow {
                days: vec![chrono::Weekday::Mon, chrono::Weekday::Fri],
                start: chrono::NaiveTime::from_hms_opt(22, 0, 0).expect("time"),
                end: chrono::NaiveTime::from_hms_opt(6, 0, 0).expect("time"),
            }],
            time_zone: Some("Europe/Amsterdam".to_owned()),
            max_concurrent_sessions: Some(1),
            max_energy_kwh_per_day: Some(dec("40.5")),
            max_amount_per_month: Some(dec("100.00")),
            max_duration_minutes: Some(600),
            ..TokenRestrictions::default()
        },
    };
    let token = store.create_token(t, &new).await.expect("token");
    let found = store
        .token_by_uid(t, "E1234567")
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(found, token);
    assert_eq!(found.restrictions, new.restrictions);
    assert_eq!(found.group_id.as_deref(), Some("GARAGE"));
    assert_eq!(found.expires_at, Some(time(23, 0, 0)));
    assert_eq!(
        store.token_by_uid(t, "e1234567").await.expect("lookup"),
        None
    );
    assert_eq!(
        store.token_by_uid(t, "UNKNOWN").await.expect("lookup"),
        None
    );
    assert!(matches!(
        store.create_token(t, &new).await,
        Err(StoreError::Conflict { .. })
    ));

    assert!(
        store
            .set_token_status(t, token.id, TokenStatus::Blocked)
            .await
            .expect("block")
    );
    let usage = TokenUsage {
        sessions: 3,
        day: Some(time(0, 0, 0).date_naive()),
        energy_kwh_day: dec("12.345"),
        amount_day: dec("4.20"),
        month: Some(time(0, 0, 0).date_naive()),
        energy_kwh_month: dec("99.9"),
        amount_month: dec("30"),
        last_used_at: Some(time(8, 0, 0)),
    };
    assert!(
        store
            .save_token_usage(t, token.id, &usage)
            .await
            .expect("usage")
    );
    let now = store
        .token(t, token.id)
        .await
        .expect("read")
        .expect("token");
    assert_eq!(now.status, TokenStatus::Blocked);
    assert_eq!(now.usage, usage);
    assert!(
        !store
            .set_token_status(t, TokenId(i64::MAX), TokenStatus::Blocked)
            .await
            .expect("no such token")
    );
    assert_eq!(
        store.tokens_of_owner(t, owner.id).await.expect("read"),
        vec![now]
    );
}

/// A station's own cost calculation is kept with its session, the last one sent winning,
/// and only through the session's tenant.
async fn station_cost_kept_with_the_session(store: &impl Store) {
    let t = tenant(store, "T").await;
    let other = tenant(store, "Other").await;
    let station = store
        .create_station(t, &NewStation::accepted(unique("CP")))
        .await
        .expect("station");
    let (session, _) = store
        .start_session(t, &start_201(station.id, "tx", time(10, 0, 0)))
        .await
        .expect("session");
    assert_eq!(session.station_cost_details, None);
    let first = serde_json::json!({"totalCost": {"currency": "EUR", "total": {"exclTax": 1.5}}});
    let last = serde_json::json!({"totalCost": {"currency": "EUR", "total": {"exclTax": 2.25}}});
    for details in [&first, &last] {
        assert!(
            store
                .record_station_cost(t, session.id, details)
                .await
                .expect("record")
        );
    }
    assert!(
        !store
            .record_station_cost(other, session.id, &first)
            .await
            .expect("record"),
        "another tenant's session is not found"
    );
    let read = store
        .session(t, session.id)
        .await
        .expect("read")
        .expect("session");
    assert_eq!(read.station_cost_details, Some(last));
}

/// Meter values come back in time order, each stored once however often it is delivered.
async fn meter_values_in_time_order(store: &impl Store) {
    let t = tenant(store, "T").await;
    let station = store
        .create_station(t, &NewStation::accepted(unique("CP")))
        .await
        .expect("station");
    let (session, _) = store
        .start_session(t, &start_201(station.id, "tx", time(10, 0, 0)))
        .await
        .expect("session");
    let mut power = energy(time(10, 10, 0), "7360.25");
    power.measurand = "Power.Active.Import".to_owned();
    power.unit = Some("W".to_owned());
    power.phase = Some("L1-N".to_owned());
    power.signed_data = Some("OCMF|{\"FV\":\"1.0\"}|{\"SA\":\"ECDSA\"}".to_owned());
    let values = vec![
        energy(time(10, 30, 0), "3000"),
        energy(time(10, 10, 0), "1500.125"),
        power.clone(),
        energy(time(10, 20, 0), "2250"),
    ];
    let added = store
        .add_meter_values(t, session.id, &values)
        .await
        .expect("add");
    assert_eq!(added, 4);
    let again = store
        .add_meter_values(t, session.id, &values[1..3])
        .await
        .expect("add again");
    assert_eq!(again, 0, "values delivered again are not stored twice");
    let read = store.meter_values(t, session.id).await.expect("read");
    let times: Vec<_> = read.iter().map(|v| v.timestamp).collect();
    assert_eq!(
        times,
        vec![
            time(10, 10, 0),
            time(10, 10, 0),
            time(10, 20, 0),
            time(10, 30, 0)
        ]
    );
    assert!(read.contains(&power));
    assert!(read.contains(&energy(time(10, 10, 0), "1500.125")));
    assert_eq!(read[3].value, dec("3000"));
    assert!(matches!(
        store
            .add_meter_values(t, SessionId(i64::MAX), &values)
            .await,
        Err(StoreError::NotFound { .. })
    ));
}

/// Boots are logged per station, newest first, and the station shows what it last said;
/// `ocpp-server`'s storage goes through the same rows by identity.
async fn boot_log(store: &impl Store) {
    let t = tenant(store, "T").await;
    let identity = unique("CP");
    let mut new = NewStation::accepted(&identity);
    new.security_profile = 1;
    new.credentials_hash = Some(PasswordHash::new("0123456789abcdef").unwrap());
    let station = store.create_station(t, &new).await.expect("station");
    for (minute, firmware) in [(0, "1.0"), (5, "1.1"), (10, "1.2")] {
        let entry = BootLogEntry {
            tenant_id: t,
            station_id: station.id,
            at: time(7, minute, 0),
            vendor: "Alfen".to_owned(),
            model: "Eve".to_owned(),
            serial_number: Some("SN-1".to_owned()),
            firmware_version: Some(firmware.to_owned()),
            reason: Some("PowerUp".to_owned()),
            outcome: RegistrationStatus::Accepted,
        };
        assert!(store.log_boot(t, &entry).await.expect("boot"));
    }
    let log = store.boot_log(t, station.id, 2).await.expect("log");
    let firmware: Vec<_> = log
        .iter()
        .map(|e| e.firmware_version.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(firmware, vec!["1.2", "1.1"]);
    let now = store
        .station_by_id(t, station.id)
        .await
        .expect("read")
        .expect("station");
    assert_eq!(now.firmware_version.as_deref(), Some("1.2"));
    assert_eq!(now.last_boot_at, Some(time(7, 10, 0)));
    assert!(
        store
            .record_heartbeat(t, station.id, time(7, 11, 0))
            .await
            .expect("heartbeat")
    );

    // Connection state, by tenant and identity.
    let found = store
        .station_by_identity(t, &identity)
        .await
        .expect("read")
        .expect("known");
    assert!(
        found
            .credentials_hash
            .as_ref()
            .is_some_and(|p| p.verify("0123456789abcdef"))
    );
    assert!(!found.online);
    assert!(
        store
            .record_connection(
                t,
                &identity,
                Some(OcppVersion::V201),
                "node-a",
                time(8, 0, 0)
            )
            .await
            .expect("connected")
    );
    let reboot = BootLogEntry {
        tenant_id: t,
        station_id: station.id,
        at: time(8, 0, 1),
        vendor: "Alfen".to_owned(),
        model: "Eve Pro".to_owned(),
        serial_number: None,
        firmware_version: Some("2.0".to_owned()),
        reason: None,
        outcome: RegistrationStatus::Accepted,
    };
    assert!(store.log_boot(t, &reboot).await.expect("boot"));
    assert!(
        store
            .record_seen(t, &identity, time(8, 1, 0))
            .await
            .expect("seen")
    );
    let now = store
        .station_by_identity(t, &identity)
        .await
        .expect("read")
        .expect("station");
    assert!(now.online);
    assert_eq!(now.ocpp_version, Some(OcppVersion::V201));
    assert_eq!(now.last_seen, Some(time(8, 1, 0)));
    assert_eq!(now.model.as_deref(), Some("Eve Pro"));
    assert_eq!(now.last_heartbeat, Some(time(7, 11, 0)));
    assert_eq!(
        store.boot_log(t, station.id, 10).await.expect("log").len(),
        4
    );
    assert!(
        store
            .record_connection(t, &identity, None, "node-a", time(9, 0, 0))
            .await
            .expect("disconnected")
    );
    let now = store
        .station_by_id(t, station.id)
        .await
        .expect("read")
        .expect("station");
    assert!(!now.online);
    // Another tenant has no station of that identity: nothing is recorded there.
    assert!(
        !store
            .record_seen(TenantId(t.0 + 1000), &identity, time(9, 1, 0))
            .await
            .expect("seen")
    );

    // Connectors and their status.
    let evse = Evse {
        tenant_id: t,
        station_id: station.id,
        evse_id: 1,
        uid: Some("NL*ABC*E1".to_owned()),
        status: ConnectorStatus::Available,
    };
    assert!(store.upsert_evse(t, &evse).await.expect("evse"));
    let connector = Connector {
        tenant_id: t,
        station_id: station.id,
        evse_id: 1,
        connector_id: 1,
        standard: Some(ConnectorType::Iec62196T2),
        format: Some(ConnectorFormat::Socket),
        power_type: Some(PowerType::Ac3Phase),
        max_voltage: Some(400),
        max_amperage: Some(32),
        max_power_w: Some(22000),
        status: ConnectorStatus::Available,
        error_code: None,
        vendor_error_code: None,
        status_at: None,
    };
    assert!(
        store
            .upsert_connector(t, &connector)
            .await
            .expect("connector")
    );
    let report = StatusReport {
        evse_id: 1,
        connector_id: 1,
        status: ConnectorStatus::Faulted,
        error_code: Some("GroundFailure".to_owned()),
        vendor_error_code: Some("E42".to_owned()),
        at: time(9, 0, 0),
    };
    assert!(
        store
            .record_status(t, station.id, &report)
            .await
            .expect("status")
    );
    let older = StatusReport {
        status: ConnectorStatus::Available,
        at: time(8, 0, 0),
        ..report.clone()
    };
    assert!(
        store
            .record_status(t, station.id, &older)
            .await
            .expect("older status")
    );
    // A connector, and an EVSE, that nobody registered: the station's report makes them.
    let reported = StatusReport {
        evse_id: 2,
        connector_id: 9,
        status: ConnectorStatus::Occupied,
        error_code: None,
        vendor_error_code: None,
        at: time(9, 5, 0),
    };
    assert!(
        store
            .record_status(t, station.id, &reported)
            .await
            .expect("new connector")
    );
    let connectors = store.connectors(t, station.id).await.expect("connectors");
    assert_eq!(connectors.len(), 2);
    assert_eq!(connectors[0].status, ConnectorStatus::Faulted);
    assert_eq!(connectors[0].vendor_error_code.as_deref(), Some("E42"));
    assert_eq!(connectors[0].standard, Some(ConnectorType::Iec62196T2));
    let new = &connectors[1];
    assert_eq!((new.evse_id, new.connector_id), (2, 9));
    assert_eq!(new.status, ConnectorStatus::Occupied);
    assert_eq!(new.status_at, Some(time(9, 5, 0)));
    assert!(new.standard.is_none() && new.format.is_none() && new.power_type.is_none());
    let evses = store.evses(t, station.id).await.expect("evses");
    assert_eq!(evses.len(), 2);
    assert_eq!(evses[0], evse);
    assert_eq!(
        (evses[1].evse_id, evses[1].status),
        (2, ConnectorStatus::Occupied)
    );
    // Another tenant's station gets nothing.
    let other = tenant(store, "Other").await;
    assert!(
        !store
            .record_status(other, station.id, &reported)
            .await
            .expect("no such station")
    );
}

/// Audit entries come back newest first, with their values, and only to their tenant.
async fn audit_entries(store: &impl Store) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let first = store
        .append_audit(a, &audit("token.block"))
        .await
        .expect("audit");
    let mut command = audit("station.reset");
    command.actor = Actor::ApiKey(ApiKeyId(7));
    command.target = "station:CP-1".to_owned();
    command.old_value = None;
    command.new_value = Some(serde_json::json!({"type": "Soft", "outcome": "Accepted"}));
    let second = store.append_audit(a, &command).await.expect("audit");
    let mut station = audit("station.boot");
    station.actor = Actor::Station("CP-1".to_owned());
    store.append_audit(b, &station).await.expect("audit of B");
    let log = store.audit_log(a, 10).await.expect("log");
    assert_eq!(log, vec![second.clone(), first.clone()]);
    assert_eq!(log[0].actor, Actor::ApiKey(ApiKeyId(7)));
    assert_eq!(log[0].new_value, command.new_value);
    assert_eq!(
        log[1].old_value,
        Some(serde_json::json!({"status": "accepted"}))
    );
    assert_eq!(log[1].at, time(9, 0, 0));
    assert_eq!(store.audit_log(a, 1).await.expect("log"), vec![second]);
    let of_b = store.audit_log(b, 10).await.expect("log of B");
    assert_eq!(of_b.len(), 1);
    assert_eq!(of_b[0].actor, Actor::Station("CP-1".to_owned()));
}

/// The stop of a transaction never started here is kept, once, and only for its tenant.
async fn unknown_stops_are_kept(store: &impl Store) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let station = store
        .create_station(a, &NewStation::accepted(unique("CP")))
        .await
        .expect("station");
    let stop = UnknownStop {
        station_id: station.id,
        transaction_id: "4711".to_owned(),
        token_uid: Some("04A1B2C3".to_owned()),
        stopped_at: time(18, 0, 0),
        meter_stop_wh: Some(dec("123456.7")),
        reason: Some("EVDisconnected".to_owned()),
        offline: true,
    };
    assert!(store.record_unknown_stop(a, &stop).await.expect("kept"));
    assert!(
        !store
            .record_unknown_stop(a, &stop)
            .await
            .expect("kept once"),
        "the same stop delivered again is kept once"
    );
    assert!(matches!(
        store.record_unknown_stop(b, &stop).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        store
            .unknown_stops(b, station.id)
            .await
            .expect("read")
            .is_empty()
    );
    assert_eq!(
        store.unknown_stops(a, station.id).await.expect("read"),
        vec![stop]
    );
}

/// Where a renter charged, with any of their cards, and how much energy: one query.
async fn sessions_of_a_renter(store: &impl Store) {
    let t = tenant(store, "Garage").await;
    let renter = |name: &str| NewUser {
        name: name.to_owned(),
        email: None,
        roles: vec![Role::Renter],
    };
    let x = store.create_user(t, &renter("X")).await.expect("renter X");
    let y = store.create_user(t, &renter("Y")).await.expect("renter Y");
    for (uid, owner) in [("X-1", x.id), ("X-2", x.id), ("Y-1", y.id)] {
        let mut new = NewToken::accepted(uid, TokenKind::Rfid);
        new.owner = Some(owner);
        store.create_token(t, &new).await.expect("card");
    }
    let one = store
        .create_station(t, &NewStation::accepted(unique("G1")))
        .await
        .expect("station");
    let two = store
        .create_station(t, &NewStation::accepted(unique("G2")))
        .await
        .expect("station");
    let charges = [
        (one.id, "a", "X-1", 8, "5000"),
        (two.id, "b", "X-2", 9, "7250"),
        (one.id, "c", "Y-1", 10, "3000"),
        (two.id, "d", "X-1", 11, "1000"),
    ];
    for (station, id, uid, hour, wh) in charges {
        let mut new = start_201(station, id, time(hour, 0, 0));
        new.token_uid = Some(uid.to_owned());
        new.meter_start_wh = Some(dec("0"));
        let (session, _) = store.start_session(t, &new).await.expect("start");
        store
            .stop_session(t, session.id, &stop(time(hour, 30, 0), wh))
            .await
            .expect("stop");
    }
    let of_x = store
        .sessions_of_owner(t, x.id, time(0, 0, 0), time(23, 0, 0))
        .await
        .expect("sessions of X");
    let places: Vec<_> = of_x.iter().map(|s| s.station_id).collect();
    assert_eq!(places, vec![one.id, two.id, two.id]);
    let energy: Decimal = of_x.iter().filter_map(|s| s.energy_wh).sum();
    assert_eq!(energy, dec("13250"));
    let morning = store
        .sessions_of_owner(t, x.id, time(0, 0, 0), time(10, 0, 0))
        .await
        .expect("sessions of X before ten");
    assert_eq!(morning.len(), 2);
    let other = tenant(store, "Other").await;
    assert!(
        store
            .sessions_of_owner(other, x.id, time(0, 0, 0), time(23, 0, 0))
            .await
            .expect("read")
            .is_empty()
    );
}

/// A SQLite store in a fresh file, removed when dropped.
struct SqliteCase {
    store: SqliteStore,
    path: std::path::PathBuf,
}

impl SqliteCase {
    async fn new() -> SqliteCase {
        let path = std::env::temp_dir().join(format!("{}.db", unique("csms_store")));
        let store = SqliteStore::open(&path)
            .await
            .expect("SQLite store opens")
            .with_secret_key(SecretKey::generate().expect("a key"));
        SqliteCase { store, path }
    }
}

impl Drop for SqliteCase {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = self.path.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
}

/// A PostgreSQL store in a fresh schema, if `DATABASE_URL` is set.
async fn postgres() -> Option<(PostgresStore, String)> {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but DATABASE_URL is not: the PostgreSQL store contract must run");
        }
        eprintln!(
            "\n!!! DATABASE_URL is not set: SKIPPING the PostgreSQL store contract !!!\n\
             !!! set it (e.g. postgres://postgres@127.0.0.1:5432/test) to run it    !!!\n"
        );
        return None;
    };
    let schema = unique("store_contract");
    let store = PostgresStore::connect_in_schema(&url, &schema)
        .await
        .expect("PostgreSQL store connects")
        .with_secret_key(SecretKey::generate().expect("a key"));
    Some((store, schema))
}

async fn drop_schema(store: PostgresStore, schema: &str) {
    sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .execute(store.pool())
        .await
        .expect("schema dropped");
    store.close().await;
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let case = super::SqliteCase::new().await;
                    super::$name(&case.store).await;
                    case.store.close().await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some((store, schema)) = super::postgres().await else { return };
                    super::$name(&store).await;
                    super::drop_schema(store, &schema).await;
                }
            )*
        }
    };
}

contract!(
    tenant_isolation,
    idempotent_session_creation,
    a_start_ends_the_session_running_on_its_connector,
    token_lookup,
    meter_values_in_time_order,
    station_cost_kept_with_the_session,
    boot_log,
    audit_entries,
    unknown_stops_are_kept,
    sessions_of_a_renter,
    tariffs_assigned_and_resolved,
    cdrs_issued_once_and_immutable,
    token_usage_counts_atomically,
    a_session_is_counted_once,
    people_and_tokens_managed,
    places_and_stations_managed,
    sessions_and_audit_listed,
    station_configuration_reported,
    reservations_made_and_ended,
    charging_profiles_recorded,
    invoices_group_cdrs,
    roaming_partners_kept,
    hub_client_info_kept,
    secrets_sealed_at_rest,
    webhooks_deliver_and_log,
    meter_readings_kept_once_never_dropped,
    concurrent_writes_fail_alone,
    sessions_advance_by_their_sequence_numbers,
    writes_wait_for_a_held_transaction,
    events_are_written_with_their_changes,
    deliveries_leased_in_order_per_object,
    concurrent_leases_are_disjoint,
    pushes_go_to_the_partners_they_concern,
    dead_nodes_are_taken_out_once,
    a_station_moves_between_nodes,
    duties_are_held_by_one_node,
    station_changes_are_told,
    a_dead_node_with_many_stations,
    running_sessions_tell_their_progress,
);

/// A SQLite file opened again (migrations already applied) has everything it had.
#[tokio::test]
async fn sqlite_reopen_keeps_everything() {
    let case = SqliteCase::new().await;
    let t = tenant(&case.store, "T").await;
    let identity = unique("CP");
    let station = case
        .store
        .create_station(t, &NewStation::accepted(&identity))
        .await
        .expect("station");
    let (session, _) = case
        .store
        .start_session(t, &start_16(station.id, 1, time(10, 0, 0)))
        .await
        .expect("session");
    case.store.close().await;

    let store = SqliteStore::open(&case.path).await.expect("opens again");
    let found = store
        .station_by_identity(t, &identity)
        .await
        .expect("read")
        .expect("station kept");
    assert_eq!(found.tenant_id, t);
    let (again, created) = store
        .start_session(t, &start_16(station.id, 1, time(10, 0, 0)))
        .await
        .expect("start after restart");
    assert!(
        !created,
        "a start delivered again after a restart finds its session"
    );
    assert_eq!(again, session);
    store.close().await;
}

/// Partner tokens an earlier version kept in clear are hashed when the SQLite store opens
/// (SQLite has no SHA-256 for the migration to do it), and found by the token as before.
#[tokio::test]
async fn sqlite_partner_tokens_kept_in_clear_are_hashed_on_open() {
    use csms_core::model::{NewRoamingPartner, PartnerStatus, TokenHash};
    use csms_core::store::RoamingStore;
    use raw::RawSql;

    let case = SqliteCase::new().await;
    let t = tenant(&case.store, "T").await;
    let partner = case
        .store
        .create_partner(
            t,
            &NewRoamingPartner {
                name: "Partner".to_owned(),
                country_code: "DE".to_owned(),
                party_id: "OLD".to_owned(),
                role: TenantRole::Emsp,
                versions_url: "https://old.example.com/ocpi/versions".to_owned(),
                version: None,
                our_token_hash: None,
                their_token: None,
                endpoints: Vec::new(),
                status: PartnerStatus::Connected,
            },
        )
        .await
        .expect("partner");
    // As an earlier version left it: the token in clear, no hash.
    let token = unique("legacy-token");
    let legacy = format!("UPDATE roaming_partners SET our_token = '{token}' WHERE id = $1");
    assert_eq!(
        case.store
            .execute_raw(&legacy, partner.id.0)
            .await
            .expect("raw"),
        1
    );
    case.store.close().await;

    let store = SqliteStore::open(&case.path).await.expect("opens again");
    let found = store
        .partner_by_our_token(&token)
        .await
        .expect("read")
        .expect("found by its token");
    assert_eq!(found.id, partner.id);
    assert_eq!(found.our_token_hash, Some(TokenHash::of(&token)));
    let cleared = "UPDATE roaming_partners SET status = status \
                   WHERE id = $1 AND our_token IS NULL";
    assert_eq!(
        store.execute_raw(cleared, partner.id.0).await.expect("raw"),
        1,
        "the clear token is gone"
    );
    store.close().await;
}

/// PostgreSQL's migration hashes partner tokens kept in clear with `sha256()`: the same
/// digest, in the same form, as [`TokenHash::of`](csms_core::model::TokenHash::of).
#[tokio::test]
async fn postgres_migration_hashes_partner_tokens_as_the_store_does() {
    let Some((store, schema)) = postgres().await else {
        return;
    };
    for token in ["abc", "a token with spaces", "ünïcode-tøken"] {
        let hashed: String =
            sqlx::query_scalar("SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')")
                .bind(token)
                .fetch_one(store.pool())
                .await
                .expect("hash");
        assert_eq!(
            hashed,
            csms_core::model::TokenHash::of(token).as_str(),
            "{token}"
        );
    }
    drop_schema(store, &schema).await;
}

/// Without a secret key a store refuses to keep a webhook secret or a partner's token (rather
/// than keep it in clear); a secret an earlier version kept in clear is still read, and sealed when the
/// webhook is next replaced; a sealed secret does not open under another key.
#[tokio::test]
async fn sqlite_webhook_secrets_are_sealed_with_the_key_or_refused() {
    use csms_core::model::NewWebhook;
    use csms_core::store::{RoamingStore, WebhookStore};
    use raw::RawSql;

    let case = SqliteCase::new().await;
    let t = tenant(&case.store, "T").await;
    case.store.close().await;
    let hook = |secret: &str| NewWebhook {
        url: "https://example.com/hook".to_owned(),
        events: Vec::new(),
        secret: secret.to_owned(),
        active: true,
    };

    let keyless = SqliteStore::open(&case.path).await.expect("opens");
    assert!(matches!(
        keyless.create_webhook(t, &hook("whsec-new")).await,
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        keyless
            .create_partner(t, &billing::partner("ABC", None))
            .await,
        Err(StoreError::Invalid { .. })
    ));
    // As an earlier version left it: in clear.
    sqlx::query(
        "INSERT INTO webhooks (tenant_id, url, events, secret, active, created_at) \
         VALUES (?, 'https://example.com/old', '[]', 'whsec-old', 1, '2026-01-01T00:00:00Z')",
    )
    .bind(t.0)
    .execute(keyless.pool())
    .await
    .expect("legacy row");
    let old = keyless.webhooks(t).await.expect("list").remove(0);
    assert_eq!(old.secret, "whsec-old");
    keyless.close().await;

    let key = SecretKey::generate().expect("a key");
    let store = SqliteStore::open(&case.path)
        .await
        .expect("opens")
        .with_secret_key(key.clone());
    assert_eq!(
        store
            .webhook(t, old.id)
            .await
            .expect("read")
            .unwrap()
            .secret,
        "whsec-old"
    );
    let replaced = store
        .update_webhook(t, old.id, &hook("whsec-old"))
        .await
        .expect("update")
        .expect("webhook");
    assert_eq!(replaced.secret, "whsec-old");
    let sealed = "UPDATE webhooks SET active = active \
                  WHERE id = $1 AND secret LIKE 'sealed:v1:%' AND secret NOT LIKE '%whsec%'";
    assert_eq!(store.execute_raw(sealed, old.id.0).await.expect("raw"), 1);
    store.close().await;

    let wrong = SqliteStore::open(&case.path)
        .await
        .expect("opens")
        .with_secret_key(SecretKey::generate().expect("a key"));
    assert!(matches!(
        wrong.webhook(t, old.id).await,
        Err(StoreError::Corrupt { .. })
    ));
    wrong.close().await;
    let keyless = SqliteStore::open(&case.path).await.expect("opens");
    assert!(matches!(
        keyless.webhook(t, old.id).await,
        Err(StoreError::Corrupt { .. })
    ));
    keyless.close().await;
}
