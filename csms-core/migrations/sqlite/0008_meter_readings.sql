-- A reading that differs from one stored for the same instant, measurand, phase, location
-- and context is kept beside it (the unique key now includes the unit and value); only an
-- identical reading, delivered again, is stored once.
DROP INDEX meter_values_by_session;
CREATE UNIQUE INDEX meter_values_by_reading
    ON meter_values (tenant_id, session_id, at, measurand, phase, location, context,
                     COALESCE(unit, ''), value);

-- Meter values a station sent outside any session this CSMS knows: 2.x MeterValues outside
-- transactions, 1.6 MeterValues naming a transaction nobody started. Kept against the
-- station and its EVSE and connector (0: the station as a whole) for energy management and
-- disputes.
CREATE TABLE station_meter_values (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    evse_id INTEGER NOT NULL,
    connector_id INTEGER NOT NULL,
    -- The transaction the station named, '' for none.
    transaction_id TEXT NOT NULL,
    at TEXT NOT NULL,
    measurand TEXT NOT NULL,
    phase TEXT NOT NULL,
    location TEXT NOT NULL,
    context TEXT NOT NULL,
    unit TEXT,
    value TEXT NOT NULL,
    signed_data TEXT,
    received_at TEXT NOT NULL,
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations (tenant_id, id)
);

CREATE UNIQUE INDEX station_meter_values_by_reading
    ON station_meter_values (tenant_id, station_id, at, evse_id, connector_id, transaction_id,
                             measurand, phase, location, context, COALESCE(unit, ''), value);
