//! The simple constructors, meter values, 2.1.1 tariffs, warnings and errors.

mod tariff;
use tariff::common::*;

use chrono::{Duration, TimeZone, Utc};
use csms_core::tariff::meter::{MeterSample, periods_from_meter_values};
use csms_core::tariff::simple::{self, Band};
use csms_core::tariff::{
    Consumption, Dimension, Options, TariffError, price, price_session, price_v211,
    price_with_tariffs,
};
use ocpi_types::v221::tariffs::DayOfWeek;

#[test]
fn per_kwh_25_5_kwh_at_15_kgs_costs_382_5_kgs() {
    let tariff = simple::per_kwh("KGS", d("15.0"), None);
    let p = run(
        &tariff,
        vec![period(
            "2024-03-01T10:00:00Z",
            &[("ENERGY", "25.5"), ("TIME", "2")],
        )],
        &Options::default(),
    );
    assert_amount(p.total_cost, "382.5", "382.5");
    assert_eq!(p.currency, "KGS");
    // With 12% VAT.
    let tariff = simple::per_kwh("KGS", d("15.0"), Some(d("12")));
    let p = run(
        &tariff,
        vec![period(
            "2024-03-01T10:00:00Z",
            &[("ENERGY", "25.5"), ("TIME", "2")],
        )],
        &Options::default(),
    );
    assert_amount(p.total_cost, "382.5", "428.4");
}

#[test]
fn per_minute_bills_started_minutes() {
    // 0.10 per minute; 90.5 minutes are billed as 91: 9.10, with 20% VAT 10.92.
    let tariff = simple::per_minute("EUR", d("0.10"), Some(d("20")));
    let hours = (d("90.5") / d("60")).to_string();
    let p = run(
        &tariff,
        vec![period("2024-03-01T10:00:00Z", &[("TIME", &hours)])],
        &Options::default(),
    );
    assert_amount(p.total_cost, "9.10", "10.92");
}

#[test]
fn per_session_bills_once() {
    let tariff = simple::per_session("EUR", d("2.50"), Some(d("21")));
    let periods = vec![
        period("2024-03-01T10:00:00Z", &[("ENERGY", "5"), ("TIME", "1")]),
        period("2024-03-01T11:00:00Z", &[("ENERGY", "5"), ("TIME", "1")]),
        period("2024-03-01T12:00:00Z", &[("PARKING_TIME", "1")]),
    ];
    let p = run(&tariff, periods, &Options::default());
    assert_amount(p.total_cost, "2.50", "3.025");
    assert_eq!(
        p.breakdown
            .iter()
            .filter(|l| l.dimension == Dimension::Flat)
            .count(),
        1
    );
}

#[test]
fn parking_fee_after_a_grace_period() {
    // 0.30 per kWh, parking 6.00 per hour once the session has lasted 90 minutes.
    let tariff = simple::parking_after_grace("EUR", d("0.30"), d("6.00"), 90, None);
    let periods = vec![
        period("2024-03-01T10:00:00Z", &[("ENERGY", "20"), ("TIME", "1")]),
        period("2024-03-01T11:00:00Z", &[("PARKING_TIME", "1")]),
    ];
    let p = run(&tariff, periods, &Options::default());
    // Parking 11:00-12:00, priced from 11:30: 0.5 h * 6.00 = 3.00; energy 6.00.
    assert_amount(p.total_parking_cost, "3.00", "3.00");
    assert_amount(p.total_cost, "9.00", "9.00");
}

#[test]
fn time_of_use_peak_and_off_peak() {
    let weekdays = vec![
        DayOfWeek::Monday,
        DayOfWeek::Tuesday,
        DayOfWeek::Wednesday,
        DayOfWeek::Thursday,
        DayOfWeek::Friday,
    ];
    let tariff = simple::time_of_use(
        "EUR",
        &[Band {
            days: weekdays,
            from_hour: 17,
            to_hour: 21,
            price_per_kwh: d("0.45"),
        }],
        d("0.25"),
        Some(d("21")),
    );
    // Friday 2024-03-08, 16:00-18:00 in Amsterdam (15:00Z-17:00Z), 10 kWh evenly:
    // 5 off-peak (1.25) and 5 peak (2.25).
    let periods = vec![period(
        "2024-03-08T15:00:00Z",
        &[("ENERGY", "10"), ("TIME", "2")],
    )];
    let p = run(&tariff, periods, &in_zone(chrono_tz::Europe::Amsterdam));
    assert_amount(p.total_cost, "3.50", "4.235");
    // The same hours on a Saturday are off-peak.
    let periods = vec![period(
        "2024-03-09T15:00:00Z",
        &[("ENERGY", "10"), ("TIME", "2")],
    )];
    assert_amount(
        run(&tariff, periods, &in_zone(chrono_tz::Europe::Amsterdam)).total_cost,
        "2.50",
        "3.025",
    );
}

