//! The SQLite database: opening, migrating, transactions and one repository per aggregate.
//!
//! Migrations are numbered SQL files applied in one transaction; `PRAGMA user_version` is
//! the schema version and `PRAGMA application_id` marks the file as Gigafund's. A database
//! written by a newer Gigafund is refused before anything writes to it; an older one is
//! copied to `NAME.bak-vN` before it is migrated.

pub mod audit;
pub mod benchmarks;
pub mod bids;
pub mod calls;
pub mod evaluation;
pub mod monitoring;
pub mod programme;
pub mod scenarios;

use crate::error::{Error, Result};
use crate::model::Actor;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `GGFD` in ASCII: marks a SQLite file as a Gigafund database.
pub const APPLICATION_ID: i64 = 0x4747_4644;

/// Schema migrations; migration `i` (0-based) takes the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_programme.sql"),
    include_str!("migrations/0002_evaluation.sql"),
    include_str!("migrations/0003_benchmarks.sql"),
    include_str!("migrations/0004_scenarios.sql"),
    include_str!("migrations/0005_evaluation_workflow.sql"),
    include_str!("migrations/0006_workbooks.sql"),
    include_str!("migrations/0007_office.sql"),
    include_str!("migrations/0008_trust.sql"),
    include_str!("migrations/0009_programme_layer.sql"),
    include_str!("migrations/0010_deviations.sql"),
    include_str!("migrations/0011_monitoring.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

/// What happened when a database was opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    pub from_version: i64,
    pub backup: Option<PathBuf>,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        Self::open_reporting(path).map(|(store, _)| store)
    }

    /// Like [`Store::open`], also saying which version the file had and where its backup is.
    pub fn open_reporting(path: &Path) -> Result<(Store, Opened)> {
        let mut opened = Opened {
            from_version: 0,
            backup: None,
        };
        if path.exists() {
            opened = inspect_and_back_up(path)?;
        } else if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let conn = Connection::open(path).map_err(|e| not_a_database(path, e))?;
        let mut store = Store {
            conn,
            path: Some(path.to_path_buf()),
        };
        store.configure(true)?;
        store.migrate()?;
        Ok((store, opened))
    }

    /// A private in-memory database, migrated: for tests and previews.
    pub fn open_in_memory() -> Result<Store> {
        let mut store = Store {
            conn: Connection::open_in_memory()?,
            path: None,
        };
        store.configure(false)?;
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Read access. Writes go through [`Store::write`].
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    fn configure(&mut self, wal: bool) -> Result<()> {
        if wal {
            let mode: String =
                self.conn
                    .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(Error::Internal(format!(
                    "could not switch the database to WAL (got {mode})"
                )));
            }
            self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        self.conn.pragma_update(None, "foreign_keys", true)?;
        self.conn.busy_timeout(Duration::from_secs(5))?;
        Ok(())
    }

    fn migrate(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let start = usize::try_from(version)
            .map_err(|_| Error::Internal(format!("negative schema version {version}")))?;
        if version == SCHEMA_VERSION {
            // Up to date: opening the database writes nothing to it.
            tx.rollback()?;
            return Ok(());
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(start) {
            tx.execute_batch(sql).map_err(|e| Error::Migration {
                path: self.path.clone().unwrap_or_default(),
                from: i as i64,
                to: i as i64 + 1,
                reason: migration_reason(&e),
            })?;
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.commit()?;
        Ok(())
    }

    /// Runs `f` in one transaction: committed when it returns `Ok`, rolled back otherwise.
    pub fn write<T>(
        &mut self,
        actor: &Actor,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T>,
    ) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| busy(self.path.as_deref(), e))?;
        let mut w = Tx { tx, actor };
        let value = f(&mut w)?;
        w.tx.commit().map_err(|e| busy(self.path.as_deref(), e))?;
        Ok(value)
    }

    /// How long a write waits for another program's write lock before it says the file is
    /// busy (5 s by default).
    pub fn set_busy_timeout(&self, wait: Duration) -> Result<()> {
        self.conn.busy_timeout(wait)?;
        Ok(())
    }

    /// Writes the write-ahead log into the database file and empties it, so that the
    /// file alone holds everything (before it is moved or copied).
    pub fn checkpoint(&self) -> Result<()> {
        if self.path.is_some() {
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    /// Whether the database holds no call yet (first run).
    pub fn is_empty(&self) -> Result<bool> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM calls", [], |r| r.get(0))?;
        Ok(n == 0)
    }

    /// `PRAGMA integrity_check`: `Ok(())` or the problems SQLite reports.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows.into_iter().filter(|r| r != "ok").collect())
    }
}

