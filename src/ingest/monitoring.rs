//! The monitoring workbook: generated for one award and year
//! (`gigafund monitoring template --award ID --year Y --out F.xlsx`) and read back by the
//! same code, so that the two never drift.
//!
//! Sheets: Instructions (the award and the year, then instructions in English and French),
//! Milestones (one row per milestone of the award, its baseline and forecast; the hosting
//! entity gives the date achieved and the evidence), Costs (costs incurred in the year by
//! kind and category), Indicators (one row per indicator, with the claim it is compared
//! with; the hosting entity gives the value), and a hidden Lists sheet for the drop-downs.
//! Header and reference cells are protected; input cells are unlocked and validated; named
//! ranges mark the cells the importer reads. The bytes are the same for the same award,
//! year and data.
//!
//! Reading is all-or-nothing: every problem names its file, sheet, cell, field and rule,
//! and any error refuses the report.

use super::sheet::{
    At, Book, Cells, Limits, Parser, Severity, Value, fatal_finding, normalise, open_book,
    sheet_name, size,
};
use super::workbook::Finding;
use super::workbook_template::{
    CAPEX, OPEX, Put, ROWS, Styles, column_letter, decimal, list, put, styles,
};
use crate::error::{Error, Result};
use crate::model::Eur;
use crate::programme::monitoring::{KPIS, KpiValue, kpi};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format, Formula, Workbook,
    XlsxError,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use ts_rs::TS;

/// The sheets, in order, as the importer looks for them.
pub const SHEETS: [&str; 4] = ["Instructions", "Milestones", "Costs", "Indicators"];
/// The Instructions sheet's report cells (label in A, value in B, rows 3–7).
pub const REPORT: [&str; 5] = ["award", "year", "host", "programme", "report_due"];
pub const MILESTONES: [&str; 6] = [
    "milestone",
    "name",
    "baseline",
    "forecast",
    "achieved_on",
    "evidence",
];
pub const COSTS: [&str; 4] = ["kind", "category", "description", "amount_eur"];
pub const INDICATORS: [&str; 5] = ["kpi", "indicator", "unit", "claim", "value"];
const COST_KINDS: [&str; 2] = ["capex", "opex"];

fn xlsx(e: XlsxError) -> Error {
    Error::Internal(format!("monitoring workbook: {e}"))
}

/// One milestone of the award as the workbook shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct MilestoneRow {
    pub code: String,
    pub name: String,
    pub baseline: NaiveDate,
    pub forecast: NaiveDate,
    /// Achieved (as recorded), with its evidence.
    pub actual: Option<(NaiveDate, String)>,
    /// Milestones that must be achieved first.
    pub after: Vec<String>,
}

/// What the workbook is generated for and checked against.
#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    pub acronym: String,
    pub host: String,
    pub programme: String,
    /// The first year a report may be made for (the year of selection).
    pub first_year: i32,
    pub today: NaiveDate,
    pub report_due: (u32, u32),
    pub milestones: Vec<MilestoneRow>,
    /// The claim of each indicator, shown beside its input cell.
    pub claims: BTreeMap<String, f64>,
}

