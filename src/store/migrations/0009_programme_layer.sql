-- Schema 9: the programme after selection — envelope, awards, agreements and amendments,
-- milestones and milestone-gated tranches.

-- A programme as imported from its template (the template kept whole, as JSON: every rule
-- of the programme is a number there).
CREATE TABLE programmes (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    template    TEXT    NOT NULL,            -- JSON: programme::Template
    imported_at TEXT    NOT NULL
);

-- The announced envelope, by source and year (committed, contracted and paid are derived
-- from the awards and their tranches).
CREATE TABLE envelope_lines (
    programme_id INTEGER NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    source       TEXT    NOT NULL,
    year         INTEGER NOT NULL,
    cents        INTEGER NOT NULL CHECK (cents >= 0),
    PRIMARY KEY (programme_id, source, year)
);

-- Member-State commitment letters: an amount, conditions and a date.
CREATE TABLE ms_commitments (
    id           INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    call_code    TEXT,
    country      TEXT    NOT NULL,
    cents        INTEGER NOT NULL CHECK (cents > 0),
    dated        TEXT    NOT NULL,
    conditions   TEXT    NOT NULL DEFAULT ''
);

-- An award: from a main-list bid of a ranked call (bid_id), or recorded from public facts
-- for an award made before the programme came into Gigafund (bid_id NULL).
CREATE TABLE awards (
    id              INTEGER PRIMARY KEY,
    programme_id    INTEGER NOT NULL REFERENCES programmes(id),
    call_code       TEXT    NOT NULL,
    call_kind       TEXT    NOT NULL,
    bid_id          INTEGER REFERENCES bids(id),
    acronym         TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    host            TEXT    NOT NULL,
    country         TEXT    NOT NULL,
    selected_on     TEXT    NOT NULL,
    status          TEXT    NOT NULL,        -- active, withdrawn, terminated, closed
    from_reserve    INTEGER NOT NULL DEFAULT 0,
    rank            INTEGER,
    figures         TEXT    NOT NULL,        -- JSON: programme::Figures (the current amounts)
    illustrative    TEXT    NOT NULL DEFAULT '[]', -- JSON: which figures are illustrative
    created_at      TEXT    NOT NULL,
    UNIQUE (programme_id, call_code, acronym)
);

-- Agreements, each kind with its versions.
CREATE TABLE agreements (
    id          INTEGER PRIMARY KEY,
    award_id    INTEGER NOT NULL REFERENCES awards(id),
    kind        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    signed_on   TEXT    NOT NULL,
    reference   TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    UNIQUE (award_id, kind, version)
);

-- Amendments: typed, dated, append-only; old and new values, who asked, who approved.
CREATE TABLE amendments (
    id          INTEGER PRIMARY KEY,
    award_id    INTEGER NOT NULL REFERENCES awards(id),
    kind        TEXT    NOT NULL,
    dated       TEXT    NOT NULL,
    old_value   TEXT    NOT NULL,            -- JSON
    new_value   TEXT    NOT NULL,            -- JSON
    asked_by    TEXT    NOT NULL,
    approved_by TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL
);
CREATE TRIGGER amendments_no_update BEFORE UPDATE ON amendments
BEGIN SELECT RAISE(ABORT, 'amendments are append-only'); END;
CREATE TRIGGER amendments_no_delete BEFORE DELETE ON amendments
BEGIN SELECT RAISE(ABORT, 'amendments are append-only'); END;

-- Milestones: baseline (from the agreement), forecast, actual, evidence and verification.
CREATE TABLE award_milestones (
    award_id        INTEGER NOT NULL REFERENCES awards(id),
    code            TEXT    NOT NULL,
    position        INTEGER NOT NULL,
    baseline        TEXT    NOT NULL,
    forecast        TEXT    NOT NULL,
    actual          TEXT,
    evidence        TEXT,
    evidence_sha256 TEXT,
    verified_by     TEXT,
    verified_on     TEXT,
    PRIMARY KEY (award_id, code)
);

-- Tranches of the EU contribution, each behind its gate.
CREATE TABLE award_tranches (
    award_id     INTEGER NOT NULL REFERENCES awards(id),
    code         TEXT    NOT NULL,
    position     INTEGER NOT NULL,
    kind         TEXT    NOT NULL,          -- pre_financing, interim, final
    share_bp     INTEGER NOT NULL,          -- basis points of the maximum EU contribution
    gate         TEXT,                      -- milestone code; NULL: the grant agreement
    due_days     INTEGER NOT NULL,
    state        TEXT    NOT NULL,          -- planned, requested, under_review, approved, paid, suspended, recovery_issued
    cents        INTEGER NOT NULL,          -- amount due (share × maximum, less retention)
    paid_cents   INTEGER NOT NULL DEFAULT 0,
    requested_on TEXT,
    approved_on  TEXT,
    paid_on      TEXT,
    note         TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (award_id, code)
);
CREATE INDEX awards_programme ON awards(programme_id, status);
