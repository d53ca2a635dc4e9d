//! Stations, with their EVSEs, connectors and live connection state.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use ocpp_server::storage::PasswordHash;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::locations::require_location;
use super::{CheckBody, Created, List, as_json, page};
use crate::api::auth::{Caller, OPERATE, READ, random_hex};
use crate::api::error::{Body, Path, Query};
use crate::api::schema::{
    BootLogEntryDef, ConfigurationKeyDef, ConnectorDef, EvseDef, OcppVersionName, ReservationDef,
    SentChargingProfileDef, VariableValueDef,
};
use crate::api::table::Route;
use crate::api::{ApiError, ApiState};
use crate::model::{
    Actor, BootLogEntry, ConfigurationKey, Connector, Evse, LocationId, NewStation,
    RegistrationStatus, Reservation, SentChargingProfile, Station, StationDetails, StationFilter,
    StationId, TenantId, VariableValue,
};
use crate::ocpp::commands::{Command, CommandResult, Outcome};
use crate::ocpp::{OcppError, admission};

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::post("/stations", "createStation", OPERATE, create)
            .summary(
                "stations",
                "Register a station (identity unique within the tenant)",
            )
            .body::<CreateStation>()
            .returns_status::<StationView>(201),
        Route::get("/stations", "listStations", READ, list)
            .summary(
                "stations",
                "Stations by identity, with filters, their parts and live connection",
            )
            .query::<StationQuery>()
            .returns::<List<StationView>>()
            .paged(),
        Route::put("/stations/{id}", "updateStation", OPERATE, update)
            .summary(
                "stations",
                "Replace what a station is registered with (password kept when absent)",
            )
            .body::<CreateStation>()
            .returns::<StationView>(),
        Route::delete("/stations/{id}", "deleteStation", OPERATE, delete)
            .summary(
                "stations",
                "Delete a station (409 while sessions point at it)",
            )
            .no_content(),
        Route::get("/stations/{id}", "getStation", READ, get_one)
            .summary(
                "stations",
                "A station with its EVSEs, connectors and live connection",
            )
            .returns::<StationView>(),
        Route::put(
            "/stations/{id}/registration",
            "setStationRegistration",
            OPERATE,
            set_registration,
        )
        .summary("stations", "Accept, hold (pending) or reject a station")
        .body::<RegistrationChange>()
        .returns::<StationView>(),
        Route::post(
            "/stations/{id}/commands",
            "commandStation",
            OPERATE,
            command,
        )
        .summary(
            "stations",
            "Send a command to a connected station and answer with its answer \
                 (409 not connected, 504 no answer in time, 502 failed); always audited. \
                 Lists are bounded: at most 50 variables, 1000 local list entries (400)",
        )
        .body::<Command>()
        .returns::<CommandResult>(),
        Route::post(
            "/stations/{id}/password",
            "rotateStationPassword",
            OPERATE,
            rotate_password,
        )
        .summary(
            "stations",
            "Generate a new Basic authentication password for the station, replacing any \
                 earlier one; the answer is the only place it is ever shown (only its hash \
                 is kept)",
        )
        .returns::<NewStationPassword>(),
        Route::get(
            "/stations/{id}/reservations",
            "getStationReservations",
            READ,
            reservations,
        )
        .summary(
            "stations",
            "The station's reservations, newest first (made with the reserve_now command or \
                 by a roaming partner's RESERVE_NOW); `active=true` for the active ones",
        )
        .query::<ReservationQuery>()
        .returns::<ReservationList>(),
        Route::get(
            "/stations/{id}/charging-profiles",
            "getStationChargingProfiles",
            READ,
            charging_profiles,
        )
        .summary(
            "stations",
            "The charging profiles the station accepted and still holds, by EVSE, purpose \
                 and stack level (set_charging_profile, a roaming partner's profile; removed \
                 by clear_charging_profile)",
        )
        .returns::<ChargingProfileList>(),
        Route::get("/stations/{id}/boots", "getStationBoots", READ, boots)
            .summary("stations", "The station's last boots, newest first")
            .query::<BootQuery>()
            .returns::<Vec<BootLogEntryDef>>(),
        Route::get(
            "/stations/{id}/configuration",
            "getStationConfiguration",
            READ,
            configuration,
        )
        .summary(
            "stations",
            "What the station reported of its settings: 1.6 configuration keys, 2.x \
                 device-model variables (from get_variables, set_variables, get_base_report)",
        )
        .returns::<StationConfiguration>(),
    ]
}

