//! Ranking of a call within its budget (EVALUATION.md step 4): thresholds on unweighted
//! scores, weighted totals for the order, ties broken by the call's ex-aequo rules with a
//! trace, the main list funded in rank order within the budget, the reserve list, and the
//! rejected bids with their reason. Pure: the inputs are plain values.

use crate::model::{BudgetLineRule, Eur, TieBreak};
use serde::Serialize;
use std::collections::HashSet;
use ts_rs::TS;

/// One criterion of the call as ranking needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub code: String,
    pub weight: f64,
    pub threshold: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    pub criteria: Vec<Rule>,
    pub overall_threshold: f64,
    pub tie_break: Vec<TieBreak>,
    pub budget: Eur,
    pub budget_line: BudgetLineRule,
}

/// One bid as ranking needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub bid_id: i64,
    pub acronym: String,
    pub requested_eu: Eur,
    pub scope: Vec<String>,
    /// EU Member States represented in the consortium (sorted, unique).
    pub member_states: Vec<String>,
    /// Eligibility rules failed, each with the data that failed it.
    pub ineligible: Vec<String>,
    /// The final score of each criterion, in the order of `Rules::criteria`; `Err` says
    /// why the bid cannot be ranked yet.
    pub scores: Result<Vec<f64>, String>,
    /// A position and reason the panel recorded (ex aequo rule 4).
    pub panel: Option<(u32, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum List {
    Main,
    Reserve,
    Rejected,
    /// Not yet rankable: consensus missing.
    Pending,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ThresholdCheck {
    pub criterion: String,
    pub score: f64,
    pub threshold: f64,
    pub passed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct TieStep {
    /// The rule as the call names it (`criterion RELEVANCE`, `uncovered_scope`…).
    pub rule: String,
    /// The bid placed first among those still tied.
    pub placed: String,
    /// The bids it was placed before at this step.
    pub over: Vec<String>,
    /// What the rule compared, e.g. `RELEVANCE 4.5 vs 4.0`.
    pub detail: String,
    /// Earlier rules of the call that left these bids equal.
    pub equal_under: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct RankedBid {
    /// Position among the bids that passed the thresholds (1 = best).
    pub rank: Option<u32>,
    pub bid_id: i64,
    pub acronym: String,
    pub requested_eu: Eur,
    pub scores: Vec<f64>,
    pub unweighted_total: Option<f64>,
    pub weighted_total: Option<f64>,
    pub thresholds: Vec<ThresholdCheck>,
    pub overall_passed: Option<bool>,
    pub thresholds_passed: bool,
    pub list: List,
    pub reason: String,
    /// Requested EU contribution of this bid and every ranked bid above it.
    pub cumulative_requested_eu: Option<Eur>,
    /// The tie-break steps that placed this bid, when it was tied.
    pub tie_break: Vec<TieStep>,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct TieGroup {
    pub weighted_total: f64,
    pub bids: Vec<String>,
    pub steps: Vec<TieStep>,
    /// Every rule of the call left some bids equal: the panel must record a decision.
    pub unresolved: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Ranking {
    pub criteria: Vec<String>,
    pub budget: Eur,
    pub budget_line: BudgetLineRule,
    pub funded: Eur,
    /// Rank, in order: main list, reserve list, then rejected and pending bids.
    pub bids: Vec<RankedBid>,
    pub ties: Vec<TieGroup>,
    /// No bid is pending: the ranking is final for the data stored.
    pub complete: bool,
}

/// Weighted totals equal to this precision are a tie (scores are half points).
fn tie_key(total: f64) -> i64 {
    (total * 1e6).round() as i64
}

/// Euros in millions as the CLI and reasons show them: `€1,450.0m`.
pub fn eur_m(v: Eur) -> String {
    crate::report::format::eur_m(v.as_euros_f64(), "en")
}

fn fmt_score(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Ranks the candidates under the rules, with every reason and trace written out.
pub fn rank(rules: &Rules, candidates: &[Candidate]) -> Ranking {
    let scores: Vec<Result<Vec<f64>, String>> =
        candidates.iter().map(|c| c.scores.clone()).collect();
    rank_scored(rules, candidates, &scores, true)
}

/// Ranks the candidates with `scores[i]` in place of `candidates[i].scores`. Without
/// `explain`, reasons and trace details are left empty: the lists, ranks and totals are
/// the same (what leave-one-out needs, hundreds of times).
pub fn rank_scored(
    rules: &Rules,
    candidates: &[Candidate],
    scores: &[Result<Vec<f64>, String>],
    explain: bool,
) -> Ranking {
    let mut out: Vec<RankedBid> = Vec::with_capacity(candidates.len());
    let mut passing: Vec<(usize, f64)> = Vec::new();
    let mut rejected: Vec<RankedBid> = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        let base = RankedBid {
            rank: None,
            bid_id: c.bid_id,
            acronym: c.acronym.clone(),
            requested_eu: c.requested_eu,
            scores: Vec::new(),
            unweighted_total: None,
            weighted_total: None,
            thresholds: Vec::new(),
            overall_passed: None,
            thresholds_passed: false,
            list: List::Rejected,
            reason: String::new(),
            cumulative_requested_eu: None,
            tie_break: Vec::new(),
        };
        if !c.ineligible.is_empty() {
            rejected.push(RankedBid {
                reason: format!("ineligible: {}", c.ineligible.join("; ")),
                ..base
            });
            continue;
        }
        let scores = match &scores[i] {
            Ok(s) => s.clone(),
            Err(why) => {
                rejected.push(RankedBid {
                    list: List::Pending,
                    reason: why.clone(),
                    ..base
                });
                continue;
            }
        };
        let failed_any = rules
            .criteria
            .iter()
            .zip(&scores)
            .any(|(r, &s)| s < r.threshold - 1e-9);
        let thresholds: Vec<ThresholdCheck> = if !explain {
            Vec::new()
        } else {
            rules
                .criteria
                .iter()
                .zip(&scores)
                .map(|(r, &s)| ThresholdCheck {
                    criterion: r.code.clone(),
                    score: s,
                    threshold: r.threshold,
                    passed: s >= r.threshold - 1e-9,
                })
                .collect()
        };
        // Thresholds on the unweighted scores; weights only rank.
        let unweighted: f64 = scores.iter().sum();
        let weighted: f64 = rules
            .criteria
            .iter()
            .zip(&scores)
            .map(|(r, s)| r.weight * s)
            .sum();
        let overall = unweighted >= rules.overall_threshold - 1e-9;
        let failed: Vec<String> = thresholds
            .iter()
            .filter(|_| explain)
            .filter(|t| !t.passed)
            .map(|t| {
                format!(
                    "{} {} below its threshold of {}",
                    t.criterion,
                    fmt_score(t.score),
                    fmt_score(t.threshold)
                )
            })
            .collect();
        let passed = !failed_any && overall;
        let mut reasons = failed;
        if !overall && explain {
            reasons.push(format!(
                "overall {} below the threshold of {} (unweighted sum)",
                fmt_score(unweighted),
                fmt_score(rules.overall_threshold)
            ));
        }
        let bid = RankedBid {
            scores,
            unweighted_total: Some(unweighted),
            weighted_total: Some(weighted),
            thresholds,
            overall_passed: Some(overall),
            thresholds_passed: passed,
            reason: reasons.join("; "),
            ..base
        };
        if passed {
            passing.push((i, weighted));
            out.push(bid);
        } else {
            rejected.push(bid);
        }
    }
    // `out` holds passing bids in candidate order; index them by candidate index.
    let mut by_candidate: std::collections::HashMap<usize, RankedBid> =
        passing.iter().map(|(i, _)| *i).zip(out.drain(..)).collect();

    passing.sort_by(|a, b| {
        tie_key(b.1)
            .cmp(&tie_key(a.1))
            .then_with(|| candidates[a.0].acronym.cmp(&candidates[b.0].acronym))
    });

    let mut ranked: Vec<RankedBid> = Vec::with_capacity(passing.len());
    let mut ties = Vec::new();
    let mut covered: HashSet<String> = HashSet::new();
    let mut funded_states: HashSet<String> = HashSet::new();
    let mut funded = Eur::ZERO;
    let mut cumulative = Eur::ZERO;
    let mut stopped = false;
    let mut place = |idx: usize,
                     steps: Vec<TieStep>,
                     ranked: &mut Vec<RankedBid>,
                     covered: &mut HashSet<String>,
                     funded_states: &mut HashSet<String>| {
        let c = &candidates[idx];
        let Some(mut b) = by_candidate.remove(&idx) else {
            return;
        };
        cumulative = cumulative + c.requested_eu;
        b.rank = Some(ranked.len() as u32 + 1);
        b.cumulative_requested_eu = Some(cumulative);
        b.tie_break = steps;
        let fits = funded + c.requested_eu <= rules.budget;
        if !stopped && fits {
            funded = funded + c.requested_eu;
            b.list = List::Main;
            b.reason = if !explain {
                String::new()
            } else {
                format!(
                    "main list: {} of the budget of {} used with this bid",
                    eur_m(funded),
                    eur_m(rules.budget)
                )
            };
            funded_states.extend(c.member_states.iter().cloned());
        } else {
            b.list = List::Reserve;
            b.reason = if !explain {
                String::new()
            } else if stopped {
                "reserve list: passed the thresholds, below the budget line".to_string()
            } else {
                format!(
                    "reserve list: {} requested does not fit the {} left of the budget",
                    eur_m(c.requested_eu),
                    eur_m(rules.budget - funded)
                )
            };
            if rules.budget_line == BudgetLineRule::StopAtFirstMisfit {
                stopped = true;
            }
        }
        covered.extend(c.scope.iter().cloned());
        ranked.push(b);
    };

    let mut i = 0;
    while i < passing.len() {
        let key = tie_key(passing[i].1);
        let mut j = i;
        while j < passing.len() && tie_key(passing[j].1) == key {
            j += 1;
        }
        let group: Vec<usize> = passing[i..j].iter().map(|(idx, _)| *idx).collect();
        if group.len() == 1 {
            place(
                group[0],
                Vec::new(),
                &mut ranked,
                &mut covered,
                &mut funded_states,
            );
        } else {
            let mut remaining = group.clone();
            let mut steps_all = Vec::new();
            let mut unresolved = false;
            while !remaining.is_empty() {
                let (chosen, steps, resolved) = break_tie(
                    explain,
                    rules,
                    candidates,
                    scores,
                    &remaining,
                    &covered,
                    &funded_states,
                );
                unresolved |= !resolved;
                remaining.retain(|x| *x != chosen);
                steps_all.extend(steps.iter().cloned());
                place(chosen, steps, &mut ranked, &mut covered, &mut funded_states);
            }
            ties.push(TieGroup {
                weighted_total: passing[i].1,
                bids: group
                    .iter()
                    .map(|g| candidates[*g].acronym.clone())
                    .collect(),
                steps: steps_all,
                unresolved,
            });
        }
        i = j;
    }
    rejected.sort_by(|a, b| {
        (a.list == List::Pending)
            .cmp(&(b.list == List::Pending))
            .then_with(|| {
                b.weighted_total
                    .unwrap_or(f64::NEG_INFINITY)
                    .total_cmp(&a.weighted_total.unwrap_or(f64::NEG_INFINITY))
            })
            .then_with(|| a.acronym.cmp(&b.acronym))
    });
    let complete = !rejected.iter().any(|b| b.list == List::Pending);
    ranked.extend(rejected);
    Ranking {
        criteria: rules.criteria.iter().map(|c| c.code.clone()).collect(),
        budget: rules.budget,
        budget_line: rules.budget_line,
        funded,
        bids: ranked,
        ties,
        complete,
    }
}

/// Chooses the next bid among tied ones; returns it, the steps that decided, and whether
/// a rule decided (`false`: every rule left them equal; acronym order, panel to decide).
fn break_tie(
    explain: bool,
    rules: &Rules,
    candidates: &[Candidate],
    scores: &[Result<Vec<f64>, String>],
    tied: &[usize],
    covered: &HashSet<String>,
    funded_states: &HashSet<String>,
) -> (usize, Vec<TieStep>, bool) {
    let mut pool: Vec<usize> = tied.to_vec();
    pool.sort_by(|a, b| candidates[*a].acronym.cmp(&candidates[*b].acronym));
    if pool.len() == 1 {
        return (pool[0], Vec::new(), true);
    }
    let mut steps = Vec::new();
    let mut equal_under = Vec::new();
    for rule in &rules.tie_break {
        let keyed: Vec<(usize, f64, String)> = pool
            .iter()
            .map(|&i| {
                let (k, d) = key(
                    explain,
                    rules,
                    &candidates[i],
                    &scores[i],
                    rule,
                    covered,
                    funded_states,
                );
                (i, k, d)
            })
            .collect();
        let best = keyed.iter().map(|x| x.1).fold(f64::NEG_INFINITY, f64::max);
        let (keep, drop): (Vec<_>, Vec<_>) = keyed.iter().partition(|x| x.1 == best);
        if drop.is_empty() {
            equal_under.push(rule_label(rule));
            continue;
        }
        let detail = if explain {
            keyed
                .iter()
                .map(|(i, _, d)| format!("{} {d}", candidates[*i].acronym))
                .collect::<Vec<_>>()
                .join(" vs ")
        } else {
            String::new()
        };
        // `placed` is set below to the bid this pick places: every bid a rule drops is
        // placed after it (a later pick may order the dropped ones differently, so a step
        // never claims more than that).
        steps.push(TieStep {
            rule: rule_label(rule),
            placed: String::new(),
            over: drop
                .iter()
                .map(|x| candidates[x.0].acronym.clone())
                .collect(),
            detail,
            equal_under: std::mem::take(&mut equal_under),
        });
        pool = keep.iter().map(|x| x.0).collect();
        if pool.len() == 1 {
            return (
                pool[0],
                name_placed(steps, &candidates[pool[0]].acronym),
                true,
            );
        }
    }
    let placed = pool[0];
    let mut steps = name_placed(steps, &candidates[placed].acronym);
    steps.push(TieStep {
        rule: "unresolved".into(),
        placed: candidates[placed].acronym.clone(),
        over: pool[1..]
            .iter()
            .map(|i| candidates[*i].acronym.clone())
            .collect(),
        detail: "every rule of the call leaves these bids equal: shown in acronym order until the panel records its decision".into(),
        equal_under,
    });
    (placed, steps, false)
}

/// Names the bid a pick placed in each of its steps.
fn name_placed(mut steps: Vec<TieStep>, placed: &str) -> Vec<TieStep> {
    for s in &mut steps {
        s.placed = placed.to_string();
    }
    steps
}

fn rule_label(rule: &TieBreak) -> String {
    match rule {
        TieBreak::UncoveredScope => "uncovered_scope".into(),
        TieBreak::Criterion { code } => format!("criterion {code}"),
        TieBreak::NewMemberStates => "new_member_states".into(),
        TieBreak::LowerRequestedBudget => "lower_requested_budget".into(),
        TieBreak::PanelDecision => "panel_decision".into(),
    }
}

/// The value a rule compares (higher is better) and how to show it.
fn key(
    explain: bool,
    rules: &Rules,
    c: &Candidate,
    scores: &Result<Vec<f64>, String>,
    rule: &TieBreak,
    covered: &HashSet<String>,
    funded_states: &HashSet<String>,
) -> (f64, String) {
    match rule {
        TieBreak::UncoveredScope => {
            if !explain {
                let any = c.scope.iter().any(|s| !covered.contains(s));
                return (f64::from(u8::from(any)), String::new());
            }
            let new: Vec<&String> = c.scope.iter().filter(|s| !covered.contains(*s)).collect();
            if new.is_empty() {
                (0.0, "covers nothing new".into())
            } else {
                (
                    1.0,
                    format!(
                        "covers {}",
                        new.iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            }
        }
        TieBreak::Criterion { code } => {
            let v = rules
                .criteria
                .iter()
                .position(|r| &r.code == code)
                .and_then(|p| scores.as_ref().ok().and_then(|s| s.get(p)))
                .copied()
                .unwrap_or(f64::NEG_INFINITY);
            (
                v,
                if explain {
                    format!("{code} {}", fmt_score(v))
                } else {
                    String::new()
                },
            )
        }
        TieBreak::NewMemberStates => {
            let n = c
                .member_states
                .iter()
                .filter(|s| !funded_states.contains(*s))
                .count();
            (
                n as f64,
                if explain {
                    format!("{n} Member States not yet funded")
                } else {
                    String::new()
                },
            )
        }
        TieBreak::LowerRequestedBudget => (
            -(c.requested_eu.cents() as f64),
            if explain {
                format!("requests {}", eur_m(c.requested_eu))
            } else {
                String::new()
            },
        ),
        TieBreak::PanelDecision => match &c.panel {
            Some((pos, reason)) => (-(*pos as f64), format!("panel position {pos}: {reason}")),
            None => (f64::NEG_INFINITY, "no panel decision recorded".into()),
        },
    }
}
