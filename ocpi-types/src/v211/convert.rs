//! Conversions between OCPI 2.1.1 and 2.2.1 objects.
//!
//! A conversion succeeds only when no information is lost; otherwise it fails
//! with [`Error::Conversion`], whose path names the first value that has no
//! counterpart (e.g. `$.evses[0].connectors[0].power_type` for `AC_2_PHASE`,
//! which 2.1.1 does not know).
//!
//! Information that 2.1.1 objects do not carry but 2.2.1 objects require (the
//! owner's `country_code` and `party_id`, a party's role) is passed in; the
//! reverse conversion drops it again, since in 2.1.1 it is known from the
//! connection (the credentials). A 2.1.1 Location is always published, so its
//! 2.2.1 counterpart has `publish: true`, and an unpublished 2.2.1 Location
//! cannot be converted.
//!
//! Enum values that neither version defines (`NonStandard`) are carried over
//! unchanged. Lengths are not checked here: validate the result.
//!
//! Sessions and CDRs: a 2.1.1 Session or CDR embeds the Location (with only
//! the EVSE and Connector used) and identifies the token by `auth_id` only
//! (the token's `auth_id`, which is the 2.2.1 `contract_id`). Going up, the
//! caller passes the full [`CdrToken`](v221::CdrToken) (its `contract_id` must
//! be the `auth_id`), and the embedded Location is returned next to the 2.2.1
//! object ([`SessionV221`], [`CdrV221`]) since 2.2.1 only references it (a
//! Session) or keeps a summary (a CDR's `cdr_location`). Going down, the caller
//! passes the 2.1.1 Location to embed; it is reduced to the EVSE and Connector
//! used. Costs are 2.1.1 numbers excluding VAT, 2.2.1 Prices: a price with
//! `incl_vat` cannot go down. Every 2.2.1 field 2.1.1 lacks (the CDR cost
//! breakdown, credit CDRs, signed data, `authorization_reference`, a charging
//! period's `tariff_id`, ...) fails when set, as do enum values the other
//! version lacks (the dimension `FLAT` going up; `COMMAND`, `RESERVATION` and
//! the session-only dimensions going down). A CPO publishing its own Sessions
//! and CDRs to a 2.1.1 receiver uses [`published_session_to_v211`] and
//! [`published_cdr_to_v211`] instead, which leave out what changes no amount a
//! 2.1.1 reader sees, as [`tariff_to_v211`] does for Tariffs.
//!
//! ```
//! use ocpi_types::common::CiString;
//! use ocpi_types::v211::convert::{connector_to_v211, connector_to_v221};
//! use ocpi_types::v221;
//!
//! let json = r#"{"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE",
//!   "voltage": 230, "amperage": 16, "tariff_id": "11", "last_updated": "2015-03-16T10:10:02Z"}"#;
//! let old: ocpi_types::v211::Connector = serde_json::from_str(json).unwrap();
//! let new = connector_to_v221(&old).unwrap();
//! assert_eq!(new.tariff_ids, vec![CiString::from("11")]);
//! assert_eq!(connector_to_v211(&new).unwrap(), old);
//!
//! let mut two_phase = new.clone();
//! two_phase.power_type = v221::PowerType::Ac2Phase;
//! let error = connector_to_v211(&two_phase).unwrap_err();
//! assert_eq!(error.to_string(), "cannot convert $.power_type: AC_2_PHASE has no counterpart in OCPI 2.1.1");
//! ```

use crate::common::enums::WireEnum;
use crate::common::{CiString, OcpiString};
use crate::{Error, v211, v221};

/// The owner of an object: the `country_code` and `party_id` that 2.2.1
/// objects carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// ISO-3166 alpha-2 country code.
    pub country_code: CiString<2>,
    /// Party ID.
    pub party_id: CiString<3>,
}

fn lost(path: &str, message: impl Into<String>) -> Error {
    Error::Conversion {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn enum_to<A: WireEnum, B: WireEnum>(value: &A, path: &str, target: &str) -> Result<B, Error> {
    let converted = B::from_wire(value.as_wire());
    if value.is_known() && !converted.is_known() {
        return Err(lost(
            path,
            format!("{} has no counterpart in OCPI {target}", value.as_wire()),
        ));
    }
    Ok(converted)
}

fn enums_to<A: WireEnum, B: WireEnum>(
    values: &[A],
    path: &str,
    target: &str,
) -> Result<Vec<B>, Error> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| enum_to(v, &format!("{path}[{i}]"), target))
        .collect()
}

fn ci<const N: usize, const M: usize>(s: &OcpiString<N>) -> CiString<M> {
    CiString::new(s.as_str())
}

fn cs<const N: usize, const M: usize>(s: &CiString<N>) -> OcpiString<M> {
    OcpiString::new(s.as_str())
}

fn absent<T>(value: &Option<T>, path: &str) -> Result<(), Error> {
    match value {
        Some(_) => Err(lost(path, "OCPI 2.1.1 has no such field")),
        None => Ok(()),
    }
}

fn empty<T>(value: &[T], path: &str) -> Result<(), Error> {
    if value.is_empty() {
        Ok(())
    } else {
        Err(lost(path, "OCPI 2.1.1 has no such field"))
    }
}

const V221: &str = "2.2.1";
const V211: &str = "2.1.1";

/// 2.1.1 Connector to 2.2.1.
pub fn connector_to_v221(c: &v211::Connector) -> Result<v221::Connector, Error> {
    connector_up(c, "$")
}

