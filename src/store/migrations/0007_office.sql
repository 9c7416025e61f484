-- Schema version 7: what the programme office needs to run a call in the app.

-- Every version of a call's settings (1 = as imported or created), with who set it, when
-- and why. A reason is required once scoring has started and the change moves scores or
-- the ranking; the call's own row always holds the latest version.
CREATE TABLE call_versions (
    call_id INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    version INTEGER NOT NULL CHECK (version >= 1),
    at      TEXT    NOT NULL,
    actor   TEXT    NOT NULL,
    reason  TEXT,
    call    TEXT    NOT NULL,               -- JSON Call as it was set
    PRIMARY KEY (call_id, version)
);

-- The bid and the evaluator an audit entry concerns, derived from the entry itself (never
-- stored twice, so they cannot disagree with what the hash chain covers), for filtering.
ALTER TABLE audit_log ADD COLUMN bid_id INTEGER GENERATED ALWAYS AS (
    CASE entity
        WHEN 'bid' THEN CAST(entity_id AS INTEGER)
        WHEN 'score' THEN CAST(substr(entity_id, 1, instr(entity_id, ':') - 1) AS INTEGER)
        WHEN 'assignment' THEN CAST(substr(entity_id, 1, instr(entity_id, ':') - 1) AS INTEGER)
        WHEN 'submission' THEN CAST(substr(entity_id, 1, instr(entity_id, ':') - 1) AS INTEGER)
        WHEN 'consensus' THEN CAST(substr(entity_id, 1, instr(entity_id, ':') - 1) AS INTEGER)
        WHEN 'conflict' THEN CASE WHEN json_valid(after) THEN json_extract(after, '$.bid_id') END
        WHEN 'score_conflict' THEN CASE WHEN json_valid(after) THEN json_extract(after, '$.bid_id') END
    END
) VIRTUAL;
ALTER TABLE audit_log ADD COLUMN evaluator_id INTEGER GENERATED ALWAYS AS (
    CASE entity
        WHEN 'evaluator' THEN CAST(entity_id AS INTEGER)
        WHEN 'score' THEN CAST(substr(entity_id, instr(entity_id, ':') + 1) AS INTEGER)
        WHEN 'assignment' THEN CAST(substr(entity_id, instr(entity_id, ':') + 1) AS INTEGER)
        WHEN 'submission' THEN CAST(substr(entity_id, instr(entity_id, ':') + 1) AS INTEGER)
        WHEN 'conflict' THEN CASE WHEN json_valid(after) THEN json_extract(after, '$.evaluator_id') END
        WHEN 'score_conflict' THEN CASE WHEN json_valid(after) THEN json_extract(after, '$.evaluator_id') END
        WHEN 'package' THEN CASE WHEN json_valid(after) THEN json_extract(after, '$.evaluator_id') END
    END
) VIRTUAL;
CREATE INDEX audit_log_bid ON audit_log(bid_id);
CREATE INDEX audit_log_evaluator ON audit_log(evaluator_id);
CREATE INDEX audit_log_action ON audit_log(action);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);

-- A return's submission of a bid, held while a score of that bid is in conflict; applied
-- when the last of its conflicts is resolved.
CREATE TABLE held_submissions (
    package_id TEXT    NOT NULL REFERENCES packages(id),
    bid_id     INTEGER NOT NULL,
    PRIMARY KEY (package_id, bid_id)
);

-- In an expert's own database: a check of the package passphrase (derived with the
-- package's salt), so that a return written with another passphrase is refused at once,
-- and the returns written, with what each held.
ALTER TABLE opened_packages ADD COLUMN salt TEXT;
ALTER TABLE opened_packages ADD COLUMN passphrase_check TEXT;
CREATE TABLE written_returns (
    seq        INTEGER PRIMARY KEY,
    package_id TEXT    NOT NULL,
    at         TEXT    NOT NULL,
    file       TEXT    NOT NULL,
    body       TEXT    NOT NULL              -- JSON: the scores and submissions returned
);
