//! Authorization tokens.

/// Implements the tokens part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! tokens {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod tokens {
            use super::*;
            use async_trait::async_trait;
            use sqlx::Row;

            use chrono::{DateTime, Utc};

            use crate::model::{
                NewToken, SessionId, TenantId, TenantSettings, Token, TokenId, TokenKind,
                TokenRestrictions,
                TokenFilter, TokenStatus, TokenUsage, UserId, VehicleId,
            };
            use crate::store::sql::{at, from_json, now, parse, to_json};
            use crate::store::{Page, Paged, StoreError, StoreResult, TokenStore};

            const TOKEN_COLUMNS: &str = "id, tenant_id, uid, kind, status, expires_at, group_id, \
                 visual_id, owner_id, vehicle_id, restrictions, usage, created_at";

            fn token_from(row: &$row) -> StoreResult<Token> {
                Ok(Token {
                    id: TokenId(row.try_get("id")?),
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    uid: row.try_get("uid")?,
                    kind: parse("token kind", &row.try_get::<String, _>("kind")?, TokenKind::parse)?,
                    status: parse(
                        "token status",
                        &row.try_get::<String, _>("status")?,
                        TokenStatus::parse,
                    )?,
                    expires_at: row.try_get("expires_at")?,
                    group_id: row.try_get("group_id")?,
                    visual_id: row.try_get("visual_id")?,
                    owner: row.try_get::<Option<i64>, _>("owner_id")?.map(UserId),
                    vehicle_id: row.try_get::<Option<i64>, _>("vehicle_id")?.map(VehicleId),
                    restrictions: from_json(
                        "token restrictions",
                        &row.try_get::<String, _>("restrictions")?,
                    )?,
                    usage: from_json("token usage", &row.try_get::<String, _>("usage")?)?,
                    created_at: row.try_get("created_at")?,
                })
            }

            /// Changes a token's usage counters in one transaction that holds the token's
            /// row; `change` gets the counters and the token's time zone (its restrictions',
            /// else its tenant's). The counters as changed, or `None` if `tenant` has no
            /// such token.
            /// Changes a token's usage counters in one transaction that holds its row; with
            /// `once`, only if that session's count of that kind was not made before.
            async fn change_usage(
                store: &$store,
                tenant: TenantId,
                id: TokenId,
                once: Option<(SessionId, &'static str)>,
                change: impl FnOnce(&mut TokenUsage, chrono_tz::Tz) + Send,
            ) -> StoreResult<Option<TokenUsage>> {
                let mut tx = store.pool.begin_with(BEGIN_WRITE).await?;
                // Writing first holds the token until the end of the transaction (a row lock
                // on PostgreSQL, the write lock on SQLite): concurrent changes run one after
                // the other, each reading what the previous wrote.
                let held =
                    sqlx::query("UPDATE tokens SET usage = usage WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.0)
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                if held.rows_affected() == 0 {
                    return Ok(None);
                }
                let first_count = match once {
                    Some((session, kind)) => {
                        sqlx::query(
                            "INSERT INTO token_counts (tenant_id, session_id, kind) \
                             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                        )
                        .bind(tenant.0)
                        .bind(session.0)
                        .bind(kind)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::on("session counted"))?
                        .rows_affected()
                            > 0
                    }
                    None => true,
                };
                let row = sqlx::query(
                    "SELECT k.usage, k.restrictions, t.settings FROM tokens k \
                     JOIN tenants t ON t.id = k.tenant_id WHERE k.tenant_id = $1 AND k.id = $2",
                )
                .bind(tenant.0)
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await?;
                let mut usage: TokenUsage =
                    from_json("token usage", &row.try_get::<String, _>("usage")?)?;
                let restrictions: TokenRestrictions =
                    from_json("token restrictions", &row.try_get::<String, _>("restrictions")?)?;
                let settings: TenantSettings =
                    from_json("tenant settings", &row.try_get::<String, _>("settings")?)?;
                if !first_count {
                    return Ok(Some(usage));
                }
                let zone_name = restrictions.time_zone.unwrap_or(settings.time_zone);
                let zone: chrono_tz::Tz = zone_name.parse().map_err(|_| StoreError::Invalid {
                    what: "token time zone",
                    reason: format!("{zone_name:?} is not an IANA time zone"),
                })?;
                change(&mut usage, zone);
                sqlx::query("UPDATE tokens SET usage = $3 WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(to_json("token usage", &usage)?)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Some(usage))
            }

            #[async_trait]
            impl TokenStore for $store {
                async fn create_token(&self, tenant: TenantId, new: &NewToken) -> StoreResult<Token> {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO tokens (tenant_id, uid, kind, status, expires_at, group_id, \
                         visual_id, owner_id, vehicle_id, restrictions, usage, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                    )
                    .bind(tenant.0)
                    .bind(&new.uid)
                    .bind(new.kind.as_str())
                    .bind(new.status.as_str())
                    .bind(new.expires_at.map(at))
                    .bind(&new.group_id)
                    .bind(&new.visual_id)
                    .bind(new.owner.map(|id| id.0))
                    .bind(new.vehicle_id.map(|id| id.0))
                    .bind(to_json("token restrictions", &new.restrictions)?)
                    .bind(to_json("token usage", &TokenUsage::default())?)
                    .bind(now())
                    .fetch_one(&self.pool)
                    .await
                    .map_err(StoreError::on("token with this uid"))?;
                    self.token(tenant, TokenId(id))
                        .await?
                        .ok_or(StoreError::NotFound { what: "token" })
                }

                async fn token(&self, tenant: TenantId, id: TokenId) -> StoreResult<Option<Token>> {
                    sqlx::query(&format!(
                        "SELECT {TOKEN_COLUMNS} FROM tokens WHERE tenant_id = $1 AND id = $2"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(token_from)
                    .transpose()
                }

                async fn token_by_uid(
                    &self,
                    tenant: TenantId,
                    uid: &str,
                ) -> StoreResult<Option<Token>> {
                    sqlx::query(&format!(
                        "SELECT {TOKEN_COLUMNS} FROM tokens WHERE tenant_id = $1 AND uid = $2"
                    ))
                    .bind(tenant.0)
                    .bind(uid)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(token_from)
                    .transpose()
                }

                async fn tokens_of_owner(
                    &self,
                    tenant: TenantId,
                    owner: UserId,
                ) -> StoreResult<Vec<Token>> {
                    sqlx::query(&format!(
                        "SELECT {TOKEN_COLUMNS} FROM tokens WHERE tenant_id = $1 AND owner_id = $2 \
                         ORDER BY uid"
                    ))
                    .bind(tenant.0)
                    .bind(owner.0)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(token_from)
                    .collect()
                }

                async fn set_token_status(
                    &self,
                    tenant: TenantId,
                    id: TokenId,
                    status: TokenStatus,
                ) -> StoreResult<bool> {
                    let done =
                        sqlx::query("UPDATE tokens SET status = $3 WHERE tenant_id = $1 AND id = $2")
                            .bind(tenant.0)
                            .bind(id.0)
                            .bind(status.as_str())
                            .execute(&self.pool)
                            .await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn save_token_usage(
                    &self,
                    tenant: TenantId,
                    id: TokenId,
                    usage: &TokenUsage,
                ) -> StoreResult<bool> {
                    let done =
                        sqlx::query("UPDATE tokens SET usage = $3 WHERE tenant_id = $1 AND id = $2")
                            .bind(tenant.0)
                            .bind(id.0)
                            .bind(to_json("token usage", usage)?)
                            .execute(&self.pool)
                            .await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn record_token_usage(
                    &self,
                    tenant: TenantId,
                    id: TokenId,
                    session: Option<SessionId>,
                    energy_wh: Decimal,
                    amount: Decimal,
                    when: DateTime<Utc>,
                ) -> StoreResult<Option<TokenUsage>> {
                    let when = at(when);
                    let once = session.map(|session| (session, "usage"));
                    change_usage(self, tenant, id, once, move |usage, zone| {
                        let day = when.with_timezone(&zone).date_naive();
                        usage.record(energy_wh / Decimal::ONE_THOUSAND, amount, day, when);
                    })
                    .await
                }

                async fn record_token_session(
                    &self,
                    tenant: TenantId,
                    id: TokenId,
                    session: Option<SessionId>,
                    when: DateTime<Utc>,
                ) -> StoreResult<Option<TokenUsage>> {
                    let when = at(when);
                    let once = session.map(|session| (session, "start"));
                    change_usage(self, tenant, id, once, move |usage, _| {
                        usage.record_session(when)
                    })
                    .await
                }

                async fn list_tokens(
                    &self,
                    tenant: TenantId,
                    filter: &TokenFilter,
                    page: Page,
                ) -> StoreResult<Paged<Token>> {
                    const FILTER: &str = "tenant_id = $1 AND ($2 IS NULL OR owner_id = $2) \
                         AND ($3 IS NULL OR status = $3) \
                         AND ($4 IS NULL OR substr(uid, 1, length($4)) = $4)";
                    let (offset, limit) = page.binds();
                    let total: i64 =
                        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM tokens WHERE {FILTER}"))
                            .bind(tenant.0)
                            .bind(filter.owner.map(|id| id.0))
                            .bind(filter.status.map(TokenStatus::as_str))
                            .bind(&filter.uid_prefix)
                            .fetch_one(&self.readers)
                            .await?;
                    let items = sqlx::query(&format!(
                        "SELECT {TOKEN_COLUMNS} FROM tokens WHERE {FILTER} \
                         ORDER BY uid LIMIT $5 OFFSET $6"
                    ))
                    .bind(tenant.0)
                    .bind(filter.owner.map(|id| id.0))
                    .bind(filter.status.map(TokenStatus::as_str))
                    .bind(&filter.uid_prefix)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(token_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                    Ok(Paged::new(items, total.unsigned_abs()))
                }

                async fn update_token(
                    &self,
                    tenant: TenantId,
                    id: TokenId,
                    update: &NewToken,
                ) -> StoreResult<Option<Token>> {
                    sqlx::query(&format!(
                        "UPDATE tokens SET uid = $3, kind = $4, status = $5, expires_at = $6, \
                         group_id = $7, visual_id = $8, owner_id = $9, vehicle_id = $10, \
                         restrictions = $11 WHERE tenant_id = $1 AND id = $2 \
                         RETURNING {TOKEN_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(&update.uid)
                    .bind(update.kind.as_str())
                    .bind(update.status.as_str())
                    .bind(update.expires_at.map(at))
                    .bind(&update.group_id)
                    .bind(&update.visual_id)
                    .bind(update.owner.map(|id| id.0))
                    .bind(update.vehicle_id.map(|id| id.0))
                    .bind(to_json("token restrictions", &update.restrictions)?)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(|error| {
                        if StoreError::is_foreign_key(&error) {
                            StoreError::NotFound { what: "owner or vehicle" }
                        } else {
                            StoreError::on("token with this uid")(error)
                        }
                    })?
                    .as_ref()
                    .map(token_from)
                    .transpose()
                }

                async fn delete_token(&self, tenant: TenantId, id: TokenId) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM tokens WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.0)
                        .bind(id.0)
                        .execute(&self.pool)
                        .await
                        .map_err(StoreError::referenced("token with sessions"))?;
                    Ok(done.rows_affected() > 0)
                }
            }
        }
    };
}

pub(crate) use tokens;
