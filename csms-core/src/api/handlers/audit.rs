//! The audit log.

use axum::extract::State;

use super::{List, PageQuery};
use crate::api::auth::{ADMIN, Caller};
use crate::api::error::Query;
use crate::api::schema::AuditEntryDef;
use crate::api::table::Route;
use crate::api::{ApiError, ApiState};
use crate::model::AuditEntry;

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::get("/audit", "listAudit", ADMIN, list)
            .summary(
                "audit",
                "The audit log, newest first: every change and command, with who did it",
            )
            .query::<PageQuery>()
            .returns::<List<AuditEntryDef>>()
            .paged(),
    ]
}

async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<List<AuditEntry>, ApiError> {
    let page = query.page()?;
    let entries = state.inner.store.list_audit(caller.tenant, page).await?;
    Ok(List::of(entries, page))
}
