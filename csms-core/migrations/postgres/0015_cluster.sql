-- Several CSMS processes (nodes) on one database: which node holds each station's
-- connection, which nodes are alive, and which node does each background duty.

-- The node holding the station's connection while it is online.
ALTER TABLE stations ADD COLUMN node_id TEXT;

-- A dead node's stations are found and set offline by its id.
CREATE INDEX stations_by_node ON stations (node_id) WHERE node_id IS NOT NULL;

-- The nodes that said they are alive, until when (each renews its lease every few seconds;
-- a node whose lease ran out is dead, and its stations offline).
CREATE TABLE cluster_nodes (
    node_id TEXT PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    alive_until TIMESTAMPTZ NOT NULL
);

-- Background duties (reconciliation, ...), each held by one node at a time until its lease
-- runs out.
CREATE TABLE duty_leases (
    duty TEXT PRIMARY KEY,
    node_id TEXT NOT NULL,
    until TIMESTAMPTZ NOT NULL
);
