-- Indexes for the admin lists and for the foreign keys that deletes check.

-- Sessions of a station, newest first.
CREATE INDEX sessions_by_station ON sessions (tenant_id, station_id, started_at);
-- Stations of a location (and the check when a location is deleted).
CREATE INDEX stations_by_location ON stations (tenant_id, location_id);
-- Users by name.
CREATE INDEX users_by_name ON users (tenant_id, name);
-- Locations by name.
CREATE INDEX locations_by_name ON locations (tenant_id, name);
-- What a user's deletion checks.
CREATE INDEX vehicles_by_owner ON vehicles (tenant_id, owner_id);
CREATE INDEX api_keys_by_user ON api_keys (tenant_id, user_id);
-- What a token's deletion checks.
CREATE INDEX sessions_by_token_id ON sessions (tenant_id, token_id);
