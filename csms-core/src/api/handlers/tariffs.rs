//! Tariffs (OCPI 2.2.1 objects) and what they are assigned to.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ocpi_types::v221::tariffs::Tariff;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{CheckBody, Created, List, PageQuery, as_json};
use crate::api::auth::{Caller, OPERATE, READ};
use crate::api::error::{Body, Path, Query};
use crate::api::schema::{StoredTariffDef, TariffAssignmentDef, TariffScopeDef};
use crate::api::table::Route;
use crate::api::{ApiError, ApiState};
use crate::model::{StoredTariff, TariffAssignment, TariffId, TariffScope};

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::post("/tariffs", "createTariff", OPERATE, create)
            .summary(
                "tariffs",
                "Store an OCPI 2.2.1 tariff (its id unique within the tenant)",
            )
            .body::<Tariff>()
            .returns_status::<StoredTariffDef>(201),
        Route::get("/tariffs", "listTariffs", READ, list)
            .summary("tariffs", "The tenant's tariffs, by OCPI id")
            .query::<PageQuery>()
            .returns::<List<StoredTariffDef>>()
            .paged(),
        Route::get("/tariffs/{id}", "getTariff", READ, get_one)
            .summary("tariffs", "A tariff")
            .returns::<StoredTariffDef>(),
        Route::put("/tariffs/{id}", "replaceTariff", OPERATE, replace)
            .summary(
                "tariffs",
                "Replace a tariff's OCPI object, keeping its assignments",
            )
            .body::<Tariff>()
            .returns::<StoredTariffDef>(),
        Route::delete("/tariffs/{id}", "deleteTariff", OPERATE, delete)
            .summary(
                "tariffs",
                "Delete a tariff (409 while assigned or used by a CDR)",
            )
            .no_content(),
        Route::get(
            "/tariff-assignments",
            "listTariffAssignments",
            READ,
            assignments,
        )
        .summary("tariffs", "What each tariff is assigned to")
        .returns::<Vec<TariffAssignmentDef>>(),
        Route::put("/tariff-assignments", "assignTariff", OPERATE, assign)
            .summary(
                "tariffs",
                "Assign a tariff to the tenant default, a location, an EVSE or a token group",
            )
            .body::<TariffAssignmentDef>()
            .returns::<TariffAssignmentDef>(),
        Route::delete("/tariff-assignments", "unassignTariff", OPERATE, unassign)
            .summary("tariffs", "Remove the tariff of a scope")
            .body::<ScopeBody>()
            .no_content(),
    ]
}

async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    Body(tariff): Body<Tariff>,
) -> Result<Created<StoredTariff>, ApiError> {
    let stored = state
        .inner
        .store
        .create_tariff(caller.tenant, &tariff)
        .await?;
    let target = format!("tariff:{}", stored.id);
    state
        .audit(
            &caller,
            "tariff.create",
            target,
            None,
            as_json(&stored.tariff),
        )
        .await?;
    Ok(Created(stored))
}

async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<List<StoredTariff>, ApiError> {
    let page = query.page()?;
    let tariffs = state.inner.store.list_tariffs(caller.tenant, page).await?;
    Ok(List::of(tariffs, page))
}

async fn get_one(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<StoredTariff>, ApiError> {
    let tariff = state
        .inner
        .store
        .tariff(caller.tenant, TariffId(id))
        .await?;
    tariff.map(Json).ok_or(ApiError::NotFound("tariff"))
}

async fn replace(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(tariff): Body<Tariff>,
) -> Result<Json<StoredTariff>, ApiError> {
    let store = &state.inner.store;
    let before = store
        .tariff(caller.tenant, TariffId(id))
        .await?
        .ok_or(ApiError::NotFound("tariff"))?;
    let stored = store
        .replace_tariff(caller.tenant, TariffId(id), &tariff)
        .await?
        .ok_or(ApiError::NotFound("tariff"))?;
    state
        .audit(
            &caller,
            "tariff.replace",
            format!("tariff:{id}"),
            as_json(&before.tariff),
            as_json(&stored.tariff),
        )
        .await?;
    Ok(Json(stored))
}

async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let store = &state.inner.store;
    let before = store
        .tariff(caller.tenant, TariffId(id))
        .await?
        .ok_or(ApiError::NotFound("tariff"))?;
    if !store.delete_tariff(caller.tenant, TariffId(id)).await? {
        return Err(ApiError::NotFound("tariff"));
    }
    state
        .audit(
            &caller,
            "tariff.delete",
            format!("tariff:{id}"),
            as_json(&before.tariff),
            None,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn assignments(
    State(state): State<ApiState>,
    caller: Caller,
) -> Result<Json<Vec<TariffAssignment>>, ApiError> {
    Ok(Json(
        state.inner.store.tariff_assignments(caller.tenant).await?,
    ))
}

/// A scope, as the body of an unassignment.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct ScopeBody {
    /// The scope whose tariff is removed.
    #[serde(with = "TariffScopeDef")]
    scope: TariffScope,
}

impl CheckBody for Tariff {}

impl CheckBody for ScopeBody {}

impl CheckBody for AssignmentBody {}

/// An assignment as read from a body.
#[derive(Debug, Deserialize)]
pub(crate) struct AssignmentBody(#[serde(with = "TariffAssignmentDef")] TariffAssignment);

async fn assign(
    State(state): State<ApiState>,
    caller: Caller,
    Body(AssignmentBody(assignment)): Body<AssignmentBody>,
) -> Result<Json<TariffAssignment>, ApiError> {
    let store = &state.inner.store;
    if !store
        .assign_tariff(caller.tenant, &assignment.scope, assignment.tariff_id)
        .await?
    {
        return Err(ApiError::NotFound("tariff"));
    }
    state
        .audit(
            &caller,
            "tariff.assign",
            format!("tariff_scope:{}", assignment.scope.key()),
            None,
            as_json(&assignment),
        )
        .await?;
    Ok(Json(assignment))
}

async fn unassign(
    State(state): State<ApiState>,
    caller: Caller,
    Body(body): Body<ScopeBody>,
) -> Result<StatusCode, ApiError> {
    if !state
        .inner
        .store
        .unassign_tariff(caller.tenant, &body.scope)
        .await?
    {
        return Err(ApiError::NotFound("tariff assignment"));
    }
    let target = format!("tariff_scope:{}", body.scope.key());
    state
        .audit(&caller, "tariff.unassign", target, None, None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
