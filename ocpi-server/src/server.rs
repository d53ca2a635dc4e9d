//! The server: its configuration, the modules an application registers, and the router.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use ocpi_types::Mode;
use ocpi_types::common::{CiString, Url};
use ocpi_types::v221::{
    CommandType, CredentialsRole, Endpoint, InterfaceRole, ModuleId, TokenType, Version,
    VersionNumber,
};
use ocpi_types::{v211, v221};

use crate::auth::{Authenticated, ModuleVersion, RequestContext};
use crate::body::{OcpiBody, Params, RawBody, decode_body};
use crate::client::{ClientConfig, ClientError, OcpiClient};
use crate::credentials::{self, Registered, RegistrationError, SUPPORTED};
use crate::error::OcpiError;
use crate::meta::{Limits, around};
use crate::modules::{
    CdrsSender, ChargingProfilesReceiver, Command, CommandsReceiver, HubClientInfoReceiver,
    LocationsSender, SessionsSender, Stored, TariffsSender, TokenKey, TokensReceiver,
};
use crate::paging::{PageParams, PageQuery, paged_response};
use crate::reply::Reply;
use crate::store::{Caller, PartnerStore};

/// How the server presents itself and what it takes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The public URL the router is reachable at, without a trailing slash (e.g.
    /// `https://cpo.example.com/ocpi` when the router is nested at `/ocpi`): the versions
    /// URL is `{public_url}/versions`, and every URL we publish (version details, `Link`
    /// headers) starts with it.
    pub public_url: String,
    /// Our roles (country code, party id, role, business details), sent in our
    /// credentials. OCPI 2.1.1 partners see only the first.
    pub roles: Vec<CredentialsRole>,
    /// The versions offered (2.2.1 and 2.1.1). The modules registered are served in both,
    /// to the partners registered in each (see [`OcpiServer::router`]); in 2.1.1 their
    /// objects are converted, and sessions and CDRs are served only with the locations
    /// module, whose Locations they embed.
    pub versions: Vec<VersionNumber>,
    /// The largest page a list endpoint returns (100); a larger `limit` is capped, and
    /// `X-Limit` says so.
    pub max_page_size: u64,
    /// The largest request body, in bytes (1 MiB); larger ones are answered with 413.
    pub max_body_bytes: usize,
    /// How long a request may take (30 s, enough for a credentials exchange, which calls
    /// the partner back); past it: 503 with OCPI 3000.
    pub request_timeout: Duration,
    /// How strictly bodies from partners are judged ([`Mode::Lenient`]: deviations from
    /// the specification are logged as warnings, what cannot be decoded is refused).
    pub decode_mode: Mode,
    /// Modules a partner must offer to register (none): in a credentials exchange
    /// without them, we answer OCPI 3003 (as receiver) or do not POST (as sender).
    pub required_modules: Vec<String>,
}

impl ServerConfig {
    /// A configuration with the defaults: both versions, pages of 100, bodies of 1 MiB,
    /// 30 s per request, lenient decoding, no required modules.
    pub fn new(public_url: impl Into<String>, roles: Vec<CredentialsRole>) -> ServerConfig {
        let public_url: String = public_url.into();
        ServerConfig {
            public_url: public_url.trim_end_matches('/').to_owned(),
            roles,
            versions: SUPPORTED.to_vec(),
            max_page_size: 100,
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            decode_mode: Mode::Lenient,
            required_modules: Vec::new(),
        }
    }

    /// Our versions URL: `{public_url}/versions`.
    pub fn versions_url(&self) -> String {
        format!("{}/versions", self.public_url)
    }

    /// The URL of the version details of `version`: `{public_url}/{version}/details`.
    pub fn details_url(&self, version: &VersionNumber) -> String {
        format!("{}/{version}/details", self.public_url)
    }

    /// The URL of the endpoint of `module` in `version`: `{public_url}/{version}/{module}`.
    pub fn endpoint_url(&self, version: &VersionNumber, module: &str) -> String {
        format!("{}/{version}/{module}", self.public_url)
    }
}

