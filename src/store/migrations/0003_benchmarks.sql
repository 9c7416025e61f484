-- Schema version 3: accelerators and benchmark runs.

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
    submitter         TEXT    NOT NULL,
    system            TEXT    NOT NULL,
    accelerator       TEXT    NOT NULL,
    accelerator_count INTEGER NOT NULL CHECK (accelerator_count > 0),
    score             REAL,
    unit              TEXT    NOT NULL,
    precision         TEXT,
    energy_kj         REAL,
    duplicate_of      TEXT,
    source            TEXT    NOT NULL,
    UNIQUE (suite, round, benchmark, submitter, system)
);
