//! What the OCPP tests share: a `Server` with the CSMS router on a store (a fresh SQLite
//! file, or a fresh PostgreSQL schema when `DATABASE_URL` is set), a tenant, stations and
//! tokens, and charge points connecting over real sockets.

#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrono::Utc;
use csms_core::model::{
    Address, Connector, ConnectorStatus, Coordinates, Evse, LocationId, NewLocation, NewStation,
    NewTenant, NewToken, OpeningHours, Station, TenantId, TenantRole, TenantSettings, Token,
    TokenKind, UnknownStationPolicy,
};
use csms_core::ocpp::boot::BootIntervals;
use csms_core::ocpp::{Csms, CsmsConfig, admission};
use csms_core::store::{PostgresStore, SqliteStore, Store};
use ocpi_types::v221::locations::{ConnectorFormat, ConnectorType, PowerType};
use ocpp_server::client::{ChargePoint, ChargePointConfig, ClientError};
use ocpp_server::server::{Server, ServerConfig};
use ocpp_server::{Router, StationHandle};
use ocpp_types::OcppVersion;

/// A name no other test, in this run or a concurrent one, uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    format!(
        "{prefix}_{}_{nanos}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The heartbeat interval the tests' CSMS gives.
pub const HEARTBEAT: u32 = 120;
/// The retry interval the tests' CSMS gives.
pub const RETRY: u32 = 15;

/// A running CSMS on a store.
pub struct Harness<S> {
    pub store: Arc<S>,
    pub csms: Csms<S>,
    pub server: Server,
    pub tenant: TenantId,
    pub url: String,
    file: Option<PathBuf>,
}

/// A CSMS on a fresh SQLite file.
pub async fn sqlite(policy: UnknownStationPolicy) -> Harness<SqliteStore> {
    sqlite_with(policy, |_| {}).await
}

/// A CSMS on a fresh SQLite file, with the server settings the CSMS needs changed by
/// `config`.
pub async fn sqlite_with(
    policy: UnknownStationPolicy,
    config: impl FnOnce(&mut ServerConfig),
) -> Harness<SqliteStore> {
    let file = std::env::temp_dir().join(format!("{}.db", unique("ocpp")));
    let store = SqliteStore::open(&file).await.expect("SQLite store opens");
    let mut harness = start(Arc::new(store), policy, config).await;
    harness.file = Some(file);
    harness
}

/// A CSMS on a fresh PostgreSQL schema if `DATABASE_URL` is set (loud notice and `None`
/// otherwise, a failure under `CI`), and the schema's name.
pub async fn postgres(policy: UnknownStationPolicy) -> Option<(Harness<PostgresStore>, String)> {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but DATABASE_URL is not: the PostgreSQL OCPP tests must run");
        }
        eprintln!(
            "\n!!! DATABASE_URL is not set: SKIPPING the OCPP tests on PostgreSQL !!!\n\
             !!! set it (e.g. postgres://postgres@127.0.0.1:5432/test) to run them !!!\n"
        );
        return None;
    };
    let schema = unique("ocpp");
    let store = PostgresStore::connect_in_schema(&url, &schema)
        .await
        .expect("PostgreSQL store connects");
    Some((start(Arc::new(store), policy, |_| {}).await, schema))
}

/// Drops a PostgreSQL test schema. A station's disconnection may still be written when the
/// test ends (its connection state and event), and PostgreSQL may pick the drop as the
/// victim of the deadlock between the two: the drop is then tried again.
pub async fn drop_schema(store: &PostgresStore, schema: &str) {
    for attempt in 1.. {
        match sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
            .execute(store.pool())
            .await
        {
            Ok(_) => break,
            Err(error) if attempt < 5 && error.to_string().contains("deadlock detected") => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(error) => panic!("schema not dropped: {error}"),
        }
    }
    store.close().await;
}

async fn start<S: Store + 'static>(
    store: Arc<S>,
    policy: UnknownStationPolicy,
    adjust: impl FnOnce(&mut ServerConfig),
) -> Harness<S> {
    let tenant = store
        .create_tenant(&NewTenant {
            name: "Operator".into(),
            role: TenantRole::Cpo,
            country_code: "NL".into(),
            party_id: "ABC".into(),
            settings: TenantSettings {
                time_zone: "Europe/Amsterdam".into(),
                currency: "EUR".into(),
                language: "en".into(),
                unknown_stations: policy,
                // These tests are about behaviour: stations connect without credentials.
                unsecured_stations: true,
            },
        })
        .await
        .expect("tenant created")
        .id;
    let csms = Csms::new(
        Arc::clone(&store),
        CsmsConfig {
            intervals: BootIntervals {
                heartbeat_secs: HEARTBEAT,
                retry_secs: RETRY,
            },
            ..CsmsConfig::default()
        },
    );
    let mut config = csms.server_config();
    adjust(&mut config);
    let server = Server::bind("127.0.0.1:0", config, csms.router(), csms.station_storage())
        .await
        .expect("server listens");
    let url = format!("ws://{}/ocpp/{}", server.local_addr(), tenant.0);
    Harness {
        store,
        csms,
        server,
        tenant,
        url,
        file: None,
    }
}

