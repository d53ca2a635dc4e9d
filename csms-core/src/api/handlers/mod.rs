//! The handlers, one file per area, each with its part of the route table.

mod audit;
mod cdrs;
mod estimate;
mod evses;
mod locations;
mod roaming;
mod sessions;
mod stations;
mod system;
mod tariffs;
mod tenants;
mod tokens;
mod users;
mod vehicles;
mod webhooks;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::Serialize;

use super::ApiError;
use crate::store::{Page, Paged};

use super::table::Route;

/// The checks of a request body that need neither the store nor the caller: its handler runs
/// them before anything else, and so does [`read_bodies`].
pub(crate) trait CheckBody {
    /// Why the body is refused, if it is; bodies without such checks accept everything that
    /// deserializes.
    fn check_body(&self) -> Result<(), ApiError> {
        Ok(())
    }
}

/// Reads `body` as each request body type of the API, as the handlers do (JSON into the
/// type, then [`CheckBody::check_body`]): the name of each type with whether it was accepted
/// or the error it is refused with.
pub(crate) fn read_bodies(body: &[u8]) -> Vec<(&'static str, Result<(), ApiError>)> {
    fn read<T: serde::de::DeserializeOwned + CheckBody>(
        name: &'static str,
        body: &[u8],
    ) -> (&'static str, Result<(), ApiError>) {
        let read = serde_json::from_slice::<T>(body)
            .map_err(|error| ApiError::InvalidBody(error.to_string()))
            .and_then(|value| value.check_body());
        (name, read)
    }
    vec![
        read::<tenants::CreateTenant>("CreateTenant", body),
        read::<crate::model::TenantSettings>("TenantSettings", body),
        read::<crate::model::NewUser>("NewUser", body),
        read::<crate::model::UserUpdate>("UserUpdate", body),
        read::<users::CreateKey>("CreateKey", body),
        read::<crate::model::NewToken>("NewToken", body),
        read::<tokens::StatusChange>("StatusChange", body),
        read::<crate::model::NewVehicle>("NewVehicle", body),
        read::<crate::model::NewLocation>("NewLocation", body),
        read::<locations::RenterChange>("RenterChange", body),
        read::<stations::CreateStation>("CreateStation", body),
        read::<stations::RegistrationChange>("RegistrationChange", body),
        read::<crate::ocpp::commands::Command>("Command", body),
        read::<evses::EvseChange>("EvseChange", body),
        read::<evses::ConnectorChange>("ConnectorChange", body),
        read::<ocpi_types::v221::tariffs::Tariff>("Tariff", body),
        read::<tariffs::AssignmentBody>("TariffAssignment", body),
        read::<tariffs::ScopeBody>("TariffScope", body),
        read::<estimate::EstimateRequest>("EstimateRequest", body),
        read::<webhooks::CreateWebhook>("CreateWebhook", body),
        read::<webhooks::WebhookChange>("WebhookChange", body),
        read::<roaming::CreatePartner>("CreatePartner", body),
        read::<roaming::RegisterBody>("RegisterBody", body),
    ]
}

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
    routes.extend(evses::routes());
    routes.extend(sessions::routes());
    routes.extend(tariffs::routes());
    routes.extend(cdrs::routes());
    routes.extend(estimate::routes());
    routes.extend(webhooks::routes());
    routes.extend(roaming::routes());
    routes.extend(audit::routes());
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

/// Which page of a list.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageQuery {
    /// How many to skip (default 0).
    offset: Option<u64>,
    /// How many at most (default 50, at most 500).
    limit: Option<u32>,
}

impl PageQuery {
    /// The page asked for.
    pub(crate) fn page(&self) -> Result<Page, ApiError> {
        page(self.offset, self.limit)
    }
}

/// The page a list request asks for: `offset` (default 0) and `limit` (default 50, at most
/// 500).
pub(crate) fn page(offset: Option<u64>, limit: Option<u32>) -> Result<Page, ApiError> {
    let limit = limit.unwrap_or(Page::default().limit);
    if limit == 0 || limit > Page::MAX_LIMIT {
        return Err(ApiError::InvalidQuery(format!(
            "limit must be 1 to {}",
            Page::MAX_LIMIT
        )));
    }
    Ok(Page {
        offset: offset.unwrap_or(0),
        limit,
    })
}

/// A page of a list, answered with `X-Total-Count`.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct List<T> {
    /// The items of the page.
    pub items: Vec<T>,
    /// How many items match, over all pages.
    pub total: u64,
    /// How many were skipped.
    pub offset: u64,
    /// The most this page could hold.
    pub limit: u32,
}

impl<T> List<T> {
    /// The answer for `paged`, read with `page`.
    pub(crate) fn of(paged: Paged<T>, page: Page) -> List<T> {
        List {
            items: paged.items,
            total: paged.total,
            offset: page.offset,
            limit: page.capped_limit(),
        }
    }
}

impl<T: Serialize> IntoResponse for List<T> {
    fn into_response(self) -> Response {
        let total = self.total;
        let mut response = axum::Json(self).into_response();
        response
            .headers_mut()
            .insert("x-total-count", axum::http::HeaderValue::from(total));
        response
    }
}
