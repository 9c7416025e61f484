//! The append-only, hash-chained audit log.
//!
//! Each entry's `hash` is the SHA-256 of its `prev_hash` and its fields; the first entry's
//! `prev_hash` is 64 zeros. Triggers refuse UPDATE and DELETE; `verify` detects an entry
//! changed or removed behind SQLite's back (e.g. with the triggers dropped).

use super::Tx;
use crate::error::{Error, Result};
use crate::model::AuditEntry;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl Tx<'_> {
    /// Appends an entry attributed to this transaction's actor.
    pub fn audit<B: Serialize, A: Serialize>(
        &mut self,
        action: &str,
        entity: &str,
        entity_id: impl ToString,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<()> {
        let before = before.map(super::to_json).transpose()?;
        let after = after.map(super::to_json).transpose()?;
        let last: Option<(i64, String, String)> = self
            .conn()
            .query_row(
                "SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        // Time never runs backwards along the log: a process that started earlier but
        // waited for the write lock is stamped no earlier than the entry before it.
        let mut at = self.actor().at;
        let (seq, prev_hash) = match last {
            Some((seq, hash, last_at)) => {
                if let Ok(last_at) = DateTime::parse_from_rfc3339(&last_at) {
                    at = at.max(last_at.with_timezone(&Utc));
                }
                (seq + 1, hash)
            }
            None => (1, GENESIS_HASH.to_string()),
        };
        let entry = AuditEntry {
            seq,
            at,
            actor: self.actor().name.clone(),
            action: action.to_string(),
            entity: entity.to_string(),
            entity_id: entity_id.to_string(),
            before,
            after,
            hash: String::new(),
            prev_hash,
        };
        let hash = entry_hash(&entry);
        self.conn().execute(
            "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                entry.seq,
                timestamp(&entry.at),
                entry.actor,
                entry.action,
                entry.entity,
                entry.entity_id,
                entry.before,
                entry.after,
                entry.prev_hash,
                hash
            ],
        )?;
        Ok(())
    }
}

fn timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// SHA-256 over the previous hash and every field, each length-prefixed so that moving
/// text from one field to the next changes the hash.
pub fn entry_hash(e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let seq = e.seq.to_string();
    let at = timestamp(&e.at);
    let fields: [Option<&str>; 9] = [
        Some(&e.prev_hash),
        Some(&seq),
        Some(&at),
        Some(&e.actor),
        Some(&e.action),
        Some(&e.entity),
        Some(&e.entity_id),
        e.before.as_deref(),
        e.after.as_deref(),
    ];
    for f in fields {
        match f {
            Some(s) => {
                h.update((s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
            None => h.update(u64::MAX.to_le_bytes()),
        }
    }
    hex::encode(h.finalize())
}

pub fn entries(conn: &Connection) -> Result<Vec<AuditEntry>> {
    select(conn, "", &[])
}

fn select(
    conn: &Connection,
    clause: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash
         FROM audit_log {clause} ORDER BY seq"
    ))?;
    let rows = stmt.query_map(args, |r| {
        let at: String = r.get(1)?;
        Ok(AuditEntry {
            seq: r.get(0)?,
            at: DateTime::parse_from_rfc3339(&at)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        1,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })?,
            actor: r.get(2)?,
            action: r.get(3)?,
            entity: r.get(4)?,
            entity_id: r.get(5)?,
            before: r.get(6)?,
            after: r.get(7)?,
            prev_hash: r.get(8)?,
            hash: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The history of one entity, oldest first.
pub fn history(conn: &Connection, entity: &str, entity_id: &str) -> Result<Vec<AuditEntry>> {
    select(
        conn,
        "WHERE entity = ?1 AND entity_id = ?2",
        &[&entity, &entity_id],
    )
}

/// The first entry whose chain does not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Checks every link of the chain; `None` when it is intact.
pub fn verify_chain(conn: &Connection) -> Result<Option<ChainBreak>> {
    let entries = match entries(conn) {
        Ok(e) => e,
        Err(Error::Database(rusqlite::Error::FromSqlConversionFailure(..))) => {
            return Ok(Some(ChainBreak {
                seq: 0,
                reason: "an entry cannot be read (its timestamp was altered)".into(),
            }));
        }
        Err(e) => return Err(e),
    };
    let mut expected_prev = GENESIS_HASH.to_string();
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if e.seq != expected_seq {
            return Ok(Some(ChainBreak {
                seq: expected_seq,
                reason: format!("entry {expected_seq} is missing (next entry is {})", e.seq),
            }));
        }
        if e.prev_hash != expected_prev {
            return Ok(Some(ChainBreak {
                seq: e.seq,
                reason: "its previous-hash does not match the entry before it".into(),
            }));
        }
        if entry_hash(e) != e.hash {
            return Ok(Some(ChainBreak {
                seq: e.seq,
                reason: "its content does not match its hash (the entry was altered)".into(),
            }));
        }
        expected_prev = e.hash.clone();
    }
    Ok(None)
}

// ---------------------------------------------------------------------------------------
// The log's head, checkpoints, protections and replay

/// The last entry of the log: what a report prints and a checkpoint signs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
pub struct LogHead {
    pub seq: i64,
    pub hash: String,
}

impl LogHead {
    /// `seq:hash`, as a report's keyword carries it.
    pub fn to_keyword(&self) -> String {
        format!("{}:{}", self.seq, self.hash)
    }

    pub fn from_keyword(text: &str) -> Option<LogHead> {
        let (seq, hash) = text.split_once(':')?;
        let seq = seq.parse().ok()?;
        (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then(|| LogHead {
            seq,
            hash: hash.to_lowercase(),
        })
    }
}

pub fn head(conn: &Connection) -> Result<Option<LogHead>> {
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| {
                Ok(LogHead {
                    seq: r.get(0)?,
                    hash: r.get(1)?,
                })
            },
        )
        .optional()?)
}

/// The hash the log holds for entry `seq`, if it holds that entry.
pub fn hash_at(conn: &Connection, seq: i64) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT hash FROM audit_log WHERE seq = ?1", [seq], |r| {
            r.get(0)
        })
        .optional()?)
}

