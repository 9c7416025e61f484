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

// ---------------------------------------------------------------------------------------
// Tamper evidence: the office's key, signed checkpoints, verification

use crate::keys::{self, KeyInfo, KeyRole};
use crate::model::Actor;
use crate::store::audit::{ChainBreak, Checkpoint, LogHead};
use std::path::{Path, PathBuf};

/// Where the app keeps the office's signing key: in the platform data directory, outside
/// every database it signs for.
pub fn office_key_path() -> Result<PathBuf> {
    Ok(super::expert::data_dir()?
        .join("keys")
        .join("office-key.json"))
}

/// The office's key at `path`, when it has been made.
pub fn office_key(path: &Path) -> Result<Option<KeyInfo>> {
    if !path.exists() {
        return Ok(None);
    }
    let info = keys::key_info(path)?;
    if info.role != KeyRole::Office {
        return Err(Error::invalid(
            Location::file(crate::ingest::display_name(path)),
            "this is an expert's key, not the office's",
            None,
        ));
    }
    Ok(Some(info))
}

/// Makes the office's key pair (the passphrase asked twice: `confirm` must be the same).
pub fn create_office_key(
    path: &Path,
    passphrase: &str,
    confirm: &str,
    actor: &Actor,
) -> Result<KeyInfo> {
    if passphrase != confirm {
        return Err(Error::invalid(
            Location::default().with_field("confirm"),
            "the two passphrases differ",
            None,
        ));
    }
    keys::new_key_for(KeyRole::Office, path, passphrase, actor.at)?;
    keys::key_info(path)
}

/// The public key file the office gives its experts (to check its packages) and keeps
/// with its records (to check the log's checkpoints).
pub fn office_public_key_file(path: &Path) -> Result<String> {
    let info = keys::key_info(path)?;
    keys::public_key_file_for(KeyRole::Office, None, &info.public_key)
}

/// What a checkpoint file holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct CheckpointFile {
    pub kind: String,
    /// The database the checkpoint was made of, as a reminder (not checked).
    pub database: Option<String>,
    #[serde(flatten)]
    #[ts(flatten)]
    pub checkpoint: Checkpoint,
}

const CHECKPOINT_KIND: &str = "gigafund-audit-checkpoint";

/// Signs the log's head with the office's key, keeps the checkpoint in the database (and
/// records it in the log), and returns it with the text of its file.
pub fn checkpoint(
    store: &mut Store,
    actor: &Actor,
    key_path: &Path,
    passphrase: &str,
) -> Result<(Checkpoint, String)> {
    let info = office_key(key_path)?.ok_or_else(|| Error::NotFound {
        kind: "office key",
        key: key_path.display().to_string(),
    })?;
    // Stored to the microsecond: what is signed is what is read back.
    let at = DateTime::parse_from_rfc3339(&store::ts(&actor.at))
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or(actor.at);
    let database = store.path().map(|p| p.display().to_string());
    let checkpoint = store.write(actor, |tx| {
        let head = store::audit::head(tx.conn())?.ok_or_else(|| {
            Error::Conflict("the audit log is empty: there is nothing to sign yet".into())
        })?;
        let (public_key, signature) = keys::sign(
            key_path,
            passphrase,
            &Checkpoint::message(head.seq, &head.hash, &at),
        )?;
        if public_key != info.public_key {
            return Err(Error::Internal("the key's public half changed".into()));
        }
        let c = Checkpoint {
            seq: head.seq,
            hash: head.hash,
            at,
            public_key,
            signature,
        };
        store::audit::insert_checkpoint(tx, &c)?;
        Ok(c)
    })?;
    let text = serde_json::to_string_pretty(&CheckpointFile {
        kind: CHECKPOINT_KIND.into(),
        database,
        checkpoint: checkpoint.clone(),
    })
    .map_err(|e| Error::Internal(e.to_string()))?;
    Ok((checkpoint, text))
}

/// Reads a checkpoint file the office kept.
pub fn read_checkpoint_file(path: &Path) -> Result<Checkpoint> {
    let file = crate::ingest::display_name(path);
    let text = crate::ingest::read_text(path)?;
    let f: CheckpointFile = serde_json::from_str(&text)
        .ok()
        .filter(|f: &CheckpointFile| f.kind == CHECKPOINT_KIND)
        .ok_or_else(|| {
            Error::invalid(
                Location::file(file),
                "not a Gigafund audit checkpoint file",
                None,
            )
        })?;
    Ok(f.checkpoint)
}

/// What `verify` is given besides the database.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// The office's public key (hex), from a file the office holds: checkpoints must be
    /// signed with it.
    pub office_key: Option<String>,
    /// Checkpoints kept outside the database (files), each checked against the log.
    pub checkpoints: Vec<(String, Checkpoint)>,
}

