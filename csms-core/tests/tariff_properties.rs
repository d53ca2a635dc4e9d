//! Properties of the engine, over generated tariffs and sessions.
//!
//! Monotonicity needs two conditions that the specification's rules make necessary: the
//! components of one step group share a step size (otherwise a longer session can end in an
//! element with a smaller step and be billed less rounding, as the `step_size` rules
//! intend), and no energy price depends on power or duration (more energy in the same time
//! raises the power; a longer charge spreads the same energy into later, possibly cheaper,
//! elements), and, for energy, no mix of kWh tiers with time windows (see below).

use chrono::{Duration, TimeZone, Utc};
use csms_core::tariff::{Consumption, Options, Pricing, price};
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
        let mut spec = spec;
        for e in &mut spec.elements { e.0 = 0; e.6 = None; }
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
