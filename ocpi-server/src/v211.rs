//! The module endpoints in OCPI 2.1.1, for partners that agreed 2.1.1: the same module
//! implementations (which speak 2.2.1 objects) behind them, the objects converted with
//! [`ocpi_types::v211::convert`] on the way out and on the way in.
//!
//! - **Lists** (locations, sessions, CDRs, tariffs): Sessions and CDRs go down as their
//!   CPO publishes them ([`convert::published_session_to_v211`],
//!   [`convert::published_cdr_to_v211`]: without what 2.1.1 has no place for and that
//!   changes no amount). An object that cannot be converted even so (an unpublished
//!   Location, a Session that is a reservation, a credit CDR, ...) is left out of the page,
//!   with a warning logged. `X-Total-Count` is
//!   the module's count, which includes the objects left out: how many of them there are
//!   on other pages is not known without reading them all. The `Link` to the next page
//!   moves past the objects left out, so that no object is sent twice or skipped.
//! - **Sessions and CDRs** embed their Location in 2.1.1: it is read from the Locations
//!   module (so these two modules are served in 2.1.1 only with it), with its visibility
//!   (`publish`, `publish_allowed_to`) set aside, since the Session or CDR is the
//!   partner's to see whether or not its Location is published.
//! - **One object** (a Location, EVSE, Connector or Token) that cannot be converted is
//!   answered as unknown (404, OCPI 2003 or 2004), with the reason in the message.
//! - **Tokens** are addressed `/{country_code}/{party_id}/{uid}` without a type, which
//!   2.1.1 does not have: a PUT stores the Token under its own type, a GET or PATCH
//!   looks for an `RFID` Token first and then an `OTHER` one. Tokens come in as 2.1.1
//!   Tokens, owned by the party of the URL ([`convert::token_to_v221`]); a PATCH may
//!   leave out `last_updated` (2.1.1 does not require it): it is then the time of the
//!   request.
//! - **Commands** come in as 2.1.1 requests (`RESERVE_NOW` with an integer
//!   `reservation_id`, no `CANCEL_RESERVATION`), their Token owned by the caller's
//!   party, and the answer goes out as a 2.1.1 CommandResponse (no `timeout`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use ocpi_types::common::CiString;
use ocpi_types::common::enums::WireEnum;
use ocpi_types::v211::convert::{self, Party};
use ocpi_types::v221::{TokenType, VersionNumber};
use ocpi_types::{Mode, Validate, v211, v221};

use crate::auth::{ModuleVersion, RequestContext};
use crate::body::{OcpiBody, Params, RawBody, decode_body};
use crate::error::OcpiError;
use crate::modules::{Command, LocationsSender, Stored, TokenKey};
use crate::paging::{PageParams, paged_answer};
use crate::reply::{Reply, now};
use crate::server::{Modules, Shared, both, module, page_query};

/// The token types of 2.1.1, in the order a Token without a type is looked for.
const TOKEN_TYPES: [TokenType; 2] = [TokenType::Rfid, TokenType::Other];

/// The modules served in 2.1.1 (credentials always; sessions and CDRs only with the
/// locations module, whose Locations they embed).
pub(crate) fn served_modules(modules: &Modules) -> Vec<v211::ModuleId> {
    use v211::ModuleId as M;
    let with_locations = modules.locations.is_some();
    [
        (M::Credentials, true),
        (M::Locations, with_locations),
        (M::Sessions, modules.sessions.is_some() && with_locations),
        (M::Cdrs, modules.cdrs.is_some() && with_locations),
        (M::Tariffs, modules.tariffs.is_some()),
        (M::Tokens, modules.tokens.is_some()),
        (M::Commands, modules.commands.is_some()),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(m, _)| m)
    .collect()
}

