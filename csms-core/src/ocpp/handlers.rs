//! The router, and what every version's handlers share: boots, heartbeats, connector
//! status, authorization, meter values and device-model reports, each on version-neutral
//! inputs and outputs, with the station's admission checked once, here.

use chrono::{DateTime, Utc};
use ocpp_server::{Context, ErrorReply, Router};
use ocpp_types::{OcppCall, v16 as o16, v21 as o21, v201 as o201};

use super::admission;
use super::authorize::Authorization;
use super::boot::{self, BootDecision};
use super::device_model;
use super::notice::StationNotice;
use super::{Csms, OcppError};
use crate::model::{
    BootLogEntry, ConnectorStatus, Evse, MeterRecorded, MeterReport, MeterTarget, MeterValue,
    NewStation, RegistrationStatus, Station, StatusReport, VariableValue,
};
use crate::store::{Store, StoreError};

/// Registers `Csms::$method` as the handler of `$request`.
macro_rules! route {
    ($router:expr, $csms:expr, $request:ty, $method:ident) => {{
        let csms = $csms.clone();
        $router.on(move |ctx: Context, request: $request| {
            let csms = csms.clone();
            async move {
                csms.$method(&ctx, request)
                    .await
                    .map_err(|error| {
                        tracing::warn!(station = ctx.identity(), %error, "message not handled");
                        ErrorReply::from(error)
                    })
            }
        })
    }};
}

/// Where meter values sent outside a transaction event were measured, and the
/// transaction they name, in no version's words.
pub(super) struct MeterSource {
    /// The EVSE (1.6: the connector's number; 0: the station's main meter).
    pub(super) evse_id: Option<i32>,
    /// The connector, where the version names one.
    pub(super) connector_id: Option<i32>,
    /// What they are kept against.
    pub(super) target: MeterTarget,
}

/// What a BootNotification says, in either version.
pub(super) struct BootFacts {
    pub(super) vendor: String,
    pub(super) model: String,
    pub(super) serial_number: Option<String>,
    pub(super) firmware_version: Option<String>,
    pub(super) reason: Option<String>,
}

