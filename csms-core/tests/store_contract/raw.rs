//! Plain SQL on a store's database, for what the store traits refuse to do (and the
//! database must refuse too).

use std::future::Future;
use std::time::Duration;

use csms_core::store::{PostgresStore, SqliteStore, StoreResult};

/// Runs one statement with one integer bind on the store's pool.
pub(crate) trait RawSql {
    /// How many rows `sql` (with `$1` bound to `id`) changed, or the database's error.
    fn execute_raw(
        &self,
        sql: &str,
        id: i64,
    ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;

    /// Holds a write transaction on another connection for `time`, one that every write
    /// to session `session` must wait for (SQLite: the write lock of the file; PostgreSQL:
    /// the session's row, and the table of meter readings, which may still be read).
    fn hold_write_lock(
        &self,
        session: i64,
        time: Duration,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

    /// The store's `seal_secrets_kept_in_clear`.
    fn seal_secrets_kept_in_clear(&self) -> impl Future<Output = StoreResult<usize>> + Send;
}

impl RawSql for SqliteStore {
    async fn seal_secrets_kept_in_clear(&self) -> StoreResult<usize> {
        SqliteStore::seal_secrets_kept_in_clear(self).await
    }

    async fn execute_raw(&self, sql: &str, id: i64) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(sql).bind(id).execute(self.pool()).await?;
        Ok(done.rows_affected())
    }

    async fn hold_write_lock(&self, _session: i64, time: Duration) -> Result<(), sqlx::Error> {
        let mut transaction = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("UPDATE tenants SET name = name")
            .execute(&mut *transaction)
            .await?;
        tokio::time::sleep(time).await;
        transaction.commit().await
    }
}

impl RawSql for PostgresStore {
    async fn seal_secrets_kept_in_clear(&self) -> StoreResult<usize> {
        PostgresStore::seal_secrets_kept_in_clear(self).await
    }

    async fn execute_raw(&self, sql: &str, id: i64) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(sql).bind(id).execute(self.pool()).await?;
        Ok(done.rows_affected())
    }

    async fn hold_write_lock(&self, session: i64, time: Duration) -> Result<(), sqlx::Error> {
        let mut transaction = self.pool().begin().await?;
        sqlx::query("SELECT id FROM sessions WHERE id = $1 FOR UPDATE")
            .bind(session)
            .execute(&mut *transaction)
            .await?;
        sqlx::query("LOCK TABLE meter_readings IN EXCLUSIVE MODE")
            .execute(&mut *transaction)
            .await?;
        tokio::time::sleep(time).await;
        transaction.commit().await
    }
}
