//! Webhook subscriptions, their delivery log, and the outbox's events.

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
    DeliveryId, DeliveryStatus, EventId, EventKind, NewWebhook, OutboxEvent, TenantId, Webhook,
    WebhookDelivery, WebhookId,
};
use crate::outbox::WebhookSecret;

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::post("/webhooks", "createWebhook", ADMIN, create)
            .summary(
                "webhooks",
                "Subscribe a URL to the tenant's events; the answer is the only place the \
                 signing secret is shown",
            )
            .body::<CreateWebhook>()
            .returns_status::<CreatedWebhook>(201),
        Route::get("/webhooks", "listWebhooks", READ, list)
            .summary("webhooks", "The tenant's webhook subscriptions")
            .returns::<Vec<WebhookView>>(),
        Route::get("/webhooks/{id}", "getWebhook", READ, get_one)
            .summary("webhooks", "A webhook subscription")
            .returns::<WebhookView>(),
        Route::put("/webhooks/{id}", "updateWebhook", ADMIN, update)
            .summary(
                "webhooks",
                "Change where a subscription posts, what it wants, whether it is active \
                 (its secret is kept)",
            )
            .body::<WebhookChange>()
            .returns::<WebhookView>(),
        Route::post(
            "/webhooks/{id}/secret",
            "rotateWebhookSecret",
            ADMIN,
            rotate_secret,
        )
        .summary(
            "webhooks",
            "Generate a new signing secret, replacing the old one at once; the answer is \
                 the only place it is shown",
        )
        .returns::<CreatedWebhook>(),
        Route::delete("/webhooks/{id}", "deleteWebhook", ADMIN, delete)
            .summary(
                "webhooks",
                "Delete a subscription (409 once it has deliveries: deactivate it instead)",
            )
            .no_content(),
        Route::get(
            "/webhooks/{id}/deliveries",
            "listWebhookDeliveries",
            READ,
            deliveries,
        )
        .summary(
            "webhooks",
            "The subscription's delivery log, newest first: each event with its attempts, \
                 status and last error",
        )
        .query::<PageQuery>()
        .returns::<List<DeliveryView>>()
        .paged(),
        Route::get("/events", "listEvents", READ, events)
            .summary(
                "webhooks",
                "The tenant's events, oldest first, from the outbox (page with `after`, the \
                 last id seen)",
            )
            .query::<EventQuery>()
            .returns::<Vec<EventView>>(),
    ]
}

/// What it takes to subscribe.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateWebhook {
    /// Where events are posted (`https://...`, or `http://...`).
    url: String,
    /// The event types it wants (`session.started`, ...); every type when empty.
    #[serde(default)]
    events: Vec<String>,
    /// Its signing secret (`whsec_` and the Base64 of 24 to 64 bytes); generated when
    /// absent.
    secret: Option<String>,
    /// Whether it gets deliveries (default true).
    #[serde(default = "yes")]
    active: bool,
}

/// A change of a subscription.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookChange {
    /// Where events are posted.
    url: String,
    /// The event types it wants; every type when empty.
    #[serde(default)]
    events: Vec<String>,
    /// Whether it gets deliveries.
    active: bool,
}

fn yes() -> bool {
    true
}

/// A subscription as shown (never its secret).
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct WebhookView {
    /// Its identifier.
    #[schemars(with = "i64")]
    id: WebhookId,
    /// Where events are posted.
    url: String,
    /// The event types it wants; every type when empty.
    events: Vec<String>,
    /// Whether it gets deliveries.
    active: bool,
    /// When it was created.
    created_at: DateTime<Utc>,
}

impl From<&Webhook> for WebhookView {
    fn from(webhook: &Webhook) -> Self {
        WebhookView {
            id: webhook.id,
            url: webhook.url.clone(),
            events: webhook.events.clone(),
            active: webhook.active,
            created_at: webhook.created_at,
        }
    }
}

/// A subscription with its signing secret, shown once.
#[derive(Serialize, JsonSchema)]
pub(crate) struct CreatedWebhook {
    /// The subscription.
    webhook: WebhookView,
    /// The secret deliveries are signed with (Standard Webhooks: `whsec_` and Base64).
    secret: String,
}

