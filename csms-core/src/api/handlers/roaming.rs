//! Roaming partners: the OCPI parties a tenant connects with, their registration in both
//! directions, suspension and removal.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{CheckBody, Created, List, PageQuery, as_json};
use crate::api::auth::{ADMIN, Caller, READ};
use crate::api::error::{Body, Path, Query};
use crate::api::table::Route;
use crate::api::{ApiError, ApiState};
use crate::model::{
    EventId, NewRoamingPartner, PartnerDelivery, PartnerDeliveryId, PartnerEndpoint, PartnerStatus,
    RoamingPartner, RoamingPartnerId, TenantRole, TokenHash,
};
use crate::roaming::partners::caller as partner_caller;

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::post("/roaming-partners", "createRoamingPartner", ADMIN, create)
            .summary(
                "roaming",
                "Add an OCPI partner: the answer carries the token A it registers with (shown \
                 once) and our versions URL",
            )
            .body::<CreatePartner>()
            .returns_status::<CreatedPartner>(201),
        Route::get("/roaming-partners", "listRoamingPartners", READ, list)
            .summary("roaming", "The tenant's roaming partners")
            .query::<PageQuery>()
            .returns::<List<PartnerView>>()
            .paged(),
        Route::get("/roaming-partners/{id}", "getRoamingPartner", READ, get_one)
            .summary(
                "roaming",
                "A roaming partner: its status, version and endpoints",
            )
            .returns::<PartnerView>(),
        Route::post(
            "/roaming-partners/{id}/register",
            "registerWithRoamingPartner",
            ADMIN,
            register,
        )
        .summary(
            "roaming",
            "Register with the partner (we send the credentials): its versions URL and the \
             token A it gave us; answers once the exchange is done, or which step failed",
        )
        .body::<RegisterBody>()
        .returns::<PartnerView>(),
        Route::post(
            "/roaming-partners/{id}/token",
            "issueRoamingPartnerToken",
            ADMIN,
            new_token,
        )
        .summary(
            "roaming",
            "Issue a new token A for the partner to register (again) with; its earlier \
             tokens stop working",
        )
        .returns::<CreatedPartner>(),
        Route::post(
            "/roaming-partners/{id}/suspend",
            "suspendRoamingPartner",
            ADMIN,
            suspend,
        )
        .summary(
            "roaming",
            "Refuse the partner's requests until it is resumed",
        )
        .returns::<PartnerView>(),
        Route::post(
            "/roaming-partners/{id}/resume",
            "resumeRoamingPartner",
            ADMIN,
            resume,
        )
        .summary("roaming", "Accept a suspended partner's requests again")
        .returns::<PartnerView>(),
        Route::get(
            "/roaming-partners/{id}/pushes",
            "listRoamingPartnerPushes",
            READ,
            pushes,
        )
        .summary(
            "roaming",
            "What was pushed to the partner, newest first: each event with its attempts, \
             status and last error",
        )
        .query::<PageQuery>()
        .returns::<List<PushView>>()
        .paged(),
        Route::get(
            "/roaming-partners/{id}/client-info",
            "listRoamingPartnerClientInfo",
            READ,
            client_info,
        )
        .summary(
            "roaming",
            "What a hub partner told of the parties connected to it (OCPI HubClientInfo): \
             each party's role and connection status, by country code and party id",
        )
        .returns::<ClientInfoList>(),
        Route::delete(
            "/roaming-partners/{id}",
            "deleteRoamingPartner",
            ADMIN,
            delete,
        )
        .summary("roaming", "Remove a roaming partner")
        .no_content(),
    ]
}

/// What it takes to add a partner.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreatePartner {
    /// Its ISO 3166-1 alpha-2 country code.
    country_code: String,
    /// Its OCPI party id (3 characters).
    party_id: String,
    /// Its role: `EMSP`, `CPO` or `HUB`.
    #[schemars(with = "String")]
    role: TenantRole,
    /// What the operator calls it.
    name: String,
}

