//! Programmes, awards, agreements, amendments, milestones and tranches. Every write is
//! audited with its before and after.

use super::{Tx, enum_from_text, enum_text, from_json, parse_ts, to_json, ts};
use crate::error::{Error, Result};
use crate::model::{CallKind, Eur};
use crate::programme::{
    Agreement, Amendment, Award, AwardStatus, Deviation, Figures, Milestone, Template, Tranche,
};
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

fn date(column: usize, s: &str) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn opt_date(column: usize, s: Option<String>) -> rusqlite::Result<Option<NaiveDate>> {
    s.map(|s| date(column, &s)).transpose()
}

// ---------------------------------------------------------------------------------------
// Programmes

/// A programme as stored: its id and template.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredProgramme {
    pub id: i64,
    pub template: Template,
    pub imported_at: chrono::DateTime<chrono::Utc>,
}

pub fn insert_programme(tx: &mut Tx<'_>, t: &Template) -> Result<i64> {
    let exists: Option<i64> = tx
        .conn()
        .query_row(
            "SELECT id FROM programmes WHERE code = ?1",
            [&t.code],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_some() {
        return Err(Error::Conflict(format!(
            "a programme with code '{}' is already in the database",
            t.code
        )));
    }
    tx.conn().execute(
        "INSERT INTO programmes (code, name, template, imported_at) VALUES (?1, ?2, ?3, ?4)",
        params![t.code, t.name, to_json(t)?, ts(&tx.actor().at)],
    )?;
    let id = tx.conn().last_insert_rowid();
    for e in &t.envelope {
        tx.conn().execute(
            "INSERT INTO envelope_lines (programme_id, source, year, cents) VALUES (?1, ?2, ?3, ?4)",
            params![id, enum_text(&e.source)?, e.year, e.amount.cents()],
        )?;
    }
    tx.audit::<(), _>("programme.import", "programme", &t.code, None, Some(t))?;
    Ok(id)
}

fn programme_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredProgramme> {
    Ok(StoredProgramme {
        id: r.get(0)?,
        template: from_json(1, &r.get::<_, String>(1)?)?,
        imported_at: parse_ts(2, &r.get::<_, String>(2)?)?,
    })
}

pub fn programme(conn: &Connection, code: &str) -> Result<StoredProgramme> {
    conn.query_row(
        "SELECT id, template, imported_at FROM programmes WHERE code = ?1",
        [code],
        programme_row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        kind: "programme",
        key: code.to_string(),
    })
}

pub fn programme_by_id(conn: &Connection, id: i64) -> Result<StoredProgramme> {
    Ok(conn.query_row(
        "SELECT id, template, imported_at FROM programmes WHERE id = ?1",
        [id],
        programme_row,
    )?)
}

