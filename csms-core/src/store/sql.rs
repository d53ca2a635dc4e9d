//! The SQL both stores run, written once: [`sql_store!`] implements every store trait for a
//! store type on one sqlx database. Queries are built at run time (no compile-time checking
//! against a live database) and use `$1, $2, ...` placeholders, which SQLite and PostgreSQL
//! both understand. What differs between the two (the column type of decimals) is passed
//! in.

use chrono::{DateTime, SubsecRound, Utc};
use ocpp_server::storage::{BootInfo, StationRecord, StorageError};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{StoreError, StoreResult};
use crate::model::Station;

/// Now, to the microsecond (what PostgreSQL keeps), so that a value read back equals the
/// value written on both databases.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A time as stored, to the microsecond.
pub(crate) fn at(time: DateTime<Utc>) -> DateTime<Utc> {
    time.trunc_subsecs(6)
}

pub(crate) fn to_json<T: Serialize + ?Sized>(what: &'static str, value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|error| StoreError::Invalid {
        what,
        reason: error.to_string(),
    })
}

pub(crate) fn from_json<T: DeserializeOwned>(what: &'static str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|error| StoreError::corrupt(what, error))
}

pub(crate) fn parse<T>(
    what: &'static str,
    text: &str,
    parse: fn(&str) -> Option<T>,
) -> StoreResult<T> {
    parse(text).ok_or_else(|| StoreError::corrupt(what, format!("unknown value {text:?}")))
}

pub(crate) fn parse_opt<T>(
    what: &'static str,
    text: Option<String>,
    parse: fn(&str) -> Option<T>,
) -> StoreResult<Option<T>> {
    text.map(|text| self::parse(what, &text, parse)).transpose()
}

/// `None` as the empty string, for columns in unique keys.
pub(crate) fn or_empty(text: &Option<String>) -> &str {
    text.as_deref().unwrap_or("")
}

/// The empty string as `None`.
pub(crate) fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// What makes two starts the same start (see [`crate::model::NewSession`]).
pub(crate) fn start_key(new: &crate::model::NewSession) -> String {
    match &new.transaction_id {
        Some(id) => format!("tx:{id}"),
        None => format!(
            "start:{}:{}:{}",
            new.evse_id.unwrap_or(0),
            new.connector_id.unwrap_or(0),
            at(new.started_at).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        ),
    }
}

/// What `ocpp-server` knows of a station.
pub(crate) fn station_record(station: &Station) -> StationRecord {
    let mut record = StationRecord::new(station.identity.clone());
    record.password = station.credentials_hash.clone();
    record.boot = match (&station.vendor, &station.model) {
        (Some(vendor), Some(model)) => Some(BootInfo {
            vendor: vendor.clone(),
            model: model.clone(),
            serial_number: station.serial_number.clone(),
            firmware_version: station.firmware_version.clone(),
            at: station.last_boot_at,
        }),
        _ => None,
    };
    record.last_seen = station.last_seen;
    record.connected = station.ocpp_version.filter(|_| station.online);
    record
}

pub(crate) fn storage_error(error: StoreError) -> StorageError {
    StorageError::new(error.to_string())
}

