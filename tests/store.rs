use crate::{TestResult, actor};
use gigafund::Error;
use gigafund::app;
use gigafund::model::Call;
use gigafund::store::{self, APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, Store};
use rusqlite::Connection;
use std::path::Path;

fn sha256_of(path: &Path) -> Result<String, std::io::Error> {
    use sha2::{Digest, Sha256};
    Ok(hex::encode(Sha256::digest(std::fs::read(path)?)))
}

/// A database left by an older Gigafund: the first `version` migrations only.
fn database_at_version(path: &Path, version: usize) -> TestResult {
    let conn = Connection::open(path)?;
    for sql in &MIGRATIONS[..version] {
        conn.execute_batch(sql)?;
    }
    conn.pragma_update(None, "user_version", version as i64)?;
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    conn.execute(
        "INSERT INTO calls (code, kind, programme, title, budget_cents, opens, deadline, scale_min,
            scale_max, step, min_evaluators, overall_threshold, min_comment_chars, tie_break, budget_line)
         VALUES ('OLD-CALL-1', 'ai_factory', 'EuroHPC', 'A call from an older version', 100000,
            '2025-01-01', '2025-03-01', 0, 5, 0.5, 3, 10, 0, '[]', 'stop_at_first_misfit')",
        [],
    )?;
    Ok(())
}

fn demo_store(dir: &Path) -> Result<Store, Box<dyn std::error::Error>> {
    let mut store = Store::open(&dir.join("demo.sqlite3"))?;
    app::load_demo(&mut store, &actor(), None)?;
    Ok(store)
}

#[test]
fn a_new_database_is_migrated_to_the_current_schema_with_wal_and_foreign_keys() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("new.sqlite3"))?;
    assert_eq!(store.schema_version()?, SCHEMA_VERSION);
    let conn = store.conn();
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
    assert_eq!(mode, "wal");
    let fk: i64 = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
    assert_eq!(fk, 1, "foreign keys are enforced");
    let app_id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    assert_eq!(app_id, APPLICATION_ID);
    for table in [
        "calls",
        "bids",
        "audit_log",
        "evaluators",
        "scores",
        "consensus_scores",
        "benchmark_runs",
    ] {
        let n: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )?;
        assert_eq!(n, 1, "table {table} exists");
    }
    Ok(())
}

#[test]
fn an_older_database_is_backed_up_then_migrated_keeping_its_data() -> TestResult {
    for old in 1..MIGRATIONS.len() {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("old.sqlite3");
        database_at_version(&path, old)?;
        let (store, opened) = Store::open_reporting(&path)?;
        assert_eq!(opened.from_version, old as i64);
        assert_eq!(store.schema_version()?, SCHEMA_VERSION);
        let call = store::calls::by_code(store.conn(), "OLD-CALL-1")?;
        assert_eq!(
            call.title, "A call from an older version",
            "data survives the migration"
        );

        let backup = dir.path().join(format!("old.sqlite3.bak-v{old}"));
        assert_eq!(opened.backup.as_deref(), Some(backup.as_path()));
        let b = Connection::open(&backup)?;
        let v: i64 = b.pragma_query_value(None, "user_version", |r| r.get(0))?;
        assert_eq!(v, old as i64, "the backup keeps the old version");
        let n: i64 = b.query_row("SELECT count(*) FROM calls", [], |r| r.get(0))?;
        assert_eq!(n, 1, "the backup keeps the old data");
    }
    Ok(())
}

#[test]
fn a_database_from_a_newer_gigafund_is_refused_and_left_untouched() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("future.sqlite3");
    database_at_version(&path, MIGRATIONS.len())?;
    {
        let conn = Connection::open(&path)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 7)?;
    }
    let before = sha256_of(&path)?;
    match Store::open(&path) {
        Err(Error::NewerDatabase {
            found, supported, ..
        }) => {
            assert_eq!(found, SCHEMA_VERSION + 7);
            assert_eq!(supported, SCHEMA_VERSION);
        }
        other => panic!("expected NewerDatabase, got {other:?}"),
    }
    assert_eq!(
        sha256_of(&path)?,
        before,
        "the file is byte-for-byte unchanged"
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec!["future.sqlite3".to_string()],
        "no WAL, no backup written"
    );
    Ok(())
}

#[test]
fn a_file_that_is_not_a_gigafund_database_is_refused_and_left_untouched() -> TestResult {
    let dir = tempfile::tempdir()?;
    let text = dir.path().join("notes.sqlite3");
    std::fs::write(
        &text,
        "these are meeting notes, not a database\n".repeat(200),
    )?;
    let before = sha256_of(&text)?;
    assert!(matches!(
        Store::open(&text),
        Err(Error::NotADatabase { .. })
    ));
    assert_eq!(sha256_of(&text)?, before);

    let other = dir.path().join("other-app.sqlite3");
    Connection::open(&other)?.execute_batch("CREATE TABLE t (x); PRAGMA user_version = 4;")?;
    let before = sha256_of(&other)?;
    assert!(matches!(
        Store::open(&other),
        Err(Error::NotADatabase { .. })
    ));
    assert_eq!(sha256_of(&other)?, before);
    Ok(())
}

