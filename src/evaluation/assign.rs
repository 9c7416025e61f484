//! Assignment of experts to bids (EVALUATION.md): automatic — every bid gets the call's
//! number of experts, no conflicted pair, loads kept level, expertise matched where
//! possible, deterministic — and manual, refused for a conflicted pair.

use super::conflicts::{self, ConflictFinding};
use super::{CallData, Viewer};
use crate::error::{Error, Location, Problem, Result};
use crate::model::{Actor, Assignment, AssignmentRole};
use crate::store::{self, Store};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use ts_rs::TS;

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct PlannedAssignment {
    pub bid_id: i64,
    pub acronym: String,
    pub evaluator_id: i64,
    pub evaluator: String,
    pub role: AssignmentRole,
    /// Expertise tags of the call or the bid that this expert brings to the panel.
    pub matched: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Load {
    pub evaluator_id: i64,
    pub evaluator: String,
    pub bids: u32,
    pub rapporteur: u32,
}

/// What the automatic assignment did and what it could not satisfy.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct AssignPlan {
    pub call: String,
    pub experts_per_bid: u32,
    /// `ceil(total / experts) + max_extra_load`: no expert receives more.
    pub max_load: u32,
    pub mean_load: f64,
    pub added: Vec<PlannedAssignment>,
    pub kept: usize,
    pub loads: Vec<Load>,
    /// Each rule the plan could not satisfy, in a sentence (experts missing, load).
    pub unmet: Vec<String>,
    /// Bids whose panel lacks some of the call's expertise (matched where possible).
    pub expertise_gaps: Vec<String>,
}

