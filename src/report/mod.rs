//! Documents and charts. One chart function serves the UI (SVG) and the PDF reports
//! (bitmap); every report is a pure function of its input data, language and date, and
//! carries the SHA-256 of those inputs so that `report verify` can check it later.

pub mod charts;
pub mod derisking;
pub mod esr;
pub mod evaluation_charts;
pub mod finance_charts;
pub mod format;
pub mod pdf;
pub mod ranking;
pub mod submission;
pub mod texts;

use crate::error::{Error, Result};
use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The SHA-256 of everything a report is made from: its kind, its data (under `key`), the
/// language, the date and the Gigafund version.
pub fn input_hash(
    report: &str,
    key: &str,
    data: &impl Serialize,
    lang: &str,
    date: NaiveDate,
) -> Result<String> {
    let mut doc = serde_json::Map::new();
    doc.insert("report".into(), report.into());
    doc.insert(
        key.into(),
        serde_json::to_value(data).map_err(|e| Error::Internal(e.to_string()))?,
    );
    doc.insert("lang".into(), lang.into());
    doc.insert("date".into(), date.to_string().into());
    doc.insert("gigafund".into(), env!("CARGO_PKG_VERSION").into());
    let bytes = serde_json::to_vec(&doc).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(hex::encode(Sha256::digest(bytes)))
}

/// The keyword a report carries so that `report verify` can find its source and recompute
/// its input hash: `gigafund-report:esr;bid=12;lang=fr;date=2026-11-21;sha256=…`.
pub fn keyword(
    report: &str,
    key: &str,
    id: &str,
    lang: &str,
    date: NaiveDate,
    hash: &str,
) -> String {
    format!("gigafund-report:{report};{key}={id};lang={lang};date={date};sha256={hash}")
}