#[test]
fn a_failed_write_rolls_back_completely() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = demo_store(dir.path())?;
    let count = |s: &Store, table: &str| -> rusqlite::Result<i64> {
        s.conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
    };
    let audit_before = count(&store, "audit_log")?;
    let template = store::calls::by_code(store.conn(), "EUROHPC-AIF-2026-01")?;

    // The first insert succeeds inside the transaction, the second fails: neither stays.
    let result = store.write(&actor(), |tx| {
        store::calls::insert(
            tx,
            &Call {
                code: "NEW-CALL-1".into(),
                ..template.clone()
            },
        )?;
        store::calls::insert(
            tx,
            &Call {
                code: "EUROHPC-AIF-2026-01".into(),
                ..template.clone()
            },
        )
    });
    assert!(
        matches!(result, Err(Error::Conflict(_))),
        "a duplicate code is refused"
    );
    assert!(
        matches!(
            store::calls::by_code(store.conn(), "NEW-CALL-1"),
            Err(Error::NotFound { .. })
        ),
        "the first call of the failed transaction was rolled back"
    );
    assert_eq!(
        count(&store, "audit_log")?,
        audit_before,
        "no audit entry survives a rollback"
    );

    // A bid whose insert fails half-way (after its consortium) leaves no orphan rows.
    let consortia = count(&store, "consortia")?;
    let bid = store::bids::all(store.conn())?.remove(0);
    let result = store.write(&actor(), |tx| store::bids::insert(tx, &bid));
    assert!(
        result.is_err(),
        "the same acronym and version twice is refused"
    );
    assert_eq!(count(&store, "consortia")?, consortia);
    assert_eq!(store.integrity_check()?, Vec::<String>::new());
    Ok(())
}

#[test]
fn the_audit_log_refuses_updates_and_detects_tampering() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = demo_store(dir.path())?;
    let report = app::verify(&store)?;
    assert!(
        report.ok && report.audit_entries > 50,
        "the demo's chain is intact: {report:?}"
    );

    let refused = store
        .conn()
        .execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3", []);
    assert!(refused.is_err(), "UPDATE is refused by a trigger");
    let refused = store
        .conn()
        .execute("DELETE FROM audit_log WHERE seq = 3", []);
    assert!(refused.is_err(), "DELETE is refused by a trigger");

    // Someone with a SQLite shell drops the trigger and edits entry 17.
    store.conn().execute_batch(
        "DROP TRIGGER audit_log_no_update;
         UPDATE audit_log SET after = replace(after, '\"vendor\"', '\"maker\"') WHERE seq = 17;",
    )?;
    let edited: String =
        store
            .conn()
            .query_row("SELECT after FROM audit_log WHERE seq = 17", [], |r| {
                r.get(0)
            })?;
    assert!(
        edited.contains("\"maker\""),
        "the tampering took place: {edited}"
    );
    let report = app::verify(&store)?;
    assert!(!report.ok);
    assert_eq!(
        report.chain_break.map(|b| b.seq),
        Some(17),
        "the first broken entry is named"
    );
    Ok(())
}

#[test]
fn a_removed_audit_entry_breaks_the_chain() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = demo_store(dir.path())?;
    store
        .conn()
        .execute_batch("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 40;")?;
    let brk = store::audit::verify_chain(store.conn())?;
    assert_eq!(brk.map(|b| b.seq), Some(40));
    Ok(())
}

#[test]
fn demo_bids_read_back_exactly_as_stored() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = demo_store(dir.path())?;
    let bids = store::bids::all(store.conn())?;
    assert_eq!(bids.len(), 12);
    let aurora = bids
        .iter()
        .find(|b| b.acronym == "AURORA-GF")
        .ok_or("AURORA-GF")?;
    assert_eq!(aurora.sites.len(), 2);
    assert_eq!(aurora.consortium.members.len(), 5);
    assert_eq!(
        aurora.financing.total(),
        aurora.capex_total(),
        "financing covers capex"
    );
    assert!(aurora.submitted_at.is_some());
    // Organisations shared by two consortia are stored once.
    let orgs = store::bids::organisations(store.conn())?;
    let whlr = orgs
        .iter()
        .filter(|o| o.name == "Wiener Hochleistungsrechnen GmbH")
        .count();
    assert_eq!(whlr, 1);
    Ok(())
}
