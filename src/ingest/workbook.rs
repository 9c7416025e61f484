//! The applicant workbook reader: an .xlsx, .xlsm, .xls or .ods file filled from the
//! template of [`super::workbook_template`] becomes a [`Bid`] and a list of findings, each
//! with its file, sheet, cell and field, the rule it broke and what was found.
//!
//! The reader is tolerant where a spreadsheet program or a person is likely to differ from
//! the template — sheet and header names in another case or with trailing spaces, columns
//! in another order, empty rows between lines, numbers and ISO dates typed as text (a
//! warning), dates stored as serial numbers, date cells or ISO text — and strict about the
//! values themselves. Formulas are read through their cached values; totals are never
//! trusted but recomputed from the lines.
//!
//! Before any spreadsheet parser runs, the file's size and, for the zip formats, the bytes
//! each part really unpacks to are bounded ([`Limits`]), so a zip bomb or a huge sheet is
//! refused with the limit it broke instead of exhausting memory. Worksheets of .xlsx and
//! .xlsm files are streamed cell by cell with a bound on cells.

use super::bid_file::check_bid;
use super::sheet::{
    At, Book, Cells, Findings, Parser, Table, Value, fatal_finding, open_book, sheet_name, shown,
};
pub use super::sheet::{
    Finding, Limits, Severity, Stage, cell_ref, iso_date, parse_cell_ref, size,
};
use super::workbook_template::{
    CAPEX, CONSORTIUM, COSTS, FINANCING, GUARANTEES, HARDWARE, KINDS, MILESTONES, OPEX, PROPOSAL,
    ROLES, SHEETS, SITES,
};
use super::{Problems, display_name};
use crate::countries::countries;
use crate::error::{Error, Location, Result};
use crate::model::{
    Bid, BidStatus, CapexCategory, Consortium, CostLine, CountryCode, DeclaredAccelerator, Eur,
    FinancingPlan, GuaranteeKind, HardwareLine, Member, MemberRole, Milestone, OpexCategory,
    Organisation, OrganisationKind, Site,
};
use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use ts_rs::TS;

/// What a workbook gave: the bid as read (absent when the file could not be read as a
/// workbook at all), the accelerators described as "other", and every finding.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct WorkbookRead {
    pub file: String,
    /// `xlsx`, `xlsm`, `xls` or `ods`.
    pub format: String,
    pub bid: Option<Bid>,
    pub other_accelerators: Vec<DeclaredAccelerator>,
    pub findings: Vec<Finding>,
    /// SHA-256 of the file's bytes (empty when the file was too large to be read).
    pub sha256: String,
}

