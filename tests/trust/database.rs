//! The database file: damage reported as damage, foreign versions refused, migrations that
//! fail described, backups never overwritten, the log's time never running backwards, a
//! busy file said to be busy.

use super::{Res, demo_at, gigafund, raw};
use crate::{TestResult, actor};
use gigafund::store::{self, Store};
use gigafund::{Error, app};
use std::path::Path;

fn sha(path: &Path) -> Res<String> {
    use sha2::Digest;
    Ok(hex::encode(sha2::Sha256::digest(std::fs::read(path)?)))
}

#[test]
fn regression_verify_reports_a_truncated_or_corrupt_database_as_damage() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, db) = demo_at(dir.path())?;
    store.checkpoint()?;
    drop(store);
    let bytes = std::fs::read(&db)?;

    // Truncated to half.
    let truncated = dir.path().join("truncated.sqlite3");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2])?;
    let out = gigafund(&truncated)?.arg("verify").output()?;
    let text = String::from_utf8(out.stdout)?;
    assert_eq!(
        out.status.code(),
        Some(1),
        "damage is a finding, not an internal error: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("DAMAGED"), "{text}");

    // A page in the middle overwritten with garbage.
    let corrupt = dir.path().join("corrupt.sqlite3");
    let mut c = bytes.clone();
    let page = 4096 * 5;
    for b in &mut c[page..page + 4096] {
        *b = 0xA5;
    }
    std::fs::write(&corrupt, &c)?;
    let before = sha(&corrupt)?;
    let out = gigafund(&corrupt)?.args(["--json", "verify"]).output()?;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(report["ok"], false);
    assert!(
        report["damaged"].is_string() || !report["integrity"].as_array().is_none_or(Vec::is_empty),
        "{report}"
    );
    assert_eq!(sha(&corrupt)?, before, "verification writes nothing");
    Ok(())
}

#[test]
fn regression_a_negative_schema_version_is_not_a_gigafund_database() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, db) = demo_at(dir.path())?;
    drop(store);
    raw(&db)?.execute_batch("PRAGMA user_version = -3;")?;
    let err = Store::open(&db).err().ok_or("opened")?;
    assert!(matches!(err, Error::NotADatabase { .. }), "{err:?}");
    assert_eq!(err.exit_code(), 1);
    Ok(())
}

#[test]
fn regression_a_failed_migration_is_described_and_leaves_the_file_at_its_version() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, db) = demo_at(dir.path())?;
    drop(store);
    // A database of schema 7 in which someone created a table of schema 8's name.
    let conn = raw(&db)?;
    conn.execute_batch(
        "DROP TRIGGER audit_checkpoints_no_update; DROP TRIGGER audit_checkpoints_no_delete;
         DROP TABLE audit_checkpoints;
         CREATE TABLE audit_checkpoints (x INTEGER);
         PRAGMA user_version = 7;",
    )?;
    drop(conn);
    let err = Store::open(&db).err().ok_or("migrated")?;
    let text = err.to_string();
    assert!(
        matches!(err, Error::Migration { from: 7, to: 8, .. }),
        "{err:?}"
    );
    assert!(text.contains("from schema version 7 to 8"), "{text}");
    assert!(
        !text.contains("ALTER TABLE") && !text.contains("CREATE"),
        "no raw SQL: {text}"
    );
    let version: i64 = raw(&db)?.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    assert_eq!(version, 7, "left as it was");
    Ok(())
}

#[test]
fn regression_an_existing_backup_is_never_overwritten() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, db) = demo_at(dir.path())?;
    drop(store);
    // Take the file back to the previous schema (the monitoring tables, with their
    // triggers and index, removed) twice, with a backup of the first migration already there.
    let downgrade = |db: &Path| -> TestResult {
        raw(db)?.execute_batch(
            "DROP TABLE monitoring_kpis; DROP TABLE monitoring_costs;
             DROP TABLE monitoring_milestones; DROP TABLE award_benchmarks;
             DROP TABLE monitoring_reports;
             PRAGMA user_version = 10;",
        )?;
        Ok(())
    };
    downgrade(&db)?;
    let (_, opened) = Store::open_reporting(&db)?;
    let first = opened.backup.ok_or("a backup")?;
    assert!(first.to_string_lossy().ends_with(".bak-v10"));
    let kept = sha(&first)?;
    downgrade(&db)?;
    let (_, opened) = Store::open_reporting(&db)?;
    let second = opened.backup.ok_or("a second backup")?;
    assert_ne!(first, second, "a new name");
    assert!(
        second.to_string_lossy().ends_with(".bak-v10.2"),
        "{second:?}"
    );
    assert_eq!(sha(&first)?, kept, "the first backup is untouched");
    Ok(())
}

#[test]
fn regression_audit_timestamps_never_run_backwards() -> TestResult {
    let mut store = Store::open_in_memory()?;
    let later = actor();
    let earlier =
        gigafund::model::Actor::new("slow process", later.at - chrono::Duration::hours(2));
    app::import_call(
        &mut store,
        &later,
        &crate::repo_root().join("templates/calls/ai-factory.toml"),
    )?;
    // A process that started two hours earlier writes after: stamped no earlier.
    app::import_call(
        &mut store,
        &earlier,
        &crate::repo_root().join("templates/calls/ai-gigafactory.toml"),
    )?;
    let entries = store::audit::entries(store.conn())?;
    assert!(entries.windows(2).all(|w| w[0].at <= w[1].at), "monotonic");
    assert_eq!(entries.last().ok_or("entry")?.at, later.at);
    assert!(store::audit::verify_chain(store.conn())?.is_none());
    Ok(())
}

#[test]
fn regression_a_busy_database_says_so_and_changes_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut store, db) = demo_at(dir.path())?;
    store.set_busy_timeout(std::time::Duration::from_millis(100))?;
    let holder = raw(&db)?;
    holder.execute_batch("BEGIN IMMEDIATE;")?;
    let err = app::import_call(
        &mut store,
        &actor(),
        &crate::repo_root().join("templates/calls/ai-factory.toml"),
    )
    .err()
    .ok_or("written while another held the lock")?;
    assert!(matches!(err, Error::Busy { .. }), "{err:?}");
    assert!(
        err.to_string().contains("another Gigafund is writing"),
        "{err}"
    );
    assert_eq!(err.exit_code(), 1);
    holder.execute_batch("ROLLBACK;")?;
    Ok(())
}
