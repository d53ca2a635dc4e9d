//! The handlers of OCPP 2.0.1 messages.

use chrono::Utc;
use ocpp_server::Context;
use ocpp_types::v201 as o201;
use serde_json::json;

use super::handlers::{BootFacts, connector_status_v201, interval, registration_v201};
use super::sequence::{self, EventKind, KnownTransaction, Step};
use super::{Csms, OcppError, meter};
use crate::model::{
    AuthMethod, MeterReport, MeterTarget, NewSession, SessionStatus, SessionStop, StatusReport,
};
use crate::store::Store;

/// The session status a 2.0.1 charging state means.
fn session_status(state: &o201::ChargingState) -> Option<SessionStatus> {
    match state {
        o201::ChargingState::Charging => Some(SessionStatus::Charging),
        o201::ChargingState::SuspendedEv => Some(SessionStatus::SuspendedEv),
        o201::ChargingState::SuspendedEvse => Some(SessionStatus::SuspendedEvse),
        o201::ChargingState::EvConnected | o201::ChargingState::Idle => {
            Some(SessionStatus::Authorized)
        }
        o201::ChargingState::Unrecognized(_) => None,
    }
}

/// How the driver of a 2.0.1 transaction was authorized.
fn auth_method(request: &o201::TransactionEventRequest) -> AuthMethod {
    if request.transaction_info.remote_start_id.is_some()
        || request.trigger_reason == o201::TriggerReason::RemoteStart
    {
        return AuthMethod::RemoteStart;
    }
    match request.id_token.as_ref().map(|token| &token.kind) {
        None | Some(o201::IdTokenEnum::NoAuthorization) => AuthMethod::None,
        Some(o201::IdTokenEnum::EMaid) => AuthMethod::PlugAndCharge,
        Some(o201::IdTokenEnum::MacAddress) => AuthMethod::Autocharge,
        Some(o201::IdTokenEnum::Local) => AuthMethod::LocalList,
        Some(_) => AuthMethod::Central,
    }
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
        let decision = self.boot(ctx.identity(), facts).await?;
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
        let now = self.heartbeat(ctx.identity()).await?;
        Ok(o201::HeartbeatResponse::new(now))
    }

    pub(super) async fn status_v201(
        &self,
        ctx: &Context,
        request: o201::StatusNotificationRequest,
    ) -> Result<o201::StatusNotificationResponse, OcppError> {
        let station = self.admitted(ctx.identity(), false).await?;
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
        self.record_status(&station, report).await?;
        Ok(o201::StatusNotificationResponse::default())
    }

    pub(super) async fn authorize_v201(
        &self,
        ctx: &Context,
        request: o201::AuthorizeRequest,
    ) -> Result<o201::AuthorizeResponse, OcppError> {
        let station = self.admitted(ctx.identity(), false).await?;
        let (_, decision) = self
            .authorize_uid(&station, &request.id_token.id_token, Utc::now(), None)
            .await?;
        Ok(o201::AuthorizeResponse::new(decision.to_v201()))
    }

    pub(super) async fn transaction_event(
        &self,
        ctx: &Context,
        request: o201::TransactionEventRequest,
    ) -> Result<o201::TransactionEventResponse, OcppError> {
        let station = self.admitted(ctx.identity(), false).await?;
        let tenant = station.tenant_id;
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
        let transaction_id = request.transaction_info.transaction_id.clone();
        let seq_no = i64::from(request.seq_no);
        let offline = request.offline.unwrap_or(false);
        let values = meter::from_v201(request.meter_value.as_deref().unwrap_or_default());
        let existing = self
            .store
            .session_by_transaction(tenant, station.id, &transaction_id)
            .await?;
        let decided = sequence::sequence(
            existing.as_ref().map(|session| KnownTransaction {
                last_seq_no: session.last_seq_no,
                is_over: session.status.is_final(),
            }),
            kind,
            seq_no,
        );
        if let Some((expected, received)) = decided.gap {
            tracing::info!(
                station = ctx.identity(),
                transaction = %transaction_id,
                expected,
                received,
                "TransactionEvent seqNo gap"
            );
        }
        let token_uid = request
            .id_token
            .as_ref()
            .map(|token| token.id_token.clone());
        let state = request
            .transaction_info
            .charging_state
            .as_ref()
            .and_then(session_status);
        let session = match existing {
            Some(session) => session,
            None => {
                let token = match &token_uid {
                    Some(uid) => self.store.token_by_uid(tenant, uid).await?,
                    None => None,
                };
                // A transaction first seen late started no later than its earliest sample.
                let started_at = values
                    .iter()
                    .map(|value| value.timestamp)
                    .chain([request.timestamp])
                    .min()
                    .unwrap_or(request.timestamp);
                let new = NewSession {
                    station_id: station.id,
                    transaction_id: Some(transaction_id.clone()),
                    evse_id: request.evse.as_ref().map(|evse| evse.id),
                    connector_id: request.evse.as_ref().and_then(|evse| evse.connector_id),
                    token_uid: token_uid.clone(),
                    token_id: token.as_ref().map(|token| token.id),
                    started_at,
                    meter_start_wh: meter::register_span(&values).map(|(first, _)| first),
                    status: state.unwrap_or(SessionStatus::Authorized),
                    auth_method: Some(auth_method(&request)),
                    offline,
                    seq_no: Some(seq_no),
                };
                let (session, created) = self.store.start_session(tenant, &new).await?;
                if created && let Some(token) = &token {
                    self.count_session_start(token, started_at).await?;
                }
                session
            }
        };
        let (ends, update) = match decided.step {
            Step::Begin { end } => (end, None),
            Step::Advance { end: false } => {
                (false, Some((state.unwrap_or(session.status), Some(seq_no))))
            }
            Step::Advance { end: true } => (true, None),
            Step::KeepMeterValues => (false, None),
        };
        if !values.is_empty() || update.is_some() {
            self.store
                .advance_session(tenant, session.id, &values, update)
                .await?;
        }
        let mut ended_now = false;
        let mut over = session.status.is_final().then(|| session.clone());
        if ends && over.is_none() {
            let all = self.store.meter_values(tenant, session.id).await?;
            let stop = SessionStop {
                stopped_at: request.timestamp,
                meter_stop_wh: meter::register_span(&all).map(|(_, last)| last),
                status: SessionStatus::Completed,
                reason: Some(
                    request
                        .transaction_info
                        .stopped_reason
                        .as_ref()
                        .map_or("Local", |reason| reason.as_str())
                        .to_owned(),
                ),
                offline,
                seq_no: Some(seq_no),
            };
            over = self
                .store
                .stop_session(tenant, session.id, &stop)
                .await?
                .filter(|stopped| stopped.status.is_final());
            ended_now = true;
        }
        let mut total_cost = None;
        if kind == EventKind::Ended
            && let Some(over) = &over
        {
            total_cost = self
                .session_ended(over, ended_now)
                .await?
                .map(|cdr| cdr.total_cost_incl_vat.unwrap_or(cdr.total_cost_excl_vat));
        }
        let mut response = o201::TransactionEventResponse {
            total_cost,
            ..Default::default()
        };
        if let Some(uid) = &token_uid {
            let (_, decision) = self
                .authorize_uid(&station, uid, Utc::now(), Some(session.id))
                .await?;
            response.id_token_info = Some(decision.to_v201());
        }
        Ok(response)
    }

    pub(super) async fn meter_values_v201(
        &self,
        ctx: &Context,
        request: o201::MeterValuesRequest,
    ) -> Result<o201::MeterValuesResponse, OcppError> {
        let station = self.admitted(ctx.identity(), false).await?;
        // Outside transactions by definition (inside one, they come in TransactionEvents);
        // EVSE 0 is the station's main meter.
        let report = MeterReport {
            station_id: station.id,
            evse_id: Some(request.evse_id),
            connector_id: None,
            target: MeterTarget::Station,
            values: meter::from_v201(&request.meter_value),
        };
        self.store
            .record_meter_values(station.tenant_id, report)
            .await?;
        Ok(o201::MeterValuesResponse::default())
    }

    pub(super) async fn data_transfer_v201(
        &self,
        ctx: &Context,
        request: o201::DataTransferRequest,
    ) -> Result<o201::DataTransferResponse, OcppError> {
        let station = self.admitted(ctx.identity(), false).await?;
        let report = json!({
            "vendorId": request.vendor_id,
            "messageId": request.message_id,
            "data": request.data,
        });
        self.audit_station(&station, "station.data_transfer", report)
            .await?;
        Ok(o201::DataTransferResponse::new(
            o201::DataTransferStatus::UnknownVendorId,
        ))
    }

    pub(super) async fn firmware_v201(
        &self,
        ctx: &Context,
        request: o201::FirmwareStatusNotificationRequest,
    ) -> Result<o201::FirmwareStatusNotificationResponse, OcppError> {
        let station = self.admitted(ctx.identity(), true).await?;
        self.audit_station(
            &station,
            "station.firmware_status",
            json!({ "status": request.status.as_str(), "requestId": request.request_id }),
        )
        .await?;
        Ok(o201::FirmwareStatusNotificationResponse::default())
    }

    pub(super) async fn log_status_v201(
        &self,
        ctx: &Context,
        request: o201::LogStatusNotificationRequest,
    ) -> Result<o201::LogStatusNotificationResponse, OcppError> {
        let station = self.admitted(ctx.identity(), true).await?;
        self.audit_station(
            &station,
            "station.log_status",
            json!({ "status": request.status.as_str(), "requestId": request.request_id }),
        )
        .await?;
        Ok(o201::LogStatusNotificationResponse::default())
    }

    pub(super) async fn security_event_v201(
        &self,
        ctx: &Context,
        request: o201::SecurityEventNotificationRequest,
    ) -> Result<o201::SecurityEventNotificationResponse, OcppError> {
        let station = self.registered(ctx.identity()).await?;
        self.audit_station(
            &station,
            "station.security_event",
            json!({
                "type": request.kind,
                "timestamp": request.timestamp,
                "techInfo": request.tech_info,
            }),
        )
        .await?;
        Ok(o201::SecurityEventNotificationResponse::default())
    }
}
