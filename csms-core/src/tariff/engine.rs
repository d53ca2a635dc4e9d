//! The pricing run: tariff and periods in, [`Pricing`] out.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use ocpi_types::v221::tariffs::{PriceComponent, Tariff, TariffDimensionType};
use rust_decimal::{Decimal, RoundingStrategy};

use super::breakdown::{Amount, Dimension, Line, Pricing, TariffShare, Unit, Warning};
use super::periods::{self, Kind, Slice};
use super::restrictions::{Holds, Moment, ReservationKind, Restrictions};
use super::{Consumption, Options, TariffError, steps, timezone, totals};

/// The dimensions a component can price, as indices into [`Element::components`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Energy = 0,
    Flat = 1,
    Parking = 2,
    Time = 3,
}

struct Element {
    restrictions: Restrictions,
    reservation: ReservationKind,
    /// For each [`Slot`], the first component of that dimension in the element.
    components: [Option<usize>; 4],
}

struct Compiled<'t> {
    tariff: &'t Tariff,
    elements: Vec<Element>,
    /// Element indices tried for the charging session, for reservation time, and for an
    /// expired reservation.
    session_order: Vec<usize>,
    reservation_order: Vec<usize>,
    expired_order: Vec<usize>,
}

fn compile<'t>(
    tariff: &'t Tariff,
    warnings: &mut Vec<Warning>,
) -> Result<Compiled<'t>, TariffError> {
    if tariff.elements.is_empty() {
        return Err(TariffError::EmptyTariff);
    }
    let mut elements = Vec::with_capacity(tariff.elements.len());
    for (i, el) in tariff.elements.iter().enumerate() {
        let (restrictions, reservation) = match &el.restrictions {
            Some(r) => Restrictions::read(r, i)?,
            None => (Restrictions::default(), ReservationKind::None),
        };
        let mut components = [None; 4];
        for (j, pc) in el.price_components.iter().enumerate() {
            let slot = match &pc.r#type {
                TariffDimensionType::Energy => Slot::Energy,
                TariffDimensionType::Flat => Slot::Flat,
                TariffDimensionType::ParkingTime => Slot::Parking,
                TariffDimensionType::Time => Slot::Time,
                TariffDimensionType::NonStandard(other) => {
                    warnings.push(Warning::general(format!(
                        "element {i} component {j}: dimension {other:?} is not an OCPI dimension; ignored"
                    )));
                    continue;
                }
            };
            if reservation != ReservationKind::None && matches!(slot, Slot::Energy | Slot::Parking)
            {
                warnings.push(Warning::general(format!(
                    "element {i} component {j}: a reservation element prices only FLAT and TIME; ignored"
                )));
                continue;
            }
            if components[slot as usize].is_some() {
                warnings.push(Warning::general(format!(
                    "element {i} has more than one {} component; the first one applies",
                    pc.r#type.as_str()
                )));
                continue;
            }
            components[slot as usize] = Some(j);
        }
        elements.push(Element {
            restrictions,
            reservation,
            components,
        });
    }
    let of = |kind: ReservationKind| -> Vec<usize> {
        (0..elements.len())
            .filter(|&i| elements[i].reservation == kind)
            .collect()
    };
    let session_order = of(ReservationKind::None);
    let reservation_order = of(ReservationKind::Reservation);
    let mut expired_order = of(ReservationKind::Expires);
    expired_order.extend(&reservation_order);
    Ok(Compiled {
        tariff,
        elements,
        session_order,
        reservation_order,
        expired_order,
    })
}

fn sorted_unique<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}

fn overflow(what: &'static str) -> impl Fn() -> TariffError {
    move || TariffError::Overflow(what)
}

/// Builds the breakdown: one line per stretch of the session in which one component of one
/// element of one tariff prices a dimension. Consecutive slices priced by the same component
/// extend the line, across periods.
struct LineBuilder {
    lines: Vec<Line>,
    /// Last line per dimension, to extend contiguous stretches of one component.
    last: [Option<usize>; 6],
}

