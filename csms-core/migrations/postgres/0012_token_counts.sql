-- What was counted on a token for a session (its start, its energy and cost), once: counting
-- again after a crash or a retry changes nothing. Sessions counted before are marked counted.
CREATE TABLE token_counts (
    tenant_id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (tenant_id, session_id, kind),
    FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id)
);

INSERT INTO token_counts (tenant_id, session_id, kind)
    SELECT tenant_id, id, 'start' FROM sessions WHERE token_id IS NOT NULL;

INSERT INTO token_counts (tenant_id, session_id, kind)
    SELECT tenant_id, id, 'usage' FROM sessions
    WHERE token_id IS NOT NULL AND status IN ('completed', 'failed');