fn connector_up(c: &v211::Connector, path: &str) -> Result<v221::Connector, Error> {
    Ok(v221::Connector {
        id: ci(&c.id),
        standard: enum_to(&c.standard, &format!("{path}.standard"), V221)?,
        format: c.format.clone(),
        power_type: enum_to(&c.power_type, &format!("{path}.power_type"), V221)?,
        max_voltage: c.voltage,
        max_amperage: c.amperage,
        max_electric_power: None,
        tariff_ids: c.tariff_id.iter().map(ci).collect(),
        terms_and_conditions: c.terms_and_conditions.clone(),
        last_updated: c.last_updated,
    })
}

/// 2.2.1 Connector to 2.1.1 (fails with more than one tariff, or with a standard or power
/// type 2.1.1 lacks). `max_electric_power`, which 2.1.1 does not have, is left out: it is a
/// refinement of the voltage and amperage 2.1.1 partners go by, and a connector that has it
/// is no less a connector they can use.
pub fn connector_to_v211(c: &v221::Connector) -> Result<v211::Connector, Error> {
    connector_down(c, "$")
}

fn connector_down(c: &v221::Connector, path: &str) -> Result<v211::Connector, Error> {
    if c.tariff_ids.len() > 1 {
        return Err(lost(
            &format!("{path}.tariff_ids"),
            "OCPI 2.1.1 allows one tariff_id per connector",
        ));
    }
    Ok(v211::Connector {
        id: cs(&c.id),
        standard: enum_to(&c.standard, &format!("{path}.standard"), V211)?,
        format: c.format.clone(),
        power_type: enum_to(&c.power_type, &format!("{path}.power_type"), V211)?,
        voltage: c.max_voltage,
        amperage: c.max_amperage,
        tariff_id: c.tariff_ids.first().map(cs),
        terms_and_conditions: c.terms_and_conditions.clone(),
        last_updated: c.last_updated,
    })
}

/// 2.1.1 EVSE to 2.2.1.
pub fn evse_to_v221(e: &v211::Evse) -> Result<v221::Evse, Error> {
    evse_up(e, "$")
}

fn evse_up(e: &v211::Evse, path: &str) -> Result<v221::Evse, Error> {
    Ok(v221::Evse {
        uid: ci(&e.uid),
        evse_id: e.evse_id.as_ref().map(ci),
        status: e.status.clone(),
        status_schedule: e.status_schedule.clone(),
        capabilities: enums_to(&e.capabilities, &format!("{path}.capabilities"), V221)?,
        connectors: e
            .connectors
            .iter()
            .enumerate()
            .map(|(i, c)| connector_up(c, &format!("{path}.connectors[{i}]")))
            .collect::<Result<_, _>>()?,
        floor_level: e.floor_level.clone(),
        coordinates: e.coordinates.clone(),
        physical_reference: e.physical_reference.clone(),
        directions: e.directions.clone(),
        parking_restrictions: e.parking_restrictions.clone(),
        images: e.images.clone(),
        last_updated: e.last_updated,
    })
}

/// 2.2.1 EVSE to 2.1.1.
pub fn evse_to_v211(e: &v221::Evse) -> Result<v211::Evse, Error> {
    evse_down(e, "$")
}

fn evse_down(e: &v221::Evse, path: &str) -> Result<v211::Evse, Error> {
    Ok(v211::Evse {
        uid: cs(&e.uid),
        evse_id: e.evse_id.as_ref().map(cs),
        status: e.status.clone(),
        status_schedule: e.status_schedule.clone(),
        capabilities: enums_to(&e.capabilities, &format!("{path}.capabilities"), V211)?,
        connectors: e
            .connectors
            .iter()
            .enumerate()
            .map(|(i, c)| connector_down(c, &format!("{path}.connectors[{i}]")))
            .collect::<Result<_, _>>()?,
        floor_level: e.floor_level.clone(),
        coordinates: e.coordinates.clone(),
        physical_reference: e.physical_reference.clone(),
        directions: e.directions.clone(),
        parking_restrictions: e.parking_restrictions.clone(),
        images: e.images.clone(),
        last_updated: e.last_updated,
    })
}

/// 2.1.1 EnergyMix to 2.2.1: an environmental impact's `source` becomes its `category`.
pub fn energy_mix_up(m: &v211::EnergyMix) -> v221::EnergyMix {
    v221::EnergyMix {
        is_green_energy: m.is_green_energy,
        energy_sources: m.energy_sources.clone(),
        environ_impact: m
            .environ_impact
            .iter()
            .map(|i| v221::EnvironmentalImpact {
                category: i.source.clone(),
                amount: i.amount,
            })
            .collect(),
        supplier_name: m.supplier_name.clone(),
        energy_product_name: m.energy_product_name.clone(),
    }
}

/// 2.2.1 EnergyMix to 2.1.1: an environmental impact's `category` becomes its `source`.
pub fn energy_mix_down(m: &v221::EnergyMix) -> v211::EnergyMix {
    v211::EnergyMix {
        is_green_energy: m.is_green_energy,
        energy_sources: m.energy_sources.clone(),
        environ_impact: m
            .environ_impact
            .iter()
            .map(|i| v211::EnvironmentalImpact {
                source: i.category.clone(),
                amount: i.amount,
            })
            .collect(),
        supplier_name: m.supplier_name.clone(),
        energy_product_name: m.energy_product_name.clone(),
    }
}

