//! A station's EVSEs and connectors: described, changed and removed by operators (stations
//! report their connectors' status, and unknown ones are created from it).

use axum::Json;
use axum::extract::State;
use schemars::JsonSchema;
use serde::Deserialize;

use super::CheckBody;
use super::stations::find;
use crate::api::auth::{Caller, OPERATE};
use crate::api::error::{Body, Path};
use crate::api::schema::{ConnectorDef, EvseDef};
use crate::api::table::Route;
use crate::api::{ApiError, ApiState};
use crate::model::{Connector, ConnectorStatus, Evse};
use ocpi_types::v221::locations::{ConnectorFormat, ConnectorType, PowerType};

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::put(
            "/stations/{id}/evses/{evse}",
            "putStationEvse",
            OPERATE,
            put_evse,
        )
        .summary(
            "stations",
            "Create or change an EVSE (its status stays as the station reported it; \
                 `Unavailable` until it does)",
        )
        .body::<EvseChange>()
        .returns::<EvseDef>(),
        Route::delete(
            "/stations/{id}/evses/{evse}",
            "deleteStationEvse",
            OPERATE,
            delete_evse,
        )
        .summary(
            "stations",
            "Delete an EVSE with its connectors (409 while a tariff is assigned to it)",
        )
        .no_content(),
        Route::put(
            "/stations/{id}/evses/{evse}/connectors/{connector}",
            "putStationConnector",
            OPERATE,
            put_connector,
        )
        .summary(
            "stations",
            "Describe a connector, creating it (and its EVSE) if needed; its status stays as \
                 the station reported it",
        )
        .body::<ConnectorChange>()
        .returns::<ConnectorDef>(),
        Route::delete(
            "/stations/{id}/evses/{evse}/connectors/{connector}",
            "deleteStationConnector",
            OPERATE,
            delete_connector,
        )
        .summary("stations", "Delete a connector")
        .no_content(),
    ]
}

/// What an operator says of an EVSE.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EvseChange {
    /// Its OCPI EVSE id (`NL*ABC*E12345`), if published.
    #[serde(default)]
    uid: Option<String>,
}

/// What an operator says of a connector.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConnectorChange {
    /// Its standard (OCPI `ConnectorType`, `IEC_62196_T2`).
    standard: ConnectorType,
    /// `SOCKET` or `CABLE`.
    format: ConnectorFormat,
    /// `AC_1_PHASE`, `AC_3_PHASE`, `DC`, ...
    power_type: PowerType,
    /// Maximum voltage, in volts.
    #[serde(default)]
    max_voltage: Option<i32>,
    /// Maximum current, in amperes.
    #[serde(default)]
    max_amperage: Option<i32>,
    /// Maximum power, in watts.
    #[serde(default)]
    max_power_w: Option<i32>,
}

impl CheckBody for EvseChange {}

impl CheckBody for ConnectorChange {
    fn check_body(&self) -> Result<(), ApiError> {
        // OCPI values are open for what partners send; an operator's must be known ones.
        if !self.standard.is_known() || !self.format.is_known() || !self.power_type.is_known() {
            return Err(ApiError::InvalidBody(format!(
                "unknown connector description: {}, {}, {}",
                self.standard.as_str(),
                self.format.as_str(),
                self.power_type.as_str()
            )));
        }
        Ok(())
    }
}

/// EVSE and connector numbers count from 1 (0 is the station as a whole).
fn number(value: i32, what: &'static str) -> Result<i32, ApiError> {
    if value >= 1 {
        Ok(value)
    } else {
        Err(ApiError::InvalidPath(format!(
            "{what} numbers count from 1"
        )))
    }
}

