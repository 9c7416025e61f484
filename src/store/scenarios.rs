//! Finance scenarios: a bid's (or an analyst's) model inputs with the results they gave,
//! versioned by name; a saved version is never changed.

use super::{Tx, from_json, to_json};
use crate::error::{Error, Result};
use crate::finance::montecarlo::MonteCarlo;
use crate::finance::{Inputs, Metrics};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Scenario {
    pub id: i64,
    pub bid_id: Option<i64>,
    pub bid_acronym: Option<String>,
    pub name: String,
    pub version: u32,
    pub inputs: Inputs,
    pub metrics: Metrics,
    /// The Monte Carlo summary, without the per-path values (the histogram stays).
    pub monte_carlo: Option<MonteCarlo>,
    pub engine_version: String,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// What a new version holds.
#[derive(Debug)]
pub struct NewScenario<'a> {
    pub bid_id: Option<i64>,
    pub name: &'a str,
    pub inputs: &'a Inputs,
    pub metrics: &'a Metrics,
    pub monte_carlo: Option<&'a MonteCarlo>,
    pub engine_version: &'a str,
    pub note: &'a str,
}

/// Stores the next version of the scenario `name` (of its bid) and audits it.
pub fn insert(tx: &mut Tx<'_>, s: &NewScenario<'_>) -> Result<i64> {
    if s.name.trim().is_empty() {
        return Err(Error::invalid(
            crate::error::Location::default().with_field("name"),
            "a scenario needs a name",
            None,
        ));
    }
    let version: u32 = tx.conn().query_row(
        "SELECT ifnull(max(version), 0) + 1 FROM scenarios
         WHERE ifnull(bid_id, 0) = ifnull(?1, 0) AND name = ?2",
        params![s.bid_id, s.name],
        |r| r.get(0),
    )?;
    let mc = s.monte_carlo.map(|m| {
        let mut m = m.clone();
        m.equity_irr.clear();
        m.min_dscr.clear();
        m
    });
    let at = tx.actor().at;
    let by = tx.actor().name.clone();
    tx.conn().execute(
        "INSERT INTO scenarios (bid_id, name, version, inputs, metrics, monte_carlo,
            engine_version, note, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            s.bid_id,
            s.name,
            version,
            to_json(s.inputs)?,
            to_json(s.metrics)?,
            mc.as_ref().map(to_json).transpose()?,
            s.engine_version,
            s.note,
            by,
            at.to_rfc3339(),
        ],
    )?;
    let id = tx.conn().last_insert_rowid();
    tx.audit(
        "scenario.save",
        "scenario",
        id,
        None::<&()>,
        Some(&serde_json::json!({
            "bid_id": s.bid_id,
            "name": s.name,
            "version": version,
            "engine_version": s.engine_version,
        })),
    )?;
    Ok(id)
}

const SELECT: &str = "SELECT s.id, s.bid_id, b.acronym, s.name, s.version, s.inputs, s.metrics,
        s.monte_carlo, s.engine_version, s.note, s.created_by, s.created_at
    FROM scenarios s LEFT JOIN bids b ON b.id = s.bid_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Scenario> {
    let inputs: String = r.get(5)?;
    let metrics: String = r.get(6)?;
    let mc: Option<String> = r.get(7)?;
    let at: String = r.get(11)?;
    Ok(Scenario {
        id: r.get(0)?,
        bid_id: r.get(1)?,
        bid_acronym: r.get(2)?,
        name: r.get(3)?,
        version: r.get(4)?,
        inputs: from_json(5, &inputs)?,
        metrics: from_json(6, &metrics)?,
        monte_carlo: mc.map(|m| from_json(7, &m)).transpose()?,
        engine_version: r.get(8)?,
        note: r.get(9)?,
        created_by: r.get(10)?,
        created_at: DateTime::parse_from_rfc3339(&at)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    11,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?,
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<Scenario> {
    conn.query_row(&format!("{SELECT} WHERE s.id = ?1"), [id], row)
        .optional()?
        .ok_or(Error::NotFound {
            kind: "scenario",
            key: id.to_string(),
        })
}

/// Every scenario of a bid (or all of them), newest version of each name last.
pub fn list(conn: &Connection, bid_id: Option<i64>) -> Result<Vec<Scenario>> {
    let mut stmt = conn.prepare(&format!(
        "{SELECT} WHERE ?1 IS NULL OR s.bid_id = ?1 ORDER BY ifnull(s.bid_id, 0), s.name, s.version"
    ))?;
    let rows = stmt
        .query_map([bid_id], row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