/// The module implementations registered.
#[derive(Clone, Default)]
pub(crate) struct Modules {
    pub(crate) locations: Option<Arc<dyn LocationsSender>>,
    pub(crate) sessions: Option<Arc<dyn SessionsSender>>,
    pub(crate) cdrs: Option<Arc<dyn CdrsSender>>,
    pub(crate) tariffs: Option<Arc<dyn TariffsSender>>,
    pub(crate) tokens: Option<Arc<dyn TokensReceiver>>,
    pub(crate) commands: Option<Arc<dyn CommandsReceiver>>,
    pub(crate) charging_profiles: Option<Arc<dyn ChargingProfilesReceiver>>,
    pub(crate) hub_client_info: Option<Arc<dyn HubClientInfoReceiver>>,
}

/// What the routes share.
#[derive(Clone)]
pub(crate) struct Shared {
    pub(crate) config: ServerConfig,
    pub(crate) store: Arc<dyn PartnerStore>,
    pub(crate) client: OcpiClient,
    pub(crate) modules: Modules,
}

/// The OCPI machinery of one platform: register the modules you implement, then take the
/// [`router`](OcpiServer::router) and register with partners
/// ([`register_with`](OcpiServer::register_with)).
#[derive(Clone)]
pub struct OcpiServer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for OcpiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcpiServer")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl OcpiServer {
    /// A server with `config` over `store`, calling partners with a client of the default
    /// [`ClientConfig`].
    pub fn new(
        config: ServerConfig,
        store: Arc<dyn PartnerStore>,
    ) -> Result<OcpiServer, ClientError> {
        let client = OcpiClient::new(ClientConfig::default())?;
        Ok(OcpiServer {
            shared: Arc::new(Shared {
                config,
                store,
                client,
                modules: Modules::default(),
            }),
        })
    }

    fn change(mut self, f: impl FnOnce(&mut Shared)) -> OcpiServer {
        f(Arc::make_mut(&mut self.shared));
        self
    }

    /// Calls partners (during credentials exchanges) with `client`.
    pub fn with_client(self, client: OcpiClient) -> OcpiServer {
        self.change(|s| s.client = client)
    }

    /// Serves the Locations Sender interface.
    pub fn with_locations(self, module: Arc<dyn LocationsSender>) -> OcpiServer {
        self.change(|s| s.modules.locations = Some(module))
    }

    /// Serves the Sessions Sender interface.
    pub fn with_sessions(self, module: Arc<dyn SessionsSender>) -> OcpiServer {
        self.change(|s| s.modules.sessions = Some(module))
    }

    /// Serves the CDRs Sender interface.
    pub fn with_cdrs(self, module: Arc<dyn CdrsSender>) -> OcpiServer {
        self.change(|s| s.modules.cdrs = Some(module))
    }

    /// Serves the Tariffs Sender interface.
    pub fn with_tariffs(self, module: Arc<dyn TariffsSender>) -> OcpiServer {
        self.change(|s| s.modules.tariffs = Some(module))
    }

    /// Serves the Tokens Receiver interface.
    pub fn with_tokens(self, module: Arc<dyn TokensReceiver>) -> OcpiServer {
        self.change(|s| s.modules.tokens = Some(module))
    }

    /// Serves the Commands Receiver interface.
    pub fn with_commands(self, module: Arc<dyn CommandsReceiver>) -> OcpiServer {
        self.change(|s| s.modules.commands = Some(module))
    }

    /// Serves the ChargingProfiles Receiver interface (in OCPI 2.2.1; 2.1.1 has no such
    /// module).
    pub fn with_charging_profiles(self, module: Arc<dyn ChargingProfilesReceiver>) -> OcpiServer {
        self.change(|s| s.modules.charging_profiles = Some(module))
    }

    /// Serves the HubClientInfo Receiver interface (in OCPI 2.2.1; 2.1.1 has no such
    /// module).
    pub fn with_hub_client_info(self, module: Arc<dyn HubClientInfoReceiver>) -> OcpiServer {
        self.change(|s| s.modules.hub_client_info = Some(module))
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.shared.config
    }

    /// The client used to call partners.
    pub fn client(&self) -> &OcpiClient {
        &self.shared.client
    }

    /// Registers with `partner` (created by the application, with or without a token A
    /// of ours) as sender of the credentials: GET its versions at `versions_url` with its
    /// `token_a`, pick the highest version in common, GET its details, issue our token B
    /// (made the partner's registration token with
    /// [`PartnerStore::set_registration_token`], so that the partner can fetch our
    /// versions with it; any token it had stops working), POST our credentials, and
    /// store the token C it returns with its endpoints. Each step that fails says so
    /// ([`RegistrationError`]); when the partner does not take token B (the POST fails),
    /// the partner is [unregistered](PartnerStore::unregister), so that token B stops
    /// working.
    pub async fn register_with(
        &self,
        partner: &Caller,
        versions_url: &str,
        token_a: &str,
    ) -> Result<Registered, RegistrationError> {
        self.shared
            .register_with(partner, versions_url, token_a)
            .await
    }

    /// Updates the credentials of a registration made with
    /// [`register_with`](OcpiServer::register_with): issue a new token B (it replaces the
    /// old one at once, so that the partner can fetch our versions with it), PUT our
    /// credentials with it, and store the new token C the partner returns. When the PUT
    /// fails, the new token B stays ours and the partner's token C is unchanged: call
    /// again to retry.
    pub async fn update_credentials(
        &self,
        registered: &Registered,
    ) -> Result<Registered, RegistrationError> {
        self.shared.update_credentials(registered).await
    }

    /// The router of every endpoint: `/versions`, `/{version}/details`,
    /// `/{version}/credentials` and the registered modules under `/2.2.1/` and `/2.1.1/`.
    /// Mount it where [`ServerConfig::public_url`] says.
    ///
    /// A registered partner is served the modules of the version it agreed
    /// ([`Caller::version`]); a module endpoint of the other version answers 404 with
    /// OCPI 2000 and says which version to use (a partner that agreed 2.2.1 is not
    /// served 2.1.1 objects it did not ask for, nor the other way round). A caller whose
    /// store records no version is served both. In 2.1.1 the modules' 2.2.1 objects are
    /// converted: objects that cannot be are left out of lists (with a warning logged;
    /// `X-Total-Count` still counts them) and answered as unknown one by one; Tokens are
    /// addressed without a type; commands take 2.1.1 requests and answer 2.1.1
    /// CommandResponses.
    pub fn router(&self) -> Router {
        let shared = Arc::clone(&self.shared);
        let config = &shared.config;
        let limits = Limits {
            request_timeout: config.request_timeout,
            max_body_bytes: config.max_body_bytes,
        };
        let mut router: Router<Arc<Shared>> = Router::new().route("/versions", get(versions));
        for version in config.versions.iter().filter(|v| SUPPORTED.contains(v)) {
            let base = format!("/{version}");
            router = router
                .route(&format!("{base}/details"), details_route(version.clone()))
                .route(
                    &format!("{base}/credentials"),
                    credentials_route(version.clone()),
                );
        }
        if config.versions.contains(&VersionNumber::V2_2_1) {
            router = router.merge(module_routes(&shared.modules));
        }
        if config.versions.contains(&VersionNumber::V2_1_1) {
            router = router.merge(crate::v211::routes(&shared.modules));
        }
        router
            .fallback(no_route)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(DefaultBodyLimit::max(config.max_body_bytes))
            .layer(from_fn_with_state(limits, around))
            .with_state(shared)
    }
}

