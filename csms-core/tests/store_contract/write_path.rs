//! The write path under the ways stations fail: readings delivered again, readings that
//! differ at one instant, readings of no known session, many writers at once with failing
//! writes among them, and writes while another connection holds a transaction.

use std::time::Duration;

use csms_core::model::{
    MeterReport, MeterTarget, MeterValue, NewStation, SessionId, StationId, TenantId,
};
use csms_core::store::{Store, StoreError};

use super::raw::RawSql;
use super::{energy, start_201, tenant, time, unique};

fn power(at: chrono::DateTime<chrono::Utc>, watts: &str, phase: &str) -> MeterValue {
    let mut value = energy(at, watts);
    value.measurand = "Power.Active.Import".to_owned();
    value.unit = Some("W".to_owned());
    value.phase = Some(phase.to_owned());
    value
}

fn report(station: StationId, target: MeterTarget, values: Vec<MeterValue>) -> MeterReport {
    MeterReport {
        station_id: station,
        evse_id: Some(1),
        connector_id: Some(1),
        target,
        values,
    }
}

fn transaction(id: &str) -> MeterTarget {
    MeterTarget::Transaction {
        transaction_id: id.to_owned(),
    }
}

/// An identical reading is kept once, also within one message; a reading that differs
/// from a kept one at the same instant is kept beside it; readings of no known session are
/// kept against the station, with the transaction the station named.
pub(crate) async fn meter_readings_kept_once_never_dropped(store: &impl Store) {
    let t = tenant(store, "T").await;
    let station = store
        .create_station(t, &NewStation::accepted(unique("CP")))
        .await
        .expect("station");
    let (session, _) = store
        .start_session(t, &start_201(station.id, "tx-1", time(10, 0, 0)))
        .await
        .expect("session");

    let first = vec![
        energy(time(10, 1, 0), "1100"),
        power(time(10, 1, 0), "7000", "L1"),
        power(time(10, 1, 0), "7000", "L1"), // the same value twice in one message
        power(time(10, 1, 0), "6900", "L2"),
    ];
    let recorded = store
        .record_meter_values(t, report(station.id, transaction("tx-1"), first.clone()))
        .await
        .expect("recorded");
    assert_eq!(recorded.session, Some(session.id));
    let kept = store.meter_values(t, session.id).await.expect("read");
    assert_eq!(kept.len(), 3, "a value twice in one message is kept once");

    let resend = store
        .record_meter_values(t, report(station.id, transaction("tx-1"), first.clone()))
        .await
        .expect("resend recorded");
    assert_eq!(recorded.session, resend.session);
    let kept = store.meter_values(t, session.id).await.expect("read");
    assert_eq!(kept.len(), 3, "an identical resend adds nothing");

    // Same instant, measurand, phase and location, another value: kept beside the first.
    let corrected = vec![energy(time(10, 1, 0), "1101")];
    store
        .record_meter_values(t, report(station.id, transaction("tx-1"), corrected))
        .await
        .expect("differing value recorded");
    let kept = store.meter_values(t, session.id).await.expect("read");
    assert_eq!(kept.len(), 4, "a differing reading is not discarded");
    assert!(kept.contains(&energy(time(10, 1, 0), "1100")));
    assert!(kept.contains(&energy(time(10, 1, 0), "1101")));

    // A transaction nobody started: kept against the station, once.
    let orphan = vec![
        energy(time(11, 0, 0), "5000"),
        power(time(11, 0, 0), "11000", "L1"),
    ];
    for _ in 0..2 {
        let recorded = store
            .record_meter_values(
                t,
                report(station.id, transaction("tx-unknown"), orphan.clone()),
            )
            .await
            .expect("orphan recorded");
        assert_eq!(recorded.session, None);
        let kept = store
            .station_meter_values(t, station.id, 100)
            .await
            .expect("read");
        assert_eq!(kept.len(), 2, "kept against the station, once");
    }
    // Outside transactions (2.x MeterValues), on the station's main meter.
    let mut main_meter = report(
        station.id,
        MeterTarget::Station,
        vec![energy(time(11, 5, 0), "90000")],
    );
    main_meter.evse_id = Some(0);
    main_meter.connector_id = None;
    let recorded = store
        .record_meter_values(t, main_meter)
        .await
        .expect("station values recorded");
    assert_eq!(recorded.session, None);
    // A 1.6 connector with no session running: the station too.
    let mut idle = report(
        station.id,
        MeterTarget::RunningSession,
        vec![energy(time(11, 6, 0), "70")],
    );
    idle.evse_id = Some(2);
    idle.connector_id = Some(2);
    let recorded = store
        .record_meter_values(t, idle)
        .await
        .expect("idle connector recorded");
    assert_eq!(recorded.session, None);

    let at_station = store
        .station_meter_values(t, station.id, 100)
        .await
        .expect("read station values");
    assert_eq!(at_station.len(), 4);
    assert_eq!(at_station[0].transaction_id.as_deref(), Some("tx-unknown"));
    assert_eq!(at_station[0].evse_id, 1);
    assert_eq!(at_station[2].evse_id, 0);
    assert_eq!(at_station[2].connector_id, 0);
    assert_eq!(at_station[2].transaction_id, None);
    assert_eq!(at_station[2].value, energy(time(11, 5, 0), "90000"));

    // A 1.6 connector with a session running: that session.
    let running = report(
        station.id,
        MeterTarget::RunningSession,
        vec![energy(time(10, 2, 0), "1200")],
    );
    let recorded = store
        .record_meter_values(t, running)
        .await
        .expect("running session recorded");
    assert_eq!(recorded.session, Some(session.id));

    // Another tenant's station is not found, and gets nothing.
    let other = tenant(store, "U").await;
    assert!(matches!(
        store
            .record_meter_values(other, report(station.id, MeterTarget::Station, orphan))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        store
            .station_meter_values(other, station.id, 100)
            .await
            .expect("read")
            .is_empty()
    );
}

/// Many writers at once, with resends, failing writes and readers among them: every write
/// is answered, each failing one with its own error, and every good one is kept exactly
/// once.
pub(crate) async fn concurrent_writes_fail_alone(store: &(impl Store + Clone + 'static)) {
    let t = tenant(store, "T").await;
    let stations = 20;
    let messages = 30;
    let mut sessions = Vec::new();
    for n in 0..stations {
        let station = store
            .create_station(t, &NewStation::accepted(unique(&format!("CP{n}"))))
            .await
            .expect("station");
        let (session, _) = store
            .start_session(t, &start_201(station.id, &format!("tx-{n}"), time(9, 0, 0)))
            .await
            .expect("session");
        sessions.push((station.id, session.id));
    }
    let mut tasks = Vec::new();
    for (n, &(station, session)) in sessions.iter().enumerate() {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for m in 0..messages {
                let at = time(10, 0, 0) + chrono::Duration::seconds(m);
                let values = vec![
                    energy(at, &format!("{}", 1000 + m * 10)),
                    power(at, "7000", "L1"),
                    power(at, "7100", "L2"),
                ];
                let target = transaction(&format!("tx-{n}"));
                let message = report(station, target.clone(), values);
                let recorded = store
                    .record_meter_values(t, message.clone())
                    .await
                    .expect("a good write succeeds");
                assert_eq!(recorded.session, Some(session));
                if m % 7 == 0 {
                    let again = store
                        .record_meter_values(t, message.clone())
                        .await
                        .expect("a resend succeeds");
                    assert_eq!(again.session, Some(session));
                }
                if m % 5 == 0 {
                    // A failing write in the same batches as the good ones.
                    let failing = store
                        .add_meter_values(t, SessionId(i64::MAX - n as i64), &message.values)
                        .await;
                    assert!(matches!(failing, Err(StoreError::NotFound { .. })));
                    let foreign = store
                        .record_meter_values(TenantId(i64::MAX), message.clone())
                        .await;
                    assert!(matches!(foreign, Err(StoreError::NotFound { .. })));
                }
                if m % 3 == 0 {
                    store.session(t, session).await.expect("read meanwhile");
                }
            }
        }));
    }
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(120), task)
            .await
            .expect("no writer stalls")
            .expect("writer task");
    }
    for &(_, session) in &sessions {
        let kept = store.meter_values(t, session).await.expect("read");
        assert_eq!(kept.len(), 3 * messages as usize, "each reading kept once");
    }
}

