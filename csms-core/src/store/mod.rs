//! Where the CSMS keeps its [model](crate::model): the [`Store`] trait family, and stores on
//! SQLite ([`SqliteStore`], the embedded default) and PostgreSQL ([`PostgresStore`]).
//!
//! # Tenants
//!
//! Every method that reads or changes a tenant's rows takes the [`TenantId`](crate::model::TenantId) explicitly and
//! every query it runs is filtered by it: a row of tenant A is neither found, nor changed,
//! nor counted through tenant B's id (a method asked for it answers `None`, `false` or an
//! empty list, as for a row that does not exist). The schemas back this up: a row that
//! points at another (a session at its station) points at the pair `(tenant_id, id)`, so a
//! foreign key cannot join rows of two tenants. Meter readings, the most written rows, have
//! no foreign key (its check would cost a lookup per row): they are inserted only for a
//! session found by its tenant and id.
//!
//! A station's identity is unique within its tenant only: two tenants may each have a
//! station `CP-1`. A connecting station names its tenant in its connection URL (see
//! [`crate::ocpp`]), so [`StationStore::station_by_identity`] takes the tenant like every
//! other lookup.
//!
//! Two lookups are not scoped, because they are how a tenant is found in the first place:
//!
//! - [`RoamingStore::partner_by_our_token`]: the token an OCPI partner presents is unique
//!   across the system and finds the partner, and so the tenant.
//! - [`UserStore::api_key_by_prefix`]: an API key's public prefix is unique across the
//!   system and finds the key, and so its tenant; the secret is then checked against the
//!   stored hash ([`ApiKey::accepts`](crate::model::ApiKey::accepts)).
//!
//! # Idempotency
//!
//! [`SessionStore::start_session`] inserts or gets: the same start delivered twice creates
//! one session (a unique constraint on the station and the start's key, then a read of the
//! row that won). A stop of a transaction the store does not know is kept
//! ([`SessionStore::record_unknown_stop`]), once. A meter value is kept once per session,
//! time, sampled quantity (measurand, phase, location, context), unit and value, so a
//! MeterValues or TransactionEvent delivered again adds nothing, while a reading that
//! differs from a kept one at the same instant is kept beside it, never dropped (a
//! session's values are kept one row per instant, see `readings.rs`). Meter
//! values of no session the store knows are kept against their station
//! ([`SessionStore::record_meter_values`]), by the same rule. A stop on a session that is
//! already over changes nothing.
//! [`CdrStore::issue_cdr`] issues one CDR per session (a unique constraint on the session): the
//! same session again gives the first CDR back. An issued CDR cannot be changed or deleted:
//! triggers in both schemas refuse it. [`TokenStore::record_token_usage`] adds to a token's
//! counters in one transaction that holds the token's row, so concurrent additions all count.
//!
//! # Writes
//!
//! Nothing a store method does holds a transaction while it waits for another connection
//! of the store, so writers cannot deadlock one another. What stations send is written in
//! group commits: a committer task runs the writes waiting for it in one transaction with
//! one sync (at most 512, on one connection for SQLite, up to four batches at once on
//! PostgreSQL), and answers each only once that transaction has committed; a write that
//! fails is undone alone (its batch runs again with a savepoint per write), a commit that
//! fails fails the writes of that batch with [`StoreError::CommitFailed`]. A write waits
//! for its batch no longer than the batch before it takes to commit, and a millisecond or
//! two more while a wave of writes like the last one is still arriving. SQLite writes go
//! through the store's one writing connection, which takes the write lock when its
//! transaction begins (`BEGIN IMMEDIATE`); reads go through read-only connections, which
//! write-ahead logging never blocks.
//!
//! # Migrations
//!
//! Each store carries its own migration set (`csms-core/migrations/sqlite/` and
//! `csms-core/migrations/postgres/`), embedded in the binary and applied when the store is
//! opened, through sqlx's migrator (which records them in `_sqlx_migrations` and refuses a
//! database whose applied migrations were changed).

mod cache;
mod charging;
mod error;
mod group_commit;
mod migrate;
mod nodes;
mod page;
mod partners;
mod people;
mod places;
mod postgres;
mod readings;
mod secret_box;
mod sql;
mod sqlite;

pub use cache::StationSnapshot;
pub use charging::{CdrStore, InvoiceStore, SessionStore, TariffStore};
pub use error::StoreError;
pub use nodes::ClusterStore;
pub use page::{Page, Paged};
pub use partners::{OutboxStore, RoamingStore, WebhookStore};
pub use people::{AuditStore, TenantStore, TokenStore, UserStore, VehicleStore};
pub use places::{
    ChargingProfileStore, ConfigurationStore, LocationStore, ReservationStore, StationStore,
};
pub use postgres::PostgresStore;
pub use secret_box::{SecretError, SecretKey};
pub use sqlite::SqliteStore;

/// How far apart a running session's progress is told, in the time of its readings: meter
/// values that reach this far past its start or its last progress write a `session.updated`
/// event (with the session), which roaming partners and webhooks receive.
pub const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// What store methods return.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the CSMS stores.
pub trait Store:
    TenantStore
    + UserStore
    + TokenStore
    + VehicleStore
    + LocationStore
    + StationStore
    + SessionStore
    + TariffStore
    + CdrStore
    + ConfigurationStore
    + ReservationStore
    + ChargingProfileStore
    + InvoiceStore
    + RoamingStore
    + WebhookStore
    + OutboxStore
    + AuditStore
    + ClusterStore
    + 'static
{
}

impl<T> Store for T where
    T: TenantStore
        + UserStore
        + TokenStore
        + VehicleStore
        + LocationStore
        + StationStore
        + SessionStore
        + TariffStore
        + CdrStore
        + ConfigurationStore
        + ReservationStore
        + ChargingProfileStore
        + InvoiceStore
        + RoamingStore
        + WebhookStore
        + OutboxStore
        + AuditStore
        + ClusterStore
        + 'static
{
}
