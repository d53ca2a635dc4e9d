//! The health check and the OpenAPI document.

use axum::Json;
use axum::extract::State;
use schemars::JsonSchema;
use serde::Serialize;

use crate::api::auth::Access;
use crate::api::table::Route;
use crate::api::{ApiError, ApiState, openapi_document};

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::get("/health", "health", Access::Public, health)
            .summary(
                "system",
                "Whether the API and its store work (503 when the store does not answer)",
            )
            .returns::<Health>(),
        Route::get("/openapi.json", "openapi", Access::Public, openapi_document)
            .summary("system", "This API's OpenAPI 3.1 document")
            .returns::<serde_json::Value>(),
    ]
}

/// The state of the system.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Health {
    /// `ok`.
    status: &'static str,
    /// `ok`: the store answered a query.
    store: &'static str,
    /// How many stations are connected to this process now.
    stations_connected: usize,
    /// How many nodes (CSMS processes sharing the database) are alive, this one included
    /// when it keeps a lease (see `csms_core::cluster`).
    nodes_alive: usize,
}

async fn health(State(state): State<ApiState>) -> Result<Json<Health>, ApiError> {
    // The live nodes: a round trip to the database.
    let nodes = state
        .inner
        .store
        .nodes(chrono::Utc::now())
        .await
        .map_err(|error| {
            // Anyone may ask: the details stay in the log.
            tracing::error!(%error, "health check: the store does not answer");
            ApiError::Unavailable("the store does not answer".to_owned())
        })?;
    Ok(Json(Health {
        status: "ok",
        store: "ok",
        stations_connected: state.inner.stations.count(),
        nodes_alive: nodes.len(),
    }))
}
