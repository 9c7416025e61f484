//! Calls with their criteria and eligibility rules.

use super::{Tx, enum_from_text, enum_text, from_json, parse_ts, to_json, ts};
use crate::error::{Error, Result};
use crate::model::{Call, Criterion, EligibilityRule, EvaluationSettings};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

/// Stores a new call; refuses a code already in use.
pub fn insert(tx: &mut Tx<'_>, call: &Call) -> Result<i64> {
    let exists: Option<i64> = tx
        .conn()
        .query_row("SELECT id FROM calls WHERE code = ?1", [&call.code], |r| {
            r.get(0)
        })
        .optional()?;
    if exists.is_some() {
        return Err(Error::Conflict(format!(
            "a call with code '{}' is already in the database",
            call.code
        )));
    }
    let s = &call.settings;
    tx.conn().execute(
        "INSERT INTO calls (code, kind, programme, title, budget_cents, opens, deadline,
            scale_min, scale_max, step, min_evaluators, overall_threshold, min_comment_chars,
            tie_break, budget_line, expertise, max_extra_load, grace_days)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        params![
            call.code,
            enum_text(&call.kind)?,
            call.programme,
            call.title,
            call.budget.cents(),
            call.opens.to_string(),
            call.deadline.to_string(),
            s.scale_min,
            s.scale_max,
            s.step,
            s.min_evaluators_per_bid,
            s.overall_threshold,
            s.min_comment_chars,
            to_json(&s.tie_break)?,
            enum_text(&s.budget_line)?,
            to_json(&s.expertise)?,
            s.max_extra_load,
            s.grace_days,
        ],
    )?;
    let id = tx.conn().last_insert_rowid();
    insert_rules(tx, id, call)?;
    let stored = Call { id, ..call.clone() };
    tx.audit::<(), _>("call.import", "call", &call.code, None, Some(&stored))?;
    record_version(tx, &stored, None)?;
    Ok(id)
}

fn insert_rules(tx: &mut Tx<'_>, id: i64, call: &Call) -> Result<()> {
    for c in &call.criteria {
        tx.conn().execute(
            "INSERT INTO criteria (call_id, code, name, description, weight, threshold, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                c.code,
                c.name,
                c.description,
                c.weight,
                c.threshold,
                c.position
            ],
        )?;
    }
    for (i, r) in call.eligibility.iter().enumerate() {
        tx.conn().execute(
            "INSERT INTO eligibility_rules (call_id, position, code, description, rule)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, i as i64, r.code, r.description, to_json(&r.check)?],
        )?;
    }
    Ok(())
}

/// One version of a call's settings as it was set.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct CallVersion {
    pub version: u32,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// Why it was changed; required once scoring has started and the change moves scores
    /// or the ranking.
    pub reason: Option<String>,
    pub call: Call,
}

fn record_version(tx: &mut Tx<'_>, call: &Call, reason: Option<&str>) -> Result<u32> {
    let last: Option<u32> = tx.conn().query_row(
        "SELECT max(version) FROM call_versions WHERE call_id = ?1",
        [call.id],
        |r| r.get(0),
    )?;
    let version = last.unwrap_or(0) + 1;
    tx.conn().execute(
        "INSERT INTO call_versions (call_id, version, at, actor, reason, call)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            call.id,
            version,
            ts(&tx.actor().at),
            tx.actor().name,
            reason,
            to_json(call)?
        ],
    )?;
    Ok(version)
}

/// Replaces a call's settings, criteria and eligibility rules with `after` (same id and
/// code), as a new version with its audit entry. Returns the new version number.
pub fn update(tx: &mut Tx<'_>, before: &Call, after: &Call, reason: Option<&str>) -> Result<u32> {
    if before.id != after.id || before.code != after.code {
        return Err(Error::Internal(
            "a call keeps its id and code when its settings change".into(),
        ));
    }
    let none_yet: i64 = tx.conn().query_row(
        "SELECT count(*) FROM call_versions WHERE call_id = ?1",
        [before.id],
        |r| r.get(0),
    )?;
    if none_yet == 0 {
        // A call stored before versions were kept: its current state becomes version 1.
        record_version(tx, before, None)?;
    }
    let s = &after.settings;
    tx.conn().execute(
        "UPDATE calls SET kind = ?2, programme = ?3, title = ?4, budget_cents = ?5, opens = ?6,
            deadline = ?7, scale_min = ?8, scale_max = ?9, step = ?10, min_evaluators = ?11,
            overall_threshold = ?12, min_comment_chars = ?13, tie_break = ?14,
            budget_line = ?15, expertise = ?16, max_extra_load = ?17, grace_days = ?18
         WHERE id = ?1",
        params![
            after.id,
            enum_text(&after.kind)?,
            after.programme,
            after.title,
            after.budget.cents(),
            after.opens.to_string(),
            after.deadline.to_string(),
            s.scale_min,
            s.scale_max,
            s.step,
            s.min_evaluators_per_bid,
            s.overall_threshold,
            s.min_comment_chars,
            to_json(&s.tie_break)?,
            enum_text(&s.budget_line)?,
            to_json(&s.expertise)?,
            s.max_extra_load,
            s.grace_days,
        ],
    )?;
    tx.conn()
        .execute("DELETE FROM criteria WHERE call_id = ?1", [after.id])?;
    tx.conn().execute(
        "DELETE FROM eligibility_rules WHERE call_id = ?1",
        [after.id],
    )?;
    insert_rules(tx, after.id, after)?;
    tx.audit(
        "call.update",
        "call",
        &after.code,
        Some(before),
        Some(after),
    )?;
    record_version(tx, after, reason)
}

