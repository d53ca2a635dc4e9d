//! The OCPI machinery's partner storage ([`ocpi_server::PartnerStore`]) over the CSMS
//! store's roaming partners.
//!
//! A partner is created by an operator (the admin API's `POST /roaming-partners`) with a
//! token A it registers with; the OCPI credentials exchange then records what it leaves on
//! that partner. Partners are told apart by their number, tenants by theirs
//! ([`PartnerId`] and [`TenantKey`] hold them as text). A suspended partner's token is
//! unknown until an operator resumes it. Each tenant shows its partners its own party
//! (country code, party id, role and name) in the credentials.

use std::sync::Arc;

use ocpi_server::{
    Access, Caller, PartnerId, PartnerStore, PartyRef, Registration, StoreError, TenantKey,
};
use ocpi_types::common::CiString;
use ocpi_types::v221::{BusinessDetails, CredentialsRole, InterfaceRole, Role};

use crate::model::{
    NewRoamingPartner, PartnerEndpoint, PartnerStatus, RoamingPartner, RoamingPartnerId, TenantId,
    TenantRole, TokenHash,
};
use crate::store::Store;

/// The OCPI role of a partner's tenant role.
pub(crate) fn ocpi_role(role: TenantRole) -> Role {
    match role {
        TenantRole::Cpo => Role::Cpo,
        TenantRole::Emsp => Role::Emsp,
        TenantRole::Hub => Role::Hub,
    }
}

/// The tenant role of an OCPI role, for the roles a partner may have.
fn tenant_role(role: &Role) -> Option<TenantRole> {
    match role {
        Role::Cpo => Some(TenantRole::Cpo),
        Role::Emsp => Some(TenantRole::Emsp),
        Role::Hub => Some(TenantRole::Hub),
        _ => None,
    }
}

/// The tenant a [`TenantKey`] names.
pub(crate) fn tenant_of(key: &TenantKey) -> Result<TenantId, StoreError> {
    key.0
        .parse()
        .map(TenantId)
        .map_err(|_| StoreError::Conflict(format!("no tenant {:?}", key.0)))
}

/// The partner a [`PartnerId`] names.
pub(crate) fn partner_of(id: &PartnerId) -> Result<RoamingPartnerId, StoreError> {
    id.0.parse()
        .map(RoamingPartnerId)
        .map_err(|_| StoreError::Conflict(format!("no partner {:?}", id.0)))
}

/// The tenant and partner of the caller of a module.
pub(crate) fn scope(
    ctx: &ocpi_server::RequestContext,
) -> Result<(TenantId, RoamingPartnerId), ocpi_server::OcpiError> {
    let store = |error| ocpi_server::OcpiError::Store(Box::new(error));
    let tenant = tenant_of(&ctx.caller.tenant).map_err(store)?;
    let partner = partner_of(&ctx.caller.partner).map_err(store)?;
    Ok((tenant, partner))
}

fn backend(error: crate::store::StoreError) -> StoreError {
    StoreError::Backend(Box::new(error))
}

/// The caller a stored partner is.
pub fn caller(partner: &RoamingPartner) -> Caller {
    Caller {
        partner: PartnerId(partner.id.to_string()),
        tenant: TenantKey(partner.tenant_id.to_string()),
        access: match partner.status {
            PartnerStatus::Connected => Access::Registered,
            PartnerStatus::Pending | PartnerStatus::Suspended => Access::Registration,
        },
        version: partner
            .version
            .as_deref()
            .and_then(|version| serde_json::from_value(serde_json::json!(version)).ok()),
        parties: vec![PartyRef {
            country_code: CiString::from(partner.country_code.as_str()),
            party_id: CiString::from(partner.party_id.as_str()),
            role: ocpi_role(partner.role),
        }],
    }
}

/// What a stored partner is, as a change starting from it.
pub(crate) fn as_new(partner: &RoamingPartner) -> NewRoamingPartner {
    NewRoamingPartner {
        name: partner.name.clone(),
        country_code: partner.country_code.clone(),
        party_id: partner.party_id.clone(),
        role: partner.role,
        versions_url: partner.versions_url.clone(),
        version: partner.version.clone(),
        our_token_hash: partner.our_token_hash.clone(),
        their_token: partner.their_token.clone(),
        endpoints: partner.endpoints.clone(),
        status: partner.status,
    }
}

/// The CSMS store's roaming partners, as the OCPI machinery asks for them.
#[derive(Debug)]
pub struct PartnerDirectory<S: ?Sized> {
    store: Arc<S>,
}

impl<S: Store + ?Sized> PartnerDirectory<S> {
    /// The partners of `store`.
    pub fn new(store: Arc<S>) -> PartnerDirectory<S> {
        PartnerDirectory { store }
    }

