//! Pushing the outbox's events to roaming partners: a session to the Sessions receiver of
//! the partner whose token it was charged with (PUT, as it starts, changes status and
//! ends), its CDR to that partner's CDRs receiver (POST), an EVSE's new status to every
//! partner's Locations receiver (PATCH of the EVSE), a location or tariff created or
//! changed (PUT), a tariff deleted (DELETE), a partner's command's result to the
//! `response_url` it gave (POST, in the version the command came in). A location deleted is
//! not pushed: OCPI has no deleting a Location, and one is deleted here only once no station
//! is left at it.
//!
//! Which partner gets which event is decided when the event is dispatched (see
//! [`OutboxStore`](crate::store::OutboxStore)); the pushes of one object reach a partner in
//! the order the events were written, each leased to one process, retried by the
//! [`RetryPolicy`](crate::outbox::RetryPolicy) of the [`DeliveryConfig`], and logged (the
//! admin API's `GET /roaming-partners/{id}/pushes`). A partner of OCPI 2.1.1 gets the same
//! pushes in 2.1.1 ([`ocpi_types::v211::convert`], Sessions and CDRs with their Location
//! embedded, without what 2.1.1 has no place for and that changes no amount); one whose
//! object 2.1.1 cannot hold even so (a credit CDR, a tariff with a minimum price, ...) is
//! given up, with the reason in the log.

use std::future::Future;
use std::sync::Arc;

use chrono::Utc;
use ocpi_server::modules::command_result_v211;
use ocpi_server::{Auth, ClientConfig, ClientError, OcpiClient, encoding_for};
use ocpi_types::common::DateTime as OcpiDateTime;
use ocpi_types::v211::convert;
use ocpi_types::v221::VersionNumber;
use ocpi_types::{v211, v221};
use reqwest::Method;
use serde_json::{Value, json};

use super::modules::published_location;
use super::publish;
use crate::model::{
    AttemptOutcome, Cdr, ChargingSession, CommandResultDue, ConnectorStatusChange, EventKind,
    Location, LocationId, PartnerDelivery, PartnerStatus, ProfileResultDue, RoamingPartner,
    StoredTariff, Tenant,
};
use crate::outbox::rounds;
use crate::outbox::{AttemptResult, DeliveryConfig, Round};
use crate::store::{Store, StoreResult};

/// One request to a partner.
#[derive(Debug, Clone, PartialEq)]
pub struct PushRequest {
    /// PUT, POST, PATCH or DELETE.
    pub method: Method,
    /// The partner's URL.
    pub url: String,
    /// The object (or the changed fields); `None` for a DELETE.
    pub body: Option<Value>,
}

/// What an OCPI call's outcome is, as the retry policy sees it.
fn attempt_result(answer: Result<(), ClientError>) -> AttemptResult {
    match answer {
        Ok(()) => AttemptResult::Answered {
            status: 200,
            retry_after: None,
        },
        Err(error) => {
            if let ClientError::Transport { source, .. } = &error
                && source.is_timeout()
            {
                return AttemptResult::TimedOut;
            }
            match (error.http_status(), error.status_code()) {
                // The partner read the request and refused it (OCPI 2xxx): sending it again
                // changes nothing.
                (_, Some(code)) if (2000..3000).contains(&code.code()) => AttemptResult::Answered {
                    status: 422,
                    retry_after: None,
                },
                (Some(status), _) if status >= 400 => AttemptResult::Answered {
                    status,
                    retry_after: None,
                },
                // An OCPI 3xxx answer, or one that is not OCPI at all: try again.
                (_, Some(_)) => AttemptResult::Answered {
                    status: 502,
                    retry_after: None,
                },
                _ => AttemptResult::Unreachable(error.to_string()),
            }
        }
    }
}

/// The OCPI version agreed with `partner` (2.2.1 when none is recorded).
fn version_of(partner: &RoamingPartner) -> VersionNumber {
    partner
        .version
        .as_deref()
        .map_or(VersionNumber::V2_2_1, VersionNumber::from_wire)
}

