//! The handlers of OCPP 2.0.1 messages.

use chrono::Utc;
use ocpp_server::Context;
use ocpp_types::v201 as o201;

use super::authorize::Authorization;
use super::handlers::{BootFacts, MeterSource, connector_status_v201, interval, registration_v201};
use super::reservation::ReservationEnd;
use super::sequence::EventKind;
use super::transaction::{self, TransactionReport};
use super::{Csms, OcppError, device_model, meter};
use crate::model::{AuthMethod, MeterTarget, StatusReport};
use crate::store::Store;

/// How the driver of a 2.0.1 transaction was authorized.
fn auth_method(request: &o201::TransactionEventRequest) -> AuthMethod {
    transaction::auth_method(
        request.transaction_info.remote_start_id.is_some()
            || request.trigger_reason == o201::TriggerReason::RemoteStart,
        request.id_token.as_ref().map(|token| token.kind.as_str()),
    )
}

/// A 2.0.1 TransactionEvent in the words of the transaction rules.
fn transaction_report(
    request: o201::TransactionEventRequest,
) -> Result<TransactionReport, OcppError> {
    let kind = match &request.event_type {
        o201::TransactionEvent::Started => EventKind::Started,
        o201::TransactionEvent::Updated => EventKind::Updated,
        o201::TransactionEvent::Ended => EventKind::Ended,
        other => {
            return Err(OcppError::BadValue {
                path: "$.eventType".into(),
                reason: format!("{other} is not an event type"),
            });
        }
    };
    let auth_method = auth_method(&request);
    let info = request.transaction_info;
    Ok(TransactionReport {
        kind,
        seq_no: i64::from(request.seq_no),
        at: request.timestamp,
        offline: request.offline.unwrap_or(false),
        evse_id: request.evse.as_ref().map(|evse| evse.id),
        connector_id: request.evse.as_ref().and_then(|evse| evse.connector_id),
        token_uid: request.id_token.map(|token| token.id_token),
        auth_method,
        charging: info
            .charging_state
            .and_then(|state| transaction::session_status(state.as_str())),
        stopped_reason: info.stopped_reason.map(|reason| reason.as_str().to_owned()),
        values: meter::from_v201(
            request.meter_value.as_deref().unwrap_or_default(),
            "$.meterValue",
        )?,
        transaction_id: info.transaction_id,
        reservation_id: request.reservation_id.map(i64::from),
        station_cost: None,
    })
}

impl<S: Store + 'static> Csms<S> {
    pub(super) async fn boot_v201(
        &self,
        ctx: &Context,
        request: o201::BootNotificationRequest,
    ) -> Result<o201::BootNotificationResponse, OcppError> {
        let station = request.charging_station;
        let facts = BootFacts {
            vendor: station.vendor_name,
            model: station.model,
            serial_number: station.serial_number,
            firmware_version: station.firmware_version,
            reason: Some(request.reason.as_str().to_owned()),
        };
        let decision = self.boot(ctx, facts).await?;
        Ok(o201::BootNotificationResponse::new(
            Utc::now(),
            interval(decision.interval_secs),
            registration_v201(decision.status),
        ))
    }

    pub(super) async fn heartbeat_v201(
        &self,
        ctx: &Context,
        _request: o201::HeartbeatRequest,
    ) -> Result<o201::HeartbeatResponse, OcppError> {
        let now = self.heartbeat(ctx).await?;
        Ok(o201::HeartbeatResponse::new(now))
    }

    pub(super) async fn status_v201(
        &self,
        ctx: &Context,
        request: o201::StatusNotificationRequest,
    ) -> Result<o201::StatusNotificationResponse, OcppError> {
        let Some(status) = connector_status_v201(&request.connector_status) else {
            return Err(OcppError::BadValue {
                path: "$.connectorStatus".into(),
                reason: format!("{} is not a 2.0.1 status", request.connector_status),
            });
        };
        let report = StatusReport {
            evse_id: request.evse_id,
            connector_id: request.connector_id,
            status,
            error_code: None,
            vendor_error_code: None,
            at: request.timestamp,
        };
        self.record_status(ctx, report).await?;
        Ok(o201::StatusNotificationResponse::default())
    }

    pub(super) async fn authorize_v201(
        &self,
        ctx: &Context,
        request: o201::AuthorizeRequest,
    ) -> Result<o201::AuthorizeResponse, OcppError> {
        let decision = self.authorize(ctx, &request.id_token.id_token).await?;
        Ok(o201::AuthorizeResponse::new(decision.to_v201()))
    }

    pub(super) async fn transaction_event_v201(
        &self,
        ctx: &Context,
        request: o201::TransactionEventRequest,
    ) -> Result<o201::TransactionEventResponse, OcppError> {
        let answer = self
            .transaction_event(ctx, transaction_report(request)?)
            .await?;
        Ok(o201::TransactionEventResponse {
            total_cost: answer.total_cost,
            id_token_info: answer.authorization.as_ref().map(Authorization::to_v201),
            ..Default::default()
        })
    }

    pub(super) async fn meter_values_v201(
        &self,
        ctx: &Context,
        request: o201::MeterValuesRequest,
    ) -> Result<o201::MeterValuesResponse, OcppError> {
        // Outside transactions by definition (inside one, they come in TransactionEvents);
        // EVSE 0 is the station's main meter.
        let source = MeterSource {
            evse_id: Some(request.evse_id),
            connector_id: None,
            target: MeterTarget::Station,
        };
        let values = meter::from_v201(&request.meter_value, "$.meterValue")?;
        self.meter_values(ctx, source, values).await?;
        Ok(o201::MeterValuesResponse::default())
    }

    pub(super) async fn notify_report_v201(
        &self,
        ctx: &Context,
        request: o201::NotifyReportRequest,
    ) -> Result<o201::NotifyReportResponse, OcppError> {
        let values = device_model::from_report_v201(
            request.report_data.as_deref().unwrap_or_default(),
            request.generated_at,
        );
        self.device_model_report(ctx, &values, request.generated_at)
            .await?;
        Ok(o201::NotifyReportResponse::default())
    }

    pub(super) async fn reservation_status_v201(
        &self,
        ctx: &Context,
        request: o201::ReservationStatusUpdateRequest,
    ) -> Result<o201::ReservationStatusUpdateResponse, OcppError> {
        let end = match &request.reservation_update_status {
            o201::ReservationUpdateStatus::Expired => ReservationEnd::Expired,
            o201::ReservationUpdateStatus::Removed => ReservationEnd::Removed,
            other => {
                return Err(OcppError::BadValue {
                    path: "$.reservationUpdateStatus".into(),
                    reason: format!("{other} is not a reservation update status"),
                });
            }
        };
        self.reservation_ended(ctx, request.reservation_id, end)
            .await?;
        Ok(o201::ReservationStatusUpdateResponse::default())
    }
}
