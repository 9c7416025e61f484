//! The monitoring sections of the programme reports: the KPI scorecard, the Union's
//! access ledger and the contingent liabilities of the portfolio report; one award's
//! indicators against claims and its delivered against claimed compute per euro in the
//! award sheet.

use super::format::{eur_m, number};
use super::pdf::{Column, Doc};
use super::programme::source_name;
use super::texts::Section;
use crate::app::monitoring::{MonitoringView, PortfolioMonitoring};
use crate::programme::monitoring::{Liabilities, Rag, ScoreRow};

fn pct(v: f64, lang: &str) -> String {
    format!("{} %", number(v * 100.0, 1, lang))
}

fn opt_pct(v: Option<f64>, lang: &str) -> String {
    v.map_or_else(|| "—".into(), |v| pct(v, lang))
}

fn colour(t: &Section<'_>, r: Option<Rag>, note: &Option<String>) -> String {
    match r {
        Some(Rag::Green) => t.get("rag_green"),
        Some(Rag::Amber) => t.get("rag_amber"),
        Some(Rag::Red) => t.get("rag_red"),
        None => note.clone().unwrap_or_else(|| "—".into()),
    }
}

fn value(row: &ScoreRow, v: Option<f64>, lang: &str) -> String {
    match v {
        None => "—".into(),
        Some(v) if row.share => pct(v, lang),
        Some(v) if row.kpi == "pue" => number(v, 2, lang),
        Some(v) if v.fract() == 0.0 || v.abs() >= 1000.0 => {
            format!("{} {}", number(v, 0, lang), row.unit)
        }
        Some(v) => format!("{} {}", number(v, 1, lang), row.unit),
    }
    .trim()
    .to_string()
}

