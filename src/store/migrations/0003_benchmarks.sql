-- Schema version 3: accelerators and benchmark results (MLPerf Training and Inference).
-- Every row of an imported file is kept; rows that cannot be used in statistics carry
-- the reason in `excluded_reason`. `source` (repository @ commit : path) identifies a
-- result, so importing the same file again changes nothing.

CREATE TABLE accelerators (
    key            TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    vendor         TEXT NOT NULL,
    release_date   TEXT,
    fp4_tflops     REAL,
    fp8_tflops     REAL,
    bf16_tflops    REAL,
    memory_gb      REAL,
    tdp_w          REAL,
    list_price_usd REAL,
    source         TEXT NOT NULL
);

CREATE TABLE benchmark_runs (
    id                INTEGER PRIMARY KEY,
    suite             TEXT    NOT NULL CHECK (suite IN ('training', 'inference')),
    round             TEXT    NOT NULL,
    benchmark         TEXT    NOT NULL,
    scenario          TEXT,
    submitter         TEXT    NOT NULL,
    system            TEXT    NOT NULL,
    accelerator       TEXT    NOT NULL,
    accelerator_count INTEGER NOT NULL,
    precision         TEXT,
    score             REAL,
    unit              TEXT    NOT NULL,
    energy_kj         REAL,
    power_w           REAL,
    joules_per_unit   REAL,
    result_id         TEXT,
    duplicate_of      TEXT,
    excluded_reason   TEXT,
    source            TEXT    NOT NULL UNIQUE,
    file              TEXT    NOT NULL,
    line              INTEGER NOT NULL
);
CREATE INDEX benchmark_runs_lookup ON benchmark_runs(suite, round, benchmark, accelerator_count);

-- AI clusters (Epoch AI, "AI Supercomputers"): the reference population for plausibility
-- checks of a bid's claimed power per accelerator. `row_hash` (SHA-256 of the CSV row)
-- makes a re-import change nothing.
CREATE TABLE clusters (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL,
    chip_type  TEXT NOT NULL,
    chips      REAL,
    power_mw   REAL,
    h100e      REAL,
    source     TEXT NOT NULL,
    row_hash   TEXT NOT NULL UNIQUE
);
