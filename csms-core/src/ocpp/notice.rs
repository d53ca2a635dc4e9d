//! What stations report for the record (firmware, diagnostics and log upload progress,
//! security events, data transfers, 2.1 periodic event streams), in no version's words, and
//! how the CSMS keeps it: in the tenant's audit log, with the station as actor. Each
//! version's request becomes a [`StationNotice`] through a `From` conversion.

use chrono::{DateTime, Utc};
use ocpp_server::Context;
use ocpp_types::{v16, v21, v201};
use serde_json::{Value, json};

use super::{Csms, OcppError};
use crate::store::Store;

/// A station's report for the record.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum StationNotice {
    /// A DataTransfer (the CSMS knows no vendor extension, and answers `UnknownVendorId`).
    DataTransfer {
        /// `vendorId`.
        vendor_id: String,
        /// `messageId`.
        message_id: Option<String>,
        /// `data` (1.6: text).
        data: Option<Value>,
    },
    /// Firmware update progress.
    FirmwareStatus {
        /// The status, as the version names it.
        status: String,
        /// The update's request id (1.6 signed updates and 2.x).
        request_id: Option<i32>,
    },
    /// Diagnostics upload progress (1.6).
    DiagnosticsStatus {
        /// The status.
        status: String,
    },
    /// Log upload progress.
    LogStatus {
        /// The status.
        status: String,
        /// The upload's request id.
        request_id: Option<i32>,
    },
    /// A security event.
    SecurityEvent {
        /// Its type.
        kind: String,
        /// When it happened.
        timestamp: DateTime<Utc>,
        /// What the station adds.
        tech_info: Option<String>,
    },
}

impl StationNotice {
    /// The audit log's action for it.
    fn action(&self) -> &'static str {
        match self {
            StationNotice::DataTransfer { .. } => "station.data_transfer",
            StationNotice::FirmwareStatus { .. } => "station.firmware_status",
            StationNotice::DiagnosticsStatus { .. } => "station.diagnostics_status",
            StationNotice::LogStatus { .. } => "station.log_status",
            StationNotice::SecurityEvent { .. } => "station.security_event",
        }
    }

    /// What the audit entry keeps of it.
    fn record(&self) -> Value {
        match self {
            StationNotice::DataTransfer {
                vendor_id,
                message_id,
                data,
            } => json!({ "vendorId": vendor_id, "messageId": message_id, "data": data }),
            StationNotice::DiagnosticsStatus { status } => json!({ "status": status }),
            StationNotice::FirmwareStatus { status, request_id }
            | StationNotice::LogStatus { status, request_id } => {
                json!({ "status": status, "requestId": request_id })
            }
            StationNotice::SecurityEvent {
                kind,
                timestamp,
                tech_info,
            } => json!({ "type": kind, "timestamp": timestamp, "techInfo": tech_info }),
        }
    }
}

impl<S: Store + 'static> Csms<S> {
    /// Keeps a station's notice. Progress reports are taken from accepted and pending
    /// stations; security events from stations of any registration, pending and rejected
    /// included (they may be why it is not accepted); data transfers from accepted ones.
    pub(super) async fn keep_notice(
        &self,
        ctx: &Context,
        notice: StationNotice,
    ) -> Result<(), OcppError> {
        let station = match notice {
            StationNotice::SecurityEvent { .. } => self.registered(ctx).await?,
            StationNotice::DataTransfer { .. } => self.admitted(ctx, false).await?,
            StationNotice::FirmwareStatus { .. }
            | StationNotice::DiagnosticsStatus { .. }
            | StationNotice::LogStatus { .. } => self.admitted(ctx, true).await?,
        };
        self.audit_station(&station, notice.action(), notice.record())
            .await
    }
}

impl From<v16::DataTransferRequest> for StationNotice {
    fn from(request: v16::DataTransferRequest) -> StationNotice {
        StationNotice::DataTransfer {
            vendor_id: request.vendor_id,
            message_id: request.message_id,
            data: request.data.map(Value::String),
        }
    }
}

impl From<v16::FirmwareStatusNotificationRequest> for StationNotice {
    fn from(request: v16::FirmwareStatusNotificationRequest) -> StationNotice {
        StationNotice::FirmwareStatus {
            status: request.status.as_str().to_owned(),
            request_id: None,
        }
    }
}

impl From<v16::SignedFirmwareStatusNotificationRequest> for StationNotice {
    fn from(request: v16::SignedFirmwareStatusNotificationRequest) -> StationNotice {
        StationNotice::FirmwareStatus {
            status: request.status.as_str().to_owned(),
            request_id: request.request_id,
        }
    }
}

