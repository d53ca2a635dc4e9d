//! The `csms` example's OCPI Commands Receiver, against an eMSP platform on 127.0.0.1 built
//! from `ocpi-server` alone, with an OCPP 1.6 station driven by the test (the `ocpp-server`
//! charge-point client), over real sockets:
//!
//! - START_SESSION at a location the tenant does not have is `REJECTED` at once, and no
//!   result follows;
//! - START_SESSION of the eMSP's driver at the demo station's EVSE is `ACCEPTED` at once;
//!   the station gets a RemoteStartTransaction for the driver's token, and its
//!   StartTransaction for that token (which the eMSP never pushed through Tokens) is
//!   accepted; the eMSP receives the `ACCEPTED` result at its `response_url`, with the token
//!   it issued to the CPO, and pulls the session, active, with its token in it;
//! - STOP_SESSION of another session id is `UNKNOWN_SESSION`; of that session `ACCEPTED`:
//!   the station gets the RemoteStopTransaction of its transaction, stops it, the eMSP's
//!   platform refuses the result's first POST (503) and takes it when it comes again, and
//!   the eMSP pulls the session completed; the partner's push log shows both results;
//! - the eMSP steers that session through ChargingProfiles: a profile it PUTs reaches the
//!   station as a 1.6 `TxProfile` of the session's transaction, `ACCEPTED` at its
//!   `response_url`; a GET of the active profile becomes a GetCompositeSchedule whose
//!   schedule comes back as the `ActiveChargingProfile`; a DELETE clears the profile
//!   (`ACCEPTED`, then `UNKNOWN` once the station no longer has it); another session is
//!   `UNKNOWN_SESSION`;
//! - RESERVE_NOW of the EVSE is `ACCEPTED`; the station gets a ReserveNow with the id of the
//!   reservation the CSMS recorded (not the partner's), which the operator sees with the
//!   partner's id beside it; the same partner id again (any case) replaces it, sent with the
//!   same id and the new expiry; a reservation of any EVSE that the station refuses as
//!   occupied comes back `EVSE_OCCUPIED`; CANCEL_RESERVATION by the partner's id cancels
//!   the station's, and an ended or unknown one is `REJECTED` at once; the commands are
//!   audited with the partner as actor;
//! - a ClientInfo the partner PUTs to HubClientInfo is what the operator reads of it.

#[path = "csms/common.rs"]
mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Csms, TempDir};
use ev_backend::csms_core::api::axum;
use ev_backend::ocpi_server::{
    Access, ClientConfig, MemoryStore, OcpiClient, OcpiServer, ServerConfig, TenantKey,
};
use ev_backend::ocpi_types::common::PageRequest;
use ev_backend::ocpi_types::v221::{
    BusinessDetails, ChargingProfileResponse, CommandResponse, CredentialsRole, InterfaceRole,
    Location, Role, Session,
};
use ev_backend::ocpp_server::client::{ChargePoint, ChargePointConfig};
use ev_backend::ocpp_server::{Context, Router, StationHandle};
use ev_backend::ocpp_types::{OcppMessage, OcppVersion, v16};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// A POST the eMSP received at a `response_url`: the path's last segment, the body and the
/// `Authorization` header.
type Posted = (String, Value, Option<String>);

struct Emsp {
    server: OcpiServer,
    store: Arc<MemoryStore>,
    /// `http://127.0.0.1:<port>`: results are POSTed under `/results/`.
    base: String,
    posted: Arc<Mutex<Vec<Posted>>>,
}

