//! Integration tests of the library and the CLI: one test binary (it links once).

mod bindings;
mod cli;
mod compute;
mod evaluation;
mod finance;
mod fuzz_corpus;
mod ingest;
mod office;
mod report;
mod store;
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

pub type TestResult = Result<(), Box<dyn std::error::Error>>;