impl CheckBody for CreatePartner {
    fn check_body(&self) -> Result<(), ApiError> {
        if self.country_code.len() != 2
            || !self.country_code.chars().all(|c| c.is_ascii_alphabetic())
        {
            return Err(ApiError::Invalid(
                "country_code must be 2 letters".to_owned(),
            ));
        }
        if self.party_id.len() != 3 || !self.party_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ApiError::Invalid(
                "party_id must be 3 letters or digits".to_owned(),
            ));
        }
        if self.name.trim().is_empty() || self.name.len() > 100 {
            return Err(ApiError::Invalid(
                "name must have 1 to 100 characters".to_owned(),
            ));
        }
        Ok(())
    }
}

/// Where and how to register with a partner.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegisterBody {
    /// The partner's OCPI versions URL.
    versions_url: String,
    /// The token A the partner gave us.
    token: String,
}

impl CheckBody for RegisterBody {
    fn check_body(&self) -> Result<(), ApiError> {
        if !(self.versions_url.starts_with("https://") || self.versions_url.starts_with("http://"))
        {
            return Err(ApiError::Invalid(
                "versions_url must be an http or https URL".to_owned(),
            ));
        }
        if self.token.is_empty() || self.token.len() > 255 {
            return Err(ApiError::Invalid(
                "token must have 1 to 255 characters".to_owned(),
            ));
        }
        Ok(())
    }
}

/// A partner as shown (never a token).
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct PartnerView {
    /// Its identifier.
    #[schemars(with = "i64")]
    id: RoamingPartnerId,
    /// What the operator calls it.
    name: String,
    /// Its country code.
    country_code: String,
    /// Its party id.
    party_id: String,
    /// Its role.
    #[schemars(with = "String")]
    role: TenantRole,
    /// `pending` (not registered), `connected` or `suspended`.
    #[schemars(with = "String")]
    status: PartnerStatus,
    /// Its OCPI versions URL, once known.
    versions_url: String,
    /// The OCPI version agreed.
    version: Option<String>,
    /// Its endpoints in that version.
    #[schemars(with = "Vec<serde_json::Value>")]
    endpoints: Vec<PartnerEndpoint>,
    /// Whether we hold a token to call it with.
    can_call: bool,
    /// When it last pulled one of our modules (to the minute); what was pushed to it is
    /// at `/roaming-partners/{id}/pushes`.
    last_pull_at: Option<DateTime<Utc>>,
    /// When it was added.
    created_at: DateTime<Utc>,
    /// When it last changed.
    updated_at: DateTime<Utc>,
}

impl From<&RoamingPartner> for PartnerView {
    fn from(partner: &RoamingPartner) -> Self {
        PartnerView {
            id: partner.id,
            name: partner.name.clone(),
            country_code: partner.country_code.clone(),
            party_id: partner.party_id.clone(),
            role: partner.role,
            status: partner.status,
            versions_url: partner.versions_url.clone(),
            version: partner.version.clone(),
            endpoints: partner.endpoints.clone(),
            can_call: partner.their_token.is_some(),
            last_pull_at: partner.last_pull_at,
            created_at: partner.created_at,
            updated_at: partner.updated_at,
        }
    }
}

/// One event pushed to a partner.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct PushView {
    /// Its identifier.
    #[schemars(with = "i64")]
    id: PartnerDeliveryId,
    /// The event's type (`session.started`, ...).
    event: String,
    /// The event.
    #[schemars(with = "i64")]
    event_id: EventId,
    /// The object it is about (`session:42`).
    subject: String,
    /// `pending`, `delivered` or `failed` (given up).
    status: String,
    /// How many attempts were made.
    attempts: u32,
    /// When the last attempt was made.
    last_attempt_at: Option<DateTime<Utc>>,
    /// When it is tried next (pending).
    next_attempt_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed.
    last_error: Option<String>,
    /// The HTTP status of the last answer.
    response_status: Option<i32>,
    /// When it was queued.
    created_at: DateTime<Utc>,
}

