//! The audit log as the office reads it: filtered by call, bid, evaluator, kind of change
//! and date, a page at a time (a programme's log holds hundreds of thousands of entries).

use crate::error::{Error, Location, Result};
use crate::store::{self, Store};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which entries to show; every field narrows the list.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, TS)]
#[serde(default)]
pub struct AuditFilter {
    /// Entries about this call: the call itself, its bids, their scores, assignments,
    /// consensus and the call's packages.
    pub call: Option<String>,
    pub bid_id: Option<i64>,
    pub evaluator_id: Option<i64>,
    /// A kind of change (`score.update`) or a family of them (`score`).
    pub action: Option<String>,
    /// From this day (inclusive), in UTC.
    pub from: Option<NaiveDate>,
    /// To this day (inclusive), in UTC.
    pub to: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct AuditRow {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub bid_id: Option<i64>,
    pub evaluator_id: Option<i64>,
    /// The value before and after the change (JSON), as recorded.
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct AuditPage {
    /// Entries matching the filter.
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<AuditRow>,
}

/// Most entries one page returns.
pub const MAX_PAGE: u32 = 1_000;

fn where_clause(store: &Store, f: &AuditFilter) -> Result<(String, Vec<Value>)> {
    let mut parts: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if let Some(code) = &f.call {
        let id = store::calls::id_of(store.conn(), code)?;
        args.push(Value::Integer(id));
        let n = args.len();
        args.push(Value::Text(code.clone()));
        let m = args.len();
        parts.push(format!(
            "(bid_id IN (SELECT id FROM bids WHERE call_id = ?{n})
              OR (entity = 'call' AND entity_id = ?{m})
              OR (entity = 'package' AND entity_id IN (SELECT id FROM packages WHERE call_id = ?{n})))"
        ));
    }
    if let Some(b) = f.bid_id {
        args.push(Value::Integer(b));
        parts.push(format!("bid_id = ?{}", args.len()));
    }
    if let Some(e) = f.evaluator_id {
        args.push(Value::Integer(e));
        parts.push(format!("evaluator_id = ?{}", args.len()));
    }
    if let Some(a) = f
        .action
        .as_ref()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
    {
        args.push(Value::Text(a.to_string()));
        let n = args.len();
        args.push(Value::Text(format!("{a}.%")));
        parts.push(format!("(action = ?{n} OR action LIKE ?{})", args.len()));
    }
    if let (Some(from), Some(to)) = (f.from, f.to)
        && to < from
    {
        return Err(Error::invalid(
            Location::default().with_field("to"),
            "the end date is on or after the start date",
            Some(format!("{from} – {to}")),
        ));
    }
    if let Some(d) = f.from {
        args.push(Value::Text(format!("{d}T00:00:00")));
        parts.push(format!("at >= ?{}", args.len()));
    }
    if let Some(d) = f.to {
        let next = d.succ_opt().unwrap_or(d);
        args.push(Value::Text(format!("{next}T00:00:00")));
        parts.push(format!("at < ?{}", args.len()));
    }
    let clause = if parts.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", parts.join(" AND "))
    };
    Ok((clause, args))
}

/// One page of the entries matching `filter`, newest first, with the number matching.
pub fn query(store: &Store, filter: &AuditFilter, offset: u32, limit: u32) -> Result<AuditPage> {
    let limit = limit.clamp(1, MAX_PAGE);
    let (clause, args) = where_clause(store, filter)?;
    let conn = store.conn();
    let total: u32 = conn.query_row(
        &format!("SELECT count(*) FROM audit_log {clause}"),
        rusqlite::params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT seq, at, actor, action, entity, entity_id, bid_id, evaluator_id, before, after
         FROM audit_log {clause} ORDER BY seq DESC LIMIT {limit} OFFSET {offset}"
    ))?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), |r| {
            Ok(AuditRow {
                seq: r.get(0)?,
                at: store::parse_ts(1, &r.get::<_, String>(1)?)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                entity: r.get(4)?,
                entity_id: r.get(5)?,
                bid_id: r.get(6)?,
                evaluator_id: r.get(7)?,
                before: r.get(8)?,
                after: r.get(9)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(AuditPage {
        total,
        offset,
        rows,
    })
}

/// The kinds of change the log holds, for the filter's choices.
pub fn actions(store: &Store) -> Result<Vec<String>> {
    let mut stmt = store
        .conn()
        .prepare("SELECT DISTINCT action FROM audit_log ORDER BY action")?;
    let rows = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(rows)
}
