//! Files in: call templates, bid files, evaluator rosters, accelerator data. Each reader
//! turns a user's file into validated domain values or into the full list of problems,
//! each with its file, table or row, field and the rule it broke.

pub mod annotate;
pub mod benchmarks;
pub mod bid_file;
pub mod call_template;
pub mod hardware;
pub mod monitoring;
pub mod roster;
pub mod sheet;
pub mod workbook;
pub mod workbook_template;

use crate::error::{Error, Location, Problem, Result};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::de::DeserializeOwned;
use std::path::Path;

/// Reads a text file, naming it in the error.
pub fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

/// The file name shown in problems (not the full path, which says little to a user).
pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Parses TOML into `T`; a syntax or shape error becomes a problem with its line.
pub fn parse_toml<T: DeserializeOwned>(file: &str, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let mut location = Location::file(file);
        if let Some(span) = e.span() {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            location = location.with_cell(format!("line {line}"));
        }
        Error::Invalid(vec![Problem {
            location,
            rule: e.message().trim().to_string(),
            found: None,
        }])
    })
}

/// Collects problems while a file is checked, so that a user sees all of them at once.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    file: String,
    list: Vec<Problem>,
}

impl Problems {
    pub fn new(file: &str) -> Problems {
        Problems {
            file: file.to_string(),
            list: Vec::new(),
        }
    }

    pub fn at(&self, table: &str, field: &str) -> Location {
        Location::file(&self.file)
            .with_sheet(table)
            .with_field(field)
    }

    pub fn add(
        &mut self,
        table: &str,
        field: &str,
        rule: impl Into<String>,
        found: Option<String>,
    ) {
        self.list.push(Problem {
            location: self.at(table, field),
            rule: rule.into(),
            found,
        });
    }

    /// Adds a problem unless `ok`.
    pub fn check(
        &mut self,
        ok: bool,
        table: &str,
        field: &str,
        rule: &str,
        found: impl FnOnce() -> String,
    ) {
        if !ok {
            self.add(table, field, rule, Some(found()));
        }
    }

    pub fn finish<T>(self, value: T) -> Result<T> {
        if self.list.is_empty() {
            Ok(value)
        } else {
            Err(Error::Invalid(self.list))
        }
    }
}

/// A TOML local date (`2026-06-30`).
pub(crate) fn toml_date(d: &toml::value::Datetime) -> Option<NaiveDate> {
    if d.time.is_some() {
        return None;
    }
    let date = d.date?;
    NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())
}

/// A TOML offset date-time (`2026-06-22T15:59:00Z`), or a date read as midnight UTC.
pub(crate) fn toml_datetime(d: &toml::value::Datetime) -> Option<DateTime<Utc>> {
    let date = d.date?;
    let day = NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())?;
    let time = match d.time {
        Some(t) => NaiveTime::from_hms_nano_opt(
            t.hour.into(),
            t.minute.into(),
            t.second.into(),
            t.nanosecond,
        )?,
        None => NaiveTime::MIN,
    };
    let offset_minutes = match d.offset {
        None | Some(toml::value::Offset::Z) => 0,
        Some(toml::value::Offset::Custom { minutes }) => i32::from(minutes),
    };
    let offset = chrono::FixedOffset::east_opt(offset_minutes * 60)?;
    offset
        .from_local_datetime(&day.and_time(time))
        .single()
        .map(|t| t.with_timezone(&Utc))
}
