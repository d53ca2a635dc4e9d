//! Plain SQL on a store's database, for what the store traits refuse to do (and the
//! database must refuse too).

use std::future::Future;

use csms_core::store::{PostgresStore, SqliteStore};

/// Runs one statement with one integer bind on the store's pool.
pub(crate) trait RawSql {
    /// How many rows `sql` (with `$1` bound to `id`) changed, or the database's error.
    fn execute_raw(
        &self,
        sql: &str,
        id: i64,
    ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;
}

impl RawSql for SqliteStore {
    async fn execute_raw(&self, sql: &str, id: i64) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(sql).bind(id).execute(self.pool()).await?;
        Ok(done.rows_affected())
    }
}

impl RawSql for PostgresStore {
    async fn execute_raw(&self, sql: &str, id: i64) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(sql).bind(id).execute(self.pool()).await?;
        Ok(done.rows_affected())
    }
}
