-- A station's identity is unique within its tenant, not across tenants: stations connect at
-- /ocpp/<tenant>/<identity>, so one tenant's registration cannot capture another's
-- station. SQLite cannot drop the old inline UNIQUE: the table is rebuilt. Its rows keep
-- their ids, and the rows that point at them are checked when the migration commits.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE stations_before AS SELECT * FROM stations;

DROP TABLE stations;

CREATE TABLE stations (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    location_id INTEGER,
    identity TEXT NOT NULL,
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
    UNIQUE (tenant_id, identity),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, location_id) REFERENCES locations (tenant_id, id)
);

INSERT INTO stations
    SELECT id, tenant_id, location_id, identity, station_group, vendor, model, serial_number,
           firmware_version, ocpp_version, security_profile, credentials_hash, registration,
           online, last_boot_at, last_heartbeat, last_seen, created_at
    FROM stations_before;

DROP TABLE stations_before;

CREATE INDEX stations_by_location ON stations (tenant_id, location_id);
