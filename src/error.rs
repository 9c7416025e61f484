//! The library's error type. Every error says what went wrong and, for bad input, where.

use serde::Serialize;
use std::fmt;
use std::path::PathBuf;
use ts_rs::TS;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in a user's file a problem was found. Fields that do not apply are `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, TS)]
pub struct Location {
    pub file: Option<String>,
    /// Sheet of a workbook, or table of a TOML document (e.g. `bid.sites[2]`).
    pub sheet: Option<String>,
    /// Cell reference (`C7`) or line number (`line 12`).
    pub cell: Option<String>,
    pub field: Option<String>,
}

impl Location {
    pub fn file(file: impl Into<String>) -> Location {
        Location {
            file: Some(file.into()),
            ..Location::default()
        }
    }

    pub fn with_sheet(mut self, sheet: impl Into<String>) -> Location {
        self.sheet = Some(sheet.into());
        self
    }

    pub fn with_cell(mut self, cell: impl Into<String>) -> Location {
        self.cell = Some(cell.into());
        self
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Location {
        self.field = Some(field.into());
        self
    }
}

/// `file · sheet · cell · field`, leaving out what is unknown.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<&str> = [&self.file, &self.sheet, &self.cell, &self.field]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .collect();
        f.write_str(&parts.join(" · "))
    }
}

/// One rule broken by one value of the user's input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
pub struct Problem {
    pub location: Location,
    /// The rule, in words a user can act on ("PUE must be between 1.0 and 3.0").
    pub rule: String,
    /// What was found instead, when it helps.
    pub found: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.rule)?;
        if let Some(found) = &self.found {
            write!(f, " (found: {found})")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input broke one or more rules; nothing was stored.
    #[error("{}", problems_summary(.0))]
    Invalid(Vec<Problem>),
    /// A named thing does not exist.
    #[error("{kind} '{key}' not found")]
    NotFound { kind: &'static str, key: String },
    /// An operation that would overwrite or conflict with stored data.
    #[error("{0}")]
    Conflict(String),
    /// The database was written by a newer Gigafund; it was not touched.
    #[error(
        "{path} was written by a newer Gigafund (schema version {found}; this version \
         understands up to {supported}). It was not changed: open it with a newer Gigafund."
    )]
    NewerDatabase {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// The file is not a Gigafund database.
    #[error("{path} is not a Gigafund database: {reason}")]
    NotADatabase { path: PathBuf, reason: String },
    /// The database file is damaged (truncated, a corrupt page): it was not changed.
    #[error(
        "{path} is damaged ({reason}). It was not changed: restore it from a backup (a \
         NAME.bak-vN file, or your own copy)."
    )]
    Damaged { path: PathBuf, reason: String },
    /// A migration failed; the file was left at its old version.
    #[error(
        "{path} could not be upgraded from schema version {from} to {to} ({reason}). It \
         was left as it was, at version {from}."
    )]
    Migration {
        path: PathBuf,
        from: i64,
        to: i64,
        reason: String,
    },
    /// Another program holds the database's write lock.
    #[error(
        "{path} is busy: another Gigafund is writing to it. Nothing was changed; try again \
         in a moment."
    )]
    Busy { path: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", database_message(.0))]
    Database(#[from] rusqlite::Error),
    /// The user stopped a long operation; nothing was stored.
    #[error("cancelled: {0}")]
    Cancelled(String),
    /// A bug or a broken invariant: not the user's fault.
    #[error("internal error: {0}")]
    Internal(String),
}

fn problems_summary(problems: &[Problem]) -> String {
    match problems {
        [one] => one.to_string(),
        many => {
            let mut s = format!("{} problems:", many.len());
            for p in many {
                s.push_str("\n  ");
                s.push_str(&p.to_string());
            }
            s
        }
    }
}

impl Error {
    pub fn invalid(location: Location, rule: impl Into<String>, found: Option<String>) -> Error {
        Error::Invalid(vec![Problem {
            location,
            rule: rule.into(),
            found,
        }])
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Names `file` in every problem that does not name a file yet (a rule checked deep
    /// inside, where the file is not known).
    pub fn with_file(self, file: &str) -> Error {
        match self {
            Error::Invalid(problems) => Error::Invalid(
                problems
                    .into_iter()
                    .map(|mut p| {
                        if p.location.file.is_none() {
                            p.location.file = Some(file.to_string());
                        }
                        p
                    })
                    .collect(),
            ),
            other => other,
        }
    }

    /// The machine-readable code the UI and `--json` consumers receive.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Invalid(_) => ErrorCode::Validation,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::Cancelled(_) => ErrorCode::Cancelled,
            Error::NewerDatabase { .. } => ErrorCode::NewerDatabase,
            Error::NotADatabase { .. } => ErrorCode::NotADatabase,
            Error::Damaged { .. } => ErrorCode::Damaged,
            Error::Migration { .. } => ErrorCode::NotADatabase,
            Error::Busy { .. } => ErrorCode::Busy,
            Error::Database(e) if is_corrupt(e) => ErrorCode::Damaged,
            Error::Io { .. } => ErrorCode::Io,
            Error::Database(_) | Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Exit code of the CLI contract: 1 refused input, 3 internal error.
    pub fn exit_code(&self) -> i32 {
        match self.code() {
            ErrorCode::Internal => 3,
            _ => 1,
        }
    }

    pub fn to_payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.code(),
            message: self.to_string(),
            problems: match self {
                Error::Invalid(p) => p.clone(),
                _ => Vec::new(),
            },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
pub enum ErrorCode {
    Validation,
    NotFound,
    Conflict,
    Cancelled,
    NewerDatabase,
    NotADatabase,
    Damaged,
    Busy,
    Io,
    Internal,
}

fn database_message(e: &rusqlite::Error) -> String {
    if is_corrupt(e) {
        format!(
            "the database file is damaged ({e}); nothing more was written to it: restore it \
             from a backup"
        )
    } else {
        format!("database error: {e}")
    }
}

/// SQLite found the file damaged while reading it.
fn is_corrupt(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

/// What the UI and `--json` consumers receive for an error: `{code, message, problems}`.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ErrorPayload {
    pub code: ErrorCode,
    pub message: String,
    pub problems: Vec<Problem>,
}
