-- A session's meter values are kept one row per session and instant (the samples a station
-- took together, as a JSON array), not one row per sampled value: storing a MeterValues
-- message then costs one insert and one index entry. The unique key keeps a group
-- delivered again once (digest: SHA-256 of the samples); identical values in differing
-- groups are shown once when read. Sessions are never deleted and rows are inserted only
-- for sessions the store found, so no foreign key checks each row; no column refuses a
-- row either, which spares a statement journal.
CREATE TABLE meter_readings (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER,
    session_id INTEGER,
    at TEXT,
    -- NULL for readings carried over from meter_values below.
    digest BLOB,
    samples TEXT
);

CREATE UNIQUE INDEX meter_readings_by_session
    ON meter_readings (tenant_id, session_id, at, digest);

INSERT INTO meter_readings (tenant_id, session_id, at, digest, samples)
SELECT tenant_id, session_id, at, NULL,
       json_group_array(json_array(measurand, phase, location, context, unit, value,
                                   signed_data))
FROM (SELECT * FROM meter_values ORDER BY tenant_id, session_id, at, id)
GROUP BY tenant_id, session_id, at
ORDER BY MIN(id);

DROP TABLE meter_values;
