//! Consensus (EVALUATION.md step 3): per bid and criterion, the individual scores and
//! their spread; a spread of 1.5 points or more needs a reconciliation note before
//! approval; the consensus score and comment are approved by every expert of the bid;
//! without consensus the majority view is recorded with the minority view beside it.

use super::{Viewer, check_scale, refuse};
use crate::error::{Error, Location, Problem, Result};
use crate::model::{Actor, AssignmentRole, ConsensusScore, ConsensusStatus, Score, ScoreStatus};
use crate::store::{self, Store};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;

/// The spread (max − min) at which a written reconciliation note becomes necessary.
pub const RECONCILE_SPREAD: f64 = 1.5;

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Expert {
    pub evaluator_id: i64,
    pub name: String,
    pub role: AssignmentRole,
    pub submitted: bool,
    pub approved: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Individual {
    pub evaluator_id: i64,
    pub name: String,
    pub score: f64,
    pub comment: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct CriterionConsensus {
    pub code: String,
    pub name: String,
    pub description: String,
    pub weight: f64,
    pub threshold: f64,
    pub individual: Vec<Individual>,
    pub mean: Option<f64>,
    pub spread: Option<f64>,
    /// Spread ≥ 1.5: a reconciliation note is required.
    pub divergent: bool,
    pub consensus: Option<ConsensusScore>,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ConsensusView {
    pub bid_id: i64,
    pub acronym: String,
    pub title: String,
    pub experts: Vec<Expert>,
    /// Every expert has submitted: consensus may be drafted.
    pub ready: bool,
    pub criteria: Vec<CriterionConsensus>,
    /// Approved (or majority view) on every criterion: the bid can be ranked.
    pub complete: bool,
}

/// Spread of submitted scores (max − min); `None` without any.
pub fn spread(scores: &[f64]) -> Option<f64> {
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = scores.iter().copied().fold(f64::INFINITY, f64::min);
    (!scores.is_empty()).then_some(max - min)
}

pub fn view(
    conn: &Connection,
    viewer: Viewer,
    call_code: &str,
    bid_id: i64,
) -> Result<ConsensusView> {
    let call = store::calls::by_code(conn, call_code)?;
    let (acronym, title): (String, String) = conn.query_row(
        "SELECT acronym, title FROM bids WHERE id = ?1",
        [bid_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    // A suspended assignment (a conflict found after it was made) is off the panel.
    let assignments: Vec<_> = store::evaluation::bid_assignments(conn, bid_id)?
        .into_iter()
        .filter(|a| a.suspended.is_none())
        .collect();
    if let Viewer::Evaluator(me) = viewer {
        if !assignments.iter().any(|a| a.evaluator_id == me) {
            return Err(Error::NotFound {
                kind: "assignment",
                key: format!("{acronym} for evaluator {me}"),
            });
        }
        if store::evaluation::submitted_at(conn, bid_id, me)?.is_none() {
            return Err(Error::Conflict(format!(
                "the consensus of {acronym} is shown once you have submitted your own scores"
            )));
        }
    }
    let names: HashMap<i64, String> = store::evaluation::evaluators(conn)?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let scores: Vec<Score> = store::evaluation::bid_scores(conn, bid_id)?
        .into_iter()
        .filter(|s| s.status == ScoreStatus::Submitted)
        .filter(|s| assignments.iter().any(|a| a.evaluator_id == s.evaluator_id))
        .collect();
    let consensus = store::evaluation::bid_consensus(conn, bid_id)?;
    let mut experts = Vec::new();
    for a in &assignments {
        experts.push(Expert {
            evaluator_id: a.evaluator_id,
            name: names.get(&a.evaluator_id).cloned().unwrap_or_default(),
            role: a.role,
            submitted: store::evaluation::submitted_at(conn, bid_id, a.evaluator_id)?.is_some(),
            approved: !consensus.is_empty()
                && consensus
                    .iter()
                    .all(|c| c.approved_by.contains(&a.evaluator_id)),
        });
    }
    let criteria: Vec<CriterionConsensus> = call
        .criteria
        .iter()
        .map(|c| {
            let individual: Vec<Individual> = scores
                .iter()
                .filter(|s| s.criterion == c.code)
                .map(|s| Individual {
                    evaluator_id: s.evaluator_id,
                    name: names.get(&s.evaluator_id).cloned().unwrap_or_default(),
                    score: s.score,
                    comment: s.comment.clone(),
                })
                .collect();
            let values: Vec<f64> = individual.iter().map(|i| i.score).collect();
            let sp = spread(&values);
            CriterionConsensus {
                code: c.code.clone(),
                name: c.name.clone(),
                description: c.description.clone(),
                weight: c.weight,
                threshold: c.threshold,
                mean: (!values.is_empty())
                    .then(|| values.iter().sum::<f64>() / values.len() as f64),
                spread: sp,
                divergent: sp.is_some_and(|s| s >= RECONCILE_SPREAD - 1e-9),
                individual,
                consensus: consensus.iter().find(|x| x.criterion == c.code).cloned(),
            }
        })
        .collect();
    let ready = !experts.is_empty() && experts.iter().all(|e| e.submitted);
    let complete = criteria.iter().all(|c| {
        c.consensus.as_ref().is_some_and(|x| {
            matches!(
                x.status,
                ConsensusStatus::Approved | ConsensusStatus::MajorityView
            )
        })
    });
    Ok(ConsensusView {
        bid_id,
        acronym,
        title,
        experts,
        ready,
        criteria,
        complete,
    })
}

/// The rapporteur's (or the office's) draft of one criterion's consensus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ConsensusDraft {
    pub criterion: String,
    pub score: f64,
    pub comment: String,
    #[serde(default)]
    pub reconciliation_note: Option<String>,
    /// When set, there is no consensus: the score and comment are the majority view and
    /// this is the minority view.
    #[serde(default)]
    pub minority_view: Option<String>,
}

fn clean(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// Writes a draft consensus for one criterion; approvals given before are withdrawn.
pub fn draft(
    store: &mut Store,
    actor: &Actor,
    viewer: Viewer,
    call_code: &str,
    bid_id: i64,
    d: &ConsensusDraft,
) -> Result<ConsensusScore> {
    // Every check inside the write it guards.
    store.write(actor, |tx| draft_in(tx, viewer, call_code, bid_id, d))
}

fn draft_in(
    tx: &mut store::Tx<'_>,
    viewer: Viewer,
    call_code: &str,
    bid_id: i64,
    d: &ConsensusDraft,
) -> Result<ConsensusScore> {
    let v = view(tx.conn(), Viewer::Office, call_code, bid_id)?;
    let call = store::calls::by_code(tx.conn(), call_code)?;
    if let Viewer::Evaluator(me) = viewer
        && !v
            .experts
            .iter()
            .any(|e| e.evaluator_id == me && e.role == AssignmentRole::Rapporteur)
    {
        return Err(refuse(
            &v.acronym,
            "consensus",
            "only the bid's rapporteur or the programme office drafts the consensus",
            None,
        ));
    }
    if !v.ready {
        let waiting: Vec<&str> = v
            .experts
            .iter()
            .filter(|e| !e.submitted)
            .map(|e| e.name.as_str())
            .collect();
        return Err(refuse(
            &v.acronym,
            "consensus",
            format!(
                "consensus starts once every expert has submitted; waiting for {}",
                waiting.join(", ")
            ),
            None,
        ));
    }
    let Some(c) = v.criteria.iter().find(|c| c.code == d.criterion) else {
        return Err(refuse(
            &v.acronym,
            "criterion",
            format!(
                "the call's criteria are {}",
                v.criteria
                    .iter()
                    .map(|c| c.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some(d.criterion.clone()),
        ));
    };
    check_scale(&call, d.score)
        .map_err(|rule| refuse(&v.acronym, &d.criterion, rule, Some(d.score.to_string())))?;
    let min = call.settings.min_comment_chars as usize;
    if d.comment.trim().chars().count() < min {
        return Err(refuse(
            &v.acronym,
            &format!("{} comment", d.criterion),
            format!("the consensus comment must have at least {min} characters"),
            Some(format!("{} characters", d.comment.trim().chars().count())),
        ));
    }
    let minority = clean(&d.minority_view);
    let note = clean(&d.reconciliation_note);
    if c.divergent && note.is_none() && minority.is_none() {
        return Err(refuse(
            &v.acronym,
            &format!("{} reconciliation note", d.criterion),
            format!(
                "the individual scores differ by {:.1} points (1.5 or more): write a reconciliation note, or record a majority view with the minority view",
                c.spread.unwrap_or(0.0)
            ),
            None,
        ));
    }
    let status = if minority.is_some() {
        ConsensusStatus::MajorityView
    } else {
        ConsensusStatus::Draft
    };
    let record = ConsensusScore {
        bid_id,
        criterion: d.criterion.clone(),
        score: d.score,
        comment: d.comment.trim().to_string(),
        reconciliation_note: note,
        minority_view: minority,
        status,
        approved_by: Vec::new(),
    };
    {
        store::evaluation::put_consensus(tx, &record, "consensus.draft")?;
        // Any change withdraws the approvals of the other criteria too: the experts
        // approve the consensus report as a whole.
        for other in store::evaluation::bid_consensus(tx.conn(), bid_id)? {
            if other.criterion != record.criterion && !other.approved_by.is_empty() {
                let status = match other.status {
                    ConsensusStatus::Approved => ConsensusStatus::Draft,
                    s => s,
                };
                store::evaluation::put_consensus(
                    tx,
                    &ConsensusScore {
                        approved_by: Vec::new(),
                        status,
                        ..other
                    },
                    "consensus.approval_withdrawn",
                )?;
            }
        }
    }
    Ok(record)
}

/// One expert approves the whole consensus report of a bid; when the last expert of the
/// bid approves, every criterion drafted by consensus becomes approved.
pub fn approve(
    store: &mut Store,
    actor: &Actor,
    call_code: &str,
    bid_id: i64,
    evaluator_id: i64,
) -> Result<ConsensusView> {
    store.write(actor, |tx| approve_in(tx, call_code, bid_id, evaluator_id))?;
    view(store.conn(), Viewer::Office, call_code, bid_id)
}

fn approve_in(
    tx: &mut store::Tx<'_>,
    call_code: &str,
    bid_id: i64,
    evaluator_id: i64,
) -> Result<()> {
    let v = view(tx.conn(), Viewer::Office, call_code, bid_id)?;
    if !v.experts.iter().any(|e| e.evaluator_id == evaluator_id) {
        return Err(refuse(
            &v.acronym,
            "evaluator",
            "only an expert of the bid approves its consensus",
            None,
        ));
    }
    let mut problems = Vec::new();
    for c in &v.criteria {
        let place = Location::default()
            .with_sheet(v.acronym.clone())
            .with_field(c.code.clone());
        match &c.consensus {
            None => problems.push(Problem {
                location: place,
                rule: format!("{} has no consensus score yet", c.name),
                found: None,
            }),
            Some(x)
                if c.divergent
                    && x.reconciliation_note.is_none()
                    && x.minority_view.is_none() =>
            {
                problems.push(Problem {
                    location: place,
                    rule: format!(
                        "the scores on {} differ by 1.5 points or more: a reconciliation note is required",
                        c.name
                    ),
                    found: None,
                })
            }
            _ => {}
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let experts: Vec<i64> = v.experts.iter().map(|e| e.evaluator_id).collect();
    {
        for c in &v.criteria {
            let Some(x) = &c.consensus else { continue };
            let mut by = x.approved_by.clone();
            if !by.contains(&evaluator_id) {
                by.push(evaluator_id);
                by.sort_unstable();
            }
            let all = experts.iter().all(|e| by.contains(e));
            let status = match x.status {
                ConsensusStatus::Draft if all => ConsensusStatus::Approved,
                s => s,
            };
            store::evaluation::put_consensus(
                tx,
                &ConsensusScore {
                    approved_by: by,
                    status,
                    ..x.clone()
                },
                "consensus.approve",
            )?;
        }
    }
    Ok(())
}
