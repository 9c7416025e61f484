-- Schema 8: what the reliability and security sweep asked of the database.

-- An assignment suspended by a conflict of interest found after it was made (declared
-- later, or a roster change): why, or NULL while the assignment stands. A suspended
-- expert no longer scores the bid; the planner gives the bid a replacement.
ALTER TABLE assignments ADD COLUMN suspended TEXT;

-- Offline packages: whether the office signed the package, and the sequence number of
-- the last return accepted from it (a return is accepted once; a newer one supersedes).
ALTER TABLE packages ADD COLUMN signed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE packages ADD COLUMN return_seq INTEGER NOT NULL DEFAULT 0;

-- The expert's side: the office key that signed the package they opened.
ALTER TABLE opened_packages ADD COLUMN office_key TEXT;

-- Checkpoints of the audit log signed with the office's key (held outside the database):
-- the entry covered (its sequence number and hash), when, the key and its ed25519
-- signature. A log truncated or rewritten below a checkpoint no longer matches it.
CREATE TABLE audit_checkpoints (
    id         INTEGER PRIMARY KEY,
    seq        INTEGER NOT NULL,
    hash       TEXT    NOT NULL,
    at         TEXT    NOT NULL,
    public_key TEXT    NOT NULL,
    signature  TEXT    NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;

-- Submissions close at the end of the deadline day (UTC) plus the call's grace days; a
-- file received later is kept as a late draft (when it came), never as a submission.
ALTER TABLE calls ADD COLUMN grace_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bids ADD COLUMN received_late TEXT;
