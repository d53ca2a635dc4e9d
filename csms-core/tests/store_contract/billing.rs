//! Invoices, roaming partners, webhooks and their delivery log.

use chrono::Duration;
use csms_core::model::{
    AttemptOutcome, DeliveryStatus, NewCdr, NewDelivery, NewInvoice, NewRoamingPartner, NewStation,
    NewToken, NewUser, NewWebhook, PartnerEndpoint, PartnerStatus, Role, SessionId, TenantId,
    TenantRole, TokenHash, TokenKind, UserId,
};
use csms_core::store::{Page, Store, StoreError};

use super::raw::RawSql;
use super::{dec, start_201, stop, tenant, time, unique};

async fn renter(store: &impl Store, t: TenantId, uid: &str) -> UserId {
    let user = store
        .create_user(
            t,
            &NewUser {
                name: uid.to_owned(),
                email: None,
                roles: vec![Role::Renter],
            },
        )
        .await
        .expect("user");
    let mut token = NewToken::accepted(uid, TokenKind::Rfid);
    token.owner = Some(user.id);
    store.create_token(t, &token).await.expect("token");
    user.id
}

/// A finished session of `uid` started at `hour`, with its CDR at `price` (currency, total
/// excluding and including VAT).
async fn charged(
    store: &impl Store,
    t: TenantId,
    station: csms_core::model::StationId,
    (uid, hour): (&str, u32),
    (currency, total, incl): (&str, &str, Option<&str>),
) -> SessionId {
    let mut start = start_201(station, &format!("tx-{uid}-{hour}"), time(hour, 0, 0));
    start.token_uid = Some(uid.to_owned());
    let (session, _) = store.start_session(t, &start).await.expect("session");
    store
        .stop_session(t, session.id, &stop(time(hour, 30, 0), "3000"))
        .await
        .expect("stop");
    store
        .issue_cdr(
            t,
            &NewCdr {
                session_id: session.id,
                owner: None,
                energy_wh: dec("2000"),
                currency: currency.to_owned(),
                total_cost_excl_vat: dec(total),
                total_cost_incl_vat: incl.map(dec),
                tariff_id: None,
                details: serde_json::json!({}),
            },
        )
        .await
        .expect("CDR");
    session.id
}

/// An invoice groups the owner's uninvoiced CDRs of the period in its currency, totals
/// them, and never changes; a CDR lands on one invoice only.
pub(crate) async fn invoices_group_cdrs<S: Store + RawSql>(store: &S) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let x = renter(store, a, "X").await;
    let y = renter(store, a, "Y").await;
    let station = store
        .create_station(a, &NewStation::accepted(unique("CP")))
        .await
        .expect("station")
        .id;
    charged(store, a, station, ("X", 8), ("EUR", "1.00", Some("1.21"))).await;
    charged(store, a, station, ("X", 10), ("EUR", "2.50", None)).await;
    charged(store, a, station, ("X", 12), ("CHF", "9.00", Some("9.70"))).await;
    charged(store, a, station, ("Y", 9), ("EUR", "4.00", Some("4.84"))).await;
    charged(store, a, station, ("X", 20), ("EUR", "0.50", Some("0.61"))).await;

    let march = NewInvoice {
        owner: x,
        period_start: time(0, 0, 0),
        period_end: time(18, 0, 0),
        currency: "EUR".to_owned(),
    };
    let invoice = store
        .create_invoice(a, &march)
        .await
        .expect("invoice")
        .expect("CDRs to invoice");
    assert_eq!(invoice.cdrs.len(), 2);
    assert_eq!(invoice.energy_wh, dec("4000"));
    assert_eq!(invoice.total_excl_vat, dec("3.50"));
    assert_eq!(invoice.total_incl_vat, None, "one CDR states no VAT");
    assert_eq!(
        store.invoice(a, invoice.id).await.expect("read"),
        Some(invoice.clone())
    );
    assert_eq!(
        store.create_invoice(a, &march).await.expect("again"),
        None,
        "invoiced CDRs are not invoiced again"
    );
    let whole_day = NewInvoice {
        period_end: time(23, 59, 0),
        ..march.clone()
    };
    let evening = store
        .create_invoice(a, &whole_day)
        .await
        .expect("invoice")
        .expect("the evening CDR");
    assert_eq!(evening.cdrs.len(), 1);
    assert_eq!(evening.total_incl_vat, Some(dec("0.61")));
    let empty = NewInvoice {
        period_end: march.period_start,
        ..march.clone()
    };
    assert!(matches!(
        store.create_invoice(a, &empty).await,
        Err(StoreError::Invalid { .. })
    ));

    let of_x = store
        .list_invoices(a, Some(x), Page::default())
        .await
        .expect("list");
    assert_eq!(of_x.total, 2);
    assert_eq!(of_x.items.len(), 2);
    assert!(of_x.items.contains(&invoice));
    assert_eq!(
        store
            .list_invoices(a, Some(y), Page::default())
            .await
            .expect("list")
            .total,
        0
    );
    assert_eq!(
        store
            .list_invoices(a, None, Page::first(1))
            .await
            .expect("list")
            .items
            .len(),
        1
    );

    assert!(
        store
            .execute_raw(
                "UPDATE invoices SET total_excl_vat = 0 WHERE id = $1",
                invoice.id.0
            )
            .await
            .is_err(),
        "an issued invoice cannot be updated"
    );
    assert!(
        store
            .execute_raw(
                "DELETE FROM invoice_lines WHERE invoice_id = $1",
                invoice.id.0
            )
            .await
            .is_err(),
        "an issued invoice keeps its CDRs"
    );

    // Tenant B sees none of it and cannot invoice A's user.
    assert_eq!(store.invoice(b, invoice.id).await.expect("read"), None);
    assert_eq!(
        store
            .list_invoices(b, None, Page::default())
            .await
            .expect("list")
            .total,
        0
    );
    assert!(matches!(
        store.create_invoice(b, &march).await,
        Err(StoreError::NotFound { .. })
    ));
}

