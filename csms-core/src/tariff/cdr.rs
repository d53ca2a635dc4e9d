//! Pricing a CDR given as JSON, and checking the totals it states: the library side of the
//! `price-cdr` example.
//!
//! Users paste partial CDRs, so only what pricing needs is read: `charging_periods`,
//! `end_date_time` (`stop_date_time` in 2.1.1), `currency`, `tariffs`, the location's country
//! (and, in 2.1.1, its `time_zone`), and the stated totals. Every other required field that is
//! missing gives a warning.
//!
//! The tariffs are the ones given, else the ones the CDR carries in `tariffs`. When periods
//! name their tariff (`tariff_id`), each period is priced with the tariff it names (see
//! [`price_with_tariffs`](super::price_with_tariffs): a period without `tariff_id` is then not
//! priced, and a name that is not among the tariffs is an error), except when exactly one
//! tariff is given explicitly: that one prices every period, with a warning when periods name
//! another. When no period names a tariff, the first tariff prices the whole CDR.
//!
//! What partners send is read leniently: `null` for an optional field is read as its
//! absence, timestamps without zero padding are read (see [`DateTime`]), and charging
//! periods out of order are sorted; each with a warning.
//!
//! Each charging period is priced whole, with the tariff as it stood at the period's start
//! ([`PeriodPricing::TariffAtPeriodStart`], the default of [`CdrOptions`]): the CPO starts a
//! new charging period at every change of price. A period that spans a restriction boundary
//! gets a warning with what splitting it there would have cost, and the report gives the
//! total split at every boundary ([`CdrReport::split_total_cost`]), which is how our own
//! sessions are priced.
//!
//! A credit CDR (`credit: true`, `credit_reference_id`: the CDR it credits) states "the
//! negative amounts of the original CDR": its costs are priced as the original's and
//! negated, and its stated totals are checked against those negative amounts.

use std::fmt::Write as _;

use chrono_tz::Tz;
use ocpi_types::common::{DateTime, Price};
use ocpi_types::v221::cdrs::{CdrDimension, CdrDimensionType, ChargingPeriod};
use ocpi_types::v221::tariffs::Tariff;
use ocpi_types::{Mode, decode_value, v211};
use rust_decimal::Decimal;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{
    Amount, Consumption, Options, PeriodPricing, Pricing, TariffError, Warning, engine, from_v211,
    timezone,
};

/// The OCPI version of the CDR and tariff JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Version {
    /// OCPI 2.2.1.
    #[default]
    V221,
    /// OCPI 2.1.1.
    V211,
}

/// How to price a CDR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdrOptions {
    /// Version of the CDR and of the tariff.
    pub version: Version,
    /// The location's time zone, when the CDR does not say it.
    pub time_zone: Option<Tz>,
    /// Round the totals to this many decimals.
    pub decimals: Option<u32>,
    /// How periods that span a restriction boundary are priced: by default
    /// [`PeriodPricing::TariffAtPeriodStart`], as the CPO's CDR cut them;
    /// [`PeriodPricing::SplitAtEveryBoundary`] prices the CDR as our own sessions are.
    pub periods: PeriodPricing,
}

impl Default for CdrOptions {
    /// OCPI 2.2.1, no time zone beyond the CDR's, no rounding, each period priced with the
    /// tariff at its start.
    fn default() -> Self {
        CdrOptions {
            version: Version::default(),
            time_zone: None,
            decimals: None,
            periods: PeriodPricing::TariffAtPeriodStart,
        }
    }
}

/// A total the CDR states that differs from ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The CDR field, e.g. `total_cost.incl_vat` or `total_energy`.
    pub field: String,
    /// What the CDR says.
    #[serde(serialize_with = "super::breakdown::normalized")]
    pub stated: Decimal,
    /// What we computed.
    #[serde(serialize_with = "super::breakdown::normalized")]
    pub computed: Decimal,
}

/// A priced CDR.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CdrReport {
    /// Our totals, breakdown and warnings.
    #[serde(flatten)]
    pub pricing: Pricing,
    /// Where the totals the CDR states differ from ours.
    pub differences: Vec<Difference>,
    /// A credit CDR (`credit: true`): its costs are the negative of the CDR it credits.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub credit: bool,
    /// The `id` of the CDR a credit CDR credits (`credit_reference_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_reference_id: Option<String>,
    /// When the CDR was priced with the tariff at each period's start and some period spans
    /// a restriction boundary: the total cost split at every boundary, as our own sessions
    /// are priced (negative for a credit CDR).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_total_cost: Option<Amount>,
}

