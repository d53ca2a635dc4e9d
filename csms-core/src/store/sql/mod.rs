//! The SQL both stores run, written once: [`sql_store!`] implements every store trait for a
//! store type on one sqlx database. Queries are built at run time (no compile-time checking
//! against a live database) and use `$1, $2, ...` placeholders, which SQLite and PostgreSQL
//! both understand. What differs between the two (the column type of decimals) is passed
//! in.

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{StoreError, StoreResult};

pub(super) mod audit;
pub(super) mod cdrs;
pub(super) mod charging_profiles;
pub(super) mod cluster;
pub(super) mod configuration;
pub(super) mod inherent;
pub(super) mod invoices;
pub(super) mod locations;
pub(super) mod outbox;
pub(super) mod reservations;
pub(super) mod roaming;
pub(super) mod sessions;
pub(super) mod stations;
pub(super) mod tariffs;
pub(super) mod tenants;
pub(super) mod tokens;
pub(super) mod users;
pub(super) mod vehicles;
pub(super) mod webhooks;

/// Now, to the microsecond (what PostgreSQL keeps), so that a value read back equals the
/// value written on both databases.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A time as stored, to the microsecond.
pub(crate) fn at(time: DateTime<Utc>) -> DateTime<Utc> {
    time.trunc_subsecs(6)
}

pub(crate) fn to_json<T: Serialize + ?Sized>(what: &'static str, value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|error| StoreError::Invalid {
        what,
        reason: error.to_string(),
    })
}

pub(crate) fn from_json<T: DeserializeOwned>(what: &'static str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|error| StoreError::corrupt(what, error))
}

pub(crate) fn parse<T>(
    what: &'static str,
    text: &str,
    parse: fn(&str) -> Option<T>,
) -> StoreResult<T> {
    parse(text).ok_or_else(|| StoreError::corrupt(what, format!("unknown value {text:?}")))
}

pub(crate) fn parse_opt<T>(
    what: &'static str,
    text: Option<String>,
    parse: fn(&str) -> Option<T>,
) -> StoreResult<Option<T>> {
    text.map(|text| self::parse(what, &text, parse)).transpose()
}

/// `None` as the empty string, for columns in unique keys.
pub(crate) fn or_empty(text: &Option<String>) -> &str {
    text.as_deref().unwrap_or("")
}

/// The empty string as `None`.
pub(crate) fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// What makes two starts the same start (see [`crate::model::NewSession`]).
pub(crate) fn start_key(new: &crate::model::NewSession) -> String {
    match &new.transaction_id {
        Some(id) => format!("tx:{id}"),
        None => format!(
            "start:{}:{}:{}",
            new.evse_id.unwrap_or(0),
            new.connector_id.unwrap_or(0),
            at(new.started_at).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        ),
    }
}

/// How a database's statements name their parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placeholders {
    /// `$1, $2, ...` (PostgreSQL).
    Numbered,
    /// `?`, numbered by where they stand in the statement (SQLite, which finds a named or
    /// numbered parameter by walking a list, so that binding thousands of them costs the
    /// square of their number).
    Anonymous,
}

/// The placeholders of a statement, in the order they stand in its text (and are bound).
#[derive(Debug)]
pub(crate) struct Params {
    style: Placeholders,
    count: usize,
}

impl Params {
    pub(crate) fn new(style: Placeholders) -> Params {
        Params { style, count: 0 }
    }

    /// The next placeholder.
    pub(crate) fn next(&mut self) -> String {
        self.count += 1;
        match self.style {
            Placeholders::Numbered => format!("${}", self.count),
            Placeholders::Anonymous => "?".to_owned(),
        }
    }

    /// The next `rows` rows of `columns` placeholders each, as a `VALUES` list:
    /// `($5, $6), ($7, $8)`.
    pub(crate) fn rows(&mut self, rows: usize, columns: usize) -> String {
        let mut text = String::with_capacity(rows * columns * 6);
        for row in 0..rows {
            if row > 0 {
                text.push_str(", ");
            }
            text.push('(');
            for column in 0..columns {
                if column > 0 {
                    text.push_str(", ");
                }
                text.push_str(&self.next());
            }
            text.push(')');
        }
        text
    }
}

/// Statement texts that differ only in how many rows they take, each made once (so that
/// a hot path neither formats its statement again nor misses the prepared-statement cache).
#[derive(Debug)]
pub(crate) struct StatementTexts(std::sync::Mutex<Vec<Option<std::sync::Arc<str>>>>);

impl StatementTexts {
    pub(crate) const fn new() -> StatementTexts {
        StatementTexts(std::sync::Mutex::new(Vec::new()))
    }

    /// The text for `rows` rows, made by `make` the first time.
    pub(crate) fn get(&self, rows: usize, make: impl FnOnce() -> String) -> std::sync::Arc<str> {
        let mut made = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if made.len() <= rows {
            made.resize(rows + 1, None);
        }
        made[rows].get_or_insert_with(|| make().into()).clone()
    }
}

/// Implements every store trait for `$store`, a struct
/// with fields `pool: sqlx::Pool<$db>` and `unknown_stations: Option<TenantId>`.
///
/// `$dec` is the column type decimals are bound and read as; `$dec_in` and `$dec_out`
/// convert to and from it.
macro_rules! sql_store {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        fn dec(row: &$row, column: &'static str) -> StoreResult<Option<Decimal>> {
            row.try_get::<Option<$dec>, _>(column)?
                .map(|value| $dec_out(column, value))
                .transpose()
        }

        fn dec_in(value: Option<Decimal>) -> Option<$dec> {
            value.map($dec_in)
        }

        $crate::store::sql::tenants::tenants!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::users::users!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::tokens::tokens!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::vehicles::vehicles!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::locations::locations!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::stations::stations!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::sessions::sessions!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::tariffs::tariffs!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::cdrs::cdrs!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::configuration::configuration!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::reservations::reservations!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::charging_profiles::charging_profiles!(
            $store, $row, $dec, $dec_in, $dec_out
        );
        $crate::store::sql::invoices::invoices!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::roaming::roaming!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::webhooks::webhooks!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::outbox::outbox!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::audit::audit!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::cluster::cluster!($store, $row, $dec, $dec_in, $dec_out);
        $crate::store::sql::inherent::inherent!($store, $row);
    };
}

pub(crate) use sql_store;
