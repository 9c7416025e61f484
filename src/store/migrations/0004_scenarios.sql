-- Schema version 4: finance scenarios (FINANCE.md), versioned per bid.

CREATE TABLE scenarios (
    id              INTEGER PRIMARY KEY,
    -- NULL for a scenario that models no stored bid (an analyst's own inputs).
    bid_id          INTEGER REFERENCES bids(id) ON DELETE CASCADE,
    name            TEXT NOT NULL CHECK (length(trim(name)) > 0),
    version         INTEGER NOT NULL CHECK (version >= 1),
    -- The model inputs with their distributions, as the CLI reads them (JSON).
    inputs          TEXT NOT NULL,
    -- The metrics of the run and, when Monte Carlo ran, its summary (JSON).
    metrics         TEXT NOT NULL,
    monte_carlo     TEXT,
    engine_version  TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

-- One version number per (bid, name); standalone scenarios share the bid key 0.
CREATE UNIQUE INDEX scenarios_version ON scenarios(ifnull(bid_id, 0), name, version);
CREATE INDEX scenarios_bid ON scenarios(bid_id);