/// Every recorded version of a call, oldest first.
pub fn versions(conn: &Connection, call_id: i64) -> Result<Vec<CallVersion>> {
    let mut stmt = conn.prepare(
        "SELECT version, at, actor, reason, call FROM call_versions
         WHERE call_id = ?1 ORDER BY version",
    )?;
    let rows = stmt
        .query_map([call_id], |r| {
            Ok(CallVersion {
                version: r.get(0)?,
                at: parse_ts(1, &r.get::<_, String>(1)?)?,
                actor: r.get(2)?,
                reason: r.get(3)?,
                call: from_json(4, &r.get::<_, String>(4)?)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn list(conn: &Connection) -> Result<Vec<Call>> {
    let mut stmt = conn.prepare("SELECT code FROM calls ORDER BY deadline, code")?;
    let codes = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    codes.iter().map(|c| by_code(conn, c)).collect()
}

pub fn by_code(conn: &Connection, code: &str) -> Result<Call> {
    let call = conn
        .query_row(
            "SELECT id, code, kind, programme, title, budget_cents, opens, deadline,
                    scale_min, scale_max, step, min_evaluators, overall_threshold,
                    min_comment_chars, tie_break, budget_line, expertise, max_extra_load,
                    grace_days
             FROM calls WHERE code = ?1",
            [code],
            |r| {
                Ok(Call {
                    id: r.get(0)?,
                    code: r.get(1)?,
                    kind: enum_from_text(2, r.get(2)?)?,
                    programme: r.get(3)?,
                    title: r.get(4)?,
                    budget: crate::model::Eur(r.get(5)?),
                    opens: date(6, r.get(6)?)?,
                    deadline: date(7, r.get(7)?)?,
                    settings: EvaluationSettings {
                        scale_min: r.get(8)?,
                        scale_max: r.get(9)?,
                        step: r.get(10)?,
                        min_evaluators_per_bid: r.get(11)?,
                        overall_threshold: r.get(12)?,
                        min_comment_chars: r.get(13)?,
                        tie_break: from_json(14, &r.get::<_, String>(14)?)?,
                        budget_line: enum_from_text(15, r.get(15)?)?,
                        expertise: from_json(16, &r.get::<_, String>(16)?)?,
                        max_extra_load: r.get(17)?,
                        grace_days: r.get(18)?,
                    },
                    criteria: Vec::new(),
                    eligibility: Vec::new(),
                })
            },
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "call",
            key: code.to_string(),
        })?;
    let mut stmt = conn.prepare(
        "SELECT code, name, description, weight, threshold, position
         FROM criteria WHERE call_id = ?1 ORDER BY position",
    )?;
    let criteria = stmt
        .query_map([call.id], |r| {
            Ok(Criterion {
                code: r.get(0)?,
                name: r.get(1)?,
                description: r.get(2)?,
                weight: r.get(3)?,
                threshold: r.get(4)?,
                position: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare(
        "SELECT code, description, rule FROM eligibility_rules WHERE call_id = ?1 ORDER BY position",
    )?;
    let eligibility = stmt
        .query_map([call.id], |r| {
            Ok(EligibilityRule {
                code: r.get(0)?,
                description: r.get(1)?,
                check: from_json(2, &r.get::<_, String>(2)?)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Call {
        criteria,
        eligibility,
        ..call
    })
}

pub(crate) fn date(column: usize, text: String) -> rusqlite::Result<NaiveDate> {
    text.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub(crate) fn id_of(conn: &Connection, code: &str) -> Result<i64> {
    conn.query_row("SELECT id FROM calls WHERE code = ?1", [code], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "call",
            key: code.to_string(),
        })
}