/// The partner's receiver URL of `module`.
fn receiver<'p>(partner: &'p RoamingPartner, module: &str) -> Result<&'p str, String> {
    partner
        .endpoints
        .iter()
        .find(|e| e.receives(module))
        .map(|e| e.url.trim_end_matches('/'))
        .ok_or_else(|| format!("the partner has no {module} receiver"))
}

/// Pushes the outbox's events to roaming partners. Any number of processes may run one on
/// the same database.
#[derive(Debug)]
pub struct PartnerPusher<S: ?Sized> {
    store: Arc<S>,
    client: OcpiClient,
    config: DeliveryConfig,
}

#[async_trait::async_trait]
impl<S: Store + ?Sized> rounds::Leased for PartnerPusher<S> {
    type Item = PartnerDelivery;

    async fn dispatch(&self, batch: u32) -> StoreResult<usize> {
        self.store.dispatch_events(batch).await
    }

    async fn lease(&self, config: &DeliveryConfig) -> StoreResult<Vec<PartnerDelivery>> {
        self.store
            .lease_partner_deliveries(Utc::now(), config.lease, config.batch)
            .await
    }

    async fn attempt(&self, delivery: PartnerDelivery) -> StoreResult<bool> {
        PartnerPusher::attempt(self, delivery).await
    }
}

impl<S: Store + ?Sized> PartnerPusher<S> {
    /// A pusher from `store`; its client makes one attempt per delivery (the retries are
    /// the [`DeliveryConfig`]'s).
    pub fn new(store: Arc<S>, config: DeliveryConfig) -> Result<PartnerPusher<S>, ClientError> {
        let mut client = ClientConfig::default();
        client.timeout = config.timeout;
        client.connect_timeout = config.timeout;
        client.max_retries = 0;
        Ok(PartnerPusher {
            store,
            client: OcpiClient::new(client)?,
            config,
        })
    }

    /// Dispatches every event waiting, then leases and attempts one batch of due pushes.
    pub async fn run_once(&self) -> StoreResult<Round> {
        rounds::run_once(self, &self.config).await
    }

