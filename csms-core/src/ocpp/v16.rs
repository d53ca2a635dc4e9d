//! The handlers of OCPP 1.6 messages.

use chrono::Utc;
use ocpp_server::Context;
use ocpp_types::v16 as o16;
use rust_decimal::Decimal;

use super::handlers::{BootFacts, MeterSource, connector_status_v16, interval, registration_v16};
use super::transaction::ThisSession;
use super::{Csms, OcppError, SUPERSEDED, meter};
use crate::model::{
    AuthMethod, MeterTarget, NewSession, SessionStatus, SessionStop, StatusReport, TransactionRef,
    UnknownStop,
};
use crate::store::Store;

impl<S: Store + 'static> Csms<S> {
    pub(super) async fn boot_v16(
        &self,
        ctx: &Context,
        request: o16::BootNotificationRequest,
    ) -> Result<o16::BootNotificationResponse, OcppError> {
        let facts = BootFacts {
            vendor: request.charge_point_vendor,
            model: request.charge_point_model,
            serial_number: request
                .charge_point_serial_number
                .or(request.charge_box_serial_number),
            firmware_version: request.firmware_version,
            reason: None,
        };
        let decision = self.boot(ctx, facts).await?;
        Ok(o16::BootNotificationResponse {
            current_time: Utc::now(),
            interval: interval(decision.interval_secs),
            status: registration_v16(decision.status),
        })
    }

    pub(super) async fn heartbeat_v16(
        &self,
        ctx: &Context,
        _request: o16::HeartbeatRequest,
    ) -> Result<o16::HeartbeatResponse, OcppError> {
        let now = self.heartbeat(ctx).await?;
        Ok(o16::HeartbeatResponse { current_time: now })
    }

    pub(super) async fn status_v16(
        &self,
        ctx: &Context,
        request: o16::StatusNotificationRequest,
    ) -> Result<o16::StatusNotificationResponse, OcppError> {
        let Some(status) = connector_status_v16(&request.status) else {
            return Err(OcppError::BadValue {
                path: "$.status".into(),
                reason: format!("{} is not a 1.6 status", request.status),
            });
        };
        if request.connector_id == 0 {
            self.admitted(ctx, false).await?;
            tracing::info!(station = ctx.identity(), %status, "station status");
            return Ok(o16::StatusNotificationResponse {});
        }
        let error_code = match &request.error_code {
            o16::ChargePointErrorCode::NoError => None,
            code => Some(code.as_str().to_owned()),
        };
        let report = StatusReport {
            evse_id: request.connector_id,
            connector_id: request.connector_id,
            status,
            error_code,
            vendor_error_code: request.vendor_error_code,
            at: request.timestamp.unwrap_or_else(Utc::now),
        };
        self.record_status(ctx, report).await?;
        Ok(o16::StatusNotificationResponse {})
    }

    pub(super) async fn authorize_v16(
        &self,
        ctx: &Context,
        request: o16::AuthorizeRequest,
    ) -> Result<o16::AuthorizeResponse, OcppError> {
        let decision = self.authorize(ctx, &request.id_tag).await?;
        Ok(o16::AuthorizeResponse {
            id_tag_info: decision.to_v16(),
        })
    }

    pub(super) async fn start_v16(
        &self,
        ctx: &Context,
        request: o16::StartTransactionRequest,
    ) -> Result<o16::StartTransactionResponse, OcppError> {
        let station = self.admitted(ctx, false).await?;
        let connector = Some(request.connector_id);
        // The token is read once and decided on before anything is written.
        let token = self
            .store
            .token_by_uid(station.tenant_id, &request.id_tag)
            .await?;
        let this = ThisSession::Start {
            connector,
            started_at: request.timestamp,
        };
        let decision = self
            .decide(&station, &request.id_tag, token.as_ref(), Utc::now(), this)
            .await?;
        let new = NewSession {
            station_id: station.id,
            transaction_id: None,
            evse_id: connector,
            connector_id: connector,
            token_uid: Some(request.id_tag.clone()),
            token_id: token.as_ref().map(|token| token.id),
            started_at: request.timestamp,
            meter_start_wh: Some(Decimal::from(request.meter_start)),
            status: SessionStatus::Charging,
            auth_method: Some(AuthMethod::Central),
            offline: false,
            seq_no: None,
        };
        // A connector runs one transaction at a time: a new start on a connector whose
        // session is still running means the station lost that session's stop (a power
        // cut, a reset); the old session ends, failed, when the new one started.
        let start = self
            .begin_session(&station, &new, token.as_ref(), Some(SUPERSEDED))
            .await?;
        if let Some(reservation) = request.reservation_id {
            self.reservation_used(&station, i64::from(reservation), start.session.id)
                .await?;
        }
        let transaction_id = match start.session.transaction {
            TransactionRef::V16(id) => id,
            TransactionRef::V201(_) => {
                return Err(OcppError::BadValue {
                    path: "$.connectorId".into(),
                    reason: "the connector's session is a 2.x transaction".into(),
                });
            }
        };
        Ok(o16::StartTransactionResponse {
            id_tag_info: decision.to_v16(),
            transaction_id,
        })
    }

    pub(super) async fn stop_v16(
        &self,
        ctx: &Context,
        request: o16::StopTransactionRequest,
    ) -> Result<o16::StopTransactionResponse, OcppError> {
        let station = self.admitted(ctx, false).await?;
        let values = meter::from_v16(
            request.transaction_data.as_deref().unwrap_or_default(),
            "$.transactionData",
        )?;
        let transaction_id = request.transaction_id.to_string();
        let session = self
            .store
            .session_by_transaction(station.tenant_id, station.id, &transaction_id)
            .await?;
        match session {
            None => {
                let stop = UnknownStop {
                    station_id: station.id,
                    transaction_id,
                    token_uid: request.id_tag.clone(),
                    stopped_at: request.timestamp,
                    meter_stop_wh: Some(Decimal::from(request.meter_stop)),
                    reason: request.reason.as_ref().map(|r| r.as_str().to_owned()),
                    offline: false,
                };
                let new = self
                    .store
                    .record_unknown_stop(station.tenant_id, &stop)
                    .await?;
                tracing::warn!(
                    station = ctx.identity(),
                    transaction = request.transaction_id,
                    first_time = new,
                    "stop of an unknown transaction kept"
                );
            }
            Some(session) => {
                if !values.is_empty() {
                    self.store
                        .add_meter_values(station.tenant_id, session.id, &values)
                        .await?;
                }
                let stop = SessionStop {
                    stopped_at: request.timestamp,
                    meter_stop_wh: Some(Decimal::from(request.meter_stop)),
                    status: SessionStatus::Completed,
                    reason: Some(
                        request
                            .reason
                            .as_ref()
                            .map_or("Local", |r| r.as_str())
                            .to_owned(),
                    ),
                    offline: false,
                    seq_no: None,
                };
                self.end_session(&session, &stop).await?;
            }
        }
        let id_tag_info = match &request.id_tag {
            Some(tag) => Some(
                self.authorize_uid(&station, tag, Utc::now())
                    .await?
                    .to_v16(),
            ),
            None => None,
        };
        Ok(o16::StopTransactionResponse { id_tag_info })
    }

    pub(super) async fn meter_values_v16(
        &self,
        ctx: &Context,
        request: o16::MeterValuesRequest,
    ) -> Result<o16::MeterValuesResponse, OcppError> {
        let values = meter::from_v16(&request.meter_value, "$.meterValue")?;
        let target = match request.transaction_id {
            Some(id) => MeterTarget::Transaction {
                transaction_id: id.to_string(),
            },
            None if request.connector_id > 0 => MeterTarget::RunningSession,
            None => MeterTarget::Station,
        };
        // 1.6 connector n is EVSE n, connector n; connector 0 is the station as a whole.
        let source = MeterSource {
            evse_id: Some(request.connector_id),
            connector_id: Some(request.connector_id),
            target,
        };
        let recorded = self.meter_values(ctx, source, values).await?;
        if recorded.session.is_none() {
            tracing::debug!(
                station = ctx.identity(),
                connector = request.connector_id,
                transaction = request.transaction_id,
                "meter values outside a known transaction kept against the station"
            );
        }
        Ok(o16::MeterValuesResponse {})
    }
}
