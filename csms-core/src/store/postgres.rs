//! The PostgreSQL store, for operators who outgrow one machine.

use std::str::FromStr;
use std::time::Duration;

use rust_decimal::Decimal;
use sqlx::Row;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow, Postgres};

use super::cache::{SessionIds, StationCache};
use super::group_commit::{GroupCommit, GroupCommitConfig};
use super::migrate;
use super::sql::Placeholders;
use super::sql::sql_store;
use super::{StoreError, StoreResult};

/// A store in a PostgreSQL database, with its migrations applied when connected.
///
/// What stations send is written in group commits: many writes share
/// one transaction and one flush of the write-ahead log, a few batches at a time.
///
/// Decimals are `NUMERIC`, times `TIMESTAMPTZ`.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// The same pool: PostgreSQL reads on any connection.
    readers: PgPool,
    writes: GroupCommit<Postgres>,
    stations: StationCache,
    sessions: SessionIds,
    /// What secrets are sealed with ([`with_secret_key`](Self::with_secret_key)).
    secret_key: Option<std::sync::Arc<super::secret_box::SecretKey>>,
}

/// How statements built at run time name their parameters.
const PLACEHOLDERS: Placeholders = Placeholders::Numbered;

/// How a write transaction begins.
const BEGIN_WRITE: &str = "BEGIN";

/// Whether this transaction may dispatch outbox events: one transaction at a time, across
/// every process on the database, holds this advisory lock until it ends (so that events of
/// one object become deliveries in their order). The key is the outbox's own.
const DISPATCH_LOCK: Option<&str> = Some("SELECT pg_try_advisory_xact_lock(7465321001)");

/// What a query that leases rows appends: rows another transaction is leasing are passed over.
const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host/db`).
    pub async fn connect(url: &str) -> StoreResult<PostgresStore> {
        PostgresStore::connect_with(PgConnectOptions::from_str(url)?).await
    }

    /// Connects to the database at `url` and keeps everything in `schema` (created if
    /// missing): several installations, or test runs, can share one database. A schema
    /// name is ASCII letters, digits and underscores, not starting with a digit.
    pub async fn connect_in_schema(url: &str, schema: &str) -> StoreResult<PostgresStore> {
        let valid = schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
            && schema.chars().next().is_some_and(|c| !c.is_ascii_digit())
            && schema.len() <= 63;
        if !valid {
            return Err(StoreError::Invalid {
                what: "schema name",
                reason: format!("{schema:?} is not letters, digits and underscores"),
            });
        }
        let options = PgConnectOptions::from_str(url)?;
        let setup = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
            .execute(&setup)
            .await?;
        setup.close().await;
        PostgresStore::open(options.options([("search_path", schema)]), Some(schema)).await
    }

    /// Connects with `options`.
    pub async fn connect_with(options: PgConnectOptions) -> StoreResult<PostgresStore> {
        PostgresStore::open(options, None).await
    }

    /// Connects and migrates: the whole database locked while migrating, or only `schema`
    /// when everything is kept in one.
    async fn open(options: PgConnectOptions, schema: Option<&str>) -> StoreResult<PostgresStore> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect_with(options)
            .await?;
        let mut migrator = migrate::migrator(migrate::POSTGRES).await?;
        match schema {
            None => migrator.run(&pool).await?,
            Some(schema) => {
                // sqlx locks the whole database while it migrates; a schema needs only
                // itself locked, so that installations (or test runs) in other schemas of
                // the database migrate at the same time.
                let key = format!("csms-core migrations of schema {schema}");
                let mut connection = pool.acquire().await?;
                sqlx::query("SELECT pg_advisory_lock(hashtext($1))")
                    .bind(&key)
                    .execute(&mut *connection)
                    .await?;
                migrator.set_locking(false);
                let migrated = migrator.run(&mut *connection).await;
                sqlx::query("SELECT pg_advisory_unlock(hashtext($1))")
                    .bind(&key)
                    .execute(&mut *connection)
                    .await?;
                migrated?;
            }
        }
        let writes = GroupCommit::start(
            pool.clone(),
            GroupCommitConfig {
                max_batch: 512,
                concurrent_batches: 4,
                gather: Duration::from_millis(1),
                begin: BEGIN_WRITE,
                insert_meter_values: sessions::insert_meter_values,
            },
        );
        Ok(PostgresStore {
            readers: pool.clone(),
            pool,
            writes,
            stations: StationCache::default(),
            sessions: SessionIds::default(),
            secret_key: None,
        })
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn numeric_in(value: Decimal) -> Decimal {
    value
}

fn numeric_out(_column: &'static str, value: Decimal) -> StoreResult<Decimal> {
    Ok(value)
}

sql_store!(PostgresStore, PgRow, Decimal, numeric_in, numeric_out);
