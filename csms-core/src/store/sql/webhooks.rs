//! Webhook subscriptions and their delivery log.

/// Implements the webhooks part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! webhooks {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        pub(super) mod webhooks {
            use super::*;
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::Row;

            use crate::model::{
                AttemptOutcome, DeliveryId, DeliveryStatus, EventId, NewDelivery, NewWebhook, TenantId,
                Webhook, WebhookDelivery, WebhookId,
            };
            use crate::store::sql::{at, from_json, now, parse, to_json};
            use crate::store::secret_box::SecretKind;
            use crate::store::{Page, Paged, StoreError, StoreResult, WebhookStore};

            const WEBHOOK_COLUMNS: &str = "id, tenant_id, url, events, secret, active, created_at";
            pub(in crate::store) const DELIVERY_COLUMNS: &str = "id, tenant_id, webhook_id, \
                 event, event_key, event_id, subject, payload, status, attempts, last_attempt_at, next_attempt_at, last_error, \
                 response_status, created_at";

            fn webhook_from(store: &$store, row: &$row) -> StoreResult<Webhook> {
                let tenant_id = TenantId(row.try_get("tenant_id")?);
                Ok(Webhook {
                    id: WebhookId(row.try_get("id")?),
                    tenant_id,
                    url: row.try_get("url")?,
                    events: from_json("webhook events", &row.try_get::<String, _>("events")?)?,
                    secret: SecretKind::WebhookSecret.open(
                        store.secret_key.as_deref(),
                        tenant_id,
                        row.try_get("secret")?,
                    )?,
                    active: row.try_get("active")?,
                    created_at: row.try_get("created_at")?,
                })
            }

            pub(in crate::store) fn delivery_from(row: &$row) -> StoreResult<WebhookDelivery> {
                let attempts: i32 = row.try_get("attempts")?;
                Ok(WebhookDelivery {
                    id: DeliveryId(row.try_get("id")?),
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    webhook_id: WebhookId(row.try_get("webhook_id")?),
                    event: row.try_get("event")?,
                    event_key: row.try_get("event_key")?,
                    event_id: row.try_get::<Option<i64>, _>("event_id")?.map(EventId),
                    subject: row.try_get("subject")?,
                    payload: from_json("webhook payload", &row.try_get::<String, _>("payload")?)?,
                    status: parse(
                        "delivery status",
                        &row.try_get::<String, _>("status")?,
                        DeliveryStatus::parse,
                    )?,
                    attempts: u32::try_from(attempts)
                        .map_err(|error| StoreError::corrupt("delivery attempts", error))?,
                    last_attempt_at: row.try_get("last_attempt_at")?,
                    next_attempt_at: row.try_get("next_attempt_at")?,
                    last_error: row.try_get("last_error")?,
                    response_status: row.try_get("response_status")?,
                    created_at: row.try_get("created_at")?,
                })
            }

            async fn delivery(
                store: &$store,
                tenant: TenantId,
                id: DeliveryId,
            ) -> StoreResult<Option<WebhookDelivery>> {
                sqlx::query(&format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
                     WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(&store.readers)
                .await?
                .as_ref()
                .map(delivery_from)
                .transpose()
            }

            type Pool = sqlx::Pool<<$row as sqlx::Row>::Database>;

            /// Records an attempt at a pending delivery of `table` (`webhook_deliveries`,
            /// `partner_deliveries`): its status, next attempt, last error and answer's HTTP
            /// status, and the end of its lease.
            pub(in crate::store) async fn record_attempt_in(
                pool: &Pool,
                table: &str,
                (tenant, id): (TenantId, i64),
                when: DateTime<Utc>,
                outcome: &AttemptOutcome,
            ) -> StoreResult<()> {
                let (status, next, error, response) = match outcome {
                    AttemptOutcome::Delivered { response_status } => {
                        (DeliveryStatus::Delivered, None, None, Some(*response_status))
                    }
                    AttemptOutcome::Retry {
                        error,
                        response_status,
                        next_attempt_at,
                    } => (
                        DeliveryStatus::Pending,
                        Some(at(*next_attempt_at)),
                        Some(error.as_str()),
                        *response_status,
                    ),
                    AttemptOutcome::GiveUp {
                        error,
                        response_status,
                    } => (DeliveryStatus::Failed, None, Some(error.as_str()), *response_status),
                };
                sqlx::query(&format!(
                    "UPDATE {table} SET status = $3, attempts = attempts + 1, \
                     last_attempt_at = $4, next_attempt_at = $5, last_error = $6, \
                     response_status = $7, leased_until = NULL \
                     WHERE tenant_id = $1 AND id = $2 AND status = 'pending'"
                ))
                .bind(tenant.0)
                .bind(id)
                .bind(status.as_str())
                .bind(at(when))
                .bind(next)
                .bind(error)
                .bind(response)
                .execute(pool)
                .await?;
                Ok(())
            }

            /// A page of the delivery log of `table` for one subscriber (`owner_column` =
            /// `owner`), newest first.
            pub(in crate::store) async fn delivery_page<T>(
                readers: &Pool,
                (table, owner_column, columns): (&str, &str, &str),
                (tenant, owner): (TenantId, i64),
                page: Page,
                read: fn(&$row) -> StoreResult<T>,
            ) -> StoreResult<Paged<T>> {
                let (offset, limit) = page.binds();
                let total: i64 = sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM {table} WHERE tenant_id = $1 AND {owner_column} = $2"
                ))
                .bind(tenant.0)
                .bind(owner)
                .fetch_one(readers)
                .await?;
                let items = sqlx::query(&format!(
                    "SELECT {columns} FROM {table} WHERE tenant_id = $1 AND {owner_column} = $2 \
                     ORDER BY id DESC LIMIT $3 OFFSET $4"
                ))
                .bind(tenant.0)
                .bind(owner)
                .bind(limit)
                .bind(offset)
                .fetch_all(readers)
                .await?
                .iter()
                .map(read)
                .collect::<StoreResult<Vec<_>>>()?;
                Ok(Paged::new(items, total.unsigned_abs()))
            }

            #[async_trait]
            impl WebhookStore for $store {
                async fn create_webhook(
                    &self,
                    tenant: TenantId,
                    new: &NewWebhook,
                ) -> StoreResult<Webhook> {
                    let row = sqlx::query(&format!(
                        "INSERT INTO webhooks (tenant_id, url, events, secret, active, \
                         created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {WEBHOOK_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(&new.url)
                    .bind(to_json("webhook events", &new.events)?)
                    .bind(SecretKind::WebhookSecret.seal(
                        self.secret_key.as_deref(),
                        tenant,
                        &new.secret,
                    )?)
                    .bind(new.active)
                    .bind(now())
                    .fetch_one(&self.pool)
                    .await
                    .map_err(StoreError::on("webhook"))?;
                    webhook_from(self, &row)
                }

                async fn webhook(
                    &self,
                    tenant: TenantId,
                    id: WebhookId,
                ) -> StoreResult<Option<Webhook>> {
                    sqlx::query(&format!(
                        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE tenant_id = $1 AND id = $2"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(|row| webhook_from(self, row))
                    .transpose()
                }

                async fn webhooks(&self, tenant: TenantId) -> StoreResult<Vec<Webhook>> {
                    sqlx::query(&format!(
                        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE tenant_id = $1 ORDER BY id"
                    ))
                    .bind(tenant.0)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(|row| webhook_from(self, row))
                    .collect()
                }

                async fn update_webhook(
                    &self,
                    tenant: TenantId,
                    id: WebhookId,
                    update: &NewWebhook,
                ) -> StoreResult<Option<Webhook>> {
                    sqlx::query(&format!(
                        "UPDATE webhooks SET url = $3, events = $4, secret = $5, active = $6 \
                         WHERE tenant_id = $1 AND id = $2 RETURNING {WEBHOOK_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(&update.url)
                    .bind(to_json("webhook events", &update.events)?)
                    .bind(SecretKind::WebhookSecret.seal(
                        self.secret_key.as_deref(),
                        tenant,
                        &update.secret,
                    )?)
                    .bind(update.active)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(|row| webhook_from(self, row))
                    .transpose()
                }

                async fn delete_webhook(&self, tenant: TenantId, id: WebhookId) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.0)
                        .bind(id.0)
                        .execute(&self.pool)
                        .await
                        .map_err(StoreError::referenced("webhook with deliveries"))?;
                    Ok(done.rows_affected() > 0)
                }

                async fn enqueue_delivery(
                    &self,
                    tenant: TenantId,
                    new: &NewDelivery,
                ) -> StoreResult<(WebhookDelivery, bool)> {
                    let inserted: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO webhook_deliveries (tenant_id, webhook_id, event, \
                         event_key, subject, payload, status, attempts, next_attempt_at, \
                         created_at) \
                         SELECT tenant_id, id, $3, $4, $8, $5, 'pending', 0, $6, $7 FROM webhooks \
                         WHERE tenant_id = $1 AND id = $2 ON CONFLICT DO NOTHING RETURNING id",
                    )
                    .bind(tenant.0)
                    .bind(new.webhook_id.0)
                    .bind(&new.event)
                    .bind(&new.event_key)
                    .bind(to_json("webhook payload", &new.payload)?)
                    .bind(at(new.due_at))
                    .bind(now())
                    .bind(&new.subject)
                    .fetch_optional(&self.pool)
                    .await?;
                    let row = sqlx::query(&format!(
                        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
                         WHERE tenant_id = $1 AND webhook_id = $2 AND event_key = $3"
                    ))
                    .bind(tenant.0)
                    .bind(new.webhook_id.0)
                    .bind(&new.event_key)
                    .fetch_optional(&self.readers)
                    .await?;
                    match row {
                        Some(row) => Ok((delivery_from(&row)?, inserted.is_some())),
                        None => Err(StoreError::NotFound { what: "webhook" }),
                    }
                }

                async fn record_attempt(
                    &self,
                    tenant: TenantId,
                    id: DeliveryId,
                    when: DateTime<Utc>,
                    outcome: &AttemptOutcome,
                ) -> StoreResult<Option<WebhookDelivery>> {
                    record_attempt_in(
                        &self.pool,
                        "webhook_deliveries",
                        (tenant, id.0),
                        when,
                        outcome,
                    )
                    .await?;
                    delivery(self, tenant, id).await
                }

                async fn due_deliveries(
                    &self,
                    tenant: TenantId,
                    when: DateTime<Utc>,
                    limit: u32,
                ) -> StoreResult<Vec<WebhookDelivery>> {
                    sqlx::query(&format!(
                        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
                         WHERE tenant_id = $1 AND status = 'pending' AND next_attempt_at <= $2 \
                         ORDER BY next_attempt_at, id LIMIT $3"
                    ))
                    .bind(tenant.0)
                    .bind(at(when))
                    .bind(i64::from(limit.min(Page::MAX_LIMIT)))
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(delivery_from)
                    .collect()
                }

                async fn deliveries(
                    &self,
                    tenant: TenantId,
                    webhook: WebhookId,
                    page: Page,
                ) -> StoreResult<Paged<WebhookDelivery>> {
                    delivery_page(
                        &self.readers,
                        ("webhook_deliveries", "webhook_id", DELIVERY_COLUMNS),
                        (tenant, webhook.0),
                        page,
                        delivery_from,
                    )
                    .await
                }
            }
        }
    };
}

pub(crate) use webhooks;