fn details_route(version: VersionNumber) -> MethodRouter<Arc<Shared>> {
    get(
        move |State(state): State<Arc<Shared>>, _: Authenticated| async move {
            version_details(&state, &version)
        },
    )
}

fn credentials_route(version: VersionNumber) -> MethodRouter<Arc<Shared>> {
    let (v_get, v_post, v_put) = (version.clone(), version.clone(), version);
    get(
        move |State(state): State<Arc<Shared>>, auth: Authenticated| async move {
            credentials::get(&state, &v_get, auth).await
        },
    )
    .post(
        move |state: State<Arc<Shared>>, auth: Authenticated, body: RawBody| async move {
            credentials::post(state, v_post, auth, body).await
        },
    )
    .put(
        move |state: State<Arc<Shared>>, auth: Authenticated, body: RawBody| async move {
            credentials::put(state, v_put, auth, body).await
        },
    )
    .delete(
        |State(state): State<Arc<Shared>>, auth: Authenticated| async move {
            credentials::delete(&state, auth).await
        },
    )
}

/// `GET /versions`.
async fn versions(State(state): State<Arc<Shared>>, _: Authenticated) -> Reply<Vec<Version>> {
    let config = &state.config;
    let list = SUPPORTED
        .iter()
        .filter(|v| config.versions.contains(v))
        .map(|v| Version {
            version: v.clone(),
            url: Url::new(config.details_url(v)),
        })
        .collect();
    Reply::ok(list)
}

