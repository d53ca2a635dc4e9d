//! The OCPI modules a tenant serves its roaming partners as a CPO: the Sender interfaces of
//! Locations, Tariffs, Sessions and CDRs, over the CSMS store.
//!
//! Every request is answered from the calling partner's tenant only, and Sessions and CDRs
//! only of the sessions charged with the tokens that partner pushed. Locations are built
//! from the store on each request (a location with its stations, EVSEs and connectors; see
//! [`publish`]) and paged in memory, which suits tenants of a few thousand
//! locations. Sessions and CDRs are paged by the store, by their last change (sessions) and
//! issue time (CDRs); a session at a station without a location, or a CDR without its OCPI
//! form (see [`crate::ocpp::cdr`]), is left out of its page but counted in `X-Total-Count`.

use std::sync::Arc;

use chrono::Utc;
use ocpi_server::{
    CdrsSender, LocationsSender, OcpiError, Page, PageQuery, RequestContext, SessionsSender,
    TariffsSender,
};
use ocpi_types::common::DateTime as OcpiDateTime;
use ocpi_types::v221::cdrs::Cdr as OcpiCdr;
use ocpi_types::v221::locations::{
    Connector as OcpiConnector, Evse as OcpiEvse, Location as OcpiLocation,
};
use ocpi_types::v221::sessions::Session as OcpiSession;
use ocpi_types::v221::tariffs::Tariff;

use super::partners::{partner_of, tenant_of};
use super::publish::{self, PublishedStation};
use crate::model::{
    CdrFilter, LocationId, RoamingPartnerId, SessionFilter, Station, StationFilter, StationId,
    Tenant, TenantId,
};
use crate::store::{self, Store};

fn failed(error: store::StoreError) -> OcpiError {
    OcpiError::Store(Box::new(error))
}

/// Every item of a paged store list (`list` of a page), page after page.
async fn every_page<T, Fut>(mut list: impl FnMut(store::Page) -> Fut) -> store::StoreResult<Vec<T>>
where
    Fut: std::future::Future<Output = store::StoreResult<store::Paged<T>>>,
{
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let page = store::Page {
            offset,
            limit: store::Page::MAX_LIMIT,
        };
        let got = list(page).await?;
        let count = got.items.len() as u64;
        all.extend(got.items);
        offset += count;
        if count == 0 || offset >= got.total {
            return Ok(all);
        }
    }
}

