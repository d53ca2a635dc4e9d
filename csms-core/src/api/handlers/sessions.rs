//! Charging sessions and their meter values.

use axum::Json;
use axum::extract::State;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Deserialize;

use super::{List, page};
use crate::api::auth::{Caller, READ, READ_OWN};
use crate::api::error::{Path, Query};
use crate::api::schema::{ChargingSessionDef, MeterValueDef};
use crate::api::table::Route;
use crate::api::{ApiError, ApiState};
use crate::model::{
    ChargingSession, MeterValue, SessionFilter, SessionId, SessionStatus, StationId, UserId,
};

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::get("/sessions", "listSessions", READ_OWN, list)
            .summary(
                "sessions",
                "Sessions, newest first, with filters (a driver's key: its user's only)",
            )
            .query::<SessionQuery>()
            .returns::<List<ChargingSessionDef>>()
            .paged(),
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

/// Which sessions; every filter narrows.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SessionQuery {
    /// At this station.
    station: Option<i64>,
    /// With this status.
    status: Option<SessionStatus>,
    /// With this token uid.
    token_uid: Option<String>,
    /// With a token of this user or renter.
    owner: Option<i64>,
    /// Started at or after this (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Started before this (RFC 3339).
    to: Option<DateTime<Utc>>,
    /// How many to skip (default 0).
    offset: Option<u64>,
    /// How many at most (default 50, at most 500).
    limit: Option<u32>,
}

async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Query(query): Query<SessionQuery>,
) -> Result<List<ChargingSession>, ApiError> {
    let page = page(query.offset, query.limit)?;
    let owner = match caller.own_scope()? {
        Some(own) => Some(own),
        None => query.owner.map(UserId),
    };
    let filter = SessionFilter {
        station: query.station.map(StationId),
        status: query.status,
        token_uid: query.token_uid,
        owner,
        from: query.from,
        to: query.to,
        ..SessionFilter::default()
    };
    let sessions = state
        .inner
        .store
        .list_sessions(caller.tenant, &filter, page)
        .await?;
    Ok(List::of(sessions, page))
}