impl<S: Store + 'static> Csms<S> {
    /// The handlers of every message a 1.6, 2.0.1 or 2.1 station sends that this CSMS
    /// handles.
    pub fn router(&self) -> Router {
        let router = Router::new();
        let router = route!(router, self, o16::BootNotificationRequest, boot_v16);
        let router = route!(router, self, o16::HeartbeatRequest, heartbeat_v16);
        let router = route!(router, self, o16::StatusNotificationRequest, status_v16);
        let router = route!(router, self, o16::AuthorizeRequest, authorize_v16);
        let router = route!(router, self, o16::StartTransactionRequest, start_v16);
        let router = route!(router, self, o16::StopTransactionRequest, stop_v16);
        let router = route!(router, self, o16::MeterValuesRequest, meter_values_v16);
        let router = route!(router, self, o201::BootNotificationRequest, boot_v201);
        let router = route!(router, self, o201::HeartbeatRequest, heartbeat_v201);
        let router = route!(router, self, o201::StatusNotificationRequest, status_v201);
        let router = route!(router, self, o201::AuthorizeRequest, authorize_v201);
        let router = route!(
            router,
            self,
            o201::TransactionEventRequest,
            transaction_event_v201
        );
        let router = route!(router, self, o201::MeterValuesRequest, meter_values_v201);
        let router = route!(router, self, o201::NotifyReportRequest, notify_report_v201);
        let router = route!(
            router,
            self,
            o201::ReservationStatusUpdateRequest,
            reservation_status_v201
        );
        let router = route!(router, self, o21::BootNotificationRequest, boot_v21);
        let router = route!(router, self, o21::HeartbeatRequest, heartbeat_v21);
        let router = route!(router, self, o21::StatusNotificationRequest, status_v21);
        let router = route!(router, self, o21::AuthorizeRequest, authorize_v21);
        let router = route!(
            router,
            self,
            o21::TransactionEventRequest,
            transaction_event_v21
        );
        let router = route!(router, self, o21::MeterValuesRequest, meter_values_v21);
        let router = route!(router, self, o21::NotifyReportRequest, notify_report_v21);
        let router = route!(
            router,
            self,
            o21::ReservationStatusUpdateRequest,
            reservation_status_v21
        );
        let router =
            self.on_notice::<o16::FirmwareStatusNotificationRequest>(router, Default::default);
        let router = self
            .on_notice::<o16::SignedFirmwareStatusNotificationRequest>(router, Default::default);
        let router =
            self.on_notice::<o16::DiagnosticsStatusNotificationRequest>(router, Default::default);
        let router = self.on_notice::<o16::LogStatusNotificationRequest>(router, Default::default);
        let router =
            self.on_notice::<o16::SecurityEventNotificationRequest>(router, Default::default);
        let router =
            self.on_notice::<o16::DataTransferRequest>(router, || o16::DataTransferResponse {
                data: None,
                status: o16::DataTransferStatus::UnknownVendorId,
            });
        let router =
            self.on_notice::<o201::FirmwareStatusNotificationRequest>(router, Default::default);
        let router = self.on_notice::<o201::LogStatusNotificationRequest>(router, Default::default);
        let router =
            self.on_notice::<o201::SecurityEventNotificationRequest>(router, Default::default);
        let router = self.on_notice::<o201::DataTransferRequest>(router, || {
            o201::DataTransferResponse::new(o201::DataTransferStatus::UnknownVendorId)
        });
        let router =
            self.on_notice::<o21::FirmwareStatusNotificationRequest>(router, Default::default);
        let router = self.on_notice::<o21::LogStatusNotificationRequest>(router, Default::default);
        let router =
            self.on_notice::<o21::SecurityEventNotificationRequest>(router, Default::default);
        let router = self.on_notice::<o21::DataTransferRequest>(router, || {
            o21::DataTransferResponse::new(o21::DataTransferStatus::UnknownVendorId)
        });
        let csms = self.clone();
        router.on_send(
            move |ctx: Context, message: o21::NotifyPeriodicEventStream| {
                let csms = csms.clone();
                async move { csms.periodic_event_stream_v21(&ctx, message).await }
            },
        )
    }

    /// Registers the handler of `R`, a notice for the record: kept
    /// ([`Csms::keep_notice`]), then answered with `answer()`.
    fn on_notice<R>(&self, router: Router, answer: fn() -> R::Response) -> Router
    where
        R: OcppCall + Into<StationNotice>,
    {
        let csms = self.clone();
        router.on(move |ctx: Context, request: R| {
            let csms = csms.clone();
            async move {
                csms.keep_notice(&ctx, request.into())
                    .await
                    .map_err(|error| {
                        tracing::warn!(station = ctx.identity(), %error, "message not handled");
                        ErrorReply::from(error)
                    })?;
                Ok(answer())
            }
        })
    }

    /// Decides a boot, registers an unknown station the policy lets in, and logs the boot.
    pub(super) async fn boot(
        &self,
        ctx: &Context,
        facts: BootFacts,
    ) -> Result<BootDecision, OcppError> {
        let address = ctx.address();
        let identity = address.identity();
        let tenant = admission::tenant_in(address)
            .ok_or_else(|| OcppError::UnknownStation(address.to_string()))?;
        let known = self.known_station(ctx).await?;
        let policy_tenant = match &known {
            None => self.store.tenant(tenant).await?,
            Some(_) => None,
        };
        let decision = boot::decide_boot(
            known.as_ref().map(|station| station.registration),
            policy_tenant
                .as_ref()
                .map(|tenant| tenant.settings.unknown_stations),
            self.config.intervals,
        );
        let station = match (known, decision.register, policy_tenant) {
            (Some(station), _, _) => Some(station.into_station()),
            (None, Some(registration), Some(tenant)) => {
                let mut new = NewStation::accepted(identity);
                new.registration = registration;
                match self.store.create_station(tenant.id, &new).await {
                    Ok(station) => Some(station),
                    // Registered meanwhile by another connection.
                    Err(StoreError::Conflict { .. }) => {
                        Some(self.registered(ctx).await?.into_station())
                    }
                    Err(error) => return Err(error.into()),
                }
            }
            _ => None,
        };
        match station {
            Some(station) if decision.log => {
                let entry = BootLogEntry {
                    tenant_id: station.tenant_id,
                    station_id: station.id,
                    at: Utc::now(),
                    vendor: facts.vendor,
                    model: facts.model,
                    serial_number: facts.serial_number,
                    firmware_version: facts.firmware_version,
                    reason: facts.reason,
                    outcome: decision.status,
                };
                self.store.log_boot(station.tenant_id, &entry).await?;
            }
            _ => tracing::warn!(station = %address, "unknown station rejected at boot"),
        }
        Ok(decision)
    }

    /// Records a Heartbeat of an accepted or pending station.
    pub(super) async fn heartbeat(&self, ctx: &Context) -> Result<DateTime<Utc>, OcppError> {
        let station = self.admitted(ctx, true).await?;
        let now = Utc::now();
        self.store
            .record_heartbeat(station.tenant_id, station.id, now)
            .await?;
        Ok(now)
    }

    /// Keeps what the station of `ctx` reported of its device model (2.x NotifyReport, as of
    /// `at`): its variables, and the EVSEs and connectors they show.
    pub(super) async fn device_model_report(
        &self,
        ctx: &Context,
        values: &[VariableValue],
        at: DateTime<Utc>,
    ) -> Result<(), OcppError> {
        let station = self.admitted(ctx, true).await?;
        self.record_variables(&station, values).await?;
        self.keep_reported_parts(&station, values, at).await
    }

    /// Decides on the token `uid` the station of `ctx` presents for no session (an
    /// Authorize).
    pub(super) async fn authorize(
        &self,
        ctx: &Context,
        uid: &str,
    ) -> Result<Authorization, OcppError> {
        let station = self.admitted(ctx, false).await?;
        self.authorize_uid(&station, uid, Utc::now()).await
    }

    /// Keeps meter values the station of `ctx` sent outside a transaction event (`source`:
    /// where they were measured, and the transaction they name, if any).
    pub(super) async fn meter_values(
        &self,
        ctx: &Context,
        source: MeterSource,
        values: Vec<MeterValue>,
    ) -> Result<MeterRecorded, OcppError> {
        let station = self.admitted(ctx, false).await?;
        let report = MeterReport {
            station_id: station.id,
            evse_id: source.evse_id,
            connector_id: source.connector_id,
            target: source.target,
            values,
        };
        Ok(self
            .store
            .record_meter_values(station.tenant_id, report)
            .await?)
    }

    /// Keeps device-model values a station reported, without the values of secret ones.
    async fn record_variables(
        &self,
        station: &Station,
        values: &[VariableValue],
    ) -> Result<(), OcppError> {
        if !values.is_empty() {
            let mut values = values.to_vec();
            super::secrets::redact_variables(&mut values);
            self.store
                .upsert_variables(station.tenant_id, station.id, &values)
                .await?;
        }
        Ok(())
    }

    /// Creates the EVSEs and connectors a device-model report shows that nobody
    /// registered, and records the availability it gives (as of `at`, the report's time):
    /// what a station is made of is kept, not only logged. A part created without an
    /// `AvailabilityState` is `Unavailable` until the station reports its status.
    async fn keep_reported_parts(
        &self,
        station: &Station,
        values: &[VariableValue],
        at: DateTime<Utc>,
    ) -> Result<(), OcppError> {
        let parts = device_model::reported_parts(values);
        if parts.is_empty() {
            return Ok(());
        }
        let tenant = station.tenant_id;
        let evses = self.store.evses(tenant, station.id).await?;
        let connectors = self.store.connectors(tenant, station.id).await?;
        for part in parts {
            match part.connector_id {
                Some(connector_id) => {
                    let known = connectors
                        .iter()
                        .any(|c| c.evse_id == part.evse_id && c.connector_id == connector_id);
                    if known && part.status.is_none() {
                        continue;
                    }
                    let report = StatusReport {
                        evse_id: part.evse_id,
                        connector_id,
                        status: part.status.unwrap_or(ConnectorStatus::Unavailable),
                        error_code: None,
                        vendor_error_code: None,
                        at,
                    };
                    self.store
                        .record_status(tenant, station.id, &report)
                        .await?;
                }
                None => {
                    let known = evses.iter().find(|e| e.evse_id == part.evse_id);
                    let evse = match (known, part.status) {
                        (Some(_), None) => continue,
                        (Some(known), Some(status)) => Evse {
                            status,
                            ..known.clone()
                        },
                        (None, status) => Evse {
                            tenant_id: tenant,
                            station_id: station.id,
                            evse_id: part.evse_id,
                            uid: None,
                            status: status.unwrap_or(ConnectorStatus::Unavailable),
                        },
                    };
                    self.store.upsert_evse(tenant, &evse).await?;
                }
            }
        }
        Ok(())
    }

    /// Records a connector's status the station of `ctx` reports; a connector nobody
    /// registered is created from the report.
    pub(super) async fn record_status(
        &self,
        ctx: &Context,
        report: StatusReport,
    ) -> Result<(), OcppError> {
        let station = self.admitted(ctx, false).await?;
        let recorded = self
            .store
            .record_status(station.tenant_id, station.id, &report)
            .await?;
        if !recorded {
            tracing::info!(
                station = %station.identity,
                evse = report.evse_id,
                connector = report.connector_id,
                status = %report.status,
                "status of a station the store no longer has"
            );
        }
        Ok(())
    }
}

