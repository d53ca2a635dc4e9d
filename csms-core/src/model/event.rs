//! Events: what changed, written to the outbox in the same database transaction as the
//! change itself, then delivered to whoever subscribed (webhooks, roaming partners).
//!
//! An event names its [`EventKind`], the object it is about (its *subject*, `session:42`),
//! and carries the object as it was after the change. Events of one subject are delivered to
//! each subscriber in the order they were written.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::tenant::TenantId;

id_type!(
    /// The identifier of an event, increasing in the order events are written.
    EventId
);

text_enum!(
    /// What an event reports.
    EventKind {
        /// A charging session started; the data is the session.
        SessionStarted = "session.started",
        /// A running session changed status, or its readings went on for
        /// [`PROGRESS_EVERY`](crate::store::PROGRESS_EVERY) since its start or its last
        /// progress; the data is the session.
        SessionUpdated = "session.updated",
        /// A session ended (completed, failed or superseded); the data is the session.
        SessionEnded = "session.ended",
        /// A CDR was issued; the data is the CDR.
        CdrIssued = "cdr.issued",
        /// A connector of an EVSE reported a new status; the data is the
        /// [`ConnectorStatusChange`].
        EvseStatusChanged = "evse.status_changed",
        /// A location was created or changed; the data is the location. (Events written
        /// before [`LocationDeleted`](Self::LocationDeleted) existed report a deletion
        /// with `null`.)
        LocationChanged = "location.changed",
        /// A location was deleted; the data is the location as it was.
        LocationDeleted = "location.deleted",
        /// A tariff was created or replaced; the data is the tariff. (Events written before
        /// [`TariffDeleted`](Self::TariffDeleted) existed report a deletion with `null`.)
        TariffChanged = "tariff.changed",
        /// A tariff was deleted; the data is the tariff as it was.
        TariffDeleted = "tariff.deleted",
        /// A station connected; the data is the [`StationPresence`].
        StationConnected = "station.connected",
        /// A station's connection ended; the data is the
        /// [`StationPresence`].
        StationDisconnected = "station.disconnected",
        /// A roaming partner's command was carried out, or failed; the data is the
        /// [`CommandResultDue`](super::CommandResultDue), delivered to that partner.
        RoamingCommandResult = "roaming.command_result",
        /// A roaming partner's ChargingProfiles request was carried out, or failed; the
        /// data is the [`ProfileResultDue`](super::ProfileResultDue), delivered to that
        /// partner.
        RoamingProfileResult = "roaming.charging_profile_result",
    }
);

/// An event as the outbox keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEvent {
    /// Its identifier.
    pub id: EventId,
    /// The tenant whose object changed.
    pub tenant_id: TenantId,
    /// What happened.
    pub kind: EventKind,
    /// The object it is about (`session:42`); events of one subject are delivered in order.
    pub subject: String,
    /// The object after the change.
    pub data: serde_json::Value,
    /// When it was written (the time of the change's transaction).
    pub created_at: DateTime<Utc>,
}

impl OutboxEvent {
    /// The identifier receivers see (`evt_42`): the same for every subscriber and every
    /// attempt, so a receiver can drop a delivery it already has.
    pub fn public_id(&self) -> String {
        format!("evt_{}", self.id.0)
    }

    /// The body posted to a webhook: `{id, type, created_at, data}`.
    pub fn webhook_body(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.public_id(),
            "type": self.kind.as_str(),
            "created_at": self.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": self.data,
        })
    }
}

/// The data of an [`EventKind::EvseStatusChanged`] event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorStatusChange {
    /// The station.
    pub station_id: super::StationId,
    /// The EVSE (0 for a 1.6 station's connector numbers, which name no EVSE).
    pub evse_id: i32,
    /// The connector.
    pub connector_id: i32,
    /// The new status.
    pub status: super::ConnectorStatus,
    /// The error code the station reported with it, if any.
    pub error_code: Option<String>,
    /// When the station says the status began.
    pub at: DateTime<Utc>,
}

/// The data of [`EventKind::StationConnected`] and [`EventKind::StationDisconnected`]
/// events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationPresence {
    /// The station's identity.
    pub identity: String,
    /// The OCPP version of the connection (connected only).
    pub ocpp_version: Option<String>,
    /// When it connected or disconnected.
    pub at: DateTime<Utc>,
}
