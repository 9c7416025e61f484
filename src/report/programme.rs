//! The programme reports: the portfolio report (the envelope statement with its
//! waterfall, leverage against the target, the disbursement forecast, awards by Member
//! State with the map, the awards and their next milestones) and the award sheet (its
//! figures, agreements, amendments, milestones and tranches). Pure functions of their data,
//! language and date, like every report.

use super::ReportData;
use super::format::{eur_m, number};
use super::pdf::{Align, Column, Doc};
use super::programme_charts::{
    MapValue, MilestoneBar, chart_text, draw_envelope, draw_leverage, draw_map, draw_milestones,
};
use super::texts::{Section, Texts};
use crate::app::programme::{AwardDetail, AwardRow};
use crate::error::Result;
use crate::model::Eur;
use crate::programme::portfolio::Portfolio;
use crate::programme::{AwardStatus, MilestoneState, Source};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// Everything the portfolio report shows: its SHA-256 is the report's input hash.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PortfolioData {
    pub portfolio: Portfolio,
    pub awards: Vec<AwardRow>,
    /// Calls whose host-state commitments are missing.
    pub missing_commitments: Vec<String>,
    /// Each active award's next open milestone (its baseline against its forecast).
    pub next_milestones: Vec<MilestoneBar>,
    /// Country names (code → (English, French)).
    pub countries: BTreeMap<String, (String, String)>,
    /// The states that may host (shaded light on the map when they have no award).
    pub participating: Vec<String>,
    /// Schedule risk, seeded (the report's figures come again from the same data).
    pub risk: crate::programme::risk::ScheduleRisk,
    /// Deviations whose suspension stands: (award, deviation).
    pub suspensions: Vec<(String, crate::programme::Deviation)>,
    /// The early-warning list, the gravest first.
    pub warnings: Vec<crate::app::programme::Warning>,
    /// Each award's latest monitoring report against its claims, and the access ledger.
    pub monitoring: crate::app::monitoring::PortfolioMonitoring,
    /// The guarantees' and loans' contingent liabilities.
    pub liabilities: crate::programme::monitoring::Liabilities,
}

impl ReportData for PortfolioData {
    const KIND: &'static str = "portfolio";
    const KEY: &'static str = "programme";
    fn source(&self) -> String {
        self.portfolio.programme.clone()
    }
}

/// Everything the award sheet shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AwardSheetData {
    pub detail: AwardDetail,
    pub monitoring: crate::app::monitoring::MonitoringView,
    pub country: (String, String),
    pub leverage_target: f64,
}

impl ReportData for AwardSheetData {
    const KIND: &'static str = "award";
    const KEY: &'static str = "award";
    fn source(&self) -> String {
        self.detail.award.id.to_string()
    }
}

fn name_of(t: &Section<'_>, prefix: &str, value: &impl Serialize) -> String {
    t.get(&format!(
        "{prefix}_{}",
        crate::store::enum_text(value).unwrap_or_default()
    ))
}

pub fn source_name(t: &Section<'_>, s: Source) -> String {
    name_of(t, "source", &s)
}

fn country<'a>(d: &'a BTreeMap<String, (String, String)>, code: &'a str, lang: &str) -> &'a str {
    d.get(code)
        .map(|(en, fr)| {
            if lang == "fr" {
                fr.as_str()
            } else {
                en.as_str()
            }
        })
        .unwrap_or(code)
}

fn ratio(v: Option<f64>, lang: &str) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{}×", number(v, 2, lang)))
}

fn pct(part: Eur, whole: Eur, lang: &str) -> String {
    if whole.0 <= 0 {
        return "—".into();
    }
    format!(
        "{} %",
        number(part.0 as f64 / whole.0 as f64 * 100.0, 1, lang)
    )
}

