//! Commands as OCPP 2.0.1 messages, and as their 2.1 forms to 2.1 stations.

use chrono::Utc;
use ocpp_server::StationHandle;
use ocpp_types::{OcppCall, OcppVersion, v21 as o21, v201 as o201};

use super::{
    Command, CommandResult, Decided, Outcome, ResetKind, answer, call, from_json, invalid,
    sent_reservation_id, wire,
};
use crate::model::{TokenStatus, VariableValue};
use crate::ocpp::device_model::key_v201;

fn v201_status(status: TokenStatus) -> o201::AuthorizationStatus {
    match status {
        TokenStatus::Accepted => o201::AuthorizationStatus::Accepted,
        TokenStatus::Blocked => o201::AuthorizationStatus::Blocked,
        TokenStatus::Expired => o201::AuthorizationStatus::Expired,
        TokenStatus::Invalid => o201::AuthorizationStatus::Invalid,
    }
}

/// A 2.0.1 request and its 2.1 form, which extends it: the 2.0.1 request, written and read
/// back as the 2.1 type, is a valid 2.1 request.
trait In21: OcppCall {
    /// The same request in 2.1.
    type V21: OcppCall;
}

impl In21 for o201::RequestStartTransactionRequest {
    type V21 = o21::RequestStartTransactionRequest;
}
impl In21 for o201::RequestStopTransactionRequest {
    type V21 = o21::RequestStopTransactionRequest;
}
impl In21 for o201::ResetRequest {
    type V21 = o21::ResetRequest;
}
impl In21 for o201::UnlockConnectorRequest {
    type V21 = o21::UnlockConnectorRequest;
}
impl In21 for o201::ChangeAvailabilityRequest {
    type V21 = o21::ChangeAvailabilityRequest;
}
impl In21 for o201::SetVariablesRequest {
    type V21 = o21::SetVariablesRequest;
}
impl In21 for o201::GetVariablesRequest {
    type V21 = o21::GetVariablesRequest;
}
impl In21 for o201::TriggerMessageRequest {
    type V21 = o21::TriggerMessageRequest;
}
impl In21 for o201::ReserveNowRequest {
    type V21 = o21::ReserveNowRequest;
}
impl In21 for o201::CancelReservationRequest {
    type V21 = o21::CancelReservationRequest;
}
impl In21 for o201::GetCompositeScheduleRequest {
    type V21 = o21::GetCompositeScheduleRequest;
}
impl In21 for o201::SetChargingProfileRequest {
    type V21 = o21::SetChargingProfileRequest;
}
impl In21 for o201::ClearChargingProfileRequest {
    type V21 = o21::ClearChargingProfileRequest;
}
impl In21 for o201::SendLocalListRequest {
    type V21 = o21::SendLocalListRequest;
}
impl In21 for o201::GetBaseReportRequest {
    type V21 = o21::GetBaseReportRequest;
}

/// Sends a 2.0.1 request as the station's version has it (as is to a 2.0.1 station, in its
/// 2.1 form to a 2.1 station) and reads the answer as the 2.0.1 one (a 2.1 answer written
/// and read back: what 2.1 adds to it is left out).
async fn call_2x<C: In21>(
    handle: &StationHandle,
    request: &C,
) -> Result<C::Response, CommandResult> {
    if handle.version() != OcppVersion::V21 {
        return call(handle, request).await;
    }
    let response = call(handle, &in_21(request)?).await?;
    serde_json::to_value(&response)
        .and_then(serde_json::from_value::<C::Response>)
        .map_err(|error| {
            CommandResult::failed(
                Outcome::Failed,
                format!(
                    "the 2.1 answer to {} reads as no 2.0.1 one: {error}",
                    C::ACTION
                ),
            )
        })
}

/// Sends a 2.0.1 request as the station's version has it, and answers with the station's
/// own answer.
async fn exchange_2x<C>(handle: &StationHandle, request: &C) -> CommandResult
where
    C: In21,
    C::Response: Decided,
{
    match call_2x(handle, request).await {
        Ok(response) => answer(&response),
        Err(failed) => failed,
    }
}

/// A 2.0.1 request in its 2.1 form, or why it has none.
fn in_21<C: In21>(request: &C) -> Result<C::V21, CommandResult> {
    serde_json::to_value(request)
        .and_then(serde_json::from_value::<C::V21>)
        .map_err(|error| invalid(format!("{} has no 2.1 form: {error}", C::ACTION)))
}

