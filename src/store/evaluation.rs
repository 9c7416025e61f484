//! Evaluators, conflicts of interest, assignments, individual scores, submissions,
//! consensus, panel decisions and offline packages: the rows. The rules that decide what
//! may be written live in `crate::evaluation`; every write here is audited.

use super::{Tx, enum_from_text, enum_text, from_json, parse_ts, to_json, ts};
use crate::error::{Error, Result};
use crate::model::{
    Assignment, AssignmentRole, Conflict, ConsensusScore, CountryCode, Evaluator, Score,
};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

pub fn insert_evaluator(tx: &mut Tx<'_>, e: &Evaluator) -> Result<i64> {
    let taken: Option<i64> = tx
        .conn()
        .query_row(
            "SELECT id FROM evaluators WHERE email = ?1",
            [&e.email],
            |r| r.get(0),
        )
        .optional()?;
    if taken.is_some() {
        return Err(Error::Conflict(format!(
            "an evaluator with e-mail {} is already registered",
            e.email
        )));
    }
    tx.conn().execute(
        "INSERT INTO evaluators (name, email, organisation, country, expertise, organisation_id, parent_group, public_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            e.name,
            e.email,
            e.organisation,
            e.country.as_str(),
            to_json(&e.expertise)?,
            e.organisation_id,
            e.parent_group,
            e.public_key
        ],
    )?;
    let id = tx.conn().last_insert_rowid();
    let stored = Evaluator { id, ..e.clone() };
    tx.audit::<(), _>("evaluator.create", "evaluator", id, None, Some(&stored))?;
    Ok(id)
}

pub fn insert_conflict(tx: &mut Tx<'_>, c: &Conflict) -> Result<i64> {
    tx.conn().execute(
        "INSERT INTO conflicts (evaluator_id, bid_id, organisation_id, kind, source, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            c.evaluator_id,
            c.bid_id,
            c.organisation_id,
            enum_text(&c.kind)?,
            enum_text(&c.source)?,
            c.note
        ],
    )?;
    let id = tx.conn().last_insert_rowid();
    let stored = Conflict { id, ..c.clone() };
    tx.audit::<(), _>("conflict.declare", "conflict", id, None, Some(&stored))?;
    Ok(id)
}

const EVALUATOR_COLUMNS: &str =
    "id, name, email, organisation, country, expertise, organisation_id, parent_group, public_key";

fn evaluator_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Evaluator> {
    Ok(Evaluator {
        id: r.get(0)?,
        name: r.get(1)?,
        email: r.get(2)?,
        organisation: r.get(3)?,
        country: CountryCode(r.get(4)?),
        expertise: from_json(5, &r.get::<_, String>(5)?)?,
        organisation_id: r.get(6)?,
        parent_group: r.get(7)?,
        public_key: r.get(8)?,
    })
}

pub fn evaluators(conn: &Connection) -> Result<Vec<Evaluator>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {EVALUATOR_COLUMNS} FROM evaluators ORDER BY name, id"
    ))?;
    let rows = stmt
        .query_map([], evaluator_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn evaluator(conn: &Connection, id: i64) -> Result<Evaluator> {
    conn.query_row(
        &format!("SELECT {EVALUATOR_COLUMNS} FROM evaluators WHERE id = ?1"),
        [id],
        evaluator_row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        kind: "evaluator",
        key: id.to_string(),
    })
}

/// The evaluator with this e-mail (case-insensitive), or with this numeric id.
pub fn evaluator_by_key(conn: &Connection, key: &str) -> Result<Evaluator> {
    if let Ok(id) = key.parse::<i64>() {
        return evaluator(conn, id);
    }
    conn.query_row(
        &format!("SELECT {EVALUATOR_COLUMNS} FROM evaluators WHERE email = ?1"),
        [key.trim().to_lowercase()],
        evaluator_row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        kind: "evaluator",
        key: key.to_string(),
    })
}