/// The routes of the modules served in 2.1.1, under `/2.1.1/`.
pub(crate) fn routes(modules: &Modules) -> Router<Arc<Shared>> {
    const V: &str = "/2.1.1";
    let mut router = Router::new();
    for served in served_modules(modules) {
        router = match served {
            v211::ModuleId::Locations => both(router, &format!("{V}/locations"), get(locations))
                .route(&format!("{V}/locations/{{location_id}}"), get(location))
                .route(
                    &format!("{V}/locations/{{location_id}}/{{evse_uid}}"),
                    get(evse),
                )
                .route(
                    &format!("{V}/locations/{{location_id}}/{{evse_uid}}/{{connector_id}}"),
                    get(connector),
                ),
            v211::ModuleId::Sessions => both(router, &format!("{V}/sessions"), get(sessions)),
            v211::ModuleId::Cdrs => both(router, &format!("{V}/cdrs"), get(cdrs)),
            v211::ModuleId::Tariffs => both(router, &format!("{V}/tariffs"), get(tariffs)),
            v211::ModuleId::Tokens => router.route(
                &format!("{V}/tokens/{{country_code}}/{{party_id}}/{{uid}}"),
                get(token_get).put(token_put).patch(token_patch),
            ),
            v211::ModuleId::Commands => {
                router.route(&format!("{V}/commands/{{command}}"), post(command_post))
            }
            _ => router,
        };
    }
    if router.has_routes() {
        router = router.route_layer(axum::Extension(ModuleVersion(VersionNumber::V2_1_1)));
    }
    router
}

fn list_url(state: &Shared, module: &str) -> String {
    state.config.endpoint_url(&VersionNumber::V2_1_1, module)
}

/// `converted`, or `None` with a warning that the object is left out.
fn kept<T>(object: &'static str, id: &str, converted: Result<T, ocpi_types::Error>) -> Option<T> {
    match converted {
        Ok(value) => Some(value),
        Err(error) => {
            left_out(object, id, &error);
            None
        }
    }
}

fn left_out(object: &'static str, id: &str, reason: &dyn std::fmt::Display) {
    tracing::warn!(
        object,
        id,
        reason = %reason,
        "left out of an OCPI 2.1.1 list: it cannot be converted"
    );
}

/// A conversion of a request body that failed: OCPI 2001 with the path.
fn refused(error: ocpi_types::Error) -> OcpiError {
    match error {
        ocpi_types::Error::Conversion { path, message } => OcpiError::InvalidBody { path, message },
        other => OcpiError::InvalidBody {
            path: "$".to_owned(),
            message: other.to_string(),
        },
    }
}

/// Validates an object converted from a 2.1.1 request body (conversions do not check
/// lengths).
fn check<T: Validate>(value: &T, mode: Mode) -> Result<(), OcpiError> {
    match value.validate(mode).errors.into_iter().next() {
        None => Ok(()),
        Some(issue) => Err(OcpiError::InvalidBody {
            path: issue.path,
            message: format!("{} (once converted to OCPI 2.2.1)", issue.message),
        }),
    }
}

fn not_in_v211(id: &str, error: &ocpi_types::Error) -> String {
    format!("{id} (it cannot be given in OCPI 2.1.1: {error})")
}

async fn locations(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    params: PageParams,
) -> Result<Response, OcpiError> {
    let query = page_query(&state, &params);
    let page = module(&state.modules.locations)?.list(&ctx, &query).await?;
    let consumed = page.items.len() as u64;
    let items: Vec<v211::Location> = page
        .items
        .iter()
        .filter_map(|l| kept("Location", l.id.as_str(), convert::location_to_v211(l)))
        .collect();
    let url = list_url(&state, "locations");
    Ok(paged_answer(&url, &query, items, consumed, page.total))
}

async fn location(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params(location_id): Params<String>,
) -> Result<Reply<v211::Location>, OcpiError> {
    let found = module(&state.modules.locations)?
        .location(&ctx, &location_id)
        .await?
        .ok_or_else(|| OcpiError::UnknownLocation(location_id.clone()))?;
    convert::location_to_v211(&found)
        .map(Reply::ok)
        .map_err(|e| OcpiError::UnknownLocation(not_in_v211(&location_id, &e)))
}

async fn evse(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params((location_id, evse_uid)): Params<(String, String)>,
) -> Result<Reply<v211::Evse>, OcpiError> {
    let id = format!("{location_id}/{evse_uid}");
    let found = module(&state.modules.locations)?
        .evse(&ctx, &location_id, &evse_uid)
        .await?
        .ok_or_else(|| OcpiError::UnknownLocation(id.clone()))?;
    convert::evse_to_v211(&found)
        .map(Reply::ok)
        .map_err(|e| OcpiError::UnknownLocation(not_in_v211(&id, &e)))
}

