//! Project automation.
//!
//! `cargo xtask codegen` regenerates the message types of `ocpp-types` from the official
//! schemas in `schemas/ocpp`; `cargo xtask codegen --check` fails when the checked-in code
//! differs from what the generator writes.

use std::process::ExitCode;

use xtask::codegen;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = xtask::workspace_root();
    match args.as_slice() {
        ["codegen"] => match codegen::write(&root) {
            Ok(written) => {
                println!("wrote {written} files");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("codegen failed: {error}");
                ExitCode::FAILURE
            }
        },
        ["codegen", "--check"] => match codegen::check(&root) {
            Ok(()) => {
                println!("generated code is up to date");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("{error}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: cargo xtask codegen [--check]");
            ExitCode::from(2)
        }
    }
}
