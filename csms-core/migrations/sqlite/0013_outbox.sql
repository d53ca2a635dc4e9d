-- The outbox: every event is written in the transaction of the change it reports, then
-- turned into deliveries to the tenant's subscribers (dispatched) and delivered.
CREATE TABLE outbox_events (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL,
    -- The object the event is about (`session:42`): its events are delivered in order.
    subject TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- When it was turned into deliveries; NULL while it waits for that.
    dispatched_at TEXT,
    UNIQUE (tenant_id, id)
);

CREATE INDEX outbox_events_waiting ON outbox_events (id) WHERE dispatched_at IS NULL;
CREATE INDEX outbox_events_by_tenant ON outbox_events (tenant_id, id);

-- Deliveries of events: which event, about which object (per-object order), and the lease
-- of the process attempting it (one process at a time).
ALTER TABLE webhook_deliveries ADD COLUMN event_id INTEGER;
ALTER TABLE webhook_deliveries ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN leased_until TEXT;

DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_subject
    ON webhook_deliveries (tenant_id, webhook_id, subject, event_id)
    WHERE status = 'pending';

-- What the operator calls a roaming partner.
ALTER TABLE roaming_partners ADD COLUMN name TEXT NOT NULL DEFAULT '';
