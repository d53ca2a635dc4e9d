//! The handlers of OCPP 2.1 messages: each translates the typed request to the
//! version-neutral input of the CSMS's rules, and their outcome back to the typed answer.

use chrono::Utc;
use ocpp_server::Context;
use ocpp_types::v21 as o21;
use serde_json::json;

use super::authorize::Authorization;
use super::handlers::{BootFacts, MeterSource, interval};
use super::reservation::ReservationEnd;
use super::sequence::EventKind;
use super::transaction::{self, TransactionReport};
use super::{Csms, OcppError, device_model, meter};
use crate::model::{ConnectorStatus, MeterTarget, RegistrationStatus, StatusReport};
use crate::store::Store;

/// The model's registration as 2.1 answers it.
fn registration(status: RegistrationStatus) -> o21::RegistrationStatus {
    match status {
        RegistrationStatus::Accepted => o21::RegistrationStatus::Accepted,
        RegistrationStatus::Pending => o21::RegistrationStatus::Pending,
        RegistrationStatus::Rejected => o21::RegistrationStatus::Rejected,
    }
}

/// An OCPP `u32` (2.1 counts from zero with unsigned integers) as the model's `i32`.
fn signed(value: u32, path: &str) -> Result<i32, OcppError> {
    i32::try_from(value).map_err(|_| OcppError::BadValue {
        path: path.to_owned(),
        reason: format!("{value} is out of range"),
    })
}

/// A 2.1 TransactionEvent in the words of the transaction rules.
fn transaction_report(
    request: o21::TransactionEventRequest,
) -> Result<TransactionReport, OcppError> {
    let station_cost = request
        .cost_details
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(|error| OcppError::BadValue {
            path: "$.costDetails".to_owned(),
            reason: error.to_string(),
        })?;
    let kind = match &request.event_type {
        o21::TransactionEvent::Started => EventKind::Started,
        o21::TransactionEvent::Updated => EventKind::Updated,
        o21::TransactionEvent::Ended => EventKind::Ended,
        other => {
            return Err(OcppError::BadValue {
                path: "$.eventType".into(),
                reason: format!("{other} is not an event type"),
            });
        }
    };
    let info = request.transaction_info;
    let auth_method = transaction::auth_method(
        info.remote_start_id.is_some() || request.trigger_reason == o21::TriggerReason::RemoteStart,
        request.id_token.as_ref().map(|token| token.kind.as_str()),
    );
    let (evse_id, connector_id) = match &request.evse {
        Some(evse) => (
            Some(signed(evse.id, "$.evse.id")?),
            evse.connector_id
                .map(|id| signed(id, "$.evse.connectorId"))
                .transpose()?,
        ),
        None => (None, None),
    };
    Ok(TransactionReport {
        kind,
        seq_no: i64::from(request.seq_no),
        at: request.timestamp,
        offline: request.offline.unwrap_or(false),
        evse_id,
        connector_id,
        token_uid: request.id_token.map(|token| token.id_token),
        auth_method,
        charging: info
            .charging_state
            .and_then(|state| transaction::session_status(state.as_str())),
        stopped_reason: info.stopped_reason.map(|reason| reason.as_str().to_owned()),
        values: meter::from_v21(
            request.meter_value.as_deref().unwrap_or_default(),
            "$.meterValue",
        )?,
        transaction_id: info.transaction_id,
        reservation_id: request.reservation_id.map(i64::from),
        station_cost,
    })
}

