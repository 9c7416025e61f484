//! The Evaluation Summary Report of one bid: call, bid and consortium; per criterion the
//! consensus score, threshold and comment; the weighted total, thresholds, rank and list
//! with the reason; compute per euro where available; a chart of the bid's scores against
//! the call's distribution.
//!
//! An ESR goes to the applicant: it names no evaluator and no other bid. A tie is
//! described by the rule that separated the bids, not by the bids it was separated from.

use super::ReportData;
use super::evaluation_charts::{CriterionDistribution, draw_scores};
use super::finance_charts::ChartText;
use super::format::{eur_m, number};
use super::pdf::{Align, Column, Doc};
use super::texts::{Section, Texts};
use crate::countries::Countries;
use crate::error::Result;
use crate::evaluation::ranking::{List, RankedBid, Ranking};
use crate::model::{Bid, Call, ConsensusScore, ConsensusStatus, MemberRole};
use chrono::NaiveDate;
use serde::Serialize;

/// Everything an ESR shows, and nothing else: its SHA-256 is the report's input hash.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EsrData {
    pub call_code: String,
    pub call_title: String,
    pub programme: String,
    pub budget_eur: f64,
    pub scale: (f64, f64),
    pub overall_threshold: f64,
    pub bid_id: i64,
    pub acronym: String,
    pub title: String,
    pub version: u32,
    pub consortium: String,
    pub members: Vec<EsrMember>,
    pub requested_eu: f64,
    pub requested_member_state: f64,
    pub experts: usize,
    pub criteria: Vec<EsrCriterion>,
    pub outcome: EsrOutcome,
    pub compute: Option<EsrCompute>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EsrMember {
    pub name: String,
    pub country: String,
    /// The country's name in English and French.
    pub country_en: String,
    pub country_fr: String,
    pub role: MemberRole,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EsrCriterion {
    pub code: String,
    pub name: String,
    pub weight: f64,
    pub threshold: f64,
    pub score: Option<f64>,
    pub status: Option<ConsensusStatus>,
    pub comment: String,
    pub minority_view: Option<String>,
    /// The consensus scores of the call's bids on this criterion (sorted): the chart's
    /// distribution, no bid named.
    pub call_scores: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EsrOutcome {
    pub list: List,
    pub rank: Option<u32>,
    /// Bids that passed the thresholds.
    pub ranked: usize,
    pub bids: usize,
    pub weighted_total: Option<f64>,
    pub unweighted_total: Option<f64>,
    pub overall_passed: Option<bool>,
    /// Criteria below their threshold: (code, score, threshold).
    pub below_threshold: Vec<(String, f64, f64)>,
    /// Eligibility rules failed, with the data that failed them.
    pub ineligible: Vec<String>,
    pub funded_with_this_bid: Option<f64>,
    /// Tied on the weighted total with this many other bids; the rule that placed this bid
    /// and the rules that left the bids equal.
    pub tied_with: usize,
    pub tie_rule: Option<String>,
    pub tie_equal_under: Vec<String>,
    /// Every bid of the call has an approved consensus: the ranking is final.
    pub final_ranking: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EsrCompute {
    pub accelerator: String,
    pub accelerators: u64,
    pub eur_per_h200e_hour: (f64, f64, f64),
    pub h200e_hours_per_mwh: f64,
    pub label: String,
    pub fallback_note: Option<String>,
    /// Median € per H200e-hour over the call's bids with an estimate.
    pub call_median: Option<f64>,
    pub basis_note: String,
}

/// What the evaluation recorded about a bid, as the ESR reads it.
#[derive(Clone, Debug)]
pub struct Evaluated<'a> {
    pub experts: usize,
    /// The consensus scores of every bid of the call (the chart's distribution).
    pub consensus: &'a [ConsensusScore],
    pub ranking: &'a Ranking,
    /// Eligibility rules the bid fails, with the data that failed them.
    pub ineligible: Vec<String>,
    pub compute: Option<EsrCompute>,
}

/// The ESR's data from the stored call, bid, consensus and ranking.
pub fn data(call: &Call, bid: &Bid, evaluated: Evaluated<'_>, countries: &Countries) -> EsrData {
    let Evaluated {
        experts,
        consensus,
        ranking,
        ineligible,
        compute,
    } = evaluated;
    let criteria = call
        .criteria
        .iter()
        .map(|c| {
            let own = consensus
                .iter()
                .find(|x| x.bid_id == bid.id && x.criterion == c.code);
            let mut call_scores: Vec<f64> = consensus
                .iter()
                .filter(|x| x.criterion == c.code && x.status != ConsensusStatus::Draft)
                .map(|x| x.score)
                .collect();
            call_scores.sort_by(f64::total_cmp);
            EsrCriterion {
                code: c.code.clone(),
                name: c.name.clone(),
                weight: c.weight,
                threshold: c.threshold,
                score: own.map(|x| x.score),
                status: own.map(|x| x.status),
                comment: own.map(|x| x.comment.clone()).unwrap_or_default(),
                minority_view: own.and_then(|x| x.minority_view.clone()),
                call_scores,
            }
        })
        .collect();
    let ranked = ranking.bids.iter().filter(|b| b.rank.is_some()).count();
    let row: Option<&RankedBid> = ranking.bids.iter().find(|b| b.bid_id == bid.id);
    let tie = ranking.ties.iter().find(|t| t.bids.contains(&bid.acronym));
    let own_step = row.and_then(|r| r.tie_break.last());
    let outcome = EsrOutcome {
        list: row.map_or(List::Pending, |r| r.list),
        rank: row.and_then(|r| r.rank),
        ranked,
        bids: ranking.bids.len(),
        weighted_total: row.and_then(|r| r.weighted_total),
        unweighted_total: row.and_then(|r| r.unweighted_total),
        overall_passed: row.and_then(|r| r.overall_passed),
        below_threshold: row
            .map(|r| {
                r.thresholds
                    .iter()
                    .filter(|t| !t.passed)
                    .map(|t| (t.criterion.clone(), t.score, t.threshold))
                    .collect()
            })
            .unwrap_or_default(),
        ineligible,
        funded_with_this_bid: row
            .filter(|r| r.list == List::Main)
            .and_then(|r| r.cumulative_requested_eu)
            .map(|e| e.as_euros_f64()),
        tied_with: tie.map_or(0, |t| t.bids.len().saturating_sub(1)),
        tie_rule: own_step
            .map(|s| s.rule.clone())
            .or_else(|| tie.and_then(|t| t.steps.first()).map(|s| s.rule.clone())),
        tie_equal_under: own_step.map(|s| s.equal_under.clone()).unwrap_or_default(),
        final_ranking: ranking.complete,
    };
    let members = bid
        .consortium
        .members
        .iter()
        .map(|m| {
            let code = &m.organisation.country.0;
            let c = countries.get(code);
            EsrMember {
                name: m.organisation.name.clone(),
                country: code.clone(),
                country_en: c.map_or_else(|| code.clone(), |c| c.en.clone()),
                country_fr: c.map_or_else(|| code.clone(), |c| c.fr.clone()),
                role: m.role,
            }
        })
        .collect();
    EsrData {
        call_code: call.code.clone(),
        call_title: call.title.clone(),
        programme: call.programme.clone(),
        budget_eur: call.budget.as_euros_f64(),
        scale: (call.settings.scale_min, call.settings.scale_max),
        overall_threshold: call.settings.overall_threshold,
        bid_id: bid.id,
        acronym: bid.acronym.clone(),
        title: bid.title.clone(),
        version: bid.version,
        consortium: bid.consortium.name.clone(),
        members,
        requested_eu: bid.requested_eu.as_euros_f64(),
        requested_member_state: bid.requested_member_state.as_euros_f64(),
        experts,
        criteria,
        outcome,
        compute,
    }
}

/// A tie-break rule as the call names it (`criterion RELEVANCE`), in words.
pub(crate) fn tie_rule(t: &Section<'_>, rule: &str) -> String {
    match rule.strip_prefix("criterion ") {
        Some(code) => t.fill("tie_criterion", &[("code", code)]),
        None => t.get(&format!("tie_{rule}")),
    }
}

pub(crate) fn role(t: &Section<'_>, role: MemberRole) -> String {
    let key = match role {
        MemberRole::Coordinator => "role_coordinator",
        MemberRole::HostingEntity => "role_hosting_entity",
        MemberRole::Partner => "role_partner",
        MemberRole::Investor => "role_investor",
    };
    t.get(key)
}

pub(crate) fn list_name(t: &Section<'_>, list: List) -> String {
    t.get(match list {
        List::Main => "list_main",
        List::Reserve => "list_reserve",
        List::Rejected => "list_rejected",
        List::Pending => "list_pending",
    })
}

fn score(v: Option<f64>, lang: &str) -> String {
    v.map_or_else(|| "—".into(), |v| number(v, 1, lang))
}

/// The ESR as PDF bytes.
pub fn render(
    d: &EsrData,
    lang: &str,
    date: NaiveDate,
    head: Option<&crate::store::audit::LogHead>,
) -> Result<Vec<u8>> {
    let hash = &d.input_hash(lang, date)?;
    let texts = Texts::load(lang)?;
    let t = texts.section("esr");
    let c = texts.section("common");
    let mut doc = Doc::new()?;
    let title = t.get("title");
    doc.title(
        &title,
        &t.fill(
            "subtitle",
            &[
                ("call", &d.call_code),
                ("acronym", &d.acronym),
                ("version", &d.version.to_string()),
                ("date", &date.to_string()),
            ],
        ),
    );
    if !d.outcome.final_ranking {
        doc.note(&t.get("provisional"));
    }
    doc.heading(&t.get("proposal"));
    let budget = eur_m(d.budget_eur, lang);
    let rows = vec![
        vec![t.get("call"), format!("{} — {}", d.call_code, d.call_title)],
        vec![t.get("programme"), d.programme.clone()],
        vec![t.get("call_budget"), budget.clone()],
        vec![t.get("acronym"), d.acronym.clone()],
        vec![t.get("bid_title"), d.title.clone()],
        vec![t.get("consortium"), d.consortium.clone()],
        vec![t.get("requested_eu"), eur_m(d.requested_eu, lang)],
        vec![
            t.get("requested_member_state"),
            eur_m(d.requested_member_state, lang),
        ],
        vec![t.get("experts"), d.experts.to_string()],
    ];
    doc.table(&c.facts_columns(2.5, Align::Left), &rows);
    doc.heading(&t.get("members"));
    let rows: Vec<Vec<String>> = d
        .members
        .iter()
        .map(|m| {
            vec![
                m.name.clone(),
                if lang == "fr" {
                    &m.country_fr
                } else {
                    &m.country_en
                }
                .clone(),
                role(&c, m.role),
            ]
        })
        .collect();
    doc.table(
        &[
            Column::left(t.get("member"), 2.6),
            Column::left(t.get("country"), 1.2),
            Column::left(t.get("role"), 1.2),
        ],
        &rows,
    );

    doc.heading(&t.get("outcome"));
    let o = &d.outcome;
    let mut lines = vec![match o.list {
        List::Main => t.fill(
            "outcome_main",
            &[
                ("rank", &o.rank.unwrap_or(0).to_string()),
                ("ranked", &o.ranked.to_string()),
                (
                    "funded",
                    &eur_m(o.funded_with_this_bid.unwrap_or(0.0), lang),
                ),
                ("budget", &budget),
            ],
        ),
        List::Reserve => t.fill(
            "outcome_reserve",
            &[
                ("rank", &o.rank.unwrap_or(0).to_string()),
                ("ranked", &o.ranked.to_string()),
                ("budget", &budget),
            ],
        ),
        List::Rejected if !o.ineligible.is_empty() => t.get("outcome_ineligible"),
        List::Rejected => t.get("outcome_thresholds"),
        List::Pending => t.get("outcome_pending"),
    }];
    for rule in &o.ineligible {
        lines.push(format!("• {rule}"));
    }
    for (code, s, th) in &o.below_threshold {
        lines.push(format!(
            "• {}",
            t.fill(
                "below_threshold",
                &[
                    ("code", code),
                    ("score", &number(*s, 1, lang)),
                    ("threshold", &number(*th, 1, lang)),
                ]
            )
        ));
    }
    if o.overall_passed == Some(false) {
        lines.push(format!(
            "• {}",
            t.fill(
                "below_overall",
                &[
                    ("total", &score(o.unweighted_total, lang)),
                    ("threshold", &number(d.overall_threshold, 1, lang)),
                ]
            )
        ));
    }
    if o.tied_with > 0 {
        let rule = o
            .tie_rule
            .as_deref()
            .map_or_else(|| t.get("tie_panel_decision"), |r| tie_rule(&t, r));
        let mut text = t.fill("tie", &[("n", &o.tied_with.to_string()), ("rule", &rule)]);
        if !o.tie_equal_under.is_empty() {
            let equal: Vec<String> = o.tie_equal_under.iter().map(|r| tie_rule(&t, r)).collect();
            text.push(' ');
            text.push_str(&t.fill("tie_equal", &[("rules", &equal.join(", "))]));
        }
        lines.push(text);
    }
    for l in &lines {
        doc.paragraph(l);
    }
    let rows = vec![
        vec![t.get("list"), list_name(&c, o.list)],
        vec![
            t.get("rank"),
            o.rank.map_or_else(
                || "—".into(),
                |r| {
                    t.fill(
                        "rank_of",
                        &[("rank", &r.to_string()), ("n", &o.ranked.to_string())],
                    )
                },
            ),
        ],
        vec![t.get("weighted_total"), score(o.weighted_total, lang)],
        vec![
            t.get("unweighted_total"),
            format!(
                "{} ({} {})",
                score(o.unweighted_total, lang),
                t.get("threshold_word"),
                number(d.overall_threshold, 1, lang)
            ),
        ],
    ];
    doc.table(&c.facts_columns(1.62, Align::Left), &rows);

    doc.heading(&t.get("scores"));
    let rows: Vec<Vec<String>> = d
        .criteria
        .iter()
        .map(|k| {
            let passed = k.score.map(|s| s + 1e-9 >= k.threshold);
            vec![
                format!("{} — {}", k.code, k.name),
                number(k.weight, 1, lang),
                number(k.threshold, 1, lang),
                score(k.score, lang),
                match passed {
                    Some(true) => t.get("passed"),
                    Some(false) => t.get("failed"),
                    None => "—".into(),
                },
            ]
        })
        .collect();
    doc.table(
        &[
            Column::left(t.get("criterion"), 3.0),
            Column::right(t.get("weight"), 0.8),
            Column::right(t.get("threshold"), 0.9),
            Column::right(t.get("score"), 0.8),
            Column::left(t.get("result"), 1.0),
        ],
        &rows,
    );
    let mut text = ChartText {
        caption: t.get("chart_caption"),
        x_axis: String::new(),
        y_axis: t.get("score"),
        legend: vec![
            t.get("chart_range"),
            t.get("chart_middle"),
            t.get("threshold"),
            t.get("chart_bid"),
        ],
        decimal: if lang == "fr" { ',' } else { '.' },
        scale: 2.0,
    };
    text.caption = text.caption.replace("{acronym}", &d.acronym);
    let rows: Vec<CriterionDistribution> = d
        .criteria
        .iter()
        .map(|k| CriterionDistribution {
            code: k.code.clone(),
            threshold: k.threshold,
            score: k.score,
            call: k.call_scores.clone(),
        })
        .collect();
    doc.chart(Some(&t.get("chart")), 1520, 700, |root| {
        draw_scores(root, &rows, d.scale, &text)
    })?;
    doc.note(&t.fill("chart_note", &[("n", &d.outcome.bids.to_string())]));

    doc.heading(&t.get("comments"));
    for k in &d.criteria {
        doc.subheading(&format!(
            "{} — {} · {} {}",
            k.code,
            k.name,
            t.get("score"),
            score(k.score, lang)
        ));
        if k.comment.trim().is_empty() {
            doc.note(&t.get("no_comment"));
        } else {
            doc.paragraph(&k.comment);
        }
        if k.status == Some(ConsensusStatus::MajorityView) {
            doc.note(&t.get("majority_view"));
        }
        if let Some(m) = &k.minority_view {
            doc.note(&t.fill("minority_view", &[("text", m)]));
        }
    }

    doc.heading(&t.get("compute"));
    match &d.compute {
        Some(x) => {
            let (low, central, high) = x.eur_per_h200e_hour;
            let eur = |v: f64| {
                if lang == "fr" {
                    format!("{} €", number(v, 2, lang))
                } else {
                    format!("€{}", number(v, 2, lang))
                }
            };
            let mut rows = vec![
                vec![
                    t.get("accelerator"),
                    format!(
                        "{} × {}",
                        number(x.accelerators as f64, 0, lang),
                        x.accelerator
                    ),
                ],
                vec![t.get("eur_per_hour"), eur(central)],
                vec![t.get("range"), format!("{} – {}", eur(high), eur(low))],
                vec![t.get("per_mwh"), number(x.h200e_hours_per_mwh, 0, lang)],
            ];
            if let Some(m) = x.call_median {
                rows.push(vec![t.get("call_median"), eur(m)]);
            }
            doc.table(&c.facts_columns(0.89, Align::Right), &rows);
            doc.note(&x.basis_note);
            if let Some(f) = &x.fallback_note {
                doc.note(f);
            }
        }
        None => doc.note(&t.get("no_compute")),
    }
    doc.heading(&t.get("about"));
    doc.paragraph(&t.get("about_text"));

    let frame = texts.frame(
        format!("{title} · {} · {}", d.call_code, d.acronym),
        hash,
        head,
    );
    let key = d.keyword(lang, date, hash, head);
    doc.finish(&frame, &format!("{title} — {}", d.acronym), vec![key])
}

impl ReportData for EsrData {
    const KIND: &'static str = "esr";
    const KEY: &'static str = "bid";
    fn source(&self) -> String {
        self.bid_id.to_string()
    }
}
