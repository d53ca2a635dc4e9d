//! Short runs of the fault campaign's examples, each process as a user runs it: the
//! reconnect storm (`reconnect_storm`) with 200 stations, and the slow and hostile clients
//! (`hostile_clients`) with a few of each. Speed is not judged here (a debug build on a
//! shared machine); what must hold is: every station back and booted after the restart, with
//! no error, and every hostile client dropped as the server's limits say.

#[path = "csms/common.rs"]
mod common;

use std::process::Command;

use common::example;

/// Runs example `name` with `args`: its report, after checking that it succeeded.
fn run(name: &str, args: &[&str]) -> String {
    let output = Command::new(example(name))
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("{name} runs: {error}"));
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{name} failed:\n{report}\n{errors}"
    );
    report
}

#[test]
fn every_station_reconnects_and_boots_after_a_crash() {
    let report = run(
        "reconnect_storm",
        &["--stations", "200", "--restart", "kill"],
    );
    assert!(
        report.contains("cold start: 200 of 200 connected and booted"),
        "{report}"
    );
    assert!(
        report.contains("restart: 200 of 200 stations saw their connection end"),
        "{report}"
    );
    assert!(
        report.contains("storm: 200 of 200 stations reconnected and booted"),
        "{report}"
    );
    assert!(report.contains("errors: 0 "), "{report}");
}

#[test]
fn every_station_reconnects_and_boots_after_a_graceful_restart() {
    let report = run(
        "reconnect_storm",
        &["--stations", "50", "--restart", "graceful"],
    );
    assert!(
        report.contains("storm: 50 of 50 stations reconnected and booted"),
        "{report}"
    );
    assert!(report.contains("errors: 0 "), "{report}");
}

#[test]
fn hostile_clients_are_dropped_as_the_limits_say() {
    let report = run(
        "hostile_clients",
        &[
            "--stations",
            "5",
            "--seconds",
            "1",
            "--slow",
            "20",
            "--invalid",
            "200",
            "--handshake-timeout",
            "2",
        ],
    );
    for line in [
        "ok   garbage frames of 1 MiB",
        "ok   frames past the 1 MiB limit",
        "ok   decompression bombs",
        "ok   invalid payloads: 200 sent",
        "ok   slow clients (partial request head): 20 of 20 closed by the server",
        "expectations failed: 0",
    ] {
        assert!(report.contains(line), "no {line:?} in:\n{report}");
    }
}
