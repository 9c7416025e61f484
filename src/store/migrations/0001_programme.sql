-- Schema version 1: calls, organisations, consortia, bids and the audit log.

CREATE TABLE calls (
    id                INTEGER PRIMARY KEY,
    code              TEXT    NOT NULL UNIQUE,
    kind              TEXT    NOT NULL CHECK (kind IN ('ai_gigafactory', 'ai_factory', 'ai_factory_antenna')),
    programme         TEXT    NOT NULL,
    title             TEXT    NOT NULL,
    budget_cents      INTEGER NOT NULL CHECK (budget_cents >= 0),
    opens             TEXT    NOT NULL,
    deadline          TEXT    NOT NULL,
    scale_min         REAL    NOT NULL,
    scale_max         REAL    NOT NULL,
    step              REAL    NOT NULL CHECK (step > 0),
    min_evaluators    INTEGER NOT NULL CHECK (min_evaluators >= 1),
    overall_threshold REAL    NOT NULL,
    min_comment_chars INTEGER NOT NULL DEFAULT 0,
    tie_break         TEXT    NOT NULL,          -- JSON array of TieBreak
    budget_line       TEXT    NOT NULL CHECK (budget_line IN ('stop_at_first_misfit', 'skip_to_smaller')),
    CHECK (deadline >= opens),
    CHECK (scale_max > scale_min)
);

CREATE TABLE criteria (
    call_id     INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    code        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL,
    weight      REAL    NOT NULL CHECK (weight > 0),
    threshold   REAL    NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (call_id, code)
);

CREATE TABLE eligibility_rules (
    call_id     INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    code        TEXT    NOT NULL,
    description TEXT    NOT NULL,
    rule        TEXT    NOT NULL,                -- JSON EligibilityCheck
    PRIMARY KEY (call_id, code)
);

CREATE TABLE organisations (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    country      TEXT NOT NULL CHECK (length(country) = 2 AND country = upper(country)),
    kind         TEXT NOT NULL CHECK (kind IN ('large_enterprise', 'sme', 'research', 'public_body', 'investor', 'hpc_centre')),
    email_domain TEXT NOT NULL,
    parent_group TEXT,
    UNIQUE (name, country)
);

CREATE TABLE consortia (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE consortium_members (
    consortium_id   INTEGER NOT NULL REFERENCES consortia(id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    role            TEXT    NOT NULL CHECK (role IN ('coordinator', 'hosting_entity', 'partner', 'investor')),
    position        INTEGER NOT NULL,
    PRIMARY KEY (consortium_id, organisation_id)
);

CREATE TABLE bids (
    id                          INTEGER PRIMARY KEY,
    call_id                     INTEGER NOT NULL REFERENCES calls(id),
    consortium_id               INTEGER NOT NULL REFERENCES consortia(id),
    acronym                     TEXT    NOT NULL,
    title                       TEXT    NOT NULL,
    status                      TEXT    NOT NULL CHECK (status IN ('draft', 'submitted', 'withdrawn')),
    version                     INTEGER NOT NULL CHECK (version >= 1),
    submitted_at                TEXT,
    scope                       TEXT    NOT NULL DEFAULT '[]',   -- JSON array of strings
    requested_eu_cents          INTEGER NOT NULL CHECK (requested_eu_cents >= 0),
    requested_member_state_cents INTEGER NOT NULL CHECK (requested_member_state_cents >= 0),
    UNIQUE (call_id, acronym, version)
);
CREATE INDEX bids_call ON bids(call_id);

CREATE TABLE sites (
    bid_id          INTEGER NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    name            TEXT    NOT NULL,
    country         TEXT    NOT NULL CHECK (length(country) = 2),
    region          TEXT    NOT NULL,
    it_mw           REAL    NOT NULL CHECK (it_mw > 0),
    pue             REAL    NOT NULL CHECK (pue >= 1.0),
    wue             REAL    NOT NULL CHECK (wue >= 0),
    renewable_share REAL    NOT NULL CHECK (renewable_share BETWEEN 0 AND 1),
    grid_connection TEXT    NOT NULL,
    go_live         TEXT    NOT NULL,
    PRIMARY KEY (bid_id, position)
);

CREATE TABLE hardware_lines (
    bid_id      INTEGER NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
    generation  INTEGER NOT NULL CHECK (generation >= 1),
    accelerator TEXT    NOT NULL,
    count       INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (bid_id, generation, accelerator)
);

CREATE TABLE capex_lines (
    bid_id       INTEGER NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    year         INTEGER NOT NULL,
    category     TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
    PRIMARY KEY (bid_id, position)
);

CREATE TABLE opex_lines (
    bid_id       INTEGER NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    year         INTEGER NOT NULL,
    category     TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
    PRIMARY KEY (bid_id, position)
);

CREATE TABLE financing_plans (
    bid_id                   INTEGER PRIMARY KEY REFERENCES bids(id) ON DELETE CASCADE,
    eu_grant_cents           INTEGER NOT NULL CHECK (eu_grant_cents >= 0),
    member_state_grant_cents INTEGER NOT NULL CHECK (member_state_grant_cents >= 0),
    senior_debt_cents        INTEGER NOT NULL CHECK (senior_debt_cents >= 0),
    equity_cents             INTEGER NOT NULL CHECK (equity_cents >= 0),
    guarantee_kind           TEXT    NOT NULL CHECK (guarantee_kind IN ('none', 'pari_passu', 'first_loss')),
    guarantee_amount_cents   INTEGER NOT NULL CHECK (guarantee_amount_cents >= 0)
);

-- Append-only and hash-chained: hash = SHA-256 over prev_hash and the entry's fields.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before    TEXT,
    after     TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
