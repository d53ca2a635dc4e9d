//! Decode+validate (strict and lenient) and encode of representative OCPP messages, each
//! beside untyped `serde_json::Value` parsing of the same bytes.
//!
//! Besides criterion's report, the bench prints for each message the ratio of typed strict
//! decoding time to `Value` parsing time, measured interleaved in the same run (below 1.0
//! means the typed decoder is faster).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use ev_backend::ocpp_types::validate::ValidationOptions;
use ev_backend::ocpp_types::{v16, v201};

struct Sample {
    name: &'static str,
    version: &'static str,
    action: &'static str,
    request: bool,
    payload: String,
}

impl Sample {
    fn decode(&self, options: &ValidationOptions) {
        let ok = match (self.version, self.request) {
            ("1.6", true) => v16::Request::decode(self.action, &self.payload, options).is_ok(),
            ("2.0.1", true) => v201::Request::decode(self.action, &self.payload, options).is_ok(),
            (_, _) => v201::Response::decode(self.action, &self.payload, options).is_ok(),
        };
        assert!(ok, "{} does not decode", self.name);
    }
}

fn meter_values_16() -> String {
    let samples: Vec<String> = (0..10)
        .map(|i| {
            format!(
                r#"{{"value":"{}.{i}","context":"Sample.Periodic","measurand":"Energy.Active.Import.Register","phase":"L{}","location":"Outlet","unit":"Wh"}}"#,
                1000 + i * 37,
                i % 3 + 1
            )
        })
        .collect();
    format!(
        r#"{{"connectorId":1,"transactionId":1234,"meterValue":[{{"timestamp":"2024-05-01T10:00:00.123Z","sampledValue":[{}]}}]}}"#,
        samples.join(",")
    )
}

fn transaction_event_201() -> String {
    let samples: Vec<String> = (0..4)
        .map(|i| {
            format!(
                r#"{{"value":{}.5,"measurand":"Energy.Active.Import.Register","phase":"L{}","context":"Sample.Periodic","unitOfMeasure":{{"unit":"Wh","multiplier":0}}}}"#,
                20_000 + i,
                i % 3 + 1
            )
        })
        .collect();
    format!(
        r#"{{"eventType":"Updated","timestamp":"2024-05-01T10:00:00.123Z","triggerReason":"MeterValuePeriodic","seqNo":17,"offline":false,"transactionInfo":{{"transactionId":"f3a1c2e4-5b6d-4e8f-9a0b-1c2d3e4f5a6b","chargingState":"Charging","timeSpentCharging":3600}},"idToken":{{"idToken":"04A2B3C4D5E6F7","type":"ISO14443"}},"evse":{{"id":1,"connectorId":1}},"meterValue":[{{"timestamp":"2024-05-01T10:00:00.123Z","sampledValue":[{}]}}]}}"#,
        samples.join(",")
    )
}

fn notify_report_201(entries: usize) -> String {
    let data: Vec<String> = (0..entries)
        .map(|i| {
            format!(
                r#"{{"component":{{"name":"Connector","instance":"c{i}","evse":{{"id":{},"connectorId":1}}}},"variable":{{"name":"AvailabilityState"}},"variableAttribute":[{{"type":"Actual","value":"Available","mutability":"ReadOnly","persistent":true,"constant":false}}],"variableCharacteristics":{{"dataType":"OptionList","supportsMonitoring":true,"valuesList":"Available,Occupied,Reserved,Unavailable,Faulted"}}}}"#,
                i % 8 + 1
            )
        })
        .collect();
    format!(
        r#"{{"requestId":42,"generatedAt":"2024-05-01T10:00:00Z","seqNo":0,"tbc":false,"reportData":[{}]}}"#,
        data.join(",")
    )
}

