//! Tariffs: stored as OCPI objects, assigned to scopes, resolved most specific first.

use csms_core::model::{ConnectorStatus, Evse, NewStation, StationId, TariffScope, TenantId};
use csms_core::store::{Page, Store, StoreError};
use csms_core::tariff::simple;
use ocpi_types::common::CiString;
use ocpi_types::v221::tariffs::Tariff;

use super::{dec, tenant, unique};

fn named(id: &str, price: &str) -> Tariff {
    let mut tariff = simple::per_kwh("EUR", dec(price), None);
    tariff.id = CiString::new(id);
    tariff
}

async fn station_with_evses(
    store: &impl Store,
    t: TenantId,
    location: Option<csms_core::model::LocationId>,
) -> StationId {
    let mut new = NewStation::accepted(unique("CP"));
    new.location_id = location;
    let station = store.create_station(t, &new).await.expect("station");
    for evse_id in [1, 2] {
        let evse = Evse {
            tenant_id: t,
            station_id: station.id,
            evse_id,
            uid: None,
            status: ConnectorStatus::Available,
        };
        assert!(store.upsert_evse(t, &evse).await.expect("evse"));
    }
    station.id
}

async fn ocpi_id_for(
    store: &impl Store,
    t: TenantId,
    station: StationId,
    evse: Option<i32>,
    group: Option<&str>,
) -> Option<String> {
    store
        .tariff_for(t, station, evse, group)
        .await
        .expect("resolve")
        .map(|found| found.tariff.id.to_string())
}

