//! The SQLite store: the embedded default, one file.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use rust_decimal::Decimal;
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};

use super::migrate;
use super::sql::sql_store;
use super::{StoreError, StoreResult};
use crate::model::TenantId;

/// A store in one SQLite file: write-ahead logging, foreign keys enforced, every commit
/// synced to disk (so what a station was answered survives a power cut), and its migrations
/// applied when opened.
///
/// Decimals are kept as their exact text and times as RFC 3339 text in UTC.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    unknown_stations: Option<TenantId>,
}

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
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        migrate::migrator(migrate::SQLITE).await?.run(&pool).await?;
        Ok(SqliteStore {
            pool,
            unknown_stations: None,
        })
    }

    /// Closes every connection (after which the file can be copied or removed).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn text_in(value: Decimal) -> String {
    value.to_string()
}

fn text_out(column: &'static str, value: String) -> StoreResult<Decimal> {
    Decimal::from_str_exact(&value).map_err(|error| StoreError::corrupt(column, error))
}

sql_store!(SqliteStore, SqliteRow, String, text_in, text_out);
