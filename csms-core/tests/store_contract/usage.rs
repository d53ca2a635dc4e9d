//! Token usage counters, added to atomically.

use chrono::{TimeZone, Utc};
use csms_core::model::{NewStation, NewToken, TokenId, TokenKind};
use csms_core::store::Store;

use super::{dec, start_16, tenant, time, unique};

/// Day and month counters follow the tenant's time zone (Europe/Amsterdam), and
/// concurrent additions all count.
pub(crate) async fn token_usage_counts_atomically<S: Store + Clone + 'static>(store: &S) {
    let a = tenant(store, "A").await;
    let b = tenant(store, "B").await;
    let token = store
        .create_token(a, &NewToken::accepted("TAG-U", TokenKind::Rfid))
        .await
        .expect("token");
    let utc = |d: u32, h: u32, m: u32| {
        Utc.with_ymd_and_hms(2026, 3, d, h, m, 0)
            .single()
            .expect("time")
    };

    // 22:30 UTC is 23:30 in Amsterdam on March 1st.
    let usage = store
        .record_token_usage(a, token.id, None, dec("1500"), dec("0.45"), utc(1, 22, 30))
        .await
        .expect("record")
        .expect("token");
    assert_eq!(usage.day, chrono::NaiveDate::from_ymd_opt(2026, 3, 1));
    assert_eq!(usage.energy_kwh_day, dec("1.5"));
    // 23:30 UTC is already March 2nd there: the day counters start again.
    let usage = store
        .record_token_usage(a, token.id, None, dec("500"), dec("0.15"), utc(1, 23, 30))
        .await
        .expect("record")
        .expect("token");
    assert_eq!(usage.day, chrono::NaiveDate::from_ymd_opt(2026, 3, 2));
    assert_eq!(
        (usage.energy_kwh_day, usage.amount_day),
        (dec("0.5"), dec("0.15"))
    );
    assert_eq!(
        (usage.energy_kwh_month, usage.amount_month),
        (dec("2"), dec("0.60"))
    );

    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .record_token_usage(a, token.id, None, dec("100"), dec("0.10"), utc(2, 8, 0))
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("record").expect("token");
    }
    // Session starts counted at the same time as energy: neither is lost.
    let starts: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                if n % 2 == 0 {
                    store
                        .record_token_session(a, token.id, None, utc(2, 7, 0))
                        .await
                } else {
                    store
                        .record_token_usage(a, token.id, None, dec("0"), dec("0"), utc(2, 7, 30))
                        .await
                }
            })
        })
        .collect();
    for task in starts {
        task.await.expect("task").expect("record").expect("token");
    }
    let now = store
        .token(a, token.id)
        .await
        .expect("read")
        .expect("token");
    assert_eq!(now.usage.sessions, 4, "every concurrent session counts");
    assert_eq!(
        now.usage.energy_kwh_day,
        dec("2.1"),
        "every concurrent addition counts"
    );
    assert_eq!(now.usage.amount_day, dec("1.75"));
    assert_eq!(now.usage.energy_kwh_month, dec("3.6"));
    assert_eq!(now.usage.last_used_at, Some(utc(2, 8, 0)));

    // Tenant B cannot count on A's token; an unknown token is `None`.
    assert_eq!(
        store
            .record_token_usage(b, token.id, None, dec("100"), dec("1"), utc(2, 9, 0))
            .await
            .expect("record"),
        None
    );
    assert_eq!(
        store
            .record_token_session(b, token.id, None, utc(2, 9, 0))
            .await
            .expect("record"),
        None
    );
    assert_eq!(
        store
            .record_token_usage(a, TokenId(i64::MAX), None, dec("1"), dec("1"), utc(2, 9, 0))
            .await
            .expect("record"),
        None
    );
    assert_eq!(
        store
            .token(a, token.id)
            .await
            .expect("read")
            .expect("token")
            .usage,
        now.usage
    );
}

/// What a session uses, and its start, count once on its token, however often they are
/// counted (a retried stop, the reconciliation after a crash), and concurrently too.
pub(crate) async fn a_session_is_counted_once<S: Store + Clone + 'static>(store: &S) {
    let t = tenant(store, "T").await;
    let station = store
        .create_station(t, &NewStation::accepted(unique("CP")))
        .await
        .expect("station");
    let token = store
        .create_token(t, &NewToken::accepted("TAG-ONCE", TokenKind::Rfid))
        .await
        .expect("token");
    let (session, _) = store
        .start_session(t, &start_16(station.id, 1, time(9, 0, 0)))
        .await
        .expect("session");
    let counts: Vec<_> = (0..6)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                if n % 2 == 0 {
                    store
                        .record_token_session(t, token.id, Some(session.id), time(9, 0, 0))
                        .await
                } else {
                    store
                        .record_token_usage(
                            t,
                            token.id,
                            Some(session.id),
                            dec("2500"),
                            dec("1.25"),
                            time(10, 0, 0),
                        )
                        .await
                }
            })
        })
        .collect();
    for count in counts {
        count.await.expect("task").expect("count").expect("token");
    }
    let usage = store
        .token(t, token.id)
        .await
        .expect("read")
        .expect("token")
        .usage;
    assert_eq!(usage.sessions, 1);
    assert_eq!(usage.energy_kwh_month, dec("2.5"));
    assert_eq!(usage.amount_month, dec("1.25"));
    // Without a session, every call counts (an operator's correction).
    store
        .record_token_usage(t, token.id, None, dec("500"), dec("0"), time(11, 0, 0))
        .await
        .expect("count")
        .expect("token");
    let usage = store.token(t, token.id).await.unwrap().unwrap().usage;
    assert_eq!(usage.energy_kwh_month, dec("3"));
}
