//! Invoices: a user's (or renter's) CDRs of a period, totalled, issued once and never
//! changed.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::cdr::CdrId;
use super::tenant::TenantId;
use super::user::UserId;

id_type!(
    /// The identifier of an invoice.
    InvoiceId
);

/// An invoice. The database refuses any change to it once issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// Its identifier.
    pub id: InvoiceId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Who pays.
    pub owner: UserId,
    /// The period's start (inclusive): CDRs of sessions started from then.
    pub period_start: DateTime<Utc>,
    /// The period's end (exclusive).
    pub period_end: DateTime<Utc>,
    /// The currency of every CDR on it.
    pub currency: String,
    /// The CDRs it groups, oldest session first.
    pub cdrs: Vec<CdrId>,
    /// Their energy, in Wh.
    #[serde(with = "ocpi_types::common::number")]
    pub energy_wh: Decimal,
    /// Their total cost excluding VAT.
    #[serde(with = "ocpi_types::common::number")]
    pub total_excl_vat: Decimal,
    /// Their total cost including VAT, when every CDR states it.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub total_incl_vat: Option<Decimal>,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
}

/// What to invoice: the owner's CDRs in `currency` of sessions started in
/// `[period_start, period_end)` that no invoice has yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInvoice {
    /// Who pays.
    pub owner: UserId,
    /// The period's start (inclusive).
    pub period_start: DateTime<Utc>,
    /// The period's end (exclusive).
    pub period_end: DateTime<Utc>,
    /// The currency.
    pub currency: String,
}