#[test]
fn sessions_from_meter_values() {
    let start = Utc
        .with_ymd_and_hms(2024, 3, 1, 10, 0, 0)
        .single()
        .expect("start");
    let sample = |minutes: i64, kwh: &str, kw: &str| MeterSample {
        at: start + Duration::minutes(minutes),
        energy_kwh: d(kwh),
        power_kw: Some(d(kw)),
        current_a: None,
    };
    let samples = [
        sample(0, "100", "11"),
        sample(60, "111", "11"),
        sample(90, "111", "0"),
    ];
    let periods = periods_from_meter_values(&samples).expect("periods");
    let tariff = simple::parking_after_grace("EUR", d("0.30"), d("6.00"), 60, None);
    let p = price(&tariff, &Consumption::new(periods), &Options::default()).expect("priced");
    // 11 kWh * 0.30 = 3.30, then 30 minutes parked after the grace hour: 3.00.
    assert_amount(p.total_cost, "6.30", "6.30");
    assert_eq!(p.total_time, d("1.5"));
    assert_eq!(p.total_parking_time, d("0.5"));

    let backwards = [sample(0, "100", "11"), sample(60, "99", "11")];
    assert!(matches!(
        periods_from_meter_values(&backwards),
        Err(TariffError::MeterWentBackwards { index: 1, .. })
    ));
    assert_eq!(
        periods_from_meter_values(&samples[..1]),
        Err(TariffError::NoPeriods)
    );
}

#[test]
fn ocpi_2_1_1_tariffs_have_no_vat() {
    let tariff: ocpi_types::v211::Tariff = serde_json::from_str(
        r#"{"id": "12", "currency": "EUR", "last_updated": "2016-01-01T00:00:00Z",
            "elements": [{"price_components": [{"type": "TIME", "price": 2.00, "step_size": 300}],
                          "restrictions": {"max_power": 32}}]}"#,
    )
    .expect("2.1.1 tariff");
    let session = Consumption::new(vec![period(
        "2016-01-01T10:00:00Z",
        &[("TIME", "1.973"), ("MAX_POWER", "11")],
    )]);
    let p = price_v211(&tariff, &session, &Options::default()).expect("priced");
    assert_amount(p.total_cost, "4.00", "4.00");
    assert!(p.warnings.iter().any(|w| w.message.contains("no VAT")));
}

