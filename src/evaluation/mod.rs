//! Evaluation of a call (EVALUATION.md): conflicts of interest, assignment, individual
//! scores with blinding, consensus, ranking within the budget, evaluator calibration and
//! offline evaluator packages.
//!
//! Pure rules (assignment, ranking, calibration) work on plain values so that they can be
//! tested and benchmarked without a database; the functions that write go through
//! [`Store::write`] so that every change is one transaction with its audit entries.

pub mod assign;
pub mod calibration;
pub mod conflicts;
pub mod consensus;
pub mod package;
pub mod ranking;
pub mod scoring;

use crate::error::{Error, Location, Result};
use crate::model::{Assignment, Bid, Call, Conflict, Evaluator};
use crate::store;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Who is looking: the programme office sees everything; an evaluator sees their own
/// assignments, and other experts' scores for a bid only once their own are submitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "role", content = "evaluator_id", rename_all = "snake_case")]
pub enum Viewer {
    Office,
    Evaluator(i64),
}

/// Everything about one call that the evaluation rules read.
#[derive(Clone, Debug)]
pub struct CallData {
    pub call: Call,
    pub bids: Vec<Bid>,
    pub evaluators: Vec<Evaluator>,
    pub conflicts: Vec<Conflict>,
    pub assignments: Vec<Assignment>,
}

impl CallData {
    pub fn load(conn: &Connection, call_code: &str) -> Result<CallData> {
        let call = store::calls::by_code(conn, call_code)?;
        let bids = store::evaluation::call_bid_ids(conn, call.id)?
            .into_iter()
            .map(|id| store::bids::get(conn, id))
            .collect::<Result<Vec<_>>>()?;
        Ok(CallData {
            evaluators: store::evaluation::evaluators(conn)?,
            conflicts: store::evaluation::conflicts(conn)?,
            assignments: store::evaluation::assignments(conn, call.id)?,
            call,
            bids,
        })
    }

    /// Like [`CallData::load`], with each bid's head, scope and consortium only: what
    /// conflicts and assignment read (a thousand whole bids take a while to load).
    pub fn load_consortia(conn: &Connection, call_code: &str) -> Result<CallData> {
        let call = store::calls::by_code(conn, call_code)?;
        let ids = store::evaluation::call_bid_ids(conn, call.id)?;
        Ok(CallData {
            bids: store::bids::consortia_of(conn, &ids)?,
            evaluators: store::evaluation::evaluators(conn)?,
            conflicts: store::evaluation::conflicts(conn)?,
            assignments: store::evaluation::assignments(conn, call.id)?,
            call,
        })
    }

    pub fn bid(&self, id: i64) -> Option<&Bid> {
        self.bids.iter().find(|b| b.id == id)
    }

    pub fn evaluator(&self, id: i64) -> Option<&Evaluator> {
        self.evaluators.iter().find(|e| e.id == id)
    }

    /// The bid of this call named by acronym (case-insensitive) or numeric id.
    pub fn bid_by_key(&self, key: &str) -> Result<&Bid> {
        let found = match key.parse::<i64>() {
            Ok(id) => self.bid(id),
            Err(_) => self
                .bids
                .iter()
                .find(|b| b.acronym.eq_ignore_ascii_case(key.trim())),
        };
        found.ok_or_else(|| Error::NotFound {
            kind: "bid",
            key: format!("{} in call {}", key, self.call.code),
        })
    }
}

/// A bid named `ACRONYM` in `call`, as the CLI and the app name them.
pub fn bid_id(conn: &Connection, call_code: &str, key: &str) -> Result<i64> {
    let call = store::calls::by_code(conn, call_code)?;
    let heads = store::evaluation::call_bid_heads(conn, call.id)?;
    let by_id = key.parse::<i64>().ok();
    if let Some((id, _, _)) = heads
        .iter()
        .find(|(id, acronym, _)| Some(*id) == by_id || acronym.eq_ignore_ascii_case(key.trim()))
    {
        return Ok(*id);
    }
    Err(Error::NotFound {
        kind: "bid",
        key: format!("{key} in call {call_code}"),
    })
}

/// Checks a score against the call's scale: within [min, max], on the step.
pub fn check_scale(call: &Call, score: f64) -> std::result::Result<(), String> {
    let s = &call.settings;
    if !score.is_finite() || score < s.scale_min - 1e-9 || score > s.scale_max + 1e-9 {
        return Err(format!(
            "a score must be between {} and {}",
            s.scale_min, s.scale_max
        ));
    }
    let steps = (score - s.scale_min) / s.step;
    if (steps - steps.round()).abs() > 1e-9 {
        return Err(format!(
            "a score must be a multiple of {} from {} (e.g. 3 or 3.5)",
            s.step, s.scale_min
        ));
    }
    Ok(())
}

/// A refusal that names the bid (as the sheet), the field and the rule broken.
pub(crate) fn refuse(
    place: &str,
    field: &str,
    rule: impl Into<String>,
    found: Option<String>,
) -> Error {
    Error::invalid(
        Location::default().with_sheet(place).with_field(field),
        rule,
        found,
    )
}

