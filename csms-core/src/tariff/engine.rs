//! The pricing run: tariff and periods in, [`Pricing`] out.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use ocpi_types::v221::tariffs::{PriceComponent, Tariff, TariffDimensionType};
use rust_decimal::{Decimal, RoundingStrategy};

use super::breakdown::{Amount, Dimension, Line, Pricing, TariffShare, Unit, Warning};
use super::periods::{self, Kind, Slice};
use super::restrictions::{Holds, Moment, ReservationKind, Restrictions};
use super::{Consumption, Options, PeriodPricing, TariffError, steps, timezone, totals};

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
    periods_priced: PeriodPricing,
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
    // The state of the tariff at each slice's start, and (a partner's CDR) at the start of
    // the slice's period.
    let mut own = HoldsAt::new(most_elements);
    let mut at_start = HoldsAt::new(most_elements);
    let at_period_start = periods_priced == PeriodPricing::TariffAtPeriodStart;
    // Each period's start and the energy charged before it (slices are in time order, and
    // a period's slices follow each other).
    let mut period_starts: Vec<Option<(DateTime<Utc>, Decimal)>> =
        vec![None; session.periods.len()];
    let mut started: Vec<Option<DateTime<Utc>>> = vec![None; session.periods.len()];
    for u in &usages {
        if let Some(slot) = started.get_mut(u.index) {
            *slot = Some(u.start);
        }
    }
    for s in &slices {
        if let Some(slot) = period_starts.get_mut(s.period) {
            if slot.is_none() {
                let start = started.get(s.period).copied().flatten().unwrap_or(s.start);
                *slot = Some((start, s.kwh_before));
            }
        }
    }
    let moment_at = |kind: Kind,
                     start: DateTime<Utc>,
                     kwh_before: Decimal,
                     power: Option<(Decimal, Decimal)>,
                     current: Option<(Decimal, Decimal)>| {
        let origin = match kind {
            Kind::Reservation => reservation_origin,
            _ => session_origin,
        };
        let elapsed = start.signed_duration_since(origin).max(Duration::zero());
        Moment {
            local: zone.map(|z| z.from_utc_datetime(&start.naive_utc()).naive_local()),
            kwh_before,
            elapsed_ns: i128::from(elapsed.num_seconds()) * 1_000_000_000
                + i128::from(elapsed.subsec_nanos()),
            power,
            current,
        }
    };
    let mut warned_current = vec![false; session.periods.len()];
    let mut spans: Vec<Option<(DateTime<Utc>, DateTime<Utc>)>> = vec![None; tariffs.len()];
    let mut divergences: Vec<Divergence> = Vec::new();
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
        own.at(
            Key {
                tariff: t,
                kind: s.kind,
                epoch: boundaries.partition_point(|b| *b <= s.start),
                tier: thresholds.partition_point(|x| *x <= s.kwh_before),
                power: s.power,
                current: s.current,
            },
            || moment_at(s.kind, s.start, s.kwh_before, s.power, s.current),
        );
        if at_period_start {
            let (start, kwh_before) = period_starts
                .get(s.period)
                .copied()
                .flatten()
                .unwrap_or((s.start, s.kwh_before));
            at_start.at(
                Key {
                    tariff: t,
                    kind: s.kind,
                    epoch: boundaries.partition_point(|b| *b <= start),
                    tier: thresholds.partition_point(|x| *x <= kwh_before),
                    power: s.power,
                    current: s.current,
                },
                || moment_at(s.kind, start, kwh_before, s.power, s.current),
            );
        }
        let order = match s.kind {
            Kind::Reservation if expired => &c.expired_order,
            Kind::Reservation => &c.reservation_order,
            _ => &c.session_order,
        };
        let mut no_current = |i: usize| {
            if let Some(w) = warned_current.get_mut(s.period) {
                if !*w {
                    *w = true;
                    warnings.push(Warning::at(
                        s.period,
                        format!("element {i} restricts the current, and the period has no MIN_CURRENT or MAX_CURRENT; the restriction is taken as not holding"),
                    ));
                }
            }
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
            let Some((slot, dim)) = want else {
                continue;
            };
            let split = pick(c, order, slot, &mut own, &mut no_current);
            let used = if at_period_start {
                let used = pick(c, order, slot, &mut at_start, &mut no_current);
                if used != split && !matches!(dim, Dimension::Flat | Dimension::ReservationFlat) {
                    let volume = match dim {
                        Dimension::Energy => s.kwh,
                        _ => s.secs,
                    };
                    let component = |p: Option<(usize, usize)>| {
                        p.map(|(i, j)| (i, &c.tariff.elements[i].price_components[j]))
                    };
                    divergences.push(Divergence {
                        period: s.period,
                        at: s.start,
                        dimension: dim,
                        used: component(used).map(|(i, pc)| (i, pc.price, pc.vat)),
                        split: component(split).map(|(i, pc)| (i, pc.price, pc.vat)),
                        volume,
                    });
                }
                used
            } else {
                split
            };
            *out = used.map(|(i, j)| (dim, i, j));
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
    let spanning = spanning_warnings(&divergences, &mut warnings)?;
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
        spanning_periods: spanning,
    })
}

/// The restrictions of a tariff's elements as they stand at one instant: evaluated once per
/// [`Key`], kept until the key changes.
struct HoldsAt {
    key: Option<Key>,
    moment: Moment,
    holds: Vec<Option<Holds>>,
}

impl HoldsAt {
    fn new(elements: usize) -> Self {
        HoldsAt {
            key: None,
            moment: Moment {
                local: None,
                kwh_before: Decimal::ZERO,
                elapsed_ns: 0,
                power: None,
                current: None,
            },
            holds: vec![None; elements],
        }
    }

