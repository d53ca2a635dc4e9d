//! Migration sets embedded in the binary, for sqlx's migrator.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

/// One migration: version, description, SQL.
pub(crate) type Step = (i64, &'static str, &'static str);

/// The SQLite migrations, oldest first.
pub(crate) const SQLITE: &[Step] = &[
    (
        1,
        "initial schema",
        include_str!("../../migrations/sqlite/0001_initial.sql"),
    ),
    (
        2,
        "stops of unknown transactions",
        include_str!("../../migrations/sqlite/0002_unknown_stops.sql"),
    ),
    (
        3,
        "sessions by token",
        include_str!("../../migrations/sqlite/0003_sessions_by_token.sql"),
    ),
    (
        4,
        "tariffs and CDRs",
        include_str!("../../migrations/sqlite/0004_tariffs_and_cdrs.sql"),
    ),
    (
        5,
        "station configuration, reservations, charging profiles",
        include_str!("../../migrations/sqlite/0005_station_operations.sql"),
    ),
    (
        6,
        "invoices, roaming partners, webhooks",
        include_str!("../../migrations/sqlite/0006_billing_and_partners.sql"),
    ),
    (
        7,
        "indexes for lists and deletes",
        include_str!("../../migrations/sqlite/0007_list_indexes.sql"),
    ),
    (
        8,
        "meter readings kept when they differ, and outside sessions",
        include_str!("../../migrations/sqlite/0008_meter_readings.sql"),
    ),
    (
        9,
        "connectors a station reports before anyone describes them",
        include_str!("../../migrations/sqlite/0009_reported_connectors.sql"),
    ),
    (
        10,
        "station identities unique within their tenant",
        include_str!("../../migrations/sqlite/0010_identities_within_tenants.sql"),
    ),
    (
        11,
        "partner tokens we issue hashed, secret station settings forgotten",
        include_str!("../../migrations/sqlite/0011_secrets_at_rest.sql"),
    ),
    (
        12,
        "what is counted on a token, once per session",
        include_str!("../../migrations/sqlite/0012_token_counts.sql"),
    ),
    (
        13,
        "the outbox of events, deliveries in order per object and leased, partner names",
        include_str!("../../migrations/sqlite/0013_outbox.sql"),
    ),
    (
        14,
        "tokens roaming partners push, and what is pushed to them",
        include_str!("../../migrations/sqlite/0014_roaming_tokens.sql"),
    ),
    (
        15,
        "nodes of a cluster, the stations each holds, duties",
        include_str!("../../migrations/sqlite/0015_cluster.sql"),
    ),
    (
        16,
        "when a running session's progress was last told",
        include_str!("../../migrations/sqlite/0016_session_progress.sql"),
    ),
    (
        17,
        "meter values kept one row per session and instant",
        include_str!("../../migrations/sqlite/0017_meter_readings_per_instant.sql"),
    ),
    (
        18,
        "the station's own cost calculation kept with the session",
        include_str!("../../migrations/sqlite/0018_station_cost_details.sql"),
    ),
    (
        19,
        "reservations asked for by roaming partners",
        include_str!("../../migrations/sqlite/0019_partner_reservations.sql"),
    ),
    (
        20,
        "what hubs tell of the parties connected to them",
        include_str!("../../migrations/sqlite/0020_hub_client_info.sql"),
    ),
];

/// The PostgreSQL migrations, oldest first.
pub(crate) const POSTGRES: &[Step] = &[
    (
        1,
        "initial schema",
        include_str!("../../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        "stops of unknown transactions",
        include_str!("../../migrations/postgres/0002_unknown_stops.sql"),
    ),
    (
        3,
        "sessions by token",
        include_str!("../../migrations/postgres/0003_sessions_by_token.sql"),
    ),
    (
        4,
        "tariffs and CDRs",
        include_str!("../../migrations/postgres/0004_tariffs_and_cdrs.sql"),
    ),
    (
        5,
        "station configuration, reservations, charging profiles",
        include_str!("../../migrations/postgres/0005_station_operations.sql"),
    ),
    (
        6,
        "invoices, roaming partners, webhooks",
        include_str!("../../migrations/postgres/0006_billing_and_partners.sql"),
    ),
    (
        7,
        "indexes for lists and deletes",
        include_str!("../../migrations/postgres/0007_list_indexes.sql"),
    ),
    (
        8,
        "meter readings kept when they differ, and outside sessions",
        include_str!("../../migrations/postgres/0008_meter_readings.sql"),
    ),
    (
        9,
        "connectors a station reports before anyone describes them",
        include_str!("../../migrations/postgres/0009_reported_connectors.sql"),
    ),
    (
        10,
        "station identities unique within their tenant",
        include_str!("../../migrations/postgres/0010_identities_within_tenants.sql"),
    ),
    (
        11,
        "partner tokens we issue hashed, secret station settings forgotten",
        include_str!("../../migrations/postgres/0011_secrets_at_rest.sql"),
    ),
    (
        12,
        "what is counted on a token, once per session",
        include_str!("../../migrations/postgres/0012_token_counts.sql"),
    ),
    (
        13,
        "the outbox of events, deliveries in order per object and leased, partner names",
        include_str!("../../migrations/postgres/0013_outbox.sql"),
    ),
    (
        14,
        "tokens roaming partners push, and what is pushed to them",
        include_str!("../../migrations/postgres/0014_roaming_tokens.sql"),
    ),
    (
        15,
        "nodes of a cluster, the stations each holds, duties",
        include_str!("../../migrations/postgres/0015_cluster.sql"),
    ),
    (
        16,
        "when a running session's progress was last told",
        include_str!("../../migrations/postgres/0016_session_progress.sql"),
    ),
    (
        17,
        "meter values kept one row per session and instant",
        include_str!("../../migrations/postgres/0017_meter_readings_per_instant.sql"),
    ),
    (
        18,
        "the station's own cost calculation kept with the session",
        include_str!("../../migrations/postgres/0018_station_cost_details.sql"),
    ),
    (
        19,
        "reservations asked for by roaming partners",
        include_str!("../../migrations/postgres/0019_partner_reservations.sql"),
    ),
    (
        20,
        "what hubs tell of the parties connected to them",
        include_str!("../../migrations/postgres/0020_hub_client_info.sql"),
    ),
];

/// A migration set compiled in, so a deployed binary needs no migration files.
#[derive(Debug)]
struct Embedded(&'static [Step]);

impl MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 'static>> {
        let migrations = self
            .0
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    Cow::Borrowed(sql),
                    false,
                )
            })
            .collect();
        Box::pin(async move { Ok(migrations) })
    }
}

/// The migrator of a set.
pub(crate) async fn migrator(
    steps: &'static [Step],
) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded(steps)).await
}
