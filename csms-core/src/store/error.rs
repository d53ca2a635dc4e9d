//! The one error of every store.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A value that must be unique is taken (a station identity, a token uid, ...), or a
    /// row to delete is still referenced (a tariff assigned, a token with sessions, ...).
    #[error("conflict: {what}")]
    Conflict {
        /// What was taken.
        what: &'static str,
    },
    /// A row the operation needs does not exist in the tenant.
    #[error("no such {what} in this tenant")]
    NotFound {
        /// What is missing.
        what: &'static str,
    },
    /// A value cannot be stored (out of range, for instance).
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// The value.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A stored value cannot be read back (written by something else, or damaged).
    #[error("stored {what} cannot be read: {reason}")]
    Corrupt {
        /// The value.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The database failed or could not be reached.
    #[error("database: {0}")]
    Database(#[source] sqlx::Error),
    /// The transaction a write was batched in could not begin or commit (or the store is
    /// closed): nothing of the write is kept.
    #[error("database: the write was not committed: {reason}")]
    CommitFailed {
        /// Why.
        reason: String,
    },
    /// The migrations could not be applied.
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// A database error, with unique violations told apart as [`StoreError::Conflict`] on
    /// `what`.
    pub(crate) fn on(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |error| {
            let unique = error
                .as_database_error()
                .is_some_and(|db| db.is_unique_violation());
            if unique {
                StoreError::Conflict { what }
            } else {
                StoreError::Database(error)
            }
        }
    }

    /// A database error, with foreign-key violations (a row still referenced, or a
    /// reference to a row that does not exist) told apart as [`StoreError::Conflict`] on
    /// `what`, and unique violations as well.
    pub(crate) fn referenced(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |error| {
            let conflict = error
                .as_database_error()
                .is_some_and(|db| db.is_foreign_key_violation() || db.is_unique_violation());
            if conflict {
                StoreError::Conflict { what }
            } else {
                StoreError::Database(error)
            }
        }
    }

    /// Whether `error` is a foreign-key violation.
    pub(crate) fn is_foreign_key(error: &sqlx::Error) -> bool {
        error
            .as_database_error()
            .is_some_and(|db| db.is_foreign_key_violation())
    }

    pub(crate) fn corrupt(what: &'static str, reason: impl ToString) -> StoreError {
        StoreError::Corrupt {
            what,
            reason: reason.to_string(),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        StoreError::Database(error)
    }
}
