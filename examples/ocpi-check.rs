//! Checks what an OCPI partner sent: objects of one kind, against OCPI 2.2.1 or 2.1.1.
//!
//! ```text
//! cargo run --example ocpi-check -- --version 2.2.1|2.1.1 --object NAME [--mode strict|lenient] [--json] [FILE]
//! ```
//!
//! FILE (or standard input, also as `-`) holds one object, a JSON array of objects, or a full
//! response envelope (`data`, `status_code`, `timestamp`) around either. NAME is a top-level
//! object of the version (`Location`, `Evse`, `Connector`, `Session`, `Cdr`, `Tariff`, `Token`,
//! `Credentials`, `CommandResponse`, ..., and the PATCH bodies `LocationPatch`, ...;
//! case-insensitive). Every violation and warning is printed with its JSON path. With
//! `--json`, prints one JSON object per checked object (the envelope first, when there is one):
//! `{"path", "object", "ok", "errors": [{"path", "message"}], "warnings": [...]}`.
//!
//! In strict mode every rule of the specification is enforced, and a missing required field or
//! a value of the wrong JSON type stops decoding with an error. In lenient mode over-long
//! strings, unknown enum values, unknown fields, non-UTC timestamps and broken cross-field rules
//! are warnings; an object that misses required fields or holds undecodable values is accepted
//! as a *partial* object (`valid but PARTIAL`, `"partial": true` with `--json`), with one warning
//! per gap. Only what is not an object at all is an error.
//!
//! Exit status: 0 when every object is valid, 1 otherwise, 2 on bad usage.

use std::io::{self, Read, Write};
use std::process::ExitCode;

use ev_backend::ocpi_types::check::{check_json, object_type, object_types, render_text};
use ev_backend::ocpi_types::{Mode, Version};

const USAGE: &str =
    "usage: ocpi-check --version 2.2.1|2.1.1 --object NAME [--mode strict|lenient] [--json] [FILE]";

struct Args {
    version: Version,
    object: String,
    mode: Mode,
    json: bool,
    file: Option<String>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut version, mut object, mut mode, mut json, mut file) =
        (None, None, Mode::Strict, false, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--version" => {
                let value = args.next().ok_or("--version needs a value")?;
                version = Some(value.parse::<Version>().map_err(|e| e.to_string())?);
            }
            "--object" => object = Some(args.next().ok_or("--object needs a value")?),
            "--mode" => {
                let value = args.next().ok_or("--mode needs a value")?;
                mode = value.parse::<Mode>().map_err(|e| e.to_string())?;
            }
            "--json" => json = true,
            "-h" | "--help" => return Err(String::new()),
            "-" => file = None,
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            other => {
                if file.replace(other.to_owned()).is_some() {
                    return Err("only one FILE can be checked at a time".to_owned());
                }
            }
        }
    }
    let version = version.ok_or("--version is required")?;
    let object = object.ok_or_else(|| {
        let names: Vec<_> = object_types(version).iter().map(|o| o.name()).collect();
        format!(
            "--object is required; objects of OCPI {version}: {}",
            names.join(", ")
        )
    })?;
    Ok(Args {
        version,
        object,
        mode,
        json,
        file,
    })
}

fn read_input(file: Option<&str>) -> io::Result<String> {
    match file {
        Some(path) => std::fs::read_to_string(path),
        None => {
            let mut text = String::new();
            io::stdin().read_to_string(&mut text)?;
            Ok(text)
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("ocpi-check: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = object_type(args.version, &args.object) {
        eprintln!("ocpi-check: {e}");
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let input = match read_input(args.file.as_deref()) {
        Ok(text) => text,
        Err(e) => {
            eprintln!(
                "ocpi-check: cannot read {}: {e}",
                args.file.as_deref().unwrap_or("standard input")
            );
            return ExitCode::from(2);
        }
    };
    let reports = match check_json(args.version, &args.object, args.mode, &input) {
        Ok(reports) => reports,
        Err(e) => {
            eprintln!("ocpi-check: {e}");
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut out = io::stdout().lock();
    let written = if args.json {
        reports.iter().try_for_each(|r| {
            let line = serde_json::to_string(r).map_err(io::Error::other)?;
            writeln!(out, "{line}")
        })
    } else {
        writeln!(
            out,
            "OCPI {} {} ({} mode)",
            args.version, args.object, args.mode
        )
        .and_then(|()| out.write_all(render_text(&reports).as_bytes()))
    };
    if let Err(e) = written {
        eprintln!("ocpi-check: {e}");
        return ExitCode::from(2);
    }
    if reports.iter().all(|r| r.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