async fn connector(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params((location_id, evse_uid, connector_id)): Params<(String, String, String)>,
) -> Result<Reply<v211::Connector>, OcpiError> {
    let id = format!("{location_id}/{evse_uid}/{connector_id}");
    let found = module(&state.modules.locations)?
        .connector(&ctx, &location_id, &evse_uid, &connector_id)
        .await?
        .ok_or_else(|| OcpiError::UnknownLocation(id.clone()))?;
    convert::connector_to_v211(&found)
        .map(Reply::ok)
        .map_err(|e| OcpiError::UnknownLocation(not_in_v211(&id, &e)))
}

/// The 2.1.1 Locations that Sessions and CDRs embed, read once per page.
struct Embedded<'a> {
    locations: &'a dyn LocationsSender,
    ctx: &'a RequestContext,
    read: HashMap<String, Result<v211::Location, String>>,
}

impl<'a> Embedded<'a> {
    fn new(locations: &'a dyn LocationsSender, ctx: &'a RequestContext) -> Embedded<'a> {
        Embedded {
            locations,
            ctx,
            read: HashMap::new(),
        }
    }

    /// The Location `id` in 2.1.1 form, or why it cannot be embedded.
    async fn get(&mut self, id: &str) -> Result<&Result<v211::Location, String>, OcpiError> {
        if !self.read.contains_key(id) {
            let embedded = match self.locations.location(self.ctx, id).await? {
                None => Err(format!("its Location {id} is not known")),
                Some(location) => convert::embedded_location_to_v211(&location)
                    .map_err(|e| format!("its Location {id} cannot be converted: {e}")),
            };
            self.read.insert(id.to_owned(), embedded);
        }
        self.read
            .get(id)
            .ok_or_else(|| OcpiError::Internal("a Location read is missing".to_owned()))
    }
}

async fn sessions(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    params: PageParams,
) -> Result<Response, OcpiError> {
    let query = page_query(&state, &params);
    let page = module(&state.modules.sessions)?.list(&ctx, &query).await?;
    let mut embedded = Embedded::new(module(&state.modules.locations)?.as_ref(), &ctx);
    let mut items = Vec::with_capacity(page.items.len());
    for session in &page.items {
        let id = session.id.as_str();
        match embedded.get(session.location_id.as_str()).await? {
            Ok(location) => items.extend(kept(
                "Session",
                id,
                convert::published_session_to_v211(session, location),
            )),
            Err(reason) => left_out("Session", id, reason),
        }
    }
    let url = list_url(&state, "sessions");
    Ok(paged_answer(
        &url,
        &query,
        items,
        page.items.len() as u64,
        page.total,
    ))
}

async fn cdrs(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    params: PageParams,
) -> Result<Response, OcpiError> {
    let query = page_query(&state, &params);
    let page = module(&state.modules.cdrs)?.list(&ctx, &query).await?;
    let mut embedded = Embedded::new(module(&state.modules.locations)?.as_ref(), &ctx);
    let mut items = Vec::with_capacity(page.items.len());
    for cdr in &page.items {
        let id = cdr.id.as_str();
        match embedded.get(cdr.cdr_location.id.as_str()).await? {
            Ok(location) => items.extend(kept(
                "CDR",
                id,
                convert::published_cdr_to_v211(cdr, location),
            )),
            Err(reason) => left_out("CDR", id, reason),
        }
    }
    let url = list_url(&state, "cdrs");
    Ok(paged_answer(
        &url,
        &query,
        items,
        page.items.len() as u64,
        page.total,
    ))
}

async fn tariffs(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    params: PageParams,
) -> Result<Response, OcpiError> {
    let query = page_query(&state, &params);
    let page = module(&state.modules.tariffs)?.list(&ctx, &query).await?;
    let consumed = page.items.len() as u64;
    let items: Vec<v211::Tariff> = page
        .items
        .iter()
        .filter_map(|t| kept("Tariff", t.id.as_str(), convert::tariff_to_v211(t)))
        .collect();
    let url = list_url(&state, "tariffs");
    Ok(paged_answer(&url, &query, items, consumed, page.total))
}

/// The party of a Token URL, which must be one of the caller's.
fn owner(ctx: &RequestContext, country_code: &str, party_id: &str) -> Result<Party, OcpiError> {
    if !ctx.caller.owns(country_code, party_id) {
        return Err(OcpiError::ForeignParty {
            country_code: country_code.to_owned(),
            party_id: party_id.to_owned(),
        });
    }
    Ok(Party {
        country_code: CiString::new(country_code),
        party_id: CiString::new(party_id),
    })
}