/// The template for one award and year.
pub fn template(e: &Expect, year: i32) -> Result<Vec<u8>> {
    let st = styles();
    let mut wb = Workbook::new();
    let date = ExcelDateTime::from_ymd(2026, 1, 1).map_err(xlsx)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("Monitoring report {year} — {}", e.acronym))
            .set_author("Gigafund")
            .set_creation_datetime(&date),
    );
    let locked_date = Format::new().set_num_format("yyyy-mm-dd");

    let ws = wb.add_worksheet();
    ws.set_name(SHEETS[0]).map_err(xlsx)?;
    ws.set_column_width(0, 30).map_err(xlsx)?;
    ws.set_column_width(1, 70).map_err(xlsx)?;
    ws.write_string_with_format(
        0,
        0,
        format!("Gigafund monitoring report — {} — {year}", e.acronym),
        &st.title,
    )
    .map_err(xlsx)?;
    ws.write_string(1, 0, &e.programme).map_err(xlsx)?;
    let due = format!("{}-{:02}-{:02}", year + 1, e.report_due.0, e.report_due.1);
    for (i, key) in REPORT.iter().enumerate() {
        let r = 2 + i as u32;
        ws.write_string_with_format(r, 0, *key, &st.header)
            .map_err(xlsx)?;
        match *key {
            "award" => ws.write_string(r, 1, &e.acronym),
            "year" => ws.write_number(r, 1, f64::from(year)),
            "host" => ws.write_string(r, 1, &e.host),
            "programme" => ws.write_string(r, 1, &e.programme),
            _ => ws.write_string(r, 1, &due),
        }
        .map_err(xlsx)?;
    }
    let lines = [
        "How to fill this report".to_string(),
        format!(
            "1. This report covers {year} and is due by {due}. Fill the yellow cells; the blue headers and the reference cells are protected. Keep the sheet names and the column headers: Gigafund reads them."
        ),
        "2. Milestones: for each milestone achieved, give the date it was achieved and the evidence (the document's reference). A milestone is achieved no earlier than the milestones it follows; dates already recorded stay as they are.".into(),
        "3. Costs: the costs incurred in the year, one line per kind (capex or opex) and category, in whole euros.".into(),
        "4. Indicators: the value for the year beside the claim it is compared with. Shares as fractions (0.95 = 95 %). Leave a value empty when it cannot be reported yet.".into(),
        "5. Send the workbook back to the programme office; it is checked cell by cell and refused as a whole if a cell breaks a rule.".into(),
        "Comment remplir ce rapport".to_string(),
        format!(
            "1. Ce rapport couvre {year} et doit être remis au plus tard le {due}. Remplissez les cellules jaunes ; les en-têtes bleus et les cellules de référence sont protégés. Ne renommez ni les feuilles ni les colonnes : Gigafund les lit."
        ),
        "2. Jalons : pour chaque jalon atteint, indiquez la date et la preuve (la référence du document). Un jalon n’est pas atteint avant les jalons qui le précèdent ; les dates déjà enregistrées restent telles quelles.".into(),
        "3. Coûts : les coûts engagés dans l’année, une ligne par nature (capex ou opex) et catégorie, en euros entiers.".into(),
        "4. Indicateurs : la valeur de l’année à côté de l’engagement auquel elle est comparée. Parts en fractions (0,95 = 95 %). Laissez vide une valeur qui ne peut pas encore être déclarée.".into(),
        "5. Renvoyez le classeur au bureau du programme ; il est vérifié cellule par cellule et refusé en bloc si une cellule enfreint une règle.".into(),
    ];
    for (i, l) in lines.iter().enumerate() {
        let r = 9 + i as u32;
        if i == 0 || i == 6 {
            ws.write_string_with_format(r, 0, l, &st.title)
                .map_err(xlsx)?;
        } else {
            ws.merge_range(r, 0, r, 1, l, &st.text).map_err(xlsx)?;
            ws.set_row_height(r, 30).map_err(xlsx)?;
        }
    }
    ws.protect();

    // Lists for the drop-downs (hidden).
    let mut categories: Vec<&str> = CAPEX.iter().chain(OPEX.iter()).copied().collect();
    categories.sort_unstable();
    categories.dedup();
    let codes: Vec<&str> = e.milestones.iter().map(|m| m.code.as_str()).collect();
    let lists: [(&str, Vec<&str>); 3] = [
        ("kind", COST_KINDS.to_vec()),
        ("category", categories),
        ("milestone", codes),
    ];
    let mut ranges = BTreeMap::new();
    {
        let ls = wb.add_worksheet();
        ls.set_name("Lists").map_err(xlsx)?;
        for (c, (name, values)) in lists.iter().enumerate() {
            let c = c as u16;
            ls.write_string(0, c, *name).map_err(xlsx)?;
            for (r, v) in values.iter().enumerate() {
                ls.write_string(r as u32 + 1, c, *v).map_err(xlsx)?;
            }
            let col = column_letter(c);
            ranges.insert(
                *name,
                format!("=Lists!${col}$2:${col}${}", values.len().max(1) + 1),
            );
        }
        ls.set_hidden(true);
        ls.protect();
    }

    let ws = wb.add_worksheet();
    ws.set_name(SHEETS[1]).map_err(xlsx)?;
    headers(ws, &MILESTONES, &[14.0, 36.0, 12.0, 12.0, 14.0, 50.0], &st)?;
    for (i, m) in e.milestones.iter().enumerate() {
        let r = 1 + i as u32;
        ws.write_string(r, 0, &m.code).map_err(xlsx)?;
        ws.write_string(r, 1, &m.name).map_err(xlsx)?;
        put(ws, r, 2, Put::Date(m.baseline), &locked_date)?;
        put(ws, r, 3, Put::Date(m.forecast), &locked_date)?;
        match &m.actual {
            Some((d, ev)) => {
                put(ws, r, 4, Put::Date(*d), &st.date)?;
                put(ws, r, 5, Put::Text(ev), &st.input)?;
            }
            None => {
                ws.write_blank(r, 4, &st.date).map_err(xlsx)?;
                ws.write_blank(r, 5, &st.input).map_err(xlsx)?;
            }
        }
    }
    let last = e.milestones.len().max(1) as u32;
    ws.add_data_validation(
        1,
        4,
        last,
        4,
        &DataValidation::new()
            .allow_date(DataValidationRule::Between(
                ExcelDateTime::from_ymd(2000, 1, 1).map_err(xlsx)?,
                ExcelDateTime::from_ymd(2100, 12, 31).map_err(xlsx)?,
            ))
            .set_error_title("Gigafund")
            .map_err(xlsx)?
            .set_error_message("A date, such as 2027-04-01.")
            .map_err(xlsx)?,
    )
    .map_err(xlsx)?;
    ws.set_freeze_panes(1, 0).map_err(xlsx)?;
    ws.protect();

    let ws = wb.add_worksheet();
    ws.set_name(SHEETS[2]).map_err(xlsx)?;
    headers(ws, &COSTS, &[10.0, 22.0, 44.0, 18.0], &st)?;
    for r in 1..=ROWS {
        ws.write_blank(r, 0, &st.input).map_err(xlsx)?;
        ws.write_blank(r, 1, &st.input).map_err(xlsx)?;
        ws.write_blank(r, 2, &st.input).map_err(xlsx)?;
        ws.write_blank(r, 3, &st.money).map_err(xlsx)?;
    }
    ws.add_data_validation(1, 0, ROWS, 0, &list(&ranges["kind"], "capex or opex")?)
        .map_err(xlsx)?;
    ws.add_data_validation(1, 1, ROWS, 1, &list(&ranges["category"], "a category")?)
        .map_err(xlsx)?;
    ws.add_data_validation(
        1,
        3,
        ROWS,
        3,
        &decimal(0.0, 1e13, "An amount in euros, not negative.")?,
    )
    .map_err(xlsx)?;
    ws.write_string_with_format(0, 5, "total_eur", &st.header)
        .map_err(xlsx)?;
    ws.write_formula_with_format(
        1,
        5,
        Formula::new(format!("=SUM(D2:D{})", ROWS + 1)),
        &st.total,
    )
    .map_err(xlsx)?;
    ws.set_column_width(5, 18).map_err(xlsx)?;
    ws.set_freeze_panes(1, 0).map_err(xlsx)?;
    ws.protect();

    let ws = wb.add_worksheet();
    ws.set_name(SHEETS[3]).map_err(xlsx)?;
    headers(ws, &INDICATORS, &[24.0, 40.0, 22.0, 14.0, 14.0], &st)?;
    let claim_share = Format::new().set_num_format("0.0%");
    let claim_number = Format::new().set_num_format("#,##0.00");
    for (i, k) in KPIS.iter().enumerate() {
        let r = 1 + i as u32;
        ws.write_string(r, 0, k.key).map_err(xlsx)?;
        ws.write_string(r, 1, k.name_in("en")).map_err(xlsx)?;
        ws.write_string(r, 2, k.unit_in("en")).map_err(xlsx)?;
        if let Some(c) = e.claims.get(k.key) {
            let f = if matches!(k.value, KpiValue::Share) {
                &claim_share
            } else {
                &claim_number
            };
            ws.write_number_with_format(r, 3, *c, f).map_err(xlsx)?;
        }
        let (f, dv) = match k.value {
            KpiValue::Share => (
                &st.share,
                decimal(0.0, 1.0, "A share between 0 % and 100 % (0.95 = 95 %).")?,
            ),
            KpiValue::Whole { max } => (
                &st.money,
                DataValidation::new()
                    .allow_whole_number(DataValidationRule::Between(0, max as i32))
                    .set_error_title("Gigafund")
                    .map_err(xlsx)?
                    .set_error_message("A whole number, not negative.")
                    .map_err(xlsx)?,
            ),
            KpiValue::Decimal { lo, hi } => (
                &st.decimal,
                decimal(lo, hi, &format!("A number from {lo} to {hi}."))?,
            ),
        };
        ws.write_blank(r, 4, f).map_err(xlsx)?;
        ws.add_data_validation(r, 4, r, 4, &dv).map_err(xlsx)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx)?;
    ws.protect();

    for (i, key) in REPORT.iter().enumerate() {
        wb.define_name(
            format!("report_{key}"),
            &format!("=Instructions!$B${}", 3 + i),
        )
        .map_err(xlsx)?;
    }
    wb.define_name(
        "indicator_values",
        &format!("=Indicators!$E$2:$E${}", KPIS.len() + 1),
    )
    .map_err(xlsx)?;
    wb.define_name("costs_total", "=Costs!$F$2").map_err(xlsx)?;
    wb.save_to_buffer().map_err(xlsx)
}

