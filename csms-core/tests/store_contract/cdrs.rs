//! CDRs: one per finished session, never changed.

use csms_core::model::{CdrFilter, NewCdr, NewStation, NewToken, NewUser, Role, TokenKind};
use csms_core::store::{Page, Store, StoreError};

use super::raw::RawSql;
use super::{dec, start_201, stop, tenant, time, unique};

fn new_cdr(session: csms_core::model::SessionId, total: &str) -> NewCdr {
    NewCdr {
        session_id: session,
        owner: None,
        energy_wh: dec("12500"),
        currency: "EUR".to_owned(),
        total_cost_excl_vat: dec(total),
        total_cost_incl_vat: Some(dec(total) * dec("1.21")),
        tariff_id: None,
        details: serde_json::json!({"lines": [{"dimension": "ENERGY", "volume": "12.5"}]}),
    }
}

/// A CDR is issued once per finished session (issuing again gives the first back), is paid
/// by the token's owner, and the database refuses to change or remove it.
pub(crate) async fn cdrs_issued_once_and_immutable<S: Store + RawSql>(store: &S) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let user = store
        .create_user(
            a,
            &NewUser {
                name: "Renter".to_owned(),
                email: None,
                roles: vec![Role::Renter],
            },
        )
        .await
        .expect("user");
    let mut token = NewToken::accepted("TAG-1", TokenKind::Rfid);
    token.owner = Some(user.id);
    store.create_token(a, &token).await.expect("token");
    let station = store
        .create_station(a, &NewStation::accepted(unique("CP")))
        .await
        .expect("station");
    let (session, _) = store
        .start_session(a, &start_201(station.id, "tx-1", time(10, 0, 0)))
        .await
        .expect("session");
    let (later, _) = store
        .start_session(a, &start_201(station.id, "tx-2", time(14, 0, 0)))
        .await
        .expect("session");

    assert!(matches!(
        store.issue_cdr(a, &new_cdr(session.id, "3.75")).await,
        Err(StoreError::Invalid { .. })
    ));
    store
        .stop_session(a, session.id, &stop(time(11, 0, 0), "13500"))
        .await
        .expect("stop")
        .expect("session");
    store
        .stop_session(a, later.id, &stop(time(15, 0, 0), "2000"))
        .await
        .expect("stop")
        .expect("session");

    let (cdr, created) = store
        .issue_cdr(a, &new_cdr(session.id, "3.75"))
        .await
        .expect("issue");
    assert!(created);
    assert_eq!(cdr.owner, Some(user.id));
    assert_eq!(cdr.station_id, station.id);
    assert_eq!(cdr.token_uid.as_deref(), Some("TAG-1"));
    assert_eq!(cdr.started_at, time(10, 0, 0));
    assert_eq!(cdr.stopped_at, time(11, 0, 0));
    assert_eq!(cdr.total_cost_excl_vat, dec("3.75"));
    assert_eq!(cdr.total_cost_incl_vat, Some(dec("4.5375")));
    assert_eq!(cdr.details, new_cdr(session.id, "3.75").details);
    let (again, created) = store
        .issue_cdr(a, &new_cdr(session.id, "9.99"))
        .await
        .expect("issue again");
    assert!(!created, "the same session gives the first CDR back");
    assert_eq!(again, cdr);
    assert_eq!(store.cdr(a, cdr.id).await.expect("read"), Some(cdr.clone()));
    assert_eq!(
        store.cdr_of_session(a, session.id).await.expect("read"),
        Some(cdr.clone())
    );
    let (second, _) = store
        .issue_cdr(a, &new_cdr(later.id, "0.30"))
        .await
        .expect("issue");

    let all = store
        .list_cdrs(a, &CdrFilter::default(), Page::default())
        .await
        .expect("list");
    assert_eq!(all.total, 2);
    assert_eq!(all.items, vec![cdr.clone(), second.clone()]);
    let afternoon = CdrFilter {
        owner: Some(user.id),
        from: Some(time(12, 0, 0)),
        to: Some(time(23, 0, 0)),
        ..CdrFilter::default()
    };
    let found = store
        .list_cdrs(a, &afternoon, Page::default())
        .await
        .expect("list");
    assert_eq!(found.items, vec![second.clone()]);
    let of_session = CdrFilter {
        session: Some(session.id),
        ..CdrFilter::default()
    };
    assert_eq!(
        store
            .list_cdrs(a, &of_session, Page::default())
            .await
            .expect("list")
            .items,
        vec![cdr.clone()]
    );
    let paged = store
        .list_cdrs(
            a,
            &CdrFilter::default(),
            Page {
                offset: 1,
                limit: 5,
            },
        )
        .await
        .expect("list");
    assert_eq!((paged.total, paged.items), (2, vec![second.clone()]));

    // The database itself refuses changes.
    // Refused by the database's triggers, not for any other reason.
    let update = store
        .execute_raw(
            "UPDATE cdrs SET total_cost_excl_vat = 0 WHERE id = $1",
            cdr.id.0,
        )
        .await;
    assert!(
        update
            .as_ref()
            .is_err_and(|error| error.to_string().contains("an issued CDR cannot be")),
        "an issued CDR cannot be updated: {update:?}"
    );
    let delete = store
        .execute_raw("DELETE FROM cdrs WHERE id = $1", cdr.id.0)
        .await;
    assert!(
        delete
            .as_ref()
            .is_err_and(|error| error.to_string().contains("an issued CDR cannot be")),
        "an issued CDR cannot be deleted: {delete:?}"
    );
    assert_eq!(store.cdr(a, cdr.id).await.expect("read"), Some(cdr.clone()));

    // Tenant B sees none of it and cannot issue for A's session.
    assert_eq!(store.cdr(b, cdr.id).await.expect("read"), None);
    assert_eq!(
        store.cdr_of_session(b, session.id).await.expect("read"),
        None
    );
    assert!(matches!(
        store.issue_cdr(b, &new_cdr(session.id, "1")).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        store
            .list_cdrs(b, &CdrFilter::default(), Page::default())
            .await
            .expect("list")
            .total,
        0
    );
}
