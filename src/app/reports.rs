//! PDF reports: generation and verification against the database.

use crate::error::{Error, Location, Result};
use crate::report::derisking;
use crate::store::{Store, scenarios};
use chrono::NaiveDate;
use serde::Serialize;
use std::path::Path;
use ts_rs::TS;

/// The de-risking report of a saved scenario.
pub fn derisking_report(
    store: &Store,
    scenario_id: i64,
    lang: &str,
    date: NaiveDate,
) -> Result<Vec<u8>> {
    let s = scenarios::get(store.conn(), scenario_id)?;
    derisking::derisking(&s, lang, date)
}

/// What `report verify` found.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ReportCheck {
    pub file: String,
    pub report: String,
    pub source: String,
    pub lang: String,
    pub date: String,
    pub recorded_sha256: String,
    pub current_sha256: Option<String>,
    pub matches: bool,
    pub message: String,
}

fn not_ours(file: &str) -> Error {
    Error::invalid(
        Location::file(file),
        "is not a Gigafund report (it carries no gigafund-report keyword)",
        None,
    )
}

/// Reads the report's keyword and recomputes its input hash from the database.
pub fn verify_report(store: &Store, path: &Path) -> Result<ReportCheck> {
    let file = crate::ingest::display_name(path);
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if !bytes.starts_with(b"%PDF") {
        return Err(Error::invalid(
            Location::file(&file),
            "is not a PDF file",
            None,
        ));
    }
    let keyword = keywords(&bytes)
        .into_iter()
        .find_map(|k| k.strip_prefix("gigafund-report:").map(str::to_string))
        .ok_or_else(|| not_ours(&file))?;
    let mut parts = keyword.split(';');
    let report = parts.next().unwrap_or_default().to_string();
    let fields: std::collections::BTreeMap<&str, &str> =
        parts.filter_map(|p| p.split_once('=')).collect();
    let field = |k: &str| {
        fields
            .get(k)
            .map(|v| v.to_string())
            .ok_or_else(|| not_ours(&file))
    };
    let recorded = field("sha256")?;
    let lang = field("lang")?;
    let date_text = field("date")?;
    let date = NaiveDate::parse_from_str(&date_text, "%Y-%m-%d").map_err(|_| not_ours(&file))?;
    match report.as_str() {
        "derisking" => {
            let id: i64 = field("scenario")?.parse().map_err(|_| not_ours(&file))?;
            let source = format!("scenario {id}");
            let current = match scenarios::get(store.conn(), id) {
                Ok(s) => Some(derisking::input_hash(&s, &lang, date)?),
                Err(Error::NotFound { .. }) => None,
                Err(e) => return Err(e),
            };
            let matches = current.as_deref() == Some(recorded.as_str());
            let message = match &current {
                None => format!(
                    "{file}: {source} is not in this database; the report cannot be checked"
                ),
                Some(_) if matches => format!("{file} matches {source} in this database"),
                Some(_) => format!(
                    "{file} no longer matches {source}: the data it was made from has changed (or the report was edited)"
                ),
            };
            Ok(ReportCheck {
                file,
                report,
                source,
                lang,
                date: date_text,
                recorded_sha256: recorded,
                current_sha256: current,
                matches,
                message,
            })
        }
        _ => Err(not_ours(&file)),
    }
}

/// The document's /Keywords, as a literal `(…)` or a UTF-16 hex `<FEFF…>` string.
fn keywords(bytes: &[u8]) -> Vec<String> {
    let key = b"/Keywords";
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = bytes[from..].windows(key.len()).position(|w| w == key) {
        let mut j = from + i + key.len();
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        match bytes.get(j) {
            Some(b'<') => {
                let end = bytes[j..]
                    .iter()
                    .position(|b| *b == b'>')
                    .map_or(bytes.len(), |e| j + e);
                let hex: String = String::from_utf8_lossy(&bytes[j + 1..end])
                    .chars()
                    .filter(|c| c.is_ascii_hexdigit())
                    .collect();
                let units: Vec<u16> = hex
                    .as_bytes()
                    .chunks(4)
                    .filter_map(|c| u16::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok())
                    .collect();
                let units = units.strip_prefix(&[0xFEFF]).unwrap_or(&units);
                out.push(String::from_utf16_lossy(units));
            }
            Some(b'(') => {
                let end = bytes[j..]
                    .iter()
                    .position(|b| *b == b')')
                    .map_or(bytes.len(), |e| j + e);
                out.push(String::from_utf8_lossy(&bytes[j + 1..end]).to_string());
            }
            _ => {}
        }
        from = j.max(from + i + 1);
    }
    out
}