fn headers(
    ws: &mut rust_xlsxwriter::Worksheet,
    names: &[&str],
    widths: &[f64],
    st: &Styles,
) -> Result<()> {
    for (c, h) in names.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, *h, &st.header)
            .map_err(xlsx)?;
        ws.set_column_width(c, widths.get(usize::from(c)).copied().unwrap_or(16.0))
            .map_err(xlsx)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Reading

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ReportedMilestone {
    pub code: String,
    pub achieved_on: NaiveDate,
    pub evidence: String,
    /// The date was already recorded (the report repeats it).
    pub recorded: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ReportedCost {
    pub kind: String,
    pub category: String,
    pub description: String,
    pub amount: Eur,
}

/// What a report gives, once every check passed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ReportData {
    pub acronym: String,
    pub year: i32,
    pub milestones: Vec<ReportedMilestone>,
    pub costs: Vec<ReportedCost>,
    pub kpis: BTreeMap<String, f64>,
}

/// What a monitoring workbook gave: the report (absent when a sheet or the identity could
/// not be read) and every finding.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct MonitoringRead {
    pub file: String,
    pub format: String,
    pub report: Option<ReportData>,
    pub findings: Vec<Finding>,
    pub sha256: String,
}

impl MonitoringRead {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    /// The report when no finding is an error; otherwise every error as [`Error::Invalid`].
    pub fn into_report(self) -> Result<ReportData> {
        match self.report {
            Some(r) if self.errors() == 0 => Ok(r),
            _ => Err(Error::Invalid(
                self.findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .map(Finding::to_problem)
                    .collect(),
            )),
        }
    }
}