/// The portfolio report as PDF bytes.
pub fn render_portfolio(
    d: &PortfolioData,
    lang: &str,
    date: NaiveDate,
    head: Option<&crate::store::audit::LogHead>,
) -> Result<Vec<u8>> {
    let hash = &d.input_hash(lang, date)?;
    let texts = Texts::load(lang)?;
    let t = texts.section("programme");
    let c = texts.section("common");
    let p = &d.portfolio;
    let eur = |v: Eur| eur_m(v.as_euros_f64(), lang);
    let mut doc = Doc::new()?;
    let title = t.get("portfolio_title");
    doc.title(
        &title,
        &t.fill(
            "portfolio_subtitle",
            &[
                ("code", &p.programme),
                ("name", &p.name),
                ("date", &date.to_string()),
            ],
        ),
    );
    let total = |f: &dyn Fn(&crate::programme::portfolio::EnvelopeRow) -> Eur| -> Eur {
        p.by_source.iter().map(f).sum()
    };
    let announced = total(&|r| r.announced);
    let committed = total(&|r| r.committed);
    let contracted = total(&|r| r.contracted);
    let paid = total(&|r| r.paid);

    doc.heading(&t.get("summary"));
    let mut rows = vec![
        vec![t.get("awards"), p.awards.to_string()],
        vec![t.get("announced"), eur(announced)],
        vec![
            t.get("committed"),
            format!("{} ({})", eur(committed), pct(committed, announced, lang)),
        ],
        vec![
            t.get("contracted"),
            format!("{} ({})", eur(contracted), pct(contracted, announced, lang)),
        ],
        vec![
            t.get("paid"),
            format!("{} ({})", eur(paid), pct(paid, announced, lang)),
        ],
        vec![
            t.get("leverage"),
            t.fill(
                "leverage_against",
                &[
                    ("value", &ratio(p.leverage.portfolio, lang)),
                    ("target", &ratio(Some(p.leverage.target), lang)),
                ],
            ),
        ],
        vec![
            t.get("private_to_public"),
            ratio(p.leverage.private_to_public, lang),
        ],
        vec![t.get("at_risk"), p.milestones_at_risk.to_string()],
        vec![t.get("late"), p.tranches_late.to_string()],
    ];
    for call in &d.missing_commitments {
        rows.push(vec![
            t.get("flag"),
            t.fill("missing_commitments", &[("call", call)]),
        ]);
    }
    doc.table(&c.facts_columns(2.0, Align::Left), &rows);

    doc.heading(&t.get("warnings"));
    if d.warnings.is_empty() {
        doc.paragraph(&t.get("no_warning"));
    } else {
        let rows: Vec<Vec<String>> = d
            .warnings
            .iter()
            .take(40)
            .map(|w| {
                vec![
                    w.acronym.clone(),
                    name_of(&t, "warning", &w.kind),
                    w.subject.clone(),
                    w.date.to_string(),
                    number(w.days as f64, 0, lang),
                ]
            })
            .collect();
        doc.table(
            &[
                Column::left(t.get("award"), 1.1),
                Column::left(t.get("kind"), 1.5),
                Column::left(t.get("warning_subject"), 2.2),
                Column::left(t.get("dated"), 1.0),
                Column::right(t.get("warning_days"), 0.8),
            ],
            &rows,
        );
        if d.warnings.len() > 40 {
            doc.note(&t.fill(
                "warnings_more",
                &[("n", &(d.warnings.len() - 40).to_string())],
            ));
        }
    }

    // The envelope by source, then by year.
    let envelope_columns = |first: String| {
        vec![
            Column::left(first, 2.2),
            Column::right(t.get("announced"), 1.2),
            Column::right(t.get("committed"), 1.2),
            Column::right(t.get("contracted"), 1.2),
            Column::right(t.get("paid"), 1.2),
            Column::right(t.get("left"), 1.2),
        ]
    };
    doc.heading(&t.get("envelope"));
    doc.paragraph(&t.get("envelope_intro"));
    let mut rows: Vec<Vec<String>> = p
        .by_source
        .iter()
        .map(|r| {
            vec![
                source_name(&t, r.source),
                eur(r.announced),
                eur(r.committed),
                eur(r.contracted),
                eur(r.paid),
                eur(r.announced - r.committed),
            ]
        })
        .collect();
    rows.push(vec![
        t.get("total"),
        eur(announced),
        eur(committed),
        eur(contracted),
        eur(paid),
        eur(announced - committed),
    ]);
    doc.table(&envelope_columns(t.get("source")), &rows);
    let mut text = chart_text(lang, "envelope");
    text.scale = 2.0;
    doc.chart(None, 1400, 700, |root| draw_envelope(root, p, &text))?;
    doc.subheading(&t.get("envelope_by_year"));
    let rows: Vec<Vec<String>> = p
        .envelope
        .iter()
        .map(|r| {
            vec![
                format!("{} · {}", r.year, source_name(&t, r.source)),
                eur(r.announced),
                eur(r.committed),
                eur(r.contracted),
                eur(r.paid),
                eur(r.announced - r.committed),
            ]
        })
        .collect();
    doc.table(&envelope_columns(t.get("year_source")), &rows);

    // Leverage.
    doc.heading(&t.get("leverage"));
    doc.paragraph(&t.fill(
        "leverage_intro",
        &[("target", &ratio(Some(p.leverage.target), lang))],
    ));
    let rows: Vec<Vec<String>> = p
        .leverage
        .awards
        .iter()
        .map(|a| {
            vec![
                a.acronym.clone(),
                eur(a.eu),
                eur(a.public),
                eur(a.private),
                eur(a.total),
                ratio(a.leverage, lang),
                ratio(a.private_to_public, lang),
            ]
        })
        .collect();
    doc.table(
        &[
            Column::left(t.get("award"), 1.6),
            Column::right(t.get("eu"), 1.1),
            Column::right(t.get("public"), 1.1),
            Column::right(t.get("private"), 1.1),
            Column::right(t.get("total_investment"), 1.2),
            Column::right(t.get("leverage_short"), 0.9),
            Column::right(t.get("private_to_public_short"), 0.9),
        ],
        &rows,
    );
    let mut text = chart_text(lang, "leverage");
    text.scale = 2.0;
    let h = (300 + 44 * p.leverage.awards.len()).min(2000) as u32;
    doc.chart(None, 1400, h, |root| draw_leverage(root, p, &text))?;

    // The disbursement forecast.
    doc.heading(&t.get("forecast"));
    doc.paragraph(&t.get("forecast_intro"));
    let rows: Vec<Vec<String>> = p
        .forecast
        .iter()
        .map(|r| {
            vec![
                r.year.to_string(),
                source_name(&t, r.source),
                eur(r.planned),
                eur(r.paid),
                eur(r.remaining),
                eur(r.carried_forward),
            ]
        })
        .collect();
    doc.table(
        &[
            Column::left(t.get("year"), 0.7),
            Column::left(t.get("source"), 1.8),
            Column::right(t.get("planned"), 1.1),
            Column::right(t.get("paid"), 1.1),
            Column::right(t.get("remaining"), 1.1),
            Column::right(t.get("carried_forward"), 1.2),
        ],
        &rows,
    );

    // Awards by Member State, with the map.
    doc.heading(&t.get("by_state"));
    let rows: Vec<Vec<String>> = p
        .by_state
        .iter()
        .map(|r| {
            vec![
                format!(
                    "{} ({})",
                    country(&d.countries, &r.country, lang),
                    r.country
                ),
                r.awards.to_string(),
                r.active.to_string(),
                r.withdrawn.to_string(),
                eur(r.eu),
                eur(r.total),
            ]
        })
        .collect();
    doc.table(
        &[
            Column::left(t.get("state"), 2.0),
            Column::right(t.get("count"), 0.8),
            Column::right(t.get("active"), 0.8),
            Column::right(t.get("withdrawn"), 0.9),
            Column::right(t.get("eu"), 1.2),
            Column::right(t.get("total_investment"), 1.3),
        ],
        &rows,
    );
    let values = map_values(p);
    let mut text = chart_text(lang, "map");
    text.scale = 2.0;
    doc.chart(None, 1400, 1150, |root| {
        draw_map(root, &values, &d.participating, &text)
    })?;

    // The awards and their next milestones.
    doc.heading(&t.get("awards_heading"));
    let rows: Vec<Vec<String>> = d
        .awards
        .iter()
        .map(|a| {
            vec![
                a.acronym.clone(),
                format!("{} ({})", a.host, a.country),
                name_of(&t, "status", &a.status),
                eur(a.eu),
                eur(a.paid),
                format!("{}/{}", a.achieved, a.milestones),
                match (&a.next_milestone, a.next_forecast) {
                    (Some(m), Some(f)) => format!("{m} · {f}"),
                    (Some(m), None) => m.clone(),
                    _ => "—".into(),
                },
            ]
        })
        .collect();
    doc.table(
        &[
            Column::left(t.get("award"), 1.2),
            Column::left(t.get("host"), 1.7),
            Column::left(t.get("status"), 0.8),
            Column::right(t.get("eu"), 1.2),
            Column::right(t.get("paid"), 1.0),
            Column::right(t.get("milestones_done"), 1.0),
            Column::left(t.get("next_milestone"), 2.1),
        ],
        &rows,
    );
    if !d.next_milestones.is_empty() {
        let mut text = chart_text(lang, "milestones");
        text.scale = 2.0;
        let h = (300 + 44 * d.next_milestones.len()).min(2000) as u32;
        doc.chart(Some(&t.get("next_milestones")), 1400, h, |root| {
            draw_milestones(root, &d.next_milestones, date, &text)
        })?;
    }
    // Schedule risk and the suspensions that stand.
    doc.heading(&t.get("risk"));
    doc.paragraph(&t.fill(
        "risk_intro",
        &[
            ("paths", &number(f64::from(d.risk.paths), 0, lang)),
            ("seed", &d.risk.seed.to_string()),
            ("lo", &number(d.risk.params.optimistic, 2, lang)),
            ("mode", &number(d.risk.params.likely, 2, lang)),
            ("hi", &number(d.risk.params.pessimistic, 2, lang)),
        ],
    ));
    if !d.risk.years.is_empty() {
        let mut text = chart_text(lang, "risk");
        text.scale = 2.0;
        doc.chart(None, 1400, 700, |root| {
            super::programme_charts::draw_risk(root, &d.risk, &text)
        })?;
        let rows: Vec<Vec<String>> = d
            .risk
            .years
            .iter()
            .map(|y| {
                vec![
                    y.year.to_string(),
                    eur(y.forecast),
                    eur(y.p10),
                    eur(y.p50),
                    eur(y.p90),
                ]
            })
            .collect();
        doc.table(
            &[
                Column::left(t.get("year"), 0.8),
                Column::right(t.get("risk_forecast"), 1.3),
                Column::right("P10", 1.1),
                Column::right("P50", 1.1),
                Column::right("P90", 1.1),
            ],
            &rows,
        );
    }
    let rows: Vec<Vec<String>> = d
        .risk
        .awards
        .iter()
        .map(|a| {
            vec![
                a.acronym.clone(),
                a.target.to_string(),
                a.forecast.to_string(),
                format!("{} %", number(a.probability * 100.0, 1, lang)),
                format!("{} · {} · {}", a.p10, a.p50, a.p90),
            ]
        })
        .collect();
    if !rows.is_empty() {
        doc.table(
            &[
                Column::left(t.get("award"), 1.1),
                Column::left(t.get("risk_target"), 1.0),
                Column::left(t.get("forecast_date"), 1.0),
                Column::right(t.get("risk_on_time"), 1.1),
                Column::left("P10 · P50 · P90", 2.4),
            ],
            &rows,
        );
    }
    doc.heading(&t.get("suspensions"));
    if d.suspensions.is_empty() {
        doc.paragraph(&t.get("no_suspension"));
    } else {
        let rows: Vec<Vec<String>> = d
            .suspensions
            .iter()
            .map(|(acronym, v)| {
                vec![
                    acronym.clone(),
                    v.dated.to_string(),
                    name_of(&t, "action", &v.action),
                    v.found.clone(),
                    format!("{} ({})", v.reason, v.decided_by),
                ]
            })
            .collect();
        doc.table(
            &[
                Column::left(t.get("award"), 1.0),
                Column::left(t.get("dated"), 0.9),
                Column::left(t.get("action_heading"), 1.4),
                Column::left(t.get("found"), 2.0),
                Column::left(t.get("reason"), 2.0),
            ],
            &rows,
        );
    }
    super::monitoring::portfolio_sections(&mut doc, &t, &d.monitoring, lang);
    super::monitoring::liabilities_section(&mut doc, &t, &d.liabilities, lang);
    doc.note(&t.get("illustrative_note"));

    let frame = texts.frame(format!("{title} · {}", p.programme), hash, head);
    let key = d.keyword(lang, date, hash, head);
    doc.finish(&frame, &format!("{title} — {}", p.programme), vec![key])
}