pub(crate) fn partner(party: &str, token: Option<&str>) -> NewRoamingPartner {
    NewRoamingPartner {
        name: "Partner".to_owned(),
        country_code: "DE".to_owned(),
        party_id: party.to_owned(),
        role: TenantRole::Emsp,
        versions_url: format!("https://{party}.example.com/ocpi/versions"),
        version: Some("2.2.1".to_owned()),
        our_token_hash: token.map(TokenHash::of),
        their_token: Some("their-secret".to_owned()),
        endpoints: vec![PartnerEndpoint {
            module: "tokens".to_owned(),
            role: "SENDER".to_owned(),
            url: "https://example.com/ocpi/2.2.1/tokens".to_owned(),
        }],
        status: PartnerStatus::Pending,
    }
}

/// Partners are unique per party and role, found by the token they present across
/// tenants, and otherwise kept per tenant.
pub(crate) async fn roaming_partners_kept<S: Store + RawSql>(store: &S) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let token = unique("token");
    let first = store
        .create_partner(a, &partner("ABC", Some(&token)))
        .await
        .expect("partner");
    assert_eq!(first.endpoints, partner("ABC", None).endpoints);
    assert!(matches!(
        store.create_partner(a, &partner("ABC", None)).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store.create_partner(b, &partner("XYZ", Some(&token))).await,
        Err(StoreError::Conflict { .. })
    ));
    let theirs = store
        .create_partner(b, &partner("ABC", None))
        .await
        .expect("B's partner");
    assert_eq!(
        store
            .partner_by_our_token(&token)
            .await
            .expect("read")
            .map(|p| p.tenant_id),
        Some(a)
    );
    assert_eq!(
        store.partner_by_our_token("nobody").await.expect("read"),
        None
    );
    // What is stored is the token's SHA-256, not the token.
    assert_eq!(first.our_token_hash, Some(TokenHash::of(&token)));
    let stored = |value: String| {
        format!(
            "UPDATE roaming_partners SET status = status WHERE id = $1 AND our_token_hash = '{value}'"
        )
    };
    assert_eq!(
        store
            .execute_raw(
                &stored(TokenHash::of(&token).as_str().to_owned()),
                first.id.0
            )
            .await
            .expect("raw"),
        1
    );

    let mut connected = partner("ABC", Some(&token));
    connected.status = PartnerStatus::Connected;
    connected.version = Some("2.1.1".to_owned());
    let updated = store
        .update_partner(a, first.id, &connected)
        .await
        .expect("update")
        .expect("partner");
    assert_eq!(
        (updated.status, updated.version.as_deref()),
        (PartnerStatus::Connected, Some("2.1.1"))
    );
    assert_eq!(updated.created_at, first.created_at);
    assert_eq!(
        store
            .update_partner(b, first.id, &connected)
            .await
            .expect("update"),
        None
    );
    assert!(
        store
            .set_partner_status(a, first.id, PartnerStatus::Suspended)
            .await
            .expect("set")
    );
    assert!(
        !store
            .set_partner_status(b, first.id, PartnerStatus::Connected)
            .await
            .expect("set")
    );
    assert_eq!(
        store
            .partner(a, first.id)
            .await
            .expect("read")
            .map(|p| p.status),
        Some(PartnerStatus::Suspended)
    );
    assert_eq!(store.partner(b, first.id).await.expect("read"), None);
    assert_eq!(
        store
            .list_partners(a, Page::default())
            .await
            .expect("list")
            .total,
        1
    );
    assert!(!store.delete_partner(b, first.id).await.expect("delete"));
    assert!(store.delete_partner(a, first.id).await.expect("delete"));
    assert_eq!(store.partner(a, first.id).await.expect("read"), None);
    assert_eq!(
        store
            .list_partners(b, Page::default())
            .await
            .expect("list")
            .items,
        vec![theirs]
    );
}