/// Reads a monitoring workbook from memory. A failure of the reader on content nobody
/// foresaw is a refusal of the file, never a crash.
pub fn read_bytes(file: &str, bytes: &[u8], e: &Expect) -> MonitoringRead {
    let limits = Limits::default();
    let sha256 = hex::encode(Sha256::digest(bytes));
    let refused = |format: &str, finding: Finding| MonitoringRead {
        file: file.to_string(),
        format: format.to_string(),
        report: None,
        findings: vec![finding],
        sha256: sha256.clone(),
    };
    if bytes.len() as u64 > limits.file_bytes {
        return refused(
            "unknown",
            fatal_finding(
                file,
                format!("a workbook is at most {}", size(limits.file_bytes)),
                Some(size(bytes.len() as u64)),
            ),
        );
    }
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        match open_book(file, bytes, limits) {
            (format, Err(f)) => (format, Err(f)),
            (format, Ok(book)) => (format, Ok(parse(file, &book, e))),
        }
    }));
    match read {
        Ok((format, Err(f))) => refused(format, f),
        Ok((format, Ok((report, findings)))) => MonitoringRead {
            file: file.to_string(),
            format: format.to_string(),
            report,
            findings,
            sha256,
        },
        Err(_) => refused(
            "unknown",
            fatal_finding(
                file,
                "the workbook cannot be read (its content is damaged or not what a spreadsheet program writes): save it again from your spreadsheet program",
                None,
            ),
        ),
    }
}

