//! The metrics the framework records through the [`metrics`] facade.
//!
//! Install any recorder (for example `metrics-exporter-prometheus`) to collect them:
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `ocpp_connected_stations` | gauge | `version` |
//! | `ocpp_messages_total` | counter | `version`, `action`, `direction` (`in`/`out`), `outcome` |
//! | `ocpp_call_duration_seconds` | histogram | `version`, `action` (our calls, send to answer) |
//! | `ocpp_bad_frames_total` | counter | `version` |
//! | `ocpp_connections_refused_total` | counter | `reason` |
//!
//! Outcomes of incoming calls are `ok`, `error` (the handler's CALLERROR), `refused` (refused
//! before any handler: unknown action, invalid payload, ...); of our calls `ok`, `error`,
//! `timeout`, `invalid`, `closed`; of SEND messages `send`.

use std::time::Duration;

use ocpp_types::OcppVersion;

/// Gauge: connected stations by version.
pub const CONNECTED_STATIONS: &str = "ocpp_connected_stations";
/// Counter: messages by version, action, direction and outcome.
pub const MESSAGES: &str = "ocpp_messages_total";
/// Histogram: seconds from sending our CALL to its answer.
pub const CALL_DURATION: &str = "ocpp_call_duration_seconds";
/// Counter: malformed frames received.
pub const BAD_FRAMES: &str = "ocpp_bad_frames_total";
/// Counter: connections refused, by reason: over the connection limits or rates
/// (`connection_limit`, `source_connection_limit`, `connection_rate`,
/// `source_connection_rate`), or at the upgrade (`unauthorized`, `throttled`, `timeout`,
/// `write_timeout`, ...).
pub const CONNECTIONS_REFUSED: &str = "ocpp_connections_refused_total";

pub(crate) fn connected(version: OcppVersion, delta: f64) {
    metrics::gauge!(CONNECTED_STATIONS, "version" => version.as_str()).increment(delta);
}

pub(crate) fn message(
    version: OcppVersion,
    action: &'static str,
    direction: &'static str,
    outcome: &'static str,
) {
    metrics::counter!(
        MESSAGES,
        "version" => version.as_str(),
        "action" => action,
        "direction" => direction,
        "outcome" => outcome
    )
    .increment(1);
}

pub(crate) fn call_duration(version: OcppVersion, action: &'static str, duration: Duration) {
    metrics::histogram!(
        CALL_DURATION,
        "version" => version.as_str(),
        "action" => action
    )
    .record(duration.as_secs_f64());
}

pub(crate) fn bad_frame(version: OcppVersion) {
    metrics::counter!(BAD_FRAMES, "version" => version.as_str()).increment(1);
}

pub(crate) fn refused(reason: &'static str) {
    metrics::counter!(CONNECTIONS_REFUSED, "reason" => reason).increment(1);
}
