//! What the store types have besides the traits.

/// Implements the inherent methods of [`sql_store!`](super::sql_store) for a store type.
macro_rules! inherent {
    ($store:ident, $row:ty) => {
        impl $store {
            /// The sqlx pool the store writes through, for what the store traits do not
            /// cover. On SQLite it is the store's one writing connection: hold it
            /// briefly, since every write waits for it.
            pub fn pool(&self) -> &sqlx::Pool<<$row as sqlx::Row>::Database> {
                &self.pool
            }

            /// Seals secrets with `key` (XChaCha20-Poly1305) before they are stored: webhook
            /// signing secrets and the tokens roaming partners gave us to call them with.
            /// Without a key the store refuses to store such secrets rather than keep them in
            /// clear. Secrets earlier versions kept in clear are still read;
            /// [`seal_secrets_kept_in_clear`](Self::seal_secrets_kept_in_clear) seals them.
            pub fn with_secret_key(mut self, key: $crate::store::SecretKey) -> $store {
                self.secret_key = Some(std::sync::Arc::new(key));
                self
            }

            /// Seals the secrets an earlier version kept in clear (webhook secrets, roaming
            /// partners' tokens) with the store's key, and returns how many it sealed; run it
            /// once the store has its key (the `csms` example does at start). Each secret is
            /// replaced only if it is still the clear value read, so a concurrent change wins.
            /// Fails without a key when there is anything to seal.
            pub async fn seal_secrets_kept_in_clear(&self) -> $crate::store::StoreResult<usize> {
                use $crate::model::TenantId;
                use $crate::store::secret_box::{SecretKind, is_sealed};
                let places = [
                    (SecretKind::WebhookSecret, "webhooks", "secret"),
                    (SecretKind::PartnerToken, "roaming_partners", "their_token"),
                ];
                let mut sealed = 0;
                for (kind, table, column) in places {
                    let stored: Vec<(i64, i64, String)> = sqlx::query_as(&format!(
                        "SELECT id, tenant_id, {column} FROM {table} WHERE {column} IS NOT NULL"
                    ))
                    .fetch_all(&self.readers)
                    .await?;
                    for (id, tenant, clear) in stored {
                        if is_sealed(&clear) {
                            continue;
                        }
                        let value =
                            kind.seal(self.secret_key.as_deref(), TenantId(tenant), &clear)?;
                        let done = sqlx::query(&format!(
                            "UPDATE {table} SET {column} = $1 WHERE id = $2 AND {column} = $3"
                        ))
                        .bind(value)
                        .bind(id)
                        .bind(&clear)
                        .execute(&self.pool)
                        .await?;
                        sealed += usize::try_from(done.rows_affected()).unwrap_or(usize::MAX);
                    }
                }
                Ok(sealed)
            }
        }
    };
}

pub(crate) use inherent;