#[test]
fn assumptions_are_warnings() {
    let tariff = simple::per_kwh("EUR", d("0.30"), None);
    // Out of order, energy without time, negative energy.
    let periods = vec![
        period("2024-03-01T11:00:00Z", &[("ENERGY", "5")]),
        period("2024-03-01T10:00:00Z", &[("ENERGY", "-1"), ("TIME", "1")]),
    ];
    let session = Consumption::new(periods).ending_at(t("2024-03-01T12:00:00Z"));
    let p = price(&tariff, &session, &Options::default()).expect("priced");
    assert_amount(p.total_cost, "1.50", "1.50");
    let messages: Vec<&str> = p.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("not in time order")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("taken as charging")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("negative ENERGY")),
        "{messages:?}"
    );
    assert_eq!(p.total_time, d("2"));
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let tariff = simple::per_kwh("EUR", d("0.30"), None);
    let negative = Consumption::new(vec![period("2024-03-01T10:00:00Z", &[("TIME", "-1")])]);
    assert!(matches!(
        price(&tariff, &negative, &Options::default()),
        Err(TariffError::NegativeVolume {
            period: 0,
            dimension: "TIME",
            ..
        })
    ));
    assert_eq!(
        price(&tariff, &Consumption::default(), &Options::default()),
        Err(TariffError::NoPeriods)
    );

    let mut empty = tariff.clone();
    empty.elements.clear();
    let one = Consumption::new(vec![period("2024-03-01T10:00:00Z", &[("TIME", "1")])]);
    assert_eq!(
        price(&empty, &one, &Options::default()),
        Err(TariffError::EmptyTariff)
    );

    let mut bad_time = simple::time_of_use("EUR", &[], d("0.25"), None);
    bad_time.elements[0].restrictions =
        Some(serde_json::from_str(r#"{"start_time": "25:99"}"#).expect("restrictions"));
    assert!(matches!(
        price(&bad_time, &one, &in_zone(chrono_tz::UTC)),
        Err(TariffError::InvalidTariff { .. })
    ));

    let huge = Consumption::new(vec![period(
        "2024-03-01T10:00:00Z",
        &[("ENERGY", "10000000000000000000"), ("TIME", "1")],
    )]);
    let expensive = simple::per_kwh("EUR", d("10000000000"), None);
    assert!(matches!(
        price(&expensive, &huge, &Options::default()),
        Err(TariffError::Overflow(_))
    ));

    let forever = Consumption::new(vec![period(
        "2024-03-01T10:00:00Z",
        &[("TIME", "100000000")],
    )]);
    assert!(price(&tariff, &forever, &Options::default()).is_err());
}

#[test]
fn a_time_zone_is_needed_only_for_local_time_restrictions() {
    let session = Consumption::new(vec![period(
        "2024-03-01T10:00:00Z",
        &[("ENERGY", "1"), ("TIME", "1")],
    )]);
    let plain = simple::per_kwh("EUR", d("0.30"), None);
    assert!(price(&plain, &session, &Options::default()).is_ok());
    let by_hour = simple::time_of_use(
        "EUR",
        &[Band {
            days: vec![],
            from_hour: 8,
            to_hour: 20,
            price_per_kwh: d("0.5"),
        }],
        d("0.2"),
        None,
    );
    assert_eq!(
        price(&by_hour, &session, &Options::default()),
        Err(TariffError::TimeZoneRequired { country: None })
    );
    let in_kyrgyzstan = Options {
        country: Some("KGZ".into()),
        ..Options::default()
    };
    // 10:00Z is 16:00 in Bishkek: the band applies.
    assert_amount(
        price(&by_hour, &session, &in_kyrgyzstan)
            .expect("priced")
            .total_cost,
        "0.5",
        "0.5",
    );
}

/// A charging period that names its tariff.
fn named(
    start: &str,
    tariff_id: &str,
    dims: &[(&str, &str)],
) -> ocpi_types::v221::cdrs::ChargingPeriod {
    let mut p = period(start, dims);
    p.tariff_id = Some(tariff_id.into());
    p
}

#[test]
fn periods_are_priced_with_the_tariff_they_name() {
    let mut day = simple::per_kwh("EUR", d("0.30"), Some(d("21")));
    day.id = "DAY".into();
    day.min_price = Some(ocpi_types::common::Price {
        excl_vat: d("4"),
        incl_vat: Some(d("4.84")),
    });
    let mut boost = simple::per_kwh("EUR", d("0.50"), Some(d("21")));
    boost.id = "BOOST".into();
    let session = Consumption::new(vec![
        named(
            "2024-03-01T10:00:00Z",
            "DAY",
            &[("ENERGY", "10"), ("TIME", "1")],
        ),
        named(
            "2024-03-01T11:00:00Z",
            "BOOST",
            &[("ENERGY", "6"), ("TIME", "0.25")],
        ),
        named(
            "2024-03-01T11:15:00Z",
            "DAY",
            &[("ENERGY", "2"), ("TIME", "0.5")],
        ),
    ]);
    let p = price_with_tariffs(&[boost.clone(), day.clone()], &session, &Options::default())
        .expect("priced");
    // DAY: 12 kWh * 0.30 = 3.60, raised to its min_price 4.00; BOOST: 6 kWh * 0.50 = 3.00.
    assert_amount(p.total_cost, "7", "8.47");
    assert_amount(p.total_energy_cost, "6.60", "7.986");
    let ids: Vec<&str> = p.tariffs.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["DAY", "BOOST"], "in the order the periods name them");
    assert_amount(p.tariffs[0].cost, "4", "4.84");
    assert_amount(p.tariffs[1].cost, "3", "3.63");
    type Covers = (usize, Option<(usize, usize)>, Dimension);
    let lines: Vec<Covers> = p
        .breakdown
        .iter()
        .map(|l| (l.tariff, l.periods, l.dimension))
        .collect();
    assert_eq!(
        lines,
        [
            (0, Some((0, 0)), Dimension::Energy),
            (1, Some((1, 1)), Dimension::Energy),
            (0, Some((2, 2)), Dimension::Energy),
            (0, None, Dimension::MinPrice),
        ]
    );

    // A period that names no tariff is not priced, with a warning.
    let mut unnamed = session.clone();
    unnamed.periods[2].tariff_id = None;
    let p = price_with_tariffs(&[day.clone(), boost.clone()], &unnamed, &Options::default())
        .expect("priced");
    assert_amount(p.total_energy_cost, "6", "7.26");
    assert!(
        p.warnings
            .iter()
            .any(|w| w.period == Some(2) && w.message.contains("no tariff is relevant"))
    );

    // A tariff that was not given is an error, as is naming none at all.
    assert_eq!(
        price_with_tariffs(&[day.clone()], &session, &Options::default()),
        Err(TariffError::UnknownTariff {
            period: 1,
            id: "BOOST".to_owned()
        })
    );
    let anonymous = Consumption::new(vec![period("2024-03-01T10:00:00Z", &[("ENERGY", "1")])]);
    assert_eq!(
        price_with_tariffs(&[day.clone()], &anonymous, &Options::default()),
        Err(TariffError::NoTariff)
    );
    // Tariffs in different currencies cannot price one session.
    let mut other = boost.clone();
    other.currency = "KGS".into();
    assert!(matches!(
        price_with_tariffs(&[day, other], &session, &Options::default()),
        Err(TariffError::CurrencyMismatch { .. })
    ));
}

