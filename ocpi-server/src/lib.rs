//! OCPI 2.2.1 (and 2.1.1) over HTTP, for a platform that does not need the rest of the
//! family: the server side on [axum], the client side on `reqwest` with rustls, behind
//! storage and module traits the application implements.
//!
//! - [`OcpiServer`]: the router of the versions, version details and credentials
//!   endpoints and of the modules the application registers, and the credentials
//!   exchange as sender ([`OcpiServer::register_with`]);
//! - [`PartnerStore`]: which partner a credentials token belongs to, and what a
//!   credentials exchange leaves ([`MemoryStore`] keeps it in memory);
//! - [`modules`]: the Sender interfaces of Locations, Sessions, CDRs and Tariffs, and the
//!   Receiver interfaces of Tokens and Commands;
//! - [`OcpiClient`]: typed calls to a partner, paged pulls that follow `Link`;
//! - [`OcpiError`]: every failure, mapped to one HTTP status and OCPI status code.
//!
//! # What every request goes through
//!
//! - **Authentication**: `Authorization: Token <token>`, the token Base64-encoded as
//!   2.2.1 says; a token that is not found decoded is looked up as sent, for partners that
//!   do not encode it. A missing or unknown token answers HTTP 401 with OCPI 2000. A
//!   registration token (token A, [`Access::Registration`]) opens only the versions and
//!   credentials endpoints; on a module it answers 401 as the specification says.
//! - **Envelope**: every answer is an OCPI envelope with `status_code`, `status_message`
//!   and `timestamp`: unknown routes (404), wrong methods (405), bodies that are not JSON
//!   (400, 2001), objects that are not valid (2001, with the JSON path), bad query
//!   parameters (400, 2001), our failures and a handler's panic (500, 3000), requests
//!   past the time limit (503, 3000) and bodies past the size limit (413).
//! - **Headers**: `X-Request-ID` and `X-Correlation-ID` are repeated (or generated);
//!   the routing headers `OCPI-to-*`/`OCPI-from-*` are given to the handlers
//!   ([`RequestContext`]) and answered swapped.
//! - **Paging**: list endpoints take `offset`, `limit` (capped at
//!   [`ServerConfig::max_page_size`]), `date_from` and `date_to`, and answer
//!   `X-Total-Count`, `X-Limit` and `Link: <...>; rel="next"` while objects remain.
//! - **Version**: a registered partner is served the modules of the version it agreed.
//!
//! # Wiring it into an axum application
//!
//! ```no_run
//! use std::sync::Arc;
//! use ocpi_server::{MemoryStore, OcpiServer, ServerConfig, TenantKey};
//! use ocpi_types::v221::{BusinessDetails, CredentialsRole, Role};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let us = CredentialsRole {
//!     role: Role::Cpo,
//!     business_details: BusinessDetails { name: "Example CPO".into(), website: None, logo: None },
//!     party_id: "EXA".into(),
//!     country_code: "NL".into(),
//! };
//! let store = Arc::new(MemoryStore::new());
//! let tenant = TenantKey("default".into());
//! // A partner with a token A of ours, to give it out of band: it registers with us.
//! let token_a = ocpi_server::generate_token()?;
//! store.add_partner(&tenant, Some(&token_a));
//! // A partner that gave us its token A: we register with it.
//! let emsp = store.add_partner(&tenant, None);
//!
//! let config = ServerConfig::new("https://cpo.example.com/ocpi", vec![us]);
//! let ocpi = OcpiServer::new(config, store)?; // .with_locations(...), .with_tokens(...)
//! let app = axum::Router::new().nest("/ocpi", ocpi.router());
//! let serving = axum::serve(tokio::net::TcpListener::bind("127.0.0.1:8080").await?, app);
//! let server = tokio::spawn(async move { serving.await });
//! ocpi.register_with(&emsp, "https://emsp.example.com/ocpi/versions", "their-token-a")
//!     .await?;
//! server.await??;
//! # Ok(())
//! # }
//! ```
//!
//! # URLs
//!
//! Relative to where the router is mounted ([`ServerConfig::public_url`]):
//! `/versions`, `/{version}/details`, `/{version}/credentials` (2.2.1 and 2.1.1), and
//! under `/2.2.1` `/locations[/{location_id}[/{evse_uid}[/{connector_id}]]]`,
//! `/sessions`, `/cdrs`, `/tariffs`, `/tokens/{country_code}/{party_id}/{uid}[?type=]`
//! `/commands/{command}`, `/chargingprofiles/{session_id}` and
//! `/hubclientinfo/{country_code}/{party_id}` for the modules registered. Under `/2.1.1`
//! the same (but ChargingProfiles and HubClientInfo, which 2.1.1 does not have), with
//! `/tokens/{country_code}/{party_id}/{uid}` (2.1.1 has no token type) and sessions
//! and CDRs only with the locations module.
//!
//! # OCPI 2.1.1
//!
//! Partners that agreed 2.1.1 are served by the same modules, which speak 2.2.1: their
//! objects are converted with `ocpi_types::v211::convert` both ways. An object that
//! cannot be converted without loss is left out of a list (a warning is logged;
//! `X-Total-Count` is the module's count and includes it) and is unknown (404) when
//! asked alone. Each registered partner is served the module endpoints of the version it
//! agreed only: the other version's answer 404 with OCPI 2000 (see
//! [`OcpiServer::router`]).

mod auth;
mod body;
pub mod client;
mod credentials;
mod error;
pub mod memory;
mod meta;
pub mod modules;
mod paging;
mod reply;
mod server;
pub mod store;
mod token;
mod v211;

pub use auth::RequestContext;
pub use client::{Auth, ClientConfig, ClientError, OcpiClient};
pub use credentials::{Registered, RegistrationError, encoding_for, find_endpoint};
pub use error::OcpiError;
pub use memory::MemoryStore;
pub use meta::RequestMeta;
pub use modules::{
    CdrsSender, ChargingProfilesReceiver, Command, CommandsReceiver, HubClientInfoReceiver,
    LocationsSender, SessionsSender, Stored, TariffsSender, TokenKey, TokensReceiver,
};
pub use paging::{Page, PageQuery};
pub use reply::Reply;
pub use server::{OcpiServer, ServerConfig};
pub use store::{
    Access, Caller, PartnerEndpoint, PartnerId, PartnerStore, PartyRef, Registration, StoreError,
    TenantKey,
};
pub use token::generate_token;