/// The model's registration as 1.6 answers it.
pub(super) fn registration_v16(status: RegistrationStatus) -> o16::RegistrationStatus {
    match status {
        RegistrationStatus::Accepted => o16::RegistrationStatus::Accepted,
        RegistrationStatus::Pending => o16::RegistrationStatus::Pending,
        RegistrationStatus::Rejected => o16::RegistrationStatus::Rejected,
    }
}

/// The model's registration as 2.0.1 answers it.
pub(super) fn registration_v201(status: RegistrationStatus) -> o201::RegistrationStatus {
    match status {
        RegistrationStatus::Accepted => o201::RegistrationStatus::Accepted,
        RegistrationStatus::Pending => o201::RegistrationStatus::Pending,
        RegistrationStatus::Rejected => o201::RegistrationStatus::Rejected,
    }
}

/// A 1.6 connector status; `None` for a value 1.6 does not define.
pub(super) fn connector_status_v16(status: &o16::ChargePointStatus) -> Option<ConnectorStatus> {
    ConnectorStatus::parse(status.as_str())
}

/// A 2.0.1 connector status; `None` for a value 2.0.1 does not define.
pub(super) fn connector_status_v201(status: &o201::ConnectorStatus) -> Option<ConnectorStatus> {
    ConnectorStatus::parse(status.as_str())
}

/// An interval in seconds as OCPP's `i32`.
pub(super) fn interval(secs: u32) -> i32 {
    i32::try_from(secs).unwrap_or(i32::MAX)
}