impl WorkbookRead {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    /// The bid when no finding is an error; otherwise every error as [`Error::Invalid`].
    pub fn into_bid(self) -> Result<Bid> {
        match self.bid {
            Some(bid) if self.findings.iter().all(|f| f.severity != Severity::Error) => Ok(bid),
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

/// Reads the workbook at `path`. `known` are the accelerator keys the drop-down offers;
/// `call` the call the applicant says they apply to, when known.
pub fn read(path: &Path, known: &HashSet<String>, call: Option<&str>) -> Result<WorkbookRead> {
    let file = display_name(path);
    let limits = Limits::default();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() > limits.file_bytes {
        return Ok(fatal(
            &file,
            "unknown",
            format!("a workbook is at most {}", size(limits.file_bytes)),
            Some(size(meta.len())),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok(read_bytes(&file, &bytes, known, call, limits))
}

/// Reads a workbook from memory (the app's drag-and-drop uses this). A failure of the
/// reader on content nobody foresaw is a refusal of the file, never a crash.
pub fn read_bytes(
    file: &str,
    bytes: &[u8],
    known: &HashSet<String>,
    call: Option<&str>,
    limits: Limits,
) -> WorkbookRead {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_bytes_unguarded(file, bytes, known, call, limits)
    }))
    .unwrap_or_else(|_| {
        let mut read = fatal(
            file,
            "unknown",
            "the workbook cannot be read (its content is damaged or not what a spreadsheet program writes): save it again from your spreadsheet program",
            None,
        );
        read.sha256 = hex::encode(Sha256::digest(bytes));
        read
    })
}

/// [`read_bytes`] without the guard: what the fuzz target and the corpus test call, so
/// that a panic shows as the bug it is.
#[doc(hidden)]
pub fn read_bytes_unguarded(
    file: &str,
    bytes: &[u8],
    known: &HashSet<String>,
    call: Option<&str>,
    limits: Limits,
) -> WorkbookRead {
    if bytes.len() as u64 > limits.file_bytes {
        return fatal(
            file,
            "unknown",
            format!("a workbook is at most {}", size(limits.file_bytes)),
            Some(size(bytes.len() as u64)),
        );
    }
    let mut read = match open_book(file, bytes, limits) {
        (format, Err(refusal)) => WorkbookRead {
            findings: vec![refusal],
            ..fatal(file, format, "", None)
        },
        (format, Ok(book)) => parse(file, format, &book, known, call),
    };
    read.sha256 = hex::encode(Sha256::digest(bytes));
    read
}

fn fatal(file: &str, format: &str, rule: impl Into<String>, found: Option<String>) -> WorkbookRead {
    WorkbookRead {
        file: file.to_string(),
        format: format.to_string(),
        bid: None,
        other_accelerators: Vec::new(),
        findings: vec![fatal_finding(file, rule, found)],
        sha256: String::new(),
    }
}

fn parse(
    file: &str,
    format: &str,
    book: &Book,
    known: &HashSet<String>,
    call: Option<&str>,
) -> WorkbookRead {
    let mut p = Parser::new(file, book, &SHEETS, &["Milestones"]);

    let countries = match countries() {
        Ok(c) => c,
        Err(e) => return fatal(file, format, e.to_string(), None),
    };
    let mut bid = Bid {
        id: 0,
        call_code: String::new(),
        consortium: Consortium {
            id: 0,
            name: String::new(),
            members: Vec::new(),
        },
        acronym: String::new(),
        title: String::new(),
        status: BidStatus::Draft,
        version: 1,
        submitted_at: None,
        scope: Vec::new(),
        sites: Vec::new(),
        hardware: Vec::new(),
        requested_eu: Eur::ZERO,
        requested_member_state: Eur::ZERO,
        capex: Vec::new(),
        opex: Vec::new(),
        financing: FinancingPlan {
            eu_grant: Eur::ZERO,
            member_state_grant: Eur::ZERO,
            senior_debt: Eur::ZERO,
            equity: Eur::ZERO,
            guarantee_kind: GuaranteeKind::None,
            guarantee_amount: Eur::ZERO,
        },
        milestones: Vec::new(),
    };
    // Where each value of the bid was read, to place cross-field rules on cells.
    let mut places = Places::default();

    // Proposal (Instructions sheet).
    let proposal = p.labelled("Instructions", &PROPOSAL);
    let instructions = p.sheet("Instructions").map(|s| s.name.clone());
    if let Some(sheet) = &instructions {
        for key in PROPOSAL {
            let Some((row, v)) = proposal.get(key) else {
                continue;
            };
            let at = At {
                sheet: sheet.clone(),
                row: *row,
                col: 1,
                field: key.to_string(),
            };
            places.put("bid", key, &at);
            let mut c = Cells { f: &mut p.f };
            match key {
                "call" => {
                    if let Some(code) = c.text(&at, v, true) {
                        if let Some(expected) = call
                            && code != expected
                        {
                            c.f.error(
                                    &at,
                                    format!("the workbook is for call {code}, not for {expected}: use the template of {expected}"),
                                    Some(code.clone()),
                                );
                        }
                        bid.call_code = code;
                    }
                }
                "acronym" => bid.acronym = c.text(&at, v, true).unwrap_or_default(),
                "title" => bid.title = c.text(&at, v, true).unwrap_or_default(),
                "consortium" => bid.consortium.name = c.text(&at, v, true).unwrap_or_default(),
                "scope" => {
                    bid.scope = c
                        .text(&at, v, false)
                        .unwrap_or_default()
                        .split([',', ';', '\n'])
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                }
                "requested_eu_eur" => bid.requested_eu = c.amount(&at, v, true).unwrap_or_default(),
                "requested_member_state_eur" => {
                    bid.requested_member_state = c.amount(&at, v, false).unwrap_or_default()
                }
                _ => {}
            }
        }
    }

    // Consortium.
    if let Some(t) = p.table("Consortium", &CONSORTIUM, &CONSORTIUM[..5]) {
        for row in t.rows() {
            let mut c = Cells { f: &mut p.f };
            let i = bid.consortium.members.len() + 1;
            let table = format!("consortium.member[{i}]");
            for field in CONSORTIUM {
                places.put(&table, field, &t.at(row, field));
            }
            let name = c.text(&t.at(row, "name"), t.value(row, "name"), true);
            let country = country(
                &mut c,
                &t.at(row, "country"),
                t.value(row, "country"),
                countries,
            );
            let kind: Option<OrganisationKind> =
                c.choice(&t.at(row, "kind"), t.value(row, "kind"), &KINDS);
            let role: Option<MemberRole> =
                c.choice(&t.at(row, "role"), t.value(row, "role"), &ROLES);
            let domain = c.text(
                &t.at(row, "email_domain"),
                t.value(row, "email_domain"),
                true,
            );
            let group = c.text(
                &t.at(row, "parent_group"),
                t.value(row, "parent_group"),
                false,
            );
            bid.consortium.members.push(Member {
                organisation: Organisation {
                    id: 0,
                    name: name.unwrap_or_default(),
                    country: country.unwrap_or_else(|| CountryCode("??".into())),
                    kind: kind.unwrap_or(OrganisationKind::Research),
                    email_domain: domain.unwrap_or_default().to_lowercase(),
                    parent_group: group.filter(|g| !g.is_empty()),
                },
                role: role.unwrap_or(MemberRole::Partner),
            });
        }
        places.put_first("consortium", "member", &t, "name");
        places.put_first("consortium", "role", &t, "role");
    }

    // Sites.
    if let Some(t) = p.table("Site & Energy", &SITES, &SITES) {
        for row in t.rows() {
            let mut c = Cells { f: &mut p.f };
            let table = format!("site[{}]", bid.sites.len() + 1);
            for field in SITES {
                places.put(&table, field, &t.at(row, field));
            }
            let name = c.text(&t.at(row, "name"), t.value(row, "name"), true);
            let country = country(
                &mut c,
                &t.at(row, "country"),
                t.value(row, "country"),
                countries,
            );
            let region = c.text(&t.at(row, "region"), t.value(row, "region"), true);
            let it_mw = c.ranged(
                &t.at(row, "it_mw"),
                t.value(row, "it_mw"),
                f64::MIN_POSITIVE,
                10_000.0,
                "IT power is a positive number of MW (at most 10,000)",
            );
            let pue = c.ranged(
                &t.at(row, "pue"),
                t.value(row, "pue"),
                1.0,
                3.0,
                "PUE must be between 1.0 and 3.0",
            );
            let wue = c.ranged(
                &t.at(row, "wue"),
                t.value(row, "wue"),
                0.0,
                10.0,
                "WUE must be between 0 and 10 L/kWh",
            );
            let renewable = c.share(
                &t.at(row, "renewable_share"),
                t.value(row, "renewable_share"),
            );
            let grid = c.date(
                &t.at(row, "grid_connection"),
                t.value(row, "grid_connection"),
            );
            let live = c.date(&t.at(row, "go_live"), t.value(row, "go_live"));
            bid.sites.push(Site {
                name: name.unwrap_or_default(),
                country: country.unwrap_or_else(|| CountryCode("??".into())),
                region: region.unwrap_or_default(),
                it_mw: it_mw.unwrap_or(1.0),
                pue: pue.unwrap_or(1.0),
                wue: wue.unwrap_or(0.0),
                renewable_share: renewable.unwrap_or(0.0),
                grid_connection: grid.unwrap_or_default(),
                go_live: live.or(grid).unwrap_or_default(),
            });
        }
        places.put_first("site", "name", &t, "name");
    }

    // Hardware.
    let mut others = Vec::new();
    let mut known_here = known.clone();
    if let Some(t) = p.table("Hardware", &HARDWARE, &HARDWARE[..3]) {
        let mut seen: HashMap<(u32, String), String> = HashMap::new();
        for row in t.rows() {
            let mut c = Cells { f: &mut p.f };
            let table = format!("hardware[{}]", bid.hardware.len() + 1);
            for field in HARDWARE {
                places.put(&table, field, &t.at(row, field));
            }
            let generation = c.whole(
                &t.at(row, "generation"),
                t.value(row, "generation"),
                1,
                20,
                "a generation is a whole number from 1 (the initial installation) to 20",
            );
            let count = c.whole(
                &t.at(row, "count"),
                t.value(row, "count"),
                1,
                10_000_000,
                "a count of accelerators is a whole number from 1",
            );
            let at = t.at(row, "accelerator");
            let mut accelerator = c.text(&at, t.value(row, "accelerator"), true);
            if let Some(a) = accelerator.clone() {
                if a.eq_ignore_ascii_case("other") {
                    accelerator = other(&mut c, &t, row).map(|o| {
                        known_here.insert(o.name.clone());
                        c.f.warning(
                            &t.at(row, "other_name"),
                            "an accelerator not in Gigafund's list: compute per euro cannot be measured from benchmark runs for it",
                            Some(o.name.clone()),
                        );
                        let name = o.name.clone();
                        others.push(o);
                        name
                    });
                } else if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(&a)) {
                    accelerator = Some(k.clone());
                } else {
                    c.f.error(
                        &at,
                        "an accelerator from the list, or \"other\" with its name and specifications",
                        Some(shown(t.value(row, "accelerator"))),
                    );
                    accelerator = None;
                }
            }
            if let (Some(g), Some(a)) = (generation, &accelerator) {
                let key = (g as u32, a.clone());
                if let Some(first) = seen.get(&key) {
                    c.f.error(
                        &at,
                        "an accelerator appears once per generation: add the counts on one row",
                        Some(format!("{a} in generation {g}, as on row {first}")),
                    );
                } else {
                    seen.insert(key, (row + 1).to_string());
                }
            }
            bid.hardware.push(HardwareLine {
                generation: generation.unwrap_or(1) as u32,
                accelerator: accelerator.unwrap_or_default(),
                count: count.unwrap_or(1) as u64,
            });
        }
        places.put_first("hardware", "accelerator", &t, "accelerator");
    }

    // Capex and opex.
    if let Some(t) = p.table("Capex", &COSTS, &["year", "category", "amount_eur"]) {
        bid.capex = cost_lines::<CapexCategory>(&mut p.f, &t, &CAPEX);
        places.put_first("capex", "amount_eur", &t, "amount_eur");
    }
    if let Some(t) = p.table("Opex", &COSTS, &["year", "category", "amount_eur"]) {
        bid.opex = cost_lines::<OpexCategory>(&mut p.f, &t, &OPEX);
    }

    // Financing.
    let financing = p.labelled("Financing", &FINANCING);
    if let Some(sheet) = p.sheet("Financing").map(|s| s.name.clone()) {
        let mut c = Cells { f: &mut p.f };
        for key in FINANCING {
            let Some((row, v)) = financing.get(key) else {
                continue;
            };
            let at = At {
                sheet: sheet.clone(),
                row: *row,
                col: 1,
                field: key.to_string(),
            };
            places.put("financing", &format!("{key}_eur"), &at);
            let plan = &mut bid.financing;
            match key {
                "eu_grant" => plan.eu_grant = c.amount(&at, v, false).unwrap_or_default(),
                "member_state_grant" => {
                    plan.member_state_grant = c.amount(&at, v, false).unwrap_or_default()
                }
                "senior_debt" => plan.senior_debt = c.amount(&at, v, false).unwrap_or_default(),
                "equity" => plan.equity = c.amount(&at, v, false).unwrap_or_default(),
                "guarantee_kind" => {
                    plan.guarantee_kind = if *v == Value::Empty {
                        GuaranteeKind::None
                    } else {
                        c.choice(&at, v, &GUARANTEES).unwrap_or(GuaranteeKind::None)
                    }
                }
                "guarantee_amount" => {
                    places.put("financing", "guarantee_eur", &at);
                    plan.guarantee_amount = c.amount(&at, v, false).unwrap_or_default()
                }
                _ => {}
            }
        }
        // The balance is placed on the financing total's cell (B9 in the template).
        let total_row = financing.get("equity").map(|(r, _)| r + 4).unwrap_or(8);
        places.put(
            "financing",
            "total",
            &At {
                sheet: sheet.clone(),
                row: total_row,
                col: 1,
                field: "financing_total".into(),
            },
        );
        if bid.financing.guarantee_kind == GuaranteeKind::None
            && bid.financing.guarantee_amount > Eur::ZERO
            && let Some((row, _)) = financing.get("guarantee_amount")
        {
            c.f.error(
                &At {
                    sheet: sheet.clone(),
                    row: *row,
                    col: 1,
                    field: "guarantee_amount".into(),
                },
                "a guarantee amount needs a guarantee kind (pari_passu or first_loss)",
                Some(bid.financing.guarantee_amount.to_string()),
            );
        }
    }

    // Milestones.
    if p.sheet("Milestones").is_some()
        && let Some(t) = p.table("Milestones", &MILESTONES, &MILESTONES[..2])
    {
        let mut previous: Option<NaiveDate> = None;
        for row in t.rows() {
            let mut c = Cells { f: &mut p.f };
            let name = c.text(&t.at(row, "milestone"), t.value(row, "milestone"), true);
            let date = c.date(&t.at(row, "date"), t.value(row, "date"));
            let description = c.text(
                &t.at(row, "description"),
                t.value(row, "description"),
                false,
            );
            if let (Some(before), Some(d)) = (previous, date)
                && d < before
            {
                // The order is the applicant's; a plan out of order is only noted.
                c.f.warning(
                    &t.at(row, "date"),
                    "milestones are listed in date order",
                    Some(format!("{d} after {before}")),
                );
            }
            previous = date.or(previous);
            if let (Some(name), Some(date)) = (name, date) {
                bid.milestones.push(Milestone {
                    name,
                    date,
                    description: description.unwrap_or_default(),
                });
            }
        }
    }

    // The rules every bid meets, placed on the cells they concern. A rule over several
    // values is left out when one of its sheets already has an error: it would only echo
    // that error through the placeholder read in its place.
    let mut sheets_with_errors: HashSet<String> =
        p.f.flagged.iter().map(|(s, _)| s.clone()).collect();
    for name in SHEETS {
        if !p.sheets.contains_key(name) {
            sheets_with_errors.insert(name.to_string());
        }
    }
    let depends_on = |table: &str| -> Vec<&'static str> {
        match table.split(['[', '.']).next().unwrap_or("") {
            "financing" => vec!["Financing", "Capex", "Instructions"],
            "bid" => vec!["Instructions"],
            "capex" => vec!["Capex"],
            "site" => vec!["Site & Energy"],
            "hardware" => vec!["Hardware"],
            "consortium" => vec!["Consortium"],
            _ => Vec::new(),
        }
    };
    let mut rules = Problems::new(file);
    if check_bid(&mut rules, &bid, &known_here).is_ok()
        && let Err(Error::Invalid(list)) = rules.finish(())
    {
        for problem in list {
            let table = problem.location.sheet.clone().unwrap_or_default();
            if depends_on(&table)
                .iter()
                .any(|s| sheets_with_errors.contains(&sheet_name(book, s)))
            {
                continue;
            }
            let (sheet, cell, field) = places.locate(&problem.location);
            if let Some(c) = &cell
                && p.f.flagged.contains(&(sheet.clone(), c.clone()))
            {
                continue;
            }
            p.f.add(
                Severity::Error,
                &sheet,
                cell,
                field.as_deref(),
                problem.rule,
                problem.found,
            );
        }
    }

    WorkbookRead {
        file: file.to_string(),
        format: format.to_string(),
        bid: Some(bid),
        other_accelerators: others,
        findings: p.f.list,
        sha256: String::new(),
    }
}

fn country(
    c: &mut Cells<'_>,
    at: &At,
    v: &Value,
    countries: &crate::countries::Countries,
) -> Option<CountryCode> {
    let s = c.text(at, v, true)?;
    let code = s.trim().to_uppercase();
    if countries.get(&code).is_some() {
        return Some(CountryCode(code));
    }
    // A country's name instead of its code.
    if let Some(found) = countries
        .iter()
        .find(|k| k.en.eq_ignore_ascii_case(s.trim()) || k.fr.eq_ignore_ascii_case(s.trim()))
    {
        c.f.warning(
            at,
            "a country's name was read as its code: choose the code from the list",
            Some(format!("'{s}' → {}", found.code)),
        );
        return Some(CountryCode(found.code.clone()));
    }
    c.f.error(
        at,
        "an ISO 3166 country code from the list, such as DE or FR",
        Some(shown(v)),
    );
    None
}

fn other(c: &mut Cells<'_>, t: &Table<'_>, row: u32) -> Option<DeclaredAccelerator> {
    let name = c.text(&t.at(row, "other_name"), t.value(row, "other_name"), true);
    let mut spec = |field: &'static str, hi: f64, rule: &str| {
        c.ranged(
            &t.at(row, field),
            t.value(row, field),
            f64::MIN_POSITIVE,
            hi,
            rule,
        )
    };
    let fp8 = spec(
        "other_fp8_tflops",
        1e6,
        "the FP8 TFLOP/s of an \"other\" accelerator, a positive number",
    );
    let bf16 = spec(
        "other_bf16_tflops",
        1e6,
        "the BF16 TFLOP/s of an \"other\" accelerator, a positive number",
    );
    let tdp = spec(
        "other_tdp_w",
        1e5,
        "the power (TDP) in watts of an \"other\" accelerator, a positive number",
    );
    Some(DeclaredAccelerator {
        name: name?,
        fp8_tflops: fp8?,
        bf16_tflops: bf16?,
        tdp_w: tdp?,
    })
}

