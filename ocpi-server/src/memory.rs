//! [`MemoryStore`]: a [`PartnerStore`] in memory, for tests, examples and single-process
//! demos. It keeps the tokens we issue in clear; a store on disk should keep hashes.
//! Partners are added with [`MemoryStore::add_partner`], as an application's admin API
//! would create them.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::store::{
    Access, Caller, PartnerId, PartnerStore, PartyRef, Registration, StoreError, TenantKey,
};

/// A [`PartnerStore`] in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    /// Presented token to partner.
    tokens: HashMap<String, PartnerId>,
    partners: HashMap<PartnerId, Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    tenant: TenantKey,
    access: Access,
    registration: Option<Registration>,
}

impl Entry {
    fn caller(&self, id: &PartnerId) -> Caller {
        let registration = self.registration.as_ref();
        Caller {
            partner: id.clone(),
            tenant: self.tenant.clone(),
            access: self.access,
            version: registration.map(|r| r.version.clone()),
            parties: registration
                .map(|r| r.roles.iter().map(PartyRef::of).collect())
                .unwrap_or_default(),
        }
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a partner of `tenant`, not registered, with `token_a` as its token A (to give
    /// it out of band) or with no token (to register with it through
    /// [`OcpiServer::register_with`](crate::OcpiServer::register_with)).
    ///
    /// # Panics
    ///
    /// When `token_a` is already a token of another partner.
    pub fn add_partner(&self, tenant: &TenantKey, token_a: Option<&str>) -> Caller {
        let mut inner = self.lock();
        inner.next_id += 1;
        let id = PartnerId(format!("partner-{}", inner.next_id));
        if let Some(token) = token_a {
            assert!(
                !inner.tokens.contains_key(token),
                "the token A is already a token of another partner"
            );
            inner.tokens.insert(token.to_owned(), id.clone());
        }
        let entry = Entry {
            tenant: tenant.clone(),
            access: Access::Registration,
            registration: None,
        };
        let caller = entry.caller(&id);
        inner.partners.insert(id, entry);
        caller
    }

    /// The last registration of `partner` (its token, endpoints, roles), if it is
    /// registered.
    pub fn registration(&self, partner: &PartnerId) -> Option<Registration> {
        self.lock().partners.get(partner)?.registration.clone()
    }

    /// Every partner, registered or not.
    pub fn partners(&self) -> Vec<Caller> {
        let inner = self.lock();
        let mut all: Vec<Caller> = inner.partners.iter().map(|(id, e)| e.caller(id)).collect();
        all.sort_by(|a, b| a.partner.cmp(&b.partner));
        all
    }
}

#[async_trait::async_trait]
impl PartnerStore for MemoryStore {
    async fn authenticate(&self, token: &str) -> Result<Option<Caller>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .tokens
            .get(token)
            .and_then(|id| inner.partners.get(id).map(|e| e.caller(id))))
    }

    async fn set_registration_token(
        &self,
        partner: &Caller,
        token: &str,
    ) -> Result<Caller, StoreError> {
        let mut inner = self.lock();
        if !inner.partners.contains_key(&partner.partner) {
            return Err(StoreError::Conflict("the partner is not known".to_owned()));
        }
        if inner
            .tokens
            .get(token)
            .is_some_and(|owner| *owner != partner.partner)
        {
            return Err(StoreError::Conflict("the token is in use".to_owned()));
        }
        inner.tokens.retain(|_, id| *id != partner.partner);
        inner
            .tokens
            .insert(token.to_owned(), partner.partner.clone());
        let entry = inner
            .partners
            .get_mut(&partner.partner)
            .ok_or_else(|| StoreError::Conflict("the partner is not known".to_owned()))?;
        entry.access = Access::Registration;
        Ok(entry.caller(&partner.partner))
    }

    async fn save_registration(
        &self,
        caller: &Caller,
        registration: &Registration,
    ) -> Result<Caller, StoreError> {
        let mut inner = self.lock();
        if !inner.partners.contains_key(&caller.partner) {
            return Err(StoreError::Conflict("the partner is not known".to_owned()));
        }
        if let Some(token) = &registration.issued_token {
            if inner.tokens.contains_key(token) {
                return Err(StoreError::Conflict("the token is in use".to_owned()));
            }
            inner.tokens.retain(|_, id| *id != caller.partner);
            inner.tokens.insert(token.clone(), caller.partner.clone());
        }
        let entry = inner
            .partners
            .get_mut(&caller.partner)
            .ok_or_else(|| StoreError::Conflict("the partner is not known".to_owned()))?;
        entry.access = Access::Registered;
        entry.registration = Some(registration.clone());
        Ok(entry.caller(&caller.partner))
    }

    /// Drops the partner's tokens and registration; the partner stays, not registered.
    async fn unregister(&self, caller: &Caller) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.tokens.retain(|_, id| *id != caller.partner);
        if let Some(entry) = inner.partners.get_mut(&caller.partner) {
            entry.access = Access::Registration;
            entry.registration = None;
        }
        Ok(())
    }
}
