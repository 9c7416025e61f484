//! The evaluator roster as a TOML file (`sample-data/evaluators.toml`), with conflicts
//! the evaluators declared. Bids are named `CALL-CODE/ACRONYM`.

use super::{Problems, parse_toml};
use crate::countries::countries;
use crate::error::Result;
use crate::model::{ConflictKind, CountryCode, Evaluator};
use serde::Deserialize;
use std::collections::HashSet;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RosterFile {
    #[serde(default)]
    evaluator: Vec<EvaluatorFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvaluatorFile {
    name: String,
    email: String,
    organisation: String,
    country: String,
    #[serde(default)]
    expertise: Vec<String>,
    parent_group: Option<String>,
    #[serde(default)]
    conflict: Vec<ConflictFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConflictFile {
    bid: String,
    kind: ConflictKind,
    #[serde(default)]
    note: String,
}

/// A conflict as declared in a roster: the bid by reference, resolved on import.
#[derive(Clone, Debug, PartialEq)]
pub struct DeclaredConflict {
    pub call_code: String,
    pub acronym: String,
    pub kind: ConflictKind,
    pub note: String,
}

pub fn parse(file: &str, text: &str) -> Result<Vec<(Evaluator, Vec<DeclaredConflict>)>> {
    let f: RosterFile = parse_toml(file, text)?;
    let mut p = Problems::new(file);
    let countries = countries()?;
    let mut emails = HashSet::new();
    let mut out = Vec::new();
    for (i, e) in f.evaluator.iter().enumerate() {
        let table = format!("evaluator[{}]", i + 1);
        let email = e.email.trim().to_lowercase();
        p.check(
            !e.name.trim().is_empty(),
            &table,
            "name",
            "the evaluator's name is required",
            String::new,
        );
        p.check(
            is_email(&email),
            &table,
            "email",
            "an e-mail address such as name@example.eu",
            || e.email.clone(),
        );
        p.check(
            emails.insert(email.clone()),
            &table,
            "email",
            "each evaluator's e-mail is unique",
            || e.email.clone(),
        );
        let country = e.country.trim().to_uppercase();
        p.check(
            countries.get(&country).is_some(),
            &table,
            "country",
            "an ISO 3166 country code such as DE or FR",
            || e.country.clone(),
        );
        let mut conflicts = Vec::new();
        for (j, c) in e.conflict.iter().enumerate() {
            match c.bid.split_once('/') {
                Some((call, acronym)) if !call.is_empty() && !acronym.is_empty() => {
                    conflicts.push(DeclaredConflict {
                        call_code: call.trim().to_string(),
                        acronym: acronym.trim().to_string(),
                        kind: c.kind,
                        note: c.note.clone(),
                    })
                }
                _ => p.add(
                    &format!("{table}.conflict[{}]", j + 1),
                    "bid",
                    "a bid named CALL-CODE/ACRONYM",
                    Some(c.bid.clone()),
                ),
            }
        }
        out.push((
            Evaluator {
                id: 0,
                name: e.name.trim().to_string(),
                email,
                organisation: e.organisation.trim().to_string(),
                country: CountryCode(country),
                expertise: e.expertise.clone(),
                organisation_id: None,
                parent_group: e.parent_group.clone(),
            },
            conflicts,
        ));
    }
    p.finish(out)
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => !local.is_empty() && domain.contains('.') && !domain.contains('@'),
        None => false,
    }
}
