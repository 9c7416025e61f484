//! The demo programme's evaluation (`sample-data/evaluation.toml`): assignments by the
//! real planner, individual scores derived from each bid's consensus, an expert's leaning
//! and a deterministic half point of their own, comments written from the criteria, and
//! consensus drafted and approved — all inside the demo's one transaction.

use crate::error::{Error, Result};
use crate::evaluation::{CallData, assign, conflicts, consensus::RECONCILE_SPREAD};
use crate::model::{
    Actor, Assignment, AssignmentRole, Call, ConsensusScore, ConsensusStatus, Score, ScoreStatus,
};
use crate::store::{self, Tx};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    #[serde(default)]
    leniency: BTreeMap<String, f64>,
    #[serde(default)]
    bid: Vec<BidSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BidSpec {
    bid: String,
    stage: Stage,
    consensus: BTreeMap<String, f64>,
}

#[derive(Clone, Copy, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Stage {
    Approved,
    AwaitingApproval,
    Scoring,
}

pub(crate) fn check(file: &str, text: &str) -> Result<()> {
    crate::ingest::parse_toml::<Spec>(file, text).map(|_| ())
}

/// −0.5, 0 or +0.5, the same for the same expert, bid and criterion.
fn own_view(acronym: &str, email: &str, criterion: &str) -> f64 {
    let h = Sha256::digest(format!("{acronym}|{email}|{criterion}").as_bytes());
    match h[0] % 4 {
        0 => -0.5,
        3 => 0.5,
        _ => 0.0,
    }
}

fn band(score: f64) -> &'static str {
    match score {
        s if s >= 4.75 => "excellent",
        s if s >= 3.75 => "very good",
        s if s >= 2.75 => "good",
        s if s >= 1.75 => "fair",
        s if s >= 0.75 => "poor",
        _ => "insufficient",
    }
}

fn comment(call: &Call, code: &str, acronym: &str, score: f64, consensus: bool) -> String {
    let c = call.criteria.iter().find(|c| c.code == code);
    let (name, description) = c
        .map(|c| (c.name.as_str(), c.description.as_str()))
        .unwrap_or((code, ""));
    let who = if consensus {
        "The experts agree"
    } else {
        "In my reading"
    };
    let mut text = format!(
        "{name}: {} ({score}/5). {who} that {acronym} addresses this criterion — {} — with {} evidence in the proposal and its annexes.",
        band(score),
        description.trim_end_matches('.').to_lowercase(),
        if score >= 4.0 {
            "strong, specific"
        } else if score >= 3.0 {
            "adequate but partly generic"
        } else {
            "insufficient"
        }
    );
    let min = call.settings.min_comment_chars as usize;
    while text.chars().count() < min {
        text.push_str(" Strengths and weaknesses are detailed in the individual report.");
    }
    text
}

fn round_half(v: f64, lo: f64, hi: f64) -> f64 {
    ((v * 2.0).round() / 2.0).clamp(lo, hi)
}

