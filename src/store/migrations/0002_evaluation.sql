-- Schema version 2: evaluators, conflicts, assignments, scores and consensus.

CREATE TABLE evaluators (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    email           TEXT NOT NULL UNIQUE,
    organisation    TEXT NOT NULL,
    country         TEXT NOT NULL CHECK (length(country) = 2),
    expertise       TEXT NOT NULL DEFAULT '[]',   -- JSON array of tags
    organisation_id INTEGER REFERENCES organisations(id),
    parent_group    TEXT
);

CREATE TABLE conflicts (
    id              INTEGER PRIMARY KEY,
    evaluator_id    INTEGER NOT NULL REFERENCES evaluators(id) ON DELETE CASCADE,
    bid_id          INTEGER REFERENCES bids(id) ON DELETE CASCADE,
    organisation_id INTEGER REFERENCES organisations(id),
    kind            TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('declared', 'detected')),
    note            TEXT NOT NULL DEFAULT '',
    CHECK (bid_id IS NOT NULL OR organisation_id IS NOT NULL)
);

CREATE TABLE assignments (
    bid_id       INTEGER NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
    evaluator_id INTEGER NOT NULL REFERENCES evaluators(id),
    role         TEXT    NOT NULL CHECK (role IN ('expert', 'rapporteur')),
    assigned_at  TEXT    NOT NULL,
    PRIMARY KEY (bid_id, evaluator_id)
);

CREATE TABLE scores (
    bid_id       INTEGER NOT NULL,
    evaluator_id INTEGER NOT NULL,
    criterion    TEXT    NOT NULL,
    score        REAL    NOT NULL,
    comment      TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL CHECK (status IN ('draft', 'submitted')),
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (bid_id, evaluator_id, criterion),
    FOREIGN KEY (bid_id, evaluator_id) REFERENCES assignments(bid_id, evaluator_id)
);

CREATE TABLE consensus_scores (
    bid_id              INTEGER NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
    criterion           TEXT    NOT NULL,
    score               REAL    NOT NULL,
    comment             TEXT    NOT NULL DEFAULT '',
    reconciliation_note TEXT,
    minority_view       TEXT,
    status              TEXT    NOT NULL CHECK (status IN ('draft', 'approved', 'majority_view')),
    approved_by         TEXT    NOT NULL DEFAULT '[]',  -- JSON array of evaluator ids
    PRIMARY KEY (bid_id, criterion)
);