/// What a checkpoint of the log compares against later: the log's head signed by the
/// office. It is kept in the database and, as a file, wherever the office keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: DateTime<Utc>,
    /// The office's public key (hex).
    pub public_key: String,
    /// ed25519 signature of [`Checkpoint::message`] (hex).
    pub signature: String,
}

impl Checkpoint {
    /// The exact bytes the office signs.
    pub fn message(seq: i64, hash: &str, at: &DateTime<Utc>) -> Vec<u8> {
        format!(
            "gigafund audit checkpoint\n{seq}\n{hash}\n{}",
            timestamp(at)
        )
        .into_bytes()
    }

    pub fn signature_holds(&self) -> bool {
        crate::keys::verify(
            &self.public_key,
            &Checkpoint::message(self.seq, &self.hash, &self.at),
            &self.signature,
        )
    }
}

/// Stores a checkpoint and records it in the log (as the entry after the one it covers).
pub fn insert_checkpoint(tx: &mut Tx<'_>, c: &Checkpoint) -> Result<()> {
    tx.conn().execute(
        "INSERT INTO audit_checkpoints (seq, hash, at, public_key, signature)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![c.seq, c.hash, timestamp(&c.at), c.public_key, c.signature],
    )?;
    tx.audit::<(), _>("audit.checkpoint", "audit_log", c.seq, None, Some(c))
}

pub fn checkpoints(conn: &Connection) -> Result<Vec<Checkpoint>> {
    let mut stmt = conn.prepare(
        "SELECT seq, hash, at, public_key, signature FROM audit_checkpoints ORDER BY id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Checkpoint {
                seq: r.get(0)?,
                hash: r.get(1)?,
                at: super::parse_ts(2, &r.get::<_, String>(2)?)?,
                public_key: r.get(3)?,
                signature: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The triggers that keep the log, its checkpoints, the awards' amendments, their
/// deviations, monitoring reports and acceptance runs append-only.
const PROTECTIONS: [(&str, &str); 18] = [
    ("audit_log_no_update", "audit_log"),
    ("audit_log_no_delete", "audit_log"),
    ("audit_checkpoints_no_update", "audit_checkpoints"),
    ("audit_checkpoints_no_delete", "audit_checkpoints"),
    ("amendments_no_update", "amendments"),
    ("amendments_no_delete", "amendments"),
    ("deviations_no_delete", "deviations"),
    ("deviations_lift_once", "deviations"),
    ("monitoring_reports_no_update", "monitoring_reports"),
    ("monitoring_reports_no_delete", "monitoring_reports"),
    ("monitoring_kpis_no_update", "monitoring_kpis"),
    ("monitoring_kpis_no_delete", "monitoring_kpis"),
    ("monitoring_costs_no_update", "monitoring_costs"),
    ("monitoring_costs_no_delete", "monitoring_costs"),
    ("monitoring_milestones_no_update", "monitoring_milestones"),
    ("monitoring_milestones_no_delete", "monitoring_milestones"),
    ("award_benchmarks_no_update", "award_benchmarks"),
    ("award_benchmarks_no_delete", "award_benchmarks"),
];

/// What is missing of the log's protections (a trigger dropped, or changed so that it no
/// longer refuses).
pub fn missing_protections(conn: &Connection) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (name, table) in PROTECTIONS {
        let sql: Option<String> = conn
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?1 AND tbl_name = ?2",
                params![name, table],
                |r| r.get(0),
            )
            .optional()?;
        match sql {
            None => out.push(format!(
                "the trigger {name} that keeps {table} append-only is missing"
            )),
            Some(sql) if !sql.to_uppercase().contains("RAISE(ABORT") => out.push(format!(
                "the trigger {name} on {table} was changed: it no longer refuses the change"
            )),
            Some(_) => {}
        }
    }
    Ok(out)
}