/// The modules served in 2.2.1, with our role for each.
fn served_modules(modules: &Modules) -> Vec<(ModuleId, InterfaceRole)> {
    let mut out = vec![
        (ModuleId::Credentials, InterfaceRole::Sender),
        (ModuleId::Credentials, InterfaceRole::Receiver),
    ];
    let senders = [
        (ModuleId::Locations, modules.locations.is_some()),
        (ModuleId::Sessions, modules.sessions.is_some()),
        (ModuleId::Cdrs, modules.cdrs.is_some()),
        (ModuleId::Tariffs, modules.tariffs.is_some()),
    ];
    out.extend(
        senders
            .into_iter()
            .filter(|(_, on)| *on)
            .map(|(m, _)| (m, InterfaceRole::Sender)),
    );
    let receivers = [
        (ModuleId::Tokens, modules.tokens.is_some()),
        (ModuleId::Commands, modules.commands.is_some()),
        (
            ModuleId::ChargingProfiles,
            modules.charging_profiles.is_some(),
        ),
        (ModuleId::HubClientInfo, modules.hub_client_info.is_some()),
    ];
    out.extend(
        receivers
            .into_iter()
            .filter(|(_, on)| *on)
            .map(|(m, _)| (m, InterfaceRole::Receiver)),
    );
    out
}

/// `GET /{version}/details`.
fn version_details(state: &Shared, version: &VersionNumber) -> Response {
    let config = &state.config;
    if *version == VersionNumber::V2_1_1 {
        let endpoints = crate::v211::served_modules(&state.modules)
            .into_iter()
            .map(|module| v211::Endpoint {
                url: Url::new(config.endpoint_url(version, module.as_str())),
                identifier: module,
            })
            .collect();
        let details = v211::VersionDetails {
            version: version.clone(),
            endpoints,
        };
        return Reply::ok(details).into_response();
    }
    let endpoints = served_modules(&state.modules)
        .into_iter()
        .map(|(module, role)| Endpoint {
            url: Url::new(config.endpoint_url(version, module.as_str())),
            identifier: module,
            role,
        })
        .collect();
    Reply::ok(v221::VersionDetails {
        version: version.clone(),
        endpoints,
    })
    .into_response()
}

/// A path that is also served with a trailing slash (`/2.2.1/locations/`), as partners
/// often write list URLs.
pub(crate) fn both(
    router: Router<Arc<Shared>>,
    path: &str,
    route: MethodRouter<Arc<Shared>>,
) -> Router<Arc<Shared>> {
    router
        .route(path, route.clone())
        .route(&format!("{path}/"), route)
}