/// A request id from the clock, for requests the operator gave none.
fn time_based_id() -> i32 {
    i32::try_from(
        Utc::now()
            .timestamp_millis()
            .rem_euclid(i64::from(i32::MAX)),
    )
    .unwrap_or(1)
}

/// Sends `command` to a 2.0.1 or 2.1 station.
pub(super) async fn run(handle: &StationHandle, command: &Command) -> CommandResult {
    match v201_call(handle, command).await {
        Ok(result) | Err(result) => result,
    }
}

fn central(id: &str) -> o201::IdToken {
    o201::IdToken::new(id, o201::IdTokenEnum::Central)
}

fn component(reference: Option<&String>, variable: &str) -> Result<o201::Component, CommandResult> {
    reference
        .map(o201::Component::new)
        .ok_or_else(|| invalid(format!("2.0.1 needs the component of {variable:?}")))
}

async fn v201_call(
    handle: &StationHandle,
    command: &Command,
) -> Result<CommandResult, CommandResult> {
    Ok(match command {
        Command::RemoteStart {
            evse,
            id_token,
            remote_start_id,
            charging_profile,
            ..
        } => {
            let id = remote_start_id.unwrap_or_else(time_based_id);
            let mut request = o201::RequestStartTransactionRequest::new(central(id_token), id);
            request.evse_id = *evse;
            if let Some(profile) = charging_profile {
                request.charging_profile = Some(from_json("charging_profile", profile)?);
            }
            exchange_2x(handle, &request).await
        }
        Command::RemoteStop { transaction_id } => {
            let request = o201::RequestStopTransactionRequest::new(transaction_id.clone());
            exchange_2x(handle, &request).await
        }
        Command::Reset { kind, evse } => {
            let mut request = o201::ResetRequest::new(match kind {
                ResetKind::Hard => o201::Reset::Immediate,
                ResetKind::Soft => o201::Reset::OnIdle,
            });
            request.evse_id = *evse;
            exchange_2x(handle, &request).await
        }
        Command::Unlock { evse, connector } => {
            let evse = evse.ok_or_else(|| invalid("2.0.1 unlock needs the evse"))?;
            exchange_2x(handle, &o201::UnlockConnectorRequest::new(*connector, evse)).await
        }
        Command::ChangeAvailability {
            evse,
            connector,
            operative,
        } => {
            let mut request = o201::ChangeAvailabilityRequest::new(if *operative {
                o201::OperationalStatus::Operative
            } else {
                o201::OperationalStatus::Inoperative
            });
            request.evse = evse.map(|id| {
                let mut evse = o201::Evse::new(id);
                evse.connector_id = *connector;
                evse
            });
            exchange_2x(handle, &request).await
        }
        Command::SetVariables { variables } => {
            if variables.is_empty() {
                return Err(invalid("no variables to set"));
            }
            let data = variables
                .iter()
                .map(|v| {
                    Ok(o201::SetVariableData::new(
                        v.value.clone(),
                        component(v.component.as_ref(), &v.variable)?,
                        o201::Variable::new(v.variable.clone()),
                    ))
                })
                .collect::<Result<Vec<_>, CommandResult>>()?;
            let request = o201::SetVariablesRequest::new(data);
            let response = call_2x(handle, &request).await?;
            let now = Utc::now();
            let mut result = answer(&response);
            result.settings.variables = response
                .set_variable_result
                .iter()
                .filter(|item| {
                    matches!(
                        item.attribute_status,
                        o201::SetVariableStatus::Accepted | o201::SetVariableStatus::RebootRequired
                    )
                })
                .filter_map(|item| {
                    let key = key_v201(
                        &item.component,
                        &item.variable,
                        item.attribute_type.as_ref(),
                    );
                    let sent = request.set_variable_data.iter().find(|data| {
                        key_v201(
                            &data.component,
                            &data.variable,
                            data.attribute_type.as_ref(),
                        ) == key
                    })?;
                    Some(VariableValue {
                        key,
                        value: Some(sent.attribute_value.clone()),
                        mutability: None,
                        reported_at: now,
                    })
                })
                .collect();
            result
        }
        Command::GetVariables { variables } => {
            if variables.is_empty() {
                return Err(invalid("2.0.1 GetVariables needs at least one variable"));
            }
            let data = variables
                .iter()
                .map(|v| {
                    Ok(o201::GetVariableData::new(
                        component(v.component.as_ref(), &v.variable)?,
                        o201::Variable::new(v.variable.clone()),
                    ))
                })
                .collect::<Result<Vec<_>, CommandResult>>()?;
            let response = call_2x(handle, &o201::GetVariablesRequest::new(data)).await?;
            let now = Utc::now();
            let mut result = answer(&response);
            result.settings.variables = response
                .get_variable_result
                .iter()
                .filter(|item| item.attribute_status == o201::GetVariableStatus::Accepted)
                .map(|item| VariableValue {
                    key: key_v201(
                        &item.component,
                        &item.variable,
                        item.attribute_type.as_ref(),
                    ),
                    value: item.attribute_value.clone(),
                    mutability: None,
                    reported_at: now,
                })
                .collect();
            result
        }
        Command::GetBaseReport {
            request_id,
            report_base,
        } => {
            let request_id = request_id.unwrap_or_else(time_based_id);
            let request =
                o201::GetBaseReportRequest::new(wire("2.x report base", report_base)?, request_id);
            exchange_2x(handle, &request).await
        }
        Command::TriggerMessage {
            message,
            evse,
            connector,
        } => {
            let mut request =
                o201::TriggerMessageRequest::new(wire("2.0.1 trigger message", message)?);
            request.evse = evse.map(|id| {
                let mut evse = o201::Evse::new(id);
                evse.connector_id = *connector;
                evse
            });
            exchange_2x(handle, &request).await
        }
        Command::ReserveNow {
            reservation_id,
            evse,
            id_token,
            group,
            expires_at,
        } => {
            let id = sent_reservation_id(*reservation_id)?;
            let mut request = o201::ReserveNowRequest::new(*expires_at, id, central(id_token));
            request.evse_id = *evse;
            request.group_id_token = group.as_deref().map(central);
            exchange_2x(handle, &request).await
        }
        Command::CancelReservation { reservation_id } => {
            exchange_2x(
                handle,
                &o201::CancelReservationRequest::new(*reservation_id),
            )
            .await
        }
        Command::SetChargingProfile { evse, profile } => {
            let request =
                o201::SetChargingProfileRequest::new(from_json("profile", profile)?, *evse);
            exchange_2x(handle, &request).await
        }
        Command::GetCompositeSchedule {
            evse,
            duration,
            unit,
        } => {
            let mut request = o201::GetCompositeScheduleRequest::new(*duration, *evse);
            request.charging_rate_unit = match unit {
                Some(text) => Some(wire("2.0.1 charging rate unit", text)?),
                None => None,
            };
            exchange_2x(handle, &request).await
        }
        Command::ClearChargingProfile {
            profile_id,
            evse,
            purpose,
            stack_level,
        } => {
            let purpose = match purpose {
                Some(text) => Some(wire("2.0.1 charging profile purpose", text)?),
                None => None,
            };
            let criteria =
                (evse.is_some() || purpose.is_some() || stack_level.is_some()).then(|| {
                    o201::ClearChargingProfile {
                        evse_id: *evse,
                        charging_profile_purpose: purpose,
                        stack_level: *stack_level,
                        ..Default::default()
                    }
                });
            let request = o201::ClearChargingProfileRequest {
                charging_profile_id: *profile_id,
                charging_profile_criteria: criteria,
                ..Default::default()
            };
            exchange_2x(handle, &request).await
        }
        Command::SendLocalList {
            version,
            full,
            entries,
        } => {
            let list = entries
                .iter()
                .map(|entry| {
                    let mut data = o201::AuthorizationData::new(central(&entry.id_token));
                    data.id_token_info = entry.status.map(|status| {
                        let mut info = o201::IdTokenInfo::new(v201_status(status));
                        info.cache_expiry_date_time = entry.expires_at;
                        info.group_id_token = entry.group.as_deref().map(central);
                        info
                    });
                    data
                })
                .collect();
            let mut request = o201::SendLocalListRequest::new(
                if *full {
                    o201::Update::Full
                } else {
                    o201::Update::Differential
                },
                *version,
            );
            request.local_authorization_list = Some(list);
            exchange_2x(handle, &request).await
        }
    })
}