pub fn programmes(conn: &Connection) -> Result<Vec<StoredProgramme>> {
    let mut stmt =
        conn.prepare("SELECT id, template, imported_at FROM programmes ORDER BY code")?;
    let rows = stmt
        .query_map([], programme_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The programme that funds a call (its template lists the call).
pub fn programme_of_call(conn: &Connection, call_code: &str) -> Result<Option<StoredProgramme>> {
    Ok(programmes(conn)?
        .into_iter()
        .find(|p| p.template.calls.iter().any(|c| c == call_code)))
}

// ---------------------------------------------------------------------------------------
// Member-State commitments

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Commitment {
    pub id: i64,
    pub call_code: Option<String>,
    pub country: String,
    pub amount: Eur,
    pub dated: NaiveDate,
    pub conditions: String,
}

pub fn insert_commitment(tx: &mut Tx<'_>, programme_id: i64, c: &Commitment) -> Result<i64> {
    tx.conn().execute(
        "INSERT INTO ms_commitments (programme_id, call_code, country, cents, dated, conditions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            programme_id,
            c.call_code,
            c.country,
            c.amount.cents(),
            c.dated.to_string(),
            c.conditions
        ],
    )?;
    let id = tx.conn().last_insert_rowid();
    tx.audit::<(), _>(
        "programme.commitment",
        "commitment",
        id,
        None,
        Some(&Commitment { id, ..c.clone() }),
    )?;
    Ok(id)
}

pub fn commitments(conn: &Connection, programme_id: i64) -> Result<Vec<Commitment>> {
    let mut stmt = conn.prepare(
        "SELECT id, call_code, country, cents, dated, conditions FROM ms_commitments
         WHERE programme_id = ?1 ORDER BY dated, id",
    )?;
    let rows = stmt
        .query_map([programme_id], |r| {
            Ok(Commitment {
                id: r.get(0)?,
                call_code: r.get(1)?,
                country: r.get(2)?,
                amount: Eur(r.get(3)?),
                dated: date(4, &r.get::<_, String>(4)?)?,
                conditions: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

// ---------------------------------------------------------------------------------------
// Awards

const AWARD_COLUMNS: &str = "a.id, p.code, a.call_code, a.call_kind, a.bid_id, a.acronym, a.title, a.host,
    a.country, a.selected_on, a.status, a.from_reserve, a.rank, a.figures, a.illustrative, a.created_at";

fn award_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Award> {
    Ok(Award {
        id: r.get(0)?,
        programme: r.get(1)?,
        call_code: r.get(2)?,
        call_kind: enum_from_text::<CallKind>(3, r.get(3)?)?,
        bid_id: r.get(4)?,
        acronym: r.get(5)?,
        title: r.get(6)?,
        host: r.get(7)?,
        country: r.get(8)?,
        selected_on: date(9, &r.get::<_, String>(9)?)?,
        status: enum_from_text::<AwardStatus>(10, r.get(10)?)?,
        from_reserve: r.get(11)?,
        rank: r.get(12)?,
        figures: from_json::<Figures>(13, &r.get::<_, String>(13)?)?,
        illustrative: from_json(14, &r.get::<_, String>(14)?)?,
        created_at: parse_ts(15, &r.get::<_, String>(15)?)?,
    })
}

pub fn insert_award(tx: &mut Tx<'_>, programme_id: i64, a: &Award) -> Result<i64> {
    tx.conn().execute(
        "INSERT INTO awards (programme_id, call_code, call_kind, bid_id, acronym, title, host,
            country, selected_on, status, from_reserve, rank, figures, illustrative, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            programme_id,
            a.call_code,
            enum_text(&a.call_kind)?,
            a.bid_id,
            a.acronym,
            a.title,
            a.host,
            a.country,
            a.selected_on.to_string(),
            enum_text(&a.status)?,
            a.from_reserve,
            a.rank,
            to_json(&a.figures)?,
            to_json(&a.illustrative)?,
            ts(&a.created_at)
        ],
    )?;
    let id = tx.conn().last_insert_rowid();
    tx.audit::<(), _>(
        "award.create",
        "award",
        id,
        None,
        Some(&Award { id, ..a.clone() }),
    )?;
    Ok(id)
}

pub fn award(conn: &Connection, id: i64) -> Result<Award> {
    conn.query_row(
        &format!(
            "SELECT {AWARD_COLUMNS} FROM awards a JOIN programmes p ON p.id = a.programme_id
             WHERE a.id = ?1"
        ),
        [id],
        award_row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        kind: "award",
        key: id.to_string(),
    })
}

/// The awards of a programme (every programme when `None`), in creation order.
pub fn awards(conn: &Connection, programme_id: Option<i64>) -> Result<Vec<Award>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {AWARD_COLUMNS} FROM awards a JOIN programmes p ON p.id = a.programme_id
         WHERE ?1 IS NULL OR a.programme_id = ?1 ORDER BY a.id"
    ))?;
    let rows = stmt
        .query_map([programme_id], award_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn call_awards(conn: &Connection, call_code: &str) -> Result<Vec<Award>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {AWARD_COLUMNS} FROM awards a JOIN programmes p ON p.id = a.programme_id
         WHERE a.call_code = ?1 ORDER BY a.id"
    ))?;
    let rows = stmt
        .query_map([call_code], award_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Changes an award's status or figures (audited before/after).
pub fn update_award(tx: &mut Tx<'_>, before: &Award, after: &Award) -> Result<()> {
    tx.conn().execute(
        "UPDATE awards SET status = ?2, figures = ?3, host = ?4, country = ?5 WHERE id = ?1",
        params![
            after.id,
            enum_text(&after.status)?,
            to_json(&after.figures)?,
            after.host,
            after.country
        ],
    )?;
    tx.audit("award.update", "award", after.id, Some(before), Some(after))
}

// ---------------------------------------------------------------------------------------
// Agreements and amendments

pub fn insert_agreement(tx: &mut Tx<'_>, award_id: i64, a: &Agreement) -> Result<()> {
    tx.conn().execute(
        "INSERT INTO agreements (award_id, kind, version, signed_on, reference, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            award_id,
            enum_text(&a.kind)?,
            a.version,
            a.signed_on.to_string(),
            a.reference,
            ts(&tx.actor().at)
        ],
    )?;
    tx.audit::<(), _>("award.agreement", "award", award_id, None, Some(a))
}

pub fn agreements(conn: &Connection, award_id: i64) -> Result<Vec<Agreement>> {
    let mut stmt = conn.prepare(
        "SELECT kind, version, signed_on, reference FROM agreements WHERE award_id = ?1
         ORDER BY signed_on, kind, version",
    )?;
    let rows = stmt
        .query_map([award_id], |r| {
            Ok(Agreement {
                kind: enum_from_text(0, r.get(0)?)?,
                version: r.get(1)?,
                signed_on: date(2, &r.get::<_, String>(2)?)?,
                reference: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn insert_amendment(tx: &mut Tx<'_>, award_id: i64, a: &Amendment) -> Result<i64> {
    tx.conn().execute(
        "INSERT INTO amendments (award_id, kind, dated, old_value, new_value, asked_by,
            approved_by, reason, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            award_id,
            enum_text(&a.kind)?,
            a.dated.to_string(),
            a.old_value.to_string(),
            a.new_value.to_string(),
            a.asked_by,
            a.approved_by,
            a.reason,
            ts(&a.recorded_at)
        ],
    )?;
    let id = tx.conn().last_insert_rowid();
    tx.audit::<(), _>(
        "award.amend",
        "award",
        award_id,
        None,
        Some(&Amendment { id, ..a.clone() }),
    )?;
    Ok(id)
}

pub fn amendments(conn: &Connection, award_id: i64) -> Result<Vec<Amendment>> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, dated, old_value, new_value, asked_by, approved_by, reason, recorded_at
         FROM amendments WHERE award_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([award_id], |r| {
            Ok(Amendment {
                id: r.get(0)?,
                kind: enum_from_text(1, r.get(1)?)?,
                dated: date(2, &r.get::<_, String>(2)?)?,
                old_value: from_json(3, &r.get::<_, String>(3)?)?,
                new_value: from_json(4, &r.get::<_, String>(4)?)?,
                asked_by: r.get(5)?,
                approved_by: r.get(6)?,
                reason: r.get(7)?,
                recorded_at: parse_ts(8, &r.get::<_, String>(8)?)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

// ---------------------------------------------------------------------------------------
// Milestones

const MILESTONE_COLUMNS: &str = "code, position, baseline, forecast, actual, evidence,
    evidence_sha256, verified_by, verified_on";

fn milestone_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Milestone> {
    Ok(Milestone {
        code: r.get(0)?,
        position: r.get(1)?,
        baseline: date(2, &r.get::<_, String>(2)?)?,
        forecast: date(3, &r.get::<_, String>(3)?)?,
        actual: opt_date(4, r.get(4)?)?,
        evidence: r.get(5)?,
        evidence_sha256: r.get(6)?,
        verified_by: r.get(7)?,
        verified_on: opt_date(8, r.get(8)?)?,
    })
}

pub fn insert_milestone(tx: &mut Tx<'_>, award_id: i64, m: &Milestone) -> Result<()> {
    tx.conn().execute(
        "INSERT INTO award_milestones (award_id, code, position, baseline, forecast, actual, evidence,
            evidence_sha256, verified_by, verified_on)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            award_id,
            m.code,
            m.position,
            m.baseline.to_string(),
            m.forecast.to_string(),
            m.actual.map(|d| d.to_string()),
            m.evidence,
            m.evidence_sha256,
            m.verified_by,
            m.verified_on.map(|d| d.to_string())
        ],
    )?;
    Ok(())
}

pub fn milestones(conn: &Connection, award_id: i64) -> Result<Vec<Milestone>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {MILESTONE_COLUMNS} FROM award_milestones WHERE award_id = ?1 ORDER BY position"
    ))?;
    let rows = stmt
        .query_map([award_id], milestone_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Every milestone of a programme's awards, by award, in one query.
pub fn programme_milestones(conn: &Connection, programme_id: i64) -> Result<Vec<(i64, Milestone)>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT m.award_id, {} FROM award_milestones m JOIN awards a ON a.id = m.award_id
         WHERE a.programme_id = ?1 ORDER BY m.award_id, m.position",
        MILESTONE_COLUMNS
            .split(',')
            .map(|c| format!("m.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    let rows = stmt
        .query_map([programme_id], |r| {
            let id: i64 = r.get(0)?;
            // The row shifted by one column: read it through a small adapter.
            Ok((
                id,
                Milestone {
                    code: r.get(1)?,
                    position: r.get(2)?,
                    baseline: date(3, &r.get::<_, String>(3)?)?,
                    forecast: date(4, &r.get::<_, String>(4)?)?,
                    actual: opt_date(5, r.get(5)?)?,
                    evidence: r.get(6)?,
                    evidence_sha256: r.get(7)?,
                    verified_by: r.get(8)?,
                    verified_on: opt_date(9, r.get(9)?)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn update_milestone(
    tx: &mut Tx<'_>,
    award_id: i64,
    before: &Milestone,
    after: &Milestone,
) -> Result<()> {
    tx.conn().execute(
        "UPDATE award_milestones SET baseline = ?3, forecast = ?4, actual = ?5, evidence = ?6,
            evidence_sha256 = ?7, verified_by = ?8, verified_on = ?9
         WHERE award_id = ?1 AND code = ?2",
        params![
            award_id,
            after.code,
            after.baseline.to_string(),
            after.forecast.to_string(),
            after.actual.map(|d| d.to_string()),
            after.evidence,
            after.evidence_sha256,
            after.verified_by,
            after.verified_on.map(|d| d.to_string())
        ],
    )?;
    tx.audit(
        "milestone.update",
        "milestone",
        format!("{award_id}:{}", after.code),
        Some(before),
        Some(after),
    )
}

// ---------------------------------------------------------------------------------------
// Tranches

const TRANCHE_COLUMNS: &str = "code, position, kind, share_bp, gate, due_days, state, cents,
    paid_cents, requested_on, approved_on, paid_on, note";

fn tranche_at(r: &rusqlite::Row<'_>, o: usize) -> rusqlite::Result<Tranche> {
    Ok(Tranche {
        code: r.get(o)?,
        position: r.get(o + 1)?,
        kind: enum_from_text(o + 2, r.get(o + 2)?)?,
        share_bp: r.get(o + 3)?,
        gate: r.get(o + 4)?,
        due_days: r.get(o + 5)?,
        state: enum_from_text(o + 6, r.get(o + 6)?)?,
        amount: Eur(r.get(o + 7)?),
        paid: Eur(r.get(o + 8)?),
        requested_on: opt_date(o + 9, r.get(o + 9)?)?,
        approved_on: opt_date(o + 10, r.get(o + 10)?)?,
        paid_on: opt_date(o + 11, r.get(o + 11)?)?,
        note: r.get(o + 12)?,
    })
}

pub fn insert_tranche(tx: &mut Tx<'_>, award_id: i64, t: &Tranche) -> Result<()> {
    tx.conn().execute(
        "INSERT INTO award_tranches (award_id, code, position, kind, share_bp, gate, due_days, state,
            cents, paid_cents, requested_on, approved_on, paid_on, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            award_id,
            t.code,
            t.position,
            enum_text(&t.kind)?,
            t.share_bp,
            t.gate,
            t.due_days,
            enum_text(&t.state)?,
            t.amount.cents(),
            t.paid.cents(),
            t.requested_on.map(|d| d.to_string()),
            t.approved_on.map(|d| d.to_string()),
            t.paid_on.map(|d| d.to_string()),
            t.note
        ],
    )?;
    Ok(())
}

pub fn tranches(conn: &Connection, award_id: i64) -> Result<Vec<Tranche>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {TRANCHE_COLUMNS} FROM award_tranches WHERE award_id = ?1 ORDER BY position"
    ))?;
    let rows = stmt
        .query_map([award_id], |r| tranche_at(r, 0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn programme_tranches(conn: &Connection, programme_id: i64) -> Result<Vec<(i64, Tranche)>> {
    let cols = TRANCHE_COLUMNS
        .split(',')
        .map(|c| format!("t.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn.prepare(&format!(
        "SELECT t.award_id, {cols} FROM award_tranches t JOIN awards a ON a.id = t.award_id
         WHERE a.programme_id = ?1 ORDER BY t.award_id, t.position"
    ))?;
    let rows = stmt
        .query_map([programme_id], |r| Ok((r.get(0)?, tranche_at(r, 1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn update_tranche(
    tx: &mut Tx<'_>,
    award_id: i64,
    before: &Tranche,
    after: &Tranche,
) -> Result<()> {
    tx.conn().execute(
        "UPDATE award_tranches SET share_bp = ?3, state = ?4, cents = ?5, paid_cents = ?6,
            requested_on = ?7, approved_on = ?8, paid_on = ?9, note = ?10
         WHERE award_id = ?1 AND code = ?2",
        params![
            award_id,
            after.code,
            after.share_bp,
            enum_text(&after.state)?,
            after.amount.cents(),
            after.paid.cents(),
            after.requested_on.map(|d| d.to_string()),
            after.approved_on.map(|d| d.to_string()),
            after.paid_on.map(|d| d.to_string()),
            after.note
        ],
    )?;
    tx.audit(
        "tranche.update",
        "tranche",
        format!("{award_id}:{}", after.code),
        Some(before),
        Some(after),
    )
}

/// The grant agreement's signature date of each award of a programme.
pub fn grant_signatures(conn: &Connection, programme_id: i64) -> Result<Vec<(i64, NaiveDate)>> {
    let mut stmt = conn.prepare(
        "SELECT g.award_id, min(g.signed_on) FROM agreements g JOIN awards a ON a.id = g.award_id
         WHERE a.programme_id = ?1 AND g.kind = 'grant' GROUP BY g.award_id",
    )?;
    let rows = stmt
        .query_map([programme_id], |r| {
            Ok((r.get(0)?, date(1, &r.get::<_, String>(1)?)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

// ---------------------------------------------------------------------------------------
// Deviations

pub fn insert_deviation(tx: &mut Tx<'_>, award_id: i64, d: &Deviation) -> Result<i64> {
    tx.conn().execute(
        "INSERT INTO deviations (award_id, kind, subject, found, action, cents, reason,
            decided_by, dated, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            award_id,
            enum_text(&d.kind)?,
            d.subject,
            d.found,
            enum_text(&d.action)?,
            d.amount.map(|a| a.0),
            d.reason,
            d.decided_by,
            d.dated.to_string(),
            ts(&tx.actor().at)
        ],
    )?;
    let id = tx.conn().last_insert_rowid();
    let stored = Deviation { id, ..d.clone() };
    tx.audit::<(), _>("award.deviation", "award", award_id, None, Some(&stored))?;
    Ok(id)
}

pub fn lift_deviation(
    tx: &mut Tx<'_>,
    award_id: i64,
    before: &Deviation,
    on: NaiveDate,
    by: &str,
    reason: &str,
) -> Result<Deviation> {
    tx.conn().execute(
        "UPDATE deviations SET lifted_on = ?2, lifted_by = ?3, lift_reason = ?4 WHERE id = ?1",
        params![before.id, on.to_string(), by, reason],
    )?;
    let after = Deviation {
        lifted_on: Some(on),
        lifted_by: Some(by.to_string()),
        lift_reason: Some(reason.to_string()),
        ..before.clone()
    };
    tx.audit(
        "award.deviation_lifted",
        "award",
        award_id,
        Some(before),
        Some(&after),
    )?;
    Ok(after)
}

pub fn deviations(conn: &Connection, award_id: i64) -> Result<Vec<Deviation>> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, subject, found, action, cents, reason, decided_by, dated,
                lifted_on, lifted_by, lift_reason
         FROM deviations WHERE award_id = ?1 ORDER BY dated, id",
    )?;
    let rows = stmt
        .query_map([award_id], |r| {
            Ok(Deviation {
                id: r.get(0)?,
                kind: enum_from_text(1, r.get(1)?)?,
                subject: r.get(2)?,
                found: r.get(3)?,
                action: enum_from_text(4, r.get(4)?)?,
                amount: r.get::<_, Option<i64>>(5)?.map(Eur),
                reason: r.get(6)?,
                decided_by: r.get(7)?,
                dated: date(8, &r.get::<_, String>(8)?)?,
                lifted_on: opt_date(9, r.get(9)?)?,
                lifted_by: r.get(10)?,
                lift_reason: r.get(11)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