/// The portfolio's KPI scorecard and access ledger.
pub fn portfolio_sections(doc: &mut Doc, t: &Section<'_>, m: &PortfolioMonitoring, lang: &str) {
    doc.heading(&t.get("scorecard"));
    doc.paragraph(&t.get("scorecard_intro"));
    let rows: Vec<Vec<String>> = m
        .scores
        .iter()
        .map(|s| {
            let (year, g, a, r, names) = match &s.report {
                None => ("—".to_string(), 0, 0, 0, t.get("no_report")),
                Some(v) => {
                    let count = |c: Rag| v.rows.iter().filter(|x| x.rag == Some(c)).count();
                    let names: Vec<String> = v
                        .rows
                        .iter()
                        .filter(|x| matches!(x.rag, Some(Rag::Red | Rag::Amber)))
                        .map(|x| format!("{} ({})", x.name, colour(t, x.rag, &None).to_lowercase()))
                        .collect();
                    (
                        format!("{} v{}", v.year, v.version),
                        count(Rag::Green),
                        count(Rag::Amber),
                        count(Rag::Red),
                        if names.is_empty() {
                            "—".into()
                        } else {
                            names.join(", ")
                        },
                    )
                }
            };
            let missing = if s.missing.is_empty() {
                "—".to_string()
            } else {
                s.missing
                    .iter()
                    .map(|(y, _)| y.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            vec![
                s.acronym.clone(),
                year,
                g.to_string(),
                a.to_string(),
                r.to_string(),
                names,
                missing,
            ]
        })
        .collect();
    if rows.is_empty() {
        doc.paragraph(&t.get("none"));
    } else {
        doc.table(
            &[
                Column::left(t.get("award"), 1.0),
                Column::left(t.get("report"), 0.9),
                Column::right(t.get("rag_green"), 0.7),
                Column::right(t.get("rag_amber"), 0.7),
                Column::right(t.get("rag_red"), 0.7),
                Column::left(t.get("to_follow"), 2.7),
                Column::left(t.get("reports_missing"), 0.9),
            ],
            &rows,
        );
    }

    doc.heading(&t.get("access"));
    doc.paragraph(&t.get("access_intro"));
    if m.access.is_empty() {
        doc.paragraph(&t.get("no_report"));
    } else {
        let rows: Vec<Vec<String>> = m
            .access
            .iter()
            .map(|a| {
                let mut flags = Vec::new();
                if a.shortfall {
                    flags.push(t.get("access_short"));
                }
                if a.commercial_over {
                    flags.push(t.get("commercial_over"));
                }
                vec![
                    a.acronym.clone(),
                    a.year.to_string(),
                    pct(a.contribution_share, lang),
                    pct(a.cap, lang),
                    pct(a.entitled, lang),
                    opt_pct(a.allocated, lang),
                    opt_pct(a.commercial, lang),
                    if flags.is_empty() {
                        "—".into()
                    } else {
                        flags.join("; ")
                    },
                ]
            })
            .collect();
        doc.table(
            &[
                Column::left(t.get("award"), 1.0),
                Column::left(t.get("year"), 0.6),
                Column::right(t.get("contribution_share"), 1.0),
                Column::right(t.get("cap_short"), 0.6),
                Column::right(t.get("entitled"), 0.8),
                Column::right(t.get("allocated"), 0.8),
                Column::right(t.get("commercial"), 1.0),
                Column::left(t.get("flag"), 1.6),
            ],
            &rows,
        );
    }
}

/// The portfolio's contingent liabilities.
pub fn liabilities_section(doc: &mut Doc, t: &Section<'_>, l: &Liabilities, lang: &str) {
    let eur = |v: crate::model::Eur| eur_m(v.as_euros_f64(), lang);
    doc.heading(&t.get("liabilities"));
    let shock: Vec<String> = l
        .shock
        .iter()
        .map(|s| {
            format!(
                "{} {}{} %",
                t.get(&format!("driver_{}", s.driver)),
                if s.change >= 0.0 { "+" } else { "−" },
                number(s.change.abs() * 100.0, 0, lang)
            )
        })
        .collect();
    doc.paragraph(&t.fill("liabilities_intro", &[("shock", &shock.join(", "))]));
    if l.rows.is_empty() {
        doc.paragraph(&t.get("no_liability"));
        return;
    }
    let rows: Vec<Vec<String>> = l
        .rows
        .iter()
        .map(|r| {
            vec![
                r.acronym.clone(),
                t.get(&format!(
                    "instrument_{}",
                    crate::store::enum_text(&r.instrument).unwrap_or_default()
                )),
                eur(r.exposure),
                opt_pct(r.probability, lang),
                r.expected.map_or_else(|| "—".into(), eur),
                opt_pct(r.shocked_probability, lang),
                r.shocked_expected.map_or_else(|| "—".into(), eur),
                r.scenario.clone().unwrap_or_else(|| t.get("no_scenario")),
            ]
        })
        .collect();
    doc.table(
        &[
            Column::left(t.get("award"), 1.0),
            Column::left(t.get("instrument"), 1.1),
            Column::right(t.get("exposure"), 1.0),
            Column::right(t.get("probability_call"), 1.1),
            Column::right(t.get("expected_cost"), 0.9),
            Column::right(t.get("shocked_probability"), 1.1),
            Column::right(t.get("shocked_cost"), 0.9),
            Column::left(t.get("scenario"), 1.0),
        ],
        &rows,
    );
    doc.paragraph(&t.fill(
        "liabilities_total",
        &[
            ("exposure", &eur(l.exposure)),
            ("expected", &eur(l.expected)),
            ("shocked", &eur(l.shocked)),
        ],
    ));
    if l.unknown > 0 {
        doc.note(&t.fill("liabilities_unknown", &[("n", &l.unknown.to_string())]));
    }
    if !l.by_year.is_empty() {
        doc.subheading(&t.get("liabilities_by_year"));
        let rows: Vec<Vec<String>> = l
            .by_year
            .iter()
            .map(|y| {
                vec![
                    y.year.to_string(),
                    source_name(t, y.source),
                    eur(y.exposure),
                    eur(y.expected),
                    eur(y.shocked),
                ]
            })
            .collect();
        doc.table(
            &[
                Column::left(t.get("year"), 0.7),
                Column::left(t.get("source"), 1.8),
                Column::right(t.get("exposure"), 1.2),
                Column::right(t.get("expected_cost"), 1.2),
                Column::right(t.get("shocked_cost"), 1.2),
            ],
            &rows,
        );
    }
}

/// One award's monitoring: its latest report against the claims, missing reports, and
/// delivered against claimed compute per euro.
pub fn award_section(doc: &mut Doc, t: &Section<'_>, m: &MonitoringView, lang: &str) {
    doc.heading(&t.get("monitoring"));
    for (y, due) in &m.missing {
        doc.note(&t.fill(
            "report_missing",
            &[("year", &y.to_string()), ("due", &due.to_string())],
        ));
    }
    match m.reports.first() {
        None => doc.paragraph(&t.get("no_report")),
        Some(r) => {
            doc.paragraph(&t.fill(
                "report_line",
                &[
                    ("year", &r.year.to_string()),
                    ("version", &r.version.to_string()),
                    ("versions", &r.versions.to_string()),
                    ("file", &r.file),
                    ("date", &r.imported_at.format("%Y-%m-%d").to_string()),
                    ("costs", &eur_m(r.cost_total.as_euros_f64(), lang)),
                ],
            ));
            let rows: Vec<Vec<String>> = r
                .rows
                .iter()
                .map(|row| {
                    vec![
                        row.name.clone(),
                        value(row, row.claim, lang),
                        value(row, row.delivered, lang),
                        row.gap.map_or_else(|| "—".into(), |g| pct(-g, lang)),
                        colour(t, row.rag, &row.note),
                    ]
                })
                .collect();
            doc.table(
                &[
                    Column::left(t.get("indicator"), 2.4),
                    Column::right(t.get("claim"), 1.2),
                    Column::right(t.get("delivered"), 1.2),
                    Column::right(t.get("against_claim"), 0.9),
                    Column::left(t.get("status"), 1.3),
                ],
                &rows,
            );
            doc.note(&t.fill(
                "tolerance_note",
                &[
                    ("amber", &number(m.amber * 100.0, 0, lang)),
                    ("red", &number(m.red * 100.0, 0, lang)),
                ],
            ));
        }
    }
    doc.subheading(&t.get("compute_heading"));
    match (&m.compute, &m.compute_note) {
        (Some(c), _) => {
            let rows = vec![
                vec![
                    t.get("compute_per_euro"),
                    number(c.claimed_per_euro, 3, lang),
                    number(c.delivered_per_euro, 3, lang),
                ],
                vec![
                    t.get("eur_per_hour"),
                    number(c.claimed_eur_per_hour, 2, lang),
                    number(c.delivered_eur_per_hour, 2, lang),
                ],
                vec![
                    t.get("productivity"),
                    number(c.claimed_p, 2, lang),
                    number(c.delivered_p, 2, lang),
                ],
            ];
            doc.table(
                &[
                    Column::left(String::new(), 2.4),
                    Column::right(t.get("claimed"), 1.2),
                    Column::right(t.get("delivered"), 1.2),
                ],
                &rows,
            );
            doc.paragraph(&t.fill(
                "compute_line",
                &[
                    ("ratio", &pct(c.ratio, lang)),
                    ("accelerator", &c.accelerator),
                    ("date", &c.acceptance_on.to_string()),
                    ("benchmark", &c.benchmark),
                    ("count", &c.accelerator_count.to_string()),
                    ("minutes", &number(c.acceptance_minutes, 2, lang)),
                    ("reference", &number(c.reference_minutes, 2, lang)),
                    ("round", &c.round),
                ],
            ));
            for r in &c.reruns {
                doc.paragraph(&t.fill(
                    if r.shortfall {
                        "rerun_short"
                    } else {
                        "rerun_line"
                    },
                    &[
                        ("date", &r.dated.to_string()),
                        ("share", &pct(r.performance, lang)),
                    ],
                ));
            }
            doc.note(&t.fill("rerun_due", &[("date", &c.rerun_due.to_string())]));
            doc.note(&t.get("derived_note"));
        }
        (None, _) => {
            let key = m
                .compute_issue
                .map(|i| crate::store::enum_text(&i).unwrap_or_default())
                .unwrap_or_else(|| "failed".into());
            let mut text = t.get(&format!("compute_issue_{key}"));
            if (key == "failed" || key == "no_reference")
                && let Some(n) = &m.compute_note
            {
                text = format!("{text} ({n})");
            }
            doc.paragraph(&text);
        }
    }
}
