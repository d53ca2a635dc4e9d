-- When a running session's progress was last told (a `session.updated` event, pushed to
-- roaming partners and webhooks), in the time of the station's readings.
ALTER TABLE sessions ADD COLUMN progress_at TIMESTAMPTZ;
