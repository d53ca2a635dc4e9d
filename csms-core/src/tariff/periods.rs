//! From charging periods to slices: the session laid out on the time line and cut wherever a
//! restriction can start or stop holding.
//!
//! A CDR's charging period gives volumes, not positions: it starts at `start_date_time` and
//! says how long the EVSE was reserved, how long the vehicle charged and how long it was parked.
//! The engine lays these out from the start of the period in that order (reservation, then
//! charging, then parking), each as long as its volume; energy is spread evenly over the
//! charging time. A period with no time dimension at all is taken as charging for its whole
//! length (up to the next period, or the end of the session), with a warning.
//!
//! Times are resolved to the nanosecond (hours from a CDR are converted to seconds and rounded
//! to 9 decimals), energy is kept exact: when a slice is cut, the parts add up to the whole.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use ocpi_types::v221::cdrs::{CdrDimensionType, ChargingPeriod};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::{TariffError, Warning};

const NANOS: i128 = 1_000_000_000;

/// What the vehicle was doing during a slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Reservation,
    Charging,
    Parking,
}

/// One charging period, read.
#[derive(Debug, Clone)]
pub(crate) struct Usage {
    pub(crate) index: usize,
    pub(crate) start: DateTime<Utc>,
    /// Seconds.
    pub(crate) reservation: Decimal,
    /// Seconds.
    pub(crate) time: Decimal,
    /// Seconds.
    pub(crate) parking: Decimal,
    /// kWh.
    pub(crate) energy: Decimal,
    pub(crate) power: Option<(Decimal, Decimal)>,
    pub(crate) current: Option<(Decimal, Decimal)>,
}

/// A stretch of one period in which nothing the tariff looks at changes.
#[derive(Debug, Clone)]
pub(crate) struct Slice {
    pub(crate) period: usize,
    pub(crate) kind: Kind,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    /// Seconds.
    pub(crate) secs: Decimal,
    /// kWh charged in the slice.
    pub(crate) kwh: Decimal,
    /// kWh charged in the session before the slice.
    pub(crate) kwh_before: Decimal,
    pub(crate) power: Option<(Decimal, Decimal)>,
    pub(crate) current: Option<(Decimal, Decimal)>,
}

/// Hours to seconds, to the nanosecond (a midpoint goes to the even nanosecond, as
/// `Decimal::round_dp` does), in integer arithmetic: the mantissa times 3600, scaled.
fn hours_to_secs(hours: Decimal) -> Result<Decimal, TariffError> {
    let overflow = || TariffError::Overflow("a duration in seconds");
    // |mantissa| < 2^96, so times 3600 fits an i128 with room to spare.
    let x = hours.mantissa() * 3600;
    let scale = hours.scale();
    let nanos = if scale <= 9 {
        x.checked_mul(10i128.pow(9 - scale)).ok_or_else(overflow)?
    } else {
        let d = 10i128.pow(scale - 9);
        let (q, r) = (x / d, (x % d).abs());
        let up = match (2 * r).cmp(&d) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Equal => q % 2 != 0,
            std::cmp::Ordering::Less => false,
        };
        match (up, x < 0) {
            (false, _) => q,
            (true, false) => q + 1,
            (true, true) => q - 1,
        }
    };
    Decimal::try_from_i128_with_scale(nanos, 9).map_err(|_| overflow())
}

fn secs_to_nanos(secs: Decimal) -> Result<i128, TariffError> {
    // Seconds with at most 9 decimals: the mantissa, scaled up to nanoseconds.
    if secs.scale() <= 9 {
        return Ok(secs.mantissa() * 10i128.pow(9 - secs.scale()));
    }
    secs.checked_mul(Decimal::from(1_000_000_000))
        .and_then(|n| n.trunc().to_i128())
        .ok_or(TariffError::Overflow("a duration in nanoseconds"))
}

fn nanos_to_secs(nanos: i128) -> Decimal {
    Decimal::try_from_i128_with_scale(nanos, 9).unwrap_or(Decimal::MAX)
}

fn add_nanos(t: DateTime<Utc>, nanos: i128) -> Result<DateTime<Utc>, TariffError> {
    i64::try_from(nanos)
        .ok()
        .and_then(|n| t.checked_add_signed(Duration::nanoseconds(n)))
        .ok_or_else(|| TariffError::InvalidSession("a period is too long".to_owned()))
}

fn nanos_between(a: DateTime<Utc>, b: DateTime<Utc>) -> i128 {
    let d = b.signed_duration_since(a);
    i128::from(d.num_seconds()) * NANOS + i128::from(d.subsec_nanos())
}

