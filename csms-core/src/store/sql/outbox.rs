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
                AttemptOutcome, CommandResultDue, DeliveryStatus, EventId, EventKind, OutboxEvent,
                PartnerDelivery, PartnerDeliveryId, PartnerEndpoint, ProfileResultDue,
                RoamingPartnerId, TenantId, WebhookDelivery, WebhookId,
            };
            use crate::store::sql::{Params, at, from_json, now, parse, to_json};
            use crate::store::{OutboxStore, Page, Paged, StoreError, StoreResult};

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

            /// Writes events to the outbox as [`record_event`] does, many rows to a statement:
            /// each is its tenant, kind, subject and data (as JSON).
            pub(in crate::store) async fn record_events(
                connection: &mut Connection,
                events: &[(TenantId, EventKind, String, String)],
            ) -> StoreResult<()> {
                // Five parameters a row: far below both databases' limit of parameters.
                const ROWS: usize = 500;
                let created_at = now();
                for chunk in events.chunks(ROWS) {
                    let values = Params::new(PLACEHOLDERS).rows(chunk.len(), 5);
                    let statement = format!(
                        "INSERT INTO outbox_events (tenant_id, kind, subject, data, created_at) \
                         VALUES {values}"
                    );
                    let mut insert = sqlx::query(&statement);
                    for (tenant, kind, subject, data) in chunk {
                        insert = insert
                            .bind(tenant.0)
                            .bind(kind.as_str())
                            .bind(subject.as_str())
                            .bind(data.as_str())
                            .bind(created_at);
                    }
                    insert.execute(&mut *connection).await?;
                }
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

            /// The roaming partners an event is pushed to: a session's or CDR's to the
            /// connected partner (of OCPI 2.2.1 or 2.1.1) whose token it was charged with, an
            /// EVSE status's, location's or tariff's to every such partner with a receiver of
            /// that module, a command's result to the partner that sent the command. `known`:
            /// the tenants' connected partners read so far.
            async fn partners_for(
                connection: &mut Connection,
                event: &OutboxEvent,
                known: &mut Vec<(TenantId, Vec<(RoamingPartnerId, Vec<PartnerEndpoint>)>)>,
            ) -> StoreResult<Vec<RoamingPartnerId>> {
                let module = match event.kind {
                    EventKind::SessionStarted
                    | EventKind::SessionUpdated
                    | EventKind::SessionEnded => "sessions",
                    EventKind::CdrIssued => "cdrs",
                    // A deletion an earlier version reported as a change without data, and a
                    // location's deletion (OCPI has no deleting a Location; one is deleted
                    // here only once no station is left at it): not pushed.
                    EventKind::LocationChanged | EventKind::TariffChanged
                        if event.data.is_null() =>
                    {
                        return Ok(Vec::new());
                    }
                    EventKind::LocationDeleted => return Ok(Vec::new()),
                    EventKind::EvseStatusChanged | EventKind::LocationChanged => "locations",
                    EventKind::TariffChanged | EventKind::TariffDeleted => "tariffs",
                    EventKind::StationConnected | EventKind::StationDisconnected => {
                        return Ok(Vec::new());
                    }
                    // To the partner that sent the request, whatever its version and
                    // receivers, if the tenant still has it.
                    EventKind::RoamingCommandResult | EventKind::RoamingProfileResult => {
                        let Some(partner) =
                            event.data.get("partner_id").and_then(serde_json::Value::as_i64)
                        else {
                            return Ok(Vec::new());
                        };
                        let found: Option<i64> = sqlx::query_scalar(
                            "SELECT id FROM roaming_partners WHERE tenant_id = $1 AND id = $2",
                        )
                        .bind(event.tenant_id.0)
                        .bind(partner)
                        .fetch_optional(&mut *connection)
                        .await?;
                        return Ok(found.map(RoamingPartnerId).into_iter().collect());
                    }
                };
                if !known.iter().any(|(tenant, _)| *tenant == event.tenant_id) {
                    let rows = sqlx::query(
                        "SELECT id, endpoints FROM roaming_partners WHERE tenant_id = $1 \
                         AND status = 'connected' AND version IN ('2.2.1', '2.1.1') ORDER BY id",
                    )
                    .bind(event.tenant_id.0)
                    .fetch_all(&mut *connection)
                    .await?;
                    let mut connected = Vec::with_capacity(rows.len());
                    for row in &rows {
                        let endpoints: Vec<PartnerEndpoint> = from_json(
                            "partner endpoints",
                            &row.try_get::<String, _>("endpoints")?,
                        )?;
                        connected.push((RoamingPartnerId(row.try_get("id")?), endpoints));
                    }
                    known.push((event.tenant_id, connected));
                }
                let connected = known
                    .iter()
                    .find(|(tenant, _)| *tenant == event.tenant_id)
                    .map(|(_, connected)| connected.as_slice())
                    .unwrap_or_default();
                let receives =
                    |endpoints: &[PartnerEndpoint]| endpoints.iter().any(|e| e.receives(module));
                let owner = match module {
                    "sessions" | "cdrs" => {
                        let Some(uid) = event.data.get("token_uid").and_then(|uid| uid.as_str())
                        else {
                            return Ok(Vec::new());
                        };
                        let owner: Option<i64> = sqlx::query_scalar(
                            "SELECT partner_id FROM roaming_tokens WHERE tenant_id = $1 \
                             AND uid = $2 ORDER BY last_updated DESC, id DESC LIMIT 1",
                        )
                        .bind(event.tenant_id.0)
                        .bind(uid.to_ascii_uppercase())
                        .fetch_optional(&mut *connection)
                        .await?;
                        match owner {
                            Some(owner) => Some(RoamingPartnerId(owner)),
                            None => return Ok(Vec::new()),
                        }
                    }
                    _ => None,
                };
                Ok(connected
                    .iter()
                    .filter(|(id, endpoints)| {
                        owner.is_none_or(|owner| owner == *id) && receives(endpoints)
                    })
                    .map(|(id, _)| *id)
                    .collect())
            }

            /// The statement that leases (`$2`: until when) at most `$3` deliveries of `table`
            /// due at `$1`, the most overdue first, whose subscriber (`owner`, a column) has no
            /// earlier delivery about the same subject pending; it returns their `columns`.
            fn lease_statement(table: &str, owner: &str, columns: &str) -> String {
                format!(
                    "UPDATE {table} SET leased_until = $2 WHERE id IN ( \
                     SELECT d.id FROM {table} d \
                     WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
                     AND (d.leased_until IS NULL OR d.leased_until <= $1) \
                     AND NOT EXISTS (SELECT 1 FROM {table} o \
                         WHERE o.tenant_id = d.tenant_id AND o.{owner} = d.{owner} \
                         AND d.subject <> '' AND o.subject = d.subject \
                         AND o.status = 'pending' AND o.event_id < d.event_id) \
                     ORDER BY d.next_attempt_at, d.id LIMIT $3{SKIP_LOCKED}) \
                     RETURNING {columns}"
                )
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
                let mut partners: Vec<(TenantId, Vec<(RoamingPartnerId, Vec<PartnerEndpoint>)>)> =
                    Vec::new();
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
                    for partner in partners_for(connection, event, &mut partners).await? {
                        sqlx::query(
                            "INSERT INTO partner_deliveries (tenant_id, partner_id, event_id, \
                             kind, subject, payload, status, attempts, next_attempt_at, \
                             created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7) \
                             ON CONFLICT DO NOTHING",
                        )
                        .bind(event.tenant_id.0)
                        .bind(partner.0)
                        .bind(event.id.0)
                        .bind(event.kind.as_str())
                        .bind(&event.subject)
                        .bind(to_json("event data", &event.data)?)
                        .bind(dispatched_at)
                        .execute(&mut *connection)
                        .await?;
                    }
                }
                if events.is_empty() {
                    return Ok(0);
                }
                // The batch's events marked in one statement, by id (not by range: an event
                // of a transaction that commits meanwhile must wait for the next dispatch).
                let mut params = Params::new(PLACEHOLDERS);
                let when = params.next();
                let ids: Vec<String> = events.iter().map(|_| params.next()).collect();
                let statement = format!(
                    "UPDATE outbox_events SET dispatched_at = {when} WHERE id IN ({})",
                    ids.join(", ")
                );
                let mut marking = sqlx::query(&statement).bind(dispatched_at);
                for event in &events {
                    marking = marking.bind(event.id.0);
                }
                marking.execute(&mut *connection).await?;
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
                let rows = sqlx::query(&lease_statement(
                    "webhook_deliveries",
                    "webhook_id",
                    super::webhooks::DELIVERY_COLUMNS,
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

            const PARTNER_DELIVERY_COLUMNS: &str = "id, tenant_id, partner_id, event_id, kind, \
                 subject, payload, status, attempts, last_attempt_at, next_attempt_at, \
                 last_error, response_status, created_at";

            fn partner_delivery_from(row: &$row) -> StoreResult<PartnerDelivery> {
                let attempts: i32 = row.try_get("attempts")?;
                Ok(PartnerDelivery {
                    id: PartnerDeliveryId(row.try_get("id")?),
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    partner_id: RoamingPartnerId(row.try_get("partner_id")?),
                    event_id: EventId(row.try_get("event_id")?),
                    kind: parse(
                        "event kind",
                        &row.try_get::<String, _>("kind")?,
                        EventKind::parse,
                    )?,
                    subject: row.try_get("subject")?,
                    payload: from_json("event data", &row.try_get::<String, _>("payload")?)?,
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

            /// Leases pushes to partners on a batch's connection (as [`lease_in`]).
            async fn lease_partner_in(
                connection: &mut Connection,
                when: DateTime<Utc>,
                until: DateTime<Utc>,
                limit: u32,
            ) -> StoreResult<Vec<PartnerDelivery>> {
                let rows = sqlx::query(&lease_statement(
                    "partner_deliveries",
                    "partner_id",
                    PARTNER_DELIVERY_COLUMNS,
                ))
                .bind(at(when))
                .bind(at(until))
                .bind(i64::from(limit))
                .fetch_all(&mut *connection)
                .await?;
                let mut leased = rows
                    .iter()
                    .map(partner_delivery_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                leased.sort_by_key(|delivery| (delivery.next_attempt_at, delivery.id));
                Ok(leased)
            }

            impl $store {
                /// Writes a result due to a roaming partner at the URL it gave. No subject:
                /// results are independent of each other.
                async fn record_partner_result<T: Serialize + Clone + Send + Sync + 'static>(
                    &self,
                    tenant: TenantId,
                    kind: EventKind,
                    due: &T,
                ) -> StoreResult<()> {
                    self.writes
                        .write((tenant, kind, due.clone()), |(tenant, kind, due), connection| {
                            Box::pin(async move {
                                record_event(connection, *tenant, *kind, "", due).await
                            })
                        })
                        .await
                }
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

                async fn record_command_result(
                    &self,
                    tenant: TenantId,
                    due: &CommandResultDue,
                ) -> StoreResult<()> {
                    self.record_partner_result(tenant, EventKind::RoamingCommandResult, due)
                        .await
                }

                async fn record_profile_result(
                    &self,
                    tenant: TenantId,
                    due: &ProfileResultDue,
                ) -> StoreResult<()> {
                    self.record_partner_result(tenant, EventKind::RoamingProfileResult, due)
                        .await
                }

                async fn dispatch_events(&self, limit: u32) -> StoreResult<usize> {
                    self.writes
                        .write(limit, |&limit, connection| {
                            Box::pin(async move { dispatch_in(connection, limit).await })
                        })
                        .await
                }

                async fn lease_partner_deliveries(
                    &self,
                    when: DateTime<Utc>,
                    lease: std::time::Duration,
                    limit: u32,
                ) -> StoreResult<Vec<PartnerDelivery>> {
                    let until = when
                        + chrono::Duration::from_std(lease)
                            .unwrap_or_else(|_| chrono::Duration::hours(1));
                    self.writes
                        .write((when, until, limit), |&(when, until, limit), connection| {
                            Box::pin(async move {
                                lease_partner_in(connection, when, until, limit).await
                            })
                        })
                        .await
                }

                async fn record_partner_attempt(
                    &self,
                    tenant: TenantId,
                    id: PartnerDeliveryId,
                    when: DateTime<Utc>,
                    outcome: &AttemptOutcome,
                ) -> StoreResult<Option<PartnerDelivery>> {
                    super::webhooks::record_attempt_in(
                        &self.pool,
                        "partner_deliveries",
                        (tenant, id.0),
                        when,
                        outcome,
                    )
                    .await?;
                    sqlx::query(&format!(
                        "SELECT {PARTNER_DELIVERY_COLUMNS} FROM partner_deliveries \
                         WHERE tenant_id = $1 AND id = $2"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(partner_delivery_from)
                    .transpose()
                }

                async fn partner_deliveries(
                    &self,
                    tenant: TenantId,
                    partner: RoamingPartnerId,
                    page: Page,
                ) -> StoreResult<Paged<PartnerDelivery>> {
                    super::webhooks::delivery_page(
                        &self.readers,
                        ("partner_deliveries", "partner_id", PARTNER_DELIVERY_COLUMNS),
                        (tenant, partner.0),
                        page,
                        partner_delivery_from,
                    )
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
