//! Charging sessions (OCPP transactions) and the meter values sampled during them.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::station::StationId;
use super::tenant::TenantId;
use super::token::TokenId;
use super::user::UserId;

id_type!(
    /// The identifier of a session. In OCPP 1.6 it is also the `transactionId` the station
    /// is given.
    SessionId
);

/// The id by which a station names a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionRef {
    /// OCPP 1.6: an integer the CSMS assigns in its StartTransaction answer.
    V16(i32),
    /// OCPP 2.0.1: a string (at most 36 characters) the station chooses.
    V201(String),
}

impl TransactionRef {
    /// The id as text (the integer written in decimal for 1.6), as stored.
    pub fn to_text(&self) -> String {
        match self {
            TransactionRef::V16(id) => id.to_string(),
            TransactionRef::V201(id) => id.clone(),
        }
    }
}

text_enum!(
    /// Where a session stands.
    SessionStatus {
        /// Authorized, not yet charging (2.0.1 transactions can start before energy flows).
        Authorized = "authorized",
        /// Energy is flowing.
        Charging = "charging",
        /// The vehicle suspended charging.
        SuspendedEv = "suspended_ev",
        /// The station suspended charging.
        SuspendedEvse = "suspended_evse",
        /// Charging is over, the connector is not yet free.
        Finishing = "finishing",
        /// Ended normally.
        Completed = "completed",
        /// Ended abnormally (an error, a rejected start, a lost stop).
        Failed = "failed",
    }
);

impl SessionStatus {
    /// Whether the session is over.
    pub const fn is_final(self) -> bool {
        matches!(self, SessionStatus::Completed | SessionStatus::Failed)
    }
}

text_enum!(
    /// How the driver was authorized.
    AuthMethod {
        /// A token presented at the station and checked by the CSMS (1.6 Authorize, 2.0.1
        /// Central).
        Central = "central",
        /// The station's local authorization list.
        LocalList = "local_list",
        /// The station's authorization cache.
        Cache = "cache",
        /// A remote start from the CSMS.
        RemoteStart = "remote_start",
        /// ISO 15118 Plug & Charge.
        PlugAndCharge = "plug_and_charge",
        /// Autocharge (the vehicle's MAC or VIN).
        Autocharge = "autocharge",
        /// No authorization (free vending).
        None = "none",
    }
);

/// A charging session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargingSession {
    /// Its identifier.
    pub id: SessionId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The station.
    pub station_id: StationId,
    /// The station's id for it.
    pub transaction: TransactionRef,
    /// The EVSE (2.0.1; in 1.6 the connector's id).
    pub evse_id: Option<i32>,
    /// The connector.
    pub connector_id: Option<i32>,
    /// The token presented (1.6 idTag, 2.0.1 idToken), as sent.
    pub token_uid: Option<String>,
    /// The token, if it is one of the tenant's.
    pub token_id: Option<TokenId>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it stopped.
    pub stopped_at: Option<DateTime<Utc>>,
    /// The energy register at the start, in Wh.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub meter_start_wh: Option<Decimal>,
    /// The energy register at the stop, in Wh.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub meter_stop_wh: Option<Decimal>,
    /// The energy charged, in Wh.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub energy_wh: Option<Decimal>,
    /// Where it stands.
    pub status: SessionStatus,
    /// Why it stopped (1.6 `reason`, 2.0.1 `stoppedReason`), as sent.
    pub stop_reason: Option<String>,
    /// How the driver was authorized.
    pub auth_method: Option<AuthMethod>,
    /// Whether the station reported any of it while offline.
    pub offline: bool,
    /// The highest 2.0.1 TransactionEvent `seqNo` received.
    pub last_seq_no: Option<i64>,
    /// The station's own calculation of what the session costs (OCPP 2.1 TransactionEvent
    /// `costDetails`, with local cost calculation), as it last sent it.
    pub station_cost_details: Option<serde_json::Value>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// What it takes to start a [`ChargingSession`].
///
/// Starting is idempotent: the same start delivered again (after a reconnect) finds the
/// session the first one created. A 2.0.1 start is the same when its `transaction_id` is; a
/// 1.6 start (which has no id of its own) when its station, connector and timestamp are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSession {
    /// The station.
    pub station_id: StationId,
    /// The 2.0.1 transaction id; `None` for 1.6, where the store assigns the id.
    pub transaction_id: Option<String>,
    /// The EVSE.
    pub evse_id: Option<i32>,
    /// The connector.
    pub connector_id: Option<i32>,
    /// The token presented.
    pub token_uid: Option<String>,
    /// The token, if known.
    pub token_id: Option<TokenId>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// The energy register at the start, in Wh.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub meter_start_wh: Option<Decimal>,
    /// Where it stands.
    pub status: SessionStatus,
    /// How the driver was authorized.
    pub auth_method: Option<AuthMethod>,
    /// Whether the start was reported offline.
    pub offline: bool,
    /// The 2.0.1 `seqNo` of the start event.
    pub seq_no: Option<i64>,
}

