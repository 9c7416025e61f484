//! Texts of the PDF reports, from `templates/reports/{en,fr}.toml`: headings, boilerplate
//! and labels. Placeholders in braces (`{bid}`) are filled by the report.

use crate::error::{Error, Location, Result};
use std::collections::BTreeMap;

#[derive(Debug)]
pub struct Texts {
    pub lang: String,
    pub page: String,
    footer: String,
    footer_log: String,
    sections: BTreeMap<String, BTreeMap<String, String>>,
}

/// One section of the texts (`[esr]`, `[ranking]`…).
#[derive(Clone, Copy, Debug)]
pub struct Section<'a> {
    name: &'a str,
    map: Option<&'a BTreeMap<String, String>>,
}

impl Section<'_> {
    /// The text under `key`; a missing key shows as `section.key` so that it is noticed.
    pub fn get(&self, key: &str) -> String {
        self.map
            .and_then(|m| m.get(key))
            .cloned()
            .unwrap_or_else(|| format!("{}.{key}", self.name))
    }

    /// The text under `key` with its `{placeholders}` filled.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        let mut text = self.get(key);
        for (k, v) in values {
            text = text.replace(&format!("{{{k}}}"), v);
        }
        text
    }
}

impl Section<'_> {
    /// The two columns of an item/value table (`[common]` item and value), the value
    /// column `value_width` times as wide as the item column.
    pub fn facts_columns(
        &self,
        value_width: f32,
        value: super::pdf::Align,
    ) -> [super::pdf::Column; 2] {
        let mut v = super::pdf::Column::left(self.get("value"), value_width);
        v.align = value;
        [super::pdf::Column::left(self.get("item"), 1.0), v]
    }
}

impl Texts {
    pub fn load(lang: &str) -> Result<Texts> {
        let text = match lang {
            "en" => include_str!("../../templates/reports/en.toml"),
            "fr" => include_str!("../../templates/reports/fr.toml"),
            other => {
                return Err(Error::invalid(
                    Location::default().with_field("lang"),
                    "reports are written in en or fr",
                    Some(other.into()),
                ));
            }
        };
        let table: toml::Table = toml::from_str(text)
            .map_err(|e| Error::Internal(format!("report texts ({lang}): {e}")))?;
        let mut page = String::new();
        let mut footer = String::new();
        let mut footer_log = String::new();
        let mut sections = BTreeMap::new();
        for (key, value) in table {
            match value {
                toml::Value::String(s) if key == "page" => page = s,
                toml::Value::String(s) if key == "footer" => footer = s,
                toml::Value::String(s) if key == "footer_log" => footer_log = s,
                toml::Value::Table(t) => {
                    let map = t
                        .into_iter()
                        .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
                        .collect();
                    sections.insert(key, map);
                }
                _ => {}
            }
        }
        Ok(Texts {
            lang: lang.to_string(),
            page,
            footer,
            footer_log,
            sections,
        })
    }

    pub fn section<'a>(&'a self, name: &'a str) -> Section<'a> {
        Section {
            name,
            map: self.sections.get(name),
        }
    }

    /// The running header and footer of a report whose input data hash to `hash`, issued
    /// when the audit log ended at `head`.
    pub fn frame(
        &self,
        title: String,
        hash: &str,
        head: Option<&crate::store::audit::LogHead>,
    ) -> super::pdf::Frame {
        let log = head
            .map(|h| {
                self.footer_log
                    .replace("{seq}", &h.seq.to_string())
                    .replace("{loghash}", &h.hash[..h.hash.len().min(16)])
            })
            .unwrap_or_default();
        super::pdf::Frame {
            title,
            footer: self
                .footer
                .replace("{version}", env!("CARGO_PKG_VERSION"))
                .replace("{hash}", hash)
                .replace("{log}", &log),
            page_label: self.page.clone(),
        }
    }
}
