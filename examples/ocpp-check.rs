//! Checks OCPP-J frames, one per line, against the official schemas.
//!
//! ```text
//! cargo run --example ocpp-check -- --version 1.6|2.0.1|2.1 [--mode strict|lenient] [--json] [FILE]
//! ```
//!
//! Reads FILE (or standard input), pairs each CALLRESULT and CALLERROR with the earlier CALL of
//! the same message id to know its action, and reports for every frame whether it is valid,
//! with each violation's CallError code, JSON path and message. Blank lines are skipped. With
//! `--json`, prints one JSON object per frame:
//! `{"line", "ok", "message_type", "action", "errors": [{"code", "path", "message"}], "warnings", "canonical"}`.
//! Exit status: 0 when every frame is valid, 1 otherwise, 2 on bad usage.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::ExitCode;

use ev_backend::ocpp_types::OcppVersion;
use ev_backend::ocpp_types::check::LogChecker;
use ev_backend::ocpp_types::validate::{Mode, ValidationOptions};

const USAGE: &str =
    "usage: ocpp-check --version 1.6|2.0.1|2.1 [--mode strict|lenient] [--json] [FILE]";

struct Args {
    version: OcppVersion,
    mode: Mode,
    json: bool,
    file: Option<String>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut version, mut mode, mut json, mut file) = (None, Mode::Strict, false, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--version" => {
                let value = args.next().ok_or("--version needs a value")?;
                version = Some(value.parse::<OcppVersion>().map_err(|e| e.to_string())?);
            }
            "--mode" => {
                mode = match args.next().as_deref() {
                    Some("strict") => Mode::Strict,
                    Some("lenient") => Mode::Lenient,
                    _ => return Err("--mode is strict or lenient".to_owned()),
                }
            }
            "--json" => json = true,
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            path if file.is_none() => file = Some(path.to_owned()),
            extra => return Err(format!("unexpected argument {extra}")),
        }
    }
    Ok(Args {
        version: version.ok_or("--version is required")?,
        mode,
        json,
        file,
    })
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("ocpp-check: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let input: Box<dyn Read> = match &args.file {
        Some(path) => match std::fs::File::open(path) {
            Ok(file) => Box::new(file),
            Err(error) => {
                eprintln!("ocpp-check: cannot open {path}: {error}");
                return ExitCode::from(2);
            }
        },
        None => Box::new(io::stdin()),
    };

    let mut checker = LogChecker::new(args.version, ValidationOptions::new(args.mode));
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let (mut frames, mut invalid) = (0usize, 0usize);
    for (index, line) in BufReader::new(input).lines().enumerate() {
        let line = match line {
            Ok(line) => line,
            Err(error) => {
                eprintln!("ocpp-check: cannot read line {}: {error}", index + 1);
                return ExitCode::from(2);
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let report = checker.check_frame(index + 1, &line);
        frames += 1;
        invalid += usize::from(!report.ok);
        let written = if args.json {
            serde_json::to_string(&report)
                .map_err(io::Error::other)
                .and_then(|json| writeln!(out, "{json}"))
        } else {
            writeln!(out, "{report}")
        };
        if written.is_err() {
            // The reader went away (for example `| head`).
            break;
        }
    }
    if !args.json {
        let _ = writeln!(
            out,
            "\n{frames} frames, {} valid, {invalid} invalid (OCPP {}, {} mode)",
            frames - invalid,
            args.version,
            match args.mode {
                Mode::Strict => "strict",
                Mode::Lenient => "lenient",
            }
        );
    }
    if invalid == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
