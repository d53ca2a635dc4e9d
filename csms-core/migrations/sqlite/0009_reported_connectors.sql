-- A connector a station reports (StatusNotification) before anyone registered it is kept,
-- with its status; what it physically is (standard, format, power type) stays unknown until
-- an operator says. SQLite cannot drop NOT NULL in place: the table is rebuilt.
CREATE TABLE connectors_reported (
    tenant_id INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    evse_id INTEGER NOT NULL,
    connector_id INTEGER NOT NULL,
    standard TEXT,
    format TEXT,
    power_type TEXT,
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

INSERT INTO connectors_reported
    SELECT tenant_id, station_id, evse_id, connector_id, standard, format, power_type,
           max_voltage, max_amperage, max_power_w, status, error_code, vendor_error_code,
           status_at
    FROM connectors;

DROP TABLE connectors;

ALTER TABLE connectors_reported RENAME TO connectors;
