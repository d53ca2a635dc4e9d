//! The outbox: events written with the changes they report, dispatched into webhook
//! deliveries, and deliveries leased to one process at a time.

/// Implements the outbox part of [`sql_store!`](super::sql_store) for a store type. The
/// store module defines `DISPATCH_LOCK` (a statement answering whether this transaction may
/// dispatch, or `None` where one writer is all there is) and `SKIP_LOCKED` (what a query
/// that leases rows appends, to pass over rows another transaction holds).
macro_rules! outbox {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        pub(super) mod outbox {
            use super::*;
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use serde::Serialize;
            use sqlx::Row;

            use crate::model::{
                EventId, EventKind, OutboxEvent, TenantId, WebhookDelivery, WebhookId,
            };
            use crate::store::sql::{at, from_json, now, parse, to_json};
            use crate::store::{OutboxStore, Page, StoreResult};

            type Connection = <<$row as sqlx::Row>::Database as sqlx::Database>::Connection;

            const EVENT_COLUMNS: &str = "id, tenant_id, kind, subject, data, created_at";

            /// Writes an event about `subject` to the outbox, on the connection of the
            /// transaction that makes the change it reports (so that the two commit or roll
            /// back together).
            pub(in crate::store) async fn record_event<T: Serialize + ?Sized>(
                connection: &mut Connection,
                tenant: TenantId,
                kind: EventKind,
                subject: &str,
                data: &T,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO outbox_events (tenant_id, kind, subject, data, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(tenant.0)
                .bind(kind.as_str())
                .bind(subject)
                .bind(to_json("event data", data)?)
                .bind(now())
                .execute(&mut *connection)
                .await?;
                Ok(())
            }

            fn event_from(row: &$row) -> StoreResult<OutboxEvent> {
                Ok(OutboxEvent {
                    id: EventId(row.try_get("id")?),
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    kind: parse(
                        "event kind",
                        &row.try_get::<String, _>("kind")?,
                        EventKind::parse,
                    )?,
                    subject: row.try_get("subject")?,
                    data: from_json("event data", &row.try_get::<String, _>("data")?)?,
                    created_at: row.try_get("created_at")?,
                })
            }

            /// Dispatches at most `limit` events waiting, oldest first, on a batch's
            /// connection: one delivery per active webhook of the event's tenant that wants
            /// it, then the event marked dispatched.
            async fn dispatch_in(connection: &mut Connection, limit: u32) -> StoreResult<usize> {
                if let Some(lock) = DISPATCH_LOCK {
                    let mine: bool = sqlx::query_scalar(lock).fetch_one(&mut *connection).await?;
                    if !mine {
                        return Ok(0);
                    }
                }
                let events = sqlx::query(&format!(
                    "SELECT {EVENT_COLUMNS} FROM outbox_events WHERE dispatched_at IS NULL \
                     ORDER BY id LIMIT $1"
                ))
                .bind(i64::from(limit))
                .fetch_all(&mut *connection)
                .await?
                .iter()
                .map(event_from)
                .collect::<StoreResult<Vec<_>>>()?;
                let mut subscribers: Vec<(TenantId, Vec<(WebhookId, Vec<String>)>)> = Vec::new();
                let dispatched_at = now();
                for event in &events {
                    if !subscribers
                        .iter()
                        .any(|(tenant, _)| *tenant == event.tenant_id)
                    {
                        let rows = sqlx::query(
                            "SELECT id, events FROM webhooks WHERE tenant_id = $1 AND active \
                             ORDER BY id",
                        )
                        .bind(event.tenant_id.0)
                        .fetch_all(&mut *connection)
                        .await?;
                        let mut hooks = Vec::with_capacity(rows.len());
                        for row in &rows {
                            let wants: Vec<String> =
                                from_json("webhook events", &row.try_get::<String, _>("events")?)?;
                            hooks.push((WebhookId(row.try_get("id")?), wants));
                        }
                        subscribers.push((event.tenant_id, hooks));
                    }
                    let hooks = subscribers
                        .iter()
                        .find(|(tenant, _)| *tenant == event.tenant_id)
                        .map(|(_, hooks)| hooks.as_slice())
                        .unwrap_or_default();
                    let body = to_json("webhook payload", &event.webhook_body())?;
                    for (webhook, wants) in hooks {
                        if !wants.is_empty()
                            && !wants.iter().any(|kind| kind == event.kind.as_str())
                        {
                            continue;
                        }
                        sqlx::query(
                            "INSERT INTO webhook_deliveries (tenant_id, webhook_id, event, \
                             event_key, event_id, subject, payload, status, attempts, \
                             next_attempt_at, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8) \
                             ON CONFLICT DO NOTHING",
                        )
                        .bind(event.tenant_id.0)
                        .bind(webhook.0)
                        .bind(event.kind.as_str())
                        .bind(format!("event:{}", event.id.0))
                        .bind(event.id.0)
                        .bind(&event.subject)
                        .bind(&body)
                        .bind(dispatched_at)
                        .execute(&mut *connection)
                        .await?;
                    }
                    sqlx::query("UPDATE outbox_events SET dispatched_at = $2 WHERE id = $1")
                        .bind(event.id.0)
                        .bind(dispatched_at)
                        .execute(&mut *connection)
                        .await?;
                }
                Ok(events.len())
            }

            /// Leases deliveries on a batch's connection (see
            /// [`OutboxStore::lease_deliveries`]).
            async fn lease_in(
                connection: &mut Connection,
                when: DateTime<Utc>,
                until: DateTime<Utc>,
                limit: u32,
            ) -> StoreResult<Vec<WebhookDelivery>> {
                let rows = sqlx::query(&format!(
                    "UPDATE webhook_deliveries SET leased_until = $2 WHERE id IN ( \
                     SELECT d.id FROM webhook_deliveries d \
                     WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
                     AND (d.leased_until IS NULL OR d.leased_until <= $1) \
                     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o \
                         WHERE o.tenant_id = d.tenant_id AND o.webhook_id = d.webhook_id \
                         AND d.subject <> '' AND o.subject = d.subject \
                         AND o.status = 'pending' AND o.event_id < d.event_id) \
                     ORDER BY d.next_attempt_at, d.id LIMIT $3{SKIP_LOCKED}) \
                     RETURNING {}",
                    super::webhooks::DELIVERY_COLUMNS
                ))
                .bind(at(when))
                .bind(at(until))
                .bind(i64::from(limit))
                .fetch_all(&mut *connection)
                .await?;
                let mut leased = rows
                    .iter()
                    .map(super::webhooks::delivery_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                leased.sort_by_key(|delivery| (delivery.next_attempt_at, delivery.id));
                Ok(leased)
            }

            #[async_trait]
            impl OutboxStore for $store {
                async fn events(
                    &self,
                    tenant: TenantId,
                    after: Option<EventId>,
                    limit: u32,
                ) -> StoreResult<Vec<OutboxEvent>> {
                    sqlx::query(&format!(
                        "SELECT {EVENT_COLUMNS} FROM outbox_events \
                         WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3"
                    ))
                    .bind(tenant.0)
                    .bind(after.map_or(0, |id| id.0))
                    .bind(i64::from(limit.min(Page::MAX_LIMIT)))
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(event_from)
                    .collect()
                }

                async fn dispatch_events(&self, limit: u32) -> StoreResult<usize> {
                    self.writes
                        .write(limit, |&limit, connection| {
                            Box::pin(async move { dispatch_in(connection, limit).await })
                        })
                        .await
                }

                async fn lease_deliveries(
                    &self,
                    when: DateTime<Utc>,
                    lease: std::time::Duration,
                    limit: u32,
                ) -> StoreResult<Vec<WebhookDelivery>> {
                    let until = when
                        + chrono::Duration::from_std(lease)
                            .unwrap_or_else(|_| chrono::Duration::hours(1));
                    self.writes
                        .write((when, until, limit), |&(when, until, limit), connection| {
                            Box::pin(async move { lease_in(connection, when, until, limit).await })
                        })
                        .await
                }
            }
        }
    };
}

pub(crate) use outbox;
