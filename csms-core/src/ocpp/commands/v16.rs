//! Commands as OCPP 1.6 messages.

use chrono::Utc;
use ocpp_server::StationHandle;
use ocpp_types::v16 as o16;
use serde_json::Value;

use super::{
    Command, CommandResult, Outcome, ResetKind, answer, call, exchange, from_json, invalid,
    sent_reservation_id, wire,
};
use crate::model::{ConfigurationKey, TokenStatus};

fn v16_status(status: TokenStatus) -> o16::AuthorizationStatus {
    match status {
        TokenStatus::Accepted => o16::AuthorizationStatus::Accepted,
        TokenStatus::Blocked => o16::AuthorizationStatus::Blocked,
        TokenStatus::Expired => o16::AuthorizationStatus::Expired,
        TokenStatus::Invalid => o16::AuthorizationStatus::Invalid,
    }
}

/// Sends `command` to a 1.6 station.
pub(super) async fn run(handle: &StationHandle, command: &Command) -> CommandResult {
    match v16_call(handle, command).await {
        Ok(result) | Err(result) => result,
    }
}

async fn v16_call(
    handle: &StationHandle,
    command: &Command,
) -> Result<CommandResult, CommandResult> {
    let connector = |evse: Option<i32>, connector: Option<i32>| evse.or(connector).unwrap_or(0);
    Ok(match command {
        Command::RemoteStart {
            evse,
            connector: plug,
            id_token,
            charging_profile,
            ..
        } => {
            let mut request = o16::RemoteStartTransactionRequest {
                charging_profile: None,
                connector_id: evse.or(*plug),
                id_tag: id_token.clone(),
            };
            if let Some(profile) = charging_profile {
                request.charging_profile = Some(from_json("charging_profile", profile)?);
            }
            exchange(handle, &request).await
        }
        Command::RemoteStop { transaction_id } => {
            let id = transaction_id
                .trim()
                .parse::<i32>()
                .map_err(|_| invalid(format!("{transaction_id:?} is not a 1.6 transaction id")))?;
            exchange(
                handle,
                &o16::RemoteStopTransactionRequest { transaction_id: id },
            )
            .await
        }
        Command::Reset { kind, .. } => {
            let kind = match kind {
                ResetKind::Hard => o16::ResetType::Hard,
                ResetKind::Soft => o16::ResetType::Soft,
            };
            exchange(handle, &o16::ResetRequest { kind }).await
        }
        Command::Unlock {
            evse,
            connector: plug,
        } => {
            let request = o16::UnlockConnectorRequest {
                connector_id: evse.unwrap_or(*plug),
            };
            exchange(handle, &request).await
        }
        Command::ChangeAvailability {
            evse,
            connector: plug,
            operative,
        } => {
            let kind = if *operative {
                o16::AvailabilityType::Operative
            } else {
                o16::AvailabilityType::Inoperative
            };
            let request = o16::ChangeAvailabilityRequest {
                connector_id: connector(*evse, *plug),
                kind,
            };
            exchange(handle, &request).await
        }
        Command::SetVariables { variables } => {
            if variables.is_empty() {
                return Err(invalid("no variables to set"));
            }
            let mut answers = Vec::with_capacity(variables.len());
            let mut worst: Option<CommandResult> = None;
            let mut accepted = Vec::new();
            for variable in variables {
                let request = o16::ChangeConfigurationRequest {
                    key: variable.variable.clone(),
                    value: variable.value.clone(),
                };
                let result = exchange(handle, &request).await;
                let Some(response) = result.response.clone() else {
                    // Not answered: stop here, with what was answered so far.
                    let mut result = CommandResult {
                        response: Some(Value::Array(answers)),
                        ..result
                    };
                    result.settings.keys = accepted;
                    return Ok(result);
                };
                answers.push(response);
                if result.outcome == Outcome::Accepted {
                    accepted.push(ConfigurationKey {
                        key: variable.variable.clone(),
                        value: Some(variable.value.clone()),
                        readonly: false,
                        reported_at: Utc::now(),
                    });
                }
                if worst
                    .as_ref()
                    .is_none_or(|w| w.outcome == Outcome::Accepted)
                {
                    worst = Some(result);
                }
            }
            let worst = worst.unwrap_or_else(|| invalid("no variables to set"));
            let mut result = CommandResult {
                response: Some(Value::Array(answers)),
                ..worst
            };
            result.settings.keys = accepted;
            result
        }
        Command::GetVariables { variables } => {
            let keys: Vec<String> = variables.iter().map(|v| v.variable.clone()).collect();
            let request = o16::GetConfigurationRequest {
                key: (!keys.is_empty()).then_some(keys),
            };
            let response = call(handle, &request).await?;
            let mut result = answer(&response);
            let now = Utc::now();
            result.settings.keys = response
                .configuration_key
                .unwrap_or_default()
                .into_iter()
                .map(|entry| ConfigurationKey {
                    key: entry.key,
                    value: entry.value,
                    readonly: entry.readonly,
                    reported_at: now,
                })
                .collect();
            result
        }
        Command::GetBaseReport { .. } => {
            return Err(invalid(
                "1.6 has no device model report (use get_variables)",
            ));
        }
        Command::TriggerMessage {
            message,
            evse,
            connector: plug,
        } => {
            let request = o16::TriggerMessageRequest {
                connector_id: evse.or(*plug),
                requested_message: wire("1.6 trigger message", message)?,
            };
            exchange(handle, &request).await
        }
        Command::ReserveNow {
            reservation_id,
            evse,
            id_token,
            group,
            expires_at,
        } => {
            let request = o16::ReserveNowRequest {
                connector_id: evse.unwrap_or(0),
                expiry_date: *expires_at,
                id_tag: id_token.clone(),
                parent_id_tag: group.clone(),
                reservation_id: sent_reservation_id(*reservation_id)?,
            };
            exchange(handle, &request).await
        }
        Command::CancelReservation { reservation_id } => {
            let request = o16::CancelReservationRequest {
                reservation_id: *reservation_id,
            };
            exchange(handle, &request).await
        }
        Command::SetChargingProfile { evse, profile } => {
            let request = o16::SetChargingProfileRequest {
                connector_id: *evse,
                cs_charging_profiles: from_json("profile", profile)?,
            };
            exchange(handle, &request).await
        }
        Command::GetCompositeSchedule {
            evse,
            duration,
            unit,
        } => {
            let request = o16::GetCompositeScheduleRequest {
                charging_rate_unit: match unit {
                    Some(text) => Some(wire("1.6 charging rate unit", text)?),
                    None => None,
                },
                connector_id: *evse,
                duration: *duration,
            };
            exchange(handle, &request).await
        }
        Command::ClearChargingProfile {
            profile_id,
            evse,
            purpose,
            stack_level,
        } => {
            let purpose = match purpose {
                Some(text) => Some(wire("1.6 charging profile purpose", text)?),
                None => None,
            };
            let request = o16::ClearChargingProfileRequest {
                charging_profile_purpose: purpose,
                connector_id: *evse,
                id: *profile_id,
                stack_level: *stack_level,
            };
            exchange(handle, &request).await
        }
        Command::SendLocalList {
            version,
            full,
            entries,
        } => {
            let list = entries
                .iter()
                .map(|entry| o16::AuthorizationData {
                    id_tag: entry.id_token.clone(),
                    id_tag_info: entry.status.map(|status| o16::IdTagInfo {
                        expiry_date: entry.expires_at,
                        parent_id_tag: entry.group.clone(),
                        status: v16_status(status),
                    }),
                })
                .collect();
            let request = o16::SendLocalListRequest {
                list_version: *version,
                local_authorization_list: Some(list),
                update_type: if *full {
                    o16::UpdateType::Full
                } else {
                    o16::UpdateType::Differential
                },
            };
            exchange(handle, &request).await
        }
    })
}
