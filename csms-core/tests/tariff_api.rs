//! The simple constructors, meter values, 2.1.1 tariffs, warnings and errors.

mod tariff;
use tariff::common::*;

use chrono::{Duration, TimeZone, Utc};
use csms_core::tariff::meter::{MeterSample, periods_from_meter_values};
use csms_core::tariff::simple::{self, Band};
use csms_core::tariff::{Dimension, Options, Session, TariffError, price, price_v211};
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
    let p = price(&tariff, &Session::new(periods), &Options::default()).expect("priced");
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
    let session = Session::new(vec![period(
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
    let session = Session::new(periods).ending_at(t("2024-03-01T12:00:00Z"));
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
    let negative = Session::new(vec![period("2024-03-01T10:00:00Z", &[("TIME", "-1")])]);
    assert!(matches!(
        price(&tariff, &negative, &Options::default()),
        Err(TariffError::NegativeVolume {
            period: 0,
            dimension: "TIME",
            ..
        })
    ));
    assert_eq!(
        price(&tariff, &Session::default(), &Options::default()),
        Err(TariffError::NoPeriods)
    );

    let mut empty = tariff.clone();
    empty.elements.clear();
    let one = Session::new(vec![period("2024-03-01T10:00:00Z", &[("TIME", "1")])]);
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

    let huge = Session::new(vec![period(
        "2024-03-01T10:00:00Z",
        &[("ENERGY", "10000000000000000000"), ("TIME", "1")],
    )]);
    let expensive = simple::per_kwh("EUR", d("10000000000"), None);
    assert!(matches!(
        price(&expensive, &huge, &Options::default()),
        Err(TariffError::Overflow(_))
    ));

    let forever = Session::new(vec![period(
        "2024-03-01T10:00:00Z",
        &[("TIME", "100000000")],
    )]);
    assert!(price(&tariff, &forever, &Options::default()).is_err());
}

#[test]
fn a_time_zone_is_needed_only_for_local_time_restrictions() {
    let session = Session::new(vec![period(
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
