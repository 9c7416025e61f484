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

/// The real `gigafund` binary with a private HOME and XDG directories (one per test run,
/// under the target directory), never the user's: nothing a person set on this machine
/// (a key, a last database, `GIGAFUND_DB`) reaches a test, and no test writes there.
pub fn cli() -> Result<assert_cmd::Command, Box<dyn std::error::Error>> {
    static HOME: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let home = HOME.get_or_init(|| {
        let home =
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("home-{}", std::process::id()));
        for d in ["config", "data", "cache"] {
            // A failure shows up as the CLI's own error in the test that needed it.
            let _ = std::fs::create_dir_all(home.join(d));
        }
        home
    });
    let mut cmd = assert_cmd::Command::cargo_bin("gigafund")?;
    cmd.env_remove("GIGAFUND_DB")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"));
    Ok(cmd)
}

pub type TestResult = Result<(), Box<dyn std::error::Error>>;
