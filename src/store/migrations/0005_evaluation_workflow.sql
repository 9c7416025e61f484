-- Schema version 5: what the evaluation workflow needs beyond version 2's tables.

-- Call settings: the expertise a bid's panel should cover, and how many bids above
-- ceil(total / experts) an expert may receive (EVALUATION.md: + 1 unless the call allows it).
ALTER TABLE calls ADD COLUMN expertise TEXT NOT NULL DEFAULT '[]';
ALTER TABLE calls ADD COLUMN max_extra_load INTEGER NOT NULL DEFAULT 1 CHECK (max_extra_load >= 0);

-- An evaluator's ed25519 public key (hex), registered before a package is exported:
-- returns are verified against it.
ALTER TABLE evaluators ADD COLUMN public_key TEXT;

-- When an evaluator submitted their individual report for a bid (all criteria at once).
CREATE TABLE submissions (
    bid_id       INTEGER NOT NULL,
    evaluator_id INTEGER NOT NULL,
    submitted_at TEXT    NOT NULL,
    PRIMARY KEY (bid_id, evaluator_id),
    FOREIGN KEY (bid_id, evaluator_id) REFERENCES assignments(bid_id, evaluator_id)
);

-- Factors the panel recorded to separate bids that every other rule left equal
-- (EVALUATION.md ex aequo rule 4): a position among the tied bids and the reason.
CREATE TABLE panel_decisions (
    call_id  INTEGER NOT NULL REFERENCES calls(id),
    bid_id   INTEGER NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position >= 1),
    reason   TEXT    NOT NULL CHECK (length(trim(reason)) > 0),
    PRIMARY KEY (call_id, bid_id)
);

-- Offline evaluator packages the office exported, with the scores as they stood then,
-- so that a return can tell an edit made on one side from an edit made on both.
CREATE TABLE packages (
    id           TEXT    PRIMARY KEY,            -- random 128-bit id, hex
    call_id      INTEGER NOT NULL REFERENCES calls(id),
    evaluator_id INTEGER NOT NULL REFERENCES evaluators(id),
    created_at   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    bids         TEXT    NOT NULL,               -- JSON array of bid ids in the package
    base_scores  TEXT    NOT NULL,               -- JSON: the evaluator's scores at export
    returned_at  TEXT                            -- last return imported
);

-- A score edited both at the office and in a return since the package was exported:
-- kept here, never applied silently, until someone chooses a side.
CREATE TABLE score_conflicts (
    id            INTEGER PRIMARY KEY,
    package_id    TEXT    NOT NULL REFERENCES packages(id),
    bid_id        INTEGER NOT NULL,
    evaluator_id  INTEGER NOT NULL,
    criterion     TEXT    NOT NULL,
    office_score  REAL,
    office_comment TEXT,
    return_score  REAL    NOT NULL,
    return_comment TEXT   NOT NULL,
    detected_at   TEXT    NOT NULL,
    resolved_at   TEXT,
    resolution    TEXT CHECK (resolution IN ('office', 'return'))
);

-- In an evaluator's own database: the package it was opened from.
CREATE TABLE opened_packages (
    id              TEXT    PRIMARY KEY,
    call_code       TEXT    NOT NULL,
    evaluator_id    INTEGER NOT NULL REFERENCES evaluators(id),
    office_evaluator_id INTEGER NOT NULL,
    opened_at       TEXT    NOT NULL
);