impl<S: Store + 'static> Csms<S> {
    pub(super) async fn boot_v21(
        &self,
        ctx: &Context,
        request: o21::BootNotificationRequest,
    ) -> Result<o21::BootNotificationResponse, OcppError> {
        let station = request.charging_station;
        let facts = BootFacts {
            vendor: station.vendor_name,
            model: station.model,
            serial_number: station.serial_number,
            firmware_version: station.firmware_version,
            reason: Some(request.reason.as_str().to_owned()),
        };
        let decision = self.boot(ctx, facts).await?;
        Ok(o21::BootNotificationResponse::new(
            Utc::now(),
            interval(decision.interval_secs),
            registration(decision.status),
        ))
    }

    pub(super) async fn heartbeat_v21(
        &self,
        ctx: &Context,
        _request: o21::HeartbeatRequest,
    ) -> Result<o21::HeartbeatResponse, OcppError> {
        let now = self.heartbeat(ctx).await?;
        Ok(o21::HeartbeatResponse::new(now))
    }

    pub(super) async fn status_v21(
        &self,
        ctx: &Context,
        request: o21::StatusNotificationRequest,
    ) -> Result<o21::StatusNotificationResponse, OcppError> {
        let Some(status) = ConnectorStatus::parse(request.connector_status.as_str()) else {
            return Err(OcppError::BadValue {
                path: "$.connectorStatus".into(),
                reason: format!("{} is not a 2.1 status", request.connector_status),
            });
        };
        let report = StatusReport {
            evse_id: signed(request.evse_id, "$.evseId")?,
            connector_id: signed(request.connector_id, "$.connectorId")?,
            status,
            error_code: None,
            vendor_error_code: None,
            at: request.timestamp,
        };
        self.record_status(ctx, report).await?;
        Ok(o21::StatusNotificationResponse::default())
    }

    pub(super) async fn authorize_v21(
        &self,
        ctx: &Context,
        request: o21::AuthorizeRequest,
    ) -> Result<o21::AuthorizeResponse, OcppError> {
        let decision = self.authorize(ctx, &request.id_token.id_token).await?;
        Ok(o21::AuthorizeResponse::new(decision.to_v21()))
    }

    pub(super) async fn transaction_event_v21(
        &self,
        ctx: &Context,
        request: o21::TransactionEventRequest,
    ) -> Result<o21::TransactionEventResponse, OcppError> {
        let answer = self
            .transaction_event(ctx, transaction_report(request)?)
            .await?;
        // An accepted token's budget, for the station to hold the session to.
        let transaction_limit = answer
            .authorization
            .as_ref()
            .filter(|decision| decision.is_accepted())
            .and_then(|decision| decision.limit.to_v21());
        Ok(o21::TransactionEventResponse {
            total_cost: answer.total_cost,
            id_token_info: answer.authorization.as_ref().map(Authorization::to_v21),
            transaction_limit,
            ..Default::default()
        })
    }

    pub(super) async fn meter_values_v21(
        &self,
        ctx: &Context,
        request: o21::MeterValuesRequest,
    ) -> Result<o21::MeterValuesResponse, OcppError> {
        // Outside transactions, as in 2.0.1; EVSE 0 is the station's main meter.
        let source = MeterSource {
            evse_id: Some(signed(request.evse_id, "$.evseId")?),
            connector_id: None,
            target: MeterTarget::Station,
        };
        let values = meter::from_v21(&request.meter_value, "$.meterValue")?;
        self.meter_values(ctx, source, values).await?;
        Ok(o21::MeterValuesResponse::default())
    }

    pub(super) async fn notify_report_v21(
        &self,
        ctx: &Context,
        request: o21::NotifyReportRequest,
    ) -> Result<o21::NotifyReportResponse, OcppError> {
        let values = device_model::from_report_v21(
            request.report_data.as_deref().unwrap_or_default(),
            request.generated_at,
        );
        self.device_model_report(ctx, &values, request.generated_at)
            .await?;
        Ok(o21::NotifyReportResponse::default())
    }

    /// A SEND of periodic monitoring data (2.1): kept against the station. A SEND has no
    /// answer, so a failure is only logged.
    pub(super) async fn periodic_event_stream_v21(
        &self,
        ctx: &Context,
        message: o21::NotifyPeriodicEventStream,
    ) {
        let kept = async {
            let station = self.admitted(ctx, false).await?;
            let data = serde_json::to_value(&message.data).unwrap_or_default();
            self.audit_station(
                &station,
                "station.periodic_event_stream",
                json!({
                    "id": message.id,
                    "pending": message.pending,
                    "basetime": message.basetime,
                    "data": data,
                }),
            )
            .await
        };
        if let Err(error) = kept.await {
            tracing::warn!(station = ctx.identity(), %error, "periodic event stream not kept");
        }
    }

    pub(super) async fn reservation_status_v21(
        &self,
        ctx: &Context,
        request: o21::ReservationStatusUpdateRequest,
    ) -> Result<o21::ReservationStatusUpdateResponse, OcppError> {
        let end = match &request.reservation_update_status {
            o21::ReservationUpdateStatus::Expired | o21::ReservationUpdateStatus::NoTransaction => {
                ReservationEnd::Expired
            }
            o21::ReservationUpdateStatus::Removed => ReservationEnd::Removed,
            other => {
                return Err(OcppError::BadValue {
                    path: "$.reservationUpdateStatus".into(),
                    reason: format!("{other} is not a reservation update status"),
                });
            }
        };
        let id = signed(request.reservation_id, "$.reservationId")?;
        self.reservation_ended(ctx, id, end).await?;
        Ok(o21::ReservationStatusUpdateResponse::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rust_decimal::Decimal;

    use crate::model::{AuthMethod, SessionStatus};

    fn request(kind: o21::TransactionEvent) -> o21::TransactionEventRequest {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 18, 0, 0).unwrap();
        let mut info = o21::Transaction::new("TX-9");
        info.charging_state = Some(o21::ChargingState::SuspendedEvse);
        info.stopped_reason = Some(o21::Reason::Remote);
        let mut request =
            o21::TransactionEventRequest::new(kind, 4, at, info, o21::TriggerReason::Authorized);
        let mut evse = o21::Evse::new(2);
        evse.connector_id = Some(1);
        request.evse = Some(evse);
        request.offline = Some(true);
        request.id_token = Some(o21::IdToken::new("AB12", "eMAID"));
        let mut sample = o21::SampledValue::new(Decimal::from(7));
        sample.unit_of_measure = Some(o21::UnitOfMeasure {
            unit: Some("kWh".into()),
            multiplier: Some(3),
            ..Default::default()
        });
        request.meter_value = Some(vec![o21::MeterValue::new(vec![sample], at)]);
        request
    }

    #[test]
    fn a_transaction_event_becomes_a_report() {
        let report = transaction_report(request(o21::TransactionEvent::Updated)).unwrap();
        assert_eq!(report.kind, EventKind::Updated);
        assert_eq!(report.transaction_id, "TX-9");
        assert_eq!(report.seq_no, 4);
        assert!(report.offline);
        assert_eq!((report.evse_id, report.connector_id), (Some(2), Some(1)));
        assert_eq!(report.token_uid.as_deref(), Some("AB12"));
        assert_eq!(report.auth_method, AuthMethod::PlugAndCharge);
        assert_eq!(report.charging, Some(SessionStatus::SuspendedEvse));
        assert_eq!(report.stopped_reason.as_deref(), Some("Remote"));
        assert_eq!(report.values.len(), 1);
        assert_eq!(
            report.values[0].value,
            Decimal::from(7000),
            "multiplier applied"
        );
        assert_eq!(report.values[0].unit.as_deref(), Some("kWh"));
    }

    #[test]
    fn a_remote_start_and_odd_values_are_read_as_such() {
        let mut remote = request(o21::TransactionEvent::Started);
        remote.trigger_reason = o21::TriggerReason::RemoteStart;
        remote.transaction_info.charging_state = None;
        let report = transaction_report(remote).unwrap();
        assert_eq!(report.auth_method, AuthMethod::RemoteStart);
        assert_eq!(report.charging, None);

        let mut unknown = request(o21::TransactionEvent::Started);
        unknown.event_type = "Paused".parse().unwrap();
        assert!(matches!(
            transaction_report(unknown),
            Err(OcppError::BadValue { path, .. }) if path == "$.eventType"
        ));

        let mut huge = request(o21::TransactionEvent::Started);
        huge.evse = Some(o21::Evse::new(u32::MAX));
        assert!(matches!(
            transaction_report(huge),
            Err(OcppError::BadValue { path, .. }) if path == "$.evse.id"
        ));
    }
}
