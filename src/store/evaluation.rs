//! Evaluators and their conflicts of interest. Assignments, scores and consensus have
//! their tables (schema version 2); their operations come with the evaluation module.

use super::{Tx, enum_from_text, enum_text, from_json, to_json};
use crate::error::{Error, Result};
use crate::model::{Conflict, CountryCode, Evaluator};
use rusqlite::{Connection, OptionalExtension, params};

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
        "INSERT INTO evaluators (name, email, organisation, country, expertise, organisation_id, parent_group)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            e.name,
            e.email,
            e.organisation,
            e.country.as_str(),
            to_json(&e.expertise)?,
            e.organisation_id,
            e.parent_group
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

pub fn evaluators(conn: &Connection) -> Result<Vec<Evaluator>> {
    let mut stmt = conn.prepare(
        "SELECT id, name, email, organisation, country, expertise, organisation_id, parent_group
         FROM evaluators ORDER BY name",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Evaluator {
                id: r.get(0)?,
                name: r.get(1)?,
                email: r.get(2)?,
                organisation: r.get(3)?,
                country: CountryCode(r.get(4)?),
                expertise: from_json(5, &r.get::<_, String>(5)?)?,
                organisation_id: r.get(6)?,
                parent_group: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
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
