//! Tenants: created with the system key, each with its first admin key; a tenant's keys read
//! the tenant and change its settings.

use axum::Json;
use axum::extract::State;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::users::{KeyView, new_key};
use super::{CheckBody, Created};
use crate::api::auth::{ADMIN, Access, Caller, READ};
use crate::api::error::{Body, Path};
use crate::api::schema::{TenantDef, TenantSettingsDef};
use crate::api::table::Route;
use crate::api::{ApiError, ApiState};
use crate::model::{NewTenant, Role, Tenant, TenantId, TenantRole, TenantSettings};

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::post("/tenants", "createTenant", Access::System, create)
            .summary(
                "tenants",
                "Create a tenant and its first admin key (system key)",
            )
            .body::<CreateTenant>()
            .returns_status::<CreatedTenant>(201),
        Route::get("/tenants/{id}", "getTenant", Access::System, get_by_id)
            .summary("tenants", "A tenant (system key)")
            .returns::<TenantDef>(),
        Route::get("/tenant", "getOwnTenant", READ, own)
            .summary("tenants", "The tenant of the key")
            .returns::<TenantDef>(),
        Route::put(
            "/tenant/settings",
            "updateTenantSettings",
            ADMIN,
            update_settings,
        )
        .summary("tenants", "Replace the settings of the key's tenant")
        .body::<TenantSettingsDef>()
        .returns::<TenantDef>(),
    ]
}

/// What it takes to create a tenant.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateTenant {
    /// A display name.
    name: String,
    /// Its OCPI role.
    role: TenantRole,
    /// ISO 3166-1 alpha-2 country code of its OCPI party (`DE`).
    country_code: String,
    /// Its OCPI party id (three characters).
    party_id: String,
    /// Its settings; UTC, EUR, English and unknown stations rejected when absent.
    #[serde(default)]
    #[schemars(with = "Option<TenantSettingsDef>")]
    settings: Option<TenantSettings>,
    /// The name of the admin key made with it (`admin` when absent).
    #[serde(default)]
    admin_key_name: Option<String>,
}

/// A new tenant and its first admin key.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct CreatedTenant {
    /// The tenant.
    #[schemars(with = "TenantDef")]
    tenant: Tenant,
    /// Its admin key; the secret is shown only here.
    admin_key: KeyView,
}

impl CheckBody for CreateTenant {
    fn check_body(&self) -> Result<(), ApiError> {
        if self.name.trim().is_empty() {
            return Err(ApiError::Invalid("name is empty".to_owned()));
        }
        check_party(&self.country_code, &self.party_id)?;
        check_settings(self.settings.as_ref().unwrap_or(&TenantSettings::default()))
    }
}

impl CheckBody for TenantSettings {
    fn check_body(&self) -> Result<(), ApiError> {
        check_settings(self)
    }
}

fn check_party(country_code: &str, party_id: &str) -> Result<(), ApiError> {
    let upper = |text: &str, len: usize| {
        text.len() == len
            && text
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    };
    if !upper(country_code, 2) {
        return Err(ApiError::Invalid(format!(
            "country_code {country_code:?} is not two upper-case letters"
        )));
    }
    if !upper(party_id, 3) {
        return Err(ApiError::Invalid(format!(
            "party_id {party_id:?} is not three upper-case letters or digits"
        )));
    }
    Ok(())
}

pub(crate) fn check_settings(settings: &TenantSettings) -> Result<(), ApiError> {
    if settings.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(ApiError::Invalid(format!(
            "time_zone {:?} is not an IANA time zone",
            settings.time_zone
        )));
    }
    let currency = &settings.currency;
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(ApiError::Invalid(format!(
            "currency {currency:?} is not an ISO 4217 code"
        )));
    }
    Ok(())
}

async fn create(
    State(state): State<ApiState>,
    Body(input): Body<CreateTenant>,
) -> Result<Created<CreatedTenant>, ApiError> {
    input.check_body()?;
    let settings = input.settings.unwrap_or_default();
    let store = &state.inner.store;
    let tenant = store
        .create_tenant(&NewTenant {
            name: input.name,
            role: input.role,
            country_code: input.country_code,
            party_id: input.party_id,
            settings,
        })
        .await?;
    let name = input.admin_key_name.unwrap_or_else(|| "admin".to_owned());
    let admin_key = new_key(&state, tenant.id, name, vec![Role::Admin], None, None).await?;
    tracing::info!(tenant = %tenant.id, name = tenant.name, "tenant created");
    Ok(Created(CreatedTenant { tenant, admin_key }))
}

async fn get_by_id(
    State(state): State<ApiState>,
    Path(id): Path<i64>,
) -> Result<Json<Tenant>, ApiError> {
    let tenant = state.inner.store.tenant(TenantId(id)).await?;
    tenant.map(Json).ok_or(ApiError::NotFound("tenant"))
}

async fn own(State(state): State<ApiState>, caller: Caller) -> Result<Json<Tenant>, ApiError> {
    let tenant = state.inner.store.tenant(caller.tenant).await?;
    tenant.map(Json).ok_or(ApiError::NotFound("tenant"))
}

async fn update_settings(
    State(state): State<ApiState>,
    caller: Caller,
    Body(settings): Body<TenantSettings>,
) -> Result<Json<Tenant>, ApiError> {
    check_settings(&settings)?;
    let store = &state.inner.store;
    if !store
        .update_tenant_settings(caller.tenant, &settings)
        .await?
    {
        return Err(ApiError::NotFound("tenant"));
    }
    own(State(state), caller).await
}