fn parse(file: &str, book: &Book, e: &Expect) -> (Option<ReportData>, Vec<Finding>) {
    let mut p = Parser::new(file, book, &SHEETS, &[]);
    if p.sheets.len() < SHEETS.len() {
        return (None, p.f.list);
    }

    // The report's identity.
    let labelled = p.labelled(SHEETS[0], &REPORT[..2]);
    let instructions = sheet_name(book, SHEETS[0]);
    let at = |key: &str| {
        labelled.get(key).map(|(r, v)| {
            (
                At {
                    sheet: instructions.clone(),
                    row: *r,
                    col: 1,
                    field: key.to_string(),
                },
                v.clone(),
            )
        })
    };
    let mut acronym = None;
    let mut year = None;
    if let Some((a, v)) = at("award") {
        let mut c = Cells { f: &mut p.f };
        if let Some(s) = c.text(&a, &v, true) {
            if s == e.acronym {
                acronym = Some(s);
            } else {
                p.f.error(
                    &a,
                    format!(
                        "the report is for award {}: this workbook was made for another award",
                        e.acronym
                    ),
                    Some(format!("'{s}'")),
                );
            }
        }
    }
    if let Some((a, v)) = at("year") {
        let last = e.today.year();
        let mut c = Cells { f: &mut p.f };
        year = c
            .whole(
                &a,
                &v,
                i64::from(e.first_year),
                i64::from(last),
                &format!(
                    "a report's year is from the award's selection ({}) to this year ({last})",
                    e.first_year
                ),
            )
            .map(|y| y as i32);
    }

    let milestones = year.map_or_else(Vec::new, |y| read_milestones(&mut p, e, y));
    let costs = read_costs(&mut p);
    let kpis = read_indicators(&mut p);
    let report = match (acronym, year) {
        (Some(acronym), Some(year)) => Some(ReportData {
            acronym,
            year,
            milestones,
            costs,
            kpis,
        }),
        _ => None,
    };
    (report, p.f.list)
}

fn read_milestones(p: &mut Parser<'_>, e: &Expect, year: i32) -> Vec<ReportedMilestone> {
    let Some(t) = p.table(
        SHEETS[1],
        &MILESTONES,
        &["milestone", "achieved_on", "evidence"],
    ) else {
        return Vec::new();
    };
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(e.today);
    let mut seen: HashMap<String, u32> = HashMap::new();
    // (code, date, row) of what the workbook says, read first; the order is checked after.
    let mut read: Vec<(String, NaiveDate, String, u32)> = Vec::new();
    let rows: Vec<u32> = t.rows().collect();
    for row in rows {
        let at = t.at(row, "milestone");
        let mut c = Cells { f: &mut p.f };
        let Some(code) = c.text(&at, t.value(row, "milestone"), true) else {
            continue;
        };
        let Some(m) = e.milestones.iter().find(|m| m.code == code) else {
            let codes: Vec<&str> = e.milestones.iter().map(|m| m.code.as_str()).collect();
            p.f.error(
                &at,
                format!("a milestone of the award: {}", codes.join(", ")),
                Some(format!("'{code}'")),
            );
            continue;
        };
        if let Some(first) = seen.insert(code.clone(), row) {
            p.f.error(
                &at,
                format!("each milestone appears once (also in row {})", first + 1),
                Some(format!("'{code}'")),
            );
            continue;
        }
        let date_v = t.value(row, "achieved_on").clone();
        let evidence_v = t.value(row, "evidence").clone();
        if date_v == Value::Empty {
            if evidence_v != Value::Empty {
                p.f.error(
                    &t.at(row, "achieved_on"),
                    "evidence is given for a milestone achieved: give the date it was achieved",
                    None,
                );
            }
            continue;
        }
        let date_at = t.at(row, "achieved_on");
        let mut c = Cells { f: &mut p.f };
        let Some(date) = c.date(&date_at, &date_v) else {
            continue;
        };
        let Some(evidence) = c.text(&t.at(row, "evidence"), &evidence_v, true) else {
            continue;
        };
        if date > e.today {
            p.f.error(
                &date_at,
                "a milestone is achieved today or earlier",
                Some(date.to_string()),
            );
            continue;
        }
        if date > year_end {
            p.f.error(
                &date_at,
                format!("a report for {year} gives milestones achieved by the end of {year}"),
                Some(date.to_string()),
            );
            continue;
        }
        if let Some((recorded, _)) = &m.actual
            && *recorded != date
        {
            p.f.error(
                &date_at,
                format!(
                    "{} was recorded as achieved on {recorded}: a recorded date is changed by the programme office, not by a report",
                    m.code
                ),
                Some(date.to_string()),
            );
            continue;
        }
        read.push((code, date, evidence, row));
    }
    // The order the rules set: a milestone is achieved no earlier than those it follows.
    let date_of = |code: &str| {
        read.iter()
            .find(|(c, ..)| c == code)
            .map(|(_, d, ..)| *d)
            .or_else(|| {
                e.milestones
                    .iter()
                    .find(|m| m.code == code)
                    .and_then(|m| m.actual.as_ref().map(|(d, _)| *d))
            })
    };
    let mut out = Vec::new();
    let mut refused = false;
    for (code, date, evidence, row) in &read {
        let m = e.milestones.iter().find(|m| &m.code == code);
        for prev in m.map(|m| m.after.as_slice()).unwrap_or_default() {
            match date_of(prev) {
                None => {
                    p.f.error(
                        &t.at(*row, "achieved_on"),
                        format!(
                            "{code} follows {prev}, which is not achieved: a milestone is achieved after those it follows"
                        ),
                        Some(date.to_string()),
                    );
                    refused = true;
                }
                Some(d) if d > *date => {
                    p.f.error(
                        &t.at(*row, "achieved_on"),
                        format!(
                            "{code} follows {prev}, achieved on {d}: a milestone's date is not before the milestones it follows"
                        ),
                        Some(date.to_string()),
                    );
                    refused = true;
                }
                Some(_) => {}
            }
        }
        out.push(ReportedMilestone {
            code: code.clone(),
            achieved_on: *date,
            evidence: evidence.clone(),
            recorded: m.is_some_and(|m| m.actual.is_some()),
        });
    }
    if refused {
        return Vec::new();
    }
    out
}

