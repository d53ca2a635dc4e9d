-- Stops of transactions this CSMS never saw start, kept once per station and transaction id.

CREATE TABLE unknown_stops (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    station_id INTEGER NOT NULL,
    transaction_id TEXT NOT NULL,
    token_uid TEXT,
    stopped_at TEXT NOT NULL,
    meter_stop_wh TEXT,
    reason TEXT,
    offline BOOLEAN NOT NULL,
    UNIQUE (tenant_id, station_id, transaction_id),
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations (tenant_id, id)
);