const REQUIRED_221: &[&str] = &[
    "country_code",
    "party_id",
    "id",
    "start_date_time",
    "end_date_time",
    "cdr_token",
    "auth_method",
    "cdr_location",
    "currency",
    "charging_periods",
    "total_cost",
    "total_energy",
    "total_time",
    "last_updated",
];
const REQUIRED_211: &[&str] = &[
    "id",
    "start_date_time",
    "stop_date_time",
    "auth_id",
    "auth_method",
    "location",
    "currency",
    "charging_periods",
    "total_cost",
    "total_energy",
    "total_time",
    "last_updated",
];

fn invalid(what: &'static str, message: impl Into<String>) -> TariffError {
    TariffError::InvalidJson {
        what,
        message: message.into(),
    }
}

fn decode<T: DeserializeOwned + ocpi_types::Validate>(
    value: &Value,
    what: &'static str,
    path: &str,
    warnings: &mut Vec<Warning>,
) -> Result<T, TariffError> {
    let (decoded, report) =
        decode_value::<T>(value, Mode::Lenient, path).map_err(|e| invalid(what, e.to_string()))?;
    for issue in report.errors {
        warnings.push(Warning::general(format!("{what} {issue}")));
    }
    Ok(decoded)
}

fn decimal(value: &Value, path: &str) -> Result<Decimal, TariffError> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err(invalid("CDR", format!("{path} is not a number"))),
    };
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| invalid("CDR", format!("{path} is not a number: {text}")))
}