impl From<v16::DiagnosticsStatusNotificationRequest> for StationNotice {
    fn from(request: v16::DiagnosticsStatusNotificationRequest) -> StationNotice {
        StationNotice::DiagnosticsStatus {
            status: request.status.as_str().to_owned(),
        }
    }
}

impl From<v16::LogStatusNotificationRequest> for StationNotice {
    fn from(request: v16::LogStatusNotificationRequest) -> StationNotice {
        StationNotice::LogStatus {
            status: request.status.as_str().to_owned(),
            request_id: request.request_id,
        }
    }
}

impl From<v16::SecurityEventNotificationRequest> for StationNotice {
    fn from(request: v16::SecurityEventNotificationRequest) -> StationNotice {
        StationNotice::SecurityEvent {
            kind: request.kind,
            timestamp: request.timestamp,
            tech_info: request.tech_info,
        }
    }
}

impl From<v201::DataTransferRequest> for StationNotice {
    fn from(request: v201::DataTransferRequest) -> StationNotice {
        StationNotice::DataTransfer {
            vendor_id: request.vendor_id,
            message_id: request.message_id,
            data: request.data,
        }
    }
}

impl From<v201::FirmwareStatusNotificationRequest> for StationNotice {
    fn from(request: v201::FirmwareStatusNotificationRequest) -> StationNotice {
        StationNotice::FirmwareStatus {
            status: request.status.as_str().to_owned(),
            request_id: request.request_id,
        }
    }
}

impl From<v201::LogStatusNotificationRequest> for StationNotice {
    fn from(request: v201::LogStatusNotificationRequest) -> StationNotice {
        StationNotice::LogStatus {
            status: request.status.as_str().to_owned(),
            request_id: request.request_id,
        }
    }
}

impl From<v201::SecurityEventNotificationRequest> for StationNotice {
    fn from(request: v201::SecurityEventNotificationRequest) -> StationNotice {
        StationNotice::SecurityEvent {
            kind: request.kind,
            timestamp: request.timestamp,
            tech_info: request.tech_info,
        }
    }
}

impl From<v21::DataTransferRequest> for StationNotice {
    fn from(request: v21::DataTransferRequest) -> StationNotice {
        StationNotice::DataTransfer {
            vendor_id: request.vendor_id,
            message_id: request.message_id,
            data: request.data,
        }
    }
}

impl From<v21::FirmwareStatusNotificationRequest> for StationNotice {
    fn from(request: v21::FirmwareStatusNotificationRequest) -> StationNotice {
        StationNotice::FirmwareStatus {
            status: request.status.as_str().to_owned(),
            request_id: request.request_id,
        }
    }
}

impl From<v21::LogStatusNotificationRequest> for StationNotice {
    fn from(request: v21::LogStatusNotificationRequest) -> StationNotice {
        StationNotice::LogStatus {
            status: request.status.as_str().to_owned(),
            request_id: request.request_id,
        }
    }
}

impl From<v21::SecurityEventNotificationRequest> for StationNotice {
    fn from(request: v21::SecurityEventNotificationRequest) -> StationNotice {
        StationNotice::SecurityEvent {
            kind: request.kind,
            timestamp: request.timestamp,
            tech_info: request.tech_info,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_reads_the_same_notice() {
        let v16_log = v16::LogStatusNotificationRequest {
            request_id: Some(3),
            status: v16::UploadLogStatus::Uploaded,
        };
        let v201_log = v201::LogStatusNotificationRequest::new(v201::UploadLogStatus::Uploaded);
        let expected = StationNotice::LogStatus {
            status: "Uploaded".into(),
            request_id: Some(3),
        };
        assert_eq!(StationNotice::from(v16_log), expected);
        let mut v201_log = v201_log;
        v201_log.request_id = Some(3);
        assert_eq!(StationNotice::from(v201_log), expected);
        assert_eq!(expected.action(), "station.log_status");
        assert_eq!(
            expected.record(),
            json!({ "status": "Uploaded", "requestId": 3 })
        );

        let transfer = StationNotice::from(v16::DataTransferRequest {
            data: Some("hello".into()),
            message_id: None,
            vendor_id: "ACME".into(),
        });
        assert_eq!(
            transfer.record(),
            json!({ "vendorId": "ACME", "messageId": null, "data": "hello" })
        );
        let mut v21_transfer = v21::DataTransferRequest::new("ACME");
        v21_transfer.data = Some(json!({ "n": 1 }));
        assert_eq!(
            StationNotice::from(v21_transfer).record()["data"],
            json!({ "n": 1 })
        );
    }
}