#[test]
fn a_session_that_ends_is_priced_from_its_meter_values() {
    let tariff = simple::per_kwh("EUR", d("0.30"), Some(d("21")));
    let at =
        |min: i64| Utc.with_ymd_and_hms(2024, 3, 1, 18, 0, 0).unwrap() + Duration::minutes(min);
    let sample = |min, kwh: &str| MeterSample {
        at: at(min),
        energy_kwh: d(kwh),
        power_kw: None,
        current_a: None,
    };
    let samples = [sample(0, "100"), sample(60, "111"), sample(90, "111")];
    let (p, periods) =
        price_session(&tariff, &samples, chrono_tz::Europe::Amsterdam).expect("priced");
    assert_eq!(periods.len(), 2);
    let totals = p.cdr_totals();
    assert_eq!(totals.currency, "EUR");
    assert_eq!(totals.total_cost.excl_vat, d("3.3"));
    assert_eq!(totals.total_cost.incl_vat, Some(d("3.993")));
    assert_eq!(totals.total_energy, d("11"));
    assert_eq!(totals.total_time, d("1.5"));
    assert_eq!(totals.total_parking_time, Some(d("0.5")));
    assert_eq!(
        price_session(&tariff, &samples[..1], chrono_tz::UTC),
        Err(TariffError::NoPeriods)
    );
}

#[test]
fn a_window_open_on_one_side_ends_at_midnight() {
    // "From 22:00" holds until the end of the day: after midnight the next element prices.
    let tariff = tariff(
        r#"{"country_code": "NL", "party_id": "EVB", "id": "LATE", "currency": "EUR",
            "last_updated": "2024-01-01T00:00:00Z",
            "elements": [
              {"price_components": [{"type": "ENERGY", "price": 0.20, "step_size": 1}],
               "restrictions": {"start_time": "22:00"}},
              {"price_components": [{"type": "ENERGY", "price": 0.40, "step_size": 1}]}]}"#,
    );
    let periods = vec![period(
        "2024-03-01T23:00:00Z",
        &[("ENERGY", "4"), ("TIME", "2")],
    )];
    let p = run(&tariff, periods, &in_zone(chrono_tz::UTC));
    // 23:00-24:00: 2 kWh * 0.20 = 0.40; 00:00-01:00: 2 kWh * 0.40 = 0.80.
    assert_amount(p.total_cost, "1.20", "1.20");
}