/// One delivery of an event to a subscription.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct DeliveryView {
    /// Its identifier.
    #[schemars(with = "i64")]
    id: DeliveryId,
    /// The event type.
    event: String,
    /// The event, when the delivery is one of the outbox's.
    #[schemars(with = "Option<i64>")]
    event_id: Option<EventId>,
    /// The object the event is about (`session:42`).
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
    /// The body posted.
    payload: serde_json::Value,
    /// When it was queued.
    created_at: DateTime<Utc>,
}

impl From<WebhookDelivery> for DeliveryView {
    fn from(delivery: WebhookDelivery) -> Self {
        DeliveryView {
            id: delivery.id,
            event: delivery.event,
            event_id: delivery.event_id,
            subject: delivery.subject,
            status: match delivery.status {
                DeliveryStatus::Pending => "pending",
                DeliveryStatus::Delivered => "delivered",
                DeliveryStatus::Failed => "failed",
            }
            .to_owned(),
            attempts: delivery.attempts,
            last_attempt_at: delivery.last_attempt_at,
            next_attempt_at: delivery.next_attempt_at,
            last_error: delivery.last_error,
            response_status: delivery.response_status,
            payload: delivery.payload,
            created_at: delivery.created_at,
        }
    }
}

/// Which events to list.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventQuery {
    /// Only events after this one (the last id of the previous page).
    after: Option<i64>,
    /// How many at most (default 50, at most 500).
    limit: Option<u32>,
}

/// An event of the outbox.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct EventView {
    /// Its identifier, increasing.
    #[schemars(with = "i64")]
    id: EventId,
    /// Its type (`session.started`, ...).
    #[serde(rename = "type")]
    kind: String,
    /// The object it is about.
    subject: String,
    /// The object after the change.
    data: serde_json::Value,
    /// When it was written.
    created_at: DateTime<Utc>,
}

impl From<OutboxEvent> for EventView {
    fn from(event: OutboxEvent) -> Self {
        EventView {
            id: event.id,
            kind: event.kind.as_str().to_owned(),
            subject: event.subject,
            data: event.data,
            created_at: event.created_at,
        }
    }
}

/// Checks a subscription's URL and event types.
fn check_target(url: &str, events: &[String]) -> Result<(), ApiError> {
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok || url.len() > 2048 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ApiError::Invalid(format!(
            "url {url:?} is not an http or https URL of at most 2048 characters"
        )));
    }
    if events.len() > EventKind::ALL.len() {
        return Err(ApiError::Invalid("events lists a type twice".to_owned()));
    }
    if let Some(unknown) = events
        .iter()
        .find(|event| EventKind::parse(event).is_none())
    {
        let known: Vec<&str> = EventKind::ALL.iter().map(|kind| kind.as_str()).collect();
        return Err(ApiError::Invalid(format!(
            "unknown event type {unknown:?}; the types are {}",
            known.join(", ")
        )));
    }
    Ok(())
}

impl CheckBody for CreateWebhook {
    fn check_body(&self) -> Result<(), ApiError> {
        check_target(&self.url, &self.events)?;
        if let Some(secret) = &self.secret {
            WebhookSecret::parse(secret).map_err(|error| ApiError::Invalid(error.to_string()))?;
        }
        Ok(())
    }
}

impl CheckBody for WebhookChange {
    fn check_body(&self) -> Result<(), ApiError> {
        check_target(&self.url, &self.events)
    }
}

fn generated_secret() -> Result<WebhookSecret, ApiError> {
    WebhookSecret::generate().map_err(|error| ApiError::Unavailable(error.to_string()))
}

async fn find(state: &ApiState, tenant: TenantId, id: i64) -> Result<Webhook, ApiError> {
    state
        .inner
        .store
        .webhook(tenant, WebhookId(id))
        .await?
        .ok_or(ApiError::NotFound("webhook"))
}

