//! What a tenant publishes to its roaming partners: its locations (with their EVSEs and
//! connectors) and charging sessions as OCPI 2.2.1 objects. Plain code over what the store
//! knows; each object is decoded back strictly (`ocpi_types::decode`) so that nothing
//! invalid leaves.
//!
//! What OCPI requires and the model may lack is never invented: a location without
//! coordinates is not published, nor a connector whose standard, format or power type
//! nobody described, nor an EVSE left without connectors.
//!
//! - A location's `id` is its number; an EVSE's `uid` its OCPI uid when one was given, else
//!   `<station identity>*<EVSE number>` (unique within the location), which is also its
//!   `evse_id`; a connector's `id` its number.
//! - An EVSE's status follows its connectors: charging when one is in use, reserved,
//!   out of order when faulted, inoperative when taken out of service, else available.
//! - A session's `id` is its number; its `kwh` its energy so far (0 until known), its
//!   `cdr_token` the tenant's party with the token's uid (type `RFID` unless the token says
//!   otherwise).

use chrono::{DateTime, SubsecRound, Utc};
use ocpi_types::v221::locations::{Evse as OcpiEvse, Location as OcpiLocation};
use ocpi_types::v221::sessions::Session as OcpiSession;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::model::{
    AuthMethod, ChargingSession, Connector, ConnectorStatus, Evse, Location, SessionStatus,
    Station, Tenant, Token, TokenKind,
};

/// A station at a location, with its EVSEs and connectors.
#[derive(Debug, Clone, Copy)]
pub struct PublishedStation<'a> {
    /// The station.
    pub station: &'a Station,
    /// Its EVSEs.
    pub evses: &'a [Evse],
    /// Its connectors.
    pub connectors: &'a [Connector],
}

/// OCPI's form of a time: UTC, to the second.
fn ocpi_time(at: DateTime<Utc>) -> String {
    at.trunc_subsecs(0)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Decodes `value` strictly as `T`, or says why it is not valid.
fn checked<T: DeserializeOwned + ocpi_types::Validate>(
    what: &str,
    value: &Value,
) -> Result<T, String> {
    let text = value.to_string();
    let (object, report) = ocpi_types::decode::<T>(&text, ocpi_types::Mode::Strict)
        .map_err(|error| format!("{what}: {error}"))?;
    if !report.is_ok() {
        return Err(format!("{what}: {report:?}"));
    }
    Ok(object)
}

/// A coordinate as OCPI writes it: decimal degrees with 5 to 7 decimals.
pub fn ocpi_coordinate(degrees: Decimal) -> String {
    let scale = degrees.scale().clamp(5, 7) as usize;
    format!("{:.*}", scale, degrees.round_dp(7))
}

/// The uid of an EVSE within its location.
pub fn evse_uid(station: &Station, evse: i32, given: Option<&str>) -> String {
    given.map_or_else(|| format!("{}*{evse}", station.identity), str::to_owned)
}

/// The OCPI status of an EVSE whose connectors are in these states.
fn evse_status(statuses: impl IntoIterator<Item = ConnectorStatus>) -> &'static str {
    use ConnectorStatus::*;
    let statuses: Vec<ConnectorStatus> = statuses.into_iter().collect();
    let any = |wanted: &[ConnectorStatus]| statuses.iter().any(|s| wanted.contains(s));
    if any(&[
        Preparing,
        Charging,
        SuspendedEv,
        SuspendedEvse,
        Finishing,
        Occupied,
    ]) {
        "CHARGING"
    } else if any(&[Reserved]) {
        "RESERVED"
    } else if any(&[Faulted]) {
        "OUTOFORDER"
    } else if !statuses.is_empty() && statuses.iter().all(|s| *s == Unavailable) {
        "INOPERATIVE"
    } else if any(&[Available]) {
        "AVAILABLE"
    } else {
        "UNKNOWN"
    }
}

/// The OCPI connector of a described connector; `None` when it is not described.
fn connector_json(connector: &Connector, last_updated: &str) -> Option<Value> {
    let (standard, format, power_type) = (
        connector.standard.as_ref()?,
        connector.format.as_ref()?,
        connector.power_type.as_ref()?,
    );
    Some(json!({
        "id": connector.connector_id.to_string(),
        "standard": standard,
        "format": format,
        "power_type": power_type,
        "max_voltage": connector.max_voltage.unwrap_or(0),
        "max_amperage": connector.max_amperage.unwrap_or(0),
        "max_electric_power": connector.max_power_w,
        "last_updated": last_updated,
    }))
}