fn range(lo: Option<Decimal>, hi: Option<Decimal>) -> Option<(Decimal, Decimal)> {
    match (lo, hi) {
        (Some(lo), Some(hi)) => Some((lo.min(hi), lo.max(hi))),
        (Some(v), None) | (None, Some(v)) => Some((v, v)),
        (None, None) => None,
    }
}

/// Reads the charging periods, in time order.
///
/// The average power of a period without power dimensions is worked out only when
/// `needs_power` (a restriction looks at power).
pub(crate) fn read(
    periods: &[ChargingPeriod],
    session_end: Option<DateTime<Utc>>,
    needs_power: bool,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Usage>, TariffError> {
    if periods.is_empty() {
        return Err(TariffError::NoPeriods);
    }
    let mut usages = Vec::with_capacity(periods.len());
    let mut timed = Vec::with_capacity(periods.len());
    for (index, period) in periods.iter().enumerate() {
        let mut u = Usage {
            index,
            start: period.start_date_time.utc(),
            reservation: Decimal::ZERO,
            time: Decimal::ZERO,
            parking: Decimal::ZERO,
            energy: Decimal::ZERO,
            power: None,
            current: None,
        };
        let (mut min_p, mut max_p, mut min_a, mut max_a) = (None, None, None, None);
        let mut has_time = false;
        for dim in &period.dimensions {
            let v = dim.volume;
            let time_dim = |name: &'static str| {
                if v < Decimal::ZERO {
                    Err(TariffError::NegativeVolume {
                        period: index,
                        dimension: name,
                        volume: v,
                    })
                } else {
                    hours_to_secs(v)
                }
            };
            let sum = |acc: Decimal, add: Decimal| {
                acc.checked_add(add)
                    .ok_or(TariffError::Overflow("a period's volume"))
            };
            match &dim.r#type {
                CdrDimensionType::Energy => {
                    if v < Decimal::ZERO {
                        warnings.push(Warning::at(
                            index,
                            format!("negative ENERGY {v} kWh (energy fed back) is not priced; taken as 0"),
                        ));
                    } else {
                        u.energy = sum(u.energy, v)?;
                    }
                }
                CdrDimensionType::Time => {
                    u.time = sum(u.time, time_dim("TIME")?)?;
                    has_time = true;
                }
                CdrDimensionType::ParkingTime => {
                    u.parking = sum(u.parking, time_dim("PARKING_TIME")?)?;
                    has_time = true;
                }
                CdrDimensionType::ReservationTime => {
                    u.reservation = sum(u.reservation, time_dim("RESERVATION_TIME")?)?;
                    has_time = true;
                }
                CdrDimensionType::MinPower => min_p = Some(min_p.map_or(v, |p: Decimal| p.min(v))),
                CdrDimensionType::MaxPower => max_p = Some(max_p.map_or(v, |p: Decimal| p.max(v))),
                CdrDimensionType::MinCurrent => {
                    min_a = Some(min_a.map_or(v, |a: Decimal| a.min(v)))
                }
                CdrDimensionType::MaxCurrent => {
                    max_a = Some(max_a.map_or(v, |a: Decimal| a.max(v)))
                }
                // Session-only dimensions carry nothing the tariff prices.
                CdrDimensionType::Current
                | CdrDimensionType::EnergyExport
                | CdrDimensionType::EnergyImport
                | CdrDimensionType::Power
                | CdrDimensionType::StateOfCharge => {}
                CdrDimensionType::NonStandard(other) => warnings.push(Warning::at(
                    index,
                    format!("dimension {other:?} is not an OCPI dimension; ignored"),
                )),
            }
        }
        u.power = range(min_p, max_p);
        u.current = range(min_a, max_a);
        usages.push(u);
        timed.push(has_time);
    }
    if usages.windows(2).any(|w| w[1].start < w[0].start) {
        warnings.push(Warning::general(
            "the charging periods are not in time order; they were sorted by start_date_time",
        ));
        let mut order: Vec<usize> = (0..usages.len()).collect();
        order.sort_by_key(|&i| usages[i].start);
        let sorted: Vec<Usage> = order.iter().map(|&i| usages[i].clone()).collect();
        timed = order.iter().map(|&i| timed[i]).collect();
        usages = sorted;
    }
    for i in 0..usages.len() {
        let next = usages.get(i + 1).map(|n| n.start).or(session_end);
        let u = &mut usages[i];
        let wall_ns = next.map(|n| nanos_between(u.start, n).max(0));
        if !timed[i] {
            if let Some(ns) = wall_ns {
                let wall = nanos_to_secs(ns);
                u.time = wall;
                warnings.push(Warning::at(
                    u.index,
                    format!("no TIME, PARKING_TIME or RESERVATION_TIME; taken as charging for the whole period ({wall} s)"),
                ));
            }
        }
        let total_ns = secs_to_nanos(u.reservation)?
            .checked_add(secs_to_nanos(u.time)?)
            .and_then(|t| t.checked_add(secs_to_nanos(u.parking).ok()?))
            .ok_or(TariffError::Overflow("a period's duration"))?;
        if let Some(ns) = wall_ns {
            if total_ns > ns.saturating_add(NANOS) {
                warnings.push(Warning::at(
                    u.index,
                    format!(
                        "the period's times ({} s) are longer than the period itself ({} s); priced as given",
                        nanos_to_secs(total_ns),
                        nanos_to_secs(ns)
                    ),
                ));
            }
        }
        if needs_power && u.power.is_none() && u.time > Decimal::ZERO {
            // Average power in kW: kWh / hours.
            let avg = u
                .energy
                .checked_mul(Decimal::from(3600))
                .and_then(|e| e.checked_div(u.time));
            u.power = avg.map(|p| (p, p));
        }
    }
    Ok(usages)
}

