//! What stations report of their configuration, reservations, and charging profiles sent.

use chrono::Duration;
use csms_core::model::{
    ChargingProfileCriteria, ConfigurationKey, NewReservation, NewStation, PartnerReservation,
    ReservationStatus, RoamingPartnerId, SentChargingProfile, StationId, TenantId, VariableKey,
    VariableValue,
};
use csms_core::store::{Store, StoreError};

use super::{start_201, tenant, time, unique};

async fn station(store: &impl Store, t: TenantId) -> StationId {
    store
        .create_station(t, &NewStation::accepted(unique("CP")))
        .await
        .expect("station")
        .id
}

fn key(name: &str, value: &str, readonly: bool, hour: u32) -> ConfigurationKey {
    ConfigurationKey {
        key: name.to_owned(),
        value: Some(value.to_owned()),
        readonly,
        reported_at: time(hour, 0, 0),
    }
}

fn variable(component: &str, evse: Option<i32>, value: &str, hour: u32) -> VariableValue {
    VariableValue {
        key: VariableKey {
            component: component.to_owned(),
            component_instance: None,
            evse_id: evse,
            connector_id: None,
            variable: "Enabled".to_owned(),
            variable_instance: None,
            attribute: "Actual".to_owned(),
        },
        value: Some(value.to_owned()),
        mutability: Some("ReadWrite".to_owned()),
        reported_at: time(hour, 0, 0),
    }
}

