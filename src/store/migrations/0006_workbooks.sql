-- Schema version 6: what the applicant workbook brings beyond a bid file.

-- The implementation plan (the workbook's Milestones sheet).
CREATE TABLE milestones (
    bid_id      INTEGER NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    date        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (bid_id, position)
);

-- Accelerators an applicant described as "other" (not in the hardware list).
CREATE TABLE declared_accelerators (
    bid_id      INTEGER NOT NULL REFERENCES bids(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    fp8_tflops  REAL    NOT NULL CHECK (fp8_tflops > 0),
    bf16_tflops REAL    NOT NULL CHECK (bf16_tflops > 0),
    tdp_w       REAL    NOT NULL CHECK (tdp_w > 0),
    PRIMARY KEY (bid_id, name)
);

-- Where a version of a bid came from: the file's name and SHA-256, and when it was read.
ALTER TABLE bids ADD COLUMN source_file TEXT;
ALTER TABLE bids ADD COLUMN source_sha256 TEXT;
ALTER TABLE bids ADD COLUMN imported_at TEXT;
