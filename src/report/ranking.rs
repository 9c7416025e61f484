//! The call ranking report: the ranked list with the budget line, the reserve list, the
//! rejected bids with their reason, the tie-break trace, the budget use chart, and an
//! appendix with the evaluators' calibration and the ranking's stability (advisory).

use super::ReportData;
use super::esr::{list_name, tie_rule};
use super::evaluation_charts::{BudgetBar, draw_budget};
use super::finance_charts::ChartText;
use super::format::{eur_m, number};
use super::pdf::{Align, Column, Doc};
use super::texts::Texts;
use crate::error::Result;
use crate::evaluation::calibration::Calibration;
use crate::evaluation::ranking::{List, Ranking};
use crate::model::{BudgetLineRule, Call};
use chrono::NaiveDate;
use serde::Serialize;

/// Everything the ranking report shows: its SHA-256 is the report's input hash.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RankingData {
    pub call_code: String,
    pub call_title: String,
    pub programme: String,
    pub budget_eur: f64,
    pub budget_line: BudgetLineRule,
    pub overall_threshold: f64,
    /// (code, name, weight, threshold)
    pub criteria: Vec<(String, String, f64, f64)>,
    pub ranking: Ranking,
    pub calibration: Option<Calibration>,
}

pub fn data(call: &Call, ranking: Ranking, calibration: Option<Calibration>) -> RankingData {
    RankingData {
        call_code: call.code.clone(),
        call_title: call.title.clone(),
        programme: call.programme.clone(),
        budget_eur: call.budget.as_euros_f64(),
        budget_line: call.settings.budget_line,
        overall_threshold: call.settings.overall_threshold,
        criteria: call
            .criteria
            .iter()
            .map(|c| (c.code.clone(), c.name.clone(), c.weight, c.threshold))
            .collect(),
        ranking,
        calibration,
    }
}

