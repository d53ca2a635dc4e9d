//! What an admin API needs: lists with filters and pages, updates, deletes that refuse to
//! drop history.

use csms_core::model::{
    Connector, ConnectorStatus, Evse, NewAuditEntry, NewStation, NewToken, NewUser, NewVehicle,
    RegistrationStatus, Role, SessionFilter, SessionStatus, StationFilter, TenantId, TokenFilter,
    TokenKind, TokenStatus, UserId, UserUpdate,
};
use csms_core::store::{Page, Store, StoreError};
use ocpi_types::v221::locations::{ConnectorFormat, ConnectorType, PowerType};

use super::{audit, dec, garage, start_16, start_201, stop, tenant, time, unique};

async fn user(store: &impl Store, t: TenantId, name: &str, email: Option<&str>) -> UserId {
    store
        .create_user(
            t,
            &NewUser {
                name: name.to_owned(),
                email: email.map(str::to_owned),
                roles: vec![Role::Driver],
            },
        )
        .await
        .expect("user")
        .id
}

/// Users, tokens and vehicles: listed by page with filters, changed, deleted unless
/// something points at them; never across tenants.
pub(crate) async fn people_and_tokens_managed(store: &impl Store) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let carla = user(store, a, "Carla", Some("carla@example.com")).await;
    let bob = user(store, a, "Bob", None).await;
    let ann = user(store, a, "Ann", Some("ann@example.com")).await;
    user(store, b, "Zed", None).await;

    let page = store.list_users(a, Page::first(2)).await.expect("list");
    assert_eq!(page.total, 3);
    let names: Vec<&str> = page.items.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["Ann", "Bob"]);
    let rest = store
        .list_users(
            a,
            Page {
                offset: 2,
                limit: 2,
            },
        )
        .await
        .expect("list");
    assert_eq!(rest.items.iter().map(|u| u.id).collect::<Vec<_>>(), [carla]);
    let capped = store
        .list_users(
            a,
            Page {
                offset: 0,
                limit: u32::MAX,
            },
        )
        .await
        .expect("list");
    assert_eq!(capped.items.len(), 3, "a huge limit is capped, not refused");

    let update = UserUpdate {
        name: "Bobby".to_owned(),
        email: Some("bob@example.com".to_owned()),
        roles: vec![Role::Renter, Role::Driver],
        disabled: true,
    };
    let changed = store
        .update_user(a, bob, &update)
        .await
        .expect("update")
        .expect("user");
    assert_eq!(
        (changed.name.as_str(), changed.disabled, changed.roles.len()),
        ("Bobby", true, 2)
    );
    assert_eq!(store.user(a, bob).await.expect("read"), Some(changed));
    let taken = UserUpdate {
        email: Some("ann@example.com".to_owned()),
        ..update.clone()
    };
    assert!(matches!(
        store.update_user(a, bob, &taken).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.update_user(b, bob, &update).await.expect("update"),
        None
    );

    // Tokens: filters by owner, status and uid prefix.
    for (uid, owner, status) in [
        ("04AA01", Some(bob), TokenStatus::Accepted),
        ("04AA02", Some(bob), TokenStatus::Blocked),
        ("04BB01", Some(ann), TokenStatus::Accepted),
        ("APP-1", None, TokenStatus::Accepted),
    ] {
        let mut new = NewToken::accepted(uid, TokenKind::Rfid);
        new.owner = owner;
        new.status = status;
        store.create_token(a, &new).await.expect("token");
    }
    store
        .create_token(b, &NewToken::accepted("04AA03", TokenKind::Rfid))
        .await
        .expect("B's token");
    let uids = |page: csms_core::store::Paged<csms_core::model::Token>| {
        (
            page.total,
            page.items.into_iter().map(|t| t.uid).collect::<Vec<_>>(),
        )
    };
    let all = store
        .list_tokens(a, &TokenFilter::default(), Page::default())
        .await
        .expect("list");
    assert_eq!(uids(all).0, 4);
    let prefix = TokenFilter {
        uid_prefix: Some("04AA".to_owned()),
        ..TokenFilter::default()
    };
    assert_eq!(
        uids(
            store
                .list_tokens(a, &prefix, Page::default())
                .await
                .expect("list")
        ),
        (2, vec!["04AA01".to_owned(), "04AA02".to_owned()])
    );
    let lower = TokenFilter {
        uid_prefix: Some("04aa".to_owned()),
        ..TokenFilter::default()
    };
    assert_eq!(
        uids(
            store
                .list_tokens(a, &lower, Page::default())
                .await
                .expect("list")
        )
        .0,
        0
    );
    let bobs_accepted = TokenFilter {
        owner: Some(bob),
        status: Some(TokenStatus::Accepted),
        ..TokenFilter::default()
    };
    assert_eq!(
        uids(
            store
                .list_tokens(a, &bobs_accepted, Page::default())
                .await
                .expect("list")
        ),
        (1, vec!["04AA01".to_owned()])
    );
    assert_eq!(
        uids(
            store
                .list_tokens(b, &prefix, Page::default())
                .await
                .expect("list")
        )
        .0,
        1
    );

    let token = store
        .token_by_uid(a, "04BB01")
        .await
        .expect("read")
        .expect("token");
    let vehicle = store
        .create_vehicle(
            a,
            &NewVehicle {
                vin: Some("VIN1".to_owned()),
                make: "Kia".to_owned(),
                model: "EV6".to_owned(),
                battery_capacity_kwh: Some(dec("77.4")),
                owner: Some(ann),
            },
        )
        .await
        .expect("vehicle");
    let mut new = NewToken::accepted("04BB01-X", TokenKind::Autocharge);
    new.owner = Some(ann);
    new.vehicle_id = Some(vehicle.id);
    new.group_id = Some("FLEET".to_owned());
    let updated = store
        .update_token(a, token.id, &new)
        .await
        .expect("update")
        .expect("token");
    assert_eq!(
        (
            updated.uid.as_str(),
            updated.kind,
            updated.vehicle_id,
            updated.group_id.as_deref()
        ),
        (
            "04BB01-X",
            TokenKind::Autocharge,
            Some(vehicle.id),
            Some("FLEET")
        )
    );
    assert_eq!(updated.usage, token.usage);
    new.uid = "04AA01".to_owned();
    assert!(matches!(
        store.update_token(a, token.id, &new).await,
        Err(StoreError::Conflict { .. })
    ));
    new.uid = "04BB01-X".to_owned();
    assert_eq!(
        store.update_token(b, token.id, &new).await.expect("update"),
        None
    );

    // Vehicles.
    let page = store.list_vehicles(a, Page::default()).await.expect("list");
    assert_eq!((page.total, page.items), (1, vec![vehicle.clone()]));
    assert_eq!(
        store
            .list_vehicles(b, Page::default())
            .await
            .expect("list")
            .total,
        0
    );
    let changed = store
        .update_vehicle(
            a,
            vehicle.id,
            &NewVehicle {
                vin: None,
                make: "Kia".to_owned(),
                model: "EV9".to_owned(),
                battery_capacity_kwh: None,
                owner: Some(bob),
            },
        )
        .await
        .expect("update")
        .expect("vehicle");
    assert_eq!((changed.model.as_str(), changed.owner), ("EV9", Some(bob)));
    assert!(
        store
            .update_vehicle(
                b,
                vehicle.id,
                &NewVehicle {
                    vin: None,
                    make: "X".to_owned(),
                    model: "Y".to_owned(),
                    battery_capacity_kwh: None,
                    owner: None,
                }
            )
            .await
            .expect("update")
            .is_none()
    );

    // Deletes refuse while something points at the row, never cross tenants.
    assert!(matches!(
        store.delete_vehicle(a, vehicle.id).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store.delete_user(a, ann).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(!store.delete_token(b, token.id).await.expect("delete"));
    assert!(store.delete_token(a, token.id).await.expect("delete"));
    assert!(!store.delete_token(a, token.id).await.expect("delete again"));
    assert!(!store.delete_vehicle(b, vehicle.id).await.expect("delete"));
    assert!(store.delete_vehicle(a, vehicle.id).await.expect("delete"));
    assert!(!store.delete_user(b, ann).await.expect("delete"));
    assert!(store.delete_user(a, ann).await.expect("delete"));
    assert_eq!(store.user(a, ann).await.expect("read"), None);

    // A renter of a parking spot stays until the spot is freed.
    let location = store.create_location(a, &garage()).await.expect("location");
    assert!(
        store
            .set_spot_renter(a, location.id, "B-17", Some(carla))
            .await
            .expect("rent")
    );
    assert!(matches!(
        store.delete_user(a, carla).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(
        store
            .set_spot_renter(a, location.id, "B-17", None)
            .await
            .expect("free")
    );
    assert!(store.delete_user(a, carla).await.expect("delete"));

    // A token with sessions stays (block it instead).
    let station = store
        .create_station(a, &NewStation::accepted(unique("CP")))
        .await
        .expect("station");
    let used = store
        .token_by_uid(a, "APP-1")
        .await
        .expect("read")
        .expect("token");
    let mut start = start_201(station.id, "tx-token", time(10, 0, 0));
    start.token_id = Some(used.id);
    store.start_session(a, &start).await.expect("session");
    assert!(matches!(
        store.delete_token(a, used.id).await,
        Err(StoreError::Conflict { .. })
    ));
}

fn connector(t: TenantId, station: csms_core::model::StationId, evse: i32) -> Connector {
    Connector {
        tenant_id: t,
        station_id: station,
        evse_id: evse,
        connector_id: 1,
        standard: Some(ConnectorType::Iec62196T2),
        format: Some(ConnectorFormat::Socket),
        power_type: Some(PowerType::Ac3Phase),
        max_voltage: Some(400),
        max_amperage: Some(32),
        max_power_w: Some(22_000),
        status: ConnectorStatus::Available,
        error_code: None,
        vendor_error_code: None,
        status_at: None,
    }
}

/// Locations and stations: listed with their parts, changed, deleted unless history points
/// at them.
pub(crate) async fn places_and_stations_managed(store: &impl Store) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let renter = user(store, a, "Renter", None).await;
    let stranger = user(store, b, "Stranger", None).await;
    let garage_location = store.create_location(a, &garage()).await.expect("location");
    let mut second = garage();
    second.name = "Depot".to_owned();
    let depot = store.create_location(a, &second).await.expect("location");
    store
        .create_location(b, &garage())
        .await
        .expect("B's location");

    let page = store
        .list_locations(a, Page::default())
        .await
        .expect("list");
    assert_eq!(page.total, 2);
    assert_eq!(page.items[0].name, "Depot");

    // Spots and renters.
    assert!(
        store
            .set_spot_renter(a, depot.id, "B-17", Some(renter))
            .await
            .expect("rent")
    );
    assert!(
        !store
            .set_spot_renter(a, depot.id, "Z-99", Some(renter))
            .await
            .expect("no spot")
    );
    assert!(
        !store
            .set_spot_renter(b, depot.id, "B-17", None)
            .await
            .expect("other tenant")
    );
    assert!(matches!(
        store
            .set_spot_renter(a, depot.id, "B-17", Some(stranger))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let mut foreign = garage();
    foreign.parking_spots[0].renter = Some(stranger);
    assert!(matches!(
        store.create_location(a, &foreign).await,
        Err(StoreError::NotFound { .. })
    ));
    let rented = store
        .location(a, depot.id)
        .await
        .expect("read")
        .expect("location");
    assert_eq!(rented.parking_spots[0].renter, Some(renter));
    let mut changed = second.clone();
    changed.name = "Depot North".to_owned();
    changed.parking_spots.push(csms_core::model::ParkingSpot {
        label: "B-18".to_owned(),
        floor: None,
        renter: Some(renter),
    });
    let updated = store
        .update_location(a, depot.id, &changed)
        .await
        .expect("update")
        .expect("location");
    assert_eq!(
        (updated.name.as_str(), updated.parking_spots.len()),
        ("Depot North", 2)
    );
    let mut twice = changed.clone();
    twice.parking_spots.push(changed.parking_spots[0].clone());
    assert!(matches!(
        store.update_location(a, depot.id, &twice).await,
        Err(StoreError::Invalid { .. })
    ));
    assert_eq!(
        store
            .update_location(b, depot.id, &changed)
            .await
            .expect("update"),
        None
    );

    // Stations with their EVSEs and connectors.
    let prefix = unique("CP");
    let mut stations = Vec::new();
    for (n, location) in [
        (1, Some(garage_location.id)),
        (2, Some(garage_location.id)),
        (3, None),
    ] {
        let mut new = NewStation::accepted(format!("{prefix}-{n}"));
        new.location_id = location;
        let station = store.create_station(a, &new).await.expect("station");
        for evse_id in 1..=2 {
            let evse = Evse {
                tenant_id: a,
                station_id: station.id,
                evse_id,
                uid: None,
                status: ConnectorStatus::Available,
            };
            assert!(store.upsert_evse(a, &evse).await.expect("evse"));
            assert!(
                store
                    .upsert_connector(a, &connector(a, station.id, evse_id))
                    .await
                    .expect("connector")
            );
        }
        stations.push(station);
    }
    store
        .create_station(b, &NewStation::accepted(format!("{prefix}-b")))
        .await
        .expect("B's station");
    let at_garage = StationFilter {
        location: Some(garage_location.id),
        ..StationFilter::default()
    };
    let page = store
        .list_stations(a, &at_garage, Page::first(1))
        .await
        .expect("list");
    assert_eq!(page.total, 2);
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].station, stations[0]);
    assert_eq!(page.items[0].evses.len(), 2);
    assert_eq!(page.items[0].connectors.len(), 2);
    assert!(
        page.items[0]
            .connectors
            .iter()
            .all(|c| c.station_id == stations[0].id)
    );
    let by_prefix = StationFilter {
        identity_prefix: Some(prefix.clone()),
        ..StationFilter::default()
    };
    let all = store
        .list_stations(a, &by_prefix, Page::default())
        .await
        .expect("list");
    assert_eq!(all.total, 3);
    assert_eq!(all.items[2].evses.len(), 2);
    assert_eq!(
        store
            .list_stations(b, &by_prefix, Page::default())
            .await
            .expect("list")
            .total,
        1
    );
    let pending = StationFilter {
        registration: Some(RegistrationStatus::Pending),
        online: Some(false),
        ..StationFilter::default()
    };
    assert_eq!(
        store
            .list_stations(a, &pending, Page::default())
            .await
            .expect("list")
            .total,
        0
    );

    let mut update = NewStation::accepted(format!("{prefix}-3-renamed"));
    update.location_id = Some(depot.id);
    update.group = Some("level -2".to_owned());
    update.security_profile = 2;
    update.registration = RegistrationStatus::Pending;
    let renamed = store
        .update_station(a, stations[2].id, &update)
        .await
        .expect("update")
        .expect("station");
    assert_eq!(
        (
            renamed.identity.as_str(),
            renamed.location_id,
            renamed.security_profile
        ),
        (update.identity.as_str(), Some(depot.id), 2)
    );
    assert_eq!(
        store
            .station_by_identity(a, &update.identity)
            .await
            .expect("read"),
        Some(renamed.clone())
    );
    assert_eq!(
        store
            .list_stations(a, &pending, Page::default())
            .await
            .expect("list")
            .total,
        1
    );
    let mut clash = update.clone();
    clash.identity = format!("{prefix}-1");
    assert!(matches!(
        store.update_station(a, stations[2].id, &clash).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store
            .update_station(b, stations[2].id, &update)
            .await
            .expect("update"),
        None
    );

    // A location with stations stays; a station with sessions stays; one without goes with
    // its parts.
    assert!(matches!(
        store.delete_location(a, depot.id).await,
        Err(StoreError::Conflict { .. })
    ));
    store
        .start_session(a, &start_16(stations[0].id, 1, time(9, 0, 0)))
        .await
        .expect("session");
    assert!(matches!(
        store.delete_station(a, stations[0].id).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.evses(a, stations[0].id).await.expect("read").len(),
        2,
        "nothing deleted"
    );
    assert!(
        !store
            .delete_station(b, stations[2].id)
            .await
            .expect("other tenant")
    );
    assert!(
        store
            .delete_station(a, stations[2].id)
            .await
            .expect("delete")
    );
    assert_eq!(
        store.station_by_id(a, stations[2].id).await.expect("read"),
        None
    );
    assert!(
        store
            .evses(a, stations[2].id)
            .await
            .expect("read")
            .is_empty()
    );
    assert!(
        !store
            .delete_location(b, depot.id)
            .await
            .expect("other tenant")
    );
    assert!(store.delete_location(a, depot.id).await.expect("delete"));
}

/// Sessions by station, status, token, owner and period; the audit log by page.
pub(crate) async fn sessions_and_audit_listed(store: &impl Store) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let owner = user(store, a, "Owner", None).await;
    let mut token = NewToken::accepted("TAG-O", TokenKind::Rfid);
    token.owner = Some(owner);
    store.create_token(a, &token).await.expect("token");
    let one = store
        .create_station(a, &NewStation::accepted(unique("CP")))
        .await
        .expect("station");
    let two = store
        .create_station(a, &NewStation::accepted(unique("CP")))
        .await
        .expect("station");
    let (first, _) = store
        .start_session(a, &start_201(one.id, "tx-1", time(8, 0, 0)))
        .await
        .expect("session");
    store
        .stop_session(a, first.id, &stop(time(9, 0, 0), "2000"))
        .await
        .expect("stop");
    let mut owned = start_201(one.id, "tx-2", time(10, 0, 0));
    owned.token_uid = Some("TAG-O".to_owned());
    let (second, _) = store.start_session(a, &owned).await.expect("session");
    let (third, _) = store
        .start_session(a, &start_201(two.id, "tx-3", time(12, 0, 0)))
        .await
        .expect("session");

    let ids = |page: csms_core::store::Paged<csms_core::model::ChargingSession>| {
        (
            page.total,
            page.items.into_iter().map(|s| s.id).collect::<Vec<_>>(),
        )
    };
    let all = store
        .list_sessions(a, &SessionFilter::default(), Page::default())
        .await
        .expect("list");
    assert_eq!(
        ids(all),
        (3, vec![third.id, second.id, first.id]),
        "newest first"
    );
    let at_one = SessionFilter {
        station: Some(one.id),
        ..SessionFilter::default()
    };
    assert_eq!(
        ids(store
            .list_sessions(a, &at_one, Page::first(1))
            .await
            .expect("list")),
        (2, vec![second.id])
    );
    let completed = SessionFilter {
        status: Some(SessionStatus::Completed),
        ..SessionFilter::default()
    };
    assert_eq!(
        ids(store
            .list_sessions(a, &completed, Page::default())
            .await
            .expect("list")),
        (1, vec![first.id])
    );
    let of_owner = SessionFilter {
        owner: Some(owner),
        ..SessionFilter::default()
    };
    assert_eq!(
        ids(store
            .list_sessions(a, &of_owner, Page::default())
            .await
            .expect("list")),
        (1, vec![second.id])
    );
    let by_token = SessionFilter {
        token_uid: Some("TAG-1".to_owned()),
        from: Some(time(9, 0, 0)),
        to: Some(time(13, 0, 0)),
        ..SessionFilter::default()
    };
    assert_eq!(
        ids(store
            .list_sessions(a, &by_token, Page::default())
            .await
            .expect("list")),
        (1, vec![third.id])
    );
    assert_eq!(
        ids(store
            .list_sessions(b, &SessionFilter::default(), Page::default())
            .await
            .expect("list"))
        .0,
        0
    );

    for action in ["one", "two", "three"] {
        store.append_audit(a, &audit(action)).await.expect("audit");
    }
    let entry: NewAuditEntry = audit("theirs");
    store.append_audit(b, &entry).await.expect("audit");
    let page = store
        .list_audit(
            a,
            Page {
                offset: 1,
                limit: 5,
            },
        )
        .await
        .expect("list");
    assert_eq!(page.total, 3);
    let actions: Vec<&str> = page.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["two", "one"]);
}
