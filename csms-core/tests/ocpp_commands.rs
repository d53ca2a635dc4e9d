//! Operator commands over real sockets to simulated 1.6 and 2.0.1 stations: mapped to each
//! version, answered with a normalized outcome and the typed answer, and audited whatever
//! the outcome (accepted, rejected, CallError, timeout, not connected, invalid, unknown
//! station).

mod ocpp_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use csms_core::model::{Actor, ReservationId, ReservationStatus, UnknownStationPolicy, UserId};
use csms_core::ocpp::commands::{
    Command, LocalListEntry, Outcome, ResetKind, VariableRef, VariableToSet,
};
use csms_core::store::{
    AuditStore, ChargingProfileStore, ConfigurationStore, ReservationStore, StationStore,
};
use ocpp_server::Router;
use ocpp_support::{sqlite, sqlite_with};
use ocpp_types::{OcppVersion, v16, v201};
use serde_json::json;

type Seen = Arc<Mutex<Vec<String>>>;

fn note(seen: &Seen, what: String) {
    seen.lock().unwrap().push(what);
}

/// A 1.6 station that answers the commands it supports, noting what it received; it has
/// no ReserveNow handler (answered NotImplemented).
fn station_v16(seen: &Seen) -> Router {
    let s = seen.clone();
    let router = Router::new().on(move |_ctx, request: v16::ResetRequest| {
        note(&s, format!("Reset {}", request.kind));
        async {
            Ok(v16::ResetResponse {
                status: v16::ResetStatus::Accepted,
            })
        }
    });
    let s = seen.clone();
    let router = router.on(move |_ctx, request: v16::UnlockConnectorRequest| {
        note(&s, format!("Unlock {}", request.connector_id));
        async {
            Ok(v16::UnlockConnectorResponse {
                status: v16::UnlockStatus::Unlocked,
            })
        }
    });
    let s = seen.clone();
    let router = router.on(move |_ctx, request: v16::ChangeConfigurationRequest| {
        note(
            &s,
            format!("ChangeConfiguration {}={}", request.key, request.value),
        );
        let status = if request.key == "HeartbeatInterval" {
            v16::ConfigurationStatus::Accepted
        } else {
            v16::ConfigurationStatus::NotSupported
        };
        async { Ok(v16::ChangeConfigurationResponse { status }) }
    });
    let router = router.on(|_ctx, request: v16::GetConfigurationRequest| async move {
        let keys = request.key.unwrap_or_default();
        Ok(v16::GetConfigurationResponse {
            configuration_key: Some(vec![v16::KeyValue {
                key: keys.first().cloned().unwrap_or_default(),
                readonly: false,
                value: Some("300".into()),
            }]),
            unknown_key: None,
        })
    });
    let s = seen.clone();
    let router = router.on(move |_ctx, request: v16::RemoteStartTransactionRequest| {
        note(
            &s,
            format!("RemoteStart {:?} {}", request.connector_id, request.id_tag),
        );
        async {
            Ok(v16::RemoteStartTransactionResponse {
                status: v16::RemoteStartStopStatus::Accepted,
            })
        }
    });
    let router = router.on(
        |_ctx, request: v16::RemoteStopTransactionRequest| async move {
            let status = if request.transaction_id == 42 {
                v16::RemoteStartStopStatus::Accepted
            } else {
                v16::RemoteStartStopStatus::Rejected
            };
            Ok(v16::RemoteStopTransactionResponse { status })
        },
    );
    let router = router.on(|_ctx, _request: v16::ChangeAvailabilityRequest| async {
        Ok(v16::ChangeAvailabilityResponse {
            status: v16::AvailabilityStatus::Scheduled,
        })
    });
    let router = router.on(|_ctx, _request: v16::TriggerMessageRequest| async {
        Ok(v16::TriggerMessageResponse {
            status: v16::TriggerMessageStatus::Accepted,
        })
    });
    let router = router.on(|_ctx, _request: v16::CancelReservationRequest| async {
        Ok(v16::CancelReservationResponse {
            status: v16::CancelReservationStatus::Rejected,
        })
    });
    let s = seen.clone();
    let router = router.on(move |_ctx, request: v16::SetChargingProfileRequest| {
        note(
            &s,
            format!(
                "SetChargingProfile {}",
                request.cs_charging_profiles.charging_profile_id
            ),
        );
        async {
            Ok(v16::SetChargingProfileResponse {
                status: v16::ChargingProfileStatus::Accepted,
            })
        }
    });
    let router = router.on(|_ctx, _request: v16::ClearChargingProfileRequest| async {
        Ok(v16::ClearChargingProfileResponse {
            status: v16::ClearChargingProfileStatus::Unknown,
        })
    });
    let s = seen.clone();
    router.on(move |_ctx, request: v16::SendLocalListRequest| {
        let list = request.local_authorization_list.unwrap_or_default();
        note(
            &s,
            format!(
                "SendLocalList {} {} entries",
                request.list_version,
                list.len()
            ),
        );
        async {
            Ok(v16::SendLocalListResponse {
                status: v16::UpdateStatus::Accepted,
            })
        }
    })
}

