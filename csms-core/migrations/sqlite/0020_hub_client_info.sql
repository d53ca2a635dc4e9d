-- What a hub told of the parties connected to it (OCPI HubClientInfo, Receiver interface):
-- one ClientInfo per hub and party, as the hub last sent it.
CREATE TABLE hub_client_info (
    tenant_id INTEGER NOT NULL,
    partner_id INTEGER NOT NULL,
    country_code TEXT NOT NULL,
    party_id TEXT NOT NULL,
    -- The ClientInfo object.
    info TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    PRIMARY KEY (tenant_id, partner_id, country_code, party_id),
    FOREIGN KEY (tenant_id, partner_id) REFERENCES roaming_partners (tenant_id, id)
        ON DELETE CASCADE
);
