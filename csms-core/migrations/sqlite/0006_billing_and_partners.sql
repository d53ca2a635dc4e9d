-- Invoices grouping CDRs (immutable, each CDR on at most one), roaming partners, and
-- webhook subscriptions with their delivery log.

CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    owner_id INTEGER NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    currency TEXT NOT NULL,
    energy_wh TEXT NOT NULL,
    total_excl_vat TEXT NOT NULL,
    total_incl_vat TEXT,
    issued_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id)
);

CREATE INDEX invoices_by_owner ON invoices (tenant_id, owner_id, period_start);

CREATE TABLE invoice_lines (
    tenant_id INTEGER NOT NULL,
    invoice_id INTEGER NOT NULL,
    cdr_id INTEGER NOT NULL,
    -- A CDR is invoiced once.
    PRIMARY KEY (tenant_id, cdr_id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id),
    FOREIGN KEY (tenant_id, cdr_id) REFERENCES cdrs (tenant_id, id)
);

CREATE INDEX invoice_lines_by_invoice ON invoice_lines (tenant_id, invoice_id);

CREATE TABLE roaming_partners (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    country_code TEXT NOT NULL,
    party_id TEXT NOT NULL,
    role TEXT NOT NULL,
    versions_url TEXT NOT NULL,
    version TEXT,
    -- The token the partner presents to us: unique in the whole system, it finds the
    -- partner and so the tenant.
    our_token TEXT UNIQUE,
    their_token TEXT,
    endpoints TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, country_code, party_id, role)
);

CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    webhook_id INTEGER NOT NULL,
    event TEXT NOT NULL,
    -- What makes two deliveries of one event to one webhook the same delivery.
    event_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_attempt_at TEXT,
    next_attempt_at TEXT,
    last_error TEXT,
    response_status INTEGER,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, webhook_id, event_key),
    FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhooks (tenant_id, id)
);

-- The dispatcher's query: pending deliveries that are due.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (tenant_id, next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (tenant_id, webhook_id, id);

-- An issued invoice, and what it groups, is never changed nor removed.
CREATE TRIGGER invoices_are_immutable BEFORE UPDATE ON invoices
BEGIN
    SELECT RAISE(ABORT, 'an issued invoice cannot be changed');
END;

CREATE TRIGGER invoices_are_kept BEFORE DELETE ON invoices
BEGIN
    SELECT RAISE(ABORT, 'an issued invoice cannot be deleted');
END;

CREATE TRIGGER invoice_lines_are_immutable BEFORE UPDATE ON invoice_lines
BEGIN
    SELECT RAISE(ABORT, 'an issued invoice cannot be changed');
END;

CREATE TRIGGER invoice_lines_are_kept BEFORE DELETE ON invoice_lines
BEGIN
    SELECT RAISE(ABORT, 'an issued invoice cannot be changed');
END;