fn read_costs(p: &mut Parser<'_>) -> Vec<ReportedCost> {
    let Some(t) = p.table(SHEETS[2], &COSTS, &["kind", "category", "amount_eur"]) else {
        return Vec::new();
    };
    let rows: Vec<u32> = t.rows().collect();
    let mut out = Vec::new();
    for row in rows {
        let mut c = Cells { f: &mut p.f };
        let kind = c.text(&t.at(row, "kind"), t.value(row, "kind"), true);
        let category = c.text(&t.at(row, "category"), t.value(row, "category"), true);
        let description = c.text(
            &t.at(row, "description"),
            t.value(row, "description"),
            false,
        );
        let amount = c.amount(&t.at(row, "amount_eur"), t.value(row, "amount_eur"), true);
        let (Some(kind), Some(category), Some(description), Some(amount)) =
            (kind, category, description, amount)
        else {
            continue;
        };
        let kind = normalise(&kind);
        let category = normalise(&category);
        let allowed: &[&str] = match kind.as_str() {
            "capex" => &CAPEX,
            "opex" => &OPEX,
            _ => {
                p.f.error(
                    &t.at(row, "kind"),
                    "one of: capex, opex",
                    Some(format!("'{kind}'")),
                );
                continue;
            }
        };
        if !allowed.contains(&category.as_str()) {
            p.f.error(
                &t.at(row, "category"),
                format!("a category of {kind}: {}", allowed.join(", ")),
                Some(format!("'{category}'")),
            );
            continue;
        }
        out.push(ReportedCost {
            kind,
            category,
            description,
            amount,
        });
    }
    out
}

fn read_indicators(p: &mut Parser<'_>) -> BTreeMap<String, f64> {
    let Some(t) = p.table(SHEETS[3], &INDICATORS, &["kpi", "value"]) else {
        return BTreeMap::new();
    };
    let rows: Vec<u32> = t.rows().collect();
    let mut out = BTreeMap::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for row in rows {
        let at = t.at(row, "kpi");
        let mut c = Cells { f: &mut p.f };
        let Some(key) = c.text(&at, t.value(row, "kpi"), true) else {
            continue;
        };
        let key = normalise(&key);
        let Some(k) = kpi(&key) else {
            let keys: Vec<&str> = KPIS.iter().map(|k| k.key).collect();
            p.f.error(
                &at,
                format!("an indicator of the report: {}", keys.join(", ")),
                Some(format!("'{key}'")),
            );
            continue;
        };
        if let Some(first) = seen.insert(key.clone(), row) {
            p.f.error(
                &at,
                format!("each indicator appears once (also in row {})", first + 1),
                Some(format!("'{key}'")),
            );
            continue;
        }
        let v = t.value(row, "value");
        if *v == Value::Empty {
            continue;
        }
        let mut vat = t.at(row, "value");
        vat.field = key.clone();
        let mut c = Cells { f: &mut p.f };
        let value = match k.value {
            KpiValue::Share => c.share(&vat, v),
            KpiValue::Whole { max } => c
                .whole(
                    &vat,
                    v,
                    0,
                    max as i64,
                    &format!("{} is a whole number from 0 to {max}", k.name_in("en")),
                )
                .map(|n| n as f64),
            KpiValue::Decimal { lo, hi } => c.ranged(
                &vat,
                v,
                lo,
                hi,
                &format!("{} is a number from {lo} to {hi}", k.name_in("en")),
            ),
        };
        if let Some(v) = value {
            out.insert(key, v);
        }
    }
    out
}