fn cost_lines<C: serde::de::DeserializeOwned + Copy>(
    f: &mut Findings,
    t: &Table<'_>,
    names: &[&str],
) -> Vec<CostLine<C>> {
    let mut out = Vec::new();
    // The categories decoded once, not per line.
    let known: HashMap<&str, C> = names
        .iter()
        .filter_map(|n| {
            serde_json::from_value::<C>(serde_json::Value::String((*n).to_string()))
                .ok()
                .map(|c| (*n, c))
        })
        .collect();
    let mut c = Cells { f };
    for row in t.rows() {
        let year = c.whole(
            &t.at(row, "year"),
            t.value(row, "year"),
            2000,
            2100,
            "a year from 2000 to 2100",
        );
        let category: Option<C> = match t.value(row, "category") {
            Value::Text(s) if known.contains_key(s.as_str()) => known.get(s.as_str()).copied(),
            v => c.choice(&t.at(row, "category"), v, names),
        };
        let description = c
            .text(
                &t.at(row, "description"),
                t.value(row, "description"),
                false,
            )
            .unwrap_or_default();
        let amount = c.amount(&t.at(row, "amount_eur"), t.value(row, "amount_eur"), true);
        if let (Some(year), Some(category), Some(amount)) = (year, category, amount) {
            out.push(CostLine {
                year: year as i32,
                category,
                description,
                amount,
            });
        }
    }
    out
}

/// Where the values of the bid were read: (table, field) of [`check_bid`]'s problems to
/// a sheet and cell.
#[derive(Default)]
struct Places {
    map: HashMap<(String, String), (String, String)>,
}

impl Places {
    fn put(&mut self, table: &str, field: &str, at: &At) {
        self.map.insert(
            (table.to_string(), field.to_string()),
            (at.sheet.clone(), at.cell()),
        );
    }

    fn put_first(&mut self, table: &str, field: &str, t: &Table<'_>, column: &'static str) {
        let row = t.rows().next().unwrap_or(t.header_row + 1);
        self.put(table, field, &t.at(row, column));
    }

    fn locate(&self, l: &Location) -> (String, Option<String>, Option<String>) {
        let table = l.sheet.clone().unwrap_or_default();
        let field = l.field.clone().unwrap_or_default();
        match self.map.get(&(table.clone(), field.clone())) {
            Some((sheet, cell)) => (sheet.clone(), Some(cell.clone()), Some(field)),
            None => (table, None, Some(field)),
        }
    }
}
