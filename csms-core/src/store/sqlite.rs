//! The SQLite store: the embedded default, one file.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use rust_decimal::Decimal;
use sqlx::Row;
use sqlx::sqlite::{
    Sqlite, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};

use super::cache::{SessionIds, StationCache};
use super::group_commit::{GroupCommit, GroupCommitConfig};
use super::migrate;
use super::sql::Placeholders;
use super::sql::sql_store;
use super::{StoreError, StoreResult};
use crate::model::TokenHash;

/// A store in one SQLite file: write-ahead logging, foreign keys enforced, every commit
/// synced to disk (so what a station was answered survives a power cut), and its migrations
/// applied when opened.
///
/// SQLite has one writer at a time, so the store has one writing connection and never asks
/// the file for its write lock from two of its own connections: writes queue for that
/// connection (the busiest of them, what stations send, in group commits
/// sharing one transaction and one sync), while reads go to read-only connections that
/// write-ahead logging never blocks.
///
/// Decimals are kept as their exact text and times as RFC 3339 text in UTC.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// The one writing connection.
    pool: SqlitePool,
    /// Read-only connections.
    readers: SqlitePool,
    writes: GroupCommit<Sqlite>,
    stations: StationCache,
    sessions: SessionIds,
    /// What secrets are sealed with ([`with_secret_key`](Self::with_secret_key)).
    secret_key: Option<std::sync::Arc<super::secret_box::SecretKey>>,
}

/// How statements built at run time name their parameters.
const PLACEHOLDERS: Placeholders = Placeholders::Anonymous;

/// How a write transaction begins: with the write lock taken at once.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// Whether a transaction may dispatch outbox events: a SQLite file has one writer, so every
/// writing transaction may.
const DISPATCH_LOCK: Option<&str> = None;

/// What a query that leases rows appends: nothing, with one writer.
const SKIP_LOCKED: &str = "";

impl SqliteStore {
    /// Opens (creating it if needed) the database file at `path`.
    pub async fn open(path: impl AsRef<Path>) -> StoreResult<SqliteStore> {
        SqliteStore::open_with(SqliteConnectOptions::new().filename(path)).await
    }

    /// Opens the database a `sqlite:` URL names (`sqlite://csms.db`), creating it if needed.
    pub async fn connect(url: &str) -> StoreResult<SqliteStore> {
        SqliteStore::open_with(SqliteConnectOptions::from_str(url)?).await
    }

    /// Opens a database with `options`, to which this sets what the store relies on:
    /// creation if missing, WAL, foreign keys, full sync and a busy timeout.
    pub async fn open_with(options: SqliteConnectOptions) -> StoreResult<SqliteStore> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10));
        // No pool may time out a writer that waits its turn behind a long queue of
        // batches: the queue is bounded by the callers, not by a timeout.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(600))
            .connect_with(options.clone().pragma("cache_size", WRITER_CACHE))
            .await?;
        migrate::migrator(migrate::SQLITE).await?.run(&pool).await?;
        hash_clear_partner_tokens(&pool).await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        let writes = GroupCommit::start(
            pool.clone(),
            GroupCommitConfig {
                max_batch: 512,
                concurrent_batches: 1,
                gather: Duration::from_millis(2),
                begin: BEGIN_WRITE,
                insert_meter_values: sessions::insert_meter_values,
            },
        );
        Ok(SqliteStore {
            pool,
            readers,
            writes,
            stations: StationCache::default(),
            sessions: SessionIds::default(),
            secret_key: None,
        })
    }

    /// Closes every connection (after which the file can be copied or removed).
    pub async fn close(&self) {
        self.readers.close().await;
        self.pool.close().await;
    }
}

/// The page cache of the writing connection, in KiB (SQLite's `-N`): a batch touches the
/// newest index page of every session it writes to, and each of those read back from the file
/// instead of the cache costs a system call (SQLite's default is 2 MiB).
const WRITER_CACHE: &str = "-65536";

/// Replaces the partner tokens earlier versions kept in clear (`our_token`) by their hashes
/// (`our_token_hash`, see migration 10): SQLite has no SHA-256 for the migration to do it.
/// Nothing is left to do once it ran.
async fn hash_clear_partner_tokens(pool: &SqlitePool) -> StoreResult<()> {
    let clear: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, our_token FROM roaming_partners WHERE our_token IS NOT NULL")
            .fetch_all(pool)
            .await?;
    if clear.is_empty() {
        return Ok(());
    }
    let mut transaction = pool.begin_with(BEGIN_WRITE).await?;
    for (id, token) in clear {
        sqlx::query(
            "UPDATE roaming_partners SET our_token_hash = ?, our_token = NULL WHERE id = ?",
        )
        .bind(TokenHash::of(&token).as_str())
        .bind(id)
        .execute(&mut *transaction)
        .await?;
    }
    transaction.commit().await?;
    Ok(())
}

fn text_in(value: Decimal) -> String {
    value.to_string()
}

fn text_out(column: &'static str, value: String) -> StoreResult<Decimal> {
    Decimal::from_str_exact(&value).map_err(|error| StoreError::corrupt(column, error))
}

sql_store!(SqliteStore, SqliteRow, String, text_in, text_out);