/// 2.1.1 Location to 2.2.1, owned by `owner`. `type` becomes `parking_type`
/// (`UNKNOWN` becomes absent; `OTHER` has no counterpart and fails); a Location
/// without `time_zone` fails, since 2.2.1 requires it.
pub fn location_to_v221(l: &v211::Location, owner: &Party) -> Result<v221::Location, Error> {
    use v211::LocationType as T;
    use v221::ParkingType as P;
    let parking_type = match &l.r#type {
        T::OnStreet => Some(P::OnStreet),
        T::ParkingGarage => Some(P::ParkingGarage),
        T::UndergroundGarage => Some(P::UndergroundGarage),
        T::ParkingLot => Some(P::ParkingLot),
        T::Unknown => None,
        T::Other => {
            return Err(lost(
                "$.type",
                "OTHER has no ParkingType counterpart in OCPI 2.2.1",
            ));
        }
        T::NonStandard(other) => Some(P::NonStandard(other.clone())),
    };
    let time_zone = l
        .time_zone
        .clone()
        .ok_or_else(|| lost("$.time_zone", "required in OCPI 2.2.1 but absent"))?;
    Ok(v221::Location {
        country_code: owner.country_code.clone(),
        party_id: owner.party_id.clone(),
        id: ci(&l.id),
        publish: true,
        publish_allowed_to: Vec::new(),
        name: l.name.clone(),
        address: OcpiString::new(l.address.as_str()),
        city: l.city.clone(),
        postal_code: Some(l.postal_code.clone()),
        state: None,
        country: l.country.clone(),
        coordinates: l.coordinates.clone(),
        related_locations: l.related_locations.clone(),
        parking_type,
        evses: l
            .evses
            .iter()
            .enumerate()
            .map(|(i, e)| evse_up(e, &format!("$.evses[{i}]")))
            .collect::<Result<_, _>>()?,
        directions: l.directions.clone(),
        operator: l.operator.clone(),
        suboperator: l.suboperator.clone(),
        owner: l.owner.clone(),
        facilities: enums_to(&l.facilities, "$.facilities", V221)?,
        time_zone,
        opening_times: l.opening_times.clone(),
        charging_when_closed: l.charging_when_closed,
        images: l.images.clone(),
        energy_mix: l.energy_mix.as_ref().map(energy_mix_up),
        last_updated: l.last_updated,
    })
}

/// 2.2.1 Location to the 2.1.1 Location a Session or CDR embeds: as [`location_to_v211`],
/// with its visibility (`publish`, `publish_allowed_to`) set aside, since the Session or
/// CDR is its receiver's to see whether or not the Location is published.
pub fn embedded_location_to_v211(l: &v221::Location) -> Result<v211::Location, Error> {
    let mut visible = l.clone();
    visible.publish = true;
    visible.publish_allowed_to.clear();
    location_to_v211(&visible)
}

/// 2.2.1 Location to 2.1.1. Fails for unpublished Locations, `publish_allowed_to`,
/// `state`, a missing `postal_code`, and values 2.1.1 lacks.
pub fn location_to_v211(l: &v221::Location) -> Result<v211::Location, Error> {
    use v211::LocationType as T;
    use v221::ParkingType as P;
    if !l.publish {
        return Err(lost(
            "$.publish",
            "OCPI 2.1.1 cannot express an unpublished Location",
        ));
    }
    empty(&l.publish_allowed_to, "$.publish_allowed_to")?;
    absent(&l.state, "$.state")?;
    let r#type = match &l.parking_type {
        None => T::Unknown,
        Some(P::OnStreet) => T::OnStreet,
        Some(P::ParkingGarage) => T::ParkingGarage,
        Some(P::UndergroundGarage) => T::UndergroundGarage,
        Some(P::ParkingLot) => T::ParkingLot,
        Some(P::NonStandard(other)) => T::NonStandard(other.clone()),
        Some(other) => {
            return Err(lost(
                "$.parking_type",
                format!("{other} has no LocationType counterpart in OCPI 2.1.1"),
            ));
        }
    };
    let postal_code = l
        .postal_code
        .clone()
        .ok_or_else(|| lost("$.postal_code", "required in OCPI 2.1.1 but absent"))?;
    Ok(v211::Location {
        id: cs(&l.id),
        r#type,
        name: l.name.clone(),
        address: OcpiString::new(l.address.as_str()),
        city: l.city.clone(),
        postal_code,
        country: l.country.clone(),
        coordinates: l.coordinates.clone(),
        related_locations: l.related_locations.clone(),
        evses: l
            .evses
            .iter()
            .enumerate()
            .map(|(i, e)| evse_down(e, &format!("$.evses[{i}]")))
            .collect::<Result<_, _>>()?,
        directions: l.directions.clone(),
        operator: l.operator.clone(),
        suboperator: l.suboperator.clone(),
        owner: l.owner.clone(),
        facilities: enums_to(&l.facilities, "$.facilities", V211)?,
        time_zone: Some(l.time_zone.clone()),
        opening_times: l.opening_times.clone(),
        charging_when_closed: l.charging_when_closed,
        images: l.images.clone(),
        energy_mix: l.energy_mix.as_ref().map(energy_mix_down),
        last_updated: l.last_updated,
    })
}

/// 2.1.1 Token to 2.2.1, owned by `owner`; `auth_id` becomes `contract_id`.
pub fn token_to_v221(t: &v211::Token, owner: &Party) -> Result<v221::Token, Error> {
    Ok(v221::Token {
        country_code: owner.country_code.clone(),
        party_id: owner.party_id.clone(),
        uid: ci(&t.uid),
        r#type: enum_to(&t.r#type, "$.type", V221)?,
        contract_id: ci(&t.auth_id),
        visual_number: t.visual_number.clone(),
        issuer: t.issuer.clone(),
        group_id: None,
        valid: t.valid,
        whitelist: t.whitelist.clone(),
        language: t.language.clone(),
        default_profile_type: None,
        energy_contract: None,
        last_updated: t.last_updated,
    })
}