/// An eMSP platform (party `NL`/`EMP`) on a free port that records what is POSTed to
/// `/results/{name}`; the first POST to a name beginning with `flaky` is answered 503 (the
/// platform briefly down) and not recorded.
async fn emsp() -> Emsp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let store = Arc::new(MemoryStore::new());
    let role = CredentialsRole {
        role: Role::Emsp,
        business_details: BusinessDetails {
            name: "eMSP EMP".into(),
            website: None,
            logo: None,
        },
        party_id: "EMP".into(),
        country_code: "NL".into(),
    };
    let config = ServerConfig::new(format!("{base}/ocpi"), vec![role]);
    let mut client = ClientConfig::default();
    client.timeout = Duration::from_secs(10);
    let server = OcpiServer::new(config, store.clone())
        .unwrap()
        .with_client(OcpiClient::new(client).unwrap());
    let posted = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::clone(&posted);
    let refusals: Arc<Mutex<Vec<String>>> = Arc::default();
    let app = axum::Router::new()
        .nest("/ocpi", server.router())
        .route(
            "/results/{name}",
            axum::routing::post(
                move |axum::extract::Path(name): axum::extract::Path<String>,
                      headers: axum::http::HeaderMap,
                      axum::Json(body): axum::Json<Value>| {
                    let recorder = Arc::clone(&recorder);
                    let refusals = Arc::clone(&refusals);
                    async move {
                        {
                            let mut refused = refusals.lock().unwrap();
                            if name.starts_with("flaky") && !refused.contains(&name) {
                                refused.push(name);
                                return Err(axum::http::StatusCode::SERVICE_UNAVAILABLE);
                            }
                        }
                        let auth = headers
                            .get("authorization")
                            .and_then(|value| value.to_str().ok())
                            .map(str::to_owned);
                        recorder.lock().unwrap().push((name, body, auth));
                        Ok(axum::Json(json!({
                            "status_code": 1000,
                            "status_message": "Success",
                            "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        })))
                    }
                },
            ),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    Emsp {
        server,
        store,
        base,
        posted,
    }
}

impl Emsp {
    /// Waits (at most 30 s) for the result POSTed to `/results/{name}` and taken.
    async fn result(&self, name: &str) -> (Value, Option<String>) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let found = self
                .posted
                .lock()
                .unwrap()
                .iter()
                .find(|(posted, _, _)| posted == name)
                .map(|(_, body, auth)| (body.clone(), auth.clone()));
            if let Some(found) = found {
                return found;
            }
            assert!(Instant::now() < deadline, "no result posted to {name}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A typed OCPP message from its JSON form.
fn message<T: OcppMessage>(value: Value) -> T {
    serde_json::from_value(value).expect("a valid message")
}

/// What the CSMS asked the station.
#[derive(Debug)]
enum Asked {
    Start(Box<v16::RemoteStartTransactionRequest>),
    Stop(v16::RemoteStopTransactionRequest),
    Reserve(Box<v16::ReserveNowRequest>),
    Cancel(v16::CancelReservationRequest),
    Profile(Box<v16::SetChargingProfileRequest>),
    Schedule(v16::GetCompositeScheduleRequest),
    Clear(v16::ClearChargingProfileRequest),
}

/// The demo's station `DEMO-1`, OCPP 1.6, driven by the test: it accepts remote starts and
/// stops, reservations of connector 1 (a reservation of connector 0, the whole station, is
/// refused as occupied) and their cancellations, charging profiles (its composite schedule
/// is the last profile set, from now), and reports them on the channel.
async fn station(url: &str) -> (ChargePoint, StationHandle, mpsc::UnboundedReceiver<Asked>) {
    let (asked, requests) = mpsc::unbounded_channel();
    let on_stop = asked.clone();
    let on_reserve = asked.clone();
    let on_cancel = asked.clone();
    let (on_profile, on_schedule, on_clear) = (asked.clone(), asked.clone(), asked.clone());
    let installed = Arc::new(Mutex::new(None::<v16::ChargingProfile>));
    let (set, read, cleared) = (installed.clone(), installed.clone(), installed);
    let router = Router::new()
        .on(
            move |_ctx: Context, request: v16::RemoteStartTransactionRequest| {
                let asked = asked.clone();
                async move {
                    let _ = asked.send(Asked::Start(Box::new(request)));
                    Ok(v16::RemoteStartTransactionResponse {
                        status: v16::RemoteStartStopStatus::Accepted,
                    })
                }
            },
        )
        .on(
            move |_ctx: Context, request: v16::RemoteStopTransactionRequest| {
                let asked = on_stop.clone();
                async move {
                    let _ = asked.send(Asked::Stop(request));
                    Ok(v16::RemoteStopTransactionResponse {
                        status: v16::RemoteStartStopStatus::Accepted,
                    })
                }
            },
        )
        .on(move |_ctx: Context, request: v16::ReserveNowRequest| {
            let asked = on_reserve.clone();
            async move {
                let status = if request.connector_id == 0 {
                    v16::ReservationStatus::Occupied
                } else {
                    v16::ReservationStatus::Accepted
                };
                let _ = asked.send(Asked::Reserve(Box::new(request)));
                Ok(v16::ReserveNowResponse { status })
            }
        })
        .on(
            move |_ctx: Context, request: v16::CancelReservationRequest| {
                let asked = on_cancel.clone();
                async move {
                    let _ = asked.send(Asked::Cancel(request));
                    Ok(v16::CancelReservationResponse {
                        status: v16::CancelReservationStatus::Accepted,
                    })
                }
            },
        )
        .on(
            move |_ctx: Context, request: v16::SetChargingProfileRequest| {
                *set.lock().unwrap() = Some(request.cs_charging_profiles.clone());
                let _ = on_profile.send(Asked::Profile(Box::new(request)));
                async {
                    Ok(v16::SetChargingProfileResponse {
                        status: v16::ChargingProfileStatus::Accepted,
                    })
                }
            },
        )
        .on(
            move |_ctx: Context, request: v16::GetCompositeScheduleRequest| {
                let profile = read.lock().unwrap().clone();
                let _ = on_schedule.send(Asked::Schedule(request.clone()));
                async move {
                    let mut response = v16::GetCompositeScheduleResponse {
                        status: v16::GetCompositeScheduleStatus::Accepted,
                        connector_id: Some(request.connector_id),
                        schedule_start: None,
                        charging_schedule: None,
                    };
                    if let Some(profile) = profile {
                        let mut schedule = profile.charging_schedule;
                        schedule.duration = Some(request.duration);
                        response.schedule_start = Some(chrono::Utc::now());
                        response.charging_schedule = Some(schedule);
                    }
                    Ok(response)
                }
            },
        )
        .on(
            move |_ctx: Context, request: v16::ClearChargingProfileRequest| {
                let mut installed = cleared.lock().unwrap();
                let known = installed
                    .as_ref()
                    .is_some_and(|p| Some(p.charging_profile_id) == request.id);
                if known {
                    *installed = None;
                }
                let _ = on_clear.send(Asked::Clear(request));
                let status = if known {
                    v16::ClearChargingProfileStatus::Accepted
                } else {
                    v16::ClearChargingProfileStatus::Unknown
                };
                async move { Ok(v16::ClearChargingProfileResponse { status }) }
            },
        );
    let mut config = ChargePointConfig::new(url.to_owned(), "DEMO-1".to_owned());
    config.versions = vec![OcppVersion::V16];
    let client = ChargePoint::connect(config, router)
        .await
        .expect("the station connects");
    let handle = client.handle().expect("connected");
    let boot = handle
        .call(&message::<v16::BootNotificationRequest>(json!({
            "chargePointVendor": "EV Backend", "chargePointModel": "Test"
        })))
        .await
        .expect("boot answered");
    assert_eq!(boot.status, v16::RegistrationStatus::Accepted);
    for connector in [0, 1] {
        status(&handle, connector, "Available").await;
    }
    (client, handle, requests)
}

async fn status(handle: &StationHandle, connector: i32, status: &str) {
    handle
        .call(&message::<v16::StatusNotificationRequest>(json!({
            "connectorId": connector, "errorCode": "NoError", "status": status,
            "timestamp": chrono::Utc::now()
        })))
        .await
        .expect("status answered");
}

/// The next request the CSMS sent the station (at most 30 s).
async fn next(requests: &mut mpsc::UnboundedReceiver<Asked>) -> Asked {
    tokio::time::timeout(Duration::from_secs(30), requests.recv())
        .await
        .expect("the CSMS commands the station in time")
        .expect("the station runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emsp_starts_and_stops_its_drivers_session_through_commands() {
    let dir = TempDir::new("roaming-commands");
    let (csms, api) = Csms::start_demo(&dir, &[]);
    let platform = emsp().await;

    // The operator adds the eMSP, which registers.
    let created = api
        .post(
            "/roaming-partners",
            &json!({"country_code": "NL", "party_id": "EMP", "role": "EMSP", "name": "EMP"}),
        )
        .expect(201);
    let partner = created["partner"]["id"].as_i64().expect("an id");
    let token_a = created["token_a"].as_str().expect("token A").to_owned();
    let versions_url = created["versions_url"].as_str().expect("URL").to_owned();
    let us = platform.store.add_partner(&TenantKey("emsp".into()), None);
    let registered = platform
        .server
        .register_with(&us, &versions_url, &token_a)
        .await
        .expect("the eMSP registers with the CPO");
    assert_eq!(registered.caller.access, Access::Registered);
    let client = platform.server.client();
    let commands_url = registered
        .endpoint("commands", Some(InterfaceRole::Receiver))
        .expect("a Commands Receiver")
        .to_owned();
    let locations_url = registered
        .endpoint("locations", Some(InterfaceRole::Sender))
        .expect("a Locations Sender")
        .to_owned();
    let sessions_url = registered
        .endpoint("sessions", Some(InterfaceRole::Sender))
        .expect("a Sessions Sender")
        .to_owned();
    let locations: Vec<Location> = client
        .get_all(&locations_url, &registered.auth, &PageRequest::default())
        .await
        .expect("locations");
    let location = locations[0].id.as_str().to_owned();
    let (_station, handle, mut requests) = station(&csms.ocpp_url).await;
    let command = |name: &str, body: Value| {
        let url = format!("{commands_url}/{name}");
        let client = client.clone();
        let auth = registered.auth.clone();
        async move {
            client
                .post::<_, CommandResponse>(&url, &auth, &body)
                .await
                .unwrap_or_else(|error| panic!("{url}: {error}"))
                .expect("a CommandResponse")
        }
    };
    let token = json!({
        "country_code": "NL", "party_id": "EMP", "uid": "ROAMCMD1", "type": "APP_USER",
        "contract_id": "NL-EMP-C00000042-X", "issuer": "EMP", "valid": true,
        "whitelist": "ALLOWED", "last_updated": "2026-03-01T10:00:00Z"
    });

    // An unknown location: refused at once, and no result follows.
    let refused = command(
        "START_SESSION",
        json!({
            "response_url": format!("{}/results/nowhere", platform.base),
            "token": token, "location_id": "999999", "evse_uid": "NL*DEM*E1"
        }),
    )
    .await;
    let refused = serde_json::to_value(&refused).unwrap();
    assert_eq!(refused["result"], "REJECTED", "{refused:#}");
    assert!(
        refused["message"][0]["text"]
            .as_str()
            .unwrap()
            .contains("location"),
        "{refused:#}"
    );

    // The driver's session, started by the eMSP.
    let accepted = command(
        "START_SESSION",
        json!({
            "response_url": format!("{}/results/start", platform.base),
            "token": token, "location_id": location, "evse_uid": "NL*DEM*E1"
        }),
    )
    .await;
    let accepted = serde_json::to_value(&accepted).unwrap();
    assert_eq!(accepted["result"], "ACCEPTED", "{accepted:#}");
    assert!(accepted["timeout"].as_i64().unwrap() > 0, "{accepted:#}");
    let Asked::Start(start) = next(&mut requests).await else {
        panic!("a remote start first");
    };
    assert_eq!(start.id_tag, "ROAMCMD1");
    assert_eq!(start.connector_id, Some(1));
    let started = handle
        .call(&message::<v16::StartTransactionRequest>(json!({
            "connectorId": 1, "idTag": "ROAMCMD1", "meterStart": 1000,
            "timestamp": chrono::Utc::now()
        })))
        .await
        .expect("start answered");
    assert_eq!(
        started.id_tag_info.status,
        v16::AuthorizationStatus::Accepted,
        "the token the command carried is authorized"
    );
    status(&handle, 1, "Charging").await;
    let (result, auth) = platform.result("start").await;
    assert_eq!(result["result"], "ACCEPTED", "{result:#}");
    let auth = auth.expect("an Authorization header");
    assert!(auth.starts_with("Token "), "{auth}");
    assert!(
        platform
            .posted
            .lock()
            .unwrap()
            .iter()
            .all(|(name, _, _)| name != "nowhere"),
        "no result for a refused command"
    );

    // The eMSP pulls its driver's session.
    let sessions: Vec<Session> = client
        .get_all(&sessions_url, &registered.auth, &PageRequest::default())
        .await
        .expect("sessions");
    assert_eq!(sessions.len(), 1, "{sessions:#?}");
    let session = serde_json::to_value(&sessions[0]).unwrap();
    assert_eq!(session["status"], "ACTIVE", "{session:#}");
    assert_eq!(session["cdr_token"]["uid"], "ROAMCMD1");
    assert_eq!(session["cdr_token"]["contract_id"], "NL-EMP-C00000042-X");
    assert_eq!(session["location_id"], location.as_str());
    assert_eq!(session["evse_uid"], "NL*DEM*E1");
    let session_id = session["id"].as_str().expect("an id").to_owned();

    // The eMSP steers its driver's session with a charging profile.
    let profiles_url = registered
        .endpoint("chargingprofiles", Some(InterfaceRole::Receiver))
        .expect("a ChargingProfiles Receiver")
        .to_owned();
    let profile_answer = |method: &str, url: String, body: Option<Value>| {
        let client = client.clone();
        let auth = registered.auth.clone();
        let method = method.to_owned();
        async move {
            let answer: Option<ChargingProfileResponse> = match (method.as_str(), body) {
                ("PUT", Some(body)) => client.put(&url, &auth, &body).await,
                ("DELETE", _) => client.delete(&url, &auth).await,
                _ => client.get(&url, &auth).await.map(Some),
            }
            .unwrap_or_else(|error| panic!("{url}: {error}"));
            serde_json::to_value(answer.expect("a ChargingProfileResponse")).unwrap()
        }
    };
    let back = |name: &str| format!("{}/results/{name}", platform.base);
    let set = profile_answer(
        "PUT",
        format!("{profiles_url}/{session_id}"),
        Some(json!({
            "response_url": back("profile"),
            "charging_profile": {
                "charging_rate_unit": "W",
                "charging_profile_period": [
                    {"start_period": 0, "limit": 11000}, {"start_period": 1800, "limit": 3700}
                ]
            }
        })),
    )
    .await;
    assert_eq!(set["result"], "ACCEPTED", "{set:#}");
    let Asked::Profile(installed) = next(&mut requests).await else {
        panic!("a charging profile");
    };
    let profile = &installed.cs_charging_profiles;
    assert_eq!(installed.connector_id, 1);
    assert_eq!(profile.transaction_id, Some(started.transaction_id));
    assert_eq!(
        profile.charging_profile_purpose,
        v16::ChargingProfilePurposeType::TxProfile
    );
    assert_eq!(profile.charging_schedule.charging_schedule_period.len(), 2);
    let (result, _) = platform.result("profile").await;
    assert_eq!(result, json!({"result": "ACCEPTED"}));
    let station_id = api.get("/stations?identity_prefix=DEMO-1").expect(200)["items"][0]["id"]
        .as_i64()
        .expect("the station");
    let held = |api: &common::Api| {
        api.get(&format!("/stations/{station_id}/charging-profiles"))
            .expect(200)["items"]
            .clone()
    };
    let kept = held(&api);
    assert_eq!(kept[0]["purpose"], "TxProfile", "{kept:#}");
    assert_eq!(
        kept[0]["profile_id"],
        json!(profile.charging_profile_id),
        "{kept:#}"
    );
    let encoded = |url: String| url.replace(':', "%3A").replace('/', "%2F");
    let active = profile_answer(
        "GET",
        format!(
            "{profiles_url}/{session_id}?duration=900&response_url={}",
            encoded(back("active"))
        ),
        None,
    )
    .await;
    assert_eq!(active["result"], "ACCEPTED", "{active:#}");
    let Asked::Schedule(asked) = next(&mut requests).await else {
        panic!("a composite schedule");
    };
    assert_eq!((asked.connector_id, asked.duration), (1, 900));
    let (result, _) = platform.result("active").await;
    assert_eq!(result["result"], "ACCEPTED", "{result:#}");
    let steered = &result["profile"]["charging_profile"];
    assert_eq!(steered["duration"], 900, "{result:#}");
    assert_eq!(
        steered["charging_profile_period"],
        json!([{"start_period": 0, "limit": 11000}, {"start_period": 1800, "limit": 3700}]),
        "{result:#}"
    );
    for (name, expected) in [("clear", "ACCEPTED"), ("clear-again", "UNKNOWN")] {
        let clear = profile_answer(
            "DELETE",
            format!(
                "{profiles_url}/{session_id}?response_url={}",
                encoded(back(name))
            ),
            None,
        )
        .await;
        assert_eq!(clear["result"], "ACCEPTED", "{clear:#}");
        let Asked::Clear(asked) = next(&mut requests).await else {
            panic!("a profile cleared");
        };
        assert_eq!(asked.id, Some(profile.charging_profile_id));
        let (result, _) = platform.result(name).await;
        assert_eq!(result["result"], expected, "{result:#}");
    }
    assert_eq!(
        held(&api),
        json!([]),
        "the profile cleared is no longer kept"
    );
    let other = profile_answer(
        "DELETE",
        format!(
            "{profiles_url}/999999?response_url={}",
            encoded(back("none"))
        ),
        None,
    )
    .await;
    assert_eq!(other["result"], "UNKNOWN_SESSION", "{other:#}");

    // Only its own sessions can be stopped.
    let unknown = command(
        "STOP_SESSION",
        json!({
            "response_url": format!("{}/results/other", platform.base),
            "session_id": "999999"
        }),
    )
    .await;
    assert_eq!(
        serde_json::to_value(&unknown).unwrap()["result"],
        "UNKNOWN_SESSION"
    );

    // The eMSP stops it.
    let stopping = command(
        "STOP_SESSION",
        json!({
            "response_url": format!("{}/results/flaky-stop", platform.base),
            "session_id": session_id
        }),
    )
    .await;
    assert_eq!(
        serde_json::to_value(&stopping).unwrap()["result"],
        "ACCEPTED"
    );
    let Asked::Stop(stop) = next(&mut requests).await else {
        panic!("a remote stop");
    };
    assert_eq!(stop.transaction_id, started.transaction_id);
    handle
        .call(&message::<v16::StopTransactionRequest>(json!({
            "transactionId": started.transaction_id, "idTag": "ROAMCMD1", "meterStop": 4000,
            "timestamp": chrono::Utc::now(), "reason": "Remote"
        })))
        .await
        .expect("stop answered");
    status(&handle, 1, "Available").await;
    // The eMSP's platform refuses the first POST of this result: it comes again.
    let (result, _) = platform.result("flaky-stop").await;
    assert_eq!(result["result"], "ACCEPTED", "{result:#}");
    let pushes = api
        .get(&format!("/roaming-partners/{partner}/pushes"))
        .expect(200);
    let results: Vec<&Value> = pushes["items"]
        .as_array()
        .expect("pushes")
        .iter()
        .filter(|push| push["event"] == "roaming.command_result")
        .collect();
    assert_eq!(results.len(), 2, "{pushes:#}");
    let retried = results
        .iter()
        .find(|push| push["attempts"] == 2)
        .unwrap_or_else(|| panic!("a result delivered at the second attempt: {pushes:#}"));
    assert_eq!(retried["status"], "delivered", "{pushes:#}");
    let sessions: Vec<Session> = client
        .get_all(&sessions_url, &registered.auth, &PageRequest::default())
        .await
        .expect("sessions");
    let session = serde_json::to_value(&sessions[0]).unwrap();
    assert_eq!(session["status"], "COMPLETED", "{session:#}");
    assert_eq!(session["kwh"].as_f64(), Some(3.0), "{session:#}");

    // The eMSP reserves the EVSE for its driver: the station gets the reservation's own id.
    let in_an_hour = chrono::Utc::now() + chrono::Duration::hours(1);
    let reserve = |name: &str, id: &str, expiry: chrono::DateTime<chrono::Utc>, evse: bool| {
        let mut body = json!({
            "response_url": format!("{}/results/{name}", platform.base),
            "token": token, "expiry_date": expiry.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "reservation_id": id, "location_id": location
        });
        if evse {
            body["evse_uid"] = json!("NL*DEM*E1");
        }
        command("RESERVE_NOW", body)
    };
    let reserved = reserve("reserve", "Res-1", in_an_hour, true).await;
    assert_eq!(
        serde_json::to_value(&reserved).unwrap()["result"],
        "ACCEPTED"
    );
    let Asked::Reserve(sent) = next(&mut requests).await else {
        panic!("a reservation");
    };
    assert_eq!((sent.connector_id, sent.id_tag.as_str()), (1, "ROAMCMD1"));
    let sent_id = sent.reservation_id;
    let (result, _) = platform.result("reserve").await;
    assert_eq!(result["result"], "ACCEPTED", "{result:#}");
    let reservations = api
        .get(&format!("/stations/{station_id}/reservations"))
        .expect(200);
    let held = &reservations["items"][0];
    assert_eq!(held["id"], json!(sent_id), "{reservations:#}");
    assert_eq!(held["status"], "active", "{reservations:#}");
    assert_eq!(held["partner"]["partner_id"], json!(partner));
    assert_eq!(held["partner"]["reservation_id"], "res-1");

    // The same reservation id again replaces it: same id at the station, the new expiry.
    let later = in_an_hour + chrono::Duration::hours(1);
    let replaced = reserve("replace", "RES-1", later, true).await;
    assert_eq!(
        serde_json::to_value(&replaced).unwrap()["result"],
        "ACCEPTED"
    );
    let Asked::Reserve(again) = next(&mut requests).await else {
        panic!("the reservation again");
    };
    assert_eq!(again.reservation_id, sent_id);
    assert_eq!(again.expiry_date.timestamp(), later.timestamp());
    let (result, _) = platform.result("replace").await;
    assert_eq!(result["result"], "ACCEPTED", "{result:#}");

    // Any EVSE: connector 0, which this station refuses as occupied.
    let anywhere = reserve("anywhere", "Res-2", in_an_hour, false).await;
    assert_eq!(
        serde_json::to_value(&anywhere).unwrap()["result"],
        "ACCEPTED"
    );
    let Asked::Reserve(whole) = next(&mut requests).await else {
        panic!("a reservation of the station");
    };
    assert_eq!(whole.connector_id, 0);
    assert_ne!(whole.reservation_id, sent_id);
    let (result, _) = platform.result("anywhere").await;
    assert_eq!(result["result"], "EVSE_OCCUPIED", "{result:#}");

    // Cancelled by the partner's id: the station is asked to cancel the reservation's own.
    let cancel = |name: &str, id: &str| {
        command(
            "CANCEL_RESERVATION",
            json!({
                "response_url": format!("{}/results/{name}", platform.base),
                "reservation_id": id
            }),
        )
    };
    let cancelling = cancel("cancel", "res-1").await;
    assert_eq!(
        serde_json::to_value(&cancelling).unwrap()["result"],
        "ACCEPTED"
    );
    let Asked::Cancel(cancelled) = next(&mut requests).await else {
        panic!("a cancellation");
    };
    assert_eq!(cancelled.reservation_id, sent_id);
    let (result, _) = platform.result("cancel").await;
    assert_eq!(result["result"], "ACCEPTED", "{result:#}");
    let reservations = api
        .get(&format!("/stations/{station_id}/reservations"))
        .expect(200);
    let statuses: Vec<(&Value, &Value)> = reservations["items"]
        .as_array()
        .expect("reservations")
        .iter()
        .map(|held| (&held["id"], &held["status"]))
        .collect();
    assert_eq!(
        statuses,
        [
            (&json!(whole.reservation_id), &json!("refused")),
            (&json!(sent_id), &json!("cancelled")),
        ]
    );
    // Neither an ended reservation nor one of no partner's is cancelled again.
    for id in ["Res-1", "Res-2", "R-NONE"] {
        let refused = cancel("none", id).await;
        let refused = serde_json::to_value(&refused).unwrap();
        assert_eq!(refused["result"], "REJECTED", "{refused:#}");
    }

    // What a hub tells of its other clients reaches the operator.
    let hub_url = registered
        .endpoint("hubclientinfo", Some(InterfaceRole::Receiver))
        .expect("a HubClientInfo Receiver")
        .to_owned();
    let info = json!({
        "country_code": "DE", "party_id": "EMB", "role": "EMSP", "status": "OFFLINE",
        "last_updated": "2026-03-01T10:00:00Z"
    });
    client
        .put::<_, Value>(&format!("{hub_url}/DE/EMB"), &registered.auth, &info)
        .await
        .expect("the client info is taken");
    let told = api
        .get(&format!("/roaming-partners/{partner}/client-info"))
        .expect(200);
    assert_eq!(told["items"], json!([info]), "{told:#}");

    // The station commands are audited as the partner's.
    let audit = api.get("/audit").expect(200);
    let by_partner: Vec<&Value> = audit["items"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|entry| entry["actor"] == json!({"kind": "roaming_partner", "id": partner}))
        .collect();
    let actions: Vec<&str> = by_partner
        .iter()
        .filter_map(|entry| entry["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "station.cancel_reservation",
            "station.reserve_now",
            "station.reserve_now",
            "station.reserve_now",
            "station.remote_stop",
            "station.clear_charging_profile",
            "station.clear_charging_profile",
            "station.get_composite_schedule",
            "station.set_charging_profile",
            "station.remote_start"
        ],
        "{audit:#}"
    );
}