/// The OCPI EVSEs of a station; EVSEs without a described connector are left out.
fn evses_json(published: &PublishedStation<'_>, now: DateTime<Utc>) -> Vec<Value> {
    let mut evses = Vec::new();
    for evse in published.evses {
        let mine: Vec<&Connector> = published
            .connectors
            .iter()
            .filter(|c| c.evse_id == evse.evse_id)
            .collect();
        let last_updated = mine
            .iter()
            .filter_map(|c| c.status_at)
            .max()
            .unwrap_or(published.station.created_at)
            .min(now);
        let stamp = ocpi_time(last_updated);
        let connectors: Vec<Value> = mine
            .iter()
            .filter_map(|c| connector_json(c, &stamp))
            .collect();
        if connectors.is_empty() {
            continue;
        }
        let uid = evse_uid(published.station, evse.evse_id, evse.uid.as_deref());
        evses.push(json!({
            "uid": uid,
            "evse_id": uid,
            "status": evse_status(mine.iter().map(|c| c.status)),
            "connectors": connectors,
            "last_updated": stamp,
        }));
    }
    evses
}

/// The OCPI Location of a location and the stations at it, or why it cannot be published.
pub fn location(
    tenant: &Tenant,
    location: &Location,
    stations: &[PublishedStation<'_>],
    now: DateTime<Utc>,
) -> Result<OcpiLocation, String> {
    let coordinates = location
        .coordinates
        .as_ref()
        .ok_or("the location has no coordinates")?;
    let evses: Vec<Value> = stations
        .iter()
        .flat_map(|station| evses_json(station, now))
        .collect();
    let last_updated = evses
        .iter()
        .filter_map(|evse| evse["last_updated"].as_str().map(str::to_owned))
        .chain(std::iter::once(ocpi_time(location.created_at)))
        .max()
        .unwrap_or_else(|| ocpi_time(location.created_at));
    let value = json!({
        "country_code": tenant.country_code,
        "party_id": tenant.party_id,
        "id": location.id.to_string(),
        "publish": true,
        "name": location.name,
        "address": location.address.street,
        "city": location.address.city,
        "postal_code": location.address.postal_code,
        "state": location.address.state,
        "country": location.address.country,
        "coordinates": {
            "latitude": ocpi_coordinate(coordinates.latitude),
            "longitude": ocpi_coordinate(coordinates.longitude),
        },
        "evses": evses,
        "time_zone": location.time_zone,
        "opening_times": { "twentyfourseven": location.opening_hours.twenty_four_seven },
        "last_updated": last_updated,
    });
    checked("location", &value)
}

/// One EVSE of a published location, by uid.
pub fn evse_of<'a>(location: &'a OcpiLocation, uid: &str) -> Option<&'a OcpiEvse> {
    location.evses.iter().find(|evse| evse.uid.as_str() == uid)
}

/// The OCPI status of a session.
fn session_status(status: SessionStatus) -> &'static str {
    match status {
        SessionStatus::Completed => "COMPLETED",
        SessionStatus::Failed => "INVALID",
        SessionStatus::Authorized => "PENDING",
        SessionStatus::Charging
        | SessionStatus::SuspendedEv
        | SessionStatus::SuspendedEvse
        | SessionStatus::Finishing => "ACTIVE",
    }
}

/// The `cdr_token` of a session charged with a roaming partner's token: that token's
/// party, uid, type and contract.
pub fn roaming_cdr_token(token: &ocpi_types::v221::tokens::Token) -> Value {
    json!({
        "country_code": token.country_code,
        "party_id": token.party_id,
        "uid": token.uid,
        "type": token.r#type,
        "contract_id": token.contract_id,
    })
}

