-- What stations report of their configuration, their reservations, and the charging
-- profiles sent to them.

-- OCPP 1.6 configuration keys (GetConfiguration).
CREATE TABLE station_configuration (
    tenant_id INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    config_key TEXT NOT NULL,
    value TEXT,
    readonly BOOLEAN NOT NULL,
    reported_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, station_id, config_key),
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations (tenant_id, id)
);

-- OCPP 2.0.1 device-model variables (GetVariables, NotifyReport), one row per attribute.
CREATE TABLE station_variables (
    tenant_id INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    component TEXT NOT NULL,
    -- '' for none, -1 for no EVSE or connector, so that the key below holds.
    component_instance TEXT NOT NULL,
    evse_id INTEGER NOT NULL,
    connector_id INTEGER NOT NULL,
    variable TEXT NOT NULL,
    variable_instance TEXT NOT NULL,
    attribute TEXT NOT NULL,
    value TEXT,
    mutability TEXT,
    reported_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, station_id, component, component_instance, evse_id, connector_id,
        variable, variable_instance, attribute),
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations (tenant_id, id)
);

CREATE TABLE reservations (
    -- Also the reservationId sent to the station: never given twice.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    evse_id INTEGER,
    token_uid TEXT NOT NULL,
    group_id TEXT,
    expires_at TEXT NOT NULL,
    status TEXT NOT NULL,
    session_id INTEGER,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations (tenant_id, id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id)
);

-- One active reservation per EVSE (or per station, for "any EVSE").
CREATE UNIQUE INDEX reservations_active
    ON reservations (tenant_id, station_id, COALESCE(evse_id, -1)) WHERE status = 'active';
CREATE INDEX reservations_by_station ON reservations (tenant_id, station_id, created_at);

-- Charging profiles installed on stations (SetChargingProfile).
CREATE TABLE charging_profiles (
    tenant_id INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    profile_id INTEGER NOT NULL,
    evse_id INTEGER NOT NULL,
    stack_level INTEGER NOT NULL,
    purpose TEXT NOT NULL,
    profile TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, station_id, profile_id),
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations (tenant_id, id)
);