/// `value` without the object members that are `null`: OCPI reads "fields that are not
/// specified [...] as null values", and partners write `null` for optional fields that the
/// types read as absent only when they are missing. Arrays keep their `null` items. The
/// paths of the members dropped are added to `dropped`.
fn without_nulls(value: &Value, path: &str, dropped: &mut Vec<String>) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter_map(|(name, v)| {
                    let at = format!("{path}.{name}");
                    if v.is_null() {
                        dropped.push(at);
                        None
                    } else {
                        Some((name.clone(), without_nulls(v, &at, dropped)))
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| without_nulls(v, &format!("{path}[{i}]"), dropped))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A warning for the `null` members read as absent, when there are any.
fn nulls_warning(what: &str, dropped: &[String]) -> Option<Warning> {
    const SHOWN: usize = 8;
    let (first, more) = match dropped.len() {
        0 => return None,
        n if n > SHOWN => (&dropped[..SHOWN], format!(" and {} more", n - SHOWN)),
        _ => (dropped, String::new()),
    };
    Some(Warning::general(format!(
        "the {what} has null for {}{more}: read as absent",
        first.join(", ")
    )))
}

/// Reads a tariff document: one object, an array (the first is used), or a response envelope.
fn read_tariffs(
    value: &Value,
    version: Version,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Tariff>, TariffError> {
    let value = value
        .get("data")
        .filter(|_| value.get("status_code").is_some())
        .unwrap_or(value);
    let items: Vec<(&Value, String)> = match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (v, format!("$[{i}]")))
            .collect(),
        other => vec![(other, "$".to_owned())],
    };
    items
        .into_iter()
        .map(|(v, path)| match version {
            Version::V221 => decode::<Tariff>(v, "tariff", &path, warnings),
            Version::V211 => from_v211(&decode::<v211::Tariff>(v, "tariff", &path, warnings)?),
        })
        .collect()
}

fn periods(
    value: &Value,
    version: Version,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<ChargingPeriod>, TariffError> {
    let path = "$.charging_periods";
    match version {
        Version::V221 => decode::<Vec<ChargingPeriod>>(value, "CDR", path, warnings),
        Version::V211 => {
            let old = decode::<Vec<v211::cdrs::ChargingPeriod>>(value, "CDR", path, warnings)?;
            let mut flat = false;
            let converted = old
                .into_iter()
                .map(|p| ChargingPeriod {
                    start_date_time: p.start_date_time,
                    dimensions: p
                        .dimensions
                        .into_iter()
                        .filter(|d| {
                            let is_flat = d.r#type.as_str() == "FLAT";
                            flat |= is_flat;
                            !is_flat
                        })
                        .map(|d| CdrDimension {
                            r#type: CdrDimensionType::from_wire(d.r#type.as_str()),
                            volume: d.volume,
                        })
                        .collect(),
                    tariff_id: None,
                })
                .collect();
            if flat {
                warnings.push(Warning::general(
                    "the 2.1.1 FLAT dimension of the charging periods is ignored: flat fees come from the tariff",
                ));
            }
            Ok(converted)
        }
    }
}

/// Prices the CDR `cdr` (JSON) with `tariff` (JSON: an object, an array or an envelope), or
/// with the tariffs the CDR carries when `tariff` is `None`, and compares with the totals
/// the CDR states.
pub fn price_cdr_json(
    cdr: &str,
    tariff: Option<&str>,
    options: &CdrOptions,
) -> Result<CdrReport, TariffError> {
    let cdr: Value = serde_json::from_str(cdr).map_err(|e| invalid("CDR", e.to_string()))?;
    let tariff = match tariff {
        Some(t) => {
            Some(serde_json::from_str::<Value>(t).map_err(|e| invalid("tariff", e.to_string()))?)
        }
        None => None,
    };
    price_cdr_value(&cdr, tariff.as_ref(), options)
}

/// [`price_cdr_json`] on parsed JSON.
pub fn price_cdr_value(
    cdr: &Value,
    tariff: Option<&Value>,
    options: &CdrOptions,
) -> Result<CdrReport, TariffError> {
    let v211 = options.version == Version::V211;
    let mut warnings = Vec::new();
    if v211 {
        warnings.push(Warning::general(
            "OCPI 2.1.1 tariffs carry no VAT: incl_vat equals excl_vat",
        ));
    }
    let mut dropped = Vec::new();
    let cdr = without_nulls(cdr, "$", &mut dropped);
    warnings.extend(nulls_warning("CDR", &dropped));
    let tariff = tariff.map(|t| {
        let mut dropped = Vec::new();
        let t = without_nulls(t, "$", &mut dropped);
        warnings.extend(nulls_warning("tariff", &dropped));
        t
    });
    let tariff = tariff.as_ref();
    let Value::Object(fields) = &cdr else {
        return Err(invalid("CDR", "$ is not a JSON object"));
    };
    let required = if v211 { REQUIRED_211 } else { REQUIRED_221 };
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|f| !fields.contains_key(*f))
        .collect();
    if !missing.is_empty() {
        warnings.push(Warning::general(format!(
            "the CDR lacks {} (not needed for pricing)",
            missing.join(", ")
        )));
    }
    // Credit CDRs are 2.2.1 (2.1.1 has none).
    let credit = !v211 && fields.get("credit").and_then(Value::as_bool) == Some(true);
    let credit_reference_id = fields
        .get("credit_reference_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if credit {
        warnings.push(Warning::general(match &credit_reference_id {
            Some(id) => format!(
                "a credit CDR, for the CDR {id}: its costs are that CDR's, negated"
            ),
            None => "a credit CDR without credit_reference_id (the id of the CDR it credits): its costs are negated".to_owned(),
        }));
    } else if let Some(id) = &credit_reference_id {
        warnings.push(Warning::general(format!(
            "credit_reference_id {id} without credit: true; priced as a normal CDR"
        )));
    }
    let periods_value = fields
        .get("charging_periods")
        .ok_or_else(|| invalid("CDR", "$.charging_periods is missing"))?;
    let periods = periods(periods_value, options.version, &mut warnings)?;
    let end_field = if v211 {
        "stop_date_time"
    } else {
        "end_date_time"
    };
    let end = match fields.get(end_field) {
        Some(v) => {
            Some(decode::<DateTime>(v, "CDR", &format!("$.{end_field}"), &mut warnings)?.utc())
        }
        None => None,
    };
    let location = fields.get(if v211 { "location" } else { "cdr_location" });
    let country = location
        .and_then(|l| l.get("country"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let zone = match (
        options.time_zone,
        location
            .and_then(|l| l.get("time_zone"))
            .and_then(Value::as_str),
    ) {
        (Some(zone), _) => Some(zone),
        (None, Some(name)) => Some(timezone::parse_zone(name)?),
        (None, None) => None,
    };

    let tariffs = match tariff {
        Some(t) => read_tariffs(t, options.version, &mut warnings)?,
        None => match fields.get("tariffs") {
            Some(t @ Value::Array(_)) => read_tariffs(t, options.version, &mut warnings)?,
            _ => Vec::new(),
        },
    };
    if tariffs.is_empty() {
        return Err(TariffError::NoTariff);
    }
    let named = periods.iter().any(|p| p.tariff_id.is_some());
    let given_one = tariff.is_some() && tariffs.len() == 1;
    let (used, assignment): (Vec<&Tariff>, Option<Vec<Option<usize>>>) = if named && !given_one {
        let (used, assignment) = super::assign_tariffs(tariffs.iter(), &periods)?;
        (used, Some(assignment))
    } else {
        let chosen = &tariffs[0];
        if tariffs.len() > 1 {
            warnings.push(Warning::general(format!(
                "{} tariffs given and no period names one; the whole CDR is priced with the first, {}",
                tariffs.len(),
                chosen.id.as_str()
            )));
        }
        if periods
            .iter()
            .any(|p| p.tariff_id.as_ref().is_some_and(|id| *id != chosen.id))
        {
            warnings.push(Warning::general(format!(
                "some periods name another tariff_id than {}; they are priced with it too",
                chosen.id.as_str()
            )));
        }
        (vec![chosen], None)
    };
    if let Some(currency) = fields.get("currency").and_then(Value::as_str) {
        if let Some(t) = used
            .iter()
            .find(|t| !currency.eq_ignore_ascii_case(t.currency.as_str()))
        {
            return Err(TariffError::CurrencyMismatch {
                tariff: t.currency.as_str().to_owned(),
                cdr: currency.to_owned(),
            });
        }
    }
    let session = Consumption { periods, end };
    let engine_options = Options {
        time_zone: zone,
        country,
        decimals: options.decimals,
    };
    let assignment = || match &assignment {
        Some(a) => engine::Assignment::PerPeriod(a),
        None => engine::Assignment::All,
    };
    let mut pricing = engine::run(
        &used,
        assignment(),
        &session,
        &engine_options,
        options.periods,
        warnings,
    )?;
    let mut split_total_cost = None;
    if !pricing.spanning_periods.is_empty() {
        let split = engine::run(
            &used,
            assignment(),
            &session,
            &engine_options,
            PeriodPricing::SplitAtEveryBoundary,
            Vec::new(),
        )?;
        let total = if credit {
            negated(split.total_cost)
        } else {
            split.total_cost
        };
        pricing.warnings.push(Warning::general(format!(
            "split at every restriction boundary, as our own sessions are priced, the CDR would cost {} excl. VAT, {} incl. VAT",
            total.excl_vat, total.incl_vat
        )));
        split_total_cost = Some(total);
    }
    if credit {
        negate(&mut pricing);
    }
    let differences = compare(fields, &pricing, v211, credit)?;
    Ok(CdrReport {
        pricing,
        differences,
        credit,
        credit_reference_id,
        split_total_cost,
    })
}

fn negated(a: Amount) -> Amount {
    a.map(|v| -v)
}

/// A credit CDR's costs: every cost of `pricing` negated (volumes and prices stay).
fn negate(pricing: &mut Pricing) {
    for a in [
        &mut pricing.total_cost,
        &mut pricing.total_fixed_cost,
        &mut pricing.total_energy_cost,
        &mut pricing.total_time_cost,
        &mut pricing.total_parking_cost,
        &mut pricing.total_reservation_cost,
    ] {
        *a = negated(*a);
    }
    for t in &mut pricing.tariffs {
        t.cost = negated(t.cost);
    }
    for l in &mut pricing.breakdown {
        l.cost = negated(l.cost);
    }
}

/// The stated totals that differ from ours. For a credit CDR, whose costs are negative, a
/// cost other than `total_cost` may also be stated positive: the specification asks only
/// `total_cost` to "contain the negative amounts of the original CDR".
fn compare(
    fields: &serde_json::Map<String, Value>,
    ours: &Pricing,
    v211: bool,
    credit: bool,
) -> Result<Vec<Difference>, TariffError> {
    let mut out = Vec::new();
    let mut check = |field: String, stated: Decimal, computed: Decimal| {
        let either_sign = credit
            && !field.starts_with("total_cost")
            && field.contains("cost")
            && stated.normalize() == (-computed).normalize();
        if stated.normalize() != computed.normalize() && !either_sign {
            out.push(Difference {
                field,
                stated: stated.normalize(),
                computed: computed.normalize(),
            });
        }
    };
    let prices: [(&str, &Amount); 6] = [
        ("total_cost", &ours.total_cost),
        ("total_fixed_cost", &ours.total_fixed_cost),
        ("total_energy_cost", &ours.total_energy_cost),
        ("total_time_cost", &ours.total_time_cost),
        ("total_parking_cost", &ours.total_parking_cost),
        ("total_reservation_cost", &ours.total_reservation_cost),
    ];
    for (name, amount) in prices {
        let Some(value) = fields.get(name) else {
            continue;
        };
        if v211 || value.is_number() {
            check(
                name.to_owned(),
                decimal(value, &format!("$.{name}"))?,
                amount.excl_vat,
            );
            continue;
        }
        let price: Price = serde_json::from_value(value.clone())
            .map_err(|e| invalid("CDR", format!("$.{name}: {e}")))?;
        check(format!("{name}.excl_vat"), price.excl_vat, amount.excl_vat);
        if let Some(incl) = price.incl_vat {
            check(format!("{name}.incl_vat"), incl, amount.incl_vat);
        }
    }
    for (name, computed) in [
        ("total_energy", ours.total_energy),
        ("total_time", ours.total_time),
        ("total_parking_time", ours.total_parking_time),
    ] {
        if let Some(value) = fields.get(name) {
            check(
                name.to_owned(),
                decimal(value, &format!("$.{name}"))?,
                computed,
            );
        }
    }
    Ok(out)
}

impl CdrReport {
    /// The report as one JSON object: the totals with OCPI field names (costs as
    /// `{"excl_vat", "incl_vat"}`, times in hours), `breakdown`, `warnings` and `differences`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The report for people: totals, breakdown, warnings and differences.
    pub fn to_text(&self) -> String {
        let p = &self.pricing;
        let mut out = String::new();
        let money = |a: &Amount| format!("{} excl. VAT, {} incl. VAT", a.excl_vat, a.incl_vat);
        let _ = writeln!(
            out,
            "total_cost:             {} ({})",
            money(&p.total_cost),
            p.currency
        );
        let _ = writeln!(
            out,
            "total_fixed_cost:       {}",
            money(&p.total_fixed_cost)
        );
        let _ = writeln!(out, "total_energy:           {} kWh", p.total_energy);
        let _ = writeln!(
            out,
            "total_energy_cost:      {}",
            money(&p.total_energy_cost)
        );
        let _ = writeln!(out, "total_time:             {} h", p.total_time);
        let _ = writeln!(out, "total_time_cost:        {}", money(&p.total_time_cost));
        let _ = writeln!(out, "total_parking_time:     {} h", p.total_parking_time);
        let _ = writeln!(
            out,
            "total_parking_cost:     {}",
            money(&p.total_parking_cost)
        );
        let _ = writeln!(
            out,
            "total_reservation_cost: {}",
            money(&p.total_reservation_cost)
        );
        if p.tariffs.len() > 1 {
            let _ = writeln!(out, "\ntariffs:");
            for t in &p.tariffs {
                let _ = writeln!(out, "  {}: {}", t.id, money(&t.cost));
            }
        }
        let _ = writeln!(out, "\nbreakdown:");
        for l in &p.breakdown {
            let unit = match l.unit {
                super::Unit::Kwh => "kWh",
                super::Unit::Seconds => "s",
                super::Unit::Session => "session",
            };
            let periods = match l.periods {
                Some((a, b)) if a == b => format!("period {a}"),
                Some((a, b)) => format!("periods {a}-{b}"),
                None => "session".to_owned(),
            };
            let tariff = match p.tariffs.get(l.tariff) {
                Some(t) if p.tariffs.len() > 1 => format!("tariff {} ", t.id),
                _ => String::new(),
            };
            let _ = write!(
                out,
                "  {} {:?} {periods} {tariff}element {}: {} {unit} billed {} at {}{} -> {}",
                l.start.format("%Y-%m-%dT%H:%M:%SZ"),
                l.dimension,
                l.element.map_or("-".to_owned(), |i| i.to_string()),
                l.volume.normalize(),
                l.billed_volume.normalize(),
                l.price.normalize(),
                l.vat
                    .map_or(String::new(), |v| format!(" + {}% VAT", v.normalize())),
                money(&l.cost.map(|v| v.normalize())),
            );
            if let Some(note) = &l.note {
                let _ = write!(out, " ({note})");
            }
            out.push('\n');
        }
        if !p.warnings.is_empty() {
            let _ = writeln!(out, "\nwarnings:");
            for w in &p.warnings {
                match w.period {
                    Some(i) => {
                        let _ = writeln!(out, "  period {i}: {}", w.message);
                    }
                    None => {
                        let _ = writeln!(out, "  {}", w.message);
                    }
                }
            }
        }
        if !self.differences.is_empty() {
            let _ = writeln!(out, "\nthe CDR states other totals:");
            for d in &self.differences {
                let _ = writeln!(
                    out,
                    "  {}: CDR {}, computed {}",
                    d.field, d.stated, d.computed
                );
            }
        }
        out
    }
}
