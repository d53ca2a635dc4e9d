//! The Tokens module, Receiver interface: partners (eMSPs) push their drivers' tokens,
//! kept per tenant with the partner that pushed them.

use std::sync::Arc;

use ocpi_server::{OcpiError, RequestContext, Stored, TokenKey, TokensReceiver};
use ocpi_types::v221::tokens::{Token, TokenPatch};

use super::partners::scope;
use crate::model::TenantId;
use crate::store::{self, Store};

fn failed(error: store::StoreError) -> OcpiError {
    OcpiError::Store(Box::new(error))
}

/// A token type as written in OCPI (`RFID`, ...).
fn type_name(token_type: &impl serde::Serialize) -> String {
    serde_json::to_value(token_type)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The tokens partners push to the tenants of a store.
#[derive(Debug)]
pub struct RoamingTokens<S: ?Sized> {
    store: Arc<S>,
}

impl<S: Store + ?Sized> RoamingTokens<S> {
    /// The tokens of the tenants of `store`.
    pub fn new(store: Arc<S>) -> RoamingTokens<S> {
        RoamingTokens { store }
    }

    async fn stored(&self, tenant: TenantId, key: &TokenKey) -> Result<Option<Token>, OcpiError> {
        let token = self
            .store
            .roaming_token(
                tenant,
                key.country_code.as_str(),
                key.party_id.as_str(),
                key.uid.as_str(),
                &type_name(&key.token_type),
            )
            .await
            .map_err(failed)?;
        Ok(token.map(|stored| stored.token))
    }
}

/// `token` with the fields `patch` sets replaced, checked as a whole.
fn patched(token: &Token, patch: &TokenPatch) -> Result<Token, OcpiError> {
    let mut whole = serde_json::to_value(token).map_err(|e| OcpiError::Internal(e.to_string()))?;
    let changes = serde_json::to_value(patch).map_err(|e| OcpiError::Internal(e.to_string()))?;
    if let (Some(whole), Some(changes)) = (whole.as_object_mut(), changes.as_object()) {
        for (field, value) in changes {
            if !value.is_null() {
                whole.insert(field.clone(), value.clone());
            }
        }
    }
    let text = whole.to_string();
    let (token, report) = ocpi_types::decode::<Token>(&text, ocpi_types::Mode::Strict)
        .map_err(|error| OcpiError::Invalid(format!("the patched token: {error}")))?;
    if let Some(finding) = report.errors.first() {
        return Err(OcpiError::Invalid(format!(
            "the patched token: {} {}",
            finding.path, finding.message
        )));
    }
    Ok(token)
}

#[async_trait::async_trait]
impl<S: Store + ?Sized> TokensReceiver for RoamingTokens<S> {
    async fn get(&self, ctx: &RequestContext, key: &TokenKey) -> Result<Option<Token>, OcpiError> {
        let (tenant, _) = scope(ctx)?;
        self.stored(tenant, key).await
    }

    async fn put(
        &self,
        ctx: &RequestContext,
        _key: &TokenKey,
        token: Token,
    ) -> Result<Stored, OcpiError> {
        let (tenant, partner) = scope(ctx)?;
        let created = self
            .store
            .put_roaming_token(tenant, partner, &token)
            .await
            .map_err(failed)?;
        Ok(if created {
            Stored::Created
        } else {
            Stored::Updated
        })
    }

    async fn patch(
        &self,
        ctx: &RequestContext,
        key: &TokenKey,
        patch: TokenPatch,
    ) -> Result<bool, OcpiError> {
        let (tenant, partner) = scope(ctx)?;
        let Some(token) = self.stored(tenant, key).await? else {
            return Ok(false);
        };
        let token = patched(&token, &patch)?;
        self.store
            .put_roaming_token(tenant, partner, &token)
            .await
            .map_err(failed)?;
        Ok(true)
    }
}