/// A 2.0.1 station for a few commands.
fn station_v201(seen: &Seen) -> Router {
    let s = seen.clone();
    let router = Router::new().on(move |_ctx, request: v201::ResetRequest| {
        note(&s, format!("Reset {}", request.kind));
        async { Ok(v201::ResetResponse::new(v201::ResetStatus::Accepted)) }
    });
    let router = router.on(|_ctx, request: v201::SetVariablesRequest| async move {
        let results = request
            .set_variable_data
            .into_iter()
            .map(|data| {
                let status = if data.variable.name == "HeartbeatInterval" {
                    v201::SetVariableStatus::Accepted
                } else {
                    v201::SetVariableStatus::UnknownVariable
                };
                v201::SetVariableResult::new(status, data.component, data.variable)
            })
            .collect();
        Ok(v201::SetVariablesResponse::new(results))
    });
    let router = router.on(|_ctx, request: v201::GetVariablesRequest| async move {
        let results = request
            .get_variable_data
            .into_iter()
            .map(|data| {
                let mut result = v201::GetVariableResult::new(
                    v201::GetVariableStatus::Accepted,
                    data.component,
                    data.variable,
                );
                result.attribute_value = Some("60".into());
                result
            })
            .collect();
        Ok(v201::GetVariablesResponse::new(results))
    });
    let s = seen.clone();
    let router = router.on(move |_ctx, request: v201::RequestStartTransactionRequest| {
        note(
            &s,
            format!(
                "RequestStart {:?} {}",
                request.evse_id, request.id_token.id_token
            ),
        );
        async {
            Ok(v201::RequestStartTransactionResponse::new(
                v201::RequestStartStopStatus::Accepted,
            ))
        }
    });
    router.on(|_ctx, _request: v201::UnlockConnectorRequest| async {
        Ok(v201::UnlockConnectorResponse::new(
            v201::UnlockStatus::Unlocked,
        ))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_to_a_16_station_are_mapped_answered_and_audited() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    h.station("CP-CMD").await;
    let seen = Seen::default();
    let _cp = h
        .connect("CP-CMD", OcppVersion::V16, station_v16(&seen))
        .await;
    let handle = h.handle("CP-CMD").await;
    let commands = h.csms.commands();
    let operator = Actor::User(UserId(5));
    let send = |command: Command| {
        let commands = commands.clone();
        let handle = handle.clone();
        let operator = operator.clone();
        let tenant = h.tenant;
        async move {
            commands
                .send(tenant, operator, "CP-CMD", &handle, &command)
                .await
                .expect("audited")
        }
    };

    let reset = send(Command::Reset {
        kind: ResetKind::Soft,
        evse: None,
    })
    .await;
    assert_eq!(reset.outcome, Outcome::Accepted);
    assert_eq!(reset.status.as_deref(), Some("Accepted"));
    assert_eq!(reset.response, Some(json!({"status": "Accepted"})));

    let unlock = send(Command::Unlock {
        evse: Some(2),
        connector: 1,
    })
    .await;
    assert_eq!(unlock.outcome, Outcome::Accepted);
    assert_eq!(unlock.status.as_deref(), Some("Unlocked"));

    let start = send(Command::RemoteStart {
        evse: Some(1),
        connector: None,
        id_token: "TAG-9".into(),
        remote_start_id: None,
        charging_profile: None,
    })
    .await;
    assert_eq!(start.outcome, Outcome::Accepted);
    assert_eq!(
        send(Command::RemoteStop {
            transaction_id: "42".into()
        })
        .await
        .outcome,
        Outcome::Accepted
    );
    let refused = send(Command::RemoteStop {
        transaction_id: "41".into(),
    })
    .await;
    assert_eq!(refused.outcome, Outcome::Rejected);
    assert_eq!(refused.status.as_deref(), Some("Rejected"));
    let invalid = send(Command::RemoteStop {
        transaction_id: "TX-A".into(),
    })
    .await;
    assert_eq!(invalid.outcome, Outcome::Invalid);

    let set = send(Command::SetVariables {
        variables: vec![
            VariableToSet {
                component: None,
                variable: "HeartbeatInterval".into(),
                value: "60".into(),
            },
            VariableToSet {
                component: None,
                variable: "Frobnicate".into(),
                value: "1".into(),
            },
        ],
    })
    .await;
    assert_eq!(set.outcome, Outcome::Rejected);
    assert_eq!(set.status.as_deref(), Some("NotSupported"));
    // The key the station accepted is kept with its new value; the other one is not.
    let station = h
        .store
        .station_by_identity(h.tenant, "CP-CMD")
        .await
        .unwrap()
        .unwrap();
    let keys = h.store.configuration(h.tenant, station.id).await.unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0].key, "HeartbeatInterval");
    assert_eq!(keys[0].value.as_deref(), Some("60"));
    assert_eq!(
        set.response
            .as_ref()
            .and_then(|r| r.as_array())
            .map(Vec::len),
        Some(2)
    );

    let get = send(Command::GetVariables {
        variables: vec![VariableRef {
            component: None,
            variable: "HeartbeatInterval".into(),
        }],
    })
    .await;
    assert_eq!(get.outcome, Outcome::Accepted);
    assert_eq!(get.response.unwrap()["configurationKey"][0]["value"], "300");
    // What the station read out is kept.
    let keys = h.store.configuration(h.tenant, station.id).await.unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0].value.as_deref(), Some("300"));
    let report = send(Command::GetBaseReport {
        request_id: None,
        report_base: "FullInventory".into(),
    })
    .await;
    assert_eq!(report.outcome, Outcome::Invalid, "1.6 has no device model");

    let availability = send(Command::ChangeAvailability {
        evse: Some(1),
        connector: None,
        operative: false,
    })
    .await;
    assert_eq!(availability.status.as_deref(), Some("Scheduled"));
    assert_eq!(availability.outcome, Outcome::Accepted);
    let trigger = send(Command::TriggerMessage {
        message: "StatusNotification".into(),
        evse: Some(1),
        connector: None,
    })
    .await;
    assert_eq!(trigger.outcome, Outcome::Accepted);
    let bad_trigger = send(Command::TriggerMessage {
        message: "Coffee".into(),
        evse: None,
        connector: None,
    })
    .await;
    assert_eq!(bad_trigger.outcome, Outcome::Invalid);

    let reserve = send(Command::ReserveNow {
        reservation_id: None,
        evse: Some(1),
        id_token: "TAG-9".into(),
        group: None,
        expires_at: Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap(),
    })
    .await;
    assert_eq!(
        reserve.outcome,
        Outcome::CallError,
        "the station has no ReserveNow"
    );
    assert!(reserve.error.as_deref().unwrap().contains("NotImplemented"));
    let recorded = reserve.reservation_id.expect("recorded");
    assert_eq!(
        h.store
            .reservation(h.tenant, recorded)
            .await
            .unwrap()
            .map(|r| r.status),
        Some(ReservationStatus::Refused),
        "a reservation the station did not take never holds"
    );
    assert_eq!(
        send(Command::CancelReservation { reservation_id: 5 })
            .await
            .outcome,
        Outcome::Rejected
    );

    let profile = json!({
        "chargingProfileId": 7, "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Absolute",
        "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}]}
    });
    let set_profile = send(Command::SetChargingProfile { evse: 1, profile }).await;
    assert_eq!(set_profile.outcome, Outcome::Accepted);
    // The accepted profile is kept with the station.
    let held = h
        .store
        .charging_profiles(h.tenant, station.id)
        .await
        .unwrap();
    assert_eq!(
        held.iter()
            .map(|p| (p.evse_id, p.profile_id, p.stack_level, p.purpose.as_str()))
            .collect::<Vec<_>>(),
        [(1, 7, 0, "TxDefaultProfile")]
    );
    let bad_profile = send(Command::SetChargingProfile {
        evse: 1,
        profile: json!({"limit": 16}),
    })
    .await;
    assert_eq!(bad_profile.outcome, Outcome::Invalid);
    let clear = send(Command::ClearChargingProfile {
        profile_id: Some(7),
        evse: None,
        purpose: None,
        stack_level: None,
    })
    .await;
    assert_eq!(clear.outcome, Outcome::Rejected);
    assert_eq!(clear.status.as_deref(), Some("Unknown"));
    assert!(
        h.store
            .charging_profiles(h.tenant, station.id)
            .await
            .unwrap()
            .is_empty(),
        "the station holds no such profile: neither does its record"
    );

    let list = send(Command::SendLocalList {
        version: 3,
        full: true,
        entries: vec![
            LocalListEntry {
                id_token: "A".into(),
                status: Some(csms_core::model::TokenStatus::Accepted),
                expires_at: None,
                group: None,
            },
            LocalListEntry {
                id_token: "B".into(),
                status: Some(csms_core::model::TokenStatus::Blocked),
                expires_at: None,
                group: Some("G".into()),
            },
        ],
    })
    .await;
    assert_eq!(list.outcome, Outcome::Accepted);

    let received = seen.lock().unwrap().clone();
    assert_eq!(
        received,
        [
            "Reset Soft",
            "Unlock 2",
            "RemoteStart Some(1) TAG-9",
            "ChangeConfiguration HeartbeatInterval=60",
            "ChangeConfiguration Frobnicate=1",
            "SetChargingProfile 7",
            "SendLocalList 3 2 entries",
        ]
    );

    // Every command is in the audit log, with its actor, request and result.
    let log = h.store.audit_log(h.tenant, 100).await.unwrap();
    assert_eq!(log.len(), 18, "one entry per command");
    let reset_entry = log.last().unwrap();
    assert_eq!(reset_entry.action, "station.reset");
    assert_eq!(reset_entry.target, "station:CP-CMD");
    assert_eq!(reset_entry.actor, operator);
    let value = reset_entry.new_value.as_ref().unwrap();
    assert_eq!(
        value["request"],
        json!({"command": "reset", "kind": "soft", "evse": null})
    );
    assert_eq!(value["result"]["outcome"], "accepted");
    // The oldest invalid command: the 1.6 stop of a transaction id that is not a number.
    let invalid_entry = log
        .iter()
        .rev()
        .find(|e| e.new_value.as_ref().unwrap()["result"]["outcome"] == "invalid")
        .unwrap();
    assert_eq!(invalid_entry.action, "station.remote_stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_to_a_201_station_use_its_messages() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    h.station("CS-CMD").await;
    let seen = Seen::default();
    let _cp = h
        .connect("CS-CMD", OcppVersion::V201, station_v201(&seen))
        .await;
    let handle = h.handle("CS-CMD").await;
    let commands = h.csms.commands();
    let send = |command: Command| {
        let commands = commands.clone();
        let handle = handle.clone();
        let tenant = h.tenant;
        async move {
            commands
                .send(tenant, Actor::System, "CS-CMD", &handle, &command)
                .await
                .expect("audited")
        }
    };
    let reset = send(Command::Reset {
        kind: ResetKind::Hard,
        evse: None,
    })
    .await;
    assert_eq!(reset.outcome, Outcome::Accepted);
    let set = send(Command::SetVariables {
        variables: vec![VariableToSet {
            component: Some("OCPPCommCtrlr".into()),
            variable: "HeartbeatInterval".into(),
            value: "60".into(),
        }],
    })
    .await;
    assert_eq!(set.outcome, Outcome::Accepted);
    let unknown = send(Command::SetVariables {
        variables: vec![VariableToSet {
            component: Some("OCPPCommCtrlr".into()),
            variable: "Nope".into(),
            value: "1".into(),
        }],
    })
    .await;
    assert_eq!(unknown.outcome, Outcome::Rejected);
    assert_eq!(unknown.status.as_deref(), Some("UnknownVariable"));
    let no_component = send(Command::SetVariables {
        variables: vec![VariableToSet {
            component: None,
            variable: "HeartbeatInterval".into(),
            value: "60".into(),
        }],
    })
    .await;
    assert_eq!(no_component.outcome, Outcome::Invalid);
    let get = send(Command::GetVariables {
        variables: vec![VariableRef {
            component: Some("OCPPCommCtrlr".into()),
            variable: "HeartbeatInterval".into(),
        }],
    })
    .await;
    assert_eq!(
        get.response.unwrap()["getVariableResult"][0]["attributeValue"],
        "60"
    );
    let start = send(Command::RemoteStart {
        evse: Some(2),
        connector: None,
        id_token: "TAG-7".into(),
        remote_start_id: Some(11),
        charging_profile: None,
    })
    .await;
    assert_eq!(start.outcome, Outcome::Accepted);
    let unlock = send(Command::Unlock {
        evse: None,
        connector: 1,
    })
    .await;
    assert_eq!(unlock.outcome, Outcome::Invalid, "2.0.1 needs the EVSE");
    let unlock = send(Command::Unlock {
        evse: Some(1),
        connector: 1,
    })
    .await;
    assert_eq!(unlock.status.as_deref(), Some("Unlocked"));
    assert_eq!(
        seen.lock().unwrap().clone(),
        ["Reset Immediate", "RequestStart Some(2) TAG-7"]
    );
    assert_eq!(h.store.audit_log(h.tenant, 100).await.unwrap().len(), 8);
}