/// Token group, then EVSE, then location, then the tenant's default; every scope holds one
/// tariff; assigned tariffs cannot be deleted; nothing crosses tenants.
pub(crate) async fn tariffs_assigned_and_resolved(store: &impl Store) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let location = store
        .create_location(a, &super::garage())
        .await
        .expect("location");
    let station = station_with_evses(store, a, Some(location.id)).await;
    let elsewhere = station_with_evses(store, a, None).await;

    let default = store
        .create_tariff(a, &named("DEFAULT", "0.30"))
        .await
        .expect("tariff");
    assert_eq!(default.tariff, named("DEFAULT", "0.30"));
    let at_location = store
        .create_tariff(a, &named("LOC", "0.35"))
        .await
        .expect("tariff");
    let at_evse = store
        .create_tariff(a, &named("EVSE", "0.40"))
        .await
        .expect("tariff");
    let for_group = store
        .create_tariff(a, &named("GROUP", "0.20"))
        .await
        .expect("tariff");
    assert!(matches!(
        store.create_tariff(a, &named("LOC", "0.99")).await,
        Err(StoreError::Conflict { .. })
    ));
    let mut empty = named("EMPTY", "0.10");
    empty.elements.clear();
    assert!(matches!(
        store.create_tariff(a, &empty).await,
        Err(StoreError::Invalid { .. })
    ));
    // Another tenant may use the same OCPI id.
    let theirs = store
        .create_tariff(b, &named("LOC", "0.50"))
        .await
        .expect("B's tariff");

    assert_eq!(ocpi_id_for(store, a, station, Some(1), None).await, None);
    let default_scope = TariffScope::TenantDefault;
    assert!(
        store
            .assign_tariff(a, &default_scope, default.id)
            .await
            .expect("assign")
    );
    assert_eq!(
        ocpi_id_for(store, a, station, Some(1), Some("G"))
            .await
            .as_deref(),
        Some("DEFAULT")
    );
    let location_scope = TariffScope::Location {
        location: location.id,
    };
    assert!(
        store
            .assign_tariff(a, &location_scope, at_location.id)
            .await
            .expect("assign")
    );
    let evse_scope = TariffScope::Evse {
        station,
        evse_id: 1,
    };
    assert!(
        store
            .assign_tariff(a, &evse_scope, at_evse.id)
            .await
            .expect("assign")
    );
    let group_scope = TariffScope::TokenGroup {
        group: "G".to_owned(),
    };
    assert!(
        store
            .assign_tariff(a, &group_scope, for_group.id)
            .await
            .expect("assign")
    );

    assert_eq!(
        ocpi_id_for(store, a, station, Some(1), Some("G"))
            .await
            .as_deref(),
        Some("GROUP")
    );
    assert_eq!(
        ocpi_id_for(store, a, station, Some(1), Some("H"))
            .await
            .as_deref(),
        Some("EVSE")
    );
    assert_eq!(
        ocpi_id_for(store, a, station, Some(1), None)
            .await
            .as_deref(),
        Some("EVSE")
    );
    assert_eq!(
        ocpi_id_for(store, a, station, Some(2), None)
            .await
            .as_deref(),
        Some("LOC")
    );
    assert_eq!(
        ocpi_id_for(store, a, station, None, None).await.as_deref(),
        Some("LOC")
    );
    assert_eq!(
        ocpi_id_for(store, a, elsewhere, Some(1), None)
            .await
            .as_deref(),
        Some("DEFAULT")
    );
    assert_eq!(
        ocpi_id_for(store, a, elsewhere, Some(1), Some("G"))
            .await
            .as_deref(),
        Some("GROUP")
    );

    // Assigning again replaces; unassigning falls back to the next scope.
    assert!(
        store
            .assign_tariff(a, &evse_scope, default.id)
            .await
            .expect("reassign")
    );
    assert_eq!(
        ocpi_id_for(store, a, station, Some(1), None)
            .await
            .as_deref(),
        Some("DEFAULT")
    );
    assert_eq!(store.tariff_assignments(a).await.expect("list").len(), 4);
    assert!(
        store
            .unassign_tariff(a, &evse_scope)
            .await
            .expect("unassign")
    );
    assert!(
        !store
            .unassign_tariff(a, &evse_scope)
            .await
            .expect("unassign again")
    );
    assert_eq!(
        ocpi_id_for(store, a, station, Some(1), None)
            .await
            .as_deref(),
        Some("LOC")
    );
    let missing_evse = TariffScope::Evse {
        station,
        evse_id: 9,
    };
    assert!(matches!(
        store.assign_tariff(a, &missing_evse, default.id).await,
        Err(StoreError::NotFound { .. })
    ));

    // Replacing keeps the id and the assignments.
    let replaced = store
        .replace_tariff(a, at_location.id, &named("LOC", "0.37"))
        .await
        .expect("replace")
        .expect("found");
    assert_eq!(replaced.id, at_location.id);
    assert_eq!(replaced.tariff, named("LOC", "0.37"));
    assert_eq!(
        store.tariff_by_ocpi_id(a, "LOC").await.expect("read"),
        Some(replaced.clone())
    );
    assert!(matches!(
        store
            .replace_tariff(a, at_location.id, &named("EVSE", "0.37"))
            .await,
        Err(StoreError::Conflict { .. })
    ));

    // Assigned tariffs stay; others go.
    assert!(matches!(
        store.delete_tariff(a, at_location.id).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(store.delete_tariff(a, at_evse.id).await.expect("delete"));
    assert!(
        !store
            .delete_tariff(a, at_evse.id)
            .await
            .expect("delete again")
    );
    assert_eq!(store.tariff(a, at_evse.id).await.expect("read"), None);

    let page = store
        .list_tariffs(
            a,
            Page {
                offset: 1,
                limit: 1,
            },
        )
        .await
        .expect("list");
    assert_eq!(page.total, 3);
    let ids: Vec<String> = page.items.iter().map(|t| t.tariff.id.to_string()).collect();
    assert_eq!(ids, vec!["GROUP".to_owned()]);

    // Tenant B sees and changes nothing of A's.
    assert_eq!(store.tariff(b, default.id).await.expect("read"), None);
    assert_eq!(
        store.tariff_by_ocpi_id(b, "DEFAULT").await.expect("read"),
        None
    );
    assert_eq!(
        ocpi_id_for(store, b, station, Some(1), Some("G")).await,
        None
    );
    assert!(
        !store
            .assign_tariff(b, &default_scope, default.id)
            .await
            .expect("assign")
    );
    assert!(matches!(
        store.assign_tariff(b, &location_scope, theirs.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        store
            .replace_tariff(b, default.id, &named("X", "1"))
            .await
            .expect("replace")
            .is_none()
    );
    assert!(!store.delete_tariff(b, for_group.id).await.expect("delete"));
    assert!(
        !store
            .unassign_tariff(b, &group_scope)
            .await
            .expect("unassign")
    );
    assert_eq!(
        store
            .list_tariffs(b, Page::default())
            .await
            .expect("list")
            .total,
        1
    );
    assert!(store.tariff_assignments(b).await.expect("list").is_empty());
    assert_eq!(
        ocpi_id_for(store, a, station, Some(1), Some("G"))
            .await
            .as_deref(),
        Some("GROUP")
    );
}
