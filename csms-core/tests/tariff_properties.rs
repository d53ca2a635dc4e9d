//! Properties of the engine, over generated tariffs and sessions.
//!
//! Monotonicity needs two conditions that the specification's rules make necessary: the
//! components of one step group share a step size (otherwise a longer session can end in an
//! element with a smaller step and be billed less rounding, as the `step_size` rules
//! intend), and no energy price depends on power or duration (more energy in the same time
//! raises the power; a longer charge spreads the same energy into later, possibly cheaper,
//! elements), and, for energy, no mix of kWh tiers with time windows (see below).

use chrono::{Duration, TimeZone, Utc};
use csms_core::tariff::{Consumption, Options, Pricing, price, price_at_period_starts};
use ocpi_types::common::{DateTime, LocalTime, Price};
use ocpi_types::v221::cdrs::{CdrDimension, CdrDimensionType, ChargingPeriod};
use ocpi_types::v221::tariffs::{
    PriceComponent, Tariff, TariffDimensionType, TariffElement, TariffRestrictions,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn restrictions() -> TariffRestrictions {
    serde_json::from_str("{}").expect("empty restrictions")
}

fn base_tariff(elements: Vec<TariffElement>) -> Tariff {
    csms_core::tariff::simple::tariff("EUR", elements)
}

fn component(ty: TariffDimensionType, cents: i64, vat: Option<u32>, step: i64) -> PriceComponent {
    PriceComponent {
        r#type: ty,
        price: Decimal::new(cents, 2),
        vat: vat.map(Decimal::from),
        step_size: step,
    }
}

/// Energy, time, parking and flat prices in cents, VAT, a time-of-day window (hours), and
/// a `min_kwh` restriction.
type ElementSpec = (
    i64,
    i64,
    i64,
    i64,
    Option<u32>,
    Option<(u32, u32)>,
    Option<i64>,
);

#[derive(Debug, Clone)]
struct Spec {
    energy_step: i64,
    time_step: i64,
    /// The elements, in tariff order.
    elements: Vec<ElementSpec>,
    min_price: Option<i64>,
    max_price: Option<i64>,
    /// Elements with a kWh restriction price energy only.
    tiers_energy_only: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    let element = (
        0i64..100,
        0i64..500,
        0i64..500,
        0i64..300,
        prop::option::of(0u32..26),
        prop::option::of((0u32..24, 0u32..24)),
        prop::option::of(1i64..40),
    );
    (
        prop::sample::select(vec![1i64, 10, 100, 500]),
        prop::sample::select(vec![1i64, 60, 300, 900]),
        prop::collection::vec(element, 1..5),
        prop::option::of(0i64..2000),
        prop::option::of(500i64..10000),
    )
        .prop_map(
            |(energy_step, time_step, elements, min_price, max_price)| Spec {
                energy_step,
                time_step,
                elements,
                min_price,
                max_price,
                tiers_energy_only: false,
            },
        )
}

fn build(spec: &Spec) -> Tariff {
    let elements = spec
        .elements
        .iter()
        .map(|&(energy, time, parking, flat, vat, window, kwh)| {
            let mut r = restrictions();
            if let Some((from, to)) = window {
                r.start_time = Some(LocalTime::from(format!("{from:02}:00")));
                r.end_time = Some(LocalTime::from(format!("{to:02}:00")));
            }
            r.min_kwh = kwh.map(Decimal::from);
            let mut price_components = vec![
                component(TariffDimensionType::Energy, energy, vat, spec.energy_step),
                component(TariffDimensionType::Time, time, vat, spec.time_step),
                component(
                    TariffDimensionType::ParkingTime,
                    parking,
                    vat,
                    spec.time_step,
                ),
                component(TariffDimensionType::Flat, flat, vat, 1),
            ];
            if spec.tiers_energy_only && kwh.is_some() {
                price_components.truncate(1);
            }
            TariffElement {
                price_components,
                restrictions: Some(r),
            }
        })
        .collect();
    let mut tariff = base_tariff(elements);
    // Limits with incl_vat >= excl_vat, as VAT is never negative.
    tariff.min_price = spec.min_price.map(|c| Price {
        excl_vat: Decimal::new(c, 2),
        incl_vat: Some(Decimal::new(c * 11, 3)),
    });
    tariff.max_price = spec.max_price.map(|c| Price {
        excl_vat: Decimal::new(c, 2),
        incl_vat: Some(Decimal::new(c * 12, 3)),
    });
    tariff
}

fn dim(ty: CdrDimensionType, volume: Decimal) -> CdrDimension {
    CdrDimension { r#type: ty, volume }
}

fn hours(secs: i64) -> Decimal {
    Decimal::from(secs) / Decimal::from(3600)
}

/// One charging period of `secs` seconds and `wh` Wh, then `parking` seconds parked.
fn session(start_minute: i64, secs: i64, wh: i64, parking: i64) -> Consumption {
    let start = Utc
        .with_ymd_and_hms(2024, 3, 4, 0, 0, 0)
        .single()
        .expect("start")
        + Duration::minutes(start_minute);
    let mut periods = vec![ChargingPeriod {
        start_date_time: DateTime::from_utc(start),
        dimensions: vec![
            dim(CdrDimensionType::Energy, Decimal::new(wh, 3)),
            dim(CdrDimensionType::Time, hours(secs)),
        ],
        tariff_id: None,
    }];
    if parking > 0 {
        periods.push(ChargingPeriod {
            start_date_time: DateTime::from_utc(start + Duration::seconds(secs)),
            dimensions: vec![dim(CdrDimensionType::ParkingTime, hours(parking))],
            tariff_id: None,
        });
    }
    Consumption::new(periods)
}

/// Makes `spec` a tariff of time only (no energy price, no kWh tier) where every time-based
/// component, `TIME` or `PARKING_TIME`, has one price, the highest one generated, or is
/// free (a price of zero).
///
/// Time can only make a session dearer under that condition. The `step_size` rules bill
/// what rounding adds at the price of the last paid time-based period, and round only the
/// parking time when paid parking follows charging (`mod_cdrs.asciidoc`, "step_size"): with
/// two prices, one more second in a cheaper element, or one paid second of parking, moves
/// the rounding onto a cheaper line, and a longer session can cost less. See
/// `a_cheaper_last_period_bills_the_rounding_at_its_price` and
/// `paid_parking_takes_the_rounding_from_charging`.
fn one_time_price_or_free(spec: &mut Spec) {
    let price = spec
        .elements
        .iter()
        .map(|e| e.1.max(e.2))
        .max()
        .unwrap_or(0);
    let one = |cents: i64| if cents < 100 { 0 } else { price };
    for e in &mut spec.elements {
        e.0 = 0;
        e.6 = None;
        e.1 = one(e.1);
        e.2 = one(e.2);
    }
}

fn utc() -> Options {
    Options {
        time_zone: Some(chrono_tz::UTC),
        ..Options::default()
    }
}

fn priced(tariff: &Tariff, session: &Consumption) -> Pricing {
    price(tariff, session, &utc()).expect("prices")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn cost_never_decreases_when_energy_grows(
        spec in spec(), start in 0i64..1440, secs in 1i64..20000, wh in 0i64..80000,
        more in 1i64..20000, parking in 0i64..5000,
    ) {
        // kWh tiers, no time windows, and tiers that price energy only: otherwise more energy
        // can reach a tier sooner whose time, parking or flat price is lower, or reach it
        // before a dearer window opens, which first-match pricing rightly bills for less.
        let mut spec = spec;
        spec.tiers_energy_only = true;
        for e in &mut spec.elements { e.5 = None; }
        let tariff = build(&spec);
        let a = priced(&tariff, &session(start, secs, wh, parking));
        let b = priced(&tariff, &session(start, secs, wh + more, parking));
        prop_assert!(b.total_cost.excl_vat >= a.total_cost.excl_vat, "{:?} < {:?}", b.total_cost, a.total_cost);
        prop_assert!(b.total_cost.incl_vat >= a.total_cost.incl_vat);
    }

    #[test]
    fn cost_never_decreases_when_time_grows(
        spec in spec(), start in 0i64..1440, secs in 1i64..20000, wh in 0i64..80000,
        more in 1i64..20000, parking in 0i64..5000,
    ) {
        // Time-priced tariffs only: energy prices are zero, so spreading energy does not matter.
        // One price for all time, charging or parked, or none (free of charge; generated
        // prices below 1.00 are taken as free, so that free elements are frequent): see
        // `one_time_price_or_free` for why.
        let mut spec = spec;
        one_time_price_or_free(&mut spec);
        let tariff = build(&spec);
        let a = priced(&tariff, &session(start, secs, wh, parking));
        let b = priced(&tariff, &session(start, secs, wh, parking + more));
        prop_assert!(b.total_cost.excl_vat >= a.total_cost.excl_vat, "{:?} < {:?}", b.total_cost, a.total_cost);
        let c = priced(&tariff, &session(start, secs + more, wh, 0));
        let d = priced(&tariff, &session(start, secs, wh, 0));
        prop_assert!(c.total_cost.excl_vat >= d.total_cost.excl_vat, "{:?} < {:?}", c.total_cost, d.total_cost);
    }

    #[test]
    fn incl_vat_is_never_below_excl_vat(
        spec in spec(), start in 0i64..1440, secs in 0i64..20000, wh in 0i64..80000, parking in 0i64..5000,
    ) {
        let p = priced(&build(&spec), &session(start, secs, wh, parking));
        for a in [p.total_cost, p.total_fixed_cost, p.total_energy_cost, p.total_time_cost, p.total_parking_cost] {
            prop_assert!(a.incl_vat >= a.excl_vat, "{:?}", a);
        }
    }

    #[test]
    fn a_single_energy_component_costs_price_times_billed_energy(
        cents in 0i64..10000, step in 1i64..2000, secs in 0i64..20000, wh in 0i64..200000, vat in prop::option::of(0u32..30),
    ) {
        let tariff = base_tariff(vec![TariffElement {
            price_components: vec![component(TariffDimensionType::Energy, cents, vat, step)],
            restrictions: None,
        }]);
        let p = priced(&tariff, &session(0, secs, wh, 0));
        let steps = (Decimal::from(wh) / Decimal::from(step)).ceil();
        let billed = steps * Decimal::from(step) / Decimal::ONE_THOUSAND;
        let expected = Decimal::new(cents, 2) * billed;
        prop_assert_eq!(p.total_cost.excl_vat, expected.normalize());
        prop_assert_eq!(p.total_energy_cost.excl_vat, expected.normalize());
    }

    #[test]
    fn splitting_a_period_changes_nothing_when_no_restriction_changes(
        spec in spec(), cuts in prop::collection::vec((1i64..1000, 0i64..1000), 1..6),
        wh in 0i64..80000, parking in 0i64..5000,
    ) {
        // No restrictions: the first element prices every dimension all along.
        let mut spec = spec;
        for e in &mut spec.elements { e.5 = None; e.6 = None; }
        let tariff = build(&spec);
        let start = Utc.with_ymd_and_hms(2024, 3, 4, 10, 0, 0).single().expect("start");
        let total_secs: i64 = cuts.iter().map(|c| c.0).sum();
        let weights: i64 = cuts.iter().map(|c| c.1).sum::<i64>().max(1);
        let mut periods = Vec::new();
        let (mut at, mut given) = (start, 0i64);
        for (i, &(secs, weight)) in cuts.iter().enumerate() {
            let part = if i + 1 == cuts.len() { wh - given } else { wh * weight / weights };
            given += part;
            periods.push(ChargingPeriod {
                start_date_time: DateTime::from_utc(at),
                dimensions: vec![
                    dim(CdrDimensionType::Energy, Decimal::new(part, 3)),
                    dim(CdrDimensionType::Time, hours(secs)),
                ],
                tariff_id: None,
            });
            at += Duration::seconds(secs);
        }
        if parking > 0 {
            periods.push(ChargingPeriod {
                start_date_time: DateTime::from_utc(at),
                dimensions: vec![dim(CdrDimensionType::ParkingTime, hours(parking))],
                tariff_id: None,
            });
        }
        let split = priced(&tariff, &Consumption::new(periods));
        let whole = priced(&tariff, &session(600, total_secs, wh, parking));
        prop_assert_eq!(split.total_cost, whole.total_cost);
        prop_assert_eq!(split.total_energy_cost, whole.total_energy_cost);
        prop_assert_eq!(split.total_time_cost, whole.total_time_cost);
        prop_assert_eq!(split.total_parking_cost, whole.total_parking_cost);
        prop_assert_eq!(split.total_fixed_cost, whole.total_fixed_cost);
    }

    #[test]
    fn periods_cut_at_every_boundary_price_the_same_at_their_start(
        spec in spec(), start in 0i64..1440, minutes in 1i64..300, parked in 0i64..120,
        wh_per_minute in 0i64..500,
    ) {
        // Time windows on whole hours and no kWh tier; one period per minute, so every
        // boundary starts a period, as a CPO's CDR must: pricing each period with the tariff
        // at its start is pricing split at every boundary.
        let mut spec = spec;
        for e in &mut spec.elements { e.6 = None; }
        let tariff = build(&spec);
        let origin = Utc.with_ymd_and_hms(2024, 3, 4, 0, 0, 0).single().expect("start")
            + Duration::minutes(start);
        let periods: Vec<ChargingPeriod> = (0..minutes + parked).map(|m| ChargingPeriod {
            start_date_time: DateTime::from_utc(origin + Duration::minutes(m)),
            dimensions: if m < minutes {
                vec![
                    dim(CdrDimensionType::Energy, Decimal::new(wh_per_minute, 3)),
                    dim(CdrDimensionType::Time, hours(60)),
                ]
            } else {
                vec![dim(CdrDimensionType::ParkingTime, hours(60))]
            },
            tariff_id: None,
        }).collect();
        let session = Consumption::new(periods);
        let split = priced(&tariff, &session);
        let at_start = price_at_period_starts(&tariff, &session, &utc()).expect("prices");
        prop_assert!(at_start.spanning_periods.is_empty(), "{:?}", at_start.warnings);
        prop_assert_eq!(at_start.total_cost, split.total_cost);
        prop_assert_eq!(at_start.total_energy_cost, split.total_energy_cost);
        prop_assert_eq!(at_start.total_time_cost, split.total_time_cost);
        prop_assert_eq!(at_start.total_parking_cost, split.total_parking_cost);
        prop_assert_eq!(at_start.total_fixed_cost, split.total_fixed_cost);
    }

    #[test]
    fn arbitrary_periods_never_panic(
        dims in prop::collection::vec((0usize..9, -1000i64..100000), 0..6),
        starts in prop::collection::vec(-100000i64..100000, 1..4),
        spec in spec(),
    ) {
        let types = [
            CdrDimensionType::Energy, CdrDimensionType::Time, CdrDimensionType::ParkingTime,
            CdrDimensionType::ReservationTime, CdrDimensionType::MinPower, CdrDimensionType::MaxPower,
            CdrDimensionType::MinCurrent, CdrDimensionType::MaxCurrent, CdrDimensionType::StateOfCharge,
        ];
        let base = Utc.with_ymd_and_hms(2024, 3, 4, 10, 0, 0).single().expect("start");
        let periods: Vec<ChargingPeriod> = starts.iter().map(|&s| ChargingPeriod {
            start_date_time: DateTime::from_utc(base + Duration::seconds(s)),
            dimensions: dims.iter().map(|&(t, v)| dim(types[t].clone(), Decimal::new(v, 3))).collect(),
            tariff_id: None,
        }).collect();
        let _ = price(&build(&spec), &Consumption::new(periods), &utc());
    }
}

fn element(components: Vec<PriceComponent>, window: Option<(&str, &str)>) -> TariffElement {
    let mut r = restrictions();
    if let Some((from, to)) = window {
        r.start_time = Some(LocalTime::from(from));
        r.end_time = Some(LocalTime::from(to));
    }
    TariffElement {
        price_components: components,
        restrictions: window.map(|_| r),
    }
}

fn dec(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

/// The case `cost_never_decreases_when_time_grows` shrank to: charging at 2.80 per hour in a
/// window until 12:00, free charging and parking after, steps of 5 minutes. Five hours and
/// one second of charging are billed as 5 hours 5 minutes at 2.80; parking for 4 minutes
/// after them, or charging 4 minutes longer, into the free element, bills the same. The
/// rounding used to go to the last line whatever its price: onto free parking (the charging
/// time was then billed as measured) or onto the free second after 12:00, and the longer
/// session cost less.
#[test]
fn free_time_after_the_window_takes_no_rounding() {
    let spec = Spec {
        energy_step: 1,
        time_step: 300,
        elements: vec![
            (0, 280, 0, 0, None, Some((0, 12)), None),
            (0, 0, 0, 0, None, None, None),
        ],
        min_price: None,
        max_price: None,
        tiers_energy_only: false,
    };
    let tariff = build(&spec);
    // 06:56 to 11:56:01, rounded up to 18300 s.
    let expected = dec("2.80") * Decimal::from(18300) / Decimal::from(3600);
    let charging = priced(&tariff, &session(416, 18001, 0, 0));
    let parked_into_free = priced(&tariff, &session(416, 18001, 0, 240));
    let charged_into_free = priced(&tariff, &session(416, 18241, 0, 0));
    for p in [&charging, &parked_into_free, &charged_into_free] {
        assert_eq!(p.total_cost.excl_vat, expected.normalize());
        assert_eq!(p.total_time_cost.excl_vat, expected.normalize());
        assert_eq!(p.total_parking_cost.excl_vat, Decimal::ZERO);
    }
    // The rounding is on the paid charging line, at its price.
    let line = &charged_into_free.breakdown[0];
    assert_eq!(
        (line.price, line.volume, line.billed_volume),
        (dec("2.80"), Decimal::from(18240), Decimal::from(18300))
    );
    assert!(line.note.is_some());
    let free = &charged_into_free.breakdown[1];
    assert_eq!(
        (free.volume, free.billed_volume),
        (Decimal::ONE, Decimal::ONE)
    );
}

/// The shape the failures had in the first place: a window that crosses midnight (12:00 to
/// 08:00) with free parking, paid parking outside it, steps of 15 minutes. Parking from
/// 11:50 past 12:00 bills the paid 10 minutes as 15, like parking until 11:58 does.
#[test]
fn free_parking_in_a_window_across_midnight_takes_no_rounding() {
    let step = 900;
    let tariff = base_tariff(vec![
        element(
            vec![
                component(TariffDimensionType::Time, 200, None, step),
                component(TariffDimensionType::ParkingTime, 0, None, step),
            ],
            Some(("12:00", "08:00")),
        ),
        element(
            vec![
                component(TariffDimensionType::Time, 200, None, step),
                component(TariffDimensionType::ParkingTime, 100, None, step),
            ],
            None,
        ),
    ]);
    // Charging 10:00 to 11:50 (110 minutes at 2.00), then parked.
    let until_11_58 = priced(&tariff, &session(600, 6600, 5000, 480));
    let until_12_10 = priced(&tariff, &session(600, 6600, 5000, 1200));
    let expected = dec("2.00") * Decimal::from(110) / Decimal::from(60)
        + dec("1.00") * Decimal::from(15) / Decimal::from(60);
    assert_eq!(until_11_58.total_cost.excl_vat, expected.normalize());
    assert_eq!(until_12_10.total_cost.excl_vat, expected.normalize());
    assert_eq!(
        until_12_10.total_parking_cost.excl_vat,
        dec("0.25"),
        "15 minutes of paid parking"
    );
}

/// What the `step_size` rules intend, and why the time property keeps to one price: time
/// costs 7.00 per hour before 17:00 and 5.00 after, in steps of 10 minutes (the prices of
/// the `mod_cdrs.asciidoc` example, swapped). 26 minutes before 17:00 are billed as 30 at
/// 7.00; with 3 minutes more, 28 before and 1 after, the 29 minutes are rounded to 30 and
/// the 2 minutes after 17:00 are billed at 5.00: less.
#[test]
fn a_cheaper_last_period_bills_the_rounding_at_its_price() {
    let step = 600;
    let tariff = base_tariff(vec![
        element(
            vec![component(TariffDimensionType::Time, 700, None, step)],
            Some(("00:00", "17:00")),
        ),
        element(
            vec![component(TariffDimensionType::Time, 500, None, step)],
            None,
        ),
    ]);
    let shorter = priced(&tariff, &session(16 * 60 + 32, 26 * 60, 0, 0));
    let longer = priced(&tariff, &session(16 * 60 + 32, 29 * 60, 0, 0));
    assert_eq!(shorter.total_cost.excl_vat, dec("3.5"));
    let expected = dec("7") * Decimal::from(28) / Decimal::from(60)
        + dec("5") * Decimal::from(2) / Decimal::from(60);
    assert_eq!(longer.total_cost.excl_vat, expected.normalize());
    assert!(longer.total_cost.excl_vat < shorter.total_cost.excl_vat);
}

/// The other consequence: "step_size is not taken into account when switching from
/// charging to parking". 16 minutes of charging at 2.40 per hour are billed as 30 (1.20);
/// with one minute of parking at 0.60 after them, the charging time is billed as measured
/// (0.64) and the parking minute as 15 (0.15).
#[test]
fn paid_parking_takes_the_rounding_from_charging() {
    let step = 900;
    let tariff = base_tariff(vec![element(
        vec![
            component(TariffDimensionType::Time, 240, None, step),
            component(TariffDimensionType::ParkingTime, 60, None, step),
        ],
        None,
    )]);
    let charging = priced(&tariff, &session(600, 16 * 60, 5000, 0));
    let then_parked = priced(&tariff, &session(600, 16 * 60, 5000, 60));
    assert_eq!(charging.total_cost.excl_vat, dec("1.2"));
    assert_eq!(then_parked.total_cost.excl_vat, dec("0.79"));
}
