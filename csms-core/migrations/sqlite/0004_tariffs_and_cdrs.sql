-- Tariffs (OCPI 2.2.1 objects as JSON text) and what they are assigned to; charge detail
-- records, one per session, which the database refuses to change once issued.

CREATE TABLE tariffs (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    -- The OCPI tariff's id.
    ocpi_id TEXT NOT NULL,
    tariff TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, ocpi_id)
);

-- One tariff per scope: the tenant's default, a location, an EVSE, a token group.
CREATE TABLE tariff_assignments (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    -- "tenant", "location:<id>", "evse:<station>:<evse>", "token_group:<group>".
    scope_key TEXT NOT NULL,
    scope TEXT NOT NULL,
    location_id INTEGER,
    station_id INTEGER,
    evse_id INTEGER,
    token_group TEXT,
    tariff_id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, scope_key),
    FOREIGN KEY (tenant_id, tariff_id) REFERENCES tariffs (tenant_id, id),
    FOREIGN KEY (tenant_id, location_id) REFERENCES locations (tenant_id, id),
    FOREIGN KEY (tenant_id, station_id, evse_id) REFERENCES evses (tenant_id, station_id, evse_id)
);

CREATE INDEX tariff_assignments_by_tariff ON tariff_assignments (tenant_id, tariff_id);

CREATE TABLE cdrs (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    session_id INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    token_uid TEXT,
    owner_id INTEGER,
    started_at TEXT NOT NULL,
    stopped_at TEXT NOT NULL,
    energy_wh TEXT NOT NULL,
    currency TEXT NOT NULL,
    total_cost_excl_vat TEXT NOT NULL,
    total_cost_incl_vat TEXT,
    tariff_id INTEGER,
    details TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    -- One CDR per session: issuing is idempotent.
    UNIQUE (tenant_id, session_id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id),
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, tariff_id) REFERENCES tariffs (tenant_id, id)
);

CREATE INDEX cdrs_by_start ON cdrs (tenant_id, started_at);
CREATE INDEX cdrs_by_owner ON cdrs (tenant_id, owner_id, started_at);

-- An issued CDR is never changed nor removed.
CREATE TRIGGER cdrs_are_immutable BEFORE UPDATE ON cdrs
BEGIN
    SELECT RAISE(ABORT, 'an issued CDR cannot be changed');
END;

CREATE TRIGGER cdrs_are_kept BEFORE DELETE ON cdrs
BEGIN
    SELECT RAISE(ABORT, 'an issued CDR cannot be deleted');
END;