    /// Runs rounds until `shutdown` completes, waiting [`DeliveryConfig::idle_wait`] after a
    /// round that found nothing to do (or failed, which is logged).
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        rounds::run(self, &self.config, shutdown).await
    }

    /// Attempts a leased push and records it; whether it was delivered.
    async fn attempt(&self, delivery: PartnerDelivery) -> StoreResult<bool> {
        let tenant = delivery.tenant_id;
        let partner = self.store.partner(tenant, delivery.partner_id).await?;
        let owner = self.store.tenant(tenant).await?;
        let outcome = match (partner, owner) {
            (Some(partner), Some(owner)) if partner.status == PartnerStatus::Connected => {
                match (
                    self.request(&owner, &partner, &delivery).await?,
                    &partner.their_token,
                ) {
                    (Err(error), _) => AttemptOutcome::GiveUp {
                        error,
                        response_status: None,
                    },
                    (Ok(_), None) => AttemptOutcome::GiveUp {
                        error: "we hold no token to call the partner with".to_owned(),
                        response_status: None,
                    },
                    (Ok(request), Some(token)) => {
                        let answer = self.send(&partner, token, &request).await;
                        self.config.retry.outcome(
                            delivery.attempts,
                            &attempt_result(answer),
                            Utc::now(),
                        )
                    }
                }
            }
            _ => AttemptOutcome::GiveUp {
                error: "the partner is not connected".to_owned(),
                response_status: None,
            },
        };
        if let AttemptOutcome::GiveUp { error, .. } = &outcome {
            tracing::warn!(push = delivery.id.0, partner = delivery.partner_id.0, %error, "push given up");
        }
        let delivered = matches!(outcome, AttemptOutcome::Delivered { .. });
        self.store
            .record_partner_attempt(tenant, delivery.id, Utc::now(), &outcome)
            .await?;
        Ok(delivered)
    }

    /// Sends `request` to `partner` with the token it gave us, encoded as its version wants.
    async fn send(
        &self,
        partner: &RoamingPartner,
        token: &str,
        request: &PushRequest,
    ) -> Result<(), ClientError> {
        let auth = Auth::new(token, encoding_for(&version_of(partner)));
        self.client
            .send::<_, Value>(
                request.method.clone(),
                &request.url,
                &auth,
                request.body.as_ref(),
            )
            .await
            .map(drop)
    }

    /// The request that pushes `delivery` to `partner`, in the partner's version, or why
    /// none can.
    pub async fn request(
        &self,
        tenant: &Tenant,
        partner: &RoamingPartner,
        delivery: &PartnerDelivery,
    ) -> StoreResult<Result<PushRequest, String>> {
        let request = match self.request_v221(tenant, partner, delivery).await? {
            Ok(request) => request,
            Err(why) => return Ok(Err(why)),
        };
        if version_of(partner) != VersionNumber::V2_1_1 {
            return Ok(Ok(request));
        }
        self.in_v211(tenant, delivery.kind, request).await
    }

    /// `request`, a push of an event of `kind` in OCPI 2.2.1, in 2.1.1 (by
    /// [`ocpi_types::v211::convert`]; Sessions and CDRs as their CPO publishes them, with
    /// their Location embedded), or why it cannot be.
    async fn in_v211(
        &self,
        tenant: &Tenant,
        kind: EventKind,
        request: PushRequest,
    ) -> StoreResult<Result<PushRequest, String>> {
        fn read<T: serde::de::DeserializeOwned>(body: &Option<Value>) -> Result<T, String> {
            serde_json::from_value(body.clone().unwrap_or_default())
                .map_err(|error| format!("the pushed object does not read: {error}"))
        }
        let converted = match kind {
            EventKind::SessionStarted | EventKind::SessionUpdated | EventKind::SessionEnded => {
                let session: v221::Session = match read(&request.body) {
                    Ok(session) => session,
                    Err(why) => return Ok(Err(why)),
                };
                match self
                    .embedded_location(tenant, session.location_id.as_str())
                    .await?
                {
                    Ok(location) => {
                        convert::published_session_to_v211(&session, &location).map(|s| json!(s))
                    }
                    Err(why) => return Ok(Err(why)),
                }
            }
            EventKind::CdrIssued => {
                let cdr: v221::Cdr = match read(&request.body) {
                    Ok(cdr) => cdr,
                    Err(why) => return Ok(Err(why)),
                };
                match self
                    .embedded_location(tenant, cdr.cdr_location.id.as_str())
                    .await?
                {
                    Ok(location) => {
                        convert::published_cdr_to_v211(&cdr, &location).map(|c| json!(c))
                    }
                    Err(why) => return Ok(Err(why)),
                }
            }
            EventKind::LocationChanged => match read::<v221::Location>(&request.body) {
                Ok(location) => convert::location_to_v211(&location).map(|l| json!(l)),
                Err(why) => return Ok(Err(why)),
            },
            EventKind::TariffChanged => match read::<v221::Tariff>(&request.body) {
                Ok(tariff) => convert::tariff_to_v211(&tariff).map(|t| json!(t)),
                Err(why) => return Ok(Err(why)),
            },
            // The same in both versions: an EVSE's status and its time, a tariff's deletion;
            // a command's result is already in the form of the version the command came in.
            EventKind::EvseStatusChanged
            | EventKind::TariffDeleted
            | EventKind::LocationDeleted
            | EventKind::RoamingCommandResult
            | EventKind::RoamingProfileResult
            | EventKind::StationConnected
            | EventKind::StationDisconnected => return Ok(Ok(request)),
        };
        Ok(converted
            .map(|body| PushRequest {
                body: Some(body),
                ..request
            })
            .map_err(|error| format!("not expressible in OCPI 2.1.1: {error}")))
    }

    /// The Location `id` (as published) in the 2.1.1 form Sessions and CDRs embed, or why
    /// there is none.
    async fn embedded_location(
        &self,
        tenant: &Tenant,
        id: &str,
    ) -> StoreResult<Result<v211::Location, String>> {
        let Ok(id) = id.parse::<i64>() else {
            return Ok(Err(format!("no location {id}")));
        };
        let Some(location) = self.store.location(tenant.id, LocationId(id)).await? else {
            return Ok(Err(format!("the location {id} is gone")));
        };
        Ok(
            match published_location(self.store.as_ref(), tenant, &location).await? {
                Ok(published) => convert::embedded_location_to_v211(&published).map_err(|error| {
                    format!("its location is not expressible in OCPI 2.1.1: {error}")
                }),
                Err(why) => Err(why),
            },
        )
    }

    /// The request that pushes `delivery` to `partner` in OCPI 2.2.1, or why none can.
    async fn request_v221(
        &self,
        tenant: &Tenant,
        partner: &RoamingPartner,
        delivery: &PartnerDelivery,
    ) -> StoreResult<Result<PushRequest, String>> {
        let party = format!("{}/{}", tenant.country_code, tenant.party_id);
        let data = delivery.payload.clone();
        Ok(match delivery.kind {
            EventKind::SessionStarted | EventKind::SessionUpdated | EventKind::SessionEnded => {
                let session: ChargingSession = match serde_json::from_value(data) {
                    Ok(session) => session,
                    Err(error) => return Ok(Err(format!("the session does not read: {error}"))),
                };
                let published = self.session(tenant, &session).await?;
                let url = receiver(partner, "sessions");
                match (published, url) {
                    (Ok(body), Ok(url)) => Ok(PushRequest {
                        method: Method::PUT,
                        url: format!("{url}/{party}/{}", session.id),
                        body: Some(body),
                    }),
                    (Err(why), _) | (_, Err(why)) => Err(why),
                }
            }
            EventKind::CdrIssued => {
                let cdr: Cdr = match serde_json::from_value(data) {
                    Ok(cdr) => cdr,
                    Err(error) => return Ok(Err(format!("the CDR does not read: {error}"))),
                };
                let Some(mut body) = cdr.details.get("ocpi_cdr").cloned() else {
                    return Ok(Err("the CDR has no OCPI form".to_owned()));
                };
                if let Some(uid) = &cdr.token_uid
                    && let Some(roaming) = self
                        .store
                        .roaming_tokens_by_uid(tenant.id, uid)
                        .await?
                        .into_iter()
                        .next()
                {
                    body["cdr_token"] = publish::roaming_cdr_token(&roaming.token);
                }
                receiver(partner, "cdrs").map(|url| PushRequest {
                    method: Method::POST,
                    url: url.to_owned(),
                    body: Some(body),
                })
            }
            EventKind::EvseStatusChanged => {
                let change: ConnectorStatusChange = match serde_json::from_value(data) {
                    Ok(change) => change,
                    Err(error) => return Ok(Err(format!("the change does not read: {error}"))),
                };
                self.evse_status(tenant, partner, &party, &change).await?
            }
            EventKind::LocationChanged => {
                let location: Location = match serde_json::from_value(data) {
                    Ok(location) => location,
                    Err(_) => return Ok(Err("a deleted location is not pushed".to_owned())),
                };
                let published = published_location(self.store.as_ref(), tenant, &location).await?;
                match (published, receiver(partner, "locations")) {
                    (Ok(published), Ok(url)) => Ok(PushRequest {
                        method: Method::PUT,
                        url: format!("{url}/{party}/{}", location.id),
                        body: Some(json!(published)),
                    }),
                    (Err(why), _) | (_, Err(why)) => Err(why),
                }
            }
            EventKind::TariffChanged | EventKind::TariffDeleted => {
                let stored: StoredTariff = match serde_json::from_value(data) {
                    Ok(stored) => stored,
                    Err(_) => return Ok(Err("a deleted tariff is not pushed".to_owned())),
                };
                let mut tariff = stored.tariff;
                tariff.last_updated = OcpiDateTime::from_utc(stored.updated_at);
                let (method, body) = match delivery.kind {
                    EventKind::TariffDeleted => (Method::DELETE, None),
                    _ => (Method::PUT, Some(json!(tariff))),
                };
                receiver(partner, "tariffs").map(|url| PushRequest {
                    method,
                    url: format!("{url}/{party}/{}", tariff.id.as_str()),
                    body,
                })
            }
            EventKind::LocationDeleted => Err("a deleted location is not pushed".to_owned()),
            EventKind::StationConnected | EventKind::StationDisconnected => {
                Err("station presence is not pushed".to_owned())
            }
            EventKind::RoamingCommandResult => {
                let due: CommandResultDue = match serde_json::from_value(data) {
                    Ok(due) => due,
                    Err(error) => return Ok(Err(format!("the result does not read: {error}"))),
                };
                let body = if due.version == VersionNumber::V2_1_1 {
                    json!(command_result_v211(&due.result))
                } else {
                    json!(due.result)
                };
                Ok(PushRequest {
                    method: Method::POST,
                    url: due.response_url,
                    body: Some(body),
                })
            }
            EventKind::RoamingProfileResult => {
                let due: ProfileResultDue = match serde_json::from_value(data) {
                    Ok(due) => due,
                    Err(error) => return Ok(Err(format!("the result does not read: {error}"))),
                };
                Ok(PushRequest {
                    method: Method::POST,
                    body: Some(due.result.body()),
                    url: due.response_url,
                })
            }
        })
    }

    /// The OCPI Session of `session`, or why it cannot be published.
    async fn session(
        &self,
        tenant: &Tenant,
        session: &ChargingSession,
    ) -> StoreResult<Result<Value, String>> {
        let Some(station) = self
            .store
            .station_by_id(tenant.id, session.station_id)
            .await?
        else {
            return Ok(Err("the station is gone".to_owned()));
        };
        let Some(location_id) = station.location_id else {
            return Ok(Err("the station has no location".to_owned()));
        };
        let Some(location) = self.store.location(tenant.id, location_id).await? else {
            return Ok(Err("the location is gone".to_owned()));
        };
        let evses = self.store.evses(tenant.id, station.id).await?;
        let evse = evses.iter().find(|e| Some(e.evse_id) == session.evse_id);
        let roaming = match &session.token_uid {
            Some(uid) => self
                .store
                .roaming_tokens_by_uid(tenant.id, uid)
                .await?
                .into_iter()
                .next(),
            None => None,
        };
        Ok(publish::session(
            tenant,
            session,
            None,
            roaming.as_ref().map(|r| &r.token),
            &station,
            &location,
            evse,
        )
        .map(|published| json!(published)))
    }

    /// The PATCH of an EVSE whose connector changed status, or why there is none.
    async fn evse_status(
        &self,
        tenant: &Tenant,
        partner: &RoamingPartner,
        party: &str,
        change: &ConnectorStatusChange,
    ) -> StoreResult<Result<PushRequest, String>> {
        let Some(station) = self
            .store
            .station_by_id(tenant.id, change.station_id)
            .await?
        else {
            return Ok(Err("the station is gone".to_owned()));
        };
        let Some(location_id) = station.location_id else {
            return Ok(Err("the station has no location".to_owned()));
        };
        let Some(location) = self.store.location(tenant.id, location_id).await? else {
            return Ok(Err("the location is gone".to_owned()));
        };
        let published = match published_location(self.store.as_ref(), tenant, &location).await? {
            Ok(published) => published,
            Err(why) => return Ok(Err(why)),
        };
        let evses = self.store.evses(tenant.id, station.id).await?;
        let given = evses
            .iter()
            .find(|e| e.evse_id == change.evse_id)
            .and_then(|e| e.uid.as_deref());
        let uid = publish::evse_uid(&station, change.evse_id, given);
        let Some(evse) = publish::evse_of(&published, &uid) else {
            return Ok(Err(format!("EVSE {uid} is not published")));
        };
        Ok(receiver(partner, "locations").map(|url| PushRequest {
            method: Method::PATCH,
            url: format!("{url}/{party}/{}/{uid}", location.id),
            body: Some(json!({ "status": evse.status, "last_updated": evse.last_updated })),
        }))
    }
}