/// The published form of a location with the stations at it, or why it cannot be
/// published.
pub(crate) async fn published_location<S: Store + ?Sized>(
    store: &S,
    tenant: &Tenant,
    location: &crate::model::Location,
) -> store::StoreResult<Result<OcpiLocation, String>> {
    let filter = StationFilter {
        location: Some(location.id),
        ..StationFilter::default()
    };
    let stations = every_page(|page| store.list_stations(tenant.id, &filter, page)).await?;
    let mut parts = Vec::with_capacity(stations.len());
    for details in stations {
        let station = details.station;
        let evses = store.evses(tenant.id, station.id).await?;
        let connectors = store.connectors(tenant.id, station.id).await?;
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
    Ok(publish::location(tenant, location, &stations, Utc::now()))
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

    /// Records the caller's pull (see [`crate::store::RoamingStore::record_partner_pull`]).
    async fn pulled(&self, ctx: &RequestContext, tenant: TenantId) -> Result<(), OcpiError> {
        self.store
            .record_partner_pull(tenant, partner(ctx)?, Utc::now())
            .await
            .map_err(failed)
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
        match published_location(self.store.as_ref(), tenant, location)
            .await
            .map_err(failed)?
        {
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
        self.pulled(ctx, tenant.id).await?;
        let store = &self.store;
        let locations = every_page(|page| store.list_locations(tenant.id, page))
            .await
            .map_err(failed)?;
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
        self.pulled(ctx, tenant).await?;
        let store = &self.store;
        let stored = every_page(|page| store.list_tariffs(tenant, page))
            .await
            .map_err(failed)?;
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

/// The store's page of an OCPI page query.
fn store_page(page: &PageQuery) -> store::Page {
    store::Page {
        offset: page.offset,
        limit: u32::try_from(page.limit).unwrap_or(store::Page::MAX_LIMIT),
    }
}

fn partner(ctx: &RequestContext) -> Result<RoamingPartnerId, OcpiError> {
    partner_of(&ctx.caller.partner).map_err(|error| OcpiError::Store(Box::new(error)))
}

impl<S: Store + ?Sized> CpoModules<S> {
    /// A station and its location, looked up once per page.
    async fn place(
        &self,
        tenant: TenantId,
        station: StationId,
        seen: &mut Vec<(StationId, Option<(Station, crate::model::Location)>)>,
    ) -> Result<Option<(Station, crate::model::Location)>, OcpiError> {
        if let Some((_, place)) = seen.iter().find(|(id, _)| *id == station) {
            return Ok(place.clone());
        }
        let found = match self
            .store
            .station_by_id(tenant, station)
            .await
            .map_err(failed)?
        {
            Some(station) => match station.location_id {
                Some(location) => self
                    .store
                    .location(tenant, location)
                    .await
                    .map_err(failed)?
                    .map(|location| (station, location)),
                None => None,
            },
            None => None,
        };
        seen.push((station, found.clone()));
        Ok(found)
    }
}

#[async_trait::async_trait]
impl<S: Store + ?Sized> SessionsSender for CpoModules<S> {
    async fn list(
        &self,
        ctx: &RequestContext,
        page: &PageQuery,
    ) -> Result<Page<OcpiSession>, OcpiError> {
        let tenant = self.tenant(ctx).await?;
        self.pulled(ctx, tenant.id).await?;
        let filter = SessionFilter {
            roaming_partner: Some(partner(ctx)?),
            updated_from: page.date_from.map(Into::into),
            updated_to: page.date_to.map(Into::into),
            ..SessionFilter::default()
        };
        let sessions = self
            .store
            .list_sessions(tenant.id, &filter, store_page(page))
            .await
            .map_err(failed)?;
        let mut seen = Vec::new();
        let mut items = Vec::with_capacity(sessions.items.len());
        for session in &sessions.items {
            let Some((station, location)) =
                self.place(tenant.id, session.station_id, &mut seen).await?
            else {
                continue;
            };
            let roaming = match &session.token_uid {
                Some(uid) => self
                    .store
                    .roaming_tokens_by_uid(tenant.id, uid)
                    .await
                    .map_err(failed)?
                    .into_iter()
                    .next(),
                None => None,
            };
            let evses = self
                .store
                .evses(tenant.id, station.id)
                .await
                .map_err(failed)?;
            let evse = evses.iter().find(|e| Some(e.evse_id) == session.evse_id);
            match publish::session(
                &tenant,
                session,
                None,
                roaming.as_ref().map(|r| &r.token),
                &station,
                &location,
                evse,
            ) {
                Ok(published) => items.push(published),
                Err(reason) => {
                    tracing::warn!(session = session.id.0, %reason, "session not published")
                }
            }
        }
        Ok(Page {
            items,
            total: sessions.total,
        })
    }
}

#[async_trait::async_trait]
impl<S: Store + ?Sized> CdrsSender for CpoModules<S> {
    async fn list(
        &self,
        ctx: &RequestContext,
        page: &PageQuery,
    ) -> Result<Page<OcpiCdr>, OcpiError> {
        let tenant = self.tenant(ctx).await?;
        self.pulled(ctx, tenant.id).await?;
        let filter = CdrFilter {
            roaming_partner: Some(partner(ctx)?),
            issued_from: page.date_from.map(Into::into),
            issued_to: page.date_to.map(Into::into),
            ..CdrFilter::default()
        };
        let cdrs = self
            .store
            .list_cdrs(tenant.id, &filter, store_page(page))
            .await
            .map_err(failed)?;
        let mut items = Vec::with_capacity(cdrs.items.len());
        for cdr in &cdrs.items {
            let Some(mut object) = cdr.details.get("ocpi_cdr").cloned() else {
                tracing::warn!(cdr = cdr.id.0, "CDR without its OCPI form not published");
                continue;
            };
            // The driver's token is the partner's.
            if let Some(uid) = &cdr.token_uid
                && let Some(roaming) = self
                    .store
                    .roaming_tokens_by_uid(tenant.id, uid)
                    .await
                    .map_err(failed)?
                    .into_iter()
                    .next()
            {
                object["cdr_token"] = publish::roaming_cdr_token(&roaming.token);
            }
            match serde_json::from_value::<OcpiCdr>(object) {
                Ok(published) => items.push(published),
                Err(error) => tracing::warn!(cdr = cdr.id.0, %error, "CDR not published"),
            }
        }
        Ok(Page {
            items,
            total: cdrs.total,
        })
    }
}
