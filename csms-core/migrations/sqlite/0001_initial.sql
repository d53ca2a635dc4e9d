-- The CSMS schema on SQLite.
--
-- Every row carries its tenant_id. Rows point at their parents through (tenant_id, id)
-- pairs, so no foreign key can join rows of two tenants. Times are stored as RFC 3339 text
-- in UTC (they sort as they compare), decimals as their exact text, structured values
-- (settings, restrictions, opening hours) as JSON text.

CREATE TABLE tenants (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    country_code TEXT NOT NULL,
    party_id TEXT NOT NULL,
    settings TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    email TEXT,
    roles TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, email)
);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    user_id INTEGER,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE vehicles (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    vin TEXT,
    make TEXT NOT NULL,
    model TEXT NOT NULL,
    battery_capacity_kwh TEXT,
    owner_id INTEGER,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    uid TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    expires_at TEXT,
    group_id TEXT,
    visual_id TEXT,
    owner_id INTEGER,
    vehicle_id INTEGER,
    restrictions TEXT NOT NULL,
    usage TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    -- The Authorize lookup.
    UNIQUE (tenant_id, uid),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, vehicle_id) REFERENCES vehicles (tenant_id, id)
);

CREATE INDEX tokens_by_owner ON tokens (tenant_id, owner_id);

CREATE TABLE locations (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    latitude TEXT,
    longitude TEXT,
    time_zone TEXT NOT NULL,
    opening_hours TEXT NOT NULL,
    parking_spots TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);

CREATE TABLE stations (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    location_id INTEGER,
    -- Unique across tenants: a connecting station's identity finds its tenant.
    identity TEXT NOT NULL UNIQUE,
    station_group TEXT,
    vendor TEXT,
    model TEXT,
    serial_number TEXT,
    firmware_version TEXT,
    ocpp_version TEXT,
    security_profile INTEGER NOT NULL,
    credentials_hash TEXT,
    registration TEXT NOT NULL,
    online BOOLEAN NOT NULL DEFAULT FALSE,
    last_boot_at TEXT,
    last_heartbeat TEXT,
    last_seen TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, location_id) REFERENCES locations (tenant_id, id)
);

CREATE TABLE boot_log (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    vendor TEXT NOT NULL,
    model TEXT NOT NULL,
    serial_number TEXT,
    firmware_version TEXT,
    reason TEXT,
    outcome TEXT NOT NULL,
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations (tenant_id, id)
);

CREATE INDEX boot_log_by_station ON boot_log (tenant_id, station_id, at);

CREATE TABLE evses (
    tenant_id INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    evse_id INTEGER NOT NULL,
    uid TEXT,
    status TEXT NOT NULL,
    PRIMARY KEY (tenant_id, station_id, evse_id),
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations (tenant_id, id)
);

CREATE TABLE connectors (
    tenant_id INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    evse_id INTEGER NOT NULL,
    connector_id INTEGER NOT NULL,
    standard TEXT NOT NULL,
    format TEXT NOT NULL,
    power_type TEXT NOT NULL,
    max_voltage INTEGER,
    max_amperage INTEGER,
    max_power_w INTEGER,
    status TEXT NOT NULL,
    error_code TEXT,
    vendor_error_code TEXT,
    status_at TEXT,
    PRIMARY KEY (tenant_id, station_id, evse_id, connector_id),
    FOREIGN KEY (tenant_id, station_id, evse_id) REFERENCES evses (tenant_id, station_id, evse_id)
);

CREATE TABLE sessions (
    -- AUTOINCREMENT: a 1.6 transaction id (the session's id) is never given twice.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    -- What makes a start the same start: "tx:<2.0.1 id>" or "start:<connector>:<time>".
    start_key TEXT NOT NULL,
    transaction_id TEXT,
    is_v16 BOOLEAN NOT NULL,
    evse_id INTEGER,
    connector_id INTEGER,
    token_uid TEXT,
    token_id INTEGER,
    started_at TEXT NOT NULL,
    stopped_at TEXT,
    meter_start_wh TEXT,
    meter_stop_wh TEXT,
    energy_wh TEXT,
    status TEXT NOT NULL,
    stop_reason TEXT,
    auth_method TEXT,
    offline BOOLEAN NOT NULL,
    last_seq_no INTEGER,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    -- Idempotent starts.
    UNIQUE (tenant_id, station_id, start_key),
    UNIQUE (tenant_id, station_id, transaction_id),
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations (tenant_id, id),
    FOREIGN KEY (tenant_id, token_id) REFERENCES tokens (tenant_id, id)
);

-- The active session on a connector.
CREATE INDEX sessions_active ON sessions (tenant_id, station_id, connector_id, started_at)
    WHERE status NOT IN ('completed', 'failed');
-- Sessions by tenant and date.
CREATE INDEX sessions_by_start ON sessions (tenant_id, started_at);

CREATE TABLE meter_values (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    session_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    measurand TEXT NOT NULL,
    -- '' for none, so that the unique key below holds (NULLs are all distinct).
    phase TEXT NOT NULL,
    location TEXT NOT NULL,
    context TEXT NOT NULL,
    unit TEXT,
    value TEXT NOT NULL,
    signed_data TEXT,
    FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id)
);

-- Meter values by session and time; a value delivered twice is stored once.
CREATE UNIQUE INDEX meter_values_by_session
    ON meter_values (tenant_id, session_id, at, measurand, phase, location, context);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
);

CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, id);