impl LineBuilder {
    fn add(
        &mut self,
        slice: &Slice,
        dim: Dimension,
        (tariff, element, component): (usize, usize, usize),
        pc: &PriceComponent,
    ) -> Result<(), TariffError> {
        let (volume, unit) = match dim {
            Dimension::Energy => (slice.kwh, Unit::Kwh),
            Dimension::Flat | Dimension::ReservationFlat => (Decimal::ONE, Unit::Session),
            _ => (slice.secs, Unit::Seconds),
        };
        let slot = dim as usize;
        if let Some(i) = self.last.get(slot).copied().flatten() {
            let l = &mut self.lines[i];
            if unit != Unit::Session
                && l.tariff == tariff
                && l.element == Some(element)
                && l.component == Some(component)
                && l.end == slice.start
            {
                l.end = slice.end;
                l.volume = l
                    .volume
                    .checked_add(volume)
                    .ok_or_else(overflow("a line's volume"))?;
                l.billed_volume = l.volume;
                if let Some((_, last)) = &mut l.periods {
                    *last = slice.period;
                }
                return Ok(());
            }
        }
        if let Some(s) = self.last.get_mut(slot) {
            *s = Some(self.lines.len());
        }
        self.lines.push(Line {
            tariff,
            periods: Some((slice.period, slice.period)),
            dimension: dim,
            element: Some(element),
            component: Some(component),
            start: slice.start,
            end: slice.end,
            volume,
            billed_volume: volume,
            unit,
            price: pc.price,
            step_size: None,
            vat: pc.vat,
            cost: Amount::ZERO,
            note: None,
        });
        Ok(())
    }
}

fn line_cost(l: &Line, volume: Decimal) -> Option<Amount> {
    let excl = match l.unit {
        Unit::Kwh => l.price.checked_mul(volume)?,
        Unit::Seconds => l
            .price
            .checked_mul(volume)?
            .checked_div(Decimal::from(3600))?,
        Unit::Session => l.price,
    };
    Amount::with_vat(excl, l.vat)
}

/// What decides whether an element's restrictions hold in a slice. Slices with the same key
/// get the same answers, so restrictions are evaluated once per key, not once per slice:
/// `epoch` is the stretch between two consecutive boundaries (local times, offset changes,
/// durations), `tier` the stretch between two consecutive kWh thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    tariff: usize,
    kind: Kind,
    epoch: usize,
    tier: usize,
    power: Option<(Decimal, Decimal)>,
    current: Option<(Decimal, Decimal)>,
}

/// Which tariff prices each charging period (by input index); `None`: no tariff is
/// relevant during the period, it is not priced.
pub(crate) enum Assignment<'a> {
    /// One tariff for every period.
    All,
    /// A tariff (index into the tariffs) per period.
    PerPeriod(&'a [Option<usize>]),
}

impl Assignment<'_> {
    fn of(&self, period: usize) -> Option<usize> {
        match self {
            Assignment::All => Some(0),
            Assignment::PerPeriod(a) => a.get(period).copied().flatten(),
        }
    }
}