/// The official ranking of a call, with the advisory calibration views when asked for.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct CallRanking {
    pub call: String,
    pub title: String,
    pub ranking: ranking::Ranking,
    pub calibration: Option<calibration::Calibration>,
}

/// The rules and candidates of a call as stored: consensus scores (approved, or a majority
/// view) rank; eligibility from the call's rules; panel decisions for rule 4.
pub fn ranking_inputs(
    conn: &Connection,
    data: &CallData,
) -> Result<(ranking::Rules, Vec<ranking::Candidate>)> {
    use crate::model::ConsensusStatus;
    let call = &data.call;
    let countries = crate::countries::countries()?;
    let eu = vec!["eu".to_string()];
    let rules = ranking::Rules {
        criteria: call
            .criteria
            .iter()
            .map(|c| ranking::Rule {
                code: c.code.clone(),
                weight: c.weight,
                threshold: c.threshold,
            })
            .collect(),
        overall_threshold: call.settings.overall_threshold,
        tie_break: call.settings.tie_break.clone(),
        budget: call.budget,
        budget_line: call.settings.budget_line,
    };
    // The approved consensus score of each bid and criterion, and each bid's panel
    // decision, looked up by key (a call of 1,000 bids has 6,000 consensus rows).
    let consensus = store::evaluation::call_consensus(conn, call.id)?;
    // The first row of each key counts, as a search in row order would find it.
    let mut approved = std::collections::HashMap::new();
    for x in &consensus {
        if matches!(
            x.status,
            ConsensusStatus::Approved | ConsensusStatus::MajorityView
        ) {
            approved
                .entry((x.bid_id, x.criterion.as_str()))
                .or_insert(x.score);
        }
    }
    let decisions = store::evaluation::panel_decisions(conn, call.id)?;
    let mut panel = std::collections::HashMap::new();
    for p in &decisions {
        panel.entry(p.bid_id).or_insert(p);
    }
    let candidates = data
        .bids
        .iter()
        .map(|b| {
            let ineligible: Vec<String> = crate::eligibility::check(call, b, countries)
                .into_iter()
                .filter(|r| !r.passed)
                .map(|r| format!("{} ({})", r.code, r.detail))
                .collect();
            let mut missing = Vec::new();
            let mut scores = Vec::new();
            for c in &call.criteria {
                match approved.get(&(b.id, c.code.as_str())) {
                    Some(score) => scores.push(*score),
                    None => missing.push(c.code.as_str()),
                }
            }
            let mut member_states: Vec<String> = b
                .consortium
                .members
                .iter()
                .map(|m| m.organisation.country.0.clone())
                .filter(|c| countries.in_any(c, &eu))
                .collect();
            member_states.sort();
            member_states.dedup();
            ranking::Candidate {
                bid_id: b.id,
                acronym: b.acronym.clone(),
                requested_eu: b.requested_eu,
                scope: b.scope.clone(),
                member_states,
                ineligible,
                scores: if missing.is_empty() {
                    Ok(scores)
                } else {
                    Err(format!(
                        "pending: no approved consensus on {}",
                        missing.join(", ")
                    ))
                },
                panel: panel.get(&b.id).map(|p| (p.position, p.reason.clone())),
            }
        })
        .collect();
    Ok((rules, candidates))
}

/// Ranks a call from the database; with `calibration_min_bids`, adds the advisory views.
pub fn rank_call(
    conn: &Connection,
    call_code: &str,
    calibration_min_bids: Option<u32>,
) -> Result<CallRanking> {
    let data = CallData::load(conn, call_code)?;
    let (rules, candidates) = ranking_inputs(conn, &data)?;
    let official = ranking::rank(&rules, &candidates);
    let calibration = match calibration_min_bids {
        None => None,
        Some(min_bids) => {
            let index: std::collections::HashMap<&str, usize> = data
                .call
                .criteria
                .iter()
                .enumerate()
                .map(|(i, c)| (c.code.as_str(), i))
                .collect();
            let individual: Vec<calibration::Individual> =
                store::evaluation::call_scores(conn, data.call.id)?
                    .into_iter()
                    .filter(|s| s.status == crate::model::ScoreStatus::Submitted)
                    .filter_map(|s| {
                        Some(calibration::Individual {
                            bid_id: s.bid_id,
                            evaluator_id: s.evaluator_id,
                            criterion: *index.get(s.criterion.as_str())?,
                            score: s.score,
                        })
                    })
                    .collect();
            let names = data
                .evaluators
                .iter()
                .map(|e| (e.id, e.name.clone()))
                .collect();
            Some(calibration::calibrate(
                &rules,
                &candidates,
                &individual,
                &names,
                min_bids,
                (data.call.settings.scale_min, data.call.settings.scale_max),
            )?)
        }
    };
    Ok(CallRanking {
        call: data.call.code.clone(),
        title: data.call.title.clone(),
        ranking: official,
        calibration,
    })
}