/// Replaces an evaluator's details (a roster imported again), audited before/after.
pub fn update_evaluator(tx: &mut Tx<'_>, e: &Evaluator) -> Result<()> {
    let before = evaluator(tx.conn(), e.id)?;
    if &before == e {
        return Ok(());
    }
    tx.conn().execute(
        "UPDATE evaluators SET name = ?2, organisation = ?3, country = ?4, expertise = ?5,
            organisation_id = ?6, parent_group = ?7, public_key = ?8 WHERE id = ?1",
        params![
            e.id,
            e.name,
            e.organisation,
            e.country.as_str(),
            to_json(&e.expertise)?,
            e.organisation_id,
            e.parent_group,
            e.public_key
        ],
    )?;
    tx.audit(
        "evaluator.update",
        "evaluator",
        e.id,
        Some(&before),
        Some(e),
    )
}

pub fn conflicts(conn: &Connection) -> Result<Vec<Conflict>> {
    let mut stmt = conn.prepare(
        "SELECT id, evaluator_id, bid_id, organisation_id, kind, source, note
         FROM conflicts ORDER BY evaluator_id, id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Conflict {
                id: r.get(0)?,
                evaluator_id: r.get(1)?,
                bid_id: r.get(2)?,
                organisation_id: r.get(3)?,
                kind: enum_from_text(4, r.get(4)?)?,
                source: enum_from_text(5, r.get(5)?)?,
                note: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

// ---------------------------------------------------------------------------------------
// Bids of a call under evaluation

/// The bids a call evaluates: for each acronym, the latest version that is not a draft,
/// when it is submitted (a later draft does not replace it; a withdrawal does), as
/// (id, acronym, title).
pub fn call_bid_heads(conn: &Connection, call_id: i64) -> Result<Vec<(i64, String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT b.id, b.acronym, b.title FROM bids b
         WHERE b.call_id = ?1 AND b.status = 'submitted'
           AND b.version = (SELECT max(version) FROM bids b2
                            WHERE b2.call_id = b.call_id AND b2.acronym = b.acronym
                              AND b2.status <> 'draft')
         ORDER BY b.acronym",
    )?;
    let rows = stmt
        .query_map([call_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The ids of [`call_bid_heads`].
pub fn call_bid_ids(conn: &Connection, call_id: i64) -> Result<Vec<i64>> {
    Ok(call_bid_heads(conn, call_id)?
        .into_iter()
        .map(|(id, _, _)| id)
        .collect())
}

// ---------------------------------------------------------------------------------------
// Assignments

fn assignment_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Assignment> {
    Ok(Assignment {
        bid_id: r.get(0)?,
        evaluator_id: r.get(1)?,
        role: enum_from_text(2, r.get(2)?)?,
        assigned_at: parse_ts(3, &r.get::<_, String>(3)?)?,
        suspended: r.get(4)?,
    })
}

pub fn assignments(conn: &Connection, call_id: i64) -> Result<Vec<Assignment>> {
    let mut stmt = conn.prepare(
        "SELECT a.bid_id, a.evaluator_id, a.role, a.assigned_at, a.suspended
         FROM assignments a JOIN bids b ON b.id = a.bid_id
         WHERE b.call_id = ?1 ORDER BY b.acronym, a.evaluator_id",
    )?;
    let rows = stmt
        .query_map([call_id], assignment_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn bid_assignments(conn: &Connection, bid_id: i64) -> Result<Vec<Assignment>> {
    let mut stmt = conn.prepare(
        "SELECT bid_id, evaluator_id, role, assigned_at, suspended FROM assignments
         WHERE bid_id = ?1 ORDER BY evaluator_id",
    )?;
    let rows = stmt
        .query_map([bid_id], assignment_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn insert_assignment(tx: &mut Tx<'_>, a: &Assignment) -> Result<()> {
    tx.conn().execute(
        "INSERT INTO assignments (bid_id, evaluator_id, role, assigned_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            a.bid_id,
            a.evaluator_id,
            enum_text(&a.role)?,
            ts(&a.assigned_at)
        ],
    )?;
    tx.audit::<(), _>(
        "assignment.create",
        "assignment",
        format!("{}:{}", a.bid_id, a.evaluator_id),
        None,
        Some(a),
    )
}

/// Suspends an assignment for a conflict of interest found after it was made (audited);
/// returns false when it was already suspended.
pub fn suspend_assignment(tx: &mut Tx<'_>, a: &Assignment, reason: &str) -> Result<bool> {
    let n = tx.conn().execute(
        "UPDATE assignments SET suspended = ?3
         WHERE bid_id = ?1 AND evaluator_id = ?2 AND suspended IS NULL",
        params![a.bid_id, a.evaluator_id, reason],
    )?;
    if n == 0 {
        return Ok(false);
    }
    let after = Assignment {
        suspended: Some(reason.to_string()),
        ..a.clone()
    };
    tx.audit(
        "assignment.suspend",
        "assignment",
        format!("{}:{}", a.bid_id, a.evaluator_id),
        Some(a),
        Some(&after),
    )?;
    Ok(true)
}

/// Changes an assignment's role in place (its scores stay attached to it).
pub fn set_assignment_role(
    tx: &mut Tx<'_>,
    bid_id: i64,
    evaluator_id: i64,
    role: AssignmentRole,
) -> Result<()> {
    let before = bid_assignments(tx.conn(), bid_id)?
        .into_iter()
        .find(|a| a.evaluator_id == evaluator_id)
        .ok_or_else(|| Error::NotFound {
            kind: "assignment",
            key: format!("{bid_id}:{evaluator_id}"),
        })?;
    tx.conn().execute(
        "UPDATE assignments SET role = ?3 WHERE bid_id = ?1 AND evaluator_id = ?2",
        params![bid_id, evaluator_id, enum_text(&role)?],
    )?;
    let after = Assignment {
        role,
        ..before.clone()
    };
    tx.audit(
        "assignment.role",
        "assignment",
        format!("{bid_id}:{evaluator_id}"),
        Some(&before),
        Some(&after),
    )
}

pub fn delete_assignment(tx: &mut Tx<'_>, a: &Assignment) -> Result<()> {
    tx.conn().execute(
        "DELETE FROM assignments WHERE bid_id = ?1 AND evaluator_id = ?2",
        params![a.bid_id, a.evaluator_id],
    )?;
    tx.audit::<_, ()>(
        "assignment.delete",
        "assignment",
        format!("{}:{}", a.bid_id, a.evaluator_id),
        Some(a),
        None,
    )
}

// ---------------------------------------------------------------------------------------
// Individual scores

fn score_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Score> {
    Ok(Score {
        bid_id: r.get(0)?,
        evaluator_id: r.get(1)?,
        criterion: r.get(2)?,
        score: r.get(3)?,
        comment: r.get(4)?,
        status: enum_from_text(5, r.get(5)?)?,
        updated_at: parse_ts(6, &r.get::<_, String>(6)?)?,
    })
}

const SCORE_COLUMNS: &str =
    "s.bid_id, s.evaluator_id, s.criterion, s.score, s.comment, s.status, s.updated_at";

/// Every individual score of a call, drafts included (the caller filters by viewer).
pub fn call_scores(conn: &Connection, call_id: i64) -> Result<Vec<Score>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {SCORE_COLUMNS} FROM scores s JOIN bids b ON b.id = s.bid_id
         WHERE b.call_id = ?1 ORDER BY s.bid_id, s.evaluator_id, s.criterion"
    ))?;
    let rows = stmt
        .query_map([call_id], score_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn bid_scores(conn: &Connection, bid_id: i64) -> Result<Vec<Score>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {SCORE_COLUMNS} FROM scores s WHERE s.bid_id = ?1 ORDER BY s.evaluator_id, s.criterion"
    ))?;
    let rows = stmt
        .query_map([bid_id], score_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn score(
    conn: &Connection,
    bid_id: i64,
    evaluator_id: i64,
    criterion: &str,
) -> Result<Option<Score>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {SCORE_COLUMNS} FROM scores s
                 WHERE s.bid_id = ?1 AND s.evaluator_id = ?2 AND s.criterion = ?3"
            ),
            params![bid_id, evaluator_id, criterion],
            score_row,
        )
        .optional()?)
}

/// The key of a score in the audit log: `bid:evaluator:criterion`.
pub fn score_key(bid_id: i64, evaluator_id: i64, criterion: &str) -> String {
    format!("{bid_id}:{evaluator_id}:{criterion}")
}

/// Writes a score and its audit entry (before and after), unless nothing changed.
pub fn put_score(tx: &mut Tx<'_>, s: &Score) -> Result<bool> {
    let before = score(tx.conn(), s.bid_id, s.evaluator_id, &s.criterion)?;
    if let Some(b) = &before
        && b.score == s.score
        && b.comment == s.comment
        && b.status == s.status
    {
        return Ok(false);
    }
    tx.conn().execute(
        "INSERT INTO scores (bid_id, evaluator_id, criterion, score, comment, status, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (bid_id, evaluator_id, criterion) DO UPDATE SET
            score = excluded.score, comment = excluded.comment, status = excluded.status,
            updated_at = excluded.updated_at",
        params![
            s.bid_id,
            s.evaluator_id,
            s.criterion,
            s.score,
            s.comment,
            enum_text(&s.status)?,
            ts(&s.updated_at)
        ],
    )?;
    let action = if before.is_some() {
        "score.update"
    } else {
        "score.create"
    };
    tx.audit(
        action,
        "score",
        score_key(s.bid_id, s.evaluator_id, &s.criterion),
        before.as_ref(),
        Some(s),
    )?;
    Ok(true)
}

pub fn submitted_at(
    conn: &Connection,
    bid_id: i64,
    evaluator_id: i64,
) -> Result<Option<DateTime<Utc>>> {
    let at: Option<String> = conn
        .query_row(
            "SELECT submitted_at FROM submissions WHERE bid_id = ?1 AND evaluator_id = ?2",
            params![bid_id, evaluator_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(at.map(|s| parse_ts(0, &s)).transpose()?)
}

/// (bid, evaluator) pairs that have submitted, for a whole call.
pub fn call_submissions(conn: &Connection, call_id: i64) -> Result<Vec<(i64, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT s.bid_id, s.evaluator_id FROM submissions s JOIN bids b ON b.id = s.bid_id
         WHERE b.call_id = ?1",
    )?;
    let rows = stmt
        .query_map([call_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn insert_submission(
    tx: &mut Tx<'_>,
    bid_id: i64,
    evaluator_id: i64,
    at: DateTime<Utc>,
) -> Result<()> {
    tx.conn().execute(
        "INSERT INTO submissions (bid_id, evaluator_id, submitted_at) VALUES (?1, ?2, ?3)",
        params![bid_id, evaluator_id, ts(&at)],
    )?;
    tx.audit::<(), _>(
        "score.submit",
        "submission",
        format!("{bid_id}:{evaluator_id}"),
        None,
        Some(&at),
    )
}

// ---------------------------------------------------------------------------------------
// Consensus

fn consensus_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ConsensusScore> {
    Ok(ConsensusScore {
        bid_id: r.get(0)?,
        criterion: r.get(1)?,
        score: r.get(2)?,
        comment: r.get(3)?,
        reconciliation_note: r.get(4)?,
        minority_view: r.get(5)?,
        status: enum_from_text(6, r.get(6)?)?,
        approved_by: from_json(7, &r.get::<_, String>(7)?)?,
    })
}

const CONSENSUS_COLUMNS: &str = "c.bid_id, c.criterion, c.score, c.comment, c.reconciliation_note, c.minority_view, c.status, c.approved_by";

pub fn bid_consensus(conn: &Connection, bid_id: i64) -> Result<Vec<ConsensusScore>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {CONSENSUS_COLUMNS} FROM consensus_scores c WHERE c.bid_id = ?1 ORDER BY c.criterion"
    ))?;
    let rows = stmt
        .query_map([bid_id], consensus_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn call_consensus(conn: &Connection, call_id: i64) -> Result<Vec<ConsensusScore>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {CONSENSUS_COLUMNS} FROM consensus_scores c JOIN bids b ON b.id = c.bid_id
         WHERE b.call_id = ?1 ORDER BY c.bid_id, c.criterion"
    ))?;
    let rows = stmt
        .query_map([call_id], consensus_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn put_consensus(tx: &mut Tx<'_>, c: &ConsensusScore, action: &str) -> Result<()> {
    let before = bid_consensus(tx.conn(), c.bid_id)?
        .into_iter()
        .find(|x| x.criterion == c.criterion);
    tx.conn().execute(
        "INSERT INTO consensus_scores (bid_id, criterion, score, comment, reconciliation_note,
            minority_view, status, approved_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (bid_id, criterion) DO UPDATE SET
            score = excluded.score, comment = excluded.comment,
            reconciliation_note = excluded.reconciliation_note,
            minority_view = excluded.minority_view, status = excluded.status,
            approved_by = excluded.approved_by",
        params![
            c.bid_id,
            c.criterion,
            c.score,
            c.comment,
            c.reconciliation_note,
            c.minority_view,
            enum_text(&c.status)?,
            to_json(&c.approved_by)?
        ],
    )?;
    tx.audit(
        action,
        "consensus",
        format!("{}:{}", c.bid_id, c.criterion),
        before.as_ref(),
        Some(c),
    )
}

// ---------------------------------------------------------------------------------------
// Panel decisions (ex aequo rule 4)

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PanelDecision {
    pub bid_id: i64,
    pub position: u32,
    pub reason: String,
}

pub fn panel_decisions(conn: &Connection, call_id: i64) -> Result<Vec<PanelDecision>> {
    let mut stmt = conn.prepare(
        "SELECT bid_id, position, reason FROM panel_decisions WHERE call_id = ?1 ORDER BY position",
    )?;
    let rows = stmt
        .query_map([call_id], |r| {
            Ok(PanelDecision {
                bid_id: r.get(0)?,
                position: r.get(1)?,
                reason: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn put_panel_decision(tx: &mut Tx<'_>, call_id: i64, d: &PanelDecision) -> Result<()> {
    tx.conn().execute(
        "INSERT INTO panel_decisions (call_id, bid_id, position, reason) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (call_id, bid_id) DO UPDATE SET position = excluded.position, reason = excluded.reason",
        params![call_id, d.bid_id, d.position, d.reason],
    )?;
    tx.audit::<(), _>("panel.decision", "bid", d.bid_id, None, Some(d))
}

// ---------------------------------------------------------------------------------------
// Offline packages

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PackageRow {
    pub id: String,
    pub call_id: i64,
    pub evaluator_id: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub bids: Vec<i64>,
    pub base_scores: Vec<Score>,
    pub returned_at: Option<DateTime<Utc>>,
    /// Sequence number of the last return accepted (0: none yet).
    pub return_seq: u32,
    /// Signed with the office's key.
    pub signed: bool,
}

pub fn insert_package(tx: &mut Tx<'_>, p: &PackageRow) -> Result<()> {
    tx.conn().execute(
        "INSERT INTO packages (id, call_id, evaluator_id, created_at, created_by, bids, base_scores, signed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            p.id,
            p.call_id,
            p.evaluator_id,
            ts(&p.created_at),
            p.created_by,
            to_json(&p.bids)?,
            to_json(&p.base_scores)?,
            p.signed
        ],
    )?;
    tx.audit::<(), _>(
        "package.export",
        "package",
        &p.id,
        None,
        Some(&serde_json::json!({"evaluator_id": p.evaluator_id, "bids": p.bids, "signed": p.signed})),
    )
}

/// The packages exported for a call, newest first.
pub fn call_packages(conn: &Connection, call_id: i64) -> Result<Vec<PackageRow>> {
    let ids: Vec<String> = conn
        .prepare("SELECT id FROM packages WHERE call_id = ?1 ORDER BY created_at DESC, id")?
        .query_map([call_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter()
        .filter_map(|id| package(conn, id).transpose())
        .collect()
}

pub fn package(conn: &Connection, id: &str) -> Result<Option<PackageRow>> {
    Ok(conn
        .query_row(
            "SELECT id, call_id, evaluator_id, created_at, created_by, bids, base_scores, returned_at,
                    return_seq, signed
             FROM packages WHERE id = ?1",
            [id],
            |r| {
                let returned: Option<String> = r.get(7)?;
                Ok(PackageRow {
                    id: r.get(0)?,
                    call_id: r.get(1)?,
                    evaluator_id: r.get(2)?,
                    created_at: parse_ts(3, &r.get::<_, String>(3)?)?,
                    created_by: r.get(4)?,
                    bids: from_json(5, &r.get::<_, String>(5)?)?,
                    base_scores: from_json(6, &r.get::<_, String>(6)?)?,
                    returned_at: returned.map(|s| parse_ts(7, &s)).transpose()?,
                    return_seq: r.get(8)?,
                    signed: r.get(9)?,
                })
            },
        )
        .optional()?)
}

/// Records a return accepted: when, its sequence number, and the scores the next return
/// is compared with (what the office holds now, except where a conflict is still open).
pub fn mark_returned(
    tx: &mut Tx<'_>,
    id: &str,
    at: DateTime<Utc>,
    sequence: u32,
    base_scores: &[Score],
) -> Result<()> {
    tx.conn().execute(
        "UPDATE packages SET returned_at = ?2, return_seq = ?3, base_scores = ?4 WHERE id = ?1",
        params![id, ts(&at), sequence, to_json(&base_scores)?],
    )?;
    tx.audit::<(), _>(
        "package.return",
        "package",
        id,
        None,
        Some(&serde_json::json!({"at": at, "sequence": sequence})),
    )
}

/// Replaces the score one criterion of a package is compared with (a conflict resolved).
pub fn rebase_package(tx: &mut Tx<'_>, id: &str, score: &Score) -> Result<()> {
    let Some(p) = package(tx.conn(), id)? else {
        return Ok(());
    };
    let mut base: Vec<Score> = p
        .base_scores
        .into_iter()
        .filter(|s| !(s.bid_id == score.bid_id && s.criterion == score.criterion))
        .collect();
    base.push(score.clone());
    tx.conn().execute(
        "UPDATE packages SET base_scores = ?2 WHERE id = ?1",
        params![id, to_json(&base)?],
    )?;
    Ok(())
}

/// A score edited on both sides of an offline package (see `crate::evaluation::package`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ScoreConflict {
    pub id: i64,
    pub package_id: String,
    pub bid_id: i64,
    pub evaluator_id: i64,
    pub criterion: String,
    pub office_score: Option<f64>,
    pub office_comment: Option<String>,
    pub return_score: f64,
    pub return_comment: String,
    pub detected_at: DateTime<Utc>,
    pub resolution: Option<String>,
}

pub fn insert_score_conflict(tx: &mut Tx<'_>, c: &ScoreConflict) -> Result<i64> {
    tx.conn().execute(
        "INSERT INTO score_conflicts (package_id, bid_id, evaluator_id, criterion, office_score,
            office_comment, return_score, return_comment, detected_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            c.package_id,
            c.bid_id,
            c.evaluator_id,
            c.criterion,
            c.office_score,
            c.office_comment,
            c.return_score,
            c.return_comment,
            ts(&c.detected_at)
        ],
    )?;
    let id = tx.conn().last_insert_rowid();
    tx.audit::<(), _>("score.conflict", "score_conflict", id, None, Some(c))?;
    Ok(id)
}

pub fn score_conflicts(conn: &Connection, call_id: i64) -> Result<Vec<ScoreConflict>> {
    let mut stmt = conn.prepare(
        "SELECT k.id, k.package_id, k.bid_id, k.evaluator_id, k.criterion, k.office_score,
                k.office_comment, k.return_score, k.return_comment, k.detected_at, k.resolution
         FROM score_conflicts k JOIN packages p ON p.id = k.package_id
         WHERE p.call_id = ?1 ORDER BY k.id",
    )?;
    let rows = stmt
        .query_map([call_id], |r| {
            Ok(ScoreConflict {
                id: r.get(0)?,
                package_id: r.get(1)?,
                bid_id: r.get(2)?,
                evaluator_id: r.get(3)?,
                criterion: r.get(4)?,
                office_score: r.get(5)?,
                office_comment: r.get(6)?,
                return_score: r.get(7)?,
                return_comment: r.get(8)?,
                detected_at: parse_ts(9, &r.get::<_, String>(9)?)?,
                resolution: r.get(10)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Holds a return's submission of a bid until its score conflicts are resolved.
pub fn hold_submission(tx: &mut Tx<'_>, package_id: &str, bid_id: i64) -> Result<()> {
    tx.conn().execute(
        "INSERT OR IGNORE INTO held_submissions (package_id, bid_id) VALUES (?1, ?2)",
        params![package_id, bid_id],
    )?;
    Ok(())
}

/// Whether a return's submission of the bid is held.
pub fn is_held(conn: &Connection, package_id: &str, bid_id: i64) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM held_submissions WHERE package_id = ?1 AND bid_id = ?2",
            params![package_id, bid_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

pub fn release_submission(tx: &mut Tx<'_>, package_id: &str, bid_id: i64) -> Result<()> {
    tx.conn().execute(
        "DELETE FROM held_submissions WHERE package_id = ?1 AND bid_id = ?2",
        params![package_id, bid_id],
    )?;
    Ok(())
}

pub fn resolve_score_conflict(
    tx: &mut Tx<'_>,
    id: i64,
    resolution: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let n = tx.conn().execute(
        "UPDATE score_conflicts SET resolution = ?2, resolved_at = ?3 WHERE id = ?1 AND resolution IS NULL",
        params![id, resolution, ts(&at)],
    )?;
    if n == 0 {
        return Err(Error::NotFound {
            kind: "unresolved score conflict",
            key: id.to_string(),
        });
    }
    tx.audit::<(), _>(
        "score.conflict.resolve",
        "score_conflict",
        id,
        None,
        Some(&resolution),
    )
}

// ---------------------------------------------------------------------------------------
// Whole tables, for replaying the audit log against them

pub fn all_scores(conn: &Connection) -> Result<Vec<Score>> {
    let mut stmt = conn.prepare(&format!("SELECT {SCORE_COLUMNS} FROM scores s"))?;
    let rows = stmt
        .query_map([], score_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn all_submissions(conn: &Connection) -> Result<Vec<(i64, i64, DateTime<Utc>)>> {
    let mut stmt = conn.prepare("SELECT bid_id, evaluator_id, submitted_at FROM submissions")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, parse_ts(2, &r.get::<_, String>(2)?)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn all_consensus(conn: &Connection) -> Result<Vec<ConsensusScore>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {CONSENSUS_COLUMNS} FROM consensus_scores c"
    ))?;
    let rows = stmt
        .query_map([], consensus_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn all_assignments(conn: &Connection) -> Result<Vec<Assignment>> {
    let mut stmt =
        conn.prepare("SELECT bid_id, evaluator_id, role, assigned_at, suspended FROM assignments")?;
    let rows = stmt
        .query_map([], assignment_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn all_panel_decisions(conn: &Connection) -> Result<Vec<PanelDecision>> {
    let mut stmt = conn.prepare("SELECT bid_id, position, reason FROM panel_decisions")?;
    let rows = stmt
        .query_map([], |r| {
            Ok(PanelDecision {
                bid_id: r.get(0)?,
                position: r.get(1)?,
                reason: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