/// Runs the demo evaluation in the demo's transaction.
pub(crate) fn run(tx: &mut Tx<'_>, actor: &Actor, file: &str, text: &str) -> Result<()> {
    let spec: Spec = crate::ingest::parse_toml(file, text)?;
    let mut by_call: BTreeMap<String, Vec<&BidSpec>> = BTreeMap::new();
    for b in &spec.bid {
        let (call, _) = b
            .bid
            .split_once('/')
            .ok_or_else(|| Error::Internal(format!("{file}: bid {} is not CALL/ACRONYM", b.bid)))?;
        by_call.entry(call.to_string()).or_default().push(b);
    }
    for (code, bids) in by_call {
        let data = CallData::load(tx.conn(), &code)?;
        let plan = assign::plan(&data, &conflicts::find(&data));
        if !plan.unmet.is_empty() {
            return Err(Error::Internal(format!(
                "demo assignment of {code}: {}",
                plan.unmet.join("; ")
            )));
        }
        for p in &plan.added {
            store::evaluation::insert_assignment(
                tx,
                &Assignment {
                    bid_id: p.bid_id,
                    evaluator_id: p.evaluator_id,
                    role: p.role,
                    assigned_at: actor.at,
                    suspended: None,
                },
            )?;
        }
        let emails: HashMap<i64, &str> = data
            .evaluators
            .iter()
            .map(|e| (e.id, e.email.as_str()))
            .collect();
        let s = &data.call.settings;
        for b in bids {
            let acronym = b.bid.split_once('/').map(|x| x.1).unwrap_or_default();
            let bid = data.bid_by_key(acronym)?;
            let mut panel: Vec<&assign::PlannedAssignment> =
                plan.added.iter().filter(|p| p.bid_id == bid.id).collect();
            panel.sort_by_key(|p| (p.role != AssignmentRole::Rapporteur, p.evaluator_id));
            let mut individual: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
            for (k, p) in panel.iter().enumerate() {
                let email = emails.get(&p.evaluator_id).copied().unwrap_or_default();
                let lean = spec.leniency.get(email).copied().unwrap_or(0.0);
                let last = k + 1 == panel.len();
                let drafting = b.stage == Stage::Scoring && last;
                for (j, c) in data.call.criteria.iter().enumerate() {
                    if drafting && j >= 2 {
                        break;
                    }
                    let target = *b.consensus.get(&c.code).ok_or_else(|| {
                        Error::Internal(format!("{file}: {} has no {} score", b.bid, c.code))
                    })?;
                    let score = round_half(
                        target + lean + own_view(acronym, email, &c.code),
                        s.scale_min,
                        s.scale_max,
                    );
                    individual.entry(c.code.as_str()).or_default().push(score);
                    store::evaluation::put_score(
                        tx,
                        &Score {
                            bid_id: bid.id,
                            evaluator_id: p.evaluator_id,
                            criterion: c.code.clone(),
                            score,
                            comment: comment(&data.call, &c.code, acronym, score, false),
                            status: if drafting {
                                ScoreStatus::Draft
                            } else {
                                ScoreStatus::Submitted
                            },
                            updated_at: actor.at,
                        },
                    )?;
                }
                if !drafting {
                    store::evaluation::insert_submission(tx, bid.id, p.evaluator_id, actor.at)?;
                }
            }
            if b.stage == Stage::Scoring {
                continue;
            }
            let approvers: Vec<i64> = match b.stage {
                Stage::Approved => {
                    let mut v: Vec<i64> = panel.iter().map(|p| p.evaluator_id).collect();
                    v.sort_unstable();
                    v
                }
                _ => vec![panel[0].evaluator_id],
            };
            for c in &data.call.criteria {
                let target = b.consensus[&c.code];
                let scores = &individual[c.code.as_str()];
                let spread = crate::evaluation::consensus::spread(scores).unwrap_or(0.0);
                let note = (spread >= RECONCILE_SPREAD - 1e-9).then(|| {
                    format!(
                        "Individual scores ranged over {spread:.1} points. The panel discussed the evidence on {} and agreed on {target}: the higher scores overlooked gaps in the annexes, the lower ones the commitments in the letters of support.",
                        c.name.to_lowercase()
                    )
                });
                store::evaluation::put_consensus(
                    tx,
                    &ConsensusScore {
                        bid_id: bid.id,
                        criterion: c.code.clone(),
                        score: target,
                        comment: comment(&data.call, &c.code, acronym, target, true),
                        reconciliation_note: note,
                        minority_view: None,
                        status: if b.stage == Stage::Approved {
                            ConsensusStatus::Approved
                        } else {
                            ConsensusStatus::Draft
                        },
                        approved_by: approvers.clone(),
                    },
                    "consensus.draft",
                )?;
            }
        }
    }
    Ok(())
}
