//! The submission summary an applicant joins to their submission package: the bid as
//! Gigafund validated it (consortium, sites, hardware, capex and opex by year, financing
//! plan) with the call's eligibility rules applied, so that the applicant, the programme
//! office and the evaluators read the same figures.

use super::ReportData;
use super::esr::role;
use super::format::{eur_m, number};
use super::pdf::{Align, Column, Doc};
use super::texts::Texts;
use crate::countries::Countries;
use crate::eligibility::{self, RuleOutcome};
use crate::error::Result;
use crate::model::{Bid, Call, CapexCategory};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// Everything the summary shows: its SHA-256 is the report's input hash.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SubmissionData {
    pub call_code: String,
    pub call_title: String,
    pub programme: String,
    pub deadline: NaiveDate,
    pub bid: Bid,
    pub eligibility: Vec<RuleOutcome>,
    /// Country names (code → (English, French)) of the members and sites.
    pub countries: BTreeMap<String, (String, String)>,
}

pub fn data(call: &Call, bid: &Bid, countries: &Countries) -> SubmissionData {
    let mut names = BTreeMap::new();
    let codes = bid
        .consortium
        .members
        .iter()
        .map(|m| &m.organisation.country.0)
        .chain(bid.sites.iter().map(|s| &s.country.0));
    for code in codes {
        if let Some(c) = countries.get(code) {
            names.insert(code.clone(), (c.en.clone(), c.fr.clone()));
        }
    }
    SubmissionData {
        call_code: call.code.clone(),
        call_title: call.title.clone(),
        programme: call.programme.clone(),
        deadline: call.deadline,
        eligibility: eligibility::check(call, bid, countries),
        bid: bid.clone(),
        countries: names,
    }
}

/// Capex in IT (hardware, network, storage, software) and facility (the rest).
fn is_it(c: CapexCategory) -> bool {
    matches!(
        c,
        CapexCategory::ItHardware
            | CapexCategory::Network
            | CapexCategory::Storage
            | CapexCategory::Software
    )
}