impl<S: Store + 'static> Harness<S> {
    /// Registers an accepted station with EVSEs 1 and 2, one Type 2 connector each.
    pub async fn station(&self, identity: &str) -> Station {
        self.station_at(identity, None).await
    }

    /// A location in Amsterdam.
    pub async fn location(&self) -> LocationId {
        let new = NewLocation {
            name: "Depot".into(),
            address: Address {
                street: "Stationsplein 1".into(),
                postal_code: Some("1012AB".into()),
                city: "Amsterdam".into(),
                state: None,
                country: "NLD".into(),
            },
            coordinates: Some(Coordinates {
                latitude: "52.378901".parse().unwrap(),
                longitude: "4.900272".parse().unwrap(),
            }),
            time_zone: "Europe/Amsterdam".into(),
            opening_hours: OpeningHours::default(),
            parking_spots: Vec::new(),
        };
        self.store
            .create_location(self.tenant, &new)
            .await
            .expect("location created")
            .id
    }

    /// [`Self::station`], at `location`.
    pub async fn station_at(&self, identity: &str, location: Option<LocationId>) -> Station {
        let mut new = NewStation::accepted(identity);
        new.location_id = location;
        let station = self
            .store
            .create_station(self.tenant, &new)
            .await
            .expect("station created");
        for evse_id in [1, 2] {
            let evse = Evse {
                tenant_id: self.tenant,
                station_id: station.id,
                evse_id,
                uid: None,
                status: ConnectorStatus::Available,
            };
            assert!(self.store.upsert_evse(self.tenant, &evse).await.unwrap());
            let connector = Connector {
                tenant_id: self.tenant,
                station_id: station.id,
                evse_id,
                connector_id: if evse_id == 1 { 1 } else { 2 },
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
            };
            assert!(
                self.store
                    .upsert_connector(self.tenant, &connector)
                    .await
                    .unwrap()
            );
        }
        station
    }

    /// Creates a token, changed by `edit` first.
    pub async fn token(&self, uid: &str, edit: impl FnOnce(&mut NewToken)) -> Token {
        let mut new = NewToken::accepted(uid, TokenKind::Rfid);
        edit(&mut new);
        self.store
            .create_token(self.tenant, &new)
            .await
            .expect("token created")
    }

    /// Connects a charge point speaking `version`, answering the CSMS with `router`, without
    /// reconnection.
    pub async fn connect(
        &self,
        identity: &str,
        version: OcppVersion,
        router: Router,
    ) -> ChargePoint {
        let charge_point = self
            .try_connect(identity, version, None, router)
            .await
            .expect("charge point connects");
        assert_eq!(charge_point.version(), Some(version));
        charge_point
    }

    /// Tries to connect a charge point speaking `version` with the Basic password
    /// `password`, without reconnection.
    pub async fn try_connect(
        &self,
        identity: &str,
        version: OcppVersion,
        password: Option<&str>,
        router: Router,
    ) -> Result<ChargePoint, ClientError> {
        let mut config = ChargePointConfig::new(self.url.clone(), identity);
        config.versions = vec![version];
        config.reconnect = None;
        config.password = password.map(str::to_owned);
        ChargePoint::connect(config, router).await
    }

    /// The server's handle to `identity`, once the connection is registered.
    pub async fn handle(&self, identity: &str) -> StationHandle {
        for _ in 0..200 {
            if let Some(handle) = self
                .server
                .station(admission::address(self.tenant, identity))
                && handle.is_connected()
            {
                return handle;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{identity} never showed up on the server");
    }

    /// Waits until `identity` is no longer connected to the server.
    pub async fn gone(&self, identity: &str) {
        for _ in 0..200 {
            if self
                .server
                .station(admission::address(self.tenant, identity))
                .is_none_or(|handle| !handle.is_connected())
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{identity} stayed connected");
    }
}

impl<S> Drop for Harness<S> {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}
