//! Integration tests of the library and the CLI: one test binary (it links once).

mod bindings;
mod cli;
mod compute;
mod evaluation;
mod expert;
mod finance;
mod fuzz_corpus;
mod ingest;
mod monitoring;
mod office;
mod programme;
mod report;
mod store;
mod trust;
mod workbook;

use gigafund::model::Actor;
use std::path::PathBuf;

/// A fixed actor: tests never read the clock.
pub fn actor() -> Actor {
    Actor::new(
        "test",
        chrono::DateTime::parse_from_rfc3339("2026-07-01T09:30:00Z")
            .map(|d| d.with_timezone(&chrono::Utc))
            .unwrap_or_default(),
    )
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The passphrase of the evaluators' signing keys in tests.
pub const KEY_PASS: &str = "a key passphrase long enough";

pub type TestResult = Result<(), Box<dyn std::error::Error>>;
