-- A station's identity is unique within its tenant, not across tenants: stations connect at
-- /ocpp/<tenant>/<identity>, so one tenant's registration cannot capture another's station.
ALTER TABLE stations DROP CONSTRAINT stations_identity_key;

ALTER TABLE stations ADD CONSTRAINT stations_tenant_identity UNIQUE (tenant_id, identity);
