//! Prices a CDR with a tariff, explains every number, and checks the totals the CDR states.
//!
//! ```text
//! cargo run --example price-cdr -- --cdr CDR.json [--tariff TARIFF.json] [--ocpi 2.2.1|2.1.1] [--timezone Europe/Amsterdam] [--decimals N] [--split-at-every-boundary] [--json]
//! ```
//!
//! Without `--tariff`, the CDR is priced with the tariffs it carries in its `tariffs` field:
//! each charging period with the tariff its `tariff_id` names (a period without one is not
//! priced; a name that is not among the tariffs is an error), or the first tariff for the whole
//! CDR when no period names one. One tariff given with `--tariff` prices every period.
//! The CDR may lack fields pricing does not need (ids, token, location details): each gives a
//! warning. The location's time zone comes from `--timezone`, else from the CDR (its
//! country, when the country has a single time zone; the `time_zone` of a 2.1.1 location).
//! `null` for an optional field, timestamps without zero padding and periods out of order
//! are read, each with a warning.
//!
//! Each charging period is priced whole with the tariff as it stood at the period's start,
//! as the CPO cut the session (OCPI has the CPO start a new period at every change of
//! price); a period that spans a restriction boundary gets a warning with what splitting it
//! there would have cost, and the total split at every boundary is given. With
//! `--split-at-every-boundary`, the CDR is priced as our own sessions are: split wherever a
//! restriction starts or stops holding. A credit CDR (`credit: true`) prices to negative
//! totals.
//!
//! Prints the totals, what each tariff billed (when there are several), the breakdown (one
//! line per stretch of the session priced by one price component) and the
//! warnings, then where the totals stated in the CDR differ from ours. With `--json`, prints
//! one JSON object: the OCPI totals (`{"total_cost": {"excl_vat": ..., "incl_vat": ...}, ...}`,
//! times in hours), `breakdown`, `warnings` and `differences`.
//!
//! Exit status: 0 when the CDR was priced, 1 when pricing fails, 2 on bad usage.
//!
//! Try it on the bundled sample:
//!
//! ```text
//! cargo run --example price-cdr -- --cdr examples/data/tariff/cdr-evening.json --tariff examples/data/tariff/tariff-evening.json
//! ```

use std::process::ExitCode;

use ev_backend::csms_core::tariff::PeriodPricing;
use ev_backend::csms_core::tariff::cdr::{CdrOptions, Version, price_cdr_json};
use ev_backend::csms_core::tariff::timezone::parse_zone;

const USAGE: &str = "usage: price-cdr --cdr CDR.json [--tariff TARIFF.json] [--ocpi 2.2.1|2.1.1] [--timezone ZONE] [--decimals N] [--split-at-every-boundary] [--json]";

struct Args {
    cdr: String,
    tariff: Option<String>,
    options: CdrOptions,
    json: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut cdr, mut tariff, mut options, mut json) = (None, None, CdrOptions::default(), false);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--cdr" => cdr = Some(value("--cdr")?),
            "--tariff" => tariff = Some(value("--tariff")?),
            "--ocpi" => {
                options.version = match value("--ocpi")?.as_str() {
                    "2.2.1" => Version::V221,
                    "2.1.1" => Version::V211,
                    other => return Err(format!("unknown OCPI version {other} (2.2.1 or 2.1.1)")),
                }
            }
            "--timezone" => {
                let zone = value("--timezone")?;
                options.time_zone = Some(parse_zone(&zone).map_err(|e| e.to_string())?);
            }
            "--decimals" => {
                let n = value("--decimals")?;
                options.decimals = Some(
                    n.parse()
                        .map_err(|_| format!("--decimals {n} is not a number"))?,
                );
            }
            "--split-at-every-boundary" => options.periods = PeriodPricing::SplitAtEveryBoundary,
            "--json" => json = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        cdr: cdr.ok_or("--cdr is required")?,
        tariff,
        options,
        json,
    })
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("price-cdr: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let inputs = read(&args.cdr).and_then(|cdr| match &args.tariff {
        Some(path) => read(path).map(|t| (cdr, Some(t))),
        None => Ok((cdr, None)),
    });
    let (cdr, tariff) = match inputs {
        Ok(inputs) => inputs,
        Err(message) => {
            eprintln!("price-cdr: {message}");
            return ExitCode::from(2);
        }
    };
    match price_cdr_json(&cdr, tariff.as_deref(), &args.options) {
        Ok(report) => {
            if args.json {
                println!("{}", report.to_json());
            } else {
                print!("{}", report.to_text());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("price-cdr: {error}");
            ExitCode::from(1)
        }
    }
}
