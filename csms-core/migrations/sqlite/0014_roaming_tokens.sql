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