/// The EU contribution (€ m) and the number of awards per state, for the map.
pub fn map_values(p: &Portfolio) -> BTreeMap<String, MapValue> {
    p.by_state
        .iter()
        .filter(|r| r.awards > r.withdrawn)
        .map(|r| {
            (
                r.country.clone(),
                MapValue {
                    eu_m: r.eu.as_euros_f64() / 1e6,
                    awards: r.awards - r.withdrawn,
                },
            )
        })
        .collect()
}

/// The award sheet as PDF bytes.
pub fn render_award(
    d: &AwardSheetData,
    lang: &str,
    date: NaiveDate,
    head: Option<&crate::store::audit::LogHead>,
) -> Result<Vec<u8>> {
    let hash = &d.input_hash(lang, date)?;
    let texts = Texts::load(lang)?;
    let t = texts.section("programme");
    let c = texts.section("common");
    let x = &d.detail;
    let a = &x.award;
    let f = &a.figures;
    let eur = |v: Eur| eur_m(v.as_euros_f64(), lang);
    let day = |v: Option<NaiveDate>| v.map_or_else(|| "—".into(), |d| d.to_string());
    let mut doc = Doc::new()?;
    let title = t.get("award_title");
    doc.title(
        &title,
        &t.fill(
            "award_subtitle",
            &[
                ("acronym", &a.acronym),
                ("title", &a.title),
                ("date", &date.to_string()),
            ],
        ),
    );
    if a.status != AwardStatus::Active {
        doc.note(&t.fill(
            "award_not_active",
            &[("status", &name_of(&t, "status", &a.status))],
        ));
    }
    doc.heading(&t.get("summary"));
    let (country_en, country_fr) = &d.country;
    let mut rows = vec![
        vec![
            t.get("programme"),
            format!("{} — {}", a.programme, x.programme_name),
        ],
        vec![
            t.get("call"),
            match a.rank {
                Some(r) => t.fill(
                    "call_rank",
                    &[("call", &a.call_code), ("rank", &r.to_string())],
                ),
                None => a.call_code.clone(),
            },
        ],
        vec![t.get("host"), a.host.clone()],
        vec![
            t.get("state"),
            format!(
                "{} ({})",
                if lang == "fr" { country_fr } else { country_en },
                a.country
            ),
        ],
        vec![t.get("status"), name_of(&t, "status", &a.status)],
        vec![t.get("selected_on"), a.selected_on.to_string()],
    ];
    if a.from_reserve {
        rows.push(vec![t.get("flag"), t.get("from_reserve")]);
    }
    doc.table(&c.facts_columns(2.0, Align::Left), &rows);

    doc.heading(&t.get("figures"));
    let rows = vec![
        vec![t.get("eu"), eur(f.eu)],
        vec![
            t.get("eu_acquisition"),
            format!(
                "{} ({} · {})",
                eur(f.eu_acquisition),
                pct(f.eu_acquisition, f.acquisition, lang),
                t.fill(
                    "cap",
                    &[("cap", &number(x.caps.eu_share_acquisition * 100.0, 0, lang))]
                )
            ),
        ],
        vec![
            t.get("eu_operation"),
            format!(
                "{} ({} · {})",
                eur(f.eu_operation),
                pct(f.eu_operation, f.operation, lang),
                t.fill(
                    "cap",
                    &[("cap", &number(x.caps.eu_share_operation * 100.0, 0, lang))]
                )
            ),
        ],
        vec![t.get("member_state"), eur(f.member_state)],
        vec![t.get("regional"), eur(f.regional)],
        vec![t.get("private_equity"), eur(f.private)],
        vec![t.get("loan"), eur(f.loan)],
        vec![t.get("guarantee"), eur(f.guarantee)],
        vec![t.get("acquisition"), eur(f.acquisition)],
        vec![t.get("operation"), eur(f.operation)],
        vec![
            t.get("leverage"),
            t.fill(
                "leverage_against",
                &[
                    ("value", &ratio(x.leverage, lang)),
                    ("target", &ratio(Some(d.leverage_target), lang)),
                ],
            ),
        ],
        vec![t.get("private_to_public"), ratio(x.private_to_public, lang)],
        vec![t.get("paid"), eur(x.paid)],
        vec![
            t.get("paid_before_final"),
            t.fill(
                "of_ceiling",
                &[
                    ("paid", &eur(x.paid_before_final)),
                    ("ceiling", &eur(x.ceiling_before_final)),
                ],
            ),
        ],
    ];
    doc.table(&c.facts_columns(2.0, Align::Right), &rows);
    if !a.illustrative.is_empty() {
        doc.note(&t.fill(
            "illustrative_fields",
            &[("fields", &a.illustrative.join(", "))],
        ));
    }

    doc.heading(&t.get("agreements"));
    if x.agreements.is_empty() {
        doc.paragraph(&t.get("none"));
    } else {
        let rows: Vec<Vec<String>> = x
            .agreements
            .iter()
            .map(|g| {
                vec![
                    name_of(&t, "agreement", &g.kind),
                    g.version.to_string(),
                    g.signed_on.to_string(),
                    g.reference.clone(),
                ]
            })
            .collect();
        doc.table(
            &[
                Column::left(t.get("kind"), 2.0),
                Column::right(t.get("version"), 0.7),
                Column::left(t.get("signed_on"), 1.1),
                Column::left(t.get("reference"), 2.2),
            ],
            &rows,
        );
    }

    doc.heading(&t.get("amendments"));
    if x.amendments.is_empty() {
        doc.paragraph(&t.get("none"));
    } else {
        let rows: Vec<Vec<String>> = x
            .amendments
            .iter()
            .map(|m| {
                vec![
                    m.dated.to_string(),
                    name_of(&t, "amendment", &m.kind),
                    change_text(&t, &m.old_value, &m.new_value, lang),
                    format!("{} / {}", m.asked_by, m.approved_by),
                    m.reason.clone(),
                ]
            })
            .collect();
        doc.table(
            &[
                Column::left(t.get("dated"), 0.9),
                Column::left(t.get("kind"), 1.2),
                Column::left(t.get("change"), 2.4),
                Column::left(t.get("asked_approved"), 1.3),
                Column::left(t.get("reason"), 1.6),
            ],
            &rows,
        );
    }

    doc.heading(&t.get("milestones"));
    let rows: Vec<Vec<String>> = x
        .milestones
        .iter()
        .map(|m| {
            let ms = &m.milestone;
            vec![
                m.name.clone(),
                ms.baseline.to_string(),
                ms.forecast.to_string(),
                day(ms.actual),
                name_of(&t, "milestone", &m.state),
                match (&ms.evidence, &ms.evidence_sha256) {
                    (Some(file), Some(sha)) => format!("{file} · {}", &sha[..sha.len().min(12)]),
                    _ => "—".into(),
                },
                match (&ms.verified_by, ms.verified_on) {
                    (Some(by), Some(on)) => format!("{by} · {on}"),
                    _ => "—".into(),
                },
            ]
        })
        .collect();
    doc.table(
        &[
            Column::left(t.get("milestone"), 1.85),
            Column::left(t.get("baseline"), 1.05),
            Column::left(t.get("forecast_date"), 1.05),
            Column::left(t.get("actual"), 1.05),
            Column::left(t.get("state_ms"), 1.0),
            Column::left(t.get("evidence"), 1.3),
            Column::left(t.get("verified"), 1.4),
        ],
        &rows,
    );
    if !x.milestones.is_empty() {
        let bars = crate::app::programme::milestone_bars(x);
        let mut text = chart_text(lang, "milestones");
        text.scale = 2.0;
        let h = (300 + 44 * bars.len()).min(2000) as u32;
        doc.chart(None, 1400, h, |root| {
            draw_milestones(root, &bars, date, &text)
        })?;
    }

    doc.heading(&t.get("tranches"));
    let rows: Vec<Vec<String>> = x
        .tranches
        .iter()
        .map(|tr| {
            let r = &tr.tranche;
            vec![
                name_of(&t, "tranche", &r.kind),
                format!("{} %", number(f64::from(r.share_bp) / 100.0, 2, lang)),
                eur(r.amount),
                tr.gate_name.clone(),
                tr.due_on.to_string(),
                {
                    let mut s = name_of(&t, "tranche_state", &r.state);
                    if tr.late {
                        s.push_str(&format!(" · {}", t.get("late_flag")));
                    }
                    s
                },
                if r.paid.0 > 0 {
                    format!("{} · {}", eur(r.paid), day(r.paid_on))
                } else {
                    "—".into()
                },
            ]
        })
        .collect();
    doc.table(
        &[
            Column::left(t.get("tranche"), 1.55),
            Column::right(t.get("share"), 0.75),
            Column::right(t.get("amount"), 0.95),
            Column::left(t.get("gate"), 1.9),
            Column::left(t.get("due"), 1.0),
            Column::left(t.get("state_ms"), 1.05),
            Column::right(t.get("paid"), 1.3),
        ],
        &rows,
    );
    if x.milestones
        .iter()
        .any(|m| m.state == MilestoneState::AtRisk)
    {
        doc.note(&t.get("at_risk_note"));
    }

    doc.heading(&t.get("deviations"));
    if x.deviations.is_empty() {
        doc.paragraph(&t.get("none"));
    } else {
        let rows: Vec<Vec<String>> = x
            .deviations
            .iter()
            .map(|v| {
                let mut action = name_of(&t, "action", &v.action);
                if let Some(a) = v.amount {
                    action.push_str(&format!(" · {}", eur(a)));
                }
                match (v.lifted_on, v.blocking()) {
                    (Some(on), _) => action.push_str(&format!(
                        " · {}",
                        t.fill("lifted", &[("date", &on.to_string())])
                    )),
                    (None, true) => action.push_str(&format!(" · {}", t.get("stands"))),
                    _ => {}
                }
                vec![
                    v.dated.to_string(),
                    name_of(&t, "deviation", &v.kind),
                    v.found.clone(),
                    action,
                    format!("{} ({})", v.reason, v.decided_by),
                ]
            })
            .collect();
        doc.table(
            &[
                Column::left(t.get("dated"), 0.9),
                Column::left(t.get("kind"), 1.2),
                Column::left(t.get("found"), 2.0),
                Column::left(t.get("action_heading"), 1.6),
                Column::left(t.get("reason"), 1.8),
            ],
            &rows,
        );
    }
    super::monitoring::award_section(&mut doc, &t, &d.monitoring, lang);

    let frame = texts.frame(format!("{title} · {}", a.acronym), hash, head);
    let key = d.keyword(lang, date, hash, head);
    doc.finish(&frame, &format!("{title} — {}", a.acronym), vec![key])
}