/// Rebuilds, from the log alone, the scores, submissions, consensus, panel decisions,
/// assignments and checkpoints, and compares them with the tables. Every difference is a
/// row changed, added or removed without its entry. At most `limit` differences are
/// listed; the count of all of them is returned too.
pub fn replay(conn: &Connection, limit: usize) -> Result<(Vec<String>, usize)> {
    use serde_json::Value;
    use std::collections::BTreeMap;
    let mut logged: BTreeMap<(&'static str, String), Value> = BTreeMap::new();
    let mut stmt = conn.prepare(
        "SELECT action, entity, entity_id, after FROM audit_log
         WHERE entity IN ('score', 'submission', 'consensus', 'assignment', 'audit_log')
            OR action = 'panel.decision'
         ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let action: String = r.get(0)?;
        let entity: String = r.get(1)?;
        let id: String = r.get(2)?;
        let after: Option<String> = r.get(3)?;
        let table: &'static str = match (entity.as_str(), action.as_str()) {
            ("score", _) => "scores",
            ("submission", _) => "submissions",
            ("consensus", _) => "consensus",
            ("assignment", _) => "assignments",
            ("audit_log", "audit.checkpoint") => "audit_checkpoints",
            (_, "panel.decision") => "panel_decisions",
            _ => continue,
        };
        let value = after
            .as_deref()
            .map(serde_json::from_str::<Value>)
            .transpose()
            .map_err(|e| Error::Internal(format!("audit entry for {entity} {id}: {e}")))?;
        match value {
            Some(v) => logged.insert((table, id), v),
            None => logged.remove(&(table, id)),
        };
    }
    let mut stored: BTreeMap<(&'static str, String), Value> = BTreeMap::new();
    for s in super::evaluation::all_scores(conn)? {
        stored.insert(
            (
                "scores",
                super::evaluation::score_key(s.bid_id, s.evaluator_id, &s.criterion),
            ),
            json(&s)?,
        );
    }
    for (bid, ev, at) in super::evaluation::all_submissions(conn)? {
        stored.insert(("submissions", format!("{bid}:{ev}")), json(&at)?);
    }
    for c in super::evaluation::all_consensus(conn)? {
        stored.insert(
            ("consensus", format!("{}:{}", c.bid_id, c.criterion)),
            json(&c)?,
        );
    }
    for a in super::evaluation::all_assignments(conn)? {
        stored.insert(
            ("assignments", format!("{}:{}", a.bid_id, a.evaluator_id)),
            json(&a)?,
        );
    }
    for d in super::evaluation::all_panel_decisions(conn)? {
        stored.insert(("panel_decisions", d.bid_id.to_string()), json(&d)?);
    }
    for c in checkpoints(conn)? {
        stored.insert(("audit_checkpoints", c.seq.to_string()), json(&c)?);
    }
    let mut diffs = Vec::new();
    let mut count = 0;
    let mut note = |text: String| {
        count += 1;
        if diffs.len() < limit {
            diffs.push(text);
        }
    };
    for (key, value) in &stored {
        let (table, id) = key;
        match logged.get(key) {
            None => note(format!(
                "{table} {id}: in the table but never written through the log"
            )),
            Some(l) if !agrees(l, value) => note(format!(
                "{table} {id}: the table differs from the log's last entry for it"
            )),
            Some(_) => {}
        }
    }
    for (table, id) in logged.keys() {
        if !stored.contains_key(&(table, id.clone())) {
            note(format!(
                "{table} {id}: in the log but no longer in the table"
            ));
        }
    }
    Ok((diffs, count))
}

/// Whether a stored row agrees with the log's value for it: every field the log recorded
/// is equal (a field added to the schema later is not in older entries).
fn agrees(logged: &serde_json::Value, stored: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (logged, stored) {
        (Value::Object(l), Value::Object(s)) => l
            .iter()
            .all(|(k, v)| s.get(k).is_some_and(|sv| agrees(v, sv))),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        // Times are stored to the microsecond; the log may hold the finer clock reading.
        (Value::String(a), Value::String(b)) if a != b => {
            match (
                DateTime::parse_from_rfc3339(a),
                DateTime::parse_from_rfc3339(b),
            ) {
                (Ok(a), Ok(b)) => {
                    timestamp(&a.with_timezone(&Utc)) == timestamp(&b.with_timezone(&Utc))
                }
                _ => false,
            }
        }
        (a, b) => a == b,
    }
}

fn json<T: Serialize>(v: &T) -> Result<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| Error::Internal(e.to_string()))
}
