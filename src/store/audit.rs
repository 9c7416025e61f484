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
        let last: Option<(i64, String)> = self
            .conn()
            .query_row(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (seq, prev_hash) = match last {
            Some((seq, hash)) => (seq + 1, hash),
            None => (1, GENESIS_HASH.to_string()),
        };
        let entry = AuditEntry {
            seq,
            at: self.actor().at,
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