async fn put_evse(
    State(state): State<ApiState>,
    caller: Caller,
    Path((id, evse_id)): Path<(i64, i32)>,
    Body(change): Body<EvseChange>,
) -> Result<Json<Evse>, ApiError> {
    let station = find(&state, caller.tenant, id).await?;
    let evse_id = number(evse_id, "EVSE")?;
    let store = &state.inner.store;
    let before = store
        .evses(caller.tenant, station.id)
        .await?
        .into_iter()
        .find(|evse| evse.evse_id == evse_id);
    let evse = Evse {
        tenant_id: caller.tenant,
        station_id: station.id,
        evse_id,
        uid: change.uid,
        status: before
            .as_ref()
            .map_or(ConnectorStatus::Unavailable, |evse| evse.status),
    };
    if !store.upsert_evse(caller.tenant, &evse).await? {
        return Err(ApiError::NotFound("station"));
    }
    state
        .audit(
            &caller,
            "station.evse.put",
            format!("station:{}", station.identity),
            before.as_ref().and_then(|b| serde_json::to_value(b).ok()),
            serde_json::to_value(&evse).ok(),
        )
        .await?;
    Ok(Json(evse))
}

async fn delete_evse(
    State(state): State<ApiState>,
    caller: Caller,
    Path((id, evse_id)): Path<(i64, i32)>,
) -> Result<axum::http::StatusCode, ApiError> {
    let station = find(&state, caller.tenant, id).await?;
    if !state
        .inner
        .store
        .delete_evse(caller.tenant, station.id, evse_id)
        .await?
    {
        return Err(ApiError::NotFound("EVSE"));
    }
    state
        .audit(
            &caller,
            "station.evse.delete",
            format!("station:{}", station.identity),
            Some(serde_json::json!({ "evse_id": evse_id })),
            None,
        )
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

async fn put_connector(
    State(state): State<ApiState>,
    caller: Caller,
    Path((id, evse_id, connector_id)): Path<(i64, i32, i32)>,
    Body(change): Body<ConnectorChange>,
) -> Result<Json<Connector>, ApiError> {
    let station = find(&state, caller.tenant, id).await?;
    let evse_id = number(evse_id, "EVSE")?;
    let connector_id = number(connector_id, "connector")?;
    change.check_body()?;
    let store = &state.inner.store;
    let before = store
        .connectors(caller.tenant, station.id)
        .await?
        .into_iter()
        .find(|c| (c.evse_id, c.connector_id) == (evse_id, connector_id));
    if !store
        .evses(caller.tenant, station.id)
        .await?
        .iter()
        .any(|evse| evse.evse_id == evse_id)
    {
        let evse = Evse {
            tenant_id: caller.tenant,
            station_id: station.id,
            evse_id,
            uid: None,
            status: ConnectorStatus::Unavailable,
        };
        store.upsert_evse(caller.tenant, &evse).await?;
    }
    // What the station reported is kept; only the description is the operator's.
    let connector = Connector {
        tenant_id: caller.tenant,
        station_id: station.id,
        evse_id,
        connector_id,
        standard: Some(change.standard),
        format: Some(change.format),
        power_type: Some(change.power_type),
        max_voltage: change.max_voltage,
        max_amperage: change.max_amperage,
        max_power_w: change.max_power_w,
        status: before
            .as_ref()
            .map_or(ConnectorStatus::Unavailable, |c| c.status),
        error_code: before.as_ref().and_then(|c| c.error_code.clone()),
        vendor_error_code: before.as_ref().and_then(|c| c.vendor_error_code.clone()),
        status_at: before.as_ref().and_then(|c| c.status_at),
    };
    if !store.upsert_connector(caller.tenant, &connector).await? {
        return Err(ApiError::NotFound("EVSE"));
    }
    state
        .audit(
            &caller,
            "station.connector.put",
            format!("station:{}", station.identity),
            before.as_ref().and_then(|b| serde_json::to_value(b).ok()),
            serde_json::to_value(&connector).ok(),
        )
        .await?;
    Ok(Json(connector))
}

async fn delete_connector(
    State(state): State<ApiState>,
    caller: Caller,
    Path((id, evse_id, connector_id)): Path<(i64, i32, i32)>,
) -> Result<axum::http::StatusCode, ApiError> {
    let station = find(&state, caller.tenant, id).await?;
    if !state
        .inner
        .store
        .delete_connector(caller.tenant, station.id, evse_id, connector_id)
        .await?
    {
        return Err(ApiError::NotFound("connector"));
    }
    state
        .audit(
            &caller,
            "station.connector.delete",
            format!("station:{}", station.identity),
            Some(serde_json::json!({ "evse_id": evse_id, "connector_id": connector_id })),
            None,
        )
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