/// Implements every store trait and `ocpp_server::storage::Storage` for `$store`, a struct
/// with fields `pool: sqlx::Pool<$db>` and `unknown_stations: Option<TenantId>`.
///
/// `$dec` is the column type decimals are bound and read as; `$dec_in` and `$dec_out`
/// convert to and from it.
macro_rules! sql_store {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        const TENANT_COLUMNS: &str =
            "id, name, role, country_code, party_id, settings, created_at";
        const USER_COLUMNS: &str = "id, tenant_id, name, email, roles, disabled, created_at";
        const API_KEY_COLUMNS: &str = "id, tenant_id, user_id, name, prefix, secret_hash, \
             roles, created_at, expires_at, revoked_at";
        const VEHICLE_COLUMNS: &str =
            "id, tenant_id, vin, make, model, battery_capacity_kwh, owner_id, created_at";
        const TOKEN_COLUMNS: &str = "id, tenant_id, uid, kind, status, expires_at, group_id, \
             visual_id, owner_id, vehicle_id, restrictions, usage, created_at";
        const LOCATION_COLUMNS: &str = "id, tenant_id, name, address, latitude, longitude, \
             time_zone, opening_hours, parking_spots, created_at";
        const STATION_COLUMNS: &str = "id, tenant_id, location_id, identity, station_group, \
             vendor, model, serial_number, firmware_version, ocpp_version, security_profile, \
             credentials_hash, registration, online, last_boot_at, last_heartbeat, last_seen, \
             created_at";
        const BOOT_COLUMNS: &str = "tenant_id, station_id, at, vendor, model, serial_number, \
             firmware_version, reason, outcome";
        const EVSE_COLUMNS: &str = "tenant_id, station_id, evse_id, uid, status";
        const CONNECTOR_COLUMNS: &str = "tenant_id, station_id, evse_id, connector_id, \
             standard, format, power_type, max_voltage, max_amperage, max_power_w, status, \
             error_code, vendor_error_code, status_at";
        const SESSION_COLUMNS: &str = "id, tenant_id, station_id, transaction_id, is_v16, \
             evse_id, connector_id, token_uid, token_id, started_at, stopped_at, \
             meter_start_wh, meter_stop_wh, energy_wh, status, stop_reason, auth_method, \
             offline, last_seq_no, updated_at";
        const METER_COLUMNS: &str =
            "at, measurand, phase, location, context, unit, value, signed_data";
        const AUDIT_COLUMNS: &str =
            "id, tenant_id, at, actor, action, target, old_value, new_value";

        fn dec(row: &$row, column: &'static str) -> StoreResult<Option<Decimal>> {
            row.try_get::<Option<$dec>, _>(column)?
                .map(|value| $dec_out(column, value))
                .transpose()
        }

        fn dec_in(value: Option<Decimal>) -> Option<$dec> {
            value.map($dec_in)
        }

        fn tenant_from(row: &$row) -> StoreResult<Tenant> {
            Ok(Tenant {
                id: TenantId(row.try_get("id")?),
                name: row.try_get("name")?,
                role: parse("tenant role", &row.try_get::<String, _>("role")?, TenantRole::parse)?,
                country_code: row.try_get("country_code")?,
                party_id: row.try_get("party_id")?,
                settings: from_json("tenant settings", &row.try_get::<String, _>("settings")?)?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn user_from(row: &$row) -> StoreResult<User> {
            Ok(User {
                id: UserId(row.try_get("id")?),
                tenant_id: TenantId(row.try_get("tenant_id")?),
                name: row.try_get("name")?,
                email: row.try_get("email")?,
                roles: from_json("user roles", &row.try_get::<String, _>("roles")?)?,
                disabled: row.try_get("disabled")?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn api_key_from(row: &$row) -> StoreResult<ApiKey> {
            let hash: String = row.try_get("secret_hash")?;
            Ok(ApiKey {
                id: ApiKeyId(row.try_get("id")?),
                tenant_id: TenantId(row.try_get("tenant_id")?),
                user_id: row.try_get::<Option<i64>, _>("user_id")?.map(UserId),
                name: row.try_get("name")?,
                prefix: row.try_get("prefix")?,
                secret_hash: Some(PasswordHash::parse(&hash).ok_or_else(|| {
                    StoreError::corrupt("API key hash", "not a sha256$salt$hash")
                })?),
                roles: from_json("API key roles", &row.try_get::<String, _>("roles")?)?,
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
                revoked_at: row.try_get("revoked_at")?,
            })
        }

        fn vehicle_from(row: &$row) -> StoreResult<Vehicle> {
            Ok(Vehicle {
                id: VehicleId(row.try_get("id")?),
                tenant_id: TenantId(row.try_get("tenant_id")?),
                vin: row.try_get("vin")?,
                make: row.try_get("make")?,
                model: row.try_get("model")?,
                battery_capacity_kwh: dec(row, "battery_capacity_kwh")?,
                owner: row.try_get::<Option<i64>, _>("owner_id")?.map(UserId),
                created_at: row.try_get("created_at")?,
            })
        }

        fn token_from(row: &$row) -> StoreResult<Token> {
            Ok(Token {
                id: TokenId(row.try_get("id")?),
                tenant_id: TenantId(row.try_get("tenant_id")?),
                uid: row.try_get("uid")?,
                kind: parse("token kind", &row.try_get::<String, _>("kind")?, TokenKind::parse)?,
                status: parse(
                    "token status",
                    &row.try_get::<String, _>("status")?,
                    TokenStatus::parse,
                )?,
                expires_at: row.try_get("expires_at")?,
                group_id: row.try_get("group_id")?,
                visual_id: row.try_get("visual_id")?,
                owner: row.try_get::<Option<i64>, _>("owner_id")?.map(UserId),
                vehicle_id: row.try_get::<Option<i64>, _>("vehicle_id")?.map(VehicleId),
                restrictions: from_json(
                    "token restrictions",
                    &row.try_get::<String, _>("restrictions")?,
                )?,
                usage: from_json("token usage", &row.try_get::<String, _>("usage")?)?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn location_from(row: &$row) -> StoreResult<Location> {
            let coordinates = match (dec(row, "latitude")?, dec(row, "longitude")?) {
                (Some(latitude), Some(longitude)) => Some(Coordinates {
                    latitude,
                    longitude,
                }),
                _ => None,
            };
            Ok(Location {
                id: LocationId(row.try_get("id")?),
                tenant_id: TenantId(row.try_get("tenant_id")?),
                name: row.try_get("name")?,
                address: from_json("location address", &row.try_get::<String, _>("address")?)?,
                coordinates,
                time_zone: row.try_get("time_zone")?,
                opening_hours: from_json(
                    "opening hours",
                    &row.try_get::<String, _>("opening_hours")?,
                )?,
                parking_spots: from_json(
                    "parking spots",
                    &row.try_get::<String, _>("parking_spots")?,
                )?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn station_from(row: &$row) -> StoreResult<Station> {
            let profile: i32 = row.try_get("security_profile")?;
            let hash: Option<String> = row.try_get("credentials_hash")?;
            Ok(Station {
                id: StationId(row.try_get("id")?),
                tenant_id: TenantId(row.try_get("tenant_id")?),
                location_id: row.try_get::<Option<i64>, _>("location_id")?.map(LocationId),
                identity: row.try_get("identity")?,
                group: row.try_get("station_group")?,
                vendor: row.try_get("vendor")?,
                model: row.try_get("model")?,
                serial_number: row.try_get("serial_number")?,
                firmware_version: row.try_get("firmware_version")?,
                ocpp_version: parse_opt(
                    "OCPP version",
                    row.try_get("ocpp_version")?,
                    crate::model::ocpp_version_from_str,
                )?,
                security_profile: u8::try_from(profile)
                    .map_err(|error| StoreError::corrupt("security profile", error))?,
                credentials_hash: hash
                    .map(|hash| {
                        PasswordHash::parse(&hash).ok_or_else(|| {
                            StoreError::corrupt("station credentials", "not a sha256$salt$hash")
                        })
                    })
                    .transpose()?,
                registration: parse(
                    "registration status",
                    &row.try_get::<String, _>("registration")?,
                    RegistrationStatus::parse,
                )?,
                online: row.try_get("online")?,
                last_boot_at: row.try_get("last_boot_at")?,
                last_heartbeat: row.try_get("last_heartbeat")?,
                last_seen: row.try_get("last_seen")?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn boot_from(row: &$row) -> StoreResult<BootLogEntry> {
            Ok(BootLogEntry {
                tenant_id: TenantId(row.try_get("tenant_id")?),
                station_id: StationId(row.try_get("station_id")?),
                at: row.try_get("at")?,
                vendor: row.try_get("vendor")?,
                model: row.try_get("model")?,
                serial_number: row.try_get("serial_number")?,
                firmware_version: row.try_get("firmware_version")?,
                reason: row.try_get("reason")?,
                outcome: parse(
                    "boot outcome",
                    &row.try_get::<String, _>("outcome")?,
                    RegistrationStatus::parse,
                )?,
            })
        }

        fn evse_from(row: &$row) -> StoreResult<Evse> {
            Ok(Evse {
                tenant_id: TenantId(row.try_get("tenant_id")?),
                station_id: StationId(row.try_get("station_id")?),
                evse_id: row.try_get("evse_id")?,
                uid: row.try_get("uid")?,
                status: parse(
                    "EVSE status",
                    &row.try_get::<String, _>("status")?,
                    ConnectorStatus::parse,
                )?,
            })
        }

        fn connector_from(row: &$row) -> StoreResult<Connector> {
            Ok(Connector {
                tenant_id: TenantId(row.try_get("tenant_id")?),
                station_id: StationId(row.try_get("station_id")?),
                evse_id: row.try_get("evse_id")?,
                connector_id: row.try_get("connector_id")?,
                standard: ConnectorType::from_wire(&row.try_get::<String, _>("standard")?),
                format: ConnectorFormat::from_wire(&row.try_get::<String, _>("format")?),
                power_type: PowerType::from_wire(&row.try_get::<String, _>("power_type")?),
                max_voltage: row.try_get("max_voltage")?,
                max_amperage: row.try_get("max_amperage")?,
                max_power_w: row.try_get("max_power_w")?,
                status: parse(
                    "connector status",
                    &row.try_get::<String, _>("status")?,
                    ConnectorStatus::parse,
                )?,
                error_code: row.try_get("error_code")?,
                vendor_error_code: row.try_get("vendor_error_code")?,
                status_at: row.try_get("status_at")?,
            })
        }

        fn session_from(row: &$row) -> StoreResult<ChargingSession> {
            let transaction_id: Option<String> = row.try_get("transaction_id")?;
            let transaction_id = transaction_id
                .ok_or_else(|| StoreError::corrupt("transaction id", "missing"))?;
            let transaction = if row.try_get::<bool, _>("is_v16")? {
                TransactionRef::V16(
                    transaction_id
                        .parse()
                        .map_err(|error| StoreError::corrupt("1.6 transaction id", error))?,
                )
            } else {
                TransactionRef::V201(transaction_id)
            };
            Ok(ChargingSession {
                id: SessionId(row.try_get("id")?),
                tenant_id: TenantId(row.try_get("tenant_id")?),
                station_id: StationId(row.try_get("station_id")?),
                transaction,
                evse_id: row.try_get("evse_id")?,
                connector_id: row.try_get("connector_id")?,
                token_uid: row.try_get("token_uid")?,
                token_id: row.try_get::<Option<i64>, _>("token_id")?.map(TokenId),
                started_at: row.try_get("started_at")?,
                stopped_at: row.try_get("stopped_at")?,
                meter_start_wh: dec(row, "meter_start_wh")?,
                meter_stop_wh: dec(row, "meter_stop_wh")?,
                energy_wh: dec(row, "energy_wh")?,
                status: parse(
                    "session status",
                    &row.try_get::<String, _>("status")?,
                    SessionStatus::parse,
                )?,
                stop_reason: row.try_get("stop_reason")?,
                auth_method: parse_opt(
                    "authorization method",
                    row.try_get("auth_method")?,
                    AuthMethod::parse,
                )?,
                offline: row.try_get("offline")?,
                last_seq_no: row.try_get("last_seq_no")?,
                updated_at: row.try_get("updated_at")?,
            })
        }

        fn meter_value_from(row: &$row) -> StoreResult<MeterValue> {
            Ok(MeterValue {
                timestamp: row.try_get("at")?,
                measurand: row.try_get("measurand")?,
                phase: non_empty(row.try_get("phase")?),
                location: non_empty(row.try_get("location")?),
                context: non_empty(row.try_get("context")?),
                unit: row.try_get("unit")?,
                value: dec(row, "value")?
                    .ok_or_else(|| StoreError::corrupt("meter value", "missing"))?,
                signed_data: row.try_get("signed_data")?,
            })
        }

        fn audit_from(row: &$row) -> StoreResult<AuditEntry> {
            let old: Option<String> = row.try_get("old_value")?;
            let new: Option<String> = row.try_get("new_value")?;
            Ok(AuditEntry {
                id: AuditId(row.try_get("id")?),
                tenant_id: TenantId(row.try_get("tenant_id")?),
                at: row.try_get("at")?,
                actor: from_json("audit actor", &row.try_get::<String, _>("actor")?)?,
                action: row.try_get("action")?,
                target: row.try_get("target")?,
                old_value: old.map(|text| from_json("audit old value", &text)).transpose()?,
                new_value: new.map(|text| from_json("audit new value", &text)).transpose()?,
            })
        }

        #[async_trait]
        impl TenantStore for $store {
            async fn create_tenant(&self, new: &NewTenant) -> StoreResult<Tenant> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO tenants (name, role, country_code, party_id, settings, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(&new.name)
                .bind(new.role.as_str())
                .bind(&new.country_code)
                .bind(&new.party_id)
                .bind(to_json("tenant settings", &new.settings)?)
                .bind(now())
                .fetch_one(&self.pool)
                .await
                .map_err(StoreError::on("tenant"))?;
                self.tenant(TenantId(id))
                    .await?
                    .ok_or(StoreError::NotFound { what: "tenant" })
            }

            async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>> {
                sqlx::query(&format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id = $1"))
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map(tenant_from)
                    .transpose()
            }

            async fn update_tenant_settings(
                &self,
                id: TenantId,
                settings: &TenantSettings,
            ) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE tenants SET settings = $2 WHERE id = $1")
                    .bind(id.0)
                    .bind(to_json("tenant settings", settings)?)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }
        }

        #[async_trait]
        impl UserStore for $store {
            async fn create_user(&self, tenant: TenantId, new: &NewUser) -> StoreResult<User> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO users (tenant_id, name, email, roles, disabled, created_at) \
                     VALUES ($1, $2, $3, $4, FALSE, $5) RETURNING id",
                )
                .bind(tenant.0)
                .bind(&new.name)
                .bind(&new.email)
                .bind(to_json("user roles", &new.roles)?)
                .bind(now())
                .fetch_one(&self.pool)
                .await
                .map_err(StoreError::on("user with this e-mail"))?;
                self.user(tenant, UserId(id))
                    .await?
                    .ok_or(StoreError::NotFound { what: "user" })
            }

            async fn user(&self, tenant: TenantId, id: UserId) -> StoreResult<Option<User>> {
                sqlx::query(&format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(user_from)
                .transpose()
            }

            async fn create_api_key(
                &self,
                tenant: TenantId,
                new: &NewApiKey,
            ) -> StoreResult<ApiKey> {
                sqlx::query(
                    "INSERT INTO api_keys (tenant_id, user_id, name, prefix, secret_hash, roles, \
                     created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(tenant.0)
                .bind(new.user_id.map(|id| id.0))
                .bind(&new.name)
                .bind(&new.prefix)
                .bind(new.secret_hash.to_string())
                .bind(to_json("API key roles", &new.roles)?)
                .bind(now())
                .bind(new.expires_at.map(at))
                .execute(&self.pool)
                .await
                .map_err(StoreError::on("API key prefix"))?;
                self.api_key_by_prefix(&new.prefix)
                    .await?
                    .ok_or(StoreError::NotFound { what: "API key" })
            }

            async fn api_key_by_prefix(&self, prefix: &str) -> StoreResult<Option<ApiKey>> {
                sqlx::query(&format!(
                    "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE prefix = $1"
                ))
                .bind(prefix)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(api_key_from)
                .transpose()
            }

            async fn revoke_api_key(
                &self,
                tenant: TenantId,
                id: ApiKeyId,
                when: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) \
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.0)
                .bind(id.0)
                .bind(at(when))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }
        }

        #[async_trait]
        impl TokenStore for $store {
            async fn create_token(&self, tenant: TenantId, new: &NewToken) -> StoreResult<Token> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO tokens (tenant_id, uid, kind, status, expires_at, group_id, \
                     visual_id, owner_id, vehicle_id, restrictions, usage, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                )
                .bind(tenant.0)
                .bind(&new.uid)
                .bind(new.kind.as_str())
                .bind(new.status.as_str())
                .bind(new.expires_at.map(at))
                .bind(&new.group_id)
                .bind(&new.visual_id)
                .bind(new.owner.map(|id| id.0))
                .bind(new.vehicle_id.map(|id| id.0))
                .bind(to_json("token restrictions", &new.restrictions)?)
                .bind(to_json("token usage", &TokenUsage::default())?)
                .bind(now())
                .fetch_one(&self.pool)
                .await
                .map_err(StoreError::on("token with this uid"))?;
                self.token(tenant, TokenId(id))
                    .await?
                    .ok_or(StoreError::NotFound { what: "token" })
            }

            async fn token(&self, tenant: TenantId, id: TokenId) -> StoreResult<Option<Token>> {
                sqlx::query(&format!(
                    "SELECT {TOKEN_COLUMNS} FROM tokens WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(token_from)
                .transpose()
            }

            async fn token_by_uid(
                &self,
                tenant: TenantId,
                uid: &str,
            ) -> StoreResult<Option<Token>> {
                sqlx::query(&format!(
                    "SELECT {TOKEN_COLUMNS} FROM tokens WHERE tenant_id = $1 AND uid = $2"
                ))
                .bind(tenant.0)
                .bind(uid)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(token_from)
                .transpose()
            }

            async fn tokens_of_owner(
                &self,
                tenant: TenantId,
                owner: UserId,
            ) -> StoreResult<Vec<Token>> {
                sqlx::query(&format!(
                    "SELECT {TOKEN_COLUMNS} FROM tokens WHERE tenant_id = $1 AND owner_id = $2 \
                     ORDER BY uid"
                ))
                .bind(tenant.0)
                .bind(owner.0)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(token_from)
                .collect()
            }

            async fn set_token_status(
                &self,
                tenant: TenantId,
                id: TokenId,
                status: TokenStatus,
            ) -> StoreResult<bool> {
                let done =
                    sqlx::query("UPDATE tokens SET status = $3 WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.0)
                        .bind(id.0)
                        .bind(status.as_str())
                        .execute(&self.pool)
                        .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn save_token_usage(
                &self,
                tenant: TenantId,
                id: TokenId,
                usage: &TokenUsage,
            ) -> StoreResult<bool> {
                let done =
                    sqlx::query("UPDATE tokens SET usage = $3 WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.0)
                        .bind(id.0)
                        .bind(to_json("token usage", usage)?)
                        .execute(&self.pool)
                        .await?;
                Ok(done.rows_affected() > 0)
            }
        }

        #[async_trait]
        impl VehicleStore for $store {
            async fn create_vehicle(
                &self,
                tenant: TenantId,
                new: &NewVehicle,
            ) -> StoreResult<Vehicle> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO vehicles (tenant_id, vin, make, model, battery_capacity_kwh, \
                     owner_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(tenant.0)
                .bind(&new.vin)
                .bind(&new.make)
                .bind(&new.model)
                .bind(dec_in(new.battery_capacity_kwh))
                .bind(new.owner.map(|id| id.0))
                .bind(now())
                .fetch_one(&self.pool)
                .await
                .map_err(StoreError::on("vehicle"))?;
                self.vehicle(tenant, VehicleId(id))
                    .await?
                    .ok_or(StoreError::NotFound { what: "vehicle" })
            }

            async fn vehicle(
                &self,
                tenant: TenantId,
                id: VehicleId,
            ) -> StoreResult<Option<Vehicle>> {
                sqlx::query(&format!(
                    "SELECT {VEHICLE_COLUMNS} FROM vehicles WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(vehicle_from)
                .transpose()
            }
        }

        #[async_trait]
        impl LocationStore for $store {
            async fn create_location(
                &self,
                tenant: TenantId,
                new: &NewLocation,
            ) -> StoreResult<Location> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO locations (tenant_id, name, address, latitude, longitude, \
                     time_zone, opening_hours, parking_spots, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(tenant.0)
                .bind(&new.name)
                .bind(to_json("location address", &new.address)?)
                .bind(dec_in(new.coordinates.as_ref().map(|c| c.latitude)))
                .bind(dec_in(new.coordinates.as_ref().map(|c| c.longitude)))
                .bind(&new.time_zone)
                .bind(to_json("opening hours", &new.opening_hours)?)
                .bind(to_json("parking spots", &new.parking_spots)?)
                .bind(now())
                .fetch_one(&self.pool)
                .await
                .map_err(StoreError::on("location"))?;
                self.location(tenant, LocationId(id))
                    .await?
                    .ok_or(StoreError::NotFound { what: "location" })
            }

            async fn location(
                &self,
                tenant: TenantId,
                id: LocationId,
            ) -> StoreResult<Option<Location>> {
                sqlx::query(&format!(
                    "SELECT {LOCATION_COLUMNS} FROM locations WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(location_from)
                .transpose()
            }
        }

        #[async_trait]
        impl StationStore for $store {
            async fn create_station(
                &self,
                tenant: TenantId,
                new: &NewStation,
            ) -> StoreResult<Station> {
                if new.security_profile > 3 {
                    return Err(StoreError::Invalid {
                        what: "security profile",
                        reason: format!("{} is not 0 to 3", new.security_profile),
                    });
                }
                if let Some(location) = new.location_id {
                    if self.location(tenant, location).await?.is_none() {
                        return Err(StoreError::NotFound { what: "location" });
                    }
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO stations (tenant_id, location_id, identity, station_group, \
                     security_profile, credentials_hash, registration, online, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8) RETURNING id",
                )
                .bind(tenant.0)
                .bind(new.location_id.map(|id| id.0))
                .bind(&new.identity)
                .bind(&new.group)
                .bind(i32::from(new.security_profile))
                .bind(new.credentials_hash.as_ref().map(|hash| hash.to_string()))
                .bind(new.registration.as_str())
                .bind(now())
                .fetch_one(&self.pool)
                .await
                .map_err(StoreError::on("station identity"))?;
                self.station_by_id(tenant, StationId(id))
                    .await?
                    .ok_or(StoreError::NotFound { what: "station" })
            }

            async fn station_by_id(
                &self,
                tenant: TenantId,
                id: StationId,
            ) -> StoreResult<Option<Station>> {
                sqlx::query(&format!(
                    "SELECT {STATION_COLUMNS} FROM stations WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(station_from)
                .transpose()
            }

            async fn station_by_identity(&self, identity: &str) -> StoreResult<Option<Station>> {
                sqlx::query(&format!(
                    "SELECT {STATION_COLUMNS} FROM stations WHERE identity = $1"
                ))
                .bind(identity)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(station_from)
                .transpose()
            }

            async fn set_station_registration(
                &self,
                tenant: TenantId,
                id: StationId,
                status: RegistrationStatus,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE stations SET registration = $3 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.0)
                .bind(id.0)
                .bind(status.as_str())
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn record_heartbeat(
                &self,
                tenant: TenantId,
                id: StationId,
                when: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE stations SET last_heartbeat = $3 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.0)
                .bind(id.0)
                .bind(at(when))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn log_boot(&self, tenant: TenantId, entry: &BootLogEntry) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE stations SET vendor = $3, model = $4, serial_number = $5, \
                     firmware_version = $6, last_boot_at = $7 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.0)
                .bind(entry.station_id.0)
                .bind(&entry.vendor)
                .bind(&entry.model)
                .bind(&entry.serial_number)
                .bind(&entry.firmware_version)
                .bind(at(entry.at))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                sqlx::query(&format!(
                    "INSERT INTO boot_log ({BOOT_COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                ))
                .bind(tenant.0)
                .bind(entry.station_id.0)
                .bind(at(entry.at))
                .bind(&entry.vendor)
                .bind(&entry.model)
                .bind(&entry.serial_number)
                .bind(&entry.firmware_version)
                .bind(&entry.reason)
                .bind(entry.outcome.as_str())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn boot_log(
                &self,
                tenant: TenantId,
                station: StationId,
                limit: u32,
            ) -> StoreResult<Vec<BootLogEntry>> {
                sqlx::query(&format!(
                    "SELECT {BOOT_COLUMNS} FROM boot_log WHERE tenant_id = $1 AND station_id = $2 \
                     ORDER BY at DESC, id DESC LIMIT $3"
                ))
                .bind(tenant.0)
                .bind(station.0)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(boot_from)
                .collect()
            }

            async fn upsert_evse(&self, tenant: TenantId, evse: &Evse) -> StoreResult<bool> {
                let done = sqlx::query(&format!(
                    "INSERT INTO evses ({EVSE_COLUMNS}) \
                     SELECT tenant_id, id, $3, $4, $5 FROM stations \
                     WHERE tenant_id = $1 AND id = $2 \
                     ON CONFLICT (tenant_id, station_id, evse_id) \
                     DO UPDATE SET uid = excluded.uid, status = excluded.status"
                ))
                .bind(tenant.0)
                .bind(evse.station_id.0)
                .bind(evse.evse_id)
                .bind(&evse.uid)
                .bind(evse.status.as_str())
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn evses(&self, tenant: TenantId, station: StationId) -> StoreResult<Vec<Evse>> {
                sqlx::query(&format!(
                    "SELECT {EVSE_COLUMNS} FROM evses WHERE tenant_id = $1 AND station_id = $2 \
                     ORDER BY evse_id"
                ))
                .bind(tenant.0)
                .bind(station.0)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(evse_from)
                .collect()
            }

            async fn upsert_connector(
                &self,
                tenant: TenantId,
                connector: &Connector,
            ) -> StoreResult<bool> {
                let done = sqlx::query(&format!(
                    "INSERT INTO connectors ({CONNECTOR_COLUMNS}) \
                     SELECT tenant_id, station_id, evse_id, $4, $5, $6, $7, $8, $9, $10, $11, \
                     $12, $13, $14 FROM evses \
                     WHERE tenant_id = $1 AND station_id = $2 AND evse_id = $3 \
                     ON CONFLICT (tenant_id, station_id, evse_id, connector_id) DO UPDATE SET \
                     standard = excluded.standard, format = excluded.format, \
                     power_type = excluded.power_type, max_voltage = excluded.max_voltage, \
                     max_amperage = excluded.max_amperage, max_power_w = excluded.max_power_w, \
                     status = excluded.status, error_code = excluded.error_code, \
                     vendor_error_code = excluded.vendor_error_code, \
                     status_at = excluded.status_at"
                ))
                .bind(tenant.0)
                .bind(connector.station_id.0)
                .bind(connector.evse_id)
                .bind(connector.connector_id)
                .bind(connector.standard.as_str())
                .bind(connector.format.as_str())
                .bind(connector.power_type.as_str())
                .bind(connector.max_voltage)
                .bind(connector.max_amperage)
                .bind(connector.max_power_w)
                .bind(connector.status.as_str())
                .bind(&connector.error_code)
                .bind(&connector.vendor_error_code)
                .bind(connector.status_at.map(at))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn record_status(
                &self,
                tenant: TenantId,
                station: StationId,
                report: &StatusReport,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE connectors SET status = $5, error_code = $6, \
                     vendor_error_code = $7, status_at = $8 \
                     WHERE tenant_id = $1 AND station_id = $2 AND evse_id = $3 \
                     AND connector_id = $4 AND (status_at IS NULL OR status_at <= $8)",
                )
                .bind(tenant.0)
                .bind(station.0)
                .bind(report.evse_id)
                .bind(report.connector_id)
                .bind(report.status.as_str())
                .bind(&report.error_code)
                .bind(&report.vendor_error_code)
                .bind(at(report.at))
                .execute(&self.pool)
                .await?;
                if done.rows_affected() > 0 {
                    return Ok(true);
                }
                let exists: Option<i32> = sqlx::query_scalar(
                    "SELECT connector_id FROM connectors WHERE tenant_id = $1 \
                     AND station_id = $2 AND evse_id = $3 AND connector_id = $4",
                )
                .bind(tenant.0)
                .bind(station.0)
                .bind(report.evse_id)
                .bind(report.connector_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(exists.is_some())
            }

            async fn connectors(
                &self,
                tenant: TenantId,
                station: StationId,
            ) -> StoreResult<Vec<Connector>> {
                sqlx::query(&format!(
                    "SELECT {CONNECTOR_COLUMNS} FROM connectors \
                     WHERE tenant_id = $1 AND station_id = $2 ORDER BY evse_id, connector_id"
                ))
                .bind(tenant.0)
                .bind(station.0)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(connector_from)
                .collect()
            }
        }

        #[async_trait]
        impl SessionStore for $store {
            async fn start_session(
                &self,
                tenant: TenantId,
                new: &NewSession,
            ) -> StoreResult<(ChargingSession, bool)> {
                let key = start_key(new);
                let when = now();
                // Writing first takes SQLite's write lock at once, so the transaction never
                // has to upgrade from a read lock.
                let mut tx = self.pool.begin().await?;
                let inserted: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO sessions (tenant_id, station_id, start_key, transaction_id, \
                     is_v16, evse_id, connector_id, token_uid, token_id, started_at, \
                     meter_start_wh, status, auth_method, offline, last_seq_no, updated_at) \
                     SELECT tenant_id, id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                     $15, $16 FROM stations WHERE tenant_id = $1 AND id = $2 \
                     ON CONFLICT (tenant_id, station_id, start_key) DO NOTHING RETURNING id",
                )
                .bind(tenant.0)
                .bind(new.station_id.0)
                .bind(&key)
                .bind(&new.transaction_id)
                .bind(new.transaction_id.is_none())
                .bind(new.evse_id)
                .bind(new.connector_id)
                .bind(&new.token_uid)
                .bind(new.token_id.map(|id| id.0))
                .bind(at(new.started_at))
                .bind(dec_in(new.meter_start_wh))
                .bind(new.status.as_str())
                .bind(new.auth_method.map(AuthMethod::as_str))
                .bind(new.offline)
                .bind(new.seq_no)
                .bind(when)
                .fetch_optional(&mut *tx)
                .await
                .map_err(StoreError::on("transaction id of this station"))?;
                if let (Some(id), None) = (inserted, &new.transaction_id) {
                    // 1.6: the station's transaction id is the session's.
                    let transaction = i32::try_from(id).map_err(|_| StoreError::Invalid {
                        what: "1.6 transaction id",
                        reason: format!("session id {id} does not fit an OCPP integer"),
                    })?;
                    sqlx::query(
                        "UPDATE sessions SET transaction_id = $3 WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.0)
                    .bind(id)
                    .bind(transaction.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::on("transaction id of this station"))?;
                }
                let row = sqlx::query(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions \
                     WHERE tenant_id = $1 AND station_id = $2 AND start_key = $3"
                ))
                .bind(tenant.0)
                .bind(new.station_id.0)
                .bind(&key)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                match row {
                    Some(row) => Ok((session_from(&row)?, inserted.is_some())),
                    None => Err(StoreError::NotFound { what: "station" }),
                }
            }

            async fn session(
                &self,
                tenant: TenantId,
                id: SessionId,
            ) -> StoreResult<Option<ChargingSession>> {
                sqlx::query(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(session_from)
                .transpose()
            }

            async fn session_by_transaction(
                &self,
                tenant: TenantId,
                station: StationId,
                transaction_id: &str,
            ) -> StoreResult<Option<ChargingSession>> {
                sqlx::query(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions \
                     WHERE tenant_id = $1 AND station_id = $2 AND transaction_id = $3"
                ))
                .bind(tenant.0)
                .bind(station.0)
                .bind(transaction_id)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(session_from)
                .transpose()
            }

            async fn active_session(
                &self,
                tenant: TenantId,
                station: StationId,
                evse_id: Option<i32>,
                connector_id: i32,
            ) -> StoreResult<Option<ChargingSession>> {
                sqlx::query(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions \
                     WHERE tenant_id = $1 AND station_id = $2 AND connector_id = $3 \
                     AND ($4 IS NULL OR evse_id = $4) \
                     AND status NOT IN ('completed', 'failed') \
                     ORDER BY started_at DESC, id DESC LIMIT 1"
                ))
                .bind(tenant.0)
                .bind(station.0)
                .bind(connector_id)
                .bind(evse_id)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(session_from)
                .transpose()
            }

            async fn update_session(
                &self,
                tenant: TenantId,
                id: SessionId,
                status: SessionStatus,
                seq_no: Option<i64>,
            ) -> StoreResult<bool> {
                if status.is_final() {
                    return Err(StoreError::Invalid {
                        what: "session status",
                        reason: "a session ends through stop_session".to_owned(),
                    });
                }
                let done = sqlx::query(
                    "UPDATE sessions SET status = $3, last_seq_no = COALESCE($4, last_seq_no), \
                     updated_at = $5 WHERE tenant_id = $1 AND id = $2 \
                     AND status NOT IN ('completed', 'failed') \
                     AND ($4 IS NULL OR last_seq_no IS NULL OR last_seq_no < $4)",
                )
                .bind(tenant.0)
                .bind(id.0)
                .bind(status.as_str())
                .bind(seq_no)
                .bind(now())
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn stop_session(
                &self,
                tenant: TenantId,
                id: SessionId,
                stop: &SessionStop,
            ) -> StoreResult<Option<ChargingSession>> {
                if !stop.status.is_final() {
                    return Err(StoreError::Invalid {
                        what: "session status",
                        reason: format!("{} does not end a session", stop.status),
                    });
                }
                let Some(session) = self.session(tenant, id).await? else {
                    return Ok(None);
                };
                if session.status.is_final() {
                    return Ok(Some(session));
                }
                let energy = match (session.meter_start_wh, stop.meter_stop_wh) {
                    (Some(start), Some(end)) => end.checked_sub(start),
                    _ => None,
                };
                sqlx::query(
                    "UPDATE sessions SET stopped_at = $3, meter_stop_wh = $4, energy_wh = $5, \
                     status = $6, stop_reason = $7, offline = (offline OR $8), \
                     last_seq_no = COALESCE($9, last_seq_no), updated_at = $10 \
                     WHERE tenant_id = $1 AND id = $2 AND status NOT IN ('completed', 'failed')",
                )
                .bind(tenant.0)
                .bind(id.0)
                .bind(at(stop.stopped_at))
                .bind(dec_in(stop.meter_stop_wh))
                .bind(dec_in(energy))
                .bind(stop.status.as_str())
                .bind(&stop.reason)
                .bind(stop.offline)
                .bind(stop.seq_no)
                .bind(now())
                .execute(&self.pool)
                .await?;
                self.session(tenant, id).await
            }

            async fn sessions_started_between(
                &self,
                tenant: TenantId,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> StoreResult<Vec<ChargingSession>> {
                sqlx::query(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions WHERE tenant_id = $1 \
                     AND started_at >= $2 AND started_at < $3 ORDER BY started_at, id"
                ))
                .bind(tenant.0)
                .bind(at(from))
                .bind(at(to))
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(session_from)
                .collect()
            }

            async fn sessions_of_owner(
                &self,
                tenant: TenantId,
                owner: UserId,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> StoreResult<Vec<ChargingSession>> {
                sqlx::query(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions WHERE tenant_id = $1 \
                     AND token_uid IN \
                     (SELECT uid FROM tokens WHERE tenant_id = $1 AND owner_id = $2) \
                     AND started_at >= $3 AND started_at < $4 ORDER BY started_at, id"
                ))
                .bind(tenant.0)
                .bind(owner.0)
                .bind(at(from))
                .bind(at(to))
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(session_from)
                .collect()
            }

            async fn add_meter_values(
                &self,
                tenant: TenantId,
                session: SessionId,
                values: &[MeterValue],
            ) -> StoreResult<u64> {
                let mut tx = self.pool.begin().await?;
                let mut added = 0;
                for value in values {
                    let done = sqlx::query(&format!(
                        "INSERT INTO meter_values (tenant_id, session_id, {METER_COLUMNS}) \
                         SELECT tenant_id, id, $3, $4, $5, $6, $7, $8, $9, $10 FROM sessions \
                         WHERE tenant_id = $1 AND id = $2 ON CONFLICT DO NOTHING"
                    ))
                    .bind(tenant.0)
                    .bind(session.0)
                    .bind(at(value.timestamp))
                    .bind(&value.measurand)
                    .bind(or_empty(&value.phase))
                    .bind(or_empty(&value.location))
                    .bind(or_empty(&value.context))
                    .bind(&value.unit)
                    .bind($dec_in(value.value))
                    .bind(&value.signed_data)
                    .execute(&mut *tx)
                    .await?;
                    added += done.rows_affected();
                }
                if added == 0 && self.session(tenant, session).await?.is_none() {
                    return Err(StoreError::NotFound { what: "session" });
                }
                tx.commit().await?;
                Ok(added)
            }

            async fn record_unknown_stop(
                &self,
                tenant: TenantId,
                stop: &UnknownStop,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "INSERT INTO unknown_stops (tenant_id, station_id, transaction_id, \
                     token_uid, stopped_at, meter_stop_wh, reason, offline) \
                     SELECT tenant_id, id, $3, $4, $5, $6, $7, $8 FROM stations \
                     WHERE tenant_id = $1 AND id = $2 \
                     ON CONFLICT (tenant_id, station_id, transaction_id) DO NOTHING",
                )
                .bind(tenant.0)
                .bind(stop.station_id.0)
                .bind(&stop.transaction_id)
                .bind(&stop.token_uid)
                .bind(at(stop.stopped_at))
                .bind(dec_in(stop.meter_stop_wh))
                .bind(&stop.reason)
                .bind(stop.offline)
                .execute(&self.pool)
                .await?;
                if done.rows_affected() > 0 {
                    return Ok(true);
                }
                match self.station_by_id(tenant, stop.station_id).await? {
                    Some(_) => Ok(false),
                    None => Err(StoreError::NotFound { what: "station" }),
                }
            }

            async fn unknown_stops(
                &self,
                tenant: TenantId,
                station: StationId,
            ) -> StoreResult<Vec<UnknownStop>> {
                sqlx::query(
                    "SELECT station_id, transaction_id, token_uid, stopped_at, meter_stop_wh, \
                     reason, offline FROM unknown_stops WHERE tenant_id = $1 \
                     AND station_id = $2 ORDER BY stopped_at, id",
                )
                .bind(tenant.0)
                .bind(station.0)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|row| {
                    Ok(UnknownStop {
                        station_id: StationId(row.try_get("station_id")?),
                        transaction_id: row.try_get("transaction_id")?,
                        token_uid: row.try_get("token_uid")?,
                        stopped_at: row.try_get("stopped_at")?,
                        meter_stop_wh: dec(row, "meter_stop_wh")?,
                        reason: row.try_get("reason")?,
                        offline: row.try_get("offline")?,
                    })
                })
                .collect()
            }

            async fn meter_values(
                &self,
                tenant: TenantId,
                session: SessionId,
            ) -> StoreResult<Vec<MeterValue>> {
                sqlx::query(&format!(
                    "SELECT {METER_COLUMNS} FROM meter_values \
                     WHERE tenant_id = $1 AND session_id = $2 ORDER BY at, id"
                ))
                .bind(tenant.0)
                .bind(session.0)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(meter_value_from)
                .collect()
            }
        }

        #[async_trait]
        impl AuditStore for $store {
            async fn append_audit(
                &self,
                tenant: TenantId,
                entry: &NewAuditEntry,
            ) -> StoreResult<AuditEntry> {
                let old = entry
                    .old_value
                    .as_ref()
                    .map(|value| to_json("audit old value", value))
                    .transpose()?;
                let new = entry
                    .new_value
                    .as_ref()
                    .map(|value| to_json("audit new value", value))
                    .transpose()?;
                let row = sqlx::query(&format!(
                    "INSERT INTO audit_log (tenant_id, at, actor, action, target, old_value, \
                     new_value) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {AUDIT_COLUMNS}"
                ))
                .bind(tenant.0)
                .bind(at(entry.at))
                .bind(to_json("audit actor", &entry.actor)?)
                .bind(&entry.action)
                .bind(&entry.target)
                .bind(old)
                .bind(new)
                .fetch_one(&self.pool)
                .await
                .map_err(StoreError::on("audit entry"))?;
                audit_from(&row)
            }

            async fn audit_log(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<AuditEntry>> {
                sqlx::query(&format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE tenant_id = $1 \
                     ORDER BY id DESC LIMIT $2"
                ))
                .bind(tenant.0)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(audit_from)
                .collect()
            }
        }

        #[async_trait]
        impl Storage for $store {
            async fn station(&self, identity: &str) -> Result<Option<StationRecord>, StorageError> {
                let station = self
                    .station_by_identity(identity)
                    .await
                    .map_err(storage_error)?;
                Ok(station.as_ref().map(station_record))
            }

            async fn record_boot(&self, identity: &str, boot: BootInfo) -> Result<(), StorageError> {
                self.record_boot_of(identity, boot)
                    .await
                    .map_err(storage_error)
            }

            async fn record_connection(
                &self,
                identity: &str,
                version: Option<OcppVersion>,
                when: DateTime<Utc>,
            ) -> Result<(), StorageError> {
                sqlx::query(
                    "UPDATE stations SET online = $2, \
                     ocpp_version = COALESCE($3, ocpp_version), last_seen = $4 \
                     WHERE identity = $1",
                )
                .bind(identity)
                .bind(version.is_some())
                .bind(version.map(OcppVersion::as_str))
                .bind(at(when))
                .execute(&self.pool)
                .await
                .map_err(|error| storage_error(error.into()))?;
                Ok(())
            }

            async fn record_seen(&self, identity: &str, when: DateTime<Utc>) -> Result<(), StorageError> {
                sqlx::query("UPDATE stations SET last_seen = $2 WHERE identity = $1")
                    .bind(identity)
                    .bind(at(when))
                    .execute(&self.pool)
                    .await
                    .map_err(|error| storage_error(error.into()))?;
                Ok(())
            }
        }

        impl $store {
            /// The tenant that registers stations no tenant knows, if any (see
            /// [`with_unknown_station_tenant`](Self::with_unknown_station_tenant)).
            pub fn unknown_station_tenant(&self) -> Option<TenantId> {
                self.unknown_stations
            }

            /// Registers the stations that boot without being known under `tenant`, with
            /// the registration its [`UnknownStationPolicy`] gives (through
            /// `ocpp_server::storage::Storage::record_boot`). Without it, such boots are
            /// not recorded: every station must be registered first.
            pub fn with_unknown_station_tenant(mut self, tenant: TenantId) -> Self {
                self.unknown_stations = Some(tenant);
                self
            }

            /// The sqlx pool, for what the store traits do not cover.
            pub fn pool(&self) -> &sqlx::Pool<<$row as sqlx::Row>::Database> {
                &self.pool
            }

            async fn record_boot_of(&self, identity: &str, boot: BootInfo) -> StoreResult<()> {
                let station = match self.station_by_identity(identity).await? {
                    Some(station) => station,
                    None => {
                        let Some(tenant) = self.unknown_stations else {
                            return Ok(());
                        };
                        let Some(owner) = self.tenant(tenant).await? else {
                            return Err(StoreError::NotFound { what: "tenant" });
                        };
                        let registration = match owner.settings.unknown_stations {
                            UnknownStationPolicy::Accept => RegistrationStatus::Accepted,
                            UnknownStationPolicy::Pending => RegistrationStatus::Pending,
                            UnknownStationPolicy::Reject => RegistrationStatus::Rejected,
                        };
                        let mut new = NewStation::accepted(identity);
                        new.registration = registration;
                        match self.create_station(tenant, &new).await {
                            Ok(station) => station,
                            // Registered meanwhile by another connection.
                            Err(StoreError::Conflict { .. }) => self
                                .station_by_identity(identity)
                                .await?
                                .ok_or(StoreError::NotFound { what: "station" })?,
                            Err(error) => return Err(error),
                        }
                    }
                };
                let entry = BootLogEntry {
                    tenant_id: station.tenant_id,
                    station_id: station.id,
                    at: boot.at.unwrap_or_else(now),
                    vendor: boot.vendor,
                    model: boot.model,
                    serial_number: boot.serial_number,
                    firmware_version: boot.firmware_version,
                    reason: None,
                    outcome: station.registration,
                };
                self.log_boot(station.tenant_id, &entry).await?;
                Ok(())
            }
        }
    };
}

pub(crate) use sql_store;