/// A stretch of one period before cutting.
#[derive(Debug, Clone)]
pub(crate) struct Piece {
    pub(crate) period: usize,
    pub(crate) kind: Kind,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) nanos: i128,
    pub(crate) secs: Decimal,
    pub(crate) kwh: Decimal,
    pub(crate) power: Option<(Decimal, Decimal)>,
    pub(crate) current: Option<(Decimal, Decimal)>,
}

/// Lays every period out: reservation, then charging, then parking.
pub(crate) fn layout(usages: &[Usage]) -> Result<Vec<Piece>, TariffError> {
    let zero = Some((Decimal::ZERO, Decimal::ZERO));
    let mut pieces = Vec::with_capacity(usages.len());
    for u in usages {
        let mut at = u.start;
        let empty = u.reservation.is_zero() && u.time.is_zero() && u.parking.is_zero();
        for (kind, secs) in [
            (Kind::Reservation, u.reservation),
            (Kind::Charging, u.time),
            (Kind::Parking, u.parking),
        ] {
            let wanted =
                !secs.is_zero() || (kind == Kind::Charging && (empty || !u.energy.is_zero()));
            if !wanted {
                continue;
            }
            let nanos = secs_to_nanos(secs)?;
            let charging = kind == Kind::Charging;
            let end = add_nanos(at, nanos)?;
            pieces.push(Piece {
                period: u.index,
                kind,
                start: at,
                end,
                nanos,
                secs,
                kwh: if charging { u.energy } else { Decimal::ZERO },
                power: if charging { u.power } else { zero },
                current: if charging { u.current } else { zero },
            });
            at = end;
        }
    }
    Ok(pieces)
}

