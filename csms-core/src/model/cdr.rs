//! Charge detail records: what a finished session is billed, issued once and never
//! changed.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::session::SessionId;
use super::station::StationId;
use super::tariff::TariffId;
use super::tenant::TenantId;
use super::user::UserId;

id_type!(
    /// The identifier of a CDR.
    CdrId
);

/// A charge detail record. Issued once per session
/// ([`CdrStore::issue_cdr`](crate::store::CdrStore::issue_cdr)); the database refuses any
/// change to it afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cdr {
    /// Its identifier.
    pub id: CdrId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The session it bills.
    pub session_id: SessionId,
    /// The station of the session.
    pub station_id: StationId,
    /// The token presented, as sent.
    pub token_uid: Option<String>,
    /// Who pays: the owner of the token (a user or renter), if known.
    pub owner: Option<UserId>,
    /// When the session started.
    pub started_at: DateTime<Utc>,
    /// When it stopped.
    pub stopped_at: DateTime<Utc>,
    /// Energy billed, in Wh.
    #[serde(with = "ocpi_types::common::number")]
    pub energy_wh: Decimal,
    /// ISO 4217 currency.
    pub currency: String,
    /// Total cost excluding VAT.
    #[serde(with = "ocpi_types::common::number")]
    pub total_cost_excl_vat: Decimal,
    /// Total cost including VAT, when VAT is known.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub total_cost_incl_vat: Option<Decimal>,
    /// The tariff it was priced with.
    pub tariff_id: Option<TariffId>,
    /// The details behind the totals (an OCPI CDR, the pricing breakdown), as given.
    pub details: serde_json::Value,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
}

/// What it takes to issue a [`Cdr`]. The station, token, start and stop come from the
/// session, which must be over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCdr {
    /// The session it bills.
    pub session_id: SessionId,
    /// Who pays; the owner of the session's token when `None`.
    pub owner: Option<UserId>,
    /// Energy billed, in Wh.
    #[serde(with = "ocpi_types::common::number")]
    pub energy_wh: Decimal,
    /// ISO 4217 currency.
    pub currency: String,
    /// Total cost excluding VAT.
    #[serde(with = "ocpi_types::common::number")]
    pub total_cost_excl_vat: Decimal,
    /// Total cost including VAT.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub total_cost_incl_vat: Option<Decimal>,
    /// The tariff it was priced with.
    pub tariff_id: Option<TariffId>,
    /// The details behind the totals.
    pub details: serde_json::Value,
}

/// Which CDRs to list; every field narrows, `None` does not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CdrFilter {
    /// Of this session.
    pub session: Option<SessionId>,
    /// Paid by this user.
    pub owner: Option<UserId>,
    /// Of sessions started at or after this.
    pub from: Option<DateTime<Utc>>,
    /// Of sessions started before this.
    pub to: Option<DateTime<Utc>>,
    /// Issued at or after this.
    pub issued_from: Option<DateTime<Utc>>,
    /// Issued before this.
    pub issued_to: Option<DateTime<Utc>>,
    /// Of sessions charged with a token this roaming partner pushed.
    pub roaming_partner: Option<super::RoamingPartnerId>,
}
