-- Sessions by the token presented: where a user's or renter's tokens charged.

CREATE INDEX sessions_by_token ON sessions (tenant_id, token_uid, started_at);