/// The routes of the modules served in 2.2.1, under `/2.2.1/`.
fn module_routes(modules: &Modules) -> Router<Arc<Shared>> {
    const V: &str = "/2.2.1";
    let mut router = Router::new();
    if modules.locations.is_some() {
        router = both(router, &format!("{V}/locations"), get(locations_list));
        router = router
            .route(&format!("{V}/locations/{{location_id}}"), get(location_get))
            .route(
                &format!("{V}/locations/{{location_id}}/{{evse_uid}}"),
                get(evse_get),
            )
            .route(
                &format!("{V}/locations/{{location_id}}/{{evse_uid}}/{{connector_id}}"),
                get(connector_get),
            );
    }
    if modules.sessions.is_some() {
        router = both(router, &format!("{V}/sessions"), get(sessions_list));
    }
    if modules.cdrs.is_some() {
        router = both(router, &format!("{V}/cdrs"), get(cdrs_list));
    }
    if modules.tariffs.is_some() {
        router = both(router, &format!("{V}/tariffs"), get(tariffs_list));
    }
    if modules.tokens.is_some() {
        router = router.route(
            &format!("{V}/tokens/{{country_code}}/{{party_id}}/{{uid}}"),
            get(token_get).put(token_put).patch(token_patch),
        );
    }
    if modules.commands.is_some() {
        router = router.route(
            &format!("{V}/commands/{{command}}"),
            axum::routing::post(command_post),
        );
    }
    if modules.hub_client_info.is_some() {
        router = router.route(
            &format!("{V}/hubclientinfo/{{country_code}}/{{party_id}}"),
            get(client_info_get).put(client_info_put),
        );
    }
    if modules.charging_profiles.is_some() {
        router = router.route(
            &format!("{V}/chargingprofiles/{{session_id}}"),
            get(profile_get).put(profile_put).delete(profile_delete),
        );
    }
    if router.has_routes() {
        router = router.route_layer(axum::Extension(ModuleVersion(VersionNumber::V2_2_1)));
    }
    router
}

/// The module is registered whenever its route exists; this reads it.
pub(crate) fn module<T: ?Sized>(module: &Option<Arc<T>>) -> Result<&Arc<T>, OcpiError> {
    module
        .as_ref()
        .ok_or_else(|| OcpiError::Internal("a route of a module that is not registered".to_owned()))
}

pub(crate) fn page_query(state: &Shared, params: &PageParams) -> PageQuery {
    PageQuery::capped(&params.0, state.config.max_page_size)
}

async fn locations_list(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    params: PageParams,
) -> Result<Response, OcpiError> {
    let query = page_query(&state, &params);
    let page = module(&state.modules.locations)?.list(&ctx, &query).await?;
    let url = state
        .config
        .endpoint_url(&VersionNumber::V2_2_1, "locations");
    Ok(paged_response(&url, &query, page))
}

async fn location_get(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params(location_id): Params<String>,
) -> Result<Reply<v221::Location>, OcpiError> {
    let found = module(&state.modules.locations)?
        .location(&ctx, &location_id)
        .await?;
    found
        .map(Reply::ok)
        .ok_or(OcpiError::UnknownLocation(location_id))
}

async fn evse_get(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params((location_id, evse_uid)): Params<(String, String)>,
) -> Result<Reply<v221::Evse>, OcpiError> {
    let found = module(&state.modules.locations)?
        .evse(&ctx, &location_id, &evse_uid)
        .await?;
    found
        .map(Reply::ok)
        .ok_or_else(|| OcpiError::UnknownLocation(format!("{location_id}/{evse_uid}")))
}

async fn connector_get(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params((location_id, evse_uid, connector_id)): Params<(String, String, String)>,
) -> Result<Reply<v221::Connector>, OcpiError> {
    let found = module(&state.modules.locations)?
        .connector(&ctx, &location_id, &evse_uid, &connector_id)
        .await?;
    found.map(Reply::ok).ok_or_else(|| {
        OcpiError::UnknownLocation(format!("{location_id}/{evse_uid}/{connector_id}"))
    })
}

async fn sessions_list(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    params: PageParams,
) -> Result<Response, OcpiError> {
    let query = page_query(&state, &params);
    let page = module(&state.modules.sessions)?.list(&ctx, &query).await?;
    let url = state
        .config
        .endpoint_url(&VersionNumber::V2_2_1, "sessions");
    Ok(paged_response(&url, &query, page))
}

async fn cdrs_list(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    params: PageParams,
) -> Result<Response, OcpiError> {
    let query = page_query(&state, &params);
    let page = module(&state.modules.cdrs)?.list(&ctx, &query).await?;
    let url = state.config.endpoint_url(&VersionNumber::V2_2_1, "cdrs");
    Ok(paged_response(&url, &query, page))
}

async fn tariffs_list(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    params: PageParams,
) -> Result<Response, OcpiError> {
    let query = page_query(&state, &params);
    let page = module(&state.modules.tariffs)?.list(&ctx, &query).await?;
    let url = state.config.endpoint_url(&VersionNumber::V2_2_1, "tariffs");
    Ok(paged_response(&url, &query, page))
}

