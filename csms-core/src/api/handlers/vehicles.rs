//! Vehicles.

use axum::Json;
use axum::extract::State;

use super::users::require_user;
use super::{Created, as_json};
use crate::api::auth::{Caller, OPERATE, READ};
use crate::api::error::{Body, Path};
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

async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    Body(new): Body<NewVehicle>,
) -> Result<Created<Vehicle>, ApiError> {
    if let Some(vin) = &new.vin {
        if vin.len() != 17 || !vin.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ApiError::Invalid(format!(
                "vin {vin:?} is not 17 letters and digits"
            )));
        }
    }
    if let Some(owner) = new.owner {
        require_user(&state, caller.tenant, owner).await?;
    }
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