/// The summary as PDF bytes.
pub fn render(
    d: &SubmissionData,
    lang: &str,
    date: NaiveDate,
    head: Option<&crate::store::audit::LogHead>,
) -> Result<Vec<u8>> {
    let hash = &d.input_hash(lang, date)?;
    let texts = Texts::load(lang)?;
    let t = texts.section("submission");
    let e = texts.section("esr");
    let c = texts.section("common");
    let b = &d.bid;
    let eur = |v: f64| eur_m(v, lang);
    let country = |code: &str| {
        d.countries.get(code).map_or_else(
            || code.to_string(),
            |(en, fr)| if lang == "fr" { fr.clone() } else { en.clone() },
        )
    };
    let mut doc = Doc::new()?;
    let title = t.get("title");
    doc.title(
        &title,
        &t.fill(
            "subtitle",
            &[
                ("acronym", &b.acronym),
                ("version", &b.version.to_string()),
                ("call", &d.call_code),
                ("date", &date.to_string()),
            ],
        ),
    );
    doc.paragraph(&t.get("intro"));
    doc.heading(&e.get("proposal"));
    let rows = vec![
        vec![e.get("call"), format!("{} — {}", d.call_code, d.call_title)],
        vec![e.get("programme"), d.programme.clone()],
        vec![t.get("deadline"), d.deadline.to_string()],
        vec![e.get("acronym"), b.acronym.clone()],
        vec![e.get("bid_title"), b.title.clone()],
        vec![e.get("consortium"), b.consortium.name.clone()],
        vec![t.get("scope"), b.scope.join(", ")],
        vec![e.get("requested_eu"), eur(b.requested_eu.as_euros_f64())],
        vec![
            e.get("requested_member_state"),
            eur(b.requested_member_state.as_euros_f64()),
        ],
    ];
    doc.table(&c.facts_columns(2.31, Align::Left), &rows);

    doc.heading(&e.get("members"));
    let rows: Vec<Vec<String>> = b
        .consortium
        .members
        .iter()
        .map(|m| {
            vec![
                m.organisation.name.clone(),
                country(&m.organisation.country.0),
                role(&c, m.role),
                m.organisation.email_domain.clone(),
                m.organisation.parent_group.clone().unwrap_or_default(),
            ]
        })
        .collect();
    doc.table(
        &[
            Column::left(e.get("member"), 2.0),
            Column::left(e.get("country"), 1.1),
            Column::left(e.get("role"), 1.0),
            Column::left(t.get("domain"), 1.5),
            Column::left(t.get("parent"), 0.9),
        ],
        &rows,
    );

    doc.heading(&t.get("sites"));
    let rows: Vec<Vec<String>> = b
        .sites
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                format!("{}, {}", s.region, country(&s.country.0)),
                number(s.it_mw, 1, lang),
                number(s.pue, 2, lang),
                number(s.wue, 2, lang),
                format!("{} %", number(s.renewable_share * 100.0, 0, lang)),
                s.grid_connection.to_string(),
                s.go_live.to_string(),
            ]
        })
        .collect();
    doc.table(
        &[
            Column::left(t.get("site"), 1.1),
            Column::left(t.get("region"), 1.4),
            Column::right(t.get("it_mw"), 0.6),
            Column::right("PUE", 0.5),
            Column::right("WUE", 0.5),
            Column::right(t.get("renewable"), 1.05),
            Column::right(t.get("grid"), 1.0),
            Column::right(t.get("go_live"), 1.0),
        ],
        &rows,
    );

    doc.heading(&t.get("hardware"));
    let rows: Vec<Vec<String>> = b
        .hardware
        .iter()
        .map(|h| {
            vec![
                h.generation.to_string(),
                h.accelerator.clone(),
                number(h.count as f64, 0, lang),
            ]
        })
        .collect();
    doc.table(
        &[
            Column::right(t.get("generation"), 0.8),
            Column::left(t.get("accelerator"), 2.0),
            Column::right(t.get("count"), 1.0),
        ],
        &rows,
    );

    doc.heading(&t.get("costs"));
    let mut years: BTreeMap<i32, [f64; 4]> = BTreeMap::new();
    for l in &b.capex {
        let slot = if is_it(l.category) { 0 } else { 1 };
        years.entry(l.year).or_default()[slot] += l.amount.as_euros_f64();
    }
    for l in &b.opex {
        let slot = if l.category == crate::model::OpexCategory::Electricity {
            2
        } else {
            3
        };
        years.entry(l.year).or_default()[slot] += l.amount.as_euros_f64();
    }
    let mut totals = [0.0; 4];
    let mut rows: Vec<Vec<String>> = years
        .iter()
        .map(|(y, v)| {
            for (t, x) in totals.iter_mut().zip(v) {
                *t += x;
            }
            let mut row = vec![y.to_string()];
            row.extend(v.iter().map(|x| eur(*x)));
            row.push(eur(v.iter().sum()));
            row
        })
        .collect();
    let mut total_row = vec![t.get("total")];
    total_row.extend(totals.iter().map(|x| eur(*x)));
    total_row.push(eur(totals.iter().sum()));
    rows.push(total_row);
    doc.table(
        &[
            Column::left(t.get("year"), 0.7),
            Column::right(t.get("capex_it"), 1.1),
            Column::right(t.get("capex_facility"), 1.1),
            Column::right(t.get("opex_electricity"), 1.1),
            Column::right(t.get("opex_other"), 1.1),
            Column::right(t.get("total"), 1.1),
        ],
        &rows,
    );

    doc.heading(&t.get("financing"));
    let f = &b.financing;
    let capex = b.capex_total().as_euros_f64();
    let total = f.total().as_euros_f64();
    let share = |v: f64| {
        if total > 0.0 {
            format!("{} %", number(v / total * 100.0, 1, lang))
        } else {
            "—".into()
        }
    };
    let rows: Vec<Vec<String>> = [
        (t.get("eu_grant"), f.eu_grant.as_euros_f64()),
        (t.get("ms_grant"), f.member_state_grant.as_euros_f64()),
        (t.get("senior_debt"), f.senior_debt.as_euros_f64()),
        (t.get("equity"), f.equity.as_euros_f64()),
        (t.get("total"), total),
    ]
    .into_iter()
    .map(|(k, v)| vec![k, eur(v), share(v)])
    .chain(std::iter::once(vec![
        t.get("guarantee"),
        eur(f.guarantee_amount.as_euros_f64()),
        t.get(&format!("guarantee_{}", serde_plain(&f.guarantee_kind))),
    ]))
    .collect();
    doc.table(
        &[
            Column::left(c.get("item"), 2.0),
            Column::right(t.get("amount"), 1.2),
            Column::right(t.get("share"), 1.0),
        ],
        &rows,
    );
    let gap = total - capex;
    doc.paragraph(&if gap.abs() < 0.5 {
        t.fill("balanced", &[("capex", &eur(capex))])
    } else {
        t.fill(
            "unbalanced",
            &[
                ("capex", &eur(capex)),
                ("financing", &eur(total)),
                ("gap", &eur(gap)),
            ],
        )
    });

    doc.heading(&t.get("eligibility"));
    let rows: Vec<Vec<String>> = d
        .eligibility
        .iter()
        .map(|r| {
            vec![
                format!("{} — {}", r.code, r.description),
                if r.passed {
                    t.get("met")
                } else {
                    t.get("not_met")
                },
                r.detail.clone(),
            ]
        })
        .collect();
    doc.table(
        &[
            Column::left(t.get("rule"), 2.4),
            Column::left(e.get("result"), 0.7),
            Column::left(t.get("detail"), 2.2),
        ],
        &rows,
    );
    let failed = d.eligibility.iter().filter(|r| !r.passed).count();
    doc.paragraph(&if failed == 0 {
        t.get("eligible")
    } else {
        t.fill("ineligible", &[("n", &failed.to_string())])
    });
    doc.note(&t.get("integrity"));

    let frame = texts.frame(
        format!("{title} · {} · {}", d.call_code, b.acronym),
        hash,
        head,
    );
    let key = d.keyword(lang, date, hash, head);
    doc.finish(&frame, &format!("{title} — {}", b.acronym), vec![key])
}

/// A unit enum's serde name (`first_loss`).
fn serde_plain<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

impl ReportData for SubmissionData {
    const KIND: &'static str = "submission";
    const KEY: &'static str = "bid";
    fn source(&self) -> String {
        self.bid.id.to_string()
    }
}