/// The `type` parameter of a query string.
fn type_param(uri: &Uri) -> Option<&str> {
    uri.query()?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find_map(|(name, value)| (name == "type").then_some(value))
}

/// Reads the address of a Token and checks that it is one of the caller's.
fn token_key(
    ctx: &RequestContext,
    (country_code, party_id, uid): (String, String, String),
    uri: &Uri,
) -> Result<TokenKey, OcpiError> {
    if !ctx.caller.owns(&country_code, &party_id) {
        return Err(OcpiError::ForeignParty {
            country_code,
            party_id,
        });
    }
    let token_type = type_param(uri).map_or(TokenType::Rfid, TokenType::from_wire);
    if !token_type.is_known() {
        return Err(OcpiError::InvalidParameter {
            name: "type".to_owned(),
            message: format!("{token_type:?} is not a TokenType"),
        });
    }
    Ok(TokenKey {
        country_code: CiString::new(country_code),
        party_id: CiString::new(party_id),
        uid: CiString::new(uid),
        token_type,
    })
}

async fn token_get(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params(path): Params<(String, String, String)>,
    uri: Uri,
) -> Result<Reply<v221::Token>, OcpiError> {
    let key = token_key(&ctx, path, &uri)?;
    let found = module(&state.modules.tokens)?.get(&ctx, &key).await?;
    found
        .map(Reply::ok)
        .ok_or_else(|| OcpiError::UnknownToken(key.uid.into_string()))
}

async fn token_put(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params(path): Params<(String, String, String)>,
    uri: Uri,
    OcpiBody(token): OcpiBody<v221::Token>,
) -> Result<Reply<()>, OcpiError> {
    let key = token_key(&ctx, path, &uri)?;
    if token.country_code != key.country_code {
        return Err(differs_from_url("country_code"));
    }
    if token.party_id != key.party_id {
        return Err(differs_from_url("party_id"));
    }
    if token.uid != key.uid {
        return Err(differs_from_url("uid"));
    }
    if token.r#type != key.token_type {
        return Err(differs_from_url("type"));
    }
    match module(&state.modules.tokens)?
        .put(&ctx, &key, token)
        .await?
    {
        Stored::Created => Ok(Reply::created_empty()),
        Stored::Updated => Ok(Reply::ok_empty()),
    }
}

async fn token_patch(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params(path): Params<(String, String, String)>,
    uri: Uri,
    OcpiBody(patch): OcpiBody<v221::TokenPatch>,
) -> Result<Reply<()>, OcpiError> {
    let key = token_key(&ctx, path, &uri)?;
    if module(&state.modules.tokens)?
        .patch(&ctx, &key, patch)
        .await?
    {
        Ok(Reply::ok_empty())
    } else {
        Err(OcpiError::UnknownToken(key.uid.into_string()))
    }
}

async fn command_post(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params(command): Params<String>,
    RawBody(bytes): RawBody,
) -> Result<Reply<v221::CommandResponse>, OcpiError> {
    let mode = state.config.decode_mode;
    let command = match CommandType::from_wire(&command) {
        CommandType::CancelReservation => Command::CancelReservation(decode_body(&bytes, mode)?),
        CommandType::ReserveNow => Command::ReserveNow(decode_body(&bytes, mode)?),
        CommandType::StartSession => Command::StartSession(decode_body(&bytes, mode)?),
        CommandType::StopSession => Command::StopSession(decode_body(&bytes, mode)?),
        CommandType::UnlockConnector => Command::UnlockConnector(decode_body(&bytes, mode)?),
        CommandType::NonStandard(other) => {
            return Err(OcpiError::NotFound {
                what: "command",
                id: other,
            });
        }
    };
    let response = module(&state.modules.commands)?
        .command(&ctx, command)
        .await?;
    Ok(Reply::ok(response))
}

/// A body whose `field` is not what the URL names.
fn differs_from_url(field: &str) -> OcpiError {
    OcpiError::InvalidBody {
        path: format!("$.{field}"),
        message: "differs from the URL".to_owned(),
    }
}

