//! The handlers, one file per area, each with its part of the route table.

mod locations;
mod sessions;
mod stations;
mod system;
mod tenants;
mod tokens;
mod users;
mod vehicles;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::table::Route;

/// Every route of the API, in the order of the OpenAPI document.
pub(crate) fn routes() -> Vec<Route> {
    let mut routes = Vec::new();
    routes.extend(system::routes());
    routes.extend(tenants::routes());
    routes.extend(users::routes());
    routes.extend(tokens::routes());
    routes.extend(vehicles::routes());
    routes.extend(locations::routes());
    routes.extend(stations::routes());
    routes.extend(sessions::routes());
    routes
}

/// A JSON body answered with 201 Created.
pub(crate) struct Created<T>(pub T);

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (StatusCode::CREATED, axum::Json(self.0)).into_response()
    }
}

impl super::ApiState {
    /// Appends an entry to the tenant's audit log for a change made with `caller`'s key.
    pub(crate) async fn audit(
        &self,
        caller: &super::Caller,
        action: &str,
        target: String,
        old_value: Option<serde_json::Value>,
        new_value: Option<serde_json::Value>,
    ) -> Result<(), super::ApiError> {
        let entry = crate::model::NewAuditEntry {
            at: chrono::Utc::now(),
            actor: crate::model::Actor::ApiKey(caller.key),
            action: action.to_owned(),
            target,
            old_value,
            new_value,
        };
        self.inner.store.append_audit(caller.tenant, &entry).await?;
        Ok(())
    }
}

/// A value as JSON for the audit log.
pub(crate) fn as_json<T: Serialize>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}