impl From<PartnerDelivery> for PushView {
    fn from(push: PartnerDelivery) -> Self {
        PushView {
            id: push.id,
            event: push.kind.as_str().to_owned(),
            event_id: push.event_id,
            subject: push.subject,
            status: push.status.as_str().to_owned(),
            attempts: push.attempts,
            last_attempt_at: push.last_attempt_at,
            next_attempt_at: push.next_attempt_at,
            last_error: push.last_error,
            response_status: push.response_status,
            created_at: push.created_at,
        }
    }
}

/// A partner with the token A it registers with, shown once.
#[derive(Serialize, JsonSchema)]
pub(crate) struct CreatedPartner {
    /// The partner.
    partner: PartnerView,
    /// The token the partner presents to register (`Authorization: Token` of its
    /// credentials request).
    token_a: String,
    /// Our OCPI versions URL, which the partner starts from.
    versions_url: String,
}

fn roaming(state: &ApiState) -> Result<&Arc<ocpi_server::OcpiServer>, ApiError> {
    state.inner.roaming.as_ref().ok_or_else(|| {
        ApiError::Unavailable("roaming is not served (no OCPI public URL configured)".to_owned())
    })
}

async fn find(state: &ApiState, caller: &Caller, id: i64) -> Result<RoamingPartner, ApiError> {
    state
        .inner
        .store
        .partner(caller.tenant, RoamingPartnerId(id))
        .await?
        .ok_or(ApiError::NotFound("roaming partner"))
}

fn fresh_token() -> Result<String, ApiError> {
    ocpi_server::generate_token().map_err(|error| ApiError::Unavailable(error.to_string()))
}

async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    Body(body): Body<CreatePartner>,
) -> Result<Created<CreatedPartner>, ApiError> {
    body.check_body()?;
    let versions_url = roaming(&state)?.config().versions_url();
    let token_a = fresh_token()?;
    let new = NewRoamingPartner {
        name: body.name.trim().to_owned(),
        country_code: body.country_code.to_ascii_uppercase(),
        party_id: body.party_id.to_ascii_uppercase(),
        role: body.role,
        versions_url: String::new(),
        version: None,
        our_token_hash: Some(TokenHash::of(&token_a)),
        their_token: None,
        endpoints: Vec::new(),
        status: PartnerStatus::Pending,
    };
    let partner = state
        .inner
        .store
        .create_partner(caller.tenant, &new)
        .await?;
    let view = PartnerView::from(&partner);
    state
        .audit(
            &caller,
            "roaming_partner.create",
            format!("roaming_partner:{}", partner.id),
            None,
            as_json(&view),
        )
        .await?;
    Ok(Created(CreatedPartner {
        partner: view,
        token_a,
        versions_url,
    }))
}

async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<List<PartnerView>, ApiError> {
    let page = query.page()?;
    let partners = state.inner.store.list_partners(caller.tenant, page).await?;
    Ok(List::of(partners.map(|p| PartnerView::from(&p)), page))
}

