//! The HubClientInfo module, Receiver interface: a hub tells how the parties connected to it
//! stand (connected, offline, planned, suspended), kept per hub partner and shown to the
//! operator (`GET /roaming-partners/{id}/client-info`).

use std::sync::Arc;

use ocpi_server::{HubClientInfoReceiver, OcpiError, RequestContext, Stored};
use ocpi_types::v221::hub_client_info::ClientInfo;

use super::partners::scope;
use crate::store::Store;

/// What hubs tell the tenants of a store of their other clients.
#[derive(Debug)]
pub struct RoamingHubClients<S: ?Sized> {
    store: Arc<S>,
}

impl<S: Store + ?Sized> RoamingHubClients<S> {
    /// The hub client information of the tenants of `store`.
    pub fn new(store: Arc<S>) -> RoamingHubClients<S> {
        RoamingHubClients { store }
    }
}

#[async_trait::async_trait]
impl<S: Store + ?Sized> HubClientInfoReceiver for RoamingHubClients<S> {
    async fn get(
        &self,
        ctx: &RequestContext,
        country_code: &str,
        party_id: &str,
    ) -> Result<Option<ClientInfo>, OcpiError> {
        let (tenant, partner) = scope(ctx)?;
        self.store
            .client_info(tenant, partner, country_code, party_id)
            .await
            .map_err(|error| OcpiError::Store(Box::new(error)))
    }

    async fn put(&self, ctx: &RequestContext, info: ClientInfo) -> Result<Stored, OcpiError> {
        let (tenant, partner) = scope(ctx)?;
        let created = self
            .store
            .put_client_info(tenant, partner, &info)
            .await
            .map_err(|error| OcpiError::Store(Box::new(error)))?;
        Ok(if created {
            Stored::Created
        } else {
            Stored::Updated
        })
    }
}