/// A 2.0.1 station that takes reservations except of EVSE 3 (occupied), and cancels the
/// ones it holds.
fn reserving_station(seen: &Seen) -> Router {
    let held = Arc::new(Mutex::new(Vec::<i32>::new()));
    let (s, h) = (seen.clone(), held.clone());
    let router = Router::new().on(move |_ctx, request: v201::ReserveNowRequest| {
        note(
            &s,
            format!(
                "ReserveNow {} {:?} {}",
                request.id, request.evse_id, request.id_token.id_token
            ),
        );
        let status = if request.evse_id == Some(3) {
            v201::ReserveNowStatus::Occupied
        } else {
            let mut held = h.lock().unwrap();
            if !held.contains(&request.id) {
                held.push(request.id);
            }
            v201::ReserveNowStatus::Accepted
        };
        async move { Ok(v201::ReserveNowResponse::new(status)) }
    });
    let s = seen.clone();
    router.on(move |_ctx, request: v201::CancelReservationRequest| {
        note(&s, format!("CancelReservation {}", request.reservation_id));
        let mut held = held.lock().unwrap();
        let status = match held.iter().position(|id| *id == request.reservation_id) {
            Some(at) => {
                held.remove(at);
                v201::CancelReservationStatus::Accepted
            }
            None => v201::CancelReservationStatus::Rejected,
        };
        async move { Ok(v201::CancelReservationResponse::new(status)) }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reservations_are_recorded_sent_with_their_id_and_settled_by_the_answer() {
    let h = sqlite(UnknownStationPolicy::Reject).await;
    h.station("CS-RES").await;
    let seen = Seen::default();
    let _cp = h
        .connect("CS-RES", OcppVersion::V201, reserving_station(&seen))
        .await;
    let handle = h.handle("CS-RES").await;
    let commands = h.csms.commands();
    let send = |command: Command| {
        let commands = commands.clone();
        let handle = handle.clone();
        let tenant = h.tenant;
        async move {
            commands
                .send(tenant, Actor::System, "CS-RES", &handle, &command)
                .await
                .expect("audited")
        }
    };
    let status = |id: ReservationId| {
        let store = h.store.clone();
        let tenant = h.tenant;
        async move {
            let held = store.reservation(tenant, id).await.unwrap().unwrap();
            (held.status, held.evse_id)
        }
    };
    let reserve = |reservation_id: Option<i32>, evse: i32| Command::ReserveNow {
        reservation_id,
        evse: Some(evse),
        id_token: "TAG-R".into(),
        group: None,
        expires_at: Utc::now() + chrono::Duration::hours(1),
    };

    // Recorded, and sent with the record's id.
    let made = send(reserve(None, 1)).await;
    assert_eq!(made.outcome, Outcome::Accepted);
    let id = made.reservation_id.expect("recorded");
    assert_eq!(status(id).await, (ReservationStatus::Active, Some(1)));
    // The EVSE is reserved: nothing is sent for a second reservation of it.
    let again = send(reserve(None, 1)).await;
    assert_eq!(again.outcome, Outcome::Invalid, "{again:?}");
    // A refusal leaves a refused record.
    let occupied = send(reserve(None, 3)).await;
    assert_eq!(occupied.outcome, Outcome::Rejected);
    assert_eq!(occupied.status.as_deref(), Some("Occupied"));
    let refused = occupied.reservation_id.expect("recorded");
    assert_eq!(status(refused).await, (ReservationStatus::Refused, Some(3)));
    // Sent again with its id, the reservation is replaced: the record follows.
    let sent = i32::try_from(id.0).unwrap();
    let moved = send(reserve(Some(sent), 2)).await;
    assert_eq!(moved.outcome, Outcome::Accepted);
    assert_eq!(moved.reservation_id, Some(id));
    assert_eq!(status(id).await, (ReservationStatus::Active, Some(2)));
    // A replacement of what the station does not hold sends nothing.
    let unknown = send(reserve(Some(sent + 100), 2)).await;
    assert_eq!(unknown.outcome, Outcome::Invalid);
    let refused_sent = i32::try_from(refused.0).unwrap();
    let ended = send(reserve(Some(refused_sent), 2)).await;
    assert_eq!(
        ended.outcome,
        Outcome::Invalid,
        "a refused one is not active"
    );

    let cancel = send(Command::CancelReservation {
        reservation_id: sent,
    })
    .await;
    assert_eq!(cancel.outcome, Outcome::Accepted);
    assert_eq!(status(id).await, (ReservationStatus::Cancelled, Some(2)));
    let again = send(Command::CancelReservation {
        reservation_id: sent,
    })
    .await;
    assert_eq!(again.outcome, Outcome::Rejected, "the station holds none");
    assert_eq!(
        seen.lock().unwrap().clone(),
        [
            format!("ReserveNow {id} Some(1) TAG-R"),
            format!("ReserveNow {refused} Some(3) TAG-R"),
            format!("ReserveNow {id} Some(2) TAG-R"),
            format!("CancelReservation {id}"),
            format!("CancelReservation {id}"),
        ]
    );
    // Every command is audited, with the id it was sent.
    let audit = h.store.audit_log(h.tenant, 100).await.unwrap();
    assert_eq!(audit.len(), 8);
    let first = audit
        .iter()
        .rev()
        .find(|entry| entry.action == "station.reserve_now")
        .unwrap();
    assert_eq!(
        first.new_value.as_ref().unwrap()["request"]["reservation_id"],
        json!(id.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_that_reach_no_station_are_audited_too() {
    let h = sqlite_with(UnknownStationPolicy::Reject, |config| {
        config.call_timeout = Duration::from_millis(300);
    })
    .await;
    h.station("CP-AWAY").await;
    h.station("CP-SLOW").await;
    let commands = h.csms.commands();
    let reset = Command::Reset {
        kind: ResetKind::Hard,
        evse: None,
    };

    // Registered, not connected.
    let result = commands
        .send(h.tenant, Actor::System, "CP-AWAY", &h.server, &reset)
        .await
        .unwrap();
    assert_eq!(result.outcome, Outcome::NotConnected);

    // A station that does not answer in time.
    let slow = Router::new().on(|_ctx, _request: v16::ResetRequest| async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        Ok(v16::ResetResponse {
            status: v16::ResetStatus::Accepted,
        })
    });
    let _cp = h.connect("CP-SLOW", OcppVersion::V16, slow).await;
    let handle = h.handle("CP-SLOW").await;
    let result = commands
        .send(h.tenant, Actor::System, "CP-SLOW", &handle, &reset)
        .await
        .unwrap();
    assert_eq!(result.outcome, Outcome::Timeout);

    // No such station for this tenant (nor any other).
    let result = commands
        .send(h.tenant, Actor::System, "CP-NOWHERE", &handle, &reset)
        .await
        .unwrap();
    assert_eq!(result.outcome, Outcome::UnknownStation);

    // Another station's connection is not used.
    let result = commands
        .send(h.tenant, Actor::System, "CP-AWAY", &handle, &reset)
        .await
        .unwrap();
    assert_eq!(result.outcome, Outcome::Invalid);

    let log = h.store.audit_log(h.tenant, 10).await.unwrap();
    let outcomes: Vec<_> = log
        .iter()
        .map(|e| {
            e.new_value.as_ref().unwrap()["result"]["outcome"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        outcomes,
        ["invalid", "unknown_station", "timeout", "not_connected"]
    );
    assert!(log.iter().all(|e| e.action == "station.reset"));
}

/// Everything written to the log, at every level.
#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Secret settings sent to stations (a 2.0.1 Basic password, a 1.6 authorization key)
/// appear nowhere in the log, at any level, whatever the station answers.
#[tokio::test(flavor = "current_thread")]
async fn secret_settings_never_reach_the_log() {
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The process's subscriber, not this thread's: a subscriber set for one thread misses
    // events whose call sites another test's thread registered meanwhile, with no
    // subscriber of its own. Other tests of this file then log here too, with none of
    // this test's secret.
    tracing::subscriber::set_global_default(subscriber).expect("no other subscriber is set");

    let h = sqlite(UnknownStationPolicy::Reject).await;
    let seen = Seen::default();
    h.station("CS-SECRET").await;
    h.station("CP-SECRET").await;
    let _cs = h
        .connect("CS-SECRET", OcppVersion::V201, station_v201(&seen))
        .await;
    let _cp = h
        .connect("CP-SECRET", OcppVersion::V16, station_v16(&seen))
        .await;
    let secret = "0123456789abcdef-very-secret";
    let sends = [
        (
            "CS-SECRET",
            Command::SetVariables {
                variables: vec![VariableToSet {
                    component: Some("SecurityCtrlr".into()),
                    variable: "BasicAuthPassword".into(),
                    value: secret.into(),
                }],
            },
        ),
        (
            "CP-SECRET",
            Command::SetVariables {
                variables: vec![VariableToSet {
                    component: None,
                    variable: "AuthorizationKey".into(),
                    value: secret.into(),
                }],
            },
        ),
    ];
    for (identity, command) in &sends {
        let handle = h.handle(identity).await;
        let result = h
            .csms
            .commands()
            .send(h.tenant, Actor::System, identity, &handle, command)
            .await
            .expect("audited");
        assert_ne!(result.outcome, Outcome::NotConnected, "{identity}");
    }
    let written = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(
        written.contains("operator command"),
        "the log was captured: {written}"
    );
    assert!(!written.contains(secret), "a secret in the log:\n{written}");
}