/// What an amendment changed, in the report's words: for figures, each field that moved
/// (euros as euros), for lists their items before and after.
fn change_text(
    t: &Section<'_>,
    old: &serde_json::Value,
    new: &serde_json::Value,
    lang: &str,
) -> String {
    use serde_json::Value;
    const MONEY: [&str; 10] = [
        "eu",
        "eu_acquisition",
        "eu_operation",
        "member_state",
        "regional",
        "private",
        "loan",
        "guarantee",
        "acquisition",
        "operation",
    ];
    let label = |k: &str| match k {
        "private" => t.get("private_equity"),
        "country" => t.get("state"),
        "host" | "status" | "eu" | "eu_acquisition" | "eu_operation" | "member_state"
        | "regional" | "loan" | "guarantee" | "acquisition" | "operation" => t.get(k),
        other => other.to_string(),
    };
    let value = |k: &str, v: &Value| match (v.as_i64(), v.as_str()) {
        (Some(c), _) if MONEY.contains(&k) => eur_m(c as f64 / 100.0, lang),
        (_, Some(s)) if k == "status" => t.get(&format!("status_{s}")),
        (_, Some(s)) => s.to_string(),
        _ => v.to_string(),
    };
    let item = |v: &Value| match v {
        // A tranche's share: [code, basis points].
        Value::Array(a) if a.len() == 2 => format!(
            "{} {} %",
            a[0].as_str().unwrap_or_default(),
            number(a[1].as_f64().unwrap_or(0.0) / 100.0, 2, lang)
        ),
        // A milestone's baseline: {code, baseline}.
        Value::Object(m) => format!(
            "{} {}",
            m.get("code").and_then(Value::as_str).unwrap_or_default(),
            m.get("baseline")
                .and_then(Value::as_str)
                .unwrap_or_default()
        ),
        other => other.to_string(),
    };
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => b
            .iter()
            .filter(|(k, v)| a.get(*k) != Some(*v))
            .map(|(k, v)| {
                format!(
                    "{}: {} → {}",
                    label(k),
                    a.get(k).map_or_else(|| "—".into(), |x| value(k, x)),
                    value(k, v)
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        (Value::Array(a), Value::Array(b)) => format!(
            "{} → {}",
            a.iter().map(item).collect::<Vec<_>>().join(", "),
            b.iter().map(item).collect::<Vec<_>>().join(", ")
        ),
        (a, b) => format!("{} → {}", item(a), item(b)),
    }
}