fn samples() -> Vec<Sample> {
    vec![
        Sample {
            name: "1.6 BootNotification",
            version: "1.6",
            action: "BootNotification",
            request: true,
            payload: r#"{"chargePointVendor":"Acme","chargePointModel":"Wallbox 22","chargePointSerialNumber":"SN-000123","firmwareVersion":"4.2.1","meterType":"DZG DVH4013"}"#.to_owned(),
        },
        Sample {
            name: "1.6 MeterValues (10 samples)",
            version: "1.6",
            action: "MeterValues",
            request: true,
            payload: meter_values_16(),
        },
        Sample {
            name: "2.0.1 BootNotification",
            version: "2.0.1",
            action: "BootNotification",
            request: true,
            payload: r#"{"chargingStation":{"model":"Wallbox 22","vendorName":"Acme","serialNumber":"SN-000123","firmwareVersion":"4.2.1","modem":{"iccid":"8931440400000000000","imsi":"204080000000000"}},"reason":"PowerUp"}"#.to_owned(),
        },
        Sample {
            name: "2.0.1 TransactionEvent",
            version: "2.0.1",
            action: "TransactionEvent",
            request: true,
            payload: transaction_event_201(),
        },
        Sample {
            name: "2.0.1 NotifyReport (200 entries)",
            version: "2.0.1",
            action: "NotifyReport",
            request: true,
            payload: notify_report_201(200),
        },
    ]
}

fn bench(c: &mut Criterion, samples: &[Sample]) {
    let strict = ValidationOptions::strict();
    let lenient = ValidationOptions::lenient();
    for sample in samples {
        sample.decode(&strict);
        let mut group = c.benchmark_group(sample.name);
        group.throughput(Throughput::Bytes(sample.payload.len() as u64));
        group.bench_function("serde_json::Value", |b| {
            b.iter(|| {
                serde_json::from_slice::<serde_json::Value>(black_box(sample.payload.as_bytes()))
                    .unwrap()
            })
        });
        group.bench_function("decode strict", |b| {
            b.iter(|| sample.decode(black_box(&strict)))
        });
        group.bench_function("decode lenient", |b| {
            b.iter(|| sample.decode(black_box(&lenient)))
        });
        let decoded = v201::Request::decode(sample.action, &sample.payload, &lenient).ok();
        let decoded16 = v16::Request::decode(sample.action, &sample.payload, &lenient).ok();
        group.bench_function("encode", |b| {
            b.iter(|| match (&decoded16, &decoded) {
                (Some(v), _) if sample.version == "1.6" => {
                    serde_json::to_vec(black_box(&v.value)).unwrap()
                }
                (_, Some(v)) => serde_json::to_vec(black_box(&v.value)).unwrap(),
                _ => Vec::new(),
            })
        });
        group.finish();
    }
}

/// Typed strict decoding time over `Value` parsing time, measured interleaved.
fn ratios(samples: &[Sample]) {
    let strict = ValidationOptions::strict();
    println!("\nstrict typed decode / serde_json::Value parse (lower is better, goal <= 1.0):");
    for sample in samples {
        let rounds = 30;
        let per_round = (200_000 / sample.payload.len()).clamp(20, 20_000);
        let (mut typed, mut untyped) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..rounds {
            let start = Instant::now();
            for _ in 0..per_round {
                black_box(
                    serde_json::from_slice::<serde_json::Value>(black_box(
                        sample.payload.as_bytes(),
                    ))
                    .unwrap(),
                );
            }
            untyped += start.elapsed();
            let start = Instant::now();
            for _ in 0..per_round {
                sample.decode(black_box(&strict));
            }
            typed += start.elapsed();
        }
        let messages = (rounds * per_round) as f64;
        let mb = sample.payload.len() as f64 * messages / 1e6;
        println!(
            "  {:<34} ratio {:.2}  typed {:>9.0} msg/s {:>7.1} MB/s  value {:>9.0} msg/s {:>7.1} MB/s",
            sample.name,
            typed.as_secs_f64() / untyped.as_secs_f64(),
            messages / typed.as_secs_f64(),
            mb / typed.as_secs_f64(),
            messages / untyped.as_secs_f64(),
            mb / untyped.as_secs_f64(),
        );
    }
}

fn main() {
    let samples = samples();
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion, &samples);
    criterion.final_summary();
    ratios(&samples);
}
