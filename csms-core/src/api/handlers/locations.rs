//! Locations.

use axum::Json;
use axum::extract::State;

use super::users::require_user;
use super::{Created, as_json};
use crate::api::auth::{Caller, OPERATE, READ};
use crate::api::error::{Body, Path};
use crate::api::schema::{LocationDef, NewLocationDef};
use crate::api::table::Route;
use crate::api::{ApiError, ApiState};
use crate::model::{Location, LocationId, NewLocation, TenantId};

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::post("/locations", "createLocation", OPERATE, create)
            .summary("locations", "Create a location")
            .body::<NewLocationDef>()
            .returns_status::<LocationDef>(201),
        Route::get("/locations/{id}", "getLocation", READ, get_one)
            .summary("locations", "A location")
            .returns::<LocationDef>(),
    ]
}

/// Checks that `location` is one of the tenant's locations.
pub(crate) async fn require_location(
    state: &ApiState,
    tenant: TenantId,
    location: LocationId,
) -> Result<Location, ApiError> {
    state
        .inner
        .store
        .location(tenant, location)
        .await?
        .ok_or_else(|| ApiError::Invalid(format!("no location {location} in this tenant")))
}

async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    Body(new): Body<NewLocation>,
) -> Result<Created<Location>, ApiError> {
    if new.name.trim().is_empty() {
        return Err(ApiError::Invalid("name is empty".to_owned()));
    }
    if new.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(ApiError::Invalid(format!(
            "time_zone {:?} is not an IANA time zone",
            new.time_zone
        )));
    }
    for spot in &new.parking_spots {
        if let Some(renter) = spot.renter {
            require_user(&state, caller.tenant, renter).await?;
        }
    }
    let location = state
        .inner
        .store
        .create_location(caller.tenant, &new)
        .await?;
    state
        .audit(
            &caller,
            "location.create",
            format!("location:{}", location.id),
            None,
            as_json(&location),
        )
        .await?;
    Ok(Created(location))
}

async fn get_one(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Location>, ApiError> {
    let location = state
        .inner
        .store
        .location(caller.tenant, LocationId(id))
        .await?;
    location.map(Json).ok_or(ApiError::NotFound("location"))
}
