//! A short run of the persistence benchmark (`csms_load`) on SQLite and PostgreSQL: a few
//! stations resending MeterValues against the `csms` example, each process as a user runs
//! it. The benchmark's figures are not judged here (a debug build on a shared machine); what
//! must hold whatever the speed is: every call answered with a CALLRESULT, and every
//! acknowledged sampled value stored exactly once.

#[path = "csms/common.rs"]
mod common;

use std::process::Command;

use common::example;

/// Runs the benchmark with `args` and checks what must hold in its report.
fn smoke(args: &[&str]) {
    let output = Command::new(example("csms_load"))
        .args(["--stations", "4", "--seconds", "2", "--resend-every", "3"])
        .args(args)
        .output()
        .expect("csms_load runs");
    let report = String::from_utf8_lossy(&output.stdout);
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "csms_load failed:\n{report}\n{errors}"
    );
    let durable = report
        .split("framework baseline")
        .next()
        .expect("the durable part of the report");
    assert!(
        durable.contains("stations: 4 of 4 booted, authorized and charging"),
        "{report}"
    );
    assert!(durable.contains("CallErrors 0, timeouts 0"), "{report}");
    assert!(
        durable.contains("sampled values: equal"),
        "stored differs from acknowledged:\n{report}"
    );
    assert!(durable.contains("server log: 0 errors"), "{report}");
}

#[test]
fn sqlite_stores_every_acknowledged_reading_once() {
    smoke(&["--database", "sqlite"]);
}

#[test]
fn postgres_stores_every_acknowledged_reading_once() {
    if std::env::var_os("DATABASE_URL").is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but DATABASE_URL is not: the PostgreSQL smoke run must run");
        }
        eprintln!(
            "\n!!! DATABASE_URL is not set: SKIPPING the PostgreSQL csms_load smoke run !!!\n"
        );
        return;
    }
    smoke(&["--database", "postgres", "--version", "2.0.1"]);
}