/// 2.2.1 Token to 2.1.1; `contract_id` becomes `auth_id`. Fails with
/// `group_id`, `default_profile_type`, `energy_contract`, or the token types
/// `AD_HOC_USER`/`APP_USER`.
pub fn token_to_v211(t: &v221::Token) -> Result<v211::Token, Error> {
    absent(&t.group_id, "$.group_id")?;
    absent(&t.default_profile_type, "$.default_profile_type")?;
    absent(&t.energy_contract, "$.energy_contract")?;
    Ok(v211::Token {
        uid: cs(&t.uid),
        r#type: enum_to(&t.r#type, "$.type", V211)?,
        auth_id: cs(&t.contract_id),
        visual_number: t.visual_number.clone(),
        issuer: t.issuer.clone(),
        valid: t.valid,
        whitelist: t.whitelist.clone(),
        language: t.language.clone(),
        last_updated: t.last_updated,
    })
}

/// 2.1.1 Tariff to 2.2.1, owned by `owner`.
pub fn tariff_to_v221(t: &v211::Tariff, owner: &Party) -> Result<v221::Tariff, Error> {
    Ok(v221::Tariff {
        country_code: owner.country_code.clone(),
        party_id: owner.party_id.clone(),
        id: ci(&t.id),
        currency: t.currency.clone(),
        r#type: None,
        tariff_alt_text: t.tariff_alt_text.clone(),
        tariff_alt_url: t.tariff_alt_url.clone(),
        min_price: None,
        max_price: None,
        elements: t
            .elements
            .iter()
            .map(|e| v221::TariffElement {
                price_components: e
                    .price_components
                    .iter()
                    .map(|p| v221::PriceComponent {
                        r#type: p.r#type.clone(),
                        price: p.price,
                        vat: None,
                        step_size: p.step_size,
                    })
                    .collect(),
                restrictions: e.restrictions.as_ref().map(|r| v221::TariffRestrictions {
                    start_time: r.start_time.clone(),
                    end_time: r.end_time.clone(),
                    start_date: r.start_date.clone(),
                    end_date: r.end_date.clone(),
                    min_kwh: r.min_kwh,
                    max_kwh: r.max_kwh,
                    min_current: None,
                    max_current: None,
                    min_power: r.min_power,
                    max_power: r.max_power,
                    min_duration: r.min_duration,
                    max_duration: r.max_duration,
                    day_of_week: r.day_of_week.clone(),
                    reservation: None,
                }),
            })
            .collect(),
        start_date_time: None,
        end_date_time: None,
        energy_mix: t.energy_mix.as_ref().map(energy_mix_up),
        last_updated: t.last_updated,
    })
}

/// 2.2.1 Tariff to 2.1.1. Fails with `min_price`, `max_price`, `start_date_time`,
/// `end_date_time`, and the restrictions `min_current`, `max_current` and `reservation`;
/// leaves out `type` and each component's `vat`, which 2.1.1 does not have (its prices are
/// without VAT).
pub fn tariff_to_v211(t: &v221::Tariff) -> Result<v211::Tariff, Error> {
    // What 2.1.1 cannot say but a 2.1.1 reader does not need to price correctly is left
    // out: its prices are without VAT (so each component's `vat` goes), and it has no
    // tariff types (`type`). What would change a price (`min_price`, `max_price`, the
    // validity period, current and reservation restrictions) fails the conversion.
    absent(&t.min_price, "$.min_price")?;
    absent(&t.max_price, "$.max_price")?;
    absent(&t.start_date_time, "$.start_date_time")?;
    absent(&t.end_date_time, "$.end_date_time")?;
    let mut elements = Vec::with_capacity(t.elements.len());
    for (i, e) in t.elements.iter().enumerate() {
        let path = format!("$.elements[{i}]");
        let mut price_components = Vec::with_capacity(e.price_components.len());
        for p in &e.price_components {
            price_components.push(v211::PriceComponent {
                r#type: p.r#type.clone(),
                price: p.price,
                step_size: p.step_size,
            });
        }
        let restrictions = match &e.restrictions {
            None => None,
            Some(r) => {
                let rpath = format!("{path}.restrictions");
                absent(&r.min_current, &format!("{rpath}.min_current"))?;
                absent(&r.max_current, &format!("{rpath}.max_current"))?;
                absent(&r.reservation, &format!("{rpath}.reservation"))?;
                Some(v211::TariffRestrictions {
                    start_time: r.start_time.clone(),
                    end_time: r.end_time.clone(),
                    start_date: r.start_date.clone(),
                    end_date: r.end_date.clone(),
                    min_kwh: r.min_kwh,
                    max_kwh: r.max_kwh,
                    min_power: r.min_power,
                    max_power: r.max_power,
                    min_duration: r.min_duration,
                    max_duration: r.max_duration,
                    day_of_week: r.day_of_week.clone(),
                })
            }
        };
        elements.push(v211::TariffElement {
            price_components,
            restrictions,
        });
    }
    Ok(v211::Tariff {
        id: cs(&t.id),
        currency: t.currency.clone(),
        tariff_alt_text: t.tariff_alt_text.clone(),
        tariff_alt_url: t.tariff_alt_url.clone(),
        elements,
        energy_mix: t.energy_mix.as_ref().map(energy_mix_down),
        last_updated: t.last_updated,
    })
}

