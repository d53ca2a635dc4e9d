//! A finished, priced session as an OCPI 2.2.1 `Cdr` object.
//!
//! [`build`] is plain code over what the store knows; the object is then decoded back
//! strictly (`ocpi_types::decode`), and [`build`] refuses with the findings when it does not
//! validate. It needs the station's location (OCPI CDRs name an address and coordinates)
//! and the connector (its standard, format and power type): a session at a station without
//! them has no OCPI CDR.
//!
//! - `id` is `S<session id>`, unique within the tenant's party; `session_id` the session's
//!   id;
//! - `cdr_token`: the tenant's party, the token's uid as uid and contract id, the type from
//!   the token's kind (RFID → `RFID`, app → `APP_USER`, no known token → `AD_HOC_USER`, any
//!   other → `OTHER`);
//! - `auth_method`: a remote start is `COMMAND`, a local list or cache `WHITELIST`, anything
//!   else `AUTH_REQUEST`;
//! - `cdr_location`: `evse_uid` is the EVSE's OCPI uid, else its number; `evse_id` the OCPI
//!   uid, else `<identity>*<number>`;
//! - the totals are the pricing's (`total_energy` in kWh, times in hours).

use chrono::{DateTime, SubsecRound, Utc};
use ocpi_types::common::{CiString, DateTime as OcpiDateTime, OcpiString, Price};
use ocpi_types::v221::cdrs::{AuthMethod as OcpiAuthMethod, Cdr, ChargingPeriod};
use ocpi_types::v221::tariffs::Tariff;
use serde_json::json;

use crate::model::{
    AuthMethod, ChargingSession, Connector, Evse, Location, Station, Tenant, Token, TokenKind,
};
use crate::tariff::{Amount, Pricing};

/// What an OCPI CDR is built from.
#[derive(Debug, Clone, Copy)]
pub struct CdrFacts<'a> {
    /// The tenant (its OCPI party).
    pub tenant: &'a Tenant,
    /// The finished session.
    pub session: &'a ChargingSession,
    /// Its token, if it is one of the tenant's.
    pub token: Option<&'a Token>,
    /// The station.
    pub station: &'a Station,
    /// The station's location.
    pub location: &'a Location,
    /// The session's EVSE.
    pub evse: Option<&'a Evse>,
    /// The session's connector.
    pub connector: &'a Connector,
    /// The tariff it was priced with.
    pub tariff: Option<&'a Tariff>,
    /// Its charging periods.
    pub periods: &'a [ChargingPeriod],
    /// Its pricing.
    pub pricing: &'a Pricing,
    /// When the CDR is made.
    pub now: DateTime<Utc>,
}

/// A time as OCPI writes it, to the second (OCPI allows 25 characters).
fn ocpi_time(at: DateTime<Utc>) -> OcpiDateTime {
    OcpiDateTime::from_utc(at.trunc_subsecs(0))
}

fn price(amount: Amount) -> Price {
    Price {
        excl_vat: amount.excl_vat,
        incl_vat: Some(amount.incl_vat),
    }
}

fn nonzero(amount: Amount) -> Option<Price> {
    (amount != Amount::ZERO).then(|| price(amount))
}

/// Builds the OCPI CDR of a priced session, or says why it does not validate.
pub fn build(facts: &CdrFacts<'_>) -> Result<Cdr, String> {
    let session = facts.session;
    let party = (&facts.tenant.country_code, &facts.tenant.party_id);
    let token_type = match facts.token.map(|t| t.kind) {
        None => "AD_HOC_USER",
        Some(TokenKind::Rfid) => "RFID",
        Some(TokenKind::App) => "APP_USER",
        Some(_) => "OTHER",
    };
    let uid = session
        .token_uid
        .clone()
        .unwrap_or_else(|| "UNKNOWN".to_owned());
    let cdr_token = serde_json::from_value(json!({
        "country_code": party.0,
        "party_id": party.1,
        "uid": uid,
        "type": token_type,
        "contract_id": uid,
    }))
    .map_err(|e| format!("cdr_token: {e}"))?;
    let evse_number = facts.connector.evse_id;
    let evse_uid = facts
        .evse
        .and_then(|e| e.uid.clone())
        .unwrap_or_else(|| evse_number.to_string());
    let evse_id = facts
        .evse
        .and_then(|e| e.uid.clone())
        .unwrap_or_else(|| format!("{}*{evse_number}", facts.station.identity));
    let location = facts.location;
    let coordinates = location
        .coordinates
        .as_ref()
        .ok_or("the location has no coordinates")?;
    let cdr_location = serde_json::from_value(json!({
        "id": location.id.to_string(),
        "name": location.name,
        "address": location.address.street,
        "city": location.address.city,
        "postal_code": location.address.postal_code,
        "state": location.address.state,
        "country": location.address.country,
        "coordinates": {
            "latitude": crate::roaming::publish::ocpi_coordinate(coordinates.latitude),
            "longitude": crate::roaming::publish::ocpi_coordinate(coordinates.longitude),
        },
        "evse_uid": evse_uid,
        "evse_id": evse_id,
        "connector_id": facts.connector.connector_id.to_string(),
        "connector_standard": facts.connector.standard,
        "connector_format": facts.connector.format,
        "connector_power_type": facts.connector.power_type,
    }))
    .map_err(|e| format!("cdr_location: {e}"))?;
    let auth_method = match session.auth_method {
        Some(AuthMethod::RemoteStart) => OcpiAuthMethod::Command,
        Some(AuthMethod::LocalList | AuthMethod::Cache) => OcpiAuthMethod::Whitelist,
        _ => OcpiAuthMethod::AuthRequest,
    };
    let pricing = facts.pricing;
    let end = session.stopped_at.ok_or("the session is not over")?;
    let cdr = Cdr {
        country_code: CiString::from(party.0.as_str()),
        party_id: CiString::from(party.1.as_str()),
        id: CiString::from(format!("S{}", session.id)),
        start_date_time: ocpi_time(session.started_at),
        end_date_time: ocpi_time(end),
        session_id: Some(CiString::from(session.id.to_string())),
        cdr_token,
        auth_method,
        authorization_reference: None,
        cdr_location,
        meter_id: None,
        currency: OcpiString::from(pricing.currency.as_str()),
        tariffs: facts.tariff.cloned().into_iter().collect(),
        charging_periods: facts.periods.to_vec(),
        signed_data: None,
        total_cost: price(pricing.total_cost),
        total_fixed_cost: nonzero(pricing.total_fixed_cost),
        total_energy: pricing.total_energy,
        total_energy_cost: nonzero(pricing.total_energy_cost),
        total_time: pricing.total_time,
        total_time_cost: nonzero(pricing.total_time_cost),
        total_parking_time: Some(pricing.total_parking_time),
        total_parking_cost: nonzero(pricing.total_parking_cost),
        total_reservation_cost: nonzero(pricing.total_reservation_cost),
        remark: None,
        invoice_reference_id: None,
        credit: None,
        credit_reference_id: None,
        home_charging_compensation: None,
        last_updated: ocpi_time(facts.now),
    };
    let text = serde_json::to_string(&cdr).map_err(|e| e.to_string())?;
    let (checked, report) =
        ocpi_types::decode::<Cdr>(&text, ocpi_types::Mode::Strict).map_err(|e| e.to_string())?;
    if !report.is_ok() {
        return Err(format!("{report:?}"));
    }
    Ok(checked)
}