fn token_key(owner: &Party, uid: &str, token_type: TokenType) -> TokenKey {
    TokenKey {
        country_code: owner.country_code.clone(),
        party_id: owner.party_id.clone(),
        uid: CiString::new(uid),
        token_type,
    }
}

async fn token_get(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params((country_code, party_id, uid)): Params<(String, String, String)>,
) -> Result<Reply<v211::Token>, OcpiError> {
    let owner = owner(&ctx, &country_code, &party_id)?;
    let tokens = module(&state.modules.tokens)?;
    for token_type in TOKEN_TYPES {
        let key = token_key(&owner, &uid, token_type);
        if let Some(found) = tokens.get(&ctx, &key).await? {
            return convert::token_to_v211(&found)
                .map(Reply::ok)
                .map_err(|e| OcpiError::UnknownToken(not_in_v211(&uid, &e)));
        }
    }
    Err(OcpiError::UnknownToken(uid))
}

async fn token_put(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params((country_code, party_id, uid)): Params<(String, String, String)>,
    OcpiBody(token): OcpiBody<v211::Token>,
) -> Result<Reply<()>, OcpiError> {
    let owner = owner(&ctx, &country_code, &party_id)?;
    if token.uid.as_str() != uid {
        return Err(OcpiError::InvalidBody {
            path: "$.uid".to_owned(),
            message: "differs from the URL".to_owned(),
        });
    }
    let converted = convert::token_to_v221(&token, &owner).map_err(refused)?;
    check(&converted, state.config.decode_mode)?;
    let key = token_key(&owner, &uid, converted.r#type.clone());
    match module(&state.modules.tokens)?
        .put(&ctx, &key, converted)
        .await?
    {
        Stored::Created => Ok(Reply::created_empty()),
        Stored::Updated => Ok(Reply::ok_empty()),
    }
}

/// The fields of a 2.1.1 Token a PATCH may carry, and their 2.2.1 names.
const PATCH_FIELDS: [(&str, &str); 9] = [
    ("uid", "uid"),
    ("type", "type"),
    ("auth_id", "contract_id"),
    ("visual_number", "visual_number"),
    ("issuer", "issuer"),
    ("valid", "valid"),
    ("whitelist", "whitelist"),
    ("language", "language"),
    ("last_updated", "last_updated"),
];

/// A 2.1.1 Token PATCH body as a 2.2.1 TokenPatch: `auth_id` becomes `contract_id`,
/// `last_updated` is now when absent, fields 2.1.1 Tokens lack are refused (strict) or
/// dropped with a warning (lenient).
fn patch_to_v221(bytes: &[u8], mode: Mode) -> Result<v221::TokenPatch, OcpiError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| OcpiError::InvalidJson(e.to_string()))?;
    let serde_json::Value::Object(fields) = value else {
        return Err(OcpiError::InvalidBody {
            path: "$".to_owned(),
            message: "a PATCH body is a JSON object".to_owned(),
        });
    };
    let mut up = serde_json::Map::new();
    for (name, value) in fields {
        let Some((_, target)) = PATCH_FIELDS.iter().find(|(ours, _)| *ours == name) else {
            let path = format!("$.{name}");
            let message = "not a field of an OCPI 2.1.1 Token";
            if mode == Mode::Strict {
                return Err(OcpiError::InvalidBody {
                    path,
                    message: message.to_owned(),
                });
            }
            tracing::warn!(%path, message, "OCPI 2.1.1 Token PATCH field dropped");
            continue;
        };
        if name == "type" {
            let known = value
                .as_str()
                .is_some_and(|t| v211::TokenType::from_wire(t).is_known());
            if !known {
                return Err(OcpiError::InvalidBody {
                    path: "$.type".to_owned(),
                    message: format!("{value} is not an OCPI 2.1.1 TokenType"),
                });
            }
        }
        up.insert((*target).to_owned(), value);
    }
    if !up.contains_key("last_updated") {
        let stamp = serde_json::to_value(now()).map_err(|e| OcpiError::Internal(e.to_string()))?;
        up.insert("last_updated".to_owned(), stamp);
    }
    let bytes = serde_json::to_vec(&up).map_err(|e| OcpiError::Internal(e.to_string()))?;
    decode_body::<v221::TokenPatch>(&bytes, mode).map_err(|error| match error {
        OcpiError::InvalidBody { path, message } => OcpiError::InvalidBody {
            path: path.replacen("$.contract_id", "$.auth_id", 1),
            message,
        },
        other => other,
    })
}

