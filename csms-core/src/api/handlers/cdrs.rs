//! Charge detail records: read only, as issued.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Deserialize;

use super::{List, page};
use crate::api::auth::{Caller, READ, READ_OWN};
use crate::api::error::{Path, Query};
use crate::api::schema::CdrDef;
use crate::api::table::Route;
use crate::api::{ApiError, ApiState};
use crate::model::{Cdr, CdrFilter, CdrId, SessionId, UserId};

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::get("/cdrs", "listCdrs", READ_OWN, list)
            .summary(
                "cdrs",
                "CDRs, oldest session first, with filters (a driver's key: its user's only)",
            )
            .query::<CdrQuery>()
            .returns::<List<CdrDef>>()
            .paged(),
        Route::get("/cdrs/{id}", "getCdr", READ, get_one)
            .summary("cdrs", "A CDR")
            .returns::<CdrDef>(),
        Route::get("/sessions/{id}/cdr", "getSessionCdr", READ, of_session)
            .summary(
                "cdrs",
                "The CDR of a session (404 until the session is over and billed)",
            )
            .returns::<CdrDef>(),
    ]
}

/// Which CDRs; every filter narrows.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CdrQuery {
    /// Of this session.
    session: Option<i64>,
    /// Paid by this user.
    owner: Option<i64>,
    /// Of sessions started at or after this (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Of sessions started before this (RFC 3339).
    to: Option<DateTime<Utc>>,
    /// How many to skip (default 0).
    offset: Option<u64>,
    /// How many at most (default 50, at most 500).
    limit: Option<u32>,
}

async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Query(query): Query<CdrQuery>,
) -> Result<List<Cdr>, ApiError> {
    let page = page(query.offset, query.limit)?;
    let filter = CdrFilter {
        session: query.session.map(SessionId),
        owner: match caller.own_scope()? {
            Some(own) => Some(own),
            None => query.owner.map(UserId),
        },
        from: query.from,
        to: query.to,
        ..CdrFilter::default()
    };
    let cdrs = state
        .inner
        .store
        .list_cdrs(caller.tenant, &filter, page)
        .await?;
    Ok(List::of(cdrs, page))
}

async fn get_one(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Cdr>, ApiError> {
    let cdr = state.inner.store.cdr(caller.tenant, CdrId(id)).await?;
    cdr.map(Json).ok_or(ApiError::NotFound("CDR"))
}

async fn of_session(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Cdr>, ApiError> {
    let cdr = state
        .inner
        .store
        .cdr_of_session(caller.tenant, SessionId(id))
        .await?;
    cdr.map(Json).ok_or(ApiError::NotFound("CDR"))
}