/// What a station reported of its settings.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct StationConfiguration {
    /// OCPP 1.6 configuration keys, by key.
    #[schemars(with = "Vec<ConfigurationKeyDef>")]
    keys: Vec<ConfigurationKey>,
    /// OCPP 2.x device-model variable values, by component, variable and attribute.
    #[schemars(with = "Vec<VariableValueDef>")]
    variables: Vec<VariableValue>,
}

async fn configuration(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<StationConfiguration>, ApiError> {
    let station = find(&state, caller.tenant, id).await?;
    let store = &state.inner.store;
    Ok(Json(StationConfiguration {
        keys: store.configuration(caller.tenant, station.id).await?,
        variables: store.variables(caller.tenant, station.id).await?,
    }))
}

/// What it takes to register a station. [`Debug`](std::fmt::Debug) leaves out the password.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateStation {
    /// Its identity, as in its connection URL (`/ocpp/<tenant>/<identity>`), unique within
    /// the tenant.
    identity: String,
    /// Where it stands.
    #[serde(default)]
    location_id: Option<LocationId>,
    /// A group name, for token restrictions.
    #[serde(default)]
    group: Option<String>,
    /// OCPP security profile, 0 to 3 (0 when absent): 0 only if the tenant allows unsecured
    /// stations (`settings.unsecured_stations`).
    #[serde(default)]
    security_profile: u8,
    /// Its Basic authentication password (profiles 1 and 2), 16 to 40 characters; only its
    /// hash is kept. Without one, a station of profile 1 or 2 cannot connect until one is
    /// set (`POST /stations/{id}/password` generates one).
    #[serde(default)]
    password: Option<String>,
    /// Whether it is let in (`accepted` when absent).
    #[serde(default)]
    registration: Option<RegistrationStatus>,
}

impl std::fmt::Debug for CreateStation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateStation")
            .field("identity", &self.identity)
            .field("location_id", &self.location_id)
            .field("group", &self.group)
            .field("security_profile", &self.security_profile)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("registration", &self.registration)
            .finish()
    }
}

/// The live connection of a station.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Connection {
    /// The OCPP version negotiated.
    #[schemars(with = "OcppVersionName")]
    version: String,
    /// When it connected.
    since: DateTime<Utc>,
}

/// A station as shown: what is stored (without its password hash), its EVSEs and
/// connectors, and whether it is connected to this server now.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct StationView {
    id: StationId,
    tenant_id: TenantId,
    location_id: Option<LocationId>,
    /// Its identity, as in its connection URL.
    identity: String,
    group: Option<String>,
    vendor: Option<String>,
    model: Option<String>,
    serial_number: Option<String>,
    firmware_version: Option<String>,
    /// The OCPP version it last connected with.
    #[schemars(with = "Option<OcppVersionName>")]
    ocpp_version: Option<String>,
    security_profile: u8,
    /// Whether a Basic authentication password is set.
    has_password: bool,
    registration: RegistrationStatus,
    /// Whether it is connected, to this process or to another node of its cluster (within
    /// seconds when a node dies); `connection` is its connection to this process.
    online: bool,
    /// The node (CSMS process) holding its connection, when it is online.
    node: Option<String>,
    last_boot_at: Option<DateTime<Utc>>,
    last_heartbeat: Option<DateTime<Utc>>,
    last_seen: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    /// Its live connection to this process, if connected here now.
    connection: Option<Connection>,
    /// Its EVSEs.
    #[schemars(with = "Vec<EvseDef>")]
    evses: Vec<Evse>,
    /// Its connectors.
    #[schemars(with = "Vec<ConnectorDef>")]
    connectors: Vec<Connector>,
}

/// A station with its parts and live state.
pub(crate) async fn view(state: &ApiState, station: Station) -> Result<StationView, ApiError> {
    let store = &state.inner.store;
    let evses = store.evses(station.tenant_id, station.id).await?;
    let connectors = store.connectors(station.tenant_id, station.id).await?;
    Ok(view_of(
        state,
        StationDetails {
            station,
            evses,
            connectors,
        },
    ))
}

