//! The sample log the README points at checks as documented.

use ev_backend::ocpp_types::OcppVersion;
use ev_backend::ocpp_types::check::LogChecker;
use ev_backend::ocpp_types::validate::ValidationOptions;

fn check(options: ValidationOptions) -> Vec<(usize, bool)> {
    let log = include_str!("../examples/data/ocpp16-session.log");
    let mut checker = LogChecker::new(OcppVersion::V16, options);
    log.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let report = checker.check_frame(index + 1, line);
            (report.line, report.ok)
        })
        .collect()
}

#[test]
fn strict_mode_flags_the_three_bad_frames() {
    let invalid: Vec<usize> = check(ValidationOptions::strict())
        .into_iter()
        .filter(|(_, ok)| !ok)
        .map(|(line, _)| line)
        .collect();
    assert_eq!(invalid, [11, 15, 17]);
}

#[test]
fn lenient_mode_tolerates_what_stations_send() {
    let invalid: Vec<usize> = check(ValidationOptions::lenient())
        .into_iter()
        .filter(|(_, ok)| !ok)
        .map(|(line, _)| line)
        .collect();
    assert_eq!(invalid, [17]);
}