/// The ranking report as PDF bytes.
pub fn render(
    d: &RankingData,
    lang: &str,
    date: NaiveDate,
    head: Option<&crate::store::audit::LogHead>,
) -> Result<Vec<u8>> {
    let hash = &d.input_hash(lang, date)?;
    let texts = Texts::load(lang)?;
    let t = texts.section("ranking");
    let e = texts.section("esr");
    let c = texts.section("common");
    let r = &d.ranking;
    let eur = |v: f64| eur_m(v, lang);
    let score = |v: Option<f64>| v.map_or_else(|| "—".into(), |v| number(v, 2, lang));
    let mut doc = Doc::new()?;
    let title = t.get("title");
    doc.title(
        &title,
        &t.fill(
            "subtitle",
            &[
                ("call", &d.call_code),
                ("title", &d.call_title),
                ("date", &date.to_string()),
            ],
        ),
    );
    if !r.complete {
        doc.note(&t.get("provisional"));
    }
    let count = |l: List| r.bids.iter().filter(|b| b.list == l).count();
    doc.heading(&t.get("summary"));
    let rows = vec![
        vec![t.get("programme"), d.programme.clone()],
        vec![t.get("budget"), eur(d.budget_eur)],
        vec![
            t.get("budget_line_rule"),
            t.get(match d.budget_line {
                BudgetLineRule::StopAtFirstMisfit => "stop_at_first_misfit",
                BudgetLineRule::SkipToSmaller => "skip_to_smaller",
            }),
        ],
        vec![t.get("bids"), r.bids.len().to_string()],
        vec![
            list_name(&c, List::Main),
            t.fill(
                "main_count",
                &[
                    ("n", &count(List::Main).to_string()),
                    ("funded", &eur(r.funded.as_euros_f64())),
                    ("left", &eur(d.budget_eur - r.funded.as_euros_f64())),
                ],
            ),
        ],
        vec![
            list_name(&c, List::Reserve),
            count(List::Reserve).to_string(),
        ],
        vec![
            list_name(&c, List::Rejected),
            count(List::Rejected).to_string(),
        ],
        vec![
            list_name(&c, List::Pending),
            count(List::Pending).to_string(),
        ],
    ];
    doc.table(&c.facts_columns(2.0, Align::Left), &rows);
    doc.heading(&t.get("criteria"));
    let rows: Vec<Vec<String>> = d
        .criteria
        .iter()
        .map(|(code, name, w, th)| {
            vec![
                format!("{code} — {name}"),
                number(*w, 1, lang),
                number(*th, 1, lang),
            ]
        })
        .collect();
    doc.table(
        &[
            Column::left(e.get("criterion"), 3.0),
            Column::right(e.get("weight"), 0.8),
            Column::right(e.get("threshold"), 0.9),
        ],
        &rows,
    );
    doc.paragraph(&t.fill(
        "overall_rule",
        &[("threshold", &number(d.overall_threshold, 1, lang))],
    ));

    // The ranked list: main and reserve bids in rank order, the budget line drawn after
    // the last funded bid.
    doc.heading(&t.get("ranked"));
    let ranked: Vec<_> = r.bids.iter().filter(|b| b.rank.is_some()).collect();
    let rows: Vec<Vec<String>> = ranked
        .iter()
        .map(|b| {
            vec![
                b.rank.map(|x| x.to_string()).unwrap_or_default(),
                b.acronym.clone(),
                score(b.weighted_total),
                score(b.unweighted_total),
                eur(b.requested_eu.as_euros_f64()),
                b.cumulative_requested_eu
                    .map_or_else(String::new, |x| eur(x.as_euros_f64())),
                list_name(&c, b.list),
            ]
        })
        .collect();
    let marks: Vec<(usize, String)> = ranked
        .iter()
        .rposition(|b| b.list == List::Main)
        .map(|i| {
            (
                i,
                t.fill(
                    "budget_line",
                    &[
                        ("funded", &eur(r.funded.as_euros_f64())),
                        ("budget", &eur(d.budget_eur)),
                    ],
                ),
            )
        })
        .into_iter()
        .collect();
    if rows.is_empty() {
        doc.note(&t.get("none_ranked"));
    } else {
        doc.table_marked(
            &[
                Column::right(e.get("rank"), 0.5),
                Column::left(e.get("acronym"), 1.2),
                Column::right(t.get("weighted"), 0.85),
                Column::right(t.get("unweighted"), 1.05),
                Column::right(t.get("requested"), 1.05),
                Column::right(t.get("cumulative"), 1.05),
                Column::left(e.get("list"), 1.25),
            ],
            &rows,
            &marks,
        );
    }
    if !ranked.is_empty() {
        let bars: Vec<BudgetBar> = ranked
            .iter()
            .map(|b| BudgetBar {
                label: b.acronym.clone(),
                requested: b.requested_eu.as_euros_f64() / 1e6,
                main: b.list == List::Main,
            })
            .collect();
        let text = ChartText {
            caption: t.get("chart_caption"),
            x_axis: t.get("chart_x"),
            y_axis: t.get("chart_y"),
            legend: vec![
                list_name(&c, List::Main),
                list_name(&c, List::Reserve),
                t.get("budget"),
            ],
            decimal: if lang == "fr" { ',' } else { '.' },
            scale: 2.0,
        };
        doc.chart(Some(&t.get("budget_use")), 1520, 720, |root| {
            draw_budget(root, &bars, d.budget_eur / 1e6, &text)
        })?;
    }

    let reserve: Vec<Vec<String>> = r
        .bids
        .iter()
        .filter(|b| b.list == List::Reserve)
        .map(|b| {
            vec![
                b.rank.map(|x| x.to_string()).unwrap_or_default(),
                b.acronym.clone(),
                eur(b.requested_eu.as_euros_f64()),
                reserve_reason(&t, b, d, lang),
            ]
        })
        .collect();
    doc.heading(&t.get("reserve"));
    if reserve.is_empty() {
        doc.note(&t.get("none"));
    } else {
        doc.table(
            &[
                Column::right(e.get("rank"), 0.55),
                Column::left(e.get("acronym"), 1.4),
                Column::right(t.get("requested"), 1.1),
                Column::left(t.get("reason"), 3.0),
            ],
            &reserve,
        );
    }

    doc.heading(&t.get("rejected"));
    let rejected: Vec<Vec<String>> = r
        .bids
        .iter()
        .filter(|b| matches!(b.list, List::Rejected | List::Pending))
        .map(|b| {
            let reason = if b.list == List::Pending {
                t.get("reason_pending")
            } else if let Some(rules) = b.reason.strip_prefix("ineligible: ") {
                t.fill("reason_ineligible", &[("rules", rules)])
            } else {
                let mut parts: Vec<String> = b
                    .thresholds
                    .iter()
                    .filter(|x| !x.passed)
                    .map(|x| {
                        e.fill(
                            "below_threshold",
                            &[
                                ("code", &x.criterion),
                                ("score", &number(x.score, 1, lang)),
                                ("threshold", &number(x.threshold, 1, lang)),
                            ],
                        )
                    })
                    .collect();
                if b.overall_passed == Some(false) {
                    parts.push(e.fill(
                        "below_overall",
                        &[
                            ("total", &score(b.unweighted_total)),
                            ("threshold", &number(d.overall_threshold, 1, lang)),
                        ],
                    ));
                }
                parts.join("; ")
            };
            vec![
                b.acronym.clone(),
                score(b.weighted_total),
                list_name(&c, b.list),
                reason,
            ]
        })
        .collect();
    if rejected.is_empty() {
        doc.note(&t.get("none"));
    } else {
        doc.table(
            &[
                Column::left(e.get("acronym"), 1.4),
                Column::right(t.get("weighted"), 0.9),
                Column::left(e.get("list"), 0.9),
                Column::left(t.get("reason"), 3.2),
            ],
            &rejected,
        );
    }

    doc.heading(&t.get("ties"));
    if r.ties.is_empty() {
        doc.note(&t.get("no_ties"));
    }
    for tie in &r.ties {
        doc.subheading(&t.fill(
            "tie_group",
            &[
                ("total", &number(tie.weighted_total, 2, lang)),
                ("bids", &tie.bids.join(", ")),
            ],
        ));
        let rows: Vec<Vec<String>> = tie
            .steps
            .iter()
            .map(|s| {
                vec![
                    tie_rule(&e, &s.rule),
                    t.fill(
                        "placed_over",
                        &[("placed", &s.placed), ("over", &s.over.join(", "))],
                    ),
                    s.detail.clone(),
                    s.equal_under
                        .iter()
                        .map(|x| tie_rule(&e, x))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            })
            .collect();
        if !rows.is_empty() {
            doc.table(
                &[
                    Column::left(t.get("rule"), 1.4),
                    Column::left(t.get("placed"), 1.4),
                    Column::left(t.get("detail"), 1.4),
                    Column::left(t.get("equal_under"), 1.4),
                ],
                &rows,
            );
        }
        if tie.unresolved {
            doc.note(&t.get("unresolved"));
        }
    }

    if let Some(cal) = &d.calibration {
        doc.new_page();
        doc.heading(&t.get("appendix"));
        doc.paragraph(&t.fill("advisory", &[("min", &cal.min_bids.to_string())]));
        doc.subheading(&t.get("calibration"));
        let rows: Vec<Vec<String>> = cal
            .evaluators
            .iter()
            .map(|x| {
                vec![
                    x.name.clone(),
                    x.bids.to_string(),
                    x.scores.to_string(),
                    score(x.mean_deviation),
                    score(x.sd_deviation),
                    score(x.leniency_z),
                    t.get(&format!("label_{}", x.label)),
                ]
            })
            .collect();
        doc.table(
            &[
                Column::left(t.get("evaluator"), 1.9),
                Column::right(t.get("bids"), 1.0),
                Column::right(t.get("scores"), 0.7),
                Column::right(t.get("mean_dev"), 0.9),
                Column::right(t.get("sd_dev"), 0.9),
                Column::right("z", 0.6),
                Column::left(t.get("leniency"), 1.2),
            ],
            &rows,
        );
        doc.subheading(&t.get("calibrated"));
        let rows: Vec<Vec<String>> = cal
            .calibrated
            .iter()
            .map(|x| {
                let official = r.bids.iter().find(|b| b.acronym == x.acronym);
                let plain = cal.uncalibrated.iter().find(|u| u.acronym == x.acronym);
                vec![
                    x.acronym.clone(),
                    official
                        .map(|b| rank_list(&c, b.rank, b.list))
                        .unwrap_or_default(),
                    plain
                        .map(|u| rank_list(&c, u.rank, u.list))
                        .unwrap_or_default(),
                    rank_list(&c, x.rank, x.list),
                ]
            })
            .collect();
        doc.table(
            &[
                Column::left(e.get("acronym"), 1.4),
                Column::left(t.get("official"), 1.2),
                Column::left(t.get("mean_of_experts"), 1.2),
                Column::left(t.get("calibrated_rank"), 1.2),
            ],
            &rows,
        );
        doc.subheading(&t.get("stability"));
        let rows: Vec<Vec<String>> = cal
            .leave_one_out
            .iter()
            .flat_map(|l| {
                l.moves.iter().map(|m| {
                    vec![
                        l.name.clone(),
                        m.acronym.clone(),
                        format!("{} → {}", list_name(&c, m.from), list_name(&c, m.to)),
                    ]
                })
            })
            .collect();
        if rows.is_empty() {
            doc.paragraph(&t.get("stable"));
        } else {
            doc.paragraph(&t.fill("unstable", &[("bids", &cal.unstable.join(", "))]));
            doc.table(
                &[
                    Column::left(t.get("without"), 1.6),
                    Column::left(e.get("acronym"), 1.4),
                    Column::left(t.get("move"), 1.8),
                ],
                &rows,
            );
        }
    }

    let frame = texts.frame(format!("{title} · {}", d.call_code), hash, head);
    let key = d.keyword(lang, date, hash, head);
    doc.finish(&frame, &format!("{title} — {}", d.call_code), vec![key])
}

fn rank_list(c: &super::texts::Section<'_>, rank: Option<u32>, list: List) -> String {
    match rank {
        Some(r) => format!("{r} · {}", list_name(c, list)),
        None => list_name(c, list),
    }
}

/// Why a bid that passed the thresholds is on the reserve list, in the report's language.
fn reserve_reason(
    t: &super::texts::Section<'_>,
    b: &crate::evaluation::ranking::RankedBid,
    d: &RankingData,
    lang: &str,
) -> String {
    let funded_before: f64 = d
        .ranking
        .bids
        .iter()
        .filter(|x| x.list == List::Main && x.rank < b.rank)
        .map(|x| x.requested_eu.as_euros_f64())
        .sum();
    let left = d.budget_eur - funded_before;
    // Under stop-at-first-misfit, only the first reserve bid is stopped by the budget; the
    // ones after it are below the line whatever they request.
    let first_reserve = d
        .ranking
        .bids
        .iter()
        .filter(|x| x.list == List::Reserve)
        .map(|x| x.rank)
        .min()
        == Some(b.rank);
    let stopped = d.budget_line == BudgetLineRule::StopAtFirstMisfit && !first_reserve;
    if !stopped && b.requested_eu.as_euros_f64() > left + 0.5 {
        t.fill(
            "reason_misfit",
            &[
                ("requested", &eur_m(b.requested_eu.as_euros_f64(), lang)),
                ("left", &eur_m(left, lang)),
            ],
        )
    } else {
        t.get("reason_below_line")
    }
}

impl ReportData for RankingData {
    const KIND: &'static str = "ranking";
    const KEY: &'static str = "call";
    fn source(&self) -> String {
        self.call_code.clone()
    }
}