/// 2.1.1 Credentials to 2.2.1, with the party in `role`.
pub fn credentials_to_v221(
    c: &v211::Credentials,
    role: v221::Role,
) -> Result<v221::Credentials, Error> {
    Ok(v221::Credentials {
        token: c.token.clone(),
        url: c.url.clone(),
        roles: vec![v221::CredentialsRole {
            role,
            business_details: c.business_details.clone(),
            party_id: ci(&c.party_id),
            country_code: ci(&c.country_code),
        }],
    })
}

/// 2.2.1 Credentials to 2.1.1; fails unless there is exactly one role.
pub fn credentials_to_v211(c: &v221::Credentials) -> Result<v211::Credentials, Error> {
    let [role] = c.roles.as_slice() else {
        return Err(lost(
            "$.roles",
            format!(
                "OCPI 2.1.1 credentials describe one party, got {} roles",
                c.roles.len()
            ),
        ));
    };
    Ok(v211::Credentials {
        token: c.token.clone(),
        url: c.url.clone(),
        business_details: role.business_details.clone(),
        party_id: cs(&role.party_id),
        country_code: cs(&role.country_code),
    })
}

/// Prefixes the path of a conversion error with `prefix` (`$` becomes
/// `prefix`), for conversions of embedded objects.
fn under<T>(result: Result<T, Error>, prefix: &str) -> Result<T, Error> {
    result.map_err(|e| match e {
        Error::Conversion { path, message } => Error::Conversion {
            path: format!("{prefix}{}", path.strip_prefix('$').unwrap_or(&path)),
            message,
        },
        other => other,
    })
}

fn periods_up(
    periods: &[v211::ChargingPeriod],
    path: &str,
) -> Result<Vec<v221::ChargingPeriod>, Error> {
    let mut out = Vec::with_capacity(periods.len());
    for (i, p) in periods.iter().enumerate() {
        let mut dimensions = Vec::with_capacity(p.dimensions.len());
        for (j, d) in p.dimensions.iter().enumerate() {
            dimensions.push(v221::CdrDimension {
                r#type: enum_to(
                    &d.r#type,
                    &format!("{path}[{i}].dimensions[{j}].type"),
                    V221,
                )?,
                volume: d.volume,
            });
        }
        out.push(v221::ChargingPeriod {
            start_date_time: p.start_date_time,
            dimensions,
            tariff_id: None,
        });
    }
    Ok(out)
}

fn periods_down(
    periods: &[v221::ChargingPeriod],
    path: &str,
) -> Result<Vec<v211::ChargingPeriod>, Error> {
    let mut out = Vec::with_capacity(periods.len());
    for (i, p) in periods.iter().enumerate() {
        absent(&p.tariff_id, &format!("{path}[{i}].tariff_id"))?;
        let mut dimensions = Vec::with_capacity(p.dimensions.len());
        for (j, d) in p.dimensions.iter().enumerate() {
            dimensions.push(v211::CdrDimension {
                r#type: enum_to(
                    &d.r#type,
                    &format!("{path}[{i}].dimensions[{j}].type"),
                    V211,
                )?,
                volume: d.volume,
            });
        }
        out.push(v211::ChargingPeriod {
            start_date_time: p.start_date_time,
            dimensions,
        });
    }
    Ok(out)
}

/// The one EVSE and the one Connector of the Location a 2.1.1 Session or CDR
/// embeds.
fn used_connector(location: &v211::Location) -> Result<(&v211::Evse, &v211::Connector), Error> {
    let [evse] = location.evses.as_slice() else {
        return Err(lost(
            "$.location.evses",
            format!(
                "the embedded Location must hold exactly the EVSE used, got {} EVSEs",
                location.evses.len()
            ),
        ));
    };
    let [connector] = evse.connectors.as_slice() else {
        return Err(lost(
            "$.location.evses[0].connectors",
            format!(
                "the embedded EVSE must hold exactly the Connector used, got {} connectors",
                evse.connectors.len()
            ),
        ));
    };
    Ok((evse, connector))
}

/// `location` reduced to the EVSE `evse_uid` with only the Connector
/// `connector_id`, as a 2.1.1 Session or CDR embeds it.
/// `ids` are the Location, EVSE and Connector IDs, each with its path.
fn reduced_location(
    location: &v211::Location,
    ids: [(&str, &str); 3],
) -> Result<v211::Location, Error> {
    let [
        (location_id, location_path),
        (evse_uid, evse_path),
        (connector_id, connector_path),
    ] = ids;
    if !location.id.as_str().eq_ignore_ascii_case(location_id) {
        return Err(lost(
            location_path,
            format!(
                "the given Location is {:?}, not {location_id:?}",
                location.id.as_str()
            ),
        ));
    }
    let evse = location
        .evses
        .iter()
        .find(|e| e.uid.as_str().eq_ignore_ascii_case(evse_uid))
        .ok_or_else(|| lost(evse_path, "no such EVSE in the given Location"))?;
    let connector = evse
        .connectors
        .iter()
        .find(|c| c.id.as_str().eq_ignore_ascii_case(connector_id))
        .ok_or_else(|| lost(connector_path, "no such Connector in the given EVSE"))?;
    let mut evse = evse.clone();
    evse.connectors = vec![connector.clone()];
    let mut reduced = location.clone();
    reduced.evses = vec![evse];
    Ok(reduced)
}

/// The contract ID of `token` must be the 2.1.1 `auth_id`.
fn check_token(token: &v221::CdrToken, auth_id: &OcpiString<36>) -> Result<(), Error> {
    if token.contract_id.as_str() == auth_id.as_str() {
        Ok(())
    } else {
        Err(lost(
            "$.auth_id",
            format!(
                "the given token's contract_id {:?} is not the auth_id {:?}",
                token.contract_id.as_str(),
                auth_id.as_str()
            ),
        ))
    }
}