/// A write transaction with the actor every audit entry is attributed to.
#[derive(Debug)]
pub struct Tx<'a> {
    tx: rusqlite::Transaction<'a>,
    actor: &'a Actor,
}

impl Tx<'_> {
    pub fn conn(&self) -> &Connection {
        &self.tx
    }

    pub fn actor(&self) -> &Actor {
        self.actor
    }
}

/// Reads the version of an existing file without writing to it; refuses newer or foreign
/// files; backs up an older Gigafund database before it is migrated.
fn inspect_and_back_up(path: &Path) -> Result<Opened> {
    let ro = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_a_database(path, e))?;
    let version: i64 = ro
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| not_a_database(path, e))?;
    let app_id: i64 = ro
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| not_a_database(path, e))?;
    if app_id != 0 && app_id != APPLICATION_ID {
        return Err(Error::NotADatabase {
            path: path.to_path_buf(),
            reason: format!("it belongs to another application (application_id {app_id:#x})"),
        });
    }
    if version > 0 && app_id == 0 {
        return Err(Error::NotADatabase {
            path: path.to_path_buf(),
            reason: "it is a SQLite database of another application".into(),
        });
    }
    if version == 0 {
        let tables: i64 = ro
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .map_err(|e| not_a_database(path, e))?;
        if tables > 0 {
            return Err(Error::NotADatabase {
                path: path.to_path_buf(),
                reason: "it is a SQLite database of another application".into(),
            });
        }
    }
    if version < 0 {
        return Err(Error::NotADatabase {
            path: path.to_path_buf(),
            reason: format!("its schema version ({version}) is not one Gigafund writes"),
        });
    }
    if version > SCHEMA_VERSION {
        return Err(Error::NewerDatabase {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let mut backup = None;
    if version > 0 && version < SCHEMA_VERSION {
        let dest = free_backup_name(path, version);
        ro.backup(
            rusqlite::MAIN_DB,
            &dest,
            None::<fn(rusqlite::backup::Progress)>,
        )?;
        backup = Some(dest);
    }
    Ok(Opened {
        from_version: version,
        backup,
    })
}

/// `NAME.bak-vN`, or `NAME.bak-vN.2`, `.3`… when an earlier backup is already there: a
/// backup is never overwritten.
fn free_backup_name(path: &Path, version: i64) -> PathBuf {
    let mut n = 1;
    loop {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".bak-v{version}"));
        if n > 1 {
            name.push(format!(".{n}"));
        }
        let dest = PathBuf::from(name);
        if !dest.exists() {
            return dest;
        }
        n += 1;
    }
}

/// What SQLite said when a migration failed, without the SQL it was given.
fn migration_reason(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        other => other
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

/// A write that could not take the lock (another Gigafund is writing) says so plainly.
fn busy(path: Option<&Path>, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            Error::Busy {
                path: path.map(Path::to_path_buf).unwrap_or_default(),
            }
        }
        _ => Error::from(e),
    }
}

fn not_a_database(path: &Path, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => Error::NotADatabase {
            path: path.to_path_buf(),
            reason: "the file is not a SQLite database".into(),
        },
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => Error::Damaged {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
        Some(rusqlite::ErrorCode::CannotOpen) => Error::NotADatabase {
            path: path.to_path_buf(),
            reason: "the file cannot be opened (check the path and permissions)".into(),
        },
        _ => Error::Database(e),
    }
}

/// Serialises a value stored as JSON text in a column.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(format!("JSON encoding: {e}")))
}

/// Reads a JSON text column; a bad value is a corrupted row, reported as a database error.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    column: usize,
    text: &str,
) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Stores an enum by its serde name (`"ai_factory"`), so SQL and JSON agree.
pub fn enum_text<T: serde::Serialize>(value: &T) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        other => Err(Error::Internal(format!(
            "enum does not serialise to a string: {other:?}"
        ))),
    }
}

pub(crate) fn enum_from_text<T: serde::de::DeserializeOwned>(
    column: usize,
    text: String,
) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(text)).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// A timestamp as stored: RFC 3339 in UTC with microseconds.
pub(crate) fn ts(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Reads a stored RFC 3339 timestamp; a bad value is a corrupted row.
pub(crate) fn parse_ts(column: usize, s: &str) -> rusqlite::Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&chrono::Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                column,
                rusqlite::types::Type::Text,
                Box::new(e),
            )
        })
}