/// The tokens partners give us are kept sealed under the store's key and bound to their
/// tenant; partner tokens and webhook secrets an earlier version kept in clear are read as
/// they are until `seal_secrets_kept_in_clear` seals them.
pub(crate) async fn secrets_sealed_at_rest<S: Store + RawSql>(store: &S) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let ours = store
        .create_partner(a, &partner("ABC", None))
        .await
        .expect("partner");
    assert_eq!(ours.their_token.as_deref(), Some("their-secret"));
    let stored_as = |condition: &str| {
        format!(
            "UPDATE roaming_partners SET status = status WHERE id = $1 AND their_token {condition}"
        )
    };
    let raw = |sql: String, id: i64| async move { store.execute_raw(&sql, id).await.expect("raw") };
    assert_eq!(raw(stored_as("LIKE '%their-secret%'"), ours.id.0).await, 0);
    assert_eq!(raw(stored_as("LIKE 'sealed:v1:%'"), ours.id.0).await, 1);

    // Copied into another tenant's row, a sealed token does not open there.
    let theirs = store
        .create_partner(b, &partner("XYZ", None))
        .await
        .expect("B's partner");
    let copy = format!(
        "UPDATE roaming_partners SET their_token = \
         (SELECT their_token FROM roaming_partners WHERE id = {}) WHERE id = $1",
        ours.id.0
    );
    assert_eq!(raw(copy, theirs.id.0).await, 1);
    assert!(matches!(
        store.partner(b, theirs.id).await,
        Err(StoreError::Corrupt { .. })
    ));

    // As an earlier version left them: in clear.
    let clear = "UPDATE roaming_partners SET their_token = 'old-token' WHERE id = $1";
    assert_eq!(raw(clear.to_owned(), ours.id.0).await, 1);
    let old_hook = "INSERT INTO webhooks (tenant_id, url, events, secret, active, created_at) \
                    VALUES ($1, 'https://example.com/old', '[]', 'whsec-old', TRUE, \
                    '2026-01-01T00:00:00Z')";
    assert_eq!(raw(old_hook.to_owned(), a.0).await, 1);
    let read = || async {
        let partner = store
            .partner(a, ours.id)
            .await
            .expect("read")
            .expect("partner");
        let hooks = store.webhooks(a).await.expect("webhooks");
        (partner.their_token, hooks[0].secret.clone())
    };
    let before = read().await;
    assert_eq!(
        before,
        (Some("old-token".to_owned()), "whsec-old".to_owned())
    );

    assert_eq!(store.seal_secrets_kept_in_clear().await.expect("sealed"), 2);
    assert_eq!(read().await, before);
    assert_eq!(raw(stored_as("LIKE 'sealed:v1:%'"), ours.id.0).await, 1);
    let hook_sealed = "UPDATE webhooks SET active = active \
                       WHERE tenant_id = $1 AND secret LIKE 'sealed:v1:%'";
    assert_eq!(raw(hook_sealed.to_owned(), a.0).await, 1);
    assert_eq!(store.seal_secrets_kept_in_clear().await.expect("sealed"), 0);
}

