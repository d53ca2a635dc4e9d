//! Locations.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use schemars::JsonSchema;
use serde::Deserialize;

use super::users::require_user;
use super::{CheckBody, Created, List, PageQuery, as_json};
use crate::api::auth::{Caller, OPERATE, READ};
use crate::api::error::{Body, Path, Query};
use crate::api::schema::{LocationDef, NewLocationDef};
use crate::api::table::Route;
use crate::api::{ApiError, ApiState};
use crate::model::{Location, LocationId, NewLocation, TenantId, UserId};

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::post("/locations", "createLocation", OPERATE, create)
            .summary("locations", "Create a location")
            .body::<NewLocationDef>()
            .returns_status::<LocationDef>(201),
        Route::get("/locations", "listLocations", READ, list)
            .summary("locations", "The tenant's locations")
            .query::<PageQuery>()
            .returns::<List<LocationDef>>()
            .paged(),
        Route::put("/locations/{id}", "updateLocation", OPERATE, update)
            .summary(
                "locations",
                "Replace what a location is, its parking spots included",
            )
            .body::<NewLocationDef>()
            .returns::<LocationDef>(),
        Route::delete("/locations/{id}", "deleteLocation", OPERATE, delete)
            .summary(
                "locations",
                "Delete a location (409 while stations stand there)",
            )
            .no_content(),
        Route::put(
            "/locations/{id}/spots/{label}/renter",
            "setSpotRenter",
            OPERATE,
            set_renter,
        )
        .summary(
            "locations",
            "Assign a parking spot to a renter, or free it (null)",
        )
        .body::<RenterChange>()
        .returns::<LocationDef>(),
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

/// Checks what a location would be.
impl CheckBody for NewLocation {
    fn check_body(&self) -> Result<(), ApiError> {
        if self.name.trim().is_empty() {
            return Err(ApiError::Invalid("name is empty".to_owned()));
        }
        if self.time_zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(ApiError::Invalid(format!(
                "time_zone {:?} is not an IANA time zone",
                self.time_zone
            )));
        }
        Ok(())
    }
}

impl CheckBody for RenterChange {}

async fn check(state: &ApiState, caller: &Caller, new: &NewLocation) -> Result<(), ApiError> {
    new.check_body()?;
    for spot in &new.parking_spots {
        if let Some(renter) = spot.renter {
            require_user(state, caller.tenant, renter).await?;
        }
    }
    Ok(())
}

async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    Body(new): Body<NewLocation>,
) -> Result<Created<Location>, ApiError> {
    check(&state, &caller, &new).await?;
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

async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<List<Location>, ApiError> {
    let page = query.page()?;
    let locations = state
        .inner
        .store
        .list_locations(caller.tenant, page)
        .await?;
    Ok(List::of(locations, page))
}

async fn update(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(new): Body<NewLocation>,
) -> Result<Json<Location>, ApiError> {
    check(&state, &caller, &new).await?;
    let store = &state.inner.store;
    let before = store
        .location(caller.tenant, LocationId(id))
        .await?
        .ok_or(ApiError::NotFound("location"))?;
    let location = store
        .update_location(caller.tenant, LocationId(id), &new)
        .await?
        .ok_or(ApiError::NotFound("location"))?;
    state
        .audit(
            &caller,
            "location.update",
            format!("location:{id}"),
            as_json(&before),
            as_json(&location),
        )
        .await?;
    Ok(Json(location))
}

async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let store = &state.inner.store;
    let before = store
        .location(caller.tenant, LocationId(id))
        .await?
        .ok_or(ApiError::NotFound("location"))?;
    if !store.delete_location(caller.tenant, LocationId(id)).await? {
        return Err(ApiError::NotFound("location"));
    }
    state
        .audit(
            &caller,
            "location.delete",
            format!("location:{id}"),
            as_json(&before),
            None,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who a parking spot is assigned to.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RenterChange {
    /// The renter (a user of the tenant), or `null` to free the spot.
    renter: Option<UserId>,
}

async fn set_renter(
    State(state): State<ApiState>,
    caller: Caller,
    Path((id, label)): Path<(i64, String)>,
    Body(change): Body<RenterChange>,
) -> Result<Json<Location>, ApiError> {
    let location = require_location(&state, caller.tenant, LocationId(id))
        .await
        .map_err(|_| ApiError::NotFound("location"))?;
    let before = location
        .parking_spots
        .iter()
        .find(|spot| spot.label == label)
        .ok_or(ApiError::NotFound("parking spot"))?
        .renter;
    if let Some(renter) = change.renter {
        require_user(&state, caller.tenant, renter).await?;
    }
    let store = &state.inner.store;
    if !store
        .set_spot_renter(caller.tenant, LocationId(id), &label, change.renter)
        .await?
    {
        return Err(ApiError::NotFound("parking spot"));
    }
    state
        .audit(
            &caller,
            "location.spot_renter",
            format!("location:{id}:spot:{label}"),
            as_json(&before),
            as_json(&change.renter),
        )
        .await?;
    get_one(State(state), caller, Path(id)).await
}