/// What starting a session did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionStart {
    /// The session, new or found again (the same start delivered twice).
    pub session: ChargingSession,
    /// Whether this start created it.
    pub created: bool,
    /// The session that was still running on the connector and that the start ended.
    pub superseded: Option<ChargingSession>,
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionStop {
    /// When it stopped.
    pub stopped_at: DateTime<Utc>,
    /// The energy register at the stop, in Wh.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub meter_stop_wh: Option<Decimal>,
    /// [`SessionStatus::Completed`] or [`SessionStatus::Failed`].
    pub status: SessionStatus,
    /// Why it stopped, as sent.
    pub reason: Option<String>,
    /// Whether the stop was reported offline.
    pub offline: bool,
    /// The 2.0.1 `seqNo` of the stop event.
    pub seq_no: Option<i64>,
}

/// One sampled value of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterValue {
    /// When it was sampled.
    pub timestamp: DateTime<Utc>,
    /// What was measured (`Energy.Active.Import.Register`, `Power.Active.Import`, ...).
    pub measurand: String,
    /// The phase (`L1`, `L1-N`, ...), if per phase.
    pub phase: Option<String>,
    /// Where it was measured (`Outlet`, `Inlet`, `EV`, ...).
    pub location: Option<String>,
    /// Why it was sampled (`Sample.Periodic`, `Transaction.Begin`, ...).
    pub context: Option<String>,
    /// The unit (`Wh`, `kWh`, `W`, `A`, `V`, `Percent`, ...).
    pub unit: Option<String>,
    /// The value, exactly as sent.
    #[serde(with = "ocpi_types::common::number")]
    pub value: Decimal,
    /// Signed meter data (OCMF or the 2.0.1 `signedMeterValue`), as sent.
    pub signed_data: Option<String>,
}

/// Meter values as a station sent them in one message, and what they belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterReport {
    /// The station.
    pub station_id: StationId,
    /// The EVSE they were measured on (0 or `None`: the station as a whole).
    pub evse_id: Option<i32>,
    /// The connector, where the station names one.
    pub connector_id: Option<i32>,
    /// Whose they are.
    pub target: MeterTarget,
    /// The sampled values.
    pub values: Vec<MeterValue>,
}

/// What a station's meter values belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MeterTarget {
    /// The session of the transaction the station names (a 2.x id, or a 1.6 integer in
    /// decimal); kept against the station, with that id, when no session has it.
    Transaction {
        /// The station's transaction id.
        transaction_id: String,
    },
    /// The session running on the report's EVSE and connector (1.6 MeterValues without a
    /// transaction id); kept against the station when none runs there.
    RunningSession,
    /// No session: values measured outside transactions, kept against the station.
    Station,
}

/// Where a [`MeterReport`] was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterRecorded {
    /// The session that got the values; `None`: they were kept against the station.
    pub session: Option<SessionId>,
}

/// A meter value kept against a station, outside the sessions this CSMS knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationMeterValue {
    /// The EVSE (0: the station as a whole).
    pub evse_id: i32,
    /// The connector (0: none named).
    pub connector_id: i32,
    /// The transaction the station named, if any.
    pub transaction_id: Option<String>,
    /// The value.
    pub value: MeterValue,
    /// When the CSMS received it.
    pub received_at: DateTime<Utc>,
}

/// The stop of a transaction this CSMS never saw start (a 1.6 StopTransaction or a 2.0.1
/// TransactionEvent `Ended` with an unknown id), kept so that what the station reported is
/// not lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownStop {
    /// The station.
    pub station_id: StationId,
    /// The transaction id as the station sent it (a 1.6 integer in decimal).
    pub transaction_id: String,
    /// The token sent with the stop, if any.
    pub token_uid: Option<String>,
    /// When it stopped.
    pub stopped_at: DateTime<Utc>,
    /// The energy register at the stop, in Wh.
    #[serde(default, with = "ocpi_types::common::number::option")]
    pub meter_stop_wh: Option<Decimal>,
    /// Why it stopped, as sent.
    pub reason: Option<String>,
    /// Whether it was reported offline.
    pub offline: bool,
}

/// Which sessions to list; every field narrows, `None` does not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionFilter {
    /// At this station.
    pub station: Option<StationId>,
    /// With this status.
    pub status: Option<SessionStatus>,
    /// With this token uid presented.
    pub token_uid: Option<String>,
    /// With a token of this user or renter.
    pub owner: Option<UserId>,
    /// Started at or after this.
    pub from: Option<DateTime<Utc>>,
    /// Started before this.
    pub to: Option<DateTime<Utc>>,
    /// Last changed at or after this.
    pub updated_from: Option<DateTime<Utc>>,
    /// Last changed before this.
    pub updated_to: Option<DateTime<Utc>>,
    /// Charged with a token this roaming partner pushed.
    pub roaming_partner: Option<super::RoamingPartnerId>,
}