/// While another connection holds a write transaction, reads go on and writes wait for it
/// (no error, no lost write), then all complete once it ends.
pub(crate) async fn writes_wait_for_a_held_transaction<S>(store: &S)
where
    S: Store + RawSql + Clone + 'static,
{
    let t = tenant(store, "T").await;
    let station = store
        .create_station(t, &NewStation::accepted(unique("CP")))
        .await
        .expect("station");
    let (session, _) = store
        .start_session(t, &start_201(station.id, "tx-held", time(10, 0, 0)))
        .await
        .expect("session");
    let held = store.hold_write_lock(session.id.0, Duration::from_millis(800));
    let writes = async {
        // Let the holder take its lock first.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let started = std::time::Instant::now();
        let mut tasks = Vec::new();
        for m in 0..10 {
            let store = store.clone();
            let values = vec![energy(time(10, 1, m), &format!("{}", 2000 + m))];
            tasks.push(tokio::spawn(async move {
                store
                    .record_meter_values(t, report(station.id, transaction("tx-held"), values))
                    .await
            }));
        }
        // Reads are not held up by the writer.
        let read = tokio::time::timeout(Duration::from_millis(500), async {
            store.session(t, session.id).await.expect("session read");
            store
                .station_by_identity(t, &station.identity)
                .await
                .expect("station read");
        })
        .await;
        assert!(
            read.is_ok(),
            "reads go on while a write transaction is held"
        );
        let mut results = Vec::new();
        for task in tasks {
            results.push(
                tokio::time::timeout(Duration::from_secs(60), task)
                    .await
                    .expect("writes complete once the transaction ends")
                    .expect("write task"),
            );
        }
        // The writes did wait for the held transaction (else this test proves nothing).
        assert!(
            started.elapsed() >= Duration::from_millis(400),
            "the writes finished while the transaction was held"
        );
        results
    };
    let (held, results) = tokio::join!(held, writes);
    held.expect("lock held and released");
    for result in results {
        result.expect("write succeeds");
    }
    assert_eq!(
        store.meter_values(t, session.id).await.expect("read").len(),
        10
    );
}

