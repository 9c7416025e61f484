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
            e.name.chars().count() <= super::bid_file::MAX_NAME && e.email.chars().count() <= 254,
            &table,
            "name",
            "a name has at most 500 characters, an e-mail address at most 254",
            || {
                format!(
                    "{} characters",
                    e.name.chars().count().max(e.email.chars().count())
                )
            },
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
                public_key: None,
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

/// Reads a roster from a `.toml`, `.csv`, `.xlsx`, `.xlsm`, `.xls` or `.ods` file. Table
/// files have a header row naming the columns `name`, `email`, `organisation`, `country`,
/// `expertise` (tags separated by `;` or `,`) and optionally `parent_group`, in any order;
/// every problem names the sheet and cell (or the CSV line).
pub fn read(path: &std::path::Path) -> Result<Vec<(Evaluator, Vec<DeclaredConflict>)>> {
    let file = super::display_name(path);
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "toml" => parse(&file, &super::read_text(path)?),
        "csv" => {
            let text = super::read_text(path)?;
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let mut rows = Vec::new();
            for (i, rec) in rdr.records().enumerate() {
                let rec = rec.map_err(|e| {
                    crate::error::Error::invalid(
                        crate::error::Location::file(&file).with_cell(format!("line {}", i + 1)),
                        format!("unreadable CSV row: {e}"),
                        None,
                    )
                })?;
                rows.push(rec.iter().map(str::to_string).collect());
            }
            parse_rows(&file, None, rows)
        }
        "xlsx" | "xlsm" | "xls" | "ods" => {
            use calamine::{Reader, open_workbook_auto};
            let bad = |rule: String| {
                crate::error::Error::invalid(crate::error::Location::file(&file), rule, None)
            };
            let mut wb = open_workbook_auto(path)
                .map_err(|e| bad(format!("not a readable spreadsheet: {e}")))?;
            let sheet = wb
                .sheet_names()
                .first()
                .cloned()
                .ok_or_else(|| bad("the workbook has no sheet".into()))?;
            let range = wb
                .worksheet_range(&sheet)
                .map_err(|e| bad(format!("sheet {sheet} cannot be read: {e}")))?;
            // Rows as the user numbers them: calamine starts at the first used cell.
            let (r0, c0) = range.start().unwrap_or((0, 0));
            let mut rows: Vec<Vec<String>> = vec![Vec::new(); r0 as usize];
            for row in range.rows() {
                let mut cells = vec![String::new(); c0 as usize];
                cells.extend(row.iter().map(|c| match c {
                    calamine::Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
                    other => other.to_string(),
                }));
                rows.push(cells);
            }
            parse_rows(&file, Some(&sheet), rows)
        }
        _ => Err(crate::error::Error::invalid(
            crate::error::Location::file(&file),
            "a roster is a .toml, .csv, .xlsx, .xlsm, .xls or .ods file",
            Some(ext),
        )),
    }
}

/// The letters of a 0-based column index (0 → A, 26 → AA).
pub(crate) fn column_letters(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn parse_rows(
    file: &str,
    sheet: Option<&str>,
    rows: Vec<Vec<String>>,
) -> Result<Vec<(Evaluator, Vec<DeclaredConflict>)>> {
    use crate::error::{Error, Location, Problem};
    let at = |row: usize, col: Option<usize>, field: &str| {
        let mut l = Location::file(file).with_field(field);
        if let Some(s) = sheet {
            l = l.with_sheet(s);
        }
        match (sheet, col) {
            (Some(_), Some(c)) => l.with_cell(format!("{}{}", column_letters(c), row + 1)),
            _ => l.with_cell(format!("line {}", row + 1)),
        }
    };
    let Some(header_row) = rows
        .iter()
        .position(|r| r.iter().any(|c| !c.trim().is_empty()))
    else {
        return Err(Error::invalid(
            at(0, None, "header"),
            "the roster is empty",
            None,
        ));
    };
    let header: Vec<String> = rows[header_row]
        .iter()
        .map(|h| h.trim().to_lowercase().replace([' ', '-'], "_"))
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let required = ["name", "email", "organisation", "country"];
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|n| col(n).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(Error::invalid(
            at(header_row, None, "header"),
            format!(
                "the header row must name the columns name, email, organisation, country (expertise and parent_group are optional); missing: {}",
                missing.join(", ")
            ),
            Some(rows[header_row].join(", ")),
        ));
    }
    let countries = countries()?;
    let mut problems = Vec::new();
    let mut emails: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (r, row) in rows.iter().enumerate().skip(header_row + 1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let get = |name: &str| -> (Option<usize>, String) {
            let c = col(name);
            (
                c,
                c.and_then(|c| row.get(c))
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default(),
            )
        };
        let (nc, name) = get("name");
        let (ec, email_raw) = get("email");
        let (oc, organisation) = get("organisation");
        let (cc, country_raw) = get("country");
        let (_, expertise) = get("expertise");
        let (_, group) = get("parent_group");
        let email = email_raw.to_lowercase();
        let country = country_raw.to_uppercase();
        let mut bad = |c: Option<usize>, field: &str, rule: &str, found: &str| {
            problems.push(Problem {
                location: at(r, c, field),
                rule: rule.into(),
                found: (!found.is_empty()).then(|| found.to_string()),
            })
        };
        if name.is_empty() {
            bad(nc, "name", "the evaluator's name is required", "");
        }
        if !is_email(&email) {
            bad(
                ec,
                "email",
                "an e-mail address such as name@example.eu",
                &email_raw,
            );
        } else if let Some(first) = emails.insert(email.clone(), r) {
            bad(
                ec,
                "email",
                &format!(
                    "each evaluator's e-mail is unique (already on row {})",
                    first + 1
                ),
                &email_raw,
            );
        }
        if organisation.is_empty() {
            bad(
                oc,
                "organisation",
                "the evaluator's organisation is required",
                "",
            );
        }
        if countries.get(&country).is_none() {
            bad(
                cc,
                "country",
                "an ISO 3166 country code such as DE or FR",
                &country_raw,
            );
        }
        out.push((
            Evaluator {
                id: 0,
                name,
                email,
                organisation,
                country: CountryCode(country),
                expertise: expertise
                    .split([';', ','])
                    .map(|t| t.trim().to_lowercase())
                    .filter(|t| !t.is_empty())
                    .collect(),
                organisation_id: None,
                parent_group: (!group.is_empty()).then_some(group),
                public_key: None,
            },
            Vec::new(),
        ));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::Invalid(problems))
    }
}