async fn token_patch(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params((country_code, party_id, uid)): Params<(String, String, String)>,
    RawBody(bytes): RawBody,
) -> Result<Reply<()>, OcpiError> {
    let owner = owner(&ctx, &country_code, &party_id)?;
    let patch = patch_to_v221(&bytes, state.config.decode_mode)?;
    let tokens = module(&state.modules.tokens)?;
    for token_type in TOKEN_TYPES {
        let key = token_key(&owner, &uid, token_type);
        if tokens.patch(&ctx, &key, patch.clone()).await? {
            return Ok(Reply::ok_empty());
        }
    }
    Err(OcpiError::UnknownToken(uid))
}

fn ci<const N: usize>(text: &str) -> CiString<N> {
    CiString::new(text)
}

/// Decodes a 2.1.1 command of type `command` and converts it, its Token owned by `owner`.
fn command_to_v221(
    command: &str,
    bytes: &[u8],
    mode: Mode,
    owner: &Party,
) -> Result<Command, OcpiError> {
    use v211::CommandType as C;
    Ok(match C::from_wire(command) {
        C::ReserveNow => {
            let c: v211::ReserveNow = decode_body(bytes, mode)?;
            let up = v221::ReserveNow {
                response_url: c.response_url,
                token: convert::token_to_v221(&c.token, owner).map_err(refused)?,
                expiry_date: c.expiry_date,
                reservation_id: ci(&c.reservation_id.to_string()),
                location_id: ci(c.location_id.as_str()),
                evse_uid: c.evse_uid.map(|e| ci(e.as_str())),
                authorization_reference: None,
            };
            check(&up, mode)?;
            Command::ReserveNow(up)
        }
        C::StartSession => {
            let c: v211::StartSession = decode_body(bytes, mode)?;
            let up = v221::StartSession {
                response_url: c.response_url,
                token: convert::token_to_v221(&c.token, owner).map_err(refused)?,
                location_id: ci(c.location_id.as_str()),
                evse_uid: c.evse_uid.map(|e| ci(e.as_str())),
                connector_id: None,
                authorization_reference: None,
            };
            check(&up, mode)?;
            Command::StartSession(up)
        }
        C::StopSession => {
            let c: v211::StopSession = decode_body(bytes, mode)?;
            let up = v221::StopSession {
                response_url: c.response_url,
                session_id: ci(c.session_id.as_str()),
            };
            check(&up, mode)?;
            Command::StopSession(up)
        }
        C::UnlockConnector => {
            let c: v211::UnlockConnector = decode_body(bytes, mode)?;
            let up = v221::UnlockConnector {
                response_url: c.response_url,
                location_id: ci(c.location_id.as_str()),
                evse_uid: ci(c.evse_uid.as_str()),
                connector_id: ci(c.connector_id.as_str()),
            };
            check(&up, mode)?;
            Command::UnlockConnector(up)
        }
        C::NonStandard(other) => {
            return Err(OcpiError::NotFound {
                what: "command",
                id: other,
            });
        }
    })
}

async fn command_post(
    State(state): State<Arc<Shared>>,
    ctx: RequestContext,
    Params(command): Params<String>,
    RawBody(bytes): RawBody,
) -> Result<Reply<v211::CommandResponse>, OcpiError> {
    let party = ctx.caller.parties.first().ok_or_else(|| {
        OcpiError::Invalid("no party of yours is known to own the command's Token".to_owned())
    })?;
    let owner = Party {
        country_code: party.country_code.clone(),
        party_id: party.party_id.clone(),
    };
    let command = command_to_v221(&command, &bytes, state.config.decode_mode, &owner)?;
    let response = module(&state.modules.commands)?
        .command(&ctx, command)
        .await?;
    // 2.1.1 answers have only the result (no message, no timeout).
    Ok(Reply::ok(v211::CommandResponse {
        result: v211::CommandResponseType::from_wire(response.result.as_wire()),
    }))
}
