//! The OCPI modules a tenant serves its roaming partners as a CPO: the Sender interfaces of
//! Locations and Tariffs, over the CSMS store.
//!
//! Every request is answered from the calling partner's tenant only. Locations are built
//! from the store on each request (a location with its stations, EVSEs and connectors; see
//! [`publish`](super::publish)) and paged in memory, which suits tenants of a few thousand
//! locations.

use std::sync::Arc;

use chrono::Utc;
use ocpi_server::{LocationsSender, OcpiError, Page, PageQuery, RequestContext, TariffsSender};
use ocpi_types::common::DateTime as OcpiDateTime;
use ocpi_types::v221::locations::{
    Connector as OcpiConnector, Evse as OcpiEvse, Location as OcpiLocation,
};
use ocpi_types::v221::tariffs::Tariff;

use super::partners::tenant_of;
use super::publish::{self, PublishedStation};
use crate::model::{LocationId, StationFilter, Tenant, TenantId};
use crate::store::{self, Store};

fn failed(error: store::StoreError) -> OcpiError {
    OcpiError::Store(Box::new(error))
}

/// Every item of a paged store list, page after page.
macro_rules! every_page {
    ($list:expr) => {{
        let mut all = Vec::new();
        let mut offset = 0;
        loop {
            let page = store::Page {
                offset,
                limit: store::Page::MAX_LIMIT,
            };
            let got = $list(page).await.map_err(failed)?;
            let count = got.items.len() as u64;
            all.extend(got.items);
            offset += count;
            if count == 0 || offset >= got.total {
                break;
            }
        }
        all
    }};
}

/// A tenant's locations and tariffs, as its roaming partners see them.
#[derive(Debug)]
pub struct CpoModules<S: ?Sized> {
    store: Arc<S>,
}

impl<S: Store + ?Sized> CpoModules<S> {
    /// The modules of the tenants of `store`.
    pub fn new(store: Arc<S>) -> CpoModules<S> {
        CpoModules { store }
    }

    async fn tenant(&self, ctx: &RequestContext) -> Result<Tenant, OcpiError> {
        let id =
            tenant_of(&ctx.caller.tenant).map_err(|error| OcpiError::Store(Box::new(error)))?;
        self.store
            .tenant(id)
            .await
            .map_err(failed)?
            .ok_or_else(|| OcpiError::Internal(format!("tenant {id} is gone")))
    }

    /// The published form of one location, `None` when it cannot be published (logged).
    async fn published(
        &self,
        tenant: &Tenant,
        location: &crate::model::Location,
    ) -> Result<Option<OcpiLocation>, OcpiError> {
        let filter = StationFilter {
            location: Some(location.id),
            ..StationFilter::default()
        };
        let store = &self.store;
        let stations = every_page!(|page| store.list_stations(tenant.id, &filter, page));
        let mut parts = Vec::with_capacity(stations.len());
        for details in &stations {
            let station = &details.station;
            let evses = store.evses(tenant.id, station.id).await.map_err(failed)?;
            let connectors = store
                .connectors(tenant.id, station.id)
                .await
                .map_err(failed)?;
            parts.push((station, evses, connectors));
        }
        let stations: Vec<PublishedStation<'_>> = parts
            .iter()
            .map(|(station, evses, connectors)| PublishedStation {
                station,
                evses,
                connectors,
            })
            .collect();
        match publish::location(tenant, location, &stations, Utc::now()) {
            Ok(published) => Ok(Some(published)),
            Err(reason) => {
                tracing::debug!(location = location.id.0, %reason, "location not published");
                Ok(None)
            }
        }
    }

    async fn one_location(
        &self,
        ctx: &RequestContext,
        location_id: &str,
    ) -> Result<Option<OcpiLocation>, OcpiError> {
        let Ok(id) = location_id.parse::<i64>() else {
            return Ok(None);
        };
        let tenant = self.tenant(ctx).await?;
        let Some(location) = self
            .store
            .location(tenant.id, LocationId(id))
            .await
            .map_err(failed)?
        else {
            return Ok(None);
        };
        self.published(&tenant, &location).await
    }
}

#[async_trait::async_trait]
impl<S: Store + ?Sized> LocationsSender for CpoModules<S> {
    async fn list(
        &self,
        ctx: &RequestContext,
        page: &PageQuery,
    ) -> Result<Page<OcpiLocation>, OcpiError> {
        let tenant = self.tenant(ctx).await?;
        let store = &self.store;
        let locations = every_page!(|page| store.list_locations(tenant.id, page));
        let mut published = Vec::new();
        for location in &locations {
            if let Some(location) = self.published(&tenant, location).await? {
                if page.admits(&location.last_updated) {
                    published.push(location);
                }
            }
        }
        published
            .sort_by(|a, b| (a.last_updated, a.id.as_str()).cmp(&(b.last_updated, b.id.as_str())));
        Ok(page.slice(&published))
    }

    async fn location(
        &self,
        ctx: &RequestContext,
        location_id: &str,
    ) -> Result<Option<OcpiLocation>, OcpiError> {
        self.one_location(ctx, location_id).await
    }

    async fn evse(
        &self,
        ctx: &RequestContext,
        location_id: &str,
        evse_uid: &str,
    ) -> Result<Option<OcpiEvse>, OcpiError> {
        let location = self.one_location(ctx, location_id).await?;
        Ok(location.and_then(|location| publish::evse_of(&location, evse_uid).cloned()))
    }

    async fn connector(
        &self,
        ctx: &RequestContext,
        location_id: &str,
        evse_uid: &str,
        connector_id: &str,
    ) -> Result<Option<OcpiConnector>, OcpiError> {
        let location = self.one_location(ctx, location_id).await?;
        Ok(location.and_then(|location| {
            publish::evse_of(&location, evse_uid)?
                .connectors
                .iter()
                .find(|connector| connector.id.as_str() == connector_id)
                .cloned()
        }))
    }
}

#[async_trait::async_trait]
impl<S: Store + ?Sized> TariffsSender for CpoModules<S> {
    async fn list(
        &self,
        ctx: &RequestContext,
        page: &PageQuery,
    ) -> Result<Page<Tariff>, OcpiError> {
        let tenant: TenantId = self.tenant(ctx).await?.id;
        let store = &self.store;
        let stored = every_page!(|page| store.list_tariffs(tenant, page));
        let mut tariffs: Vec<Tariff> = stored
            .into_iter()
            .map(|stored| {
                let mut tariff = stored.tariff;
                tariff.last_updated = OcpiDateTime::from_utc(stored.updated_at);
                tariff
            })
            .filter(|tariff| page.admits(&tariff.last_updated))
            .collect();
        tariffs
            .sort_by(|a, b| (a.last_updated, a.id.as_str()).cmp(&(b.last_updated, b.id.as_str())));
        Ok(page.slice(&tariffs))
    }
}