/// A 2.2.1 Session together with the Location that the 2.1.1 Session embedded
/// (reduced to the EVSE and Connector used), which 2.2.1 only references.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionV221 {
    /// The Session.
    pub session: v221::Session,
    /// The embedded Location, unchanged; convert it with
    /// [`location_to_v221`] to store it as a 2.2.1 Location.
    pub location: v211::Location,
}

/// 2.1.1 Session to 2.2.1, owned by the CPO `owner`, started with `token`.
///
/// A 2.1.1 Session identifies the token by `auth_id` only (the token's
/// `auth_id`, in 2.2.1 its `contract_id`); the caller passes the full
/// [`CdrToken`](v221::CdrToken), whose `contract_id` must equal `auth_id`. The
/// embedded Location becomes `location_id`, `evse_uid` and `connector_id`, and
/// is returned as well, so nothing is lost. `total_cost` becomes a Price
/// without VAT. Fails when the embedded Location does not hold exactly one
/// EVSE with one Connector, or a charging period has a dimension 2.2.1 lacks
/// (`FLAT`).
pub fn session_to_v221(
    s: &v211::Session,
    owner: &Party,
    token: &v221::CdrToken,
) -> Result<SessionV221, Error> {
    check_token(token, &s.auth_id)?;
    let (evse, connector) = used_connector(&s.location)?;
    let session = v221::Session {
        country_code: owner.country_code.clone(),
        party_id: owner.party_id.clone(),
        id: ci(&s.id),
        start_date_time: s.start_datetime,
        end_date_time: s.end_datetime,
        kwh: s.kwh,
        cdr_token: token.clone(),
        auth_method: enum_to(&s.auth_method, "$.auth_method", V221)?,
        authorization_reference: None,
        location_id: ci(&s.location.id),
        evse_uid: ci(&evse.uid),
        connector_id: ci(&connector.id),
        meter_id: s.meter_id.clone(),
        currency: s.currency.clone(),
        charging_periods: periods_up(&s.charging_periods, "$.charging_periods")?,
        total_cost: s.total_cost.map(|excl_vat| crate::common::Price {
            excl_vat,
            incl_vat: None,
        }),
        status: enum_to(&s.status, "$.status", V221)?,
        last_updated: s.last_updated,
    };
    Ok(SessionV221 {
        session,
        location: s.location.clone(),
    })
}

/// 2.2.1 Session to 2.1.1, embedding `location` (a 2.1.1 Location, e.g. from
/// [`location_to_v211`]) reduced to the Session's EVSE and Connector.
///
/// The token becomes `auth_id` (its `contract_id`); the rest of the
/// `cdr_token`, like the owner's `country_code` and `party_id`, is known to a
/// 2.1.1 receiver from its token list and the connection. Fails with
/// `authorization_reference`, a `total_cost` including VAT, a charging period
/// with a `tariff_id` or a dimension 2.1.1 lacks, the auth method `COMMAND`,
/// the status `RESERVATION`, or a `location` that is not the Session's.
pub fn session_to_v211(
    s: &v221::Session,
    location: &v211::Location,
) -> Result<v211::Session, Error> {
    absent(&s.authorization_reference, "$.authorization_reference")?;
    let total_cost = match &s.total_cost {
        None => None,
        Some(price) => {
            absent(&price.incl_vat, "$.total_cost.incl_vat")?;
            Some(price.excl_vat)
        }
    };
    Ok(v211::Session {
        id: cs(&s.id),
        start_datetime: s.start_date_time,
        end_datetime: s.end_date_time,
        kwh: s.kwh,
        auth_id: cs(&s.cdr_token.contract_id),
        auth_method: enum_to(&s.auth_method, "$.auth_method", V211)?,
        location: reduced_location(
            location,
            [
                (s.location_id.as_str(), "$.location_id"),
                (s.evse_uid.as_str(), "$.evse_uid"),
                (s.connector_id.as_str(), "$.connector_id"),
            ],
        )?,
        meter_id: s.meter_id.clone(),
        currency: s.currency.clone(),
        charging_periods: periods_down(&s.charging_periods, "$.charging_periods")?,
        total_cost,
        status: enum_to(&s.status, "$.status", V211)?,
        last_updated: s.last_updated,
    })
}

/// A 2.2.1 CDR together with the Location that the 2.1.1 CDR embedded
/// (reduced to the EVSE and Connector used); 2.2.1 keeps only a
/// [`CdrLocation`](v221::CdrLocation) summary of it.
#[derive(Debug, Clone, PartialEq)]
pub struct CdrV221 {
    /// The CDR.
    pub cdr: v221::Cdr,
    /// The embedded Location, unchanged.
    pub location: v211::Location,
}

