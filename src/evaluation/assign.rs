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
    // A suspended assignment no longer counts: the bid is given a replacement (the pair
    // stays blocked by its conflict).
    for a in data.assignments.iter().filter(|a| a.suspended.is_none()) {
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
    // Planned inside the write: a second run at the same time finds the first's work.
    store.write(actor, |tx| {
        let data = CallData::load_consortia(tx.conn(), call_code)?;
        let findings = conflicts::find(&data);
        let plan = plan(&data, &findings);
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
        Ok(plan)
    })
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
    let data = CallData::load_consortia(store.conn(), call_code)?;
    let bid = data.bid_by_key(bid_key)?.clone();
    let e = store::evaluation::evaluator_by_key(store.conn(), evaluator_key)?;
    let a = Assignment {
        bid_id: bid.id,
        evaluator_id: e.id,
        role,
        assigned_at: actor.at,
        suspended: None,
    };
    store.write(actor, |tx| {
        // The guards inside the write: a conflict or an assignment recorded meanwhile counts.
        let reasons = conflicts::of_pair(tx.conn(), bid.id, e.id)?;
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
        if store::evaluation::bid_assignments(tx.conn(), bid.id)?
            .iter()
            .any(|x| x.evaluator_id == e.id)
        {
            return Err(Error::Conflict(format!(
                "{} is already assigned to {}",
                e.name, bid.acronym
            )));
        }
        if role == AssignmentRole::Rapporteur {
            // One rapporteur per bid: the previous one stays on the panel as an expert.
            for old in store::evaluation::bid_assignments(tx.conn(), bid.id)?
                .into_iter()
                .filter(|o| o.role == AssignmentRole::Rapporteur)
            {
                store::evaluation::set_assignment_role(
                    tx,
                    bid.id,
                    old.evaluator_id,
                    AssignmentRole::Expert,
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
    /// Why the assignment is suspended (a conflict found after it was made).
    pub suspended: Option<String>,
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
            suspended: a.suspended.clone(),
        });
    }
    Ok(out)
}

/// Removes one expert from a bid's panel by hand; refused once they have scored it (the
/// scores and their history stay with the assignment).
pub fn remove(
    store: &mut Store,
    actor: &Actor,
    call_code: &str,
    bid_key: &str,
    evaluator_key: &str,
) -> Result<()> {
    let bid_id = super::bid_id(store.conn(), call_code, bid_key)?;
    let e = store::evaluation::evaluator_by_key(store.conn(), evaluator_key)?;
    store.write(actor, |tx| {
        let a = store::evaluation::bid_assignments(tx.conn(), bid_id)?
            .into_iter()
            .find(|a| a.evaluator_id == e.id)
            .ok_or_else(|| Error::NotFound {
                kind: "assignment",
                key: format!("{} on {bid_key}", e.email),
            })?;
        if store::evaluation::bid_scores(tx.conn(), bid_id)?
            .iter()
            .any(|s| s.evaluator_id == e.id)
        {
            return Err(Error::Invalid(vec![Problem {
                location: Location::default()
                    .with_sheet(bid_key.to_string())
                    .with_field(e.email.clone()),
                rule: format!(
                    "{} has already scored {bid_key}: an expert who has scored stays on the panel",
                    e.name
                ),
                found: None,
            }]));
        }
        store::evaluation::delete_assignment(tx, &a)
    })
}

/// Makes one expert of a bid's panel its rapporteur (the previous rapporteur stays on the
/// panel as an expert).
pub fn make_rapporteur(
    store: &mut Store,
    actor: &Actor,
    call_code: &str,
    bid_key: &str,
    evaluator_key: &str,
) -> Result<()> {
    let bid_id = super::bid_id(store.conn(), call_code, bid_key)?;
    let e = store::evaluation::evaluator_by_key(store.conn(), evaluator_key)?;
    store.write(actor, |tx| {
        let panel = store::evaluation::bid_assignments(tx.conn(), bid_id)?;
        let Some(me) = panel.iter().find(|a| a.evaluator_id == e.id).cloned() else {
            return Err(Error::NotFound {
                kind: "assignment",
                key: format!("{} on {bid_key}", e.email),
            });
        };
        if me.role == AssignmentRole::Rapporteur {
            return Ok(());
        }
        for old in panel
            .into_iter()
            .filter(|a| a.role == AssignmentRole::Rapporteur)
        {
            store::evaluation::set_assignment_role(
                tx,
                bid_id,
                old.evaluator_id,
                AssignmentRole::Expert,
            )?;
        }
        store::evaluation::set_assignment_role(tx, bid_id, e.id, AssignmentRole::Rapporteur)
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct MatrixBid {
    pub bid_id: i64,
    pub acronym: String,
    pub title: String,
    /// Experts assigned out of the call's number per bid.
    pub assigned: u32,
    pub has_rapporteur: bool,
    /// The expertise the bid's panel should cover (the call's, and the bid's scope).
    pub wanted: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct MatrixExpert {
    pub evaluator_id: i64,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub expertise: Vec<String>,
    pub load: u32,
    pub rapporteur: u32,
    /// Their public key is registered: a package can be exported for them.
    pub has_key: bool,
}

/// One filled cell of the matrix: an assignment, a conflict, or both (a conflict found
/// after the assignment was made).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct MatrixCell {
    /// Index into `bids`.
    pub bid: u32,
    /// Index into `experts`.
    pub expert: u32,
    pub role: Option<AssignmentRole>,
    /// Criteria the expert has scored, and whether they have submitted.
    pub scored: u32,
    pub submitted: bool,
    /// The wanted expertise this expert brings to the bid's panel.
    pub matched: Vec<String>,
    /// Why the pair must not be assigned, when it must not.
    pub conflict: Option<String>,
    /// The assignment is suspended (a conflict found after it was made).
    pub suspended: bool,
}

/// Bids × experts of a call: who is assigned (and as what), who may not be (and why), each
/// expert's load, and what the automatic assignment could not satisfy.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct AssignmentMatrix {
    pub call: String,
    pub experts_per_bid: u32,
    pub max_load: u32,
    pub criteria: u32,
    pub bids: Vec<MatrixBid>,
    pub experts: Vec<MatrixExpert>,
    pub cells: Vec<MatrixCell>,
    /// Assignments the automatic planner would still add.
    pub pending: u32,
    /// What the planner cannot satisfy, in sentences.
    pub unmet: Vec<String>,
    pub expertise_gaps: Vec<String>,
}

pub fn matrix(conn: &rusqlite::Connection, call_code: &str) -> Result<AssignmentMatrix> {
    let data = CallData::load_consortia(conn, call_code)?;
    let findings = conflicts::find(&data);
    let p = plan(&data, &findings);
    let scores = store::evaluation::call_scores(conn, data.call.id)?;
    let submitted: HashSet<(i64, i64)> = store::evaluation::call_submissions(conn, data.call.id)?
        .into_iter()
        .collect();
    let mut scored: HashMap<(i64, i64), u32> = HashMap::new();
    for s in &scores {
        *scored.entry((s.bid_id, s.evaluator_id)).or_default() += 1;
    }
    let mut bids: Vec<&crate::model::Bid> = data.bids.iter().collect();
    bids.sort_by(|a, b| a.acronym.cmp(&b.acronym));
    let bid_index: HashMap<i64, u32> = bids
        .iter()
        .enumerate()
        .map(|(i, b)| (b.id, i as u32))
        .collect();
    let mut experts: Vec<&crate::model::Evaluator> = data.evaluators.iter().collect();
    experts.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let expert_index: HashMap<i64, u32> = experts
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id, i as u32))
        .collect();
    let wanted = |bid: &crate::model::Bid| -> Vec<String> {
        let mut t = data.call.settings.expertise.clone();
        for x in &bid.scope {
            if !t.contains(x) {
                t.push(x.clone());
            }
        }
        t
    };
    let mut cells: BTreeMap<(u32, u32), MatrixCell> = BTreeMap::new();
    let mut load: HashMap<i64, (u32, u32)> = HashMap::new();
    let mut per_bid: HashMap<i64, (u32, bool)> = HashMap::new();
    for a in &data.assignments {
        let (Some(&bi), Some(&ei)) = (bid_index.get(&a.bid_id), expert_index.get(&a.evaluator_id))
        else {
            continue;
        };
        if a.suspended.is_some() {
            cells.insert(
                (bi, ei),
                MatrixCell {
                    bid: bi,
                    expert: ei,
                    role: Some(a.role),
                    scored: scored
                        .get(&(a.bid_id, a.evaluator_id))
                        .copied()
                        .unwrap_or(0),
                    submitted: submitted.contains(&(a.bid_id, a.evaluator_id)),
                    matched: Vec::new(),
                    conflict: a.suspended.clone(),
                    suspended: true,
                },
            );
            continue;
        }
        let l = load.entry(a.evaluator_id).or_default();
        l.0 += 1;
        let b = per_bid.entry(a.bid_id).or_default();
        b.0 += 1;
        if a.role == AssignmentRole::Rapporteur {
            l.1 += 1;
            b.1 = true;
        }
        let tags = wanted(bids[bi as usize]);
        let matched = experts[ei as usize]
            .expertise
            .iter()
            .filter(|t| tags.contains(t))
            .cloned()
            .collect();
        cells.insert(
            (bi, ei),
            MatrixCell {
                bid: bi,
                expert: ei,
                role: Some(a.role),
                scored: scored
                    .get(&(a.bid_id, a.evaluator_id))
                    .copied()
                    .unwrap_or(0),
                submitted: submitted.contains(&(a.bid_id, a.evaluator_id)),
                matched,
                conflict: None,
                suspended: false,
            },
        );
    }
    for f in &findings {
        let (Some(&bi), Some(&ei)) = (bid_index.get(&f.bid_id), expert_index.get(&f.evaluator_id))
        else {
            continue;
        };
        let cell = cells.entry((bi, ei)).or_insert_with(|| MatrixCell {
            bid: bi,
            expert: ei,
            role: None,
            scored: 0,
            submitted: false,
            matched: Vec::new(),
            conflict: None,
            suspended: false,
        });
        if cell.conflict.is_none() {
            cell.conflict = Some(f.reason.clone());
        }
    }
    Ok(AssignmentMatrix {
        call: data.call.code.clone(),
        experts_per_bid: p.experts_per_bid,
        max_load: p.max_load,
        criteria: data.call.criteria.len() as u32,
        bids: bids
            .iter()
            .map(|b| {
                let (assigned, has_rapporteur) = per_bid.get(&b.id).copied().unwrap_or_default();
                MatrixBid {
                    bid_id: b.id,
                    acronym: b.acronym.clone(),
                    title: b.title.clone(),
                    assigned,
                    has_rapporteur,
                    wanted: wanted(b),
                }
            })
            .collect(),
        experts: experts
            .iter()
            .map(|e| {
                let (l, r) = load.get(&e.id).copied().unwrap_or_default();
                MatrixExpert {
                    evaluator_id: e.id,
                    name: e.name.clone(),
                    email: e.email.clone(),
                    organisation: e.organisation.clone(),
                    expertise: e.expertise.clone(),
                    load: l,
                    rapporteur: r,
                    has_key: e.public_key.is_some(),
                }
            })
            .collect(),
        cells: cells.into_values().collect(),
        pending: p.added.len() as u32,
        unmet: p.unmet,
        expertise_gaps: p.expertise_gaps,
    })
}