/// A running session's progress: a higher sequence number with values (the status
/// unchanged) is kept with the batch's values, a lower or equal one is not, and many
/// sessions advanced at once each get their own answer; a change of status and a sequence
/// number without values are kept too, and a session over takes nothing.
pub(crate) async fn sessions_advance_by_their_sequence_numbers(
    store: &(impl Store + Clone + 'static),
) {
    let t = tenant(store, "T").await;
    let station = store
        .create_station(t, &NewStation::accepted(unique("CP")))
        .await
        .expect("station");
    let mut sessions = Vec::new();
    for n in 0..20 {
        let (session, _) = store
            .start_session(
                t,
                &start_201(station.id, &format!("tx-{n}"), time(10, 0, 0)),
            )
            .await
            .expect("session");
        sessions.push(session);
    }
    let status = sessions[0].status;
    let reading = |minute: u32, wh: u32| vec![energy(time(10, minute, 0), &wh.to_string())];

    // Every session at once, in as few batches as the store makes of them: seqNo 5.
    let advanced = futures_util::future::join_all(sessions.iter().map(|session| {
        let store = store.clone();
        let session = session.clone();
        async move {
            store
                .advance_session(t, &session, &reading(1, 1000), Some((status, Some(5))))
                .await
        }
    }))
    .await;
    assert!(
        advanced.iter().all(|advanced| matches!(advanced, Ok(true))),
        "{advanced:?}"
    );
    for session in &sessions {
        let now = store.session(t, session.id).await.unwrap().unwrap();
        assert_eq!((now.status, now.last_seq_no), (status, Some(5)));
    }

    // An older or equal number changes nothing, and says so; its values are kept.
    let first = &sessions[0];
    for (seq_no, minute) in [(5, 2), (3, 3)] {
        let advanced = store
            .advance_session(
                t,
                first,
                &reading(minute, 1100),
                Some((status, Some(seq_no))),
            )
            .await
            .unwrap();
        assert!(!advanced, "seqNo {seq_no} after 5");
    }
    let now = store.session(t, first.id).await.unwrap().unwrap();
    assert_eq!(now.last_seq_no, Some(5));
    assert_eq!(store.meter_values(t, first.id).await.unwrap().len(), 3);

    // A higher one without values, and a change of status, are kept as well.
    assert!(
        store
            .advance_session(t, first, &[], Some((status, Some(6))))
            .await
            .unwrap()
    );
    let suspended = csms_core::model::SessionStatus::SuspendedEv;
    assert!(
        store
            .advance_session(t, first, &reading(4, 1200), Some((suspended, Some(7))))
            .await
            .unwrap()
    );
    let now = store.session(t, first.id).await.unwrap().unwrap();
    assert_eq!((now.status, now.last_seq_no), (suspended, Some(7)));

    // A session over takes no sequence number; its values are kept.
    let over = &sessions[1];
    let stop = csms_core::model::SessionStop {
        stopped_at: time(10, 30, 0),
        meter_stop_wh: None,
        status: csms_core::model::SessionStatus::Completed,
        reason: Some("Local".to_owned()),
        offline: false,
        seq_no: Some(8),
    };
    store.stop_session(t, over.id, &stop).await.unwrap();
    let advanced = store
        .advance_session(t, over, &reading(5, 1300), Some((status, Some(9))))
        .await
        .unwrap();
    assert!(!advanced);
    let now = store.session(t, over.id).await.unwrap().unwrap();
    assert_eq!(now.last_seq_no, Some(8));
    assert_eq!(store.meter_values(t, over.id).await.unwrap().len(), 2);
}