    /// Moves to the state of `key`; `moment` gives it when the key changes.
    fn at(&mut self, key: Key, moment: impl FnOnce() -> Moment) {
        if self.key != Some(key) {
            self.key = Some(key);
            self.holds.iter_mut().for_each(|h| *h = None);
            self.moment = moment();
        }
    }
}

/// The first element of `order` with a component for `slot` whose restrictions hold in the
/// state `at`: (element, component). `no_current` is told of each element whose current
/// restriction could not be evaluated.
fn pick(
    c: &Compiled<'_>,
    order: &[usize],
    slot: Slot,
    at: &mut HoldsAt,
    no_current: &mut impl FnMut(usize),
) -> Option<(usize, usize)> {
    for &i in order {
        let Some(j) = c.elements[i].components[slot as usize] else {
            continue;
        };
        let moment = &at.moment;
        let h = *at.holds[i].get_or_insert_with(|| c.elements[i].restrictions.holds(moment));
        match h {
            Holds::Yes => return Some((i, j)),
            Holds::No => {}
            Holds::NoCurrent => no_current(i),
        }
    }
    None
}

/// A slice of a partner's period that the tariff's state at the period's start prices
/// otherwise than the state at the slice's own start: (element, price, VAT) of each.
struct Divergence {
    period: usize,
    at: DateTime<Utc>,
    dimension: Dimension,
    used: Option<(usize, Decimal, Option<Decimal>)>,
    split: Option<(usize, Decimal, Option<Decimal>)>,
    volume: Decimal,
}

/// The cost of `volume` of `dimension` at `component` (none: free).
fn cost_at(
    dimension: Dimension,
    volume: Decimal,
    component: Option<(usize, Decimal, Option<Decimal>)>,
) -> Option<Amount> {
    let Some((_, price, vat)) = component else {
        return Some(Amount::ZERO);
    };
    let excl = match dimension {
        Dimension::Energy => price.checked_mul(volume)?,
        _ => price
            .checked_mul(volume)?
            .checked_div(Decimal::from(3600))?,
    };
    Amount::with_vat(excl, vat)
}

/// One warning per charging period that spans a restriction boundary, saying where and what
/// splitting there would have changed; the periods concerned, in input order.
fn spanning_warnings(
    divergences: &[Divergence],
    warnings: &mut Vec<Warning>,
) -> Result<Vec<usize>, TariffError> {
    let mut periods: Vec<usize> = divergences.iter().map(|d| d.period).collect();
    periods.sort_unstable();
    periods.dedup();
    let describe = |dimension: Dimension, c: Option<(usize, Decimal, Option<Decimal>)>| match c {
        None => String::new(),
        Some((i, price, _)) => format!(
            "element {i} at {} per {}",
            price.normalize(),
            if dimension == Dimension::Energy {
                "kWh"
            } else {
                "hour"
            }
        ),
    };
    for &period in &periods {
        let mut delta = Amount::ZERO;
        // The first instant of each change, in time order.
        let mut changes: Vec<(DateTime<Utc>, Dimension, String, String)> = Vec::new();
        for d in divergences.iter().filter(|d| d.period == period) {
            let split = cost_at(d.dimension, d.volume, d.split)
                .ok_or(TariffError::Overflow("a split period's cost"))?;
            let used = cost_at(d.dimension, d.volume, d.used)
                .ok_or(TariffError::Overflow("a split period's cost"))?;
            delta = delta
                .checked_add(split)
                .and_then(|a| {
                    a.checked_add(Amount {
                        excl_vat: -used.excl_vat,
                        incl_vat: -used.incl_vat,
                    })
                })
                .ok_or(TariffError::Overflow("a split period's cost"))?;
            let from = describe(d.dimension, d.split);
            let was = describe(d.dimension, d.used);
            if !changes
                .iter()
                .any(|(_, dim, f, w)| *dim == d.dimension && *f == from && *w == was)
            {
                changes.push((d.at, d.dimension, from, was));
            }
        }
        let changes: Vec<String> = changes
            .iter()
            .map(|(at, dim, from, was)| {
                let change = match (from.is_empty(), was.is_empty()) {
                    (false, false) => format!("would be priced by {from}, not by {was}"),
                    (false, true) => {
                        format!("would be priced by {from}, where it is free at the period's start")
                    }
                    _ => format!("would be free (no element applies), not priced by {was}"),
                };
                format!(
                    "from {} {} {change}",
                    at.format("%Y-%m-%dT%H:%M:%SZ"),
                    dimension_name(*dim),
                )
            })
            .collect();
        let (more, excl, incl) = if delta.excl_vat < Decimal::ZERO {
            ("less", -delta.excl_vat, -delta.incl_vat)
        } else {
            ("more", delta.excl_vat, delta.incl_vat)
        };
        warnings.push(Warning::at(
            period,
            format!(
                "the period spans a restriction boundary: {}. It is priced whole with the tariff as it stood at the period's start (a CPO starts a new charging period at every change of price); split at the boundary it would cost {} {more} excl. VAT, {} {more} incl. VAT (before step_size and price limits)",
                changes.join("; "),
                excl.normalize(),
                incl.normalize(),
            ),
        ));
    }
    Ok(periods)
}

/// The OCPI name of a dimension.
fn dimension_name(d: Dimension) -> &'static str {
    match d {
        Dimension::Energy => "ENERGY",
        Dimension::Time => "TIME",
        Dimension::ParkingTime => "PARKING_TIME",
        Dimension::ReservationTime => "RESERVATION_TIME",
        Dimension::Flat | Dimension::ReservationFlat => "FLAT",
        Dimension::MinPrice => "MIN_PRICE",
        Dimension::MaxPrice => "MAX_PRICE",
    }
}