/// A station with its parts, and its live state.
fn view_of(state: &ApiState, details: StationDetails) -> StationView {
    let StationDetails {
        station,
        evses,
        connectors,
    } = details;
    let connection = state
        .inner
        .stations
        .connection(&admission::address_of(&station))
        .map(|connected| Connection {
            version: connected.version.as_str().to_owned(),
            since: connected.since,
        });
    let Station {
        id,
        tenant_id,
        location_id,
        identity,
        group,
        vendor,
        model,
        serial_number,
        firmware_version,
        ocpp_version,
        security_profile,
        credentials_hash,
        registration,
        online,
        node,
        last_boot_at,
        last_heartbeat,
        last_seen,
        created_at,
    } = station;
    StationView {
        id,
        tenant_id,
        location_id,
        identity,
        group,
        vendor,
        model,
        serial_number,
        firmware_version,
        ocpp_version: ocpp_version.map(|version| version.as_str().to_owned()),
        security_profile,
        has_password: credentials_hash.is_some(),
        registration,
        online,
        node,
        last_boot_at,
        last_heartbeat,
        last_seen,
        created_at,
        connection,
        evses,
        connectors,
    }
}

/// The tenant's station `id`, or 404.
pub(crate) async fn find(state: &ApiState, tenant: TenantId, id: i64) -> Result<Station, ApiError> {
    state
        .inner
        .store
        .station_by_id(tenant, StationId(id))
        .await?
        .ok_or(ApiError::NotFound("station"))
}

fn valid_identity(identity: &str) -> bool {
    // OCPP identities are at most 48 characters; a URL path segment without escapes.
    !identity.is_empty()
        && identity.len() <= 48
        && identity
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:*".contains(c))
}

impl CheckBody for CreateStation {
    fn check_body(&self) -> Result<(), ApiError> {
        if !valid_identity(&self.identity) {
            return Err(ApiError::Invalid(format!(
                "identity {:?} must be 1 to 48 letters, digits or - _ . : *",
                self.identity
            )));
        }
        if self.security_profile > 3 {
            return Err(ApiError::Invalid("security_profile is 0 to 3".to_owned()));
        }
        if self
            .password
            .as_ref()
            .is_some_and(|password| !(16..=40).contains(&password.len()))
        {
            return Err(ApiError::Invalid(
                "password must have 16 to 40 characters".to_owned(),
            ));
        }
        Ok(())
    }
}

impl CheckBody for RegistrationChange {}

impl CheckBody for Command {
    fn check_body(&self) -> Result<(), ApiError> {
        self.check_limits().map_err(ApiError::Invalid)
    }
}

/// Checks what a station would be registered with.
async fn check(state: &ApiState, caller: &Caller, input: &CreateStation) -> Result<(), ApiError> {
    input.check_body()?;
    if input.security_profile == 0 {
        let tenant = state
            .inner
            .store
            .tenant(caller.tenant)
            .await?
            .ok_or(ApiError::NotFound("tenant"))?;
        if !tenant.settings.unsecured_stations {
            return Err(ApiError::Invalid(
                "security profile 0 (no authentication) needs the tenant's \
                 settings.unsecured_stations; give the station profile 1, 2 or 3"
                    .to_owned(),
            ));
        }
    }
    // A station of profile 1 or 2 without a password may be registered: it cannot connect
    // until one is set (`POST /stations/{id}/password` generates one).
    if let Some(location) = input.location_id {
        require_location(state, caller.tenant, location).await?;
    }
    Ok(())
}

/// The hash of a station password; fails (503) rather than store a weak one when the
/// operating system has no random source.
fn hash(password: &str) -> Result<PasswordHash, ApiError> {
    PasswordHash::new(password).map_err(|error| ApiError::Unavailable(error.to_string()))
}

async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    Body(input): Body<CreateStation>,
) -> Result<Created<StationView>, ApiError> {
    check(&state, &caller, &input).await?;
    let new = NewStation {
        identity: input.identity,
        location_id: input.location_id,
        group: input.group,
        security_profile: input.security_profile,
        credentials_hash: input.password.as_deref().map(hash).transpose()?,
        registration: input.registration.unwrap_or(RegistrationStatus::Accepted),
    };
    let station = state
        .inner
        .store
        .create_station(caller.tenant, &new)
        .await?;
    let view = view(&state, station).await?;
    state
        .audit(
            &caller,
            "station.create",
            format!("station:{}", view.identity),
            None,
            as_json(&view),
        )
        .await?;
    Ok(Created(view))
}