/// 1.6 keys and 2.0.1 variables are upserted per key, newest report wins, per tenant.
pub(crate) async fn station_configuration_reported(store: &impl Store) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let cp = station(store, a).await;
    let keys = [
        key("HeartbeatInterval", "300", false, 10),
        key("NumberOfConnectors", "2", true, 10),
    ];
    assert_eq!(
        store
            .upsert_configuration(a, cp, &keys)
            .await
            .expect("upsert"),
        2
    );
    let newer = key("HeartbeatInterval", "60", false, 11);
    let older = key("NumberOfConnectors", "9", true, 9);
    store
        .upsert_configuration(a, cp, &[newer.clone(), older])
        .await
        .expect("upsert");
    assert_eq!(
        store.configuration(a, cp).await.expect("read"),
        vec![newer, keys[1].clone()],
        "the newer report wins, the older is ignored"
    );
    assert!(matches!(
        store.upsert_configuration(b, cp, &keys).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(store.configuration(b, cp).await.expect("read").is_empty());

    let values = [
        variable("EVSE", Some(1), "true", 10),
        variable("EVSE", Some(2), "false", 10),
        variable("AuthCtrlr", None, "true", 10),
    ];
    assert_eq!(
        store
            .upsert_variables(a, cp, &values)
            .await
            .expect("upsert"),
        3
    );
    let mut changed = variable("EVSE", Some(2), "true", 12);
    changed.mutability = None;
    store
        .upsert_variables(a, cp, std::slice::from_ref(&changed))
        .await
        .expect("upsert");
    let stored = store.variables(a, cp).await.expect("read");
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[0], values[2]);
    assert_eq!(stored[1], values[0]);
    assert_eq!(stored[2].value.as_deref(), Some("true"));
    assert_eq!(
        stored[2].mutability.as_deref(),
        Some("ReadWrite"),
        "a report without mutability keeps the known one"
    );
    assert!(matches!(
        store.upsert_variables(b, cp, &values).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(store.variables(b, cp).await.expect("read").is_empty());
}

/// One active reservation per EVSE; cancelled, used or expired ones free it.
pub(crate) async fn reservations_made_and_ended(store: &impl Store) {
    partner_reservations(store).await;
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let cp = station(store, a).await;
    let later = chrono::Utc::now() + Duration::hours(1);
    let new = |evse: Option<i32>, expires_at| NewReservation {
        station_id: cp,
        evse_id: evse,
        token_uid: "TAG-R".to_owned(),
        group_id: Some("G".to_owned()),
        expires_at,
        partner: None,
    };
    let first = store
        .create_reservation(a, &new(Some(1), later))
        .await
        .expect("reserve");
    assert_eq!(first.status, ReservationStatus::Active);
    assert!(matches!(
        store.create_reservation(a, &new(Some(1), later)).await,
        Err(StoreError::Conflict { .. })
    ));
    let whole = store
        .create_reservation(a, &new(None, later))
        .await
        .expect("reserve the station");
    assert!(matches!(
        store.create_reservation(a, &new(None, later)).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store.create_reservation(b, &new(Some(2), later)).await,
        Err(StoreError::NotFound { .. })
    ));

    let cancelled = ReservationStatus::Cancelled;
    assert!(
        !store
            .end_reservation(b, first.id, cancelled)
            .await
            .expect("other tenant")
    );
    assert!(
        store
            .end_reservation(a, first.id, cancelled)
            .await
            .expect("cancel")
    );
    assert!(
        !store
            .end_reservation(a, first.id, cancelled)
            .await
            .expect("cancel again")
    );
    for not_an_end in [ReservationStatus::Active, ReservationStatus::Used] {
        assert!(matches!(
            store.end_reservation(a, whole.id, not_an_end).await,
            Err(StoreError::Invalid { .. })
        ));
    }
    let second = store
        .create_reservation(a, &new(Some(1), later))
        .await
        .expect("the EVSE is free again");

    let (session, _) = store
        .start_session(a, &start_201(cp, "tx-r", time(10, 0, 0)))
        .await
        .expect("session");
    assert!(
        !store
            .use_reservation(b, second.id, session.id)
            .await
            .expect("other tenant")
    );
    assert!(
        store
            .use_reservation(a, second.id, session.id)
            .await
            .expect("use")
    );
    let used = store
        .reservation(a, second.id)
        .await
        .expect("read")
        .expect("reservation");
    assert_eq!(
        (used.status, used.session_id),
        (ReservationStatus::Used, Some(session.id))
    );

    // Expiry: explicitly, and before a new reservation of the same EVSE.
    let past = chrono::Utc::now() - Duration::minutes(1);
    let stale = store
        .create_reservation(a, &new(Some(2), past))
        .await
        .expect("reserve");
    let fresh = store
        .create_reservation(a, &new(Some(2), later))
        .await
        .expect("a stale reservation expires first");
    assert_eq!(
        store
            .reservation(a, stale.id)
            .await
            .expect("read")
            .map(|r| r.status),
        Some(ReservationStatus::Expired)
    );
    assert_eq!(
        store.expire_reservations(b, later).await.expect("expire"),
        0
    );
    assert_eq!(
        store.expire_reservations(a, later).await.expect("expire"),
        2
    );
    assert_eq!(
        store
            .reservation(a, whole.id)
            .await
            .expect("read")
            .map(|r| r.status),
        Some(ReservationStatus::Expired)
    );
    assert_eq!(
        store
            .reservation(a, fresh.id)
            .await
            .expect("read")
            .map(|r| r.status),
        Some(ReservationStatus::Expired)
    );

    let all = store
        .reservations_of_station(a, cp, false)
        .await
        .expect("list");
    assert_eq!(all.len(), 5);
    assert_eq!(all[0].id, fresh.id, "newest first");
    assert!(
        store
            .reservations_of_station(a, cp, true)
            .await
            .expect("list")
            .is_empty()
    );
    assert!(
        store
            .reservations_of_station(b, cp, false)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(store.reservation(b, fresh.id).await.expect("read"), None);
    assert!(matches!(
        store.delete_station(a, cp).await,
        Err(StoreError::Conflict { .. })
    ));
}

fn profile(
    station: StationId,
    id: i32,
    evse: i32,
    level: i32,
    purpose: &str,
) -> SentChargingProfile {
    SentChargingProfile {
        station_id: station,
        evse_id: evse,
        profile_id: id,
        stack_level: level,
        purpose: purpose.to_owned(),
        profile: serde_json::json!({"id": id, "stackLevel": level, "chargingProfilePurpose": purpose,
            "chargingSchedule": [{"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}]}]}),
        sent_at: time(9, 0, 0),
    }
}

/// Profiles replace each other as on the station, are cleared by criteria, and go with
/// their station.
pub(crate) async fn charging_profiles_recorded(store: &impl Store) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let cp = station(store, a).await;
    for p in [
        profile(cp, 1, 0, 0, "TxDefaultProfile"),
        profile(cp, 2, 1, 1, "TxDefaultProfile"),
        profile(cp, 3, 1, 0, "ChargePointMaxProfile"),
    ] {
        assert!(store.record_charging_profile(a, &p).await.expect("record"));
    }
    assert!(
        !store
            .record_charging_profile(b, &profile(cp, 9, 0, 0, "TxDefaultProfile"))
            .await
            .expect("other tenant")
    );
    // Same EVSE, purpose and stack level: replaces profile 2.
    let replacing = profile(cp, 4, 1, 1, "TxDefaultProfile");
    assert!(
        store
            .record_charging_profile(a, &replacing)
            .await
            .expect("record")
    );
    let ids =
        |list: Vec<SentChargingProfile>| list.into_iter().map(|p| p.profile_id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.charging_profiles(a, cp).await.expect("read")),
        [1, 3, 4]
    );
    assert_eq!(
        store.charging_profiles(a, cp).await.expect("read")[2],
        replacing
    );
    assert!(
        store
            .charging_profiles(b, cp)
            .await
            .expect("read")
            .is_empty()
    );

    let tx_default = ChargingProfileCriteria {
        purpose: Some("TxDefaultProfile".to_owned()),
        ..ChargingProfileCriteria::default()
    };
    assert_eq!(
        store
            .clear_charging_profiles(b, cp, &tx_default)
            .await
            .expect("clear"),
        0
    );
    assert_eq!(
        store
            .clear_charging_profiles(a, cp, &tx_default)
            .await
            .expect("clear"),
        2
    );
    assert_eq!(
        ids(store.charging_profiles(a, cp).await.expect("read")),
        [3]
    );

    // A station without history goes with its configuration and profiles.
    store
        .upsert_configuration(a, cp, &[key("HeartbeatInterval", "300", false, 10)])
        .await
        .expect("upsert");
    store
        .upsert_variables(a, cp, &[variable("EVSE", Some(1), "true", 10)])
        .await
        .expect("upsert");
    assert!(store.delete_station(a, cp).await.expect("delete"));
    assert!(
        store
            .charging_profiles(a, cp)
            .await
            .expect("read")
            .is_empty()
    );
    assert!(store.configuration(a, cp).await.expect("read").is_empty());
    assert!(store.variables(a, cp).await.expect("read").is_empty());
}

/// A partner's reservation is found by the partner's own id, without case, while active;
/// one active reservation per partner id; a replacement changes what it holds.
async fn partner_reservations(store: &impl Store) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let cp = station(store, a).await;
    let partner = RoamingPartnerId(7);
    // Whole seconds: stored times keep microseconds.
    let later = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now() + Duration::hours(1), 0);
    let new = |evse: Option<i32>, id: &str| NewReservation {
        station_id: cp,
        evse_id: evse,
        token_uid: "TAG-P".to_owned(),
        group_id: None,
        expires_at: later,
        partner: Some(PartnerReservation::new(partner, id)),
    };
    let made = store
        .create_reservation(a, &new(Some(1), "Res-1"))
        .await
        .expect("reserve");
    let key = PartnerReservation::new(partner, "RES-1");
    assert_eq!(made.partner.as_ref(), Some(&key));
    assert_eq!(
        store.partner_reservation(a, &key).await.expect("find"),
        Some(made.clone())
    );
    assert_eq!(
        store.partner_reservation(b, &key).await.expect("find"),
        None
    );
    let other_partner = PartnerReservation::new(RoamingPartnerId(8), "RES-1");
    assert_eq!(
        store
            .partner_reservation(a, &other_partner)
            .await
            .expect("find"),
        None
    );
    assert!(matches!(
        store.create_reservation(a, &new(Some(2), "res-1")).await,
        Err(StoreError::Conflict { .. })
    ));

    // A replacement: another EVSE, another expiry; not onto a reserved EVSE.
    let mut replacement = new(Some(2), "res-1");
    replacement.expires_at = later + Duration::hours(1);
    replacement.token_uid = "TAG-Q".to_owned();
    assert!(
        store
            .change_reservation(a, made.id, &replacement)
            .await
            .expect("replace")
    );
    let changed = store
        .reservation(a, made.id)
        .await
        .expect("read")
        .expect("reservation");
    assert_eq!(
        (
            changed.evse_id,
            changed.token_uid.as_str(),
            changed.expires_at
        ),
        (Some(2), "TAG-Q", replacement.expires_at)
    );
    store
        .create_reservation(a, &new(Some(3), "res-2"))
        .await
        .expect("reserve");
    let mut onto_blocker = replacement.clone();
    onto_blocker.evse_id = Some(3);
    assert!(matches!(
        store.change_reservation(a, made.id, &onto_blocker).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(
        !store
            .change_reservation(b, made.id, &replacement)
            .await
            .expect("other tenant")
    );

    // Refused, it is no longer found, and its partner id is free again.
    assert!(
        store
            .end_reservation(a, made.id, ReservationStatus::Refused)
            .await
            .expect("refuse")
    );
    assert_eq!(
        store.partner_reservation(a, &key).await.expect("find"),
        None
    );
    assert!(
        !store
            .change_reservation(a, made.id, &replacement)
            .await
            .expect("an ended reservation is not replaced")
    );
    store
        .create_reservation(a, &new(Some(1), "RES-1"))
        .await
        .expect("the partner id is free again");
}
