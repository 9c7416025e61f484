//! The evaluation surface both front-ends call: roster import, declared conflicts,
//! assignment, scoring, consensus, ranking and packages (rules in `crate::evaluation`).

use crate::error::{Error, Location, Result};
use crate::evaluation::{self, CallData, conflicts::ConflictFinding};
use crate::model::{Actor, Conflict, ConflictKind, ConflictSource, Evaluator};
use crate::store::{self, Store};
use serde::Serialize;
use std::path::Path;
use ts_rs::TS;

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct RosterImport {
    pub file: String,
    pub added: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: usize,
    pub conflicts_declared: usize,
    /// Assignments suspended by conflicts the new roster declares or makes detectable.
    pub suspended: Vec<evaluation::conflicts::Suspension>,
}

/// Imports a roster (TOML, CSV, xlsx, ods): all rows or none. An e-mail already known
/// updates that evaluator (audited); a new one is added.
pub fn import_roster(store: &mut Store, actor: &Actor, path: &Path) -> Result<RosterImport> {
    let file = crate::ingest::display_name(path);
    let rows = crate::ingest::roster::read(path)?;
    let existing = store::evaluation::evaluators(store.conn())?;
    // Declared conflicts name bids: resolve them all before writing anything.
    let mut resolved = Vec::new();
    let mut problems = Vec::new();
    for (i, (e, declared)) in rows.iter().enumerate() {
        for d in declared {
            match evaluation::bid_id(store.conn(), &d.call_code, &d.acronym) {
                Ok(id) => resolved.push((i, id, d.kind, d.note.clone())),
                Err(_) => problems.push(crate::error::Problem {
                    location: Location::file(file.clone())
                        .with_sheet(format!("evaluator[{}]", i + 1))
                        .with_field("conflict.bid"),
                    rule: format!(
                        "{} declares a conflict with a bid that is not in the database",
                        e.name
                    ),
                    found: Some(format!("{}/{}", d.call_code, d.acronym)),
                }),
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    store.write(actor, |tx| {
        let mut out = RosterImport {
            file: file.clone(),
            added: Vec::new(),
            updated: Vec::new(),
            unchanged: 0,
            conflicts_declared: 0,
            suspended: Vec::new(),
        };
        let mut ids = Vec::new();
        for (e, _) in &rows {
            match existing.iter().find(|x| x.email == e.email) {
                Some(old) => {
                    let new = Evaluator {
                        id: old.id,
                        organisation_id: old.organisation_id,
                        public_key: old.public_key.clone(),
                        ..e.clone()
                    };
                    if &new == old {
                        out.unchanged += 1;
                    } else {
                        store::evaluation::update_evaluator(tx, &new)?;
                        out.updated.push(e.email.clone());
                    }
                    ids.push(old.id);
                }
                None => {
                    ids.push(store::evaluation::insert_evaluator(tx, e)?);
                    out.added.push(e.email.clone());
                }
            }
        }
        let known = store::evaluation::conflicts(tx.conn())?;
        for (i, bid_id, kind, note) in &resolved {
            let evaluator_id = ids[*i];
            if known
                .iter()
                .any(|c| c.evaluator_id == evaluator_id && c.bid_id == Some(*bid_id))
            {
                continue;
            }
            store::evaluation::insert_conflict(
                tx,
                &Conflict {
                    id: 0,
                    evaluator_id,
                    bid_id: Some(*bid_id),
                    organisation_id: None,
                    kind: *kind,
                    source: ConflictSource::Declared,
                    note: note.clone(),
                },
            )?;
            out.conflicts_declared += 1;
        }
        out.suspended = evaluation::conflicts::suspend_conflicted(tx)?;
        Ok(out)
    })
}

/// What a conflict is declared against.
#[derive(Debug)]
pub enum ConflictTarget<'a> {
    Bid { call: &'a str, bid: &'a str },
    Organisation(&'a str),
}

/// Records a conflict an evaluator declares (per bid or per organisation, typed).
pub fn declare_conflict(
    store: &mut Store,
    actor: &Actor,
    evaluator_key: &str,
    target: ConflictTarget<'_>,
    kind: ConflictKind,
    note: &str,
) -> Result<Declared> {
    let e = store::evaluation::evaluator_by_key(store.conn(), evaluator_key)?;
    if matches!(
        kind,
        ConflictKind::SameOrganisation
            | ConflictKind::SameEmailDomain
            | ConflictKind::SameParentGroup
    ) {
        return Err(Error::invalid(
            Location::default().with_field("kind"),
            "declared conflicts are employment, shareholding, advisory_role, family_or_personal, recent_collaboration, competitor or other (same organisation, e-mail domain and parent group are detected)",
            None,
        ));
    }
    let (bid_id, organisation_id) = match target {
        ConflictTarget::Bid { call, bid } => {
            (Some(evaluation::bid_id(store.conn(), call, bid)?), None)
        }
        ConflictTarget::Organisation(name) => {
            let org = store::bids::organisations(store.conn())?
                .into_iter()
                .find(|o| o.name.eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| Error::NotFound {
                    kind: "organisation",
                    key: name.to_string(),
                })?;
            (None, Some(org.id))
        }
    };
    let c = Conflict {
        id: 0,
        evaluator_id: e.id,
        bid_id,
        organisation_id,
        kind,
        source: ConflictSource::Declared,
        note: note.trim().to_string(),
    };
    store.write(actor, |tx| {
        let id = store::evaluation::insert_conflict(tx, &c)?;
        // The conflict is a fact, recorded whatever was done before: an assignment it now
        // forbids is suspended (scores kept, the bid given a replacement).
        let suspended = evaluation::conflicts::suspend_conflicted(tx)?;
        Ok(Declared {
            conflict: Conflict { id, ..c.clone() },
            suspended,
        })
    })
}

/// A declared conflict and the assignments it suspended.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Declared {
    pub conflict: Conflict,
    pub suspended: Vec<evaluation::conflicts::Suspension>,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ConflictList {
    pub call: String,
    pub conflicts: Vec<ConflictFinding>,
}

pub fn conflicts(store: &Store, call_code: &str) -> Result<ConflictList> {
    let data = CallData::load_consortia(store.conn(), call_code)?;
    Ok(ConflictList {
        call: data.call.code.clone(),
        conflicts: evaluation::conflicts::find(&data),
    })
}

/// Records the panel's decision for a bid among tied ones (ex aequo rule 4).
pub fn panel_decision(
    store: &mut Store,
    actor: &Actor,
    call_code: &str,
    bid_key: &str,
    position: u32,
    reason: &str,
) -> Result<()> {
    let call = store::calls::by_code(store.conn(), call_code)?;
    let bid_id = evaluation::bid_id(store.conn(), call_code, bid_key)?;
    if reason.trim().is_empty() || position == 0 {
        return Err(Error::invalid(
            Location::default().with_field("reason"),
            "a panel decision has a position (1 = first among the tied bids) and a reason",
            None,
        ));
    }
    store.write(actor, |tx| {
        store::evaluation::put_panel_decision(
            tx,
            call.id,
            &store::evaluation::PanelDecision {
                bid_id,
                position,
                reason: reason.trim().to_string(),
            },
        )
    })
}

/// An evaluator of the roster with their key's fingerprint, once registered.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct RosterRow {
    #[serde(flatten)]
    #[ts(flatten)]
    pub evaluator: Evaluator,
    pub fingerprint: Option<String>,
}

pub fn roster(store: &Store) -> Result<Vec<RosterRow>> {
    store::evaluation::evaluators(store.conn())?
        .into_iter()
        .map(|e| {
            let fingerprint = match &e.public_key {
                Some(k) => Some(evaluation::package::fingerprint(k)?),
                None => None,
            };
            Ok(RosterRow {
                evaluator: e,
                fingerprint,
            })
        })
        .collect()
}

/// Registers an expert's public key given as its text (pasted) or as the file they sent.
pub fn register_key(
    store: &mut Store,
    actor: &Actor,
    evaluator_key: &str,
    key: KeySource<'_>,
) -> Result<RosterRow> {
    let public = match key {
        KeySource::Text(t) => t.trim().to_string(),
        KeySource::File(p) => {
            let k = evaluation::package::read_public_key(p)?;
            let e = store::evaluation::evaluator_by_key(store.conn(), evaluator_key)?;
            if let Some(email) = &k.email
                && !email.eq_ignore_ascii_case(&e.email)
            {
                return Err(Error::invalid(
                    Location::file(crate::ingest::display_name(p)).with_field("email"),
                    format!("this key file is {email}'s, not {}'s", e.email),
                    Some(email.clone()),
                ));
            }
            k.public_key
        }
    };
    let e = evaluation::package::register_key(store, actor, evaluator_key, &public)?;
    Ok(RosterRow {
        fingerprint: Some(evaluation::package::fingerprint(&public)?),
        evaluator: e,
    })
}

/// Where a public key comes from.
#[derive(Debug)]
pub enum KeySource<'a> {
    Text(&'a str),
    File(&'a Path),
}

/// A package the office exported, as the office's list shows it.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct PackageSummary {
    pub package_id: String,
    pub evaluator_id: i64,
    pub evaluator: String,
    pub email: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub created_by: String,
    pub bids: Vec<String>,
    pub returned_at: Option<chrono::DateTime<chrono::Utc>>,
    /// How many returns of it were accepted (the last one's number).
    pub returns: u32,
    /// Signed with the office's key.
    pub signed: bool,
}

pub fn packages(store: &Store, call_code: &str) -> Result<Vec<PackageSummary>> {
    let call = store::calls::by_code(store.conn(), call_code)?;
    let heads: std::collections::HashMap<i64, String> =
        store::evaluation::call_bid_heads(store.conn(), call.id)?
            .into_iter()
            .map(|(id, acronym, _)| (id, acronym))
            .collect();
    let evaluators: std::collections::HashMap<i64, Evaluator> =
        store::evaluation::evaluators(store.conn())?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
    Ok(store::evaluation::call_packages(store.conn(), call.id)?
        .into_iter()
        .map(|p| {
            let e = evaluators.get(&p.evaluator_id);
            PackageSummary {
                package_id: p.id,
                evaluator_id: p.evaluator_id,
                evaluator: e.map(|e| e.name.clone()).unwrap_or_default(),
                email: e.map(|e| e.email.clone()).unwrap_or_default(),
                created_at: p.created_at,
                created_by: p.created_by,
                bids: p
                    .bids
                    .iter()
                    .filter_map(|b| heads.get(b).cloned())
                    .collect(),
                returned_at: p.returned_at,
                returns: p.return_seq,
                signed: p.signed,
            }
        })
        .collect())
}

/// A score edited at the office and in a return, with the names a person reads.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ScoreConflictRow {
    #[serde(flatten)]
    #[ts(flatten)]
    pub conflict: store::evaluation::ScoreConflict,
    pub acronym: String,
    pub evaluator: String,
    pub criterion_name: String,
}

/// The call's score conflicts, unresolved first.
pub fn score_conflicts(store: &Store, call_code: &str) -> Result<Vec<ScoreConflictRow>> {
    let call = store::calls::by_code(store.conn(), call_code)?;
    let heads: std::collections::HashMap<i64, String> =
        store::evaluation::call_bid_heads(store.conn(), call.id)?
            .into_iter()
            .map(|(id, acronym, _)| (id, acronym))
            .collect();
    let names: std::collections::HashMap<i64, String> =
        store::evaluation::evaluators(store.conn())?
            .into_iter()
            .map(|e| (e.id, e.name))
            .collect();
    let mut rows: Vec<ScoreConflictRow> =
        store::evaluation::score_conflicts(store.conn(), call.id)?
            .into_iter()
            .map(|c| ScoreConflictRow {
                acronym: heads.get(&c.bid_id).cloned().unwrap_or_default(),
                evaluator: names.get(&c.evaluator_id).cloned().unwrap_or_default(),
                criterion_name: call
                    .criteria
                    .iter()
                    .find(|k| k.code == c.criterion)
                    .map(|k| k.name.clone())
                    .unwrap_or_else(|| c.criterion.clone()),
                conflict: c,
            })
            .collect();
    rows.sort_by_key(|r| (r.conflict.resolution.is_some(), r.conflict.id));
    Ok(rows)
}

/// The organisations of a call's consortia (a conflict may be declared against one).
pub fn organisations(store: &Store, call_code: &str) -> Result<Vec<crate::model::Organisation>> {
    let data = CallData::load_consortia(store.conn(), call_code)?;
    let mut out: Vec<crate::model::Organisation> = Vec::new();
    for m in data.bids.iter().flat_map(|b| b.consortium.members.iter()) {
        if !out.iter().any(|o| o.id == m.organisation.id) {
            out.push(m.organisation.clone());
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
