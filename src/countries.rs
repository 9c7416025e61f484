//! Countries and the groups eligibility rules name, from `templates/countries.toml`.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use ts_rs::TS;

const COUNTRIES_TOML: &str = include_str!("../templates/countries.toml");

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Country {
    pub code: String,
    pub en: String,
    pub fr: String,
    pub groups: Vec<String>,
}

#[derive(Debug)]
pub struct Countries {
    by_code: BTreeMap<String, Country>,
}

#[derive(Deserialize)]
struct CountriesFile {
    country: Vec<Country>,
}

impl Countries {
    pub fn parse(text: &str) -> Result<Countries> {
        let file: CountriesFile = toml::from_str(text)
            .map_err(|e| Error::Internal(format!("templates/countries.toml: {e}")))?;
        let mut by_code = BTreeMap::new();
        for c in file.country {
            if c.code.len() != 2 || c.code != c.code.to_uppercase() {
                return Err(Error::Internal(format!(
                    "templates/countries.toml: '{}' is not an ISO 3166-1 alpha-2 code",
                    c.code
                )));
            }
            by_code.insert(c.code.clone(), c);
        }
        Ok(Countries { by_code })
    }

    /// Every country, by code.
    pub fn iter(&self) -> impl Iterator<Item = &Country> {
        self.by_code.values()
    }

    pub fn get(&self, code: &str) -> Option<&Country> {
        self.by_code.get(code)
    }

    /// Whether `code` belongs to any of `groups`.
    pub fn in_any(&self, code: &str, groups: &[String]) -> bool {
        self.get(code)
            .is_some_and(|c| c.groups.iter().any(|g| groups.contains(g)))
    }

    pub fn group_exists(&self, group: &str) -> bool {
        self.by_code
            .values()
            .any(|c| c.groups.iter().any(|g| g == group))
    }

    pub fn all(&self) -> impl Iterator<Item = &Country> {
        self.by_code.values()
    }
}

/// The countries shipped with Gigafund.
pub fn countries() -> Result<&'static Countries> {
    static COUNTRIES: OnceLock<std::result::Result<Countries, String>> = OnceLock::new();
    COUNTRIES
        .get_or_init(|| Countries::parse(COUNTRIES_TOML).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| Error::Internal(e.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_has_the_27_member_states_and_the_eurohpc_group() -> Result<()> {
        let c = countries()?;
        let eu = c
            .all()
            .filter(|c| c.groups.iter().any(|g| g == "eu"))
            .count();
        assert_eq!(eu, 27, "the EU has 27 Member States");
        assert!(
            c.in_any("NO", &["eurohpc".into()]),
            "Norway takes part in EuroHPC"
        );
        assert!(
            !c.in_any("NO", &["eu".into()]),
            "Norway is not an EU Member State"
        );
        assert!(!c.in_any("GB", &["eu".into(), "eurohpc".into()]));
        Ok(())
    }
}