/// Deliveries are queued once per event key, attempted until delivered or given up, and
/// logged; subscriptions with deliveries stay.
pub(crate) async fn webhooks_deliver_and_log<S: Store + RawSql>(store: &S) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let hook = store
        .create_webhook(
            a,
            &NewWebhook {
                url: "https://example.com/hook".to_owned(),
                events: vec!["session.started".to_owned()],
                secret: "s3cret".to_owned(),
                active: true,
            },
        )
        .await
        .expect("webhook");
    assert!(hook.wants("session.started"));
    assert!(!hook.wants("session.stopped"));
    // The secret comes back in clear, to sign with, but is stored sealed.
    assert_eq!(hook.secret, "s3cret");
    let secret_is = |condition: &str| {
        format!("UPDATE webhooks SET active = active WHERE id = $1 AND secret {condition}")
    };
    assert_eq!(
        store
            .execute_raw(&secret_is("LIKE 'sealed:v1:%'"), hook.id.0)
            .await
            .expect("raw"),
        1
    );
    assert_eq!(
        store
            .execute_raw(&secret_is("LIKE '%s3cret%'"), hook.id.0)
            .await
            .expect("raw"),
        0
    );
    assert_eq!(store.webhooks(a).await.expect("list"), vec![hook.clone()]);
    assert!(store.webhooks(b).await.expect("list").is_empty());

    let now = chrono::Utc::now();
    let new = NewDelivery {
        webhook_id: hook.id,
        event: "session.started".to_owned(),
        event_key: "session.started:42".to_owned(),
        subject: String::new(),
        payload: serde_json::json!({"session": 42}),
        due_at: now,
    };
    let (delivery, created) = store.enqueue_delivery(a, &new).await.expect("queue");
    assert!(created);
    assert_eq!(
        (delivery.status, delivery.attempts),
        (DeliveryStatus::Pending, 0)
    );
    let (again, created) = store.enqueue_delivery(a, &new).await.expect("queue again");
    assert!(!created);
    assert_eq!(again.id, delivery.id);
    assert!(matches!(
        store.enqueue_delivery(b, &new).await,
        Err(StoreError::NotFound { .. })
    ));
    let mut later = new.clone();
    later.event_key = "session.started:43".to_owned();
    later.due_at = now + Duration::hours(1);
    let (second, _) = store.enqueue_delivery(a, &later).await.expect("queue");

    let due = store.due_deliveries(a, now, 10).await.expect("due");
    assert_eq!(due.iter().map(|d| d.id).collect::<Vec<_>>(), [delivery.id]);
    assert!(
        store
            .due_deliveries(b, now, 10)
            .await
            .expect("due")
            .is_empty()
    );

    let retry_at = now + Duration::minutes(5);
    let retried = store
        .record_attempt(
            a,
            delivery.id,
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
    assert_eq!(
        (retried.status, retried.attempts, retried.response_status),
        (DeliveryStatus::Pending, 1, Some(503))
    );
    assert!(
        store
            .due_deliveries(a, now, 10)
            .await
            .expect("due")
            .is_empty()
    );
    assert_eq!(
        store
            .due_deliveries(a, retry_at, 10)
            .await
            .expect("due")
            .len(),
        1
    );
    assert_eq!(
        store
            .record_attempt(
                a,
                delivery.id,
                now,
                &AttemptOutcome::Delivered {
                    response_status: 200
                }
            )
            .await
            .expect("attempt")
            .map(|d| (d.status, d.attempts, d.last_error)),
        Some((DeliveryStatus::Delivered, 2, None))
    );
    let done = store
        .record_attempt(
            a,
            delivery.id,
            now,
            &AttemptOutcome::Delivered {
                response_status: 200,
            },
        )
        .await
        .expect("attempt")
        .expect("delivery");
    assert_eq!(done.attempts, 2, "a delivered delivery is left as it is");
    assert_eq!(
        store
            .record_attempt(
                b,
                second.id,
                now,
                &AttemptOutcome::Delivered {
                    response_status: 200
                }
            )
            .await
            .expect("attempt"),
        None
    );
    let failed = store
        .record_attempt(
            a,
            second.id,
            now,
            &AttemptOutcome::GiveUp {
                error: "connection refused".to_owned(),
                response_status: None,
            },
        )
        .await
        .expect("attempt")
        .expect("delivery");
    assert_eq!(
        (failed.status, failed.next_attempt_at),
        (DeliveryStatus::Failed, None)
    );

    let log = store
        .deliveries(a, hook.id, Page::default())
        .await
        .expect("log");
    assert_eq!(log.total, 2);
    assert_eq!(log.items[0].id, second.id, "newest first");
    assert_eq!(
        store
            .deliveries(b, hook.id, Page::default())
            .await
            .expect("log")
            .total,
        0
    );

    let mut paused = NewWebhook {
        url: hook.url.clone(),
        events: Vec::new(),
        secret: hook.secret.clone(),
        active: false,
    };
    let updated = store
        .update_webhook(a, hook.id, &paused)
        .await
        .expect("update")
        .expect("webhook");
    assert!(!updated.wants("session.started"));
    paused.active = true;
    assert_eq!(
        store
            .update_webhook(b, hook.id, &paused)
            .await
            .expect("update"),
        None
    );
    assert!(matches!(
        store.delete_webhook(a, hook.id).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(!store.delete_webhook(b, hook.id).await.expect("delete"));
    let unused = store.create_webhook(a, &paused).await.expect("webhook");
    assert!(store.delete_webhook(a, unused.id).await.expect("delete"));
    assert_eq!(store.webhook(a, unused.id).await.expect("read"), None);
}

/// What a hub tells of a party is kept per hub and party, without case; an older
/// `last_updated` changes nothing; another tenant sees none of it.
pub(crate) async fn hub_client_info_kept(store: &impl Store) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let hub = store
        .create_partner(a, &partner("HUB", None))
        .await
        .expect("hub")
        .id;
    let info = |party: &str, status: &str, at: &str| {
        serde_json::from_value::<ocpi_types::v221::hub_client_info::ClientInfo>(serde_json::json!({
            "country_code": "de", "party_id": party, "role": "EMSP", "status": status,
            "last_updated": at
        }))
        .expect("a ClientInfo")
    };
    let status = |info: Option<ocpi_types::v221::hub_client_info::ClientInfo>| {
        info.map(|info| serde_json::to_value(info.status).unwrap())
    };
    let put = |info| async move { store.put_client_info(a, hub, &info).await };
    assert!(
        put(info("EMA", "CONNECTED", "2026-03-01T10:00:00Z"))
            .await
            .unwrap()
    );
    assert!(
        !put(info("ema", "OFFLINE", "2026-03-01T11:00:00Z"))
            .await
            .unwrap()
    );
    assert!(
        !put(info("EMA", "PLANNED", "2026-03-01T09:00:00Z"))
            .await
            .unwrap()
    );
    assert!(
        put(info("EMB", "SUSPENDED", "2026-03-01T09:00:00Z"))
            .await
            .unwrap()
    );
    assert_eq!(
        status(store.client_info(a, hub, "DE", "ema").await.unwrap()),
        Some(serde_json::json!("OFFLINE")),
        "the newer status stays"
    );
    let all = store.client_infos(a, hub).await.unwrap();
    // As the hub last sent them.
    let parties: Vec<&str> = all.iter().map(|info| info.party_id.as_str()).collect();
    assert_eq!(parties, ["ema", "EMB"]);
    assert_eq!(store.client_info(b, hub, "DE", "EMA").await.unwrap(), None);
    assert!(store.client_infos(b, hub).await.unwrap().is_empty());
    assert!(matches!(
        store
            .put_client_info(b, hub, &info("EMC", "CONNECTED", "2026-03-01T10:00:00Z"))
            .await,
        Err(StoreError::NotFound { .. })
    ));
}