async fn get_one(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<PartnerView>, ApiError> {
    Ok(Json(PartnerView::from(&find(&state, &caller, id).await?)))
}

async fn register(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<RegisterBody>,
) -> Result<Json<PartnerView>, ApiError> {
    body.check_body()?;
    let server = roaming(&state)?;
    let partner = find(&state, &caller, id).await?;
    if partner.status == PartnerStatus::Suspended {
        return Err(ApiError::Conflict(
            "the partner is suspended: resume it first".to_owned(),
        ));
    }
    server
        .register_with(&partner_caller(&partner), &body.versions_url, &body.token)
        .await
        .map_err(|error| ApiError::PartnerFailed(error.to_string()))?;
    let registered = find(&state, &caller, id).await?;
    let view = PartnerView::from(&registered);
    state
        .audit(
            &caller,
            "roaming_partner.register",
            format!("roaming_partner:{id}"),
            as_json(&PartnerView::from(&partner)),
            as_json(&view),
        )
        .await?;
    Ok(Json(view))
}

async fn new_token(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<CreatedPartner>, ApiError> {
    let versions_url = roaming(&state)?.config().versions_url();
    let partner = find(&state, &caller, id).await?;
    let token_a = fresh_token()?;
    let mut update = crate::roaming::partners::as_new(&partner);
    update.our_token_hash = Some(TokenHash::of(&token_a));
    update.their_token = None;
    update.status = PartnerStatus::Pending;
    let updated = state
        .inner
        .store
        .update_partner(caller.tenant, partner.id, &update)
        .await?
        .ok_or(ApiError::NotFound("roaming partner"))?;
    // The audit entry says that it changed, never what to.
    state
        .audit(
            &caller,
            "roaming_partner.token",
            format!("roaming_partner:{id}"),
            None,
            Some(serde_json::json!({ "token_a": "issued" })),
        )
        .await?;
    Ok(Json(CreatedPartner {
        partner: PartnerView::from(&updated),
        token_a,
        versions_url,
    }))
}

async fn set_status(
    state: &ApiState,
    caller: &Caller,
    id: i64,
    status: PartnerStatus,
    action: &str,
) -> Result<Json<PartnerView>, ApiError> {
    let partner = find(state, caller, id).await?;
    let status = match (status, partner.status) {
        // Resuming returns a partner to where its tokens put it.
        (PartnerStatus::Connected, _) if partner.their_token.is_none() => PartnerStatus::Pending,
        (status, _) => status,
    };
    state
        .inner
        .store
        .set_partner_status(caller.tenant, partner.id, status)
        .await?;
    let updated = find(state, caller, id).await?;
    state
        .audit(
            caller,
            action,
            format!("roaming_partner:{id}"),
            Some(serde_json::json!({ "status": partner.status })),
            Some(serde_json::json!({ "status": updated.status })),
        )
        .await?;
    Ok(Json(PartnerView::from(&updated)))
}

async fn suspend(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<PartnerView>, ApiError> {
    set_status(
        &state,
        &caller,
        id,
        PartnerStatus::Suspended,
        "roaming_partner.suspend",
    )
    .await
}

async fn resume(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<PartnerView>, ApiError> {
    set_status(
        &state,
        &caller,
        id,
        PartnerStatus::Connected,
        "roaming_partner.resume",
    )
    .await
}

async fn pushes(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> Result<List<PushView>, ApiError> {
    let page = query.page()?;
    let partner = find(&state, &caller, id).await?;
    let log = state
        .inner
        .store
        .partner_deliveries(caller.tenant, partner.id, page)
        .await?;
    Ok(List::of(log.map(PushView::from), page))
}

/// What a hub told of its other clients.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ClientInfoList {
    /// OCPI 2.2.1 `ClientInfo` objects, by country code and party id.
    items: Vec<ocpi_types::v221::hub_client_info::ClientInfo>,
}

async fn client_info(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ClientInfoList>, ApiError> {
    let partner = find(&state, &caller, id).await?;
    let items = state
        .inner
        .store
        .client_infos(caller.tenant, partner.id)
        .await?;
    Ok(Json(ClientInfoList { items }))
}

async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::http::StatusCode, ApiError> {
    let partner = find(&state, &caller, id).await?;
    if !state
        .inner
        .store
        .delete_partner(caller.tenant, partner.id)
        .await?
    {
        return Err(ApiError::NotFound("roaming partner"));
    }
    state
        .audit(
            &caller,
            "roaming_partner.delete",
            format!("roaming_partner:{id}"),
            as_json(&PartnerView::from(&partner)),
            None,
        )
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