/// 2.1.1 CDR to 2.2.1, owned by the CPO `owner`, for `token` (whose
/// `contract_id` must equal `auth_id`, as for [`session_to_v221`]).
///
/// The embedded Location becomes the `cdr_location` summary and is returned as
/// well; its tariffs are converted with [`tariff_to_v221`]; `stop_date_time`
/// becomes `end_date_time`; `total_cost` becomes a Price without VAT. Fails
/// when the embedded Location does not hold exactly one EVSE with one
/// Connector, when that EVSE has no `evse_id` (required in a 2.2.1
/// `cdr_location`), or with a dimension 2.2.1 lacks (`FLAT`).
pub fn cdr_to_v221(c: &v211::Cdr, owner: &Party, token: &v221::CdrToken) -> Result<CdrV221, Error> {
    check_token(token, &c.auth_id)?;
    let (evse, connector) = used_connector(&c.location)?;
    let evse_id = evse.evse_id.as_ref().ok_or_else(|| {
        lost(
            "$.location.evses[0].evse_id",
            "required in a 2.2.1 cdr_location but absent",
        )
    })?;
    let l = &c.location;
    let cdr_location = v221::CdrLocation {
        id: ci(&l.id),
        name: l.name.clone(),
        address: l.address.clone(),
        city: l.city.clone(),
        postal_code: Some(l.postal_code.clone()),
        state: None,
        country: l.country.clone(),
        coordinates: l.coordinates.clone(),
        evse_uid: ci(&evse.uid),
        evse_id: ci(evse_id),
        connector_id: ci(&connector.id),
        connector_standard: enum_to(
            &connector.standard,
            "$.location.evses[0].connectors[0].standard",
            V221,
        )?,
        connector_format: connector.format.clone(),
        connector_power_type: enum_to(
            &connector.power_type,
            "$.location.evses[0].connectors[0].power_type",
            V221,
        )?,
    };
    let tariffs = c
        .tariffs
        .iter()
        .enumerate()
        .map(|(i, t)| under(tariff_to_v221(t, owner), &format!("$.tariffs[{i}]")))
        .collect::<Result<_, _>>()?;
    let cdr = v221::Cdr {
        country_code: owner.country_code.clone(),
        party_id: owner.party_id.clone(),
        id: ci(&c.id),
        start_date_time: c.start_date_time,
        end_date_time: c.stop_date_time,
        session_id: None,
        cdr_token: token.clone(),
        auth_method: enum_to(&c.auth_method, "$.auth_method", V221)?,
        authorization_reference: None,
        cdr_location,
        meter_id: c.meter_id.clone(),
        currency: c.currency.clone(),
        tariffs,
        charging_periods: periods_up(&c.charging_periods, "$.charging_periods")?,
        signed_data: None,
        total_cost: crate::common::Price {
            excl_vat: c.total_cost,
            incl_vat: None,
        },
        total_fixed_cost: None,
        total_energy: c.total_energy,
        total_energy_cost: None,
        total_time: c.total_time,
        total_time_cost: None,
        total_parking_time: c.total_parking_time,
        total_parking_cost: None,
        total_reservation_cost: None,
        remark: c.remark.clone(),
        invoice_reference_id: None,
        credit: None,
        credit_reference_id: None,
        home_charging_compensation: None,
        last_updated: c.last_updated,
    };
    Ok(CdrV221 {
        cdr,
        location: c.location.clone(),
    })
}

/// 2.2.1 CDR to 2.1.1, embedding `location` (a 2.1.1 Location, e.g. from
/// [`location_to_v211`]) reduced to the CDR's EVSE and Connector, with the
/// values of `cdr_location` (name, address, city, postal code, country,
/// coordinates, EVSE ID, connector standard, format and power type: the state
/// at the start of the session) in place of the Location's.
///
/// The token becomes `auth_id`, as for [`session_to_v211`]. Fails with any
/// field 2.1.1 lacks: `session_id`, `authorization_reference`, `signed_data`,
/// the cost breakdown (`total_fixed_cost`, `total_energy_cost`,
/// `total_time_cost`, `total_parking_cost`, `total_reservation_cost`),
/// `total_cost.incl_vat`, `invoice_reference_id`, `credit`,
/// `credit_reference_id`, `home_charging_compensation`, `cdr_location.state`;
/// with a tariff [`tariff_to_v211`] cannot convert; with a charging period
/// `tariff_id` or a dimension or auth method 2.1.1 lacks; or with a
/// `location` that is not the CDR's.
pub fn cdr_to_v211(c: &v221::Cdr, location: &v211::Location) -> Result<v211::Cdr, Error> {
    absent(&c.session_id, "$.session_id")?;
    absent(&c.authorization_reference, "$.authorization_reference")?;
    absent(&c.signed_data, "$.signed_data")?;
    absent(&c.total_cost.incl_vat, "$.total_cost.incl_vat")?;
    absent(&c.total_fixed_cost, "$.total_fixed_cost")?;
    absent(&c.total_energy_cost, "$.total_energy_cost")?;
    absent(&c.total_time_cost, "$.total_time_cost")?;
    absent(&c.total_parking_cost, "$.total_parking_cost")?;
    absent(&c.total_reservation_cost, "$.total_reservation_cost")?;
    absent(&c.invoice_reference_id, "$.invoice_reference_id")?;
    absent(&c.credit, "$.credit")?;
    absent(&c.credit_reference_id, "$.credit_reference_id")?;
    absent(
        &c.home_charging_compensation,
        "$.home_charging_compensation",
    )?;
    let cl = &c.cdr_location;
    absent(&cl.state, "$.cdr_location.state")?;
    let mut embedded = reduced_location(
        location,
        [
            (cl.id.as_str(), "$.cdr_location.id"),
            (cl.evse_uid.as_str(), "$.cdr_location.evse_uid"),
            (cl.connector_id.as_str(), "$.cdr_location.connector_id"),
        ],
    )?;
    embedded.name = cl.name.clone();
    embedded.address = cl.address.clone();
    embedded.city = cl.city.clone();
    if let Some(postal_code) = &cl.postal_code {
        embedded.postal_code = postal_code.clone();
    }
    embedded.country = cl.country.clone();
    embedded.coordinates = cl.coordinates.clone();
    let evse = &mut embedded.evses[0];
    evse.evse_id = Some(cs(&cl.evse_id));
    let connector = &mut evse.connectors[0];
    connector.standard = enum_to(
        &cl.connector_standard,
        "$.cdr_location.connector_standard",
        V211,
    )?;
    connector.format = cl.connector_format.clone();
    connector.power_type = enum_to(
        &cl.connector_power_type,
        "$.cdr_location.connector_power_type",
        V211,
    )?;
    let tariffs = c
        .tariffs
        .iter()
        .enumerate()
        .map(|(i, t)| under(tariff_to_v211(t), &format!("$.tariffs[{i}]")))
        .collect::<Result<_, _>>()?;
    Ok(v211::Cdr {
        id: cs(&c.id),
        start_date_time: c.start_date_time,
        stop_date_time: c.end_date_time,
        auth_id: cs(&c.cdr_token.contract_id),
        auth_method: enum_to(&c.auth_method, "$.auth_method", V211)?,
        location: embedded,
        meter_id: c.meter_id.clone(),
        currency: c.currency.clone(),
        tariffs,
        charging_periods: periods_down(&c.charging_periods, "$.charging_periods")?,
        total_cost: c.total_cost.excl_vat,
        total_energy: c.total_energy,
        total_time: c.total_time,
        total_parking_time: c.total_parking_time,
        remark: c.remark.clone(),
        last_updated: c.last_updated,
    })
}