    async fn stored(&self, caller: &Caller) -> Result<RoamingPartner, StoreError> {
        let tenant = tenant_of(&caller.tenant)?;
        let id = partner_of(&caller.partner)?;
        self.store
            .partner(tenant, id)
            .await
            .map_err(backend)?
            .ok_or_else(|| StoreError::Conflict(format!("partner {id} is gone")))
    }

    async fn save(
        &self,
        partner: &RoamingPartner,
        update: &NewRoamingPartner,
    ) -> Result<Caller, StoreError> {
        let saved = self
            .store
            .update_partner(partner.tenant_id, partner.id, update)
            .await
            .map_err(|error| match error {
                crate::store::StoreError::Conflict { .. } => {
                    StoreError::Conflict(error.to_string())
                }
                other => backend(other),
            })?
            .ok_or_else(|| StoreError::Conflict(format!("partner {} is gone", partner.id)))?;
        Ok(caller(&saved))
    }
}

#[async_trait::async_trait]
impl<S: Store + ?Sized> PartnerStore for PartnerDirectory<S> {
    async fn authenticate(&self, token: &str) -> Result<Option<Caller>, StoreError> {
        let partner = self
            .store
            .partner_by_our_token(token)
            .await
            .map_err(backend)?;
        Ok(partner
            .filter(|partner| partner.status != PartnerStatus::Suspended)
            .map(|partner| caller(&partner)))
    }

    async fn set_registration_token(
        &self,
        partner: &Caller,
        token: &str,
    ) -> Result<Caller, StoreError> {
        let stored = self.stored(partner).await?;
        let mut update = as_new(&stored);
        update.our_token_hash = Some(TokenHash::of(token));
        update.status = PartnerStatus::Pending;
        self.save(&stored, &update).await
    }

    async fn save_registration(
        &self,
        caller: &Caller,
        registration: &Registration,
    ) -> Result<Caller, StoreError> {
        let stored = self.stored(caller).await?;
        let mut update = as_new(&stored);
        // The party registered is the one the operator created: its credentials must name
        // it (a partner of several parties is one partner entry per party).
        let party = registration
            .roles
            .iter()
            .find(|role| {
                role.country_code.eq_ignore_ascii_case(&stored.country_code)
                    && role.party_id.eq_ignore_ascii_case(&stored.party_id)
            })
            .or_else(|| registration.roles.first())
            .ok_or_else(|| StoreError::Conflict("the credentials name no role".to_owned()))?;
        update.country_code = party.country_code.as_str().to_ascii_uppercase();
        update.party_id = party.party_id.as_str().to_ascii_uppercase();
        if let Some(role) = tenant_role(&party.role) {
            update.role = role;
        }
        if let Some(token) = &registration.issued_token {
            update.our_token_hash = Some(TokenHash::of(token));
        }
        update.their_token = Some(registration.their_token.clone());
        update.versions_url = registration.versions_url.clone();
        update.version = Some(registration.version.to_string());
        update.endpoints = registration
            .endpoints
            .iter()
            .map(|endpoint| PartnerEndpoint {
                module: endpoint.module.clone(),
                role: match &endpoint.role {
                    Some(InterfaceRole::Sender) => "SENDER".to_owned(),
                    Some(InterfaceRole::Receiver) => "RECEIVER".to_owned(),
                    Some(other) => serde_json::to_value(other)
                        .ok()
                        .and_then(|value| value.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    None => String::new(),
                },
                url: endpoint.url.clone(),
            })
            .collect();
        update.status = PartnerStatus::Connected;
        self.save(&stored, &update).await
    }

    async fn our_roles(
        &self,
        tenant: &TenantKey,
    ) -> Result<Option<Vec<CredentialsRole>>, StoreError> {
        let id = tenant_of(tenant)?;
        let tenant = self
            .store
            .tenant(id)
            .await
            .map_err(backend)?
            .ok_or_else(|| StoreError::Conflict(format!("tenant {id} is gone")))?;
        Ok(Some(vec![CredentialsRole {
            role: ocpi_role(tenant.role),
            business_details: BusinessDetails {
                name: tenant.name.as_str().into(),
                website: None,
                logo: None,
            },
            party_id: CiString::from(tenant.party_id.as_str()),
            country_code: CiString::from(tenant.country_code.as_str()),
        }]))
    }

    async fn unregister(&self, caller: &Caller) -> Result<(), StoreError> {
        let stored = self.stored(caller).await?;
        let mut update = as_new(&stored);
        update.our_token_hash = None;
        update.their_token = None;
        update.endpoints = Vec::new();
        update.status = PartnerStatus::Pending;
        self.save(&stored, &update).await.map(drop)
    }
}