/// Plans the assignments the call still needs, keeping those already made.
pub fn plan(data: &CallData, findings: &[ConflictFinding]) -> AssignPlan {
    let s = &data.call.settings;
    let k = s.min_evaluators_per_bid as usize;
    let blocked = conflicts::blocked_pairs(findings);
    let n_experts = data.evaluators.len().max(1);
    let total = k * data.bids.len();
    let target = total.div_ceil(n_experts);
    let max_load = target + s.max_extra_load as usize;
    let mean_load = total as f64 / n_experts as f64;

    let mut load: BTreeMap<i64, usize> = data.evaluators.iter().map(|e| (e.id, 0)).collect();
    let mut rapporteurs: BTreeMap<i64, usize> = load.clone();
    let mut panel: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut has_rapporteur: HashSet<i64> = HashSet::new();
    for a in &data.assignments {
        *load.entry(a.evaluator_id).or_default() += 1;
        panel.entry(a.bid_id).or_default().push(a.evaluator_id);
        if a.role == AssignmentRole::Rapporteur {
            *rapporteurs.entry(a.evaluator_id).or_default() += 1;
            has_rapporteur.insert(a.bid_id);
        }
    }

    let wanted_tags = |bid: &crate::model::Bid| -> Vec<String> {
        let mut t: Vec<String> = s.expertise.clone();
        for x in &bid.scope {
            if !t.contains(x) {
                t.push(x.clone());
            }
        }
        t
    };
    // Most constrained bids first: fewest experts free of conflict, then acronym.
    let mut order: Vec<&crate::model::Bid> = data.bids.iter().collect();
    let free = |bid_id: i64| {
        data.evaluators
            .iter()
            .filter(|e| !blocked.contains(&(e.id, bid_id)))
            .count()
    };
    order.sort_by(|a, b| {
        free(a.id)
            .cmp(&free(b.id))
            .then_with(|| a.acronym.cmp(&b.acronym))
    });

    // The expertise tags a panel already covers.
    let panel_tags = |members: &[i64]| -> HashSet<&String> {
        members
            .iter()
            .filter_map(|id| data.evaluator(*id))
            .flat_map(|e| e.expertise.iter())
            .collect()
    };
    let mut added = Vec::new();
    let mut unmet = Vec::new();
    let mut expertise_gaps = Vec::new();
    for bid in order {
        let members = panel.entry(bid.id).or_default();
        let tags = wanted_tags(bid);
        while members.len() < k {
            let covered = panel_tags(members);
            let best = data
                .evaluators
                .iter()
                .filter(|e| !members.contains(&e.id) && !blocked.contains(&(e.id, bid.id)))
                .filter(|e| load[&e.id] < max_load)
                .map(|e| {
                    let brings: Vec<String> = tags
                        .iter()
                        .filter(|t| e.expertise.contains(t) && !covered.contains(t))
                        .cloned()
                        .collect();
                    // Expertise may win over a load lower by one, never more: loads stay level.
                    let l = load[&e.id];
                    let key = (l.saturating_sub(usize::from(!brings.is_empty())), l, e.id);
                    (key, e, brings)
                })
                .min_by(|a, b| a.0.cmp(&b.0));
            let Some((_, e, brings)) = best else {
                unmet.push(format!(
                    "{} has {} of the {} experts it needs: no other expert is free of conflict and under the load limit of {}",
                    bid.acronym,
                    members.len(),
                    k,
                    max_load
                ));
                break;
            };
            *load.get_mut(&e.id).unwrap_or(&mut 0) += 1;
            members.push(e.id);
            added.push(PlannedAssignment {
                bid_id: bid.id,
                acronym: bid.acronym.clone(),
                evaluator_id: e.id,
                evaluator: e.name.clone(),
                role: AssignmentRole::Expert,
                matched: brings,
            });
        }
        let covered = panel_tags(members);
        let missing: Vec<&String> = s
            .expertise
            .iter()
            .filter(|t| !covered.contains(t))
            .collect();
        if !missing.is_empty() && !members.is_empty() {
            expertise_gaps.push(format!(
                "{}: no free expert brings {}",
                bid.acronym,
                missing
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        // The rapporteur: the panel member with the fewest rapporteur roles so far.
        if !has_rapporteur.contains(&bid.id)
            && let Some(&r) = members
                .iter()
                .min_by_key(|id| (rapporteurs.get(id).copied().unwrap_or(0), **id))
        {
            *rapporteurs.entry(r).or_default() += 1;
            has_rapporteur.insert(bid.id);
            if let Some(p) = added
                .iter_mut()
                .find(|p| p.bid_id == bid.id && p.evaluator_id == r)
            {
                p.role = AssignmentRole::Rapporteur;
            } else {
                unmet.push(format!(
                    "{}: no rapporteur yet, and the planner only names one among the experts it adds (set one with `eval assign --rapporteur`)",
                    bid.acronym
                ));
            }
        }
    }
    for e in &data.evaluators {
        let l = load[&e.id] as f64;
        if (l - mean_load).abs() > 1.0 + 1e-9 && free_count(&blocked, data, e.id) > 0 {
            unmet.push(format!(
                "{} has {} bids, more than one away from the mean of {:.1} (conflicts leave no better plan)",
                e.name, l, mean_load
            ));
        }
    }
    let loads = data
        .evaluators
        .iter()
        .map(|e| Load {
            evaluator_id: e.id,
            evaluator: e.name.clone(),
            bids: load[&e.id] as u32,
            rapporteur: rapporteurs.get(&e.id).copied().unwrap_or(0) as u32,
        })
        .collect();
    AssignPlan {
        call: data.call.code.clone(),
        experts_per_bid: k as u32,
        max_load: max_load as u32,
        mean_load,
        added,
        kept: data.assignments.len(),
        loads,
        unmet,
        expertise_gaps,
    }
}

fn free_count(blocked: &HashSet<(i64, i64)>, data: &CallData, evaluator: i64) -> usize {
    data.bids
        .iter()
        .filter(|b| !blocked.contains(&(evaluator, b.id)))
        .count()
}

/// Plans and stores the automatic assignment in one transaction.
pub fn auto(store: &mut Store, actor: &Actor, call_code: &str) -> Result<AssignPlan> {
    let data = CallData::load(store.conn(), call_code)?;
    let findings = conflicts::find(&data);
    let plan = plan(&data, &findings);
    store.write(actor, |tx| {
        for p in &plan.added {
            store::evaluation::insert_assignment(
                tx,
                &Assignment {
                    bid_id: p.bid_id,
                    evaluator_id: p.evaluator_id,
                    role: p.role,
                    assigned_at: actor.at,
                },
            )?;
        }
        Ok(())
    })?;
    Ok(plan)
}

/// Assigns one expert by hand; refuses a conflicted pair and says why.
pub fn manual(
    store: &mut Store,
    actor: &Actor,
    call_code: &str,
    bid_key: &str,
    evaluator_key: &str,
    role: AssignmentRole,
) -> Result<Assignment> {
    let data = CallData::load(store.conn(), call_code)?;
    let bid = data.bid_by_key(bid_key)?.clone();
    let e = store::evaluation::evaluator_by_key(store.conn(), evaluator_key)?;
    let findings = conflicts::find(&data);
    let reasons: Vec<&ConflictFinding> = findings
        .iter()
        .filter(|f| f.evaluator_id == e.id && f.bid_id == bid.id)
        .collect();
    if !reasons.is_empty() {
        return Err(Error::Invalid(
            reasons
                .iter()
                .map(|f| Problem {
                    location: Location::default()
                        .with_sheet(bid.acronym.clone())
                        .with_field(e.email.clone()),
                    rule: format!(
                        "conflict of interest: {} cannot evaluate {}: {}",
                        e.name, bid.acronym, f.reason
                    ),
                    found: Some(conflicts::kind_label(f.kind).into()),
                })
                .collect(),
        ));
    }
    if data
        .assignments
        .iter()
        .any(|a| a.bid_id == bid.id && a.evaluator_id == e.id)
    {
        return Err(Error::Conflict(format!(
            "{} is already assigned to {}",
            e.name, bid.acronym
        )));
    }
    let a = Assignment {
        bid_id: bid.id,
        evaluator_id: e.id,
        role,
        assigned_at: actor.at,
    };
    store.write(actor, |tx| {
        if role == AssignmentRole::Rapporteur {
            // One rapporteur per bid: the previous one stays on the panel as an expert.
            for old in store::evaluation::bid_assignments(tx.conn(), bid.id)?
                .into_iter()
                .filter(|o| o.role == AssignmentRole::Rapporteur)
            {
                store::evaluation::delete_assignment(tx, &old)?;
                store::evaluation::insert_assignment(
                    tx,
                    &Assignment {
                        role: AssignmentRole::Expert,
                        ..old
                    },
                )?;
            }
        }
        store::evaluation::insert_assignment(tx, &a)
    })?;
    Ok(a)
}

/// One line of "my assignments" (or of the office's list).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct AssignmentRow {
    pub bid_id: i64,
    pub acronym: String,
    pub title: String,
    pub evaluator_id: i64,
    pub evaluator: String,
    pub role: AssignmentRole,
    /// Criteria scored so far out of the call's criteria.
    pub scored: u32,
    pub criteria: u32,
    pub submitted: bool,
}

pub fn list(
    conn: &rusqlite::Connection,
    call_code: &str,
    viewer: Viewer,
) -> Result<Vec<AssignmentRow>> {
    let call = store::calls::by_code(conn, call_code)?;
    let assignments = store::evaluation::assignments(conn, call.id)?;
    let scores = store::evaluation::call_scores(conn, call.id)?;
    let submitted: HashSet<(i64, i64)> = store::evaluation::call_submissions(conn, call.id)?
        .into_iter()
        .collect();
    let evaluators: HashMap<i64, String> = store::evaluation::evaluators(conn)?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let heads: HashMap<i64, (String, String)> = store::evaluation::call_bid_heads(conn, call.id)?
        .into_iter()
        .map(|(id, acronym, title)| (id, (acronym, title)))
        .collect();
    let mut out = Vec::new();
    for a in assignments {
        if let Viewer::Evaluator(me) = viewer
            && me != a.evaluator_id
        {
            continue;
        }
        let (acronym, title) = heads.get(&a.bid_id).cloned().unwrap_or_default();
        out.push(AssignmentRow {
            bid_id: a.bid_id,
            acronym,
            title,
            evaluator_id: a.evaluator_id,
            evaluator: evaluators.get(&a.evaluator_id).cloned().unwrap_or_default(),
            role: a.role,
            scored: scores
                .iter()
                .filter(|s| s.bid_id == a.bid_id && s.evaluator_id == a.evaluator_id)
                .count() as u32,
            criteria: call.criteria.len() as u32,
            submitted: submitted.contains(&(a.bid_id, a.evaluator_id)),
        });
    }
    Ok(out)
}