async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    Body(body): Body<CreateWebhook>,
) -> Result<Created<CreatedWebhook>, ApiError> {
    body.check_body()?;
    let secret = match &body.secret {
        Some(text) => {
            WebhookSecret::parse(text).map_err(|error| ApiError::Invalid(error.to_string()))?
        }
        None => generated_secret()?,
    };
    let new = NewWebhook {
        url: body.url,
        events: body.events,
        secret: secret.to_text(),
        active: body.active,
    };
    let webhook = state
        .inner
        .store
        .create_webhook(caller.tenant, &new)
        .await?;
    let view = WebhookView::from(&webhook);
    state
        .audit(
            &caller,
            "webhook.create",
            format!("webhook:{}", webhook.id),
            None,
            as_json(&view),
        )
        .await?;
    Ok(Created(CreatedWebhook {
        webhook: view,
        secret: webhook.secret,
    }))
}

async fn list(
    State(state): State<ApiState>,
    caller: Caller,
) -> Result<Json<Vec<WebhookView>>, ApiError> {
    let webhooks = state.inner.store.webhooks(caller.tenant).await?;
    Ok(Json(webhooks.iter().map(WebhookView::from).collect()))
}

async fn get_one(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<WebhookView>, ApiError> {
    Ok(Json(WebhookView::from(
        &find(&state, caller.tenant, id).await?,
    )))
}

async fn update(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(change): Body<WebhookChange>,
) -> Result<Json<WebhookView>, ApiError> {
    change.check_body()?;
    let before = find(&state, caller.tenant, id).await?;
    let new = NewWebhook {
        url: change.url,
        events: change.events,
        secret: before.secret.clone(),
        active: change.active,
    };
    let webhook = state
        .inner
        .store
        .update_webhook(caller.tenant, before.id, &new)
        .await?
        .ok_or(ApiError::NotFound("webhook"))?;
    let view = WebhookView::from(&webhook);
    state
        .audit(
            &caller,
            "webhook.update",
            format!("webhook:{id}"),
            as_json(&WebhookView::from(&before)),
            as_json(&view),
        )
        .await?;
    Ok(Json(view))
}

async fn rotate_secret(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<CreatedWebhook>, ApiError> {
    let before = find(&state, caller.tenant, id).await?;
    let secret = generated_secret()?.to_text();
    let new = NewWebhook {
        url: before.url.clone(),
        events: before.events.clone(),
        secret: secret.clone(),
        active: before.active,
    };
    let webhook = state
        .inner
        .store
        .update_webhook(caller.tenant, before.id, &new)
        .await?
        .ok_or(ApiError::NotFound("webhook"))?;
    // The audit entry says that it changed, never what to.
    state
        .audit(
            &caller,
            "webhook.secret",
            format!("webhook:{id}"),
            None,
            Some(serde_json::json!({ "rotated": true })),
        )
        .await?;
    Ok(Json(CreatedWebhook {
        webhook: WebhookView::from(&webhook),
        secret,
    }))
}

async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::http::StatusCode, ApiError> {
    let before = find(&state, caller.tenant, id).await?;
    if !state
        .inner
        .store
        .delete_webhook(caller.tenant, before.id)
        .await?
    {
        return Err(ApiError::NotFound("webhook"));
    }
    state
        .audit(
            &caller,
            "webhook.delete",
            format!("webhook:{id}"),
            as_json(&WebhookView::from(&before)),
            None,
        )
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

async fn deliveries(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> Result<List<DeliveryView>, ApiError> {
    let page = query.page()?;
    let webhook = find(&state, caller.tenant, id).await?;
    let log = state
        .inner
        .store
        .deliveries(caller.tenant, webhook.id, page)
        .await?;
    Ok(List::of(log.map(DeliveryView::from), page))
}

async fn events(
    State(state): State<ApiState>,
    caller: Caller,
    Query(query): Query<EventQuery>,
) -> Result<Json<Vec<EventView>>, ApiError> {
    let page = super::page(None, query.limit)?;
    let events = state
        .inner
        .store
        .events(caller.tenant, query.after.map(EventId), page.limit)
        .await?;
    Ok(Json(events.into_iter().map(EventView::from).collect()))
}