/// The OCPI Session of a charging session at a station of a location, or why it cannot be
/// published. `roaming`: the partner's token it was charged with, if it was.
pub fn session(
    tenant: &Tenant,
    session: &ChargingSession,
    token: Option<&Token>,
    roaming: Option<&ocpi_types::v221::tokens::Token>,
    station: &Station,
    location: &Location,
    evse: Option<&Evse>,
) -> Result<OcpiSession, String> {
    let evse_number = session.evse_id.unwrap_or(1);
    let uid = session
        .token_uid
        .clone()
        .unwrap_or_else(|| "UNKNOWN".to_owned());
    let token_type = match token.map(|t| t.kind) {
        None => "AD_HOC_USER",
        Some(TokenKind::Rfid) => "RFID",
        Some(TokenKind::App) => "APP_USER",
        Some(_) => "OTHER",
    };
    let auth_method = match session.auth_method {
        Some(AuthMethod::RemoteStart) => "COMMAND",
        Some(AuthMethod::LocalList | AuthMethod::Cache) => "WHITELIST",
        _ => "AUTH_REQUEST",
    };
    let kwh = session.energy_wh.unwrap_or(Decimal::ZERO) / Decimal::from(1000);
    let cdr_token = match roaming {
        Some(token) => roaming_cdr_token(token),
        None => json!({
            "country_code": tenant.country_code,
            "party_id": tenant.party_id,
            "uid": uid,
            "type": token_type,
            "contract_id": uid,
        }),
    };
    let value = json!({
        "country_code": tenant.country_code,
        "party_id": tenant.party_id,
        "id": session.id.to_string(),
        "start_date_time": ocpi_time(session.started_at),
        "end_date_time": session.stopped_at.map(ocpi_time),
        // Set exactly below: a JSON number here would go through a float.
        "kwh": 0,
        "cdr_token": cdr_token,
        "auth_method": auth_method,
        "location_id": location.id.to_string(),
        "evse_uid": evse_uid(station, evse_number, evse.and_then(|e| e.uid.as_deref())),
        "connector_id": session.connector_id.unwrap_or(1).to_string(),
        "currency": tenant.settings.currency,
        "status": session_status(session.status),
        "last_updated": ocpi_time(session.updated_at),
    });
    let mut published: OcpiSession = checked("session", &value)?;
    published.kwh = kwh.max(Decimal::ZERO).normalize();
    Ok(published)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use ocpi_types::v221::locations::{ConnectorFormat, ConnectorType, PowerType};

    use super::*;
    use crate::model::{
        Address, Coordinates, LocationId, OpeningHours, RegistrationStatus, SessionId, StationId,
        TenantId, TenantRole, TenantSettings, TransactionRef,
    };

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, hour, 0, 0).unwrap()
    }

    fn tenant() -> Tenant {
        Tenant {
            id: TenantId(1),
            name: "CPO".to_owned(),
            role: TenantRole::Cpo,
            country_code: "NL".to_owned(),
            party_id: "CPO".to_owned(),
            settings: TenantSettings::default(),
            created_at: at(0),
        }
    }

    fn place(coordinates: bool) -> Location {
        Location {
            id: LocationId(7),
            tenant_id: TenantId(1),
            name: "Garage".to_owned(),
            address: Address {
                street: "Kade 1".to_owned(),
                postal_code: Some("1011 AA".to_owned()),
                city: "Amsterdam".to_owned(),
                state: None,
                country: "NLD".to_owned(),
            },
            coordinates: coordinates.then(|| Coordinates {
                latitude: "52.3702".parse().unwrap(),
                longitude: "4.8952".parse().unwrap(),
            }),
            time_zone: "Europe/Amsterdam".to_owned(),
            opening_hours: OpeningHours::default(),
            parking_spots: Vec::new(),
            created_at: at(1),
        }
    }

    fn station() -> Station {
        Station {
            id: StationId(3),
            tenant_id: TenantId(1),
            location_id: Some(LocationId(7)),
            identity: "CP-1".to_owned(),
            group: None,
            vendor: None,
            model: None,
            serial_number: None,
            firmware_version: None,
            ocpp_version: None,
            security_profile: 0,
            credentials_hash: None,
            registration: RegistrationStatus::Accepted,
            online: true,
            node: None,
            last_boot_at: None,
            last_heartbeat: None,
            last_seen: None,
            created_at: at(2),
        }
    }

    fn evse(number: i32, uid: Option<&str>) -> Evse {
        Evse {
            tenant_id: TenantId(1),
            station_id: StationId(3),
            evse_id: number,
            uid: uid.map(str::to_owned),
            status: ConnectorStatus::Available,
        }
    }

    fn connector(evse: i32, number: i32, status: ConnectorStatus, described: bool) -> Connector {
        Connector {
            tenant_id: TenantId(1),
            station_id: StationId(3),
            evse_id: evse,
            connector_id: number,
            standard: described.then_some(ConnectorType::Iec62196T2),
            format: described.then_some(ConnectorFormat::Socket),
            power_type: described.then_some(PowerType::Ac3Phase),
            max_voltage: Some(400),
            max_amperage: Some(32),
            max_power_w: Some(22000),
            status,
            error_code: None,
            vendor_error_code: None,
            status_at: Some(at(5)),
        }
    }

    #[test]
    fn a_location_is_published_with_its_described_connectors_only() {
        let station = station();
        let evses = [evse(1, None), evse(2, Some("NL*CPO*E2")), evse(3, None)];
        let connectors = [
            connector(1, 1, ConnectorStatus::Charging, true),
            connector(1, 2, ConnectorStatus::Available, false),
            connector(2, 1, ConnectorStatus::Faulted, true),
            connector(3, 1, ConnectorStatus::Available, false),
        ];
        let stations = [PublishedStation {
            station: &station,
            evses: &evses,
            connectors: &connectors,
        }];
        let published = location(&tenant(), &place(true), &stations, at(6)).unwrap();
        assert_eq!(published.id.as_str(), "7");
        assert_eq!(published.party_id.as_str(), "CPO");
        let evses: Vec<(&str, String, usize)> = published
            .evses
            .iter()
            .map(|e| {
                let status = serde_json::to_value(&e.status).unwrap();
                (
                    e.uid.as_str(),
                    status.as_str().unwrap().to_owned(),
                    e.connectors.len(),
                )
            })
            .collect();
        assert_eq!(
            evses,
            [
                ("CP-1*1", "CHARGING".to_owned(), 1),
                ("NL*CPO*E2", "OUTOFORDER".to_owned(), 1)
            ]
        );
        assert!(evse_of(&published, "NL*CPO*E2").is_some());
        assert_eq!(published.coordinates.latitude.as_str(), "52.37020");
        assert_eq!(ocpi_coordinate("4.123456789".parse().unwrap()), "4.1234568");
        assert!(evse_of(&published, "CP-1*3").is_none());
        assert_eq!(
            location(&tenant(), &place(false), &stations, at(6)).unwrap_err(),
            "the location has no coordinates"
        );
    }

    #[test]
    fn a_session_is_published_with_its_energy_exactly() {
        let session = ChargingSession {
            id: SessionId(42),
            tenant_id: TenantId(1),
            station_id: StationId(3),
            transaction: TransactionRef::V16(42),
            evse_id: Some(1),
            connector_id: Some(1),
            token_uid: Some("TAG-1".to_owned()),
            token_id: None,
            started_at: at(3),
            stopped_at: Some(at(4)),
            meter_start_wh: Some(Decimal::from(1000)),
            meter_stop_wh: Some(Decimal::from(13345)),
            energy_wh: Some(Decimal::from(12345)),
            status: SessionStatus::Completed,
            stop_reason: None,
            auth_method: Some(AuthMethod::RemoteStart),
            offline: false,
            last_seq_no: None,
            station_cost_details: None,
            updated_at: at(4),
        };
        let published = super::session(
            &tenant(),
            &session,
            None,
            None,
            &station(),
            &place(true),
            None,
        )
        .unwrap();
        assert_eq!(published.id.as_str(), "42");
        assert_eq!(published.kwh, "12.345".parse::<Decimal>().unwrap());
        assert_eq!(published.evse_uid.as_str(), "CP-1*1");
        let json = serde_json::to_value(&published).unwrap();
        assert_eq!(json["status"], "COMPLETED");
        assert_eq!(json["auth_method"], "COMMAND");
        assert_eq!(json["cdr_token"]["type"], "AD_HOC_USER");
        assert_eq!(json["currency"], "EUR");
    }
}
