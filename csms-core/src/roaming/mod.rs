//! Roaming: the CSMS as an OCPI 2.2.1 CPO, on the OCPI machinery of `ocpi-server`.
//!
//! - [`partners`]: the partner storage the credentials exchange needs, over the store's
//!   roaming partners (created by operators, each with the token A it registers with);
//! - [`publish`]: locations and sessions as OCPI objects;
//! - [`modules`]: the Locations, Tariffs, Sessions and CDRs Sender interfaces, answered
//!   from the calling partner's tenant (sessions and CDRs of its own tokens);
//! - [`tokens`]: the Tokens Receiver interface: partners push their drivers' tokens;
//! - [`commands`]: the Commands Receiver interface: partners start and stop sessions and
//!   unlock connectors at the stations connected now;
//! - [`charging_profiles`]: the ChargingProfiles Receiver interface: partners steer the
//!   sessions of their tokens with charging profiles;
//! - [`hub`]: the HubClientInfo Receiver interface: hubs tell how their other clients'
//!   connections stand;
//! - [`authorize`]: those tokens authorized at our stations, by their whitelist rule and by
//!   real-time authorization at the partner;
//! - [`push`]: sessions, CDRs, EVSE statuses, locations and tariffs pushed to partners from
//!   the outbox.
//!
//! [`cpo_server`] puts them together into an [`OcpiServer`] whose router the admin API's
//! listener serves under `/ocpi`.

pub mod authorize;
pub mod charging_profiles;
pub mod commands;
pub mod hub;
pub mod modules;
pub mod partners;
pub mod publish;
pub mod push;
pub mod tokens;

use std::sync::Arc;

use ocpi_server::{OcpiServer, ServerConfig};
use ocpi_types::v221::{BusinessDetails, CredentialsRole, Role};

use crate::ocpp::commands::CommandRoute;
use crate::store::Store;

pub use charging_profiles::RoamingChargingProfiles;
pub use commands::RoamingCommands;
pub use hub::RoamingHubClients;
pub use modules::CpoModules;
pub use partners::PartnerDirectory;
pub use push::PartnerPusher;
pub use tokens::RoamingTokens;

/// The settings of the CSMS's OCPI server at `public_url` (the URL partners reach `/ocpi`
/// at). Each tenant answers partners as its own party (see
/// [`PartnerDirectory`]); the role given here is only what a single-party deployment would
/// show.
pub fn server_config(public_url: &str) -> ServerConfig {
    let platform = CredentialsRole {
        role: Role::Cpo,
        business_details: BusinessDetails {
            name: "CSMS".into(),
            website: None,
            logo: None,
        },
        party_id: "CSM".into(),
        country_code: "NL".into(),
    };
    ServerConfig::new(public_url, vec![platform])
}

/// The OCPI server of the tenants of `store`: versions, credentials (both ways), the
/// Locations, Tariffs, Sessions and CDRs Sender modules and the Tokens and HubClientInfo
/// Receiver modules;
/// with `stations` (how commands reach the stations, such as the OCPP server they connect
/// to) the Commands and ChargingProfiles Receiver modules as well.
pub fn cpo_server<S: Store + 'static>(
    store: Arc<S>,
    config: ServerConfig,
    stations: Option<Arc<dyn CommandRoute>>,
) -> Result<OcpiServer, ocpi_server::ClientError> {
    let modules = Arc::new(CpoModules::new(Arc::clone(&store)));
    let partners = Arc::new(PartnerDirectory::new(Arc::clone(&store)));
    let server = OcpiServer::new(config, partners)?
        .with_locations(modules.clone())
        .with_tariffs(modules.clone())
        .with_sessions(modules.clone())
        .with_cdrs(modules)
        .with_tokens(Arc::new(RoamingTokens::new(Arc::clone(&store))))
        .with_hub_client_info(Arc::new(RoamingHubClients::new(Arc::clone(&store))));
    Ok(match stations {
        Some(stations) => server
            .with_commands(Arc::new(RoamingCommands::new(
                Arc::clone(&store),
                Arc::clone(&stations),
            )))
            .with_charging_profiles(Arc::new(RoamingChargingProfiles::new(store, stations))),
        None => server,
    })
}