/// Prices `session` with `tariffs` (at least one), each period with the tariff `assignment`
/// gives it.
pub(crate) fn run(
    tariffs: &[&Tariff],
    assignment: Assignment<'_>,
    session: &Consumption,
    options: &Options,
    mut warnings: Vec<Warning>,
) -> Result<Pricing, TariffError> {
    let first_tariff = tariffs.first().ok_or(TariffError::NoTariff)?;
    let mut compiled = Vec::with_capacity(tariffs.len());
    for t in tariffs {
        if !t
            .currency
            .as_str()
            .eq_ignore_ascii_case(first_tariff.currency.as_str())
        {
            return Err(TariffError::CurrencyMismatch {
                tariff: t.currency.as_str().to_owned(),
                cdr: first_tariff.currency.as_str().to_owned(),
            });
        }
        compiled.push(compile(t, &mut warnings)?);
    }
    let needs_power = compiled.iter().any(|c| {
        c.elements
            .iter()
            .any(|e| e.restrictions.min_power.is_some() || e.restrictions.max_power.is_some())
    });
    let usages = periods::read(&session.periods, session.end, needs_power, &mut warnings)?;
    let pieces = periods::layout(&usages)?;
    let first = pieces.first().ok_or(TariffError::NoPeriods)?.start;
    let mut last_end = first;
    for p in &pieces {
        last_end = last_end.max(p.end);
    }
    let session_origin = pieces
        .iter()
        .find(|p| p.kind != Kind::Reservation)
        .map_or(first, |p| p.start);
    let reservation_origin = pieces
        .iter()
        .find(|p| p.kind == Kind::Reservation)
        .map_or(first, |p| p.start);
    for (t, tariff) in tariffs.iter().enumerate() {
        // Where the tariff starts to price: the session's start, or its first period.
        let from_here = pieces
            .iter()
            .find(|p| p.kind != Kind::Reservation && assignment.of(p.period) == Some(t))
            .map_or(session_origin, |p| p.start);
        let named = if tariffs.len() > 1 {
            format!("tariff {}: ", tariff.id.as_str())
        } else {
            String::new()
        };
        if let Some(from) = &tariff.start_date_time {
            if from_here < from.utc() {
                warnings.push(Warning::general(format!(
                    "{named}the session starts before the tariff's start_date_time {}; priced with it anyway",
                    from.utc().to_rfc3339()
                )));
            }
        }
        if let Some(until) = &tariff.end_date_time {
            if from_here >= until.utc() {
                warnings.push(Warning::general(format!(
                    "{named}the session starts after the tariff's end_date_time {}; priced with it anyway",
                    until.utc().to_rfc3339()
                )));
            }
        }
    }

    // Where restrictions can change.
    let all_elements = || compiled.iter().flat_map(|c| c.elements.iter());
    let needs_zone = all_elements().any(|e| e.restrictions.uses_local_time());
    let zone = if needs_zone {
        Some(timezone::resolve(
            options.time_zone,
            options.country.as_deref(),
        )?)
    } else {
        None
    };
    let mut boundaries: Vec<DateTime<Utc>> = Vec::new();
    if let Some(zone) = zone {
        // Local midnight always: a window open on one side changes there.
        let mut times: Vec<NaiveTime> = vec![NaiveTime::MIN];
        for e in all_elements() {
            times.extend(e.restrictions.start_time);
            times.extend(e.restrictions.end_time);
        }
        let times = sorted_unique(times);
        boundaries = periods::local_boundaries(zone, &times, first, last_end)?;
    }
    for e in all_elements() {
        let origin = match e.reservation {
            ReservationKind::None => session_origin,
            _ => reservation_origin,
        };
        for secs in [e.restrictions.min_duration, e.restrictions.max_duration]
            .into_iter()
            .flatten()
        {
            if let Some(t) = Duration::try_seconds(secs).and_then(|d| origin.checked_add_signed(d))
            {
                boundaries.push(t);
            }
        }
    }
    let boundaries = sorted_unique(boundaries);
    let thresholds = sorted_unique(
        all_elements()
            .filter(|e| e.reservation == ReservationKind::None)
            .flat_map(|e| [e.restrictions.min_kwh, e.restrictions.max_kwh])
            .flatten()
            .collect(),
    );
    let slices = periods::cut(&pieces, &boundaries, &thresholds)?;

    let expired = pieces
        .iter()
        .any(|p| p.kind == Kind::Reservation && !p.secs.is_zero())
        && !pieces
            .iter()
            .any(|p| p.kind != Kind::Reservation && (!p.secs.is_zero() || !p.kwh.is_zero()));

    if let Assignment::PerPeriod(a) = assignment {
        for (i, t) in a.iter().enumerate() {
            if t.is_none() {
                warnings.push(Warning::at(
                    i,
                    "the period names no tariff_id: no tariff is relevant during it, so it is not priced",
                ));
            }
        }
    }

    // Which element prices what, slice by slice; restrictions evaluated once per key.
    let mut builder = LineBuilder {
        lines: Vec::new(),
        last: [None; 6],
    };
    let most_elements = compiled.iter().map(|c| c.elements.len()).max().unwrap_or(0);
    let mut holds: Vec<Option<Holds>> = vec![None; most_elements];
    let mut key: Option<Key> = None;
    let mut moment = Moment {
        local: None,
        kwh_before: Decimal::ZERO,
        elapsed_ns: 0,
        power: None,
        current: None,
    };
    let mut warned_current = vec![false; session.periods.len()];
    let mut spans: Vec<Option<(DateTime<Utc>, DateTime<Utc>)>> = vec![None; tariffs.len()];
    let (mut session_flat, mut reservation_flat) = (false, false);
    for s in &slices {
        let Some(t) = assignment.of(s.period) else {
            continue;
        };
        let Some(c) = compiled.get(t) else {
            continue;
        };
        let span = &mut spans[t];
        *span = Some(span.map_or((s.start, s.end), |(a, b)| (a.min(s.start), b.max(s.end))));
        let k = Key {
            tariff: t,
            kind: s.kind,
            epoch: boundaries.partition_point(|b| *b <= s.start),
            tier: thresholds.partition_point(|x| *x <= s.kwh_before),
            power: s.power,
            current: s.current,
        };
        if key != Some(k) {
            key = Some(k);
            holds.iter_mut().for_each(|h| *h = None);
            let origin = match s.kind {
                Kind::Reservation => reservation_origin,
                _ => session_origin,
            };
            let elapsed = s.start.signed_duration_since(origin);
            moment = Moment {
                local: zone.map(|z| z.from_utc_datetime(&s.start.naive_utc()).naive_local()),
                kwh_before: s.kwh_before,
                elapsed_ns: i128::from(elapsed.num_seconds()) * 1_000_000_000
                    + i128::from(elapsed.subsec_nanos()),
                power: s.power,
                current: s.current,
            };
        }
        let order = match s.kind {
            Kind::Reservation if expired => &c.expired_order,
            Kind::Reservation => &c.reservation_order,
            _ => &c.session_order,
        };
        let mut pick = |slot: Slot| -> Option<(usize, usize)> {
            for &i in order {
                let Some(j) = c.elements[i].components[slot as usize] else {
                    continue;
                };
                let h = *holds[i].get_or_insert_with(|| c.elements[i].restrictions.holds(&moment));
                match h {
                    Holds::Yes => return Some((i, j)),
                    Holds::No => {}
                    Holds::NoCurrent => {
                        if let Some(w) = warned_current.get_mut(s.period) {
                            if !*w {
                                *w = true;
                                warnings.push(Warning::at(
                                    s.period,
                                    format!("element {i} restricts the current, and the period has no MIN_CURRENT or MAX_CURRENT; the restriction is taken as not holding"),
                                ));
                            }
                        }
                    }
                }
            }
            None
        };
        let wanted: [Option<(Slot, Dimension)>; 3] = match s.kind {
            Kind::Charging => [
                (!s.kwh.is_zero()).then_some((Slot::Energy, Dimension::Energy)),
                (!s.secs.is_zero()).then_some((Slot::Time, Dimension::Time)),
                (!session_flat).then_some((Slot::Flat, Dimension::Flat)),
            ],
            Kind::Parking => [
                (!s.secs.is_zero()).then_some((Slot::Parking, Dimension::ParkingTime)),
                (!session_flat).then_some((Slot::Flat, Dimension::Flat)),
                None,
            ],
            Kind::Reservation => [
                (!s.secs.is_zero()).then_some((Slot::Time, Dimension::ReservationTime)),
                (!reservation_flat).then_some((Slot::Flat, Dimension::ReservationFlat)),
                None,
            ],
        };
        let mut picked: [Option<(Dimension, usize, usize)>; 3] = [None; 3];
        for (out, want) in picked.iter_mut().zip(wanted) {
            if let Some((slot, dim)) = want {
                *out = pick(slot).map(|(i, j)| (dim, i, j));
            }
        }
        for (dim, i, j) in picked.into_iter().flatten() {
            match dim {
                Dimension::Flat => session_flat = true,
                Dimension::ReservationFlat => reservation_flat = true,
                _ => {}
            }
            builder.add(s, dim, (t, i, j), &c.tariff.elements[i].price_components[j])?;
        }
    }
    let mut lines = builder.lines;
    // Lines are in time order (slices are); the step size is the one of each line's component.
    let step_sizes: Vec<i64> = lines
        .iter()
        .map(|l| match (l.element, l.component) {
            (Some(i), Some(j)) => tariffs[l.tariff].elements[i].price_components[j].step_size,
            _ => 0,
        })
        .collect();
    for group in [
        &[Dimension::Energy][..],
        &[Dimension::Time, Dimension::ParkingTime],
        &[Dimension::ReservationTime],
    ] {
        steps::apply(&mut lines, &step_sizes, group, &mut warnings)?;
    }

    // Costs: per line, and per component over the whole session for the totals (one
    // multiplication per component, so the totals do not depend on how periods are cut).
    // (tariff, dimension, element, component), the billed volume, the first line.
    type ComponentKey = (usize, Dimension, usize, usize);
    let mut per_component: Vec<(ComponentKey, Decimal, usize)> = Vec::new();
    for (n, l) in lines.iter_mut().enumerate() {
        l.cost = line_cost(l, l.billed_volume).ok_or_else(overflow("a line's cost"))?;
        let key = (
            l.tariff,
            l.dimension,
            l.element.unwrap_or(0),
            l.component.unwrap_or(0),
        );
        match per_component.iter_mut().find(|(k, _, _)| *k == key) {
            Some(entry) => {
                entry.1 = entry
                    .1
                    .checked_add(l.billed_volume)
                    .ok_or_else(overflow("a component's volume"))?
            }
            None => per_component.push((key, l.billed_volume, n)),
        }
    }
    let mut totals = [Amount::ZERO; 6];
    let mut shares = vec![Amount::ZERO; tariffs.len()];
    for &((t, dim, _, _), volume, n) in &per_component {
        let cost = line_cost(&lines[n], volume).ok_or_else(overflow("a component's cost"))?;
        let total = &mut totals[dim as usize];
        *total = total.checked_add(cost).ok_or_else(overflow("a total"))?;
        shares[t] = shares[t]
            .checked_add(cost)
            .ok_or_else(overflow("a total"))?;
    }
    let [flat, energy, time, parking, res_flat, res_time] = totals;
    let reservation = res_flat
        .checked_add(res_time)
        .ok_or_else(overflow("the reservation total"))?;
    let mut total = [energy, time, parking, reservation]
        .into_iter()
        .try_fold(flat, |acc, a| acc.checked_add(a))
        .ok_or_else(overflow("the total cost"))?;

    // Price limits: each tariff's on the part of the session it priced. With one tariff that
    // part is the session, and the limit applies to the total itself (summed by dimension).
    if let [tariff] = tariffs {
        totals::limit_total(
            &mut total,
            0,
            tariff,
            &mut lines,
            &mut warnings,
            first,
            last_end,
        )?;
        shares[0] = total;
    } else {
        total = Amount::ZERO;
        for (t, tariff) in tariffs.iter().enumerate() {
            if let Some((start, end)) = spans[t] {
                totals::limit_total(
                    &mut shares[t],
                    t,
                    tariff,
                    &mut lines,
                    &mut warnings,
                    start,
                    end,
                )?;
            }
            total = total
                .checked_add(shares[t])
                .ok_or_else(overflow("the total cost"))?;
        }
    }

    let round = |a: Amount| match options.decimals {
        Some(dp) => a.map(|v| {
            v.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
                .normalize()
        }),
        None => a.map(|v| v.normalize()),
    };
    let sum_secs = |f: fn(&periods::Usage) -> Decimal| -> Result<Decimal, TariffError> {
        usages
            .iter()
            .try_fold(Decimal::ZERO, |acc, u| acc.checked_add(f(u)))
            .ok_or(TariffError::Overflow("a time total"))
    };
    let hours = |secs: Decimal| (secs / Decimal::from(3600)).round_dp(6).normalize();
    let charging = sum_secs(|u| u.time)?;
    let parked = sum_secs(|u| u.parking)?;
    let total_energy = usages
        .iter()
        .try_fold(Decimal::ZERO, |acc, u| acc.checked_add(u.energy))
        .ok_or(TariffError::Overflow("the energy total"))?;
    Ok(Pricing {
        currency: first_tariff.currency.as_str().to_owned(),
        total_cost: round(total),
        total_fixed_cost: round(flat),
        total_energy: total_energy.normalize(),
        total_energy_cost: round(energy),
        total_time: hours(
            charging
                .checked_add(parked)
                .ok_or(TariffError::Overflow("the session's duration"))?,
        ),
        total_time_cost: round(time),
        total_parking_time: hours(parked),
        total_parking_cost: round(parking),
        total_reservation_cost: round(reservation),
        tariffs: tariffs
            .iter()
            .zip(shares)
            .map(|(t, cost)| TariffShare {
                id: t.id.as_str().to_owned(),
                cost: round(cost),
            })
            .collect(),
        breakdown: lines,
        warnings,
    })
}
