//! Charging sessions and their meter values.

use axum::Json;
use axum::extract::State;

use crate::api::auth::{Caller, READ};
use crate::api::error::Path;
use crate::api::schema::{ChargingSessionDef, MeterValueDef};
use crate::api::table::Route;
use crate::api::{ApiError, ApiState};
use crate::model::{ChargingSession, MeterValue, SessionId};

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::get("/sessions/{id}", "getSession", READ, get_one)
            .summary("sessions", "A charging session")
            .returns::<ChargingSessionDef>(),
        Route::get(
            "/sessions/{id}/meter-values",
            "getSessionMeterValues",
            READ,
            meter_values,
        )
        .summary("sessions", "A session's meter values, in time order")
        .returns::<Vec<MeterValueDef>>(),
    ]
}

async fn get_one(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ChargingSession>, ApiError> {
    let session = state
        .inner
        .store
        .session(caller.tenant, SessionId(id))
        .await?;
    session.map(Json).ok_or(ApiError::NotFound("session"))
}

async fn meter_values(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<MeterValue>>, ApiError> {
    let store = &state.inner.store;
    if store.session(caller.tenant, SessionId(id)).await?.is_none() {
        return Err(ApiError::NotFound("session"));
    }
    Ok(Json(
        store.meter_values(caller.tenant, SessionId(id)).await?,
    ))
}