async fn client_info_get(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params((country_code, party_id)): Params<(String, String)>,
) -> Result<Reply<v221::ClientInfo>, OcpiError> {
    let found = module(&state.modules.hub_client_info)?
        .get(&ctx, &country_code, &party_id)
        .await?;
    found.map(Reply::ok).ok_or(OcpiError::NotFound {
        what: "client info",
        id: format!("{country_code}/{party_id}"),
    })
}

async fn client_info_put(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params((country_code, party_id)): Params<(String, String)>,
    OcpiBody(info): OcpiBody<v221::ClientInfo>,
) -> Result<Reply<()>, OcpiError> {
    if info.country_code != CiString::new(country_code) {
        return Err(differs_from_url("country_code"));
    }
    if info.party_id != CiString::new(party_id) {
        return Err(differs_from_url("party_id"));
    }
    match module(&state.modules.hub_client_info)?
        .put(&ctx, info)
        .await?
    {
        Stored::Created => Ok(Reply::created_empty()),
        Stored::Updated => Ok(Reply::ok_empty()),
    }
}

/// The query of a ChargingProfiles request: `response_url` (required), and for a `GET`
/// `duration` (required, seconds, not negative).
#[derive(Debug, serde::Deserialize)]
struct ProfileQuery {
    duration: Option<String>,
    response_url: Option<String>,
}

impl ProfileQuery {
    fn of(uri: &Uri) -> Result<ProfileQuery, OcpiError> {
        axum::extract::Query::<ProfileQuery>::try_from_uri(uri)
            .map(|axum::extract::Query(query)| query)
            .map_err(|rejection| OcpiError::InvalidParameter {
                name: "query".to_owned(),
                message: rejection.body_text(),
            })
    }

    fn response_url(&self) -> Result<&str, OcpiError> {
        let missing = || OcpiError::InvalidParameter {
            name: "response_url".to_owned(),
            message: "required".to_owned(),
        };
        let url = self.response_url.as_deref().ok_or_else(missing)?;
        if url.starts_with("https://") || url.starts_with("http://") {
            Ok(url)
        } else {
            Err(OcpiError::InvalidParameter {
                name: "response_url".to_owned(),
                message: "not an http(s) URL".to_owned(),
            })
        }
    }

    fn duration(&self) -> Result<i64, OcpiError> {
        let invalid = |message: &str| OcpiError::InvalidParameter {
            name: "duration".to_owned(),
            message: message.to_owned(),
        };
        let text = self
            .duration
            .as_deref()
            .ok_or_else(|| invalid("required"))?;
        match text.parse::<i64>() {
            Ok(duration) if duration >= 0 => Ok(duration),
            _ => Err(invalid("not a number of seconds")),
        }
    }
}

async fn profile_get(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params(session_id): Params<String>,
    uri: Uri,
) -> Result<Reply<v221::ChargingProfileResponse>, OcpiError> {
    let query = ProfileQuery::of(&uri)?;
    let (duration, response_url) = (query.duration()?, query.response_url()?);
    let response = module(&state.modules.charging_profiles)?
        .active_profile(&ctx, &session_id, duration, response_url)
        .await?;
    Ok(Reply::ok(response))
}

async fn profile_put(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params(session_id): Params<String>,
    OcpiBody(request): OcpiBody<v221::SetChargingProfile>,
) -> Result<Reply<v221::ChargingProfileResponse>, OcpiError> {
    let response = module(&state.modules.charging_profiles)?
        .set_profile(&ctx, &session_id, request)
        .await?;
    Ok(Reply::ok(response))
}

async fn profile_delete(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params(session_id): Params<String>,
    uri: Uri,
) -> Result<Reply<v221::ChargingProfileResponse>, OcpiError> {
    let query = ProfileQuery::of(&uri)?;
    let response = module(&state.modules.charging_profiles)?
        .clear_profile(&ctx, &session_id, query.response_url()?)
        .await?;
    Ok(Reply::ok(response))
}

async fn no_route(uri: Uri) -> OcpiError {
    OcpiError::NoRoute(uri.path().to_owned())
}

async fn method_not_allowed(method: Method) -> OcpiError {
    OcpiError::MethodNotAllowed(method.to_string())
}