/// Instants where a local-time restriction can change: each local time of `times` (and
/// local midnight) on every day of the span, both occurrences of a time that a
/// daylight-saving change repeats, and every change of the zone's offset (which is where a
/// time skipped by the clock takes effect).
pub(crate) fn local_boundaries(
    zone: Tz,
    times: &[NaiveTime],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, TariffError> {
    if to.signed_duration_since(from) > Duration::days(400) {
        return Err(TariffError::InvalidSession(
            "a session longer than 400 days cannot be priced".to_owned(),
        ));
    }
    let mut out = Vec::new();
    let first: NaiveDate = zone.from_utc_datetime(&from.naive_utc()).date_naive();
    let last: NaiveDate = zone.from_utc_datetime(&to.naive_utc()).date_naive();
    let mut day = first.pred_opt().unwrap_or(first);
    let end = last.succ_opt().unwrap_or(last);
    while day <= end {
        for &t in times {
            match zone.from_local_datetime(&day.and_time(t)) {
                chrono::LocalResult::Single(x) => out.push(x.with_timezone(&Utc)),
                chrono::LocalResult::Ambiguous(a, b) => {
                    out.push(a.with_timezone(&Utc));
                    out.push(b.with_timezone(&Utc));
                }
                chrono::LocalResult::None => {}
            }
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    // Offset changes, found hour by hour and then to the second.
    let offset = |t: DateTime<Utc>| zone.offset_from_utc_datetime(&t.naive_utc()).fix();
    let mut t = from;
    while t < to {
        let Some(next) = t.checked_add_signed(Duration::hours(1)) else {
            break;
        };
        if offset(t) != offset(next) {
            let (mut lo, mut hi) = (t, next);
            while hi.signed_duration_since(lo) > Duration::seconds(1) {
                let mid = lo + hi.signed_duration_since(lo) / 2;
                if offset(mid) == offset(lo) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push(hi);
        }
        t = next;
    }
    Ok(out)
}

/// Cuts the pieces at the sorted `boundaries` (instants) and, while charging, where the
/// session's energy reaches one of the sorted `thresholds` (kWh).
pub(crate) fn cut(
    pieces: &[Piece],
    boundaries: &[DateTime<Utc>],
    thresholds: &[Decimal],
) -> Result<Vec<Slice>, TariffError> {
    let mut slices = Vec::with_capacity(pieces.len() + boundaries.len());
    let mut kwh_before = Decimal::ZERO;
    let overflow = || TariffError::Overflow("energy");
    for p in pieces {
        let end = p.end;
        // (offset in ns, exact energy at the cut relative to the piece)
        let mut cuts: Vec<(i128, Option<Decimal>)> = Vec::new();
        let lo = boundaries.partition_point(|b| *b <= p.start);
        let hi = boundaries.partition_point(|b| *b < end);
        for b in &boundaries[lo..hi.max(lo)] {
            cuts.push((nanos_between(p.start, *b), None));
        }
        let after = kwh_before.checked_add(p.kwh).ok_or_else(overflow)?;
        let crosses = p.kind == Kind::Charging
            && p.kwh > Decimal::ZERO
            && thresholds.iter().any(|&x| x > kwh_before && x < after);
        if cuts.is_empty() && !crosses {
            slices.push(Slice {
                period: p.period,
                kind: p.kind,
                start: p.start,
                end,
                secs: p.secs,
                kwh: p.kwh,
                kwh_before,
                power: p.power,
                current: p.current,
            });
            kwh_before = after;
            continue;
        }
        if crosses && p.kwh > Decimal::ZERO {
            for &x in thresholds.iter().filter(|&&x| x > kwh_before && x < after) {
                let rel = x - kwh_before;
                let off = rel
                    .checked_div(p.kwh)
                    .and_then(|f| f.checked_mul(nanos_to_secs(p.nanos)))
                    .map(|s| secs_to_nanos(s.trunc_with_scale(9)))
                    .ok_or_else(overflow)??;
                cuts.push((off.clamp(0, p.nanos), Some(rel)));
            }
        }
        cuts.sort_by_key(|c| c.0);
        let mut cums: Vec<Decimal> = Vec::with_capacity(cuts.len());
        for &(off, exact) in &cuts {
            let cum = match exact {
                Some(x) => x,
                None if p.nanos > 0 => p
                    .kwh
                    .checked_mul(nanos_to_secs(off))
                    .and_then(|v| v.checked_div(nanos_to_secs(p.nanos)))
                    .ok_or_else(overflow)?,
                None => Decimal::ZERO,
            };
            cums.push(cum);
        }
        let mut ceiling = p.kwh;
        for c in cums.iter_mut().rev() {
            *c = (*c).min(ceiling);
            ceiling = *c;
        }
        let mut floor = Decimal::ZERO;
        for c in cums.iter_mut() {
            *c = (*c).max(floor);
            floor = *c;
        }
        let (mut prev_off, mut prev_cum, mut used_secs) = (0i128, Decimal::ZERO, Decimal::ZERO);
        let mut start = p.start;
        for (&(off, _), &cum) in cuts.iter().zip(&cums) {
            if off == prev_off && cum == prev_cum {
                continue;
            }
            let secs = nanos_to_secs(off - prev_off);
            let at = add_nanos(p.start, off)?;
            slices.push(Slice {
                period: p.period,
                kind: p.kind,
                start,
                end: at,
                secs,
                kwh: cum - prev_cum,
                kwh_before: kwh_before + prev_cum,
                power: p.power,
                current: p.current,
            });
            used_secs += secs;
            (prev_off, prev_cum, start) = (off, cum, at);
        }
        slices.push(Slice {
            period: p.period,
            kind: p.kind,
            start,
            end,
            secs: (p.secs - used_secs).max(Decimal::ZERO),
            kwh: p.kwh - prev_cum,
            kwh_before: kwh_before + prev_cum,
            power: p.power,
            current: p.current,
        });
        kwh_before = after;
    }
    Ok(slices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_become_seconds_to_the_nanosecond_as_decimal_rounding_does() {
        for text in [
            "0",
            "1",
            "1.5",
            "0.0166666666666666666666666667",
            "0.5833333333333333333333333333",
            "2.000000000000138888888888888",
            // 4.5 ns and 13.5 ns: midpoints go to the even nanosecond.
            "0.00000000000125",
            "0.00000000000375",
            "-0.00000000000125",
            "123456.789",
            "-0.25",
        ] {
            let hours: Decimal = text.parse().expect("decimal");
            let exact = (hours * Decimal::from(3600)).round_dp(9);
            assert_eq!(hours_to_secs(hours), Ok(exact), "{text} h");
        }
        assert_eq!(
            hours_to_secs(Decimal::MAX),
            Err(TariffError::Overflow("a duration in seconds"))
        );
    }
}
