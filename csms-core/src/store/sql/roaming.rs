//! Roaming partners.

/// Implements the roaming part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! roaming {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod roaming {
            use super::*;
            use async_trait::async_trait;
            use sqlx::Row;

            use crate::model::{
                NewRoamingPartner, PartnerStatus, RoamingPartner, RoamingPartnerId, RoamingToken,
                TenantId, TenantRole, TokenHash,
            };
            use crate::store::sql::{at, from_json, now, parse, to_json};
            use ocpi_types::v221::hub_client_info::ClientInfo;
            use crate::store::secret_box::SecretKind;
            use crate::store::{Page, Paged, RoamingStore, StoreError, StoreResult};

            const PARTNER_COLUMNS: &str = "id, tenant_id, name, country_code, party_id, role, \
                 versions_url, version, our_token_hash, their_token, endpoints, status, \
                 last_pull_at, created_at, updated_at";

            /// The token `partner` gave us, as stored: sealed with the store's key.
            fn sealed_token(
                store: &$store,
                tenant: TenantId,
                partner: &NewRoamingPartner,
            ) -> StoreResult<Option<String>> {
                partner
                    .their_token
                    .as_deref()
                    .map(|token| {
                        SecretKind::PartnerToken.seal(store.secret_key.as_deref(), tenant, token)
                    })
                    .transpose()
            }

            fn partner_from(store: &$store, row: &$row) -> StoreResult<RoamingPartner> {
                let tenant_id = TenantId(row.try_get("tenant_id")?);
                Ok(RoamingPartner {
                    id: RoamingPartnerId(row.try_get("id")?),
                    tenant_id,
                    name: row.try_get("name")?,
                    country_code: row.try_get("country_code")?,
                    party_id: row.try_get("party_id")?,
                    role: parse(
                        "partner role",
                        &row.try_get::<String, _>("role")?,
                        TenantRole::parse,
                    )?,
                    versions_url: row.try_get("versions_url")?,
                    version: row.try_get("version")?,
                    our_token_hash: row
                        .try_get::<Option<String>, _>("our_token_hash")?
                        .map(|hash| {
                            TokenHash::from_hex(&hash).ok_or_else(|| {
                                StoreError::corrupt("partner token hash", "not a SHA-256 in hex")
                            })
                        })
                        .transpose()?,
                    their_token: row
                        .try_get::<Option<String>, _>("their_token")?
                        .map(|stored| {
                            let key = store.secret_key.as_deref();
                            SecretKind::PartnerToken.open(key, tenant_id, stored)
                        })
                        .transpose()?,
                    endpoints: from_json(
                        "partner endpoints",
                        &row.try_get::<String, _>("endpoints")?,
                    )?,
                    status: parse(
                        "partner status",
                        &row.try_get::<String, _>("status")?,
                        PartnerStatus::parse,
                    )?,
                    last_pull_at: row.try_get("last_pull_at")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            const TAKEN: &str = "roaming partner with this party and role, or this token";

            const ROAMING_TOKEN_COLUMNS: &str = "tenant_id, partner_id, token";

            type OcpiToken = ocpi_types::v221::tokens::Token;

            /// What tells a token apart (OCPI compares these case-insensitively, so they are
            /// kept in capitals): country code, party id, uid, type.
            fn token_key(token: &OcpiToken) -> (String, String, String, String) {
                let token_type = serde_json::to_value(&token.r#type)
                    .ok()
                    .and_then(|value| value.as_str().map(str::to_owned))
                    .unwrap_or_default();
                (
                    token.country_code.as_str().to_ascii_uppercase(),
                    token.party_id.as_str().to_ascii_uppercase(),
                    token.uid.as_str().to_ascii_uppercase(),
                    token_type,
                )
            }

            type Connection = <<$row as sqlx::Row>::Database as sqlx::Database>::Connection;

            /// [`StoreError::NotFound`] unless `tenant` has the partner `partner`.
            async fn require_partner(
                connection: &mut Connection,
                tenant: TenantId,
                partner: RoamingPartnerId,
            ) -> StoreResult<()> {
                let known: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM roaming_partners WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.0)
                .bind(partner.0)
                .fetch_optional(&mut *connection)
                .await?;
                match known {
                    Some(_) => Ok(()),
                    None => Err(StoreError::NotFound {
                        what: "roaming partner",
                    }),
                }
            }

            fn roaming_token_from(row: &$row) -> StoreResult<RoamingToken> {
                Ok(RoamingToken {
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    partner_id: RoamingPartnerId(row.try_get("partner_id")?),
                    token: from_json("roaming token", &row.try_get::<String, _>("token")?)?,
                })
            }

            #[async_trait]
            impl RoamingStore for $store {
                async fn create_partner(
                    &self,
                    tenant: TenantId,
                    new: &NewRoamingPartner,
                ) -> StoreResult<RoamingPartner> {
                    let when = now();
                    let row = sqlx::query(&format!(
                        "INSERT INTO roaming_partners (tenant_id, country_code, party_id, role, \
                         versions_url, version, our_token_hash, their_token, endpoints, \
                         status, created_at, updated_at, name) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12) \
                         RETURNING {PARTNER_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(&new.country_code)
                    .bind(&new.party_id)
                    .bind(new.role.as_str())
                    .bind(&new.versions_url)
                    .bind(&new.version)
                    .bind(new.our_token_hash.as_ref().map(TokenHash::as_str))
                    .bind(sealed_token(self, tenant, new)?)
                    .bind(to_json("partner endpoints", &new.endpoints)?)
                    .bind(new.status.as_str())
                    .bind(when)
                    .bind(&new.name)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(StoreError::on(TAKEN))?;
                    partner_from(self, &row)
                }

                async fn partner(
                    &self,
                    tenant: TenantId,
                    id: RoamingPartnerId,
                ) -> StoreResult<Option<RoamingPartner>> {
                    sqlx::query(&format!(
                        "SELECT {PARTNER_COLUMNS} FROM roaming_partners \
                         WHERE tenant_id = $1 AND id = $2"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(|row| partner_from(self, row))
                    .transpose()
                }

                async fn partner_by_our_token(
                    &self,
                    token: &str,
                ) -> StoreResult<Option<RoamingPartner>> {
                    sqlx::query(&format!(
                        "SELECT {PARTNER_COLUMNS} FROM roaming_partners \
                         WHERE our_token_hash = $1"
                    ))
                    .bind(TokenHash::of(token).as_str())
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(|row| partner_from(self, row))
                    .transpose()
                }

                async fn list_partners(
                    &self,
                    tenant: TenantId,
                    page: Page,
                ) -> StoreResult<Paged<RoamingPartner>> {
                    let (offset, limit) = page.binds();
                    let total: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM roaming_partners WHERE tenant_id = $1",
                    )
                    .bind(tenant.0)
                    .fetch_one(&self.readers)
                    .await?;
                    let items = sqlx::query(&format!(
                        "SELECT {PARTNER_COLUMNS} FROM roaming_partners WHERE tenant_id = $1 \
                         ORDER BY country_code, party_id, role LIMIT $2 OFFSET $3"
                    ))
                    .bind(tenant.0)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(|row| partner_from(self, row))
                    .collect::<StoreResult<Vec<_>>>()?;
                    Ok(Paged::new(items, total.unsigned_abs()))
                }

                async fn update_partner(
                    &self,
                    tenant: TenantId,
                    id: RoamingPartnerId,
                    update: &NewRoamingPartner,
                ) -> StoreResult<Option<RoamingPartner>> {
                    sqlx::query(&format!(
                        "UPDATE roaming_partners SET country_code = $3, party_id = $4, \
                         role = $5, versions_url = $6, version = $7, our_token_hash = $8, \
                         their_token = $9, endpoints = $10, status = $11, updated_at = $12, \
                         name = $13 \
                         WHERE tenant_id = $1 AND id = $2 RETURNING {PARTNER_COLUMNS}"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(&update.country_code)
                    .bind(&update.party_id)
                    .bind(update.role.as_str())
                    .bind(&update.versions_url)
                    .bind(&update.version)
                    .bind(update.our_token_hash.as_ref().map(TokenHash::as_str))
                    .bind(sealed_token(self, tenant, update)?)
                    .bind(to_json("partner endpoints", &update.endpoints)?)
                    .bind(update.status.as_str())
                    .bind(now())
                    .bind(&update.name)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::on(TAKEN))?
                    .as_ref()
                    .map(|row| partner_from(self, row))
                    .transpose()
                }

                async fn set_partner_status(
                    &self,
                    tenant: TenantId,
                    id: RoamingPartnerId,
                    status: PartnerStatus,
                ) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE roaming_partners SET status = $3, updated_at = $4 \
                         WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(status.as_str())
                    .bind(now())
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn delete_partner(
                    &self,
                    tenant: TenantId,
                    id: RoamingPartnerId,
                ) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "DELETE FROM roaming_partners WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.0)
                    .bind(id.0)
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::referenced("roaming partner in use"))?;
                    Ok(done.rows_affected() > 0)
                }

                async fn record_partner_pull(
                    &self,
                    tenant: TenantId,
                    id: RoamingPartnerId,
                    when: chrono::DateTime<chrono::Utc>,
                ) -> StoreResult<()> {
                    // At most one write a minute per partner, however often it pulls.
                    sqlx::query(
                        "UPDATE roaming_partners SET last_pull_at = $3 \
                         WHERE tenant_id = $1 AND id = $2 \
                         AND (last_pull_at IS NULL OR last_pull_at <= $4)",
                    )
                    .bind(tenant.0)
                    .bind(id.0)
                    .bind(at(when))
                    .bind(at(when - chrono::Duration::minutes(1)))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn put_roaming_token(
                    &self,
                    tenant: TenantId,
                    partner: RoamingPartnerId,
                    token: &OcpiToken,
                ) -> StoreResult<bool> {
                    let key = token_key(token);
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    require_partner(&mut tx, tenant, partner).await?;
                    let existing: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM roaming_tokens WHERE tenant_id = $1 AND country_code = $2 \
                         AND party_id = $3 AND uid = $4 AND token_type = $5",
                    )
                    .bind(tenant.0)
                    .bind(&key.0)
                    .bind(&key.1)
                    .bind(&key.2)
                    .bind(&key.3)
                    .fetch_optional(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO roaming_tokens (tenant_id, partner_id, country_code, \
                         party_id, uid, token_type, token, last_updated) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                         ON CONFLICT (tenant_id, country_code, party_id, uid, token_type) \
                         DO UPDATE SET partner_id = excluded.partner_id, token = excluded.token, \
                         last_updated = excluded.last_updated \
                         WHERE roaming_tokens.last_updated <= excluded.last_updated",
                    )
                    .bind(tenant.0)
                    .bind(partner.0)
                    .bind(&key.0)
                    .bind(&key.1)
                    .bind(&key.2)
                    .bind(&key.3)
                    .bind(to_json("roaming token", token)?)
                    .bind(at(token.last_updated.into()))
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(existing.is_none())
                }

                async fn roaming_token(
                    &self,
                    tenant: TenantId,
                    country_code: &str,
                    party_id: &str,
                    uid: &str,
                    token_type: &str,
                ) -> StoreResult<Option<RoamingToken>> {
                    sqlx::query(&format!(
                        "SELECT {ROAMING_TOKEN_COLUMNS} FROM roaming_tokens WHERE tenant_id = $1 \
                         AND country_code = $2 AND party_id = $3 AND uid = $4 AND token_type = $5"
                    ))
                    .bind(tenant.0)
                    .bind(country_code.to_ascii_uppercase())
                    .bind(party_id.to_ascii_uppercase())
                    .bind(uid.to_ascii_uppercase())
                    .bind(token_type)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(roaming_token_from)
                    .transpose()
                }

                async fn roaming_tokens_by_uid(
                    &self,
                    tenant: TenantId,
                    uid: &str,
                ) -> StoreResult<Vec<RoamingToken>> {
                    sqlx::query(&format!(
                        "SELECT {ROAMING_TOKEN_COLUMNS} FROM roaming_tokens \
                         WHERE tenant_id = $1 AND uid = $2 ORDER BY last_updated DESC, id DESC"
                    ))
                    .bind(tenant.0)
                    .bind(uid.to_ascii_uppercase())
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(roaming_token_from)
                    .collect()
                }

                async fn put_client_info(
                    &self,
                    tenant: TenantId,
                    partner: RoamingPartnerId,
                    info: &ClientInfo,
                ) -> StoreResult<bool> {
                    let country_code = info.country_code.as_str().to_ascii_uppercase();
                    let party_id = info.party_id.as_str().to_ascii_uppercase();
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    require_partner(&mut tx, tenant, partner).await?;
                    let existing: Option<String> = sqlx::query_scalar(
                        "SELECT info FROM hub_client_info WHERE tenant_id = $1 \
                         AND partner_id = $2 AND country_code = $3 AND party_id = $4",
                    )
                    .bind(tenant.0)
                    .bind(partner.0)
                    .bind(&country_code)
                    .bind(&party_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO hub_client_info (tenant_id, partner_id, country_code, \
                         party_id, info, last_updated) VALUES ($1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (tenant_id, partner_id, country_code, party_id) \
                         DO UPDATE SET info = excluded.info, last_updated = excluded.last_updated \
                         WHERE hub_client_info.last_updated <= excluded.last_updated",
                    )
                    .bind(tenant.0)
                    .bind(partner.0)
                    .bind(&country_code)
                    .bind(&party_id)
                    .bind(to_json("client info", info)?)
                    .bind(at(info.last_updated.utc()))
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(existing.is_none())
                }

                async fn client_info(
                    &self,
                    tenant: TenantId,
                    partner: RoamingPartnerId,
                    country_code: &str,
                    party_id: &str,
                ) -> StoreResult<Option<ClientInfo>> {
                    let info: Option<String> = sqlx::query_scalar(
                        "SELECT info FROM hub_client_info WHERE tenant_id = $1 \
                         AND partner_id = $2 AND country_code = $3 AND party_id = $4",
                    )
                    .bind(tenant.0)
                    .bind(partner.0)
                    .bind(country_code.to_ascii_uppercase())
                    .bind(party_id.to_ascii_uppercase())
                    .fetch_optional(&self.readers)
                    .await?;
                    info.map(|info| from_json("client info", &info)).transpose()
                }

                async fn client_infos(
                    &self,
                    tenant: TenantId,
                    partner: RoamingPartnerId,
                ) -> StoreResult<Vec<ClientInfo>> {
                    let infos: Vec<String> = sqlx::query_scalar(
                        "SELECT info FROM hub_client_info WHERE tenant_id = $1 \
                         AND partner_id = $2 ORDER BY country_code, party_id",
                    )
                    .bind(tenant.0)
                    .bind(partner.0)
                    .fetch_all(&self.readers)
                    .await?;
                    infos
                        .iter()
                        .map(|info| from_json("client info", info))
                        .collect()
                }
            }
        }
    };
}

pub(crate) use roaming;