async fn get_one(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<StationView>, ApiError> {
    let station = find(&state, caller.tenant, id).await?;
    Ok(Json(view(&state, station).await?))
}

/// A station's new registration status.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegistrationChange {
    /// The status its next BootNotification gets.
    registration: RegistrationStatus,
}

async fn set_registration(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(change): Body<RegistrationChange>,
) -> Result<Json<StationView>, ApiError> {
    let before = find(&state, caller.tenant, id).await?;
    let store = &state.inner.store;
    if !store
        .set_station_registration(caller.tenant, before.id, change.registration)
        .await?
    {
        return Err(ApiError::NotFound("station"));
    }
    state
        .audit(
            &caller,
            "station.registration",
            format!("station:{}", before.identity),
            as_json(&before.registration),
            as_json(&change.registration),
        )
        .await?;
    get_one(State(state), caller, Path(id)).await
}

/// Characters of a generated station password: 32 lowercase hexadecimal digits, 128 random
/// bits. Hexadecimal is a valid OCPP 2.x `passwordString` (16 to 40 characters) and the form
/// OCPP 1.6 prescribes for `AuthorizationKey` (at most 40 hexadecimal digits, at least 16
/// bytes), so the same password can be set on a station of either version, and needs no
/// escaping in a Basic authentication header or a JSON body.
const GENERATED_PASSWORD_BYTES: usize = 16;

/// A freshly generated station password, shown once.
#[derive(Serialize, JsonSchema)]
pub(crate) struct NewStationPassword {
    /// The station's identity: the Basic authentication user name.
    identity: String,
    /// The new password: 32 hexadecimal characters, valid as OCPP 2.x
    /// `SecurityCtrlr.BasicAuthPassword` and 1.6 `AuthorizationKey`. It is not stored, only
    /// its hash: keep it now. The station keeps using its old password until it is given this
    /// one (for example with a `set_variables` or `change_configuration` command), and the old
    /// one no longer works from now on.
    password: String,
}

impl std::fmt::Debug for NewStationPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewStationPassword")
            .field("identity", &self.identity)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Generates and stores (hashed) a new password for the station, replacing any earlier one.
async fn rotate_password(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<NewStationPassword>, ApiError> {
    let before = find(&state, caller.tenant, id).await?;
    let password = random_hex(GENERATED_PASSWORD_BYTES)?;
    let new = NewStation {
        identity: before.identity.clone(),
        location_id: before.location_id,
        group: before.group.clone(),
        security_profile: before.security_profile,
        credentials_hash: Some(hash(&password)?),
        registration: before.registration,
    };
    state
        .inner
        .store
        .update_station(caller.tenant, before.id, &new)
        .await?
        .ok_or(ApiError::NotFound("station"))?;
    // The audit entry says that it changed, never what to.
    state
        .audit(
            &caller,
            "station.password",
            format!("station:{}", before.identity),
            Some(serde_json::json!({ "has_password": before.credentials_hash.is_some() })),
            Some(serde_json::json!({ "has_password": true })),
        )
        .await?;
    Ok(Json(NewStationPassword {
        identity: before.identity,
        password,
    }))
}

/// Which reservations to show.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReservationQuery {
    /// Only the active ones.
    #[serde(default)]
    active: bool,
}

/// A station's reservations.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ReservationList {
    /// Newest first.
    #[schemars(with = "Vec<ReservationDef>")]
    items: Vec<Reservation>,
}

async fn reservations(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<ReservationQuery>,
) -> Result<Json<ReservationList>, ApiError> {
    let station = find(&state, caller.tenant, id).await?;
    let items = state
        .inner
        .store
        .reservations_of_station(caller.tenant, station.id, query.active)
        .await?;
    Ok(Json(ReservationList { items }))
}

/// The charging profiles a station holds.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ChargingProfileList {
    /// By EVSE, purpose and stack level.
    #[schemars(with = "Vec<SentChargingProfileDef>")]
    items: Vec<SentChargingProfile>,
}

async fn charging_profiles(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ChargingProfileList>, ApiError> {
    let station = find(&state, caller.tenant, id).await?;
    let items = state
        .inner
        .store
        .charging_profiles(caller.tenant, station.id)
        .await?;
    Ok(Json(ChargingProfileList { items }))
}

/// How many boots to show.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BootQuery {
    /// At most this many (default 20, at most 100).
    #[serde(default)]
    limit: Option<u32>,
}