/// Leaves out of `periods` what the CPO's own Session or CDR publishes to a 2.1.1 receiver
/// without: each period's `tariff_id`, and the dimensions 2.1.1 lacks that price nothing
/// (`CURRENT`, `ENERGY_EXPORT`, `ENERGY_IMPORT`, `MAX_POWER`, `MIN_POWER`, `POWER`,
/// `STATE_OF_CHARGE`: measurements), with a period left with none. `RESERVATION_TIME`, which
/// is charged for, stays, and fails the conversion.
fn published_periods(periods: &mut Vec<v221::ChargingPeriod>) {
    use v221::CdrDimensionType as D;
    for period in periods.iter_mut() {
        period.tariff_id = None;
        period.dimensions.retain(|dimension| {
            !matches!(
                dimension.r#type,
                D::Current
                    | D::EnergyExport
                    | D::EnergyImport
                    | D::MaxPower
                    | D::MinPower
                    | D::Power
                    | D::StateOfCharge
            )
        });
    }
    periods.retain(|period| !period.dimensions.is_empty());
}

/// A CPO's own 2.2.1 Session, published to a receiver of 2.1.1: as [`session_to_v211`],
/// after leaving out what 2.1.1 has no place for and that changes no amount a 2.1.1
/// reader sees (the policy of [`tariff_to_v211`]): the `authorization_reference`, the
/// `total_cost`'s amount including VAT (2.1.1 costs are without VAT, and that amount is
/// kept), the charging periods' `tariff_id` and the measurements 2.1.1 has no dimension
/// for (`STATE_OF_CHARGE`, `POWER`, ...); the auth method `COMMAND` (new in 2.2)
/// becomes `AUTH_REQUEST`, the eMSP having authorized the session by its command. Still
/// fails for what would change what the Session says: the status `RESERVATION`, the
/// charged dimension `RESERVATION_TIME`, a `location` that is not the Session's.
pub fn published_session_to_v211(
    s: &v221::Session,
    location: &v211::Location,
) -> Result<v211::Session, Error> {
    let mut s = s.clone();
    s.authorization_reference = None;
    if let Some(cost) = s.total_cost.as_mut() {
        cost.incl_vat = None;
    }
    published_periods(&mut s.charging_periods);
    if s.auth_method == v221::AuthMethod::Command {
        s.auth_method = v221::AuthMethod::AuthRequest;
    }
    session_to_v211(&s, location)
}

/// A CPO's own 2.2.1 CDR, published to a receiver of 2.1.1: as [`cdr_to_v211`], after
/// leaving out what 2.1.1 has no place for and that changes no amount a 2.1.1 reader sees:
/// the `session_id`, `authorization_reference`, `signed_data`, `invoice_reference_id` and
/// `home_charging_compensation`, the cost breakdown (`total_fixed_cost`,
/// `total_energy_cost`, `total_time_cost`, `total_parking_cost`, `total_reservation_cost`;
/// the `total_cost` stays), the amounts including VAT (2.1.1 costs are without VAT), the
/// charging periods' `tariff_id` and the `cdr_location`'s `state`; the auth method
/// `COMMAND` becomes `AUTH_REQUEST` as for [`published_session_to_v211`]. Still fails for a
/// credit CDR (2.1.1 has none: its negative amounts would read as a charge), a tariff
/// [`tariff_to_v211`] cannot convert, the charged dimension `RESERVATION_TIME`, a
/// `location` that is not the CDR's.
pub fn published_cdr_to_v211(c: &v221::Cdr, location: &v211::Location) -> Result<v211::Cdr, Error> {
    let mut c = c.clone();
    c.session_id = None;
    c.authorization_reference = None;
    c.signed_data = None;
    c.invoice_reference_id = None;
    c.home_charging_compensation = None;
    c.total_fixed_cost = None;
    c.total_energy_cost = None;
    c.total_time_cost = None;
    c.total_parking_cost = None;
    c.total_reservation_cost = None;
    c.total_cost.incl_vat = None;
    c.cdr_location.state = None;
    if c.credit == Some(false) {
        c.credit = None;
    }
    published_periods(&mut c.charging_periods);
    if c.auth_method == v221::AuthMethod::Command {
        c.auth_method = v221::AuthMethod::AuthRequest;
    }
    cdr_to_v211(&c, location)
}
