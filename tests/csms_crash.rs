//! Crash safety of the reference CSMS: the `csms` example is killed with SIGKILL while a
//! simulated station is in the middle of a transaction, then started again on the same
//! database and address. The station reconnects, delivers what it could not, and
//! finishes: the database then holds exactly one session for it, complete, with every
//! meter value the station sent, and its CDR.
//!
//! On SQLite always; on PostgreSQL when `DATABASE_URL` is set (a schema of its own per test,
//! dropped at the end). Without it the PostgreSQL tests say so loudly and pass, unless `CI`
//! is set: then they fail.

#[path = "csms/common.rs"]
mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Csms, TempDir, free_port, sessions_of, station};
use ev_backend::csms_core::model::{ChargingSession, SessionStatus, TenantId};
use ev_backend::csms_core::store::{
    CdrStore, PostgresStore, SessionStore, SqliteStore, StationStore,
};

/// Polls the database until `done` accepts the station's sessions (at most 60 s).
async fn wait_for_sessions(
    store: &(impl SessionStore + StationStore),
    tenant: TenantId,
    identity: &str,
    done: impl Fn(&[ChargingSession]) -> bool,
) -> Vec<ChargingSession> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let sessions = sessions_of(store, tenant, identity).await;
        if done(&sessions) {
            return sessions;
        }
        assert!(
            Instant::now() < deadline,
            "{identity}: sessions never got there: {sessions:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `database` is the `csms` options naming the database; `store` the test's own view of it.
async fn crash_in_the_middle_of_a_transaction(
    identity: &str,
    version: &str,
    database: &[&str],
    store: &(impl SessionStore + StationStore + CdrStore),
) {
    let ocpp = format!("127.0.0.1:{}", free_port());
    let mut args = vec!["--demo"];
    args.extend_from_slice(database);
    args.extend(["--listen-ocpp", &ocpp, "--listen-api", "127.0.0.1:0"]);
    let csms = Csms::start(&args);

    // Ten meter values, 0.3 s apart: the crash comes after the second one.
    let mut simulator = station(&csms.ocpp_url, identity, version, "DEMOTAG1", &[])
        .args(["--meter-interval", "0.3", "--meter-values", "10"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let tenant = TenantId(csms.demo_tenant());
    let running = wait_for_sessions(store, tenant, identity, |sessions| sessions.len() == 1).await;
    let session = running[0].id;
    let deadline = Instant::now() + Duration::from_secs(60);
    while store.meter_values(tenant, session).await.unwrap().len() < 2 {
        assert!(Instant::now() < deadline, "no meter values arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    csms.kill();
    let sessions = sessions_of(store, tenant, identity).await;
    assert_eq!(sessions.len(), 1);
    assert!(
        !sessions[0].status.is_final(),
        "the crash came too late: {sessions:#?}"
    );

    // A moment without a CSMS, then the same database and address again.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _csms = Csms::start(&args[1..]);
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = simulator.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = simulator.kill();
            panic!("{identity}: the station did not finish its transaction");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{identity}: the simulator failed");

    let sessions = wait_for_sessions(store, tenant, identity, |sessions| {
        sessions.iter().all(|session| session.status.is_final())
    })
    .await;
    assert_eq!(sessions.len(), 1, "{identity}: {sessions:#?}");
    let session = &sessions[0];
    assert_eq!(session.status, SessionStatus::Completed, "{session:#?}");
    assert_eq!(session.token_uid.as_deref(), Some("DEMOTAG1"));
    // The simulator's meter rises by 11 kW × 0.3 s ≈ 1 Wh per value, from 0.
    let values = store.meter_values(tenant, session.id).await.unwrap();
    let stop = session.meter_stop_wh.expect("a meter stop");
    assert_eq!(session.energy_wh, Some(stop), "{session:#?}");
    assert!(
        stop >= 10.into(),
        "{identity}: ten meter values of at least 1 Wh each, got {stop}"
    );
    let registers: Vec<_> = values
        .iter()
        .filter(|value| value.measurand == "Energy.Active.Import.Register")
        .collect();
    assert!(
        registers.len() >= 10,
        "{identity}: every periodic value is kept: {values:#?}"
    );
    let cdr = store
        .cdr_of_session(tenant, session.id)
        .await
        .unwrap()
        .expect("a CDR for the finished session");
    assert_eq!(cdr.energy_wh, stop, "{cdr:#?}");
    assert!(
        cdr.total_cost_excl_vat >= 1.into(),
        "the demo tariff charges 1.00 EUR per session: {cdr:#?}"
    );
}

async fn on_sqlite(identity: &str, version: &str) {
    let dir = TempDir::new("csms-crash");
    let database = dir.path().join("csms.db");
    let database = database.to_str().unwrap();
    // The test's store makes the database; the CSMS finds it migrated.
    let store = SqliteStore::open(database).await.unwrap();
    crash_in_the_middle_of_a_transaction(identity, version, &["--database", database], &store)
        .await;
}

async fn on_postgres(identity: &str, version: &str) {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but DATABASE_URL is not: the PostgreSQL crash test must run");
        }
        eprintln!(
            "\n!!! DATABASE_URL is not set: SKIPPING the PostgreSQL crash test !!!\n\
             !!! set it (e.g. postgres://postgres@127.0.0.1:5432/test) to run it !!!\n"
        );
        return;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let schema = format!("csms_crash_{}_{nanos}", std::process::id());
    let store = PostgresStore::connect_in_schema(&url, &schema)
        .await
        .expect("PostgreSQL store connects");
    let database = ["--database-url", &url, "--database-schema", &schema];
    crash_in_the_middle_of_a_transaction(identity, version, &database, &store).await;
    sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .execute(store.pool())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_csms_loses_nothing_of_a_1_6_transaction_on_sqlite() {
    on_sqlite("DEMO-1", "1.6").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_csms_loses_nothing_of_a_2_0_1_transaction_on_sqlite() {
    on_sqlite("DEMO-2", "2.0.1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_csms_loses_nothing_of_a_1_6_transaction_on_postgres() {
    on_postgres("DEMO-1", "1.6").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_csms_loses_nothing_of_a_2_0_1_transaction_on_postgres() {
    on_postgres("DEMO-2", "2.0.1").await;
}