/// One checkpoint as verification found it.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct CheckpointCheck {
    /// `database`, or the file it was read from.
    pub source: String,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub fingerprint: String,
    /// `None` when it holds; otherwise what is wrong.
    pub problem: Option<String>,
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct VerifyReport {
    pub ok: bool,
    pub schema_version: i64,
    /// The file could not be read as a database at all (truncated, a corrupt page).
    pub damaged: Option<String>,
    /// What `PRAGMA integrity_check` reported, when not "ok".
    pub integrity: Vec<String>,
    pub audit_entries: u32,
    /// The last entry of the log.
    pub head: Option<LogHead>,
    pub chain_break: Option<ChainBreak>,
    /// The log's append-only triggers that are missing or changed.
    pub protections: Vec<String>,
    /// Rows of the scores, submissions, consensus, panel decisions, assignments and
    /// checkpoints that do not agree with the log replayed (at most 50 listed).
    pub replay: Vec<String>,
    pub replay_differences: u32,
    pub checkpoints: Vec<CheckpointCheck>,
    /// Entries after the last checkpoint that holds (not yet covered by a signature).
    pub unsigned_entries: i64,
    /// Whose key the checkpoints were checked against: the fingerprint of the office's
    /// key given, or `None` when none was given (each was checked with its own key).
    pub office_key: Option<String>,
}

impl VerifyReport {
    fn damaged(reason: String) -> VerifyReport {
        VerifyReport {
            ok: false,
            schema_version: 0,
            damaged: Some(reason),
            integrity: Vec::new(),
            audit_entries: 0,
            head: None,
            chain_break: None,
            protections: Vec::new(),
            replay: Vec::new(),
            replay_differences: 0,
            checkpoints: Vec::new(),
            unsigned_entries: 0,
            office_key: None,
        }
    }
}

/// Checks the database file and the audit chain (no key, no checkpoint file).
pub fn verify(store: &Store) -> Result<VerifyReport> {
    verify_with(store, &VerifyOptions::default())
}

/// Whether a database error means the file itself is damaged.
fn is_damage(e: &Error) -> bool {
    matches!(e, Error::Damaged { .. })
        || matches!(e, Error::Database(_) if e.code() == crate::error::ErrorCode::Damaged)
}

/// Opens the database at `path` and verifies it; a file too damaged to open is reported
/// as such (nothing is written to it).
pub fn verify_file(path: &Path, options: &VerifyOptions) -> Result<VerifyReport> {
    match Store::open(path) {
        Ok(store) => verify_with(&store, options),
        Err(e) if is_damage(&e) => Ok(VerifyReport::damaged(e.to_string())),
        Err(e) => Err(e),
    }
}

/// Checks the file (integrity), the chain, the log's protections, the tables against the
/// log replayed, and every checkpoint (in the database and the files given) against the
/// log and the office's key.
pub fn verify_with(store: &Store, options: &VerifyOptions) -> Result<VerifyReport> {
    match verify_inner(store, options) {
        Err(e) if is_damage(&e) => Ok(VerifyReport::damaged(e.to_string())),
        other => other,
    }
}

fn verify_inner(store: &Store, options: &VerifyOptions) -> Result<VerifyReport> {
    let conn = store.conn();
    let integrity = store.integrity_check()?;
    let chain_break = store::audit::verify_chain(conn)?;
    let audit_entries: u32 = conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?;
    let head = store::audit::head(conn)?;
    let protections = store::audit::missing_protections(conn)?;
    let (replay, replay_differences) = store::audit::replay(conn, 50)?;
    let office_key = options
        .office_key
        .as_deref()
        .map(|k| keys::parse_public_key(k).map(|p| hex::encode(p.to_bytes())))
        .transpose()?;
    let mut checks = Vec::new();
    let mut covered = 0;
    let stored = store::audit::checkpoints(conn)?;
    let sources = stored
        .into_iter()
        .map(|c| ("database".to_string(), c))
        .chain(options.checkpoints.iter().cloned());
    for (source, c) in sources {
        let problem = if !c.signature_holds() {
            Some("its signature does not match it (the checkpoint was altered)".to_string())
        } else if office_key.as_ref().is_some_and(|k| *k != c.public_key) {
            Some("it is signed with another key than the office's".to_string())
        } else {
            match store::audit::hash_at(conn, c.seq)? {
                None => Some(format!(
                    "the log no longer holds entry {} that it signed: the log was truncated (it ends at entry {})",
                    c.seq,
                    head.as_ref().map(|h| h.seq).unwrap_or(0)
                )),
                Some(h) if h != c.hash => Some(format!(
                    "entry {} is not the one it signed: the log was rewritten",
                    c.seq
                )),
                Some(_) => None,
            }
        };
        if problem.is_none() {
            covered = covered.max(c.seq);
        }
        checks.push(CheckpointCheck {
            source,
            seq: c.seq,
            at: c.at,
            fingerprint: keys::fingerprint(&c.public_key).unwrap_or_default(),
            problem,
        });
    }
    let unsigned_entries = head.as_ref().map(|h| h.seq - covered).unwrap_or(0);
    Ok(VerifyReport {
        ok: integrity.is_empty()
            && chain_break.is_none()
            && protections.is_empty()
            && replay_differences == 0
            && checks.iter().all(|c| c.problem.is_none()),
        schema_version: store.schema_version()?,
        damaged: None,
        integrity,
        audit_entries,
        head,
        chain_break,
        protections,
        replay,
        replay_differences: u32::try_from(replay_differences).unwrap_or(u32::MAX),
        checkpoints: checks,
        unsigned_entries,
        office_key: office_key.as_deref().map(keys::fingerprint).transpose()?,
    })
}
