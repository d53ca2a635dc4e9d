-- Tokens roaming partners (eMSPs) push to us, as OCPI 2.2.1 Token objects, to authorize
-- their drivers at our stations.
CREATE TABLE roaming_tokens (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    partner_id INTEGER NOT NULL,
    country_code TEXT NOT NULL,
    party_id TEXT NOT NULL,
    uid TEXT NOT NULL,
    token_type TEXT NOT NULL,
    -- The Token object as the partner last sent it.
    token TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    UNIQUE (tenant_id, country_code, party_id, uid, token_type),
    FOREIGN KEY (tenant_id, partner_id) REFERENCES roaming_partners (tenant_id, id)
        ON DELETE CASCADE
);

-- A station presents only the uid.
CREATE INDEX roaming_tokens_by_uid ON roaming_tokens (tenant_id, uid);

-- Events pushed to roaming partners (OCPI Sessions, CDRs, Locations, Tariffs receivers):
-- one delivery per partner and event, leased to one process at a time, in order per object.
CREATE TABLE partner_deliveries (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    partner_id INTEGER NOT NULL,
    event_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_attempt_at TEXT,
    next_attempt_at TEXT,
    leased_until TEXT,
    last_error TEXT,
    response_status INTEGER,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, partner_id, event_id),
    FOREIGN KEY (tenant_id, partner_id) REFERENCES roaming_partners (tenant_id, id)
        ON DELETE CASCADE
);

CREATE INDEX partner_deliveries_due ON partner_deliveries (next_attempt_at, id)
    WHERE status = 'pending';
CREATE INDEX partner_deliveries_by_subject
    ON partner_deliveries (tenant_id, partner_id, subject, event_id) WHERE status = 'pending';
CREATE INDEX partner_deliveries_by_partner ON partner_deliveries (tenant_id, partner_id, id);

-- When a partner last pulled one of our Sender modules.
ALTER TABLE roaming_partners ADD COLUMN last_pull_at TEXT;
