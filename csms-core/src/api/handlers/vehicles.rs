//! Vehicles.

use axum::Json;
use axum::extract::State;

use super::users::require_user;
use super::{CheckBody, Created, List, PageQuery, as_json};
use crate::api::auth::{Caller, OPERATE, READ};
use crate::api::error::{Body, Path, Query};
use crate::api::schema::{NewVehicleDef, VehicleDef};
use crate::api::table::Route;
use crate::api::{ApiError, ApiState};
use crate::model::{NewVehicle, TenantId, Vehicle, VehicleId};

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::post("/vehicles", "createVehicle", OPERATE, create)
            .summary("vehicles", "Create a vehicle")
            .body::<NewVehicleDef>()
            .returns_status::<VehicleDef>(201),
        Route::get("/vehicles", "listVehicles", READ, list)
            .summary("vehicles", "The tenant's vehicles")
            .query::<PageQuery>()
            .returns::<List<VehicleDef>>()
            .paged(),
        Route::put("/vehicles/{id}", "updateVehicle", OPERATE, update)
            .summary("vehicles", "Replace what a vehicle is")
            .body::<NewVehicleDef>()
            .returns::<VehicleDef>(),
        Route::delete("/vehicles/{id}", "deleteVehicle", OPERATE, delete)
            .summary(
                "vehicles",
                "Delete a vehicle (409 while tokens point at it)",
            )
            .no_content(),
        Route::get("/vehicles/{id}", "getVehicle", READ, get_one)
            .summary("vehicles", "A vehicle")
            .returns::<VehicleDef>(),
    ]
}

/// Checks that `vehicle` is one of the tenant's vehicles.
pub(crate) async fn require_vehicle(
    state: &ApiState,
    tenant: TenantId,
    vehicle: VehicleId,
) -> Result<Vehicle, ApiError> {
    state
        .inner
        .store
        .vehicle(tenant, vehicle)
        .await?
        .ok_or_else(|| ApiError::Invalid(format!("no vehicle {vehicle} in this tenant")))
}

/// Checks what a vehicle would be.
impl CheckBody for NewVehicle {
    fn check_body(&self) -> Result<(), ApiError> {
        if let Some(vin) = &self.vin {
            if vin.len() != 17 || !vin.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(ApiError::Invalid(format!(
                    "vin {vin:?} is not 17 letters and digits"
                )));
            }
        }
        Ok(())
    }
}

async fn check(state: &ApiState, caller: &Caller, new: &NewVehicle) -> Result<(), ApiError> {
    new.check_body()?;
    if let Some(owner) = new.owner {
        require_user(state, caller.tenant, owner).await?;
    }
    Ok(())
}

async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    Body(new): Body<NewVehicle>,
) -> Result<Created<Vehicle>, ApiError> {
    check(&state, &caller, &new).await?;
    let vehicle = state
        .inner
        .store
        .create_vehicle(caller.tenant, &new)
        .await?;
    state
        .audit(
            &caller,
            "vehicle.create",
            format!("vehicle:{}", vehicle.id),
            None,
            as_json(&vehicle),
        )
        .await?;
    Ok(Created(vehicle))
}

async fn get_one(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vehicle>, ApiError> {
    let vehicle = state
        .inner
        .store
        .vehicle(caller.tenant, VehicleId(id))
        .await?;
    vehicle.map(Json).ok_or(ApiError::NotFound("vehicle"))
}

async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<List<Vehicle>, ApiError> {
    let page = query.page()?;
    let vehicles = state.inner.store.list_vehicles(caller.tenant, page).await?;
    Ok(List::of(vehicles, page))
}

async fn update(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(new): Body<NewVehicle>,
) -> Result<Json<Vehicle>, ApiError> {
    check(&state, &caller, &new).await?;
    let store = &state.inner.store;
    let before = store
        .vehicle(caller.tenant, VehicleId(id))
        .await?
        .ok_or(ApiError::NotFound("vehicle"))?;
    let vehicle = store
        .update_vehicle(caller.tenant, VehicleId(id), &new)
        .await?
        .ok_or(ApiError::NotFound("vehicle"))?;
    state
        .audit(
            &caller,
            "vehicle.update",
            format!("vehicle:{id}"),
            as_json(&before),
            as_json(&vehicle),
        )
        .await?;
    Ok(Json(vehicle))
}

async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::http::StatusCode, ApiError> {
    let store = &state.inner.store;
    let before = store
        .vehicle(caller.tenant, VehicleId(id))
        .await?
        .ok_or(ApiError::NotFound("vehicle"))?;
    if !store.delete_vehicle(caller.tenant, VehicleId(id)).await? {
        return Err(ApiError::NotFound("vehicle"));
    }
    state
        .audit(
            &caller,
            "vehicle.delete",
            format!("vehicle:{id}"),
            as_json(&before),
            None,
        )
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
