//! Documents and charts. One chart function serves the UI (SVG) and the PDF reports
//! (bitmap); every report is a pure function of its input data, language and date, and
//! carries the SHA-256 of those inputs so that `report verify` can check it later.

pub mod charts;
pub mod derisking;
pub mod esr;
pub mod evaluation_charts;
pub mod finance_charts;
pub mod format;
pub mod monitoring;
pub mod pdf;
pub mod programme;
pub mod programme_charts;
pub mod ranking;
pub mod submission;
pub mod texts;

use crate::error::{Error, Result};
use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The data a report is made from. Generation and `report verify` both go through these
/// methods, so the kind, the key and the hash cannot drift apart.
pub trait ReportData: Serialize + Sized {
    /// `esr`, `ranking`, `submission`, `derisking`.
    const KIND: &'static str;
    /// What names the source in the keyword: `bid`, `call`, `scenario`.
    const KEY: &'static str;
    /// The source's id or code.
    fn source(&self) -> String;

    /// The SHA-256 of this data with the language and the date.
    fn input_hash(&self, lang: &str, date: NaiveDate) -> Result<String> {
        input_hash(Self::KIND, Self::KEY, self, lang, date)
    }

    /// The PDF keyword `report verify` reads back.
    fn keyword(
        &self,
        lang: &str,
        date: NaiveDate,
        hash: &str,
        head: Option<&crate::store::audit::LogHead>,
    ) -> String {
        let mut k = keyword(Self::KIND, Self::KEY, &self.source(), lang, date, hash);
        if let Some(h) = head {
            k.push_str(";log=");
            k.push_str(&h.to_keyword());
        }
        k
    }
}

impl ReportData for crate::store::scenarios::Scenario {
    const KIND: &'static str = "derisking";
    const KEY: &'static str = "scenario";
    fn source(&self) -> String {
        self.id.to_string()
    }
}

/// The SHA-256 of everything a report is made from: its kind, its data (under `key`), the
/// language, the date and the Gigafund version.
fn input_hash(
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
/// its input hash: `gigafund-report:esr;bid=12;lang=fr;date=2026-11-21;sha256=…`, then
/// the audit log's head when the report was issued (`;log=SEQ:HASH`).
fn keyword(report: &str, key: &str, id: &str, lang: &str, date: NaiveDate, hash: &str) -> String {
    format!("gigafund-report:{report};{key}={id};lang={lang};date={date};sha256={hash}")
}