async fn boots(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<BootQuery>,
) -> Result<Json<Vec<BootLogEntry>>, ApiError> {
    let station = find(&state, caller.tenant, id).await?;
    let limit = query.limit.unwrap_or(20).min(100);
    let boots = state
        .inner
        .store
        .boot_log(caller.tenant, station.id, limit)
        .await?;
    Ok(Json(boots))
}

async fn command(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(command): Body<Command>,
) -> Result<Json<CommandResult>, ApiError> {
    command.check_body()?;
    let station = find(&state, caller.tenant, id).await?;
    // On a task of its own, so that a request cut off by its timeout does not cut the
    // command short: it runs to its end and is audited.
    let commands = Arc::clone(&state.inner.commands);
    let stations = Arc::clone(&state.inner.stations);
    let identity = station.identity.clone();
    let sent = tokio::spawn(async move {
        commands
            .send_command(
                caller.tenant,
                Actor::ApiKey(caller.key),
                &identity,
                &*stations,
                &command,
            )
            .await
    });
    let result = sent
        .await
        .map_err(|error| ApiError::Unavailable(format!("the command task failed: {error}")))?
        .map_err(|error| match error {
            OcppError::Store(error) => ApiError::from(error),
            other => ApiError::Unavailable(other.to_string()),
        })?;
    let reason = || result.error.clone().unwrap_or_default();
    match result.outcome {
        Outcome::Accepted | Outcome::Rejected | Outcome::CallError => Ok(Json(result)),
        Outcome::NotConnected => Err(ApiError::StationOffline(station.identity)),
        Outcome::Timeout => Err(ApiError::StationTimeout(station.identity)),
        Outcome::Invalid => Err(ApiError::Invalid(reason())),
        Outcome::UnknownStation => Err(ApiError::NotFound("station")),
        _ => Err(ApiError::StationFailed {
            station: station.identity,
            reason: reason(),
        }),
    }
}

/// Which stations; every filter narrows.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StationQuery {
    /// At this location.
    location: Option<i64>,
    /// With this registration status.
    registration: Option<RegistrationStatus>,
    /// Connected (as stored) or not.
    online: Option<bool>,
    /// Whose identity starts with this.
    identity_prefix: Option<String>,
    /// How many to skip (default 0).
    offset: Option<u64>,
    /// How many at most (default 50, at most 500).
    limit: Option<u32>,
}

async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Query(query): Query<StationQuery>,
) -> Result<List<StationView>, ApiError> {
    let page = page(query.offset, query.limit)?;
    let filter = StationFilter {
        location: query.location.map(LocationId),
        registration: query.registration,
        online: query.online,
        identity_prefix: query.identity_prefix,
    };
    let stations = state
        .inner
        .store
        .list_stations(caller.tenant, &filter, page)
        .await?;
    Ok(List::of(
        stations.map(|details| view_of(&state, details)),
        page,
    ))
}

async fn update(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(input): Body<CreateStation>,
) -> Result<Json<StationView>, ApiError> {
    let before = find(&state, caller.tenant, id).await?;
    check(&state, &caller, &input).await?;
    let new = NewStation {
        identity: input.identity,
        location_id: input.location_id,
        group: input.group,
        security_profile: input.security_profile,
        credentials_hash: match input.password.as_deref() {
            Some(password) => Some(hash(password)?),
            None => before.credentials_hash.clone(),
        },
        registration: input.registration.unwrap_or(before.registration),
    };
    let station = state
        .inner
        .store
        .update_station(caller.tenant, before.id, &new)
        .await?
        .ok_or(ApiError::NotFound("station"))?;
    let view = view(&state, station).await?;
    state
        .audit(
            &caller,
            "station.update",
            format!("station:{}", before.identity),
            as_json(&view_of(
                &state,
                StationDetails {
                    station: before,
                    evses: Vec::new(),
                    connectors: Vec::new(),
                },
            )),
            as_json(&view),
        )
        .await?;
    Ok(Json(view))
}

async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::http::StatusCode, ApiError> {
    let station = find(&state, caller.tenant, id).await?;
    if !state
        .inner
        .store
        .delete_station(caller.tenant, station.id)
        .await?
    {
        return Err(ApiError::NotFound("station"));
    }
    state
        .audit(
            &caller,
            "station.delete",
            format!("station:{}", station.identity),
            None,
            None,
        )
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
