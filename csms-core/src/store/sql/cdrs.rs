//! Charge detail records.

/// Implements the CDR part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! cdrs {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod cdrs {
            use super::*;
            use async_trait::async_trait;
            use sqlx::Row;

            use crate::model::{
                Cdr, CdrFilter, CdrId, EventKind, NewCdr, SessionId, StationId, TariffId, TenantId, UserId,
            };
            use crate::store::sql::{at, from_json, now, to_json};
            use crate::store::{CdrStore, Page, Paged, SessionStore, StoreError, StoreResult};

            const CDR_COLUMNS: &str = "id, tenant_id, session_id, station_id, token_uid, \
                 owner_id, started_at, stopped_at, energy_wh, currency, total_cost_excl_vat, \
                 total_cost_incl_vat, tariff_id, details, issued_at";

            /// The filter as `WHERE` conditions on `$1` (the tenant) to `$5`.
            const CDR_FILTER: &str = "tenant_id = $1 AND ($2 IS NULL OR session_id = $2) \
                 AND ($3 IS NULL OR owner_id = $3) AND ($4 IS NULL OR started_at >= $4) \
                 AND ($5 IS NULL OR started_at < $5) AND ($8 IS NULL OR issued_at >= $8) \
                 AND ($9 IS NULL OR issued_at < $9) \
                 AND ($10 IS NULL OR upper(token_uid) IN (SELECT uid FROM roaming_tokens \
                 WHERE tenant_id = $1 AND partner_id = $10))";

            fn cdr_from(row: &$row) -> StoreResult<Cdr> {
                Ok(Cdr {
                    id: CdrId(row.try_get("id")?),
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    session_id: SessionId(row.try_get("session_id")?),
                    station_id: StationId(row.try_get("station_id")?),
                    token_uid: row.try_get("token_uid")?,
                    owner: row.try_get::<Option<i64>, _>("owner_id")?.map(UserId),
                    started_at: row.try_get("started_at")?,
                    stopped_at: row.try_get("stopped_at")?,
                    energy_wh: dec(row, "energy_wh")?
                        .ok_or_else(|| StoreError::corrupt("CDR energy", "missing"))?,
                    currency: row.try_get("currency")?,
                    total_cost_excl_vat: dec(row, "total_cost_excl_vat")?
                        .ok_or_else(|| StoreError::corrupt("CDR total cost", "missing"))?,
                    total_cost_incl_vat: dec(row, "total_cost_incl_vat")?,
                    tariff_id: row.try_get::<Option<i64>, _>("tariff_id")?.map(TariffId),
                    details: from_json("CDR details", &row.try_get::<String, _>("details")?)?,
                    issued_at: row.try_get("issued_at")?,
                })
            }

            type Connection = <<$row as sqlx::Row>::Database as sqlx::Database>::Connection;

            /// Issues the CDR of a session that is over, with its event, on a batch's
            /// connection; `None` if the session has one already (or is not over).
            async fn issue_in(
                connection: &mut Connection,
                tenant: TenantId,
                new: &NewCdr,
            ) -> StoreResult<Option<Cdr>> {
                let inserted = sqlx::query(&format!(
                    "INSERT INTO cdrs (tenant_id, session_id, station_id, token_uid, \
                     owner_id, started_at, stopped_at, energy_wh, currency, \
                     total_cost_excl_vat, total_cost_incl_vat, tariff_id, details, \
                     issued_at) \
                     SELECT s.tenant_id, s.id, s.station_id, s.token_uid, \
                     COALESCE($3, (SELECT k.owner_id FROM tokens k \
                     WHERE k.tenant_id = s.tenant_id AND k.uid = s.token_uid)), \
                     s.started_at, s.stopped_at, $4, $5, $6, $7, $8, $9, $10 \
                     FROM sessions s WHERE s.tenant_id = $1 AND s.id = $2 \
                     AND s.stopped_at IS NOT NULL AND s.status IN ('completed', 'failed') \
                     ON CONFLICT (tenant_id, session_id) DO NOTHING RETURNING {CDR_COLUMNS}"
                ))
                .bind(tenant.0)
                .bind(new.session_id.0)
                .bind(new.owner.map(|id| id.0))
                .bind($dec_in(new.energy_wh))
                .bind(&new.currency)
                .bind($dec_in(new.total_cost_excl_vat))
                .bind(dec_in(new.total_cost_incl_vat))
                .bind(new.tariff_id.map(|id| id.0))
                .bind(to_json("CDR details", &new.details)?)
                .bind(now())
                .fetch_optional(&mut *connection)
                .await
                .map_err(|error| {
                    if StoreError::is_foreign_key(&error) {
                        StoreError::NotFound { what: "tariff or user" }
                    } else {
                        StoreError::Database(error)
                    }
                })?;
                let Some(row) = inserted else {
                    return Ok(None);
                };
                let cdr = cdr_from(&row)?;
                super::outbox::record_event(
                    connection,
                    tenant,
                    EventKind::CdrIssued,
                    &format!("cdr:{}", cdr.id),
                    &cdr,
                )
                .await?;
                Ok(Some(cdr))
            }

            #[async_trait]
            impl CdrStore for $store {
                async fn issue_cdr(
                    &self,
                    tenant: TenantId,
                    new: &NewCdr,
                ) -> StoreResult<(Cdr, bool)> {
                    let issued = self
                        .writes
                        .write((tenant, new.clone()), |(tenant, new), connection| {
                            Box::pin(async move { issue_in(connection, *tenant, new).await })
                        })
                        .await?;
                    if let Some(cdr) = issued {
                        return Ok((cdr, true));
                    }
                    if let Some(cdr) = self.cdr_of_session(tenant, new.session_id).await? {
                        return Ok((cdr, false));
                    }
                    match self.session(tenant, new.session_id).await? {
                        None => Err(StoreError::NotFound { what: "session" }),
                        Some(session) => Err(StoreError::Invalid {
                            what: "session",
                            reason: format!(
                                "session {} is {}, not over: no CDR yet",
                                session.id, session.status
                            ),
                        }),
                    }
                }

                async fn cdr(&self, tenant: TenantId, id: CdrId) -> StoreResult<Option<Cdr>> {
                    sqlx::query(&format!(
                        "SELECT {CDR_COLUMNS} FROM cdrs WHERE tenant_id = $1 AND id = $2"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(cdr_from)
                    .transpose()
                }

                async fn cdr_of_session(
                    &self,
                    tenant: TenantId,
                    session: SessionId,
                ) -> StoreResult<Option<Cdr>> {
                    sqlx::query(&format!(
                        "SELECT {CDR_COLUMNS} FROM cdrs WHERE tenant_id = $1 AND session_id = $2"
                    ))
                    .bind(tenant.0)
                    .bind(session.0)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(cdr_from)
                    .transpose()
                }

                async fn list_cdrs(
                    &self,
                    tenant: TenantId,
                    filter: &CdrFilter,
                    page: Page,
                ) -> StoreResult<Paged<Cdr>> {
                    let (offset, limit) = page.binds();
                    let total: i64 =
                        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM cdrs WHERE {CDR_FILTER}"))
                            .bind(tenant.0)
                            .bind(filter.session.map(|id| id.0))
                            .bind(filter.owner.map(|id| id.0))
                            .bind(filter.from.map(at))
                            .bind(filter.to.map(at))
                            // $6 and $7 are the page's, in the list below.
                            .bind(None::<i64>)
                            .bind(None::<i64>)
                            .bind(filter.issued_from.map(at))
                            .bind(filter.issued_to.map(at))
                            .bind(filter.roaming_partner.map(|id| id.0))
                            .fetch_one(&self.readers)
                            .await?;
                    let items = sqlx::query(&format!(
                        "SELECT {CDR_COLUMNS} FROM cdrs WHERE {CDR_FILTER} \
                         ORDER BY started_at, id LIMIT $6 OFFSET $7"
                    ))
                    .bind(tenant.0)
                    .bind(filter.session.map(|id| id.0))
                    .bind(filter.owner.map(|id| id.0))
                    .bind(filter.from.map(at))
                    .bind(filter.to.map(at))
                    .bind(limit)
                    .bind(offset)
                    .bind(filter.issued_from.map(at))
                    .bind(filter.issued_to.map(at))
                    .bind(filter.roaming_partner.map(|id| id.0))
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(cdr_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                    Ok(Paged::new(items, total.unsigned_abs()))
                }
            }
        }
    };
}

pub(crate) use cdrs;
