//! Monitoring reports of funded awards, kept in versions, and the acceptance benchmark
//! runs of their systems. Nothing here is changed once written (the schema's triggers
//! refuse it); every write is audited.

use super::{Tx, from_json, parse_ts, to_json, ts};
use crate::error::Result;
use crate::ingest::monitoring::{ReportData, ReportedCost, ReportedMilestone};
use crate::model::{BenchmarkRun, Eur};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// A report as stored: one version of one award's year.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct StoredReport {
    pub id: i64,
    pub award_id: i64,
    pub year: i32,
    pub version: u32,
    pub file: String,
    pub sha256: String,
    pub imported_at: DateTime<Utc>,
    pub imported_by: String,
    pub milestones: Vec<ReportedMilestone>,
    pub costs: Vec<ReportedCost>,
    pub kpis: BTreeMap<String, f64>,
}

impl StoredReport {
    pub fn cost_total(&self) -> Eur {
        self.costs.iter().map(|c| c.amount).sum()
    }
}

/// Stores the next version of an award's report for its year.
pub fn insert_report(
    tx: &mut Tx<'_>,
    award_id: i64,
    file: &str,
    sha256: &str,
    r: &ReportData,
) -> Result<StoredReport> {
    let version: u32 = tx.conn().query_row(
        "SELECT ifnull(max(version), 0) + 1 FROM monitoring_reports WHERE award_id = ?1 AND year = ?2",
        params![award_id, r.year],
        |row| row.get(0),
    )?;
    let at = tx.actor().at;
    let by = tx.actor().name.clone();
    tx.conn().execute(
        "INSERT INTO monitoring_reports (award_id, year, version, file, sha256, imported_at, imported_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![award_id, r.year, version, file, sha256, ts(&at), by],
    )?;
    let id = tx.conn().last_insert_rowid();
    for (k, v) in &r.kpis {
        tx.conn().execute(
            "INSERT INTO monitoring_kpis (report_id, kpi, value) VALUES (?1, ?2, ?3)",
            params![id, k, v],
        )?;
    }
    for (i, c) in r.costs.iter().enumerate() {
        tx.conn().execute(
            "INSERT INTO monitoring_costs (report_id, line, kind, category, description, cents)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                i as i64 + 1,
                c.kind,
                c.category,
                c.description,
                c.amount.0
            ],
        )?;
    }
    for m in &r.milestones {
        tx.conn().execute(
            "INSERT INTO monitoring_milestones (report_id, code, achieved_on, evidence)
             VALUES (?1, ?2, ?3, ?4)",
            params![id, m.code, m.achieved_on.to_string(), m.evidence],
        )?;
    }
    let stored = StoredReport {
        id,
        award_id,
        year: r.year,
        version,
        file: file.to_string(),
        sha256: sha256.to_string(),
        imported_at: at,
        imported_by: by,
        milestones: r.milestones.clone(),
        costs: r.costs.clone(),
        kpis: r.kpis.clone(),
    };
    tx.audit::<(), _>(
        "award.monitoring_report",
        "award",
        award_id,
        None,
        Some(&stored),
    )?;
    Ok(stored)
}

/// Every version of every report of the award (`Some`), or of every award, by award,
/// year and version.
pub fn reports(conn: &Connection, award_id: Option<i64>) -> Result<Vec<StoredReport>> {
    let mut stmt = conn.prepare(
        "SELECT id, award_id, year, version, file, sha256, imported_at, imported_by
         FROM monitoring_reports WHERE ?1 IS NULL OR award_id = ?1
         ORDER BY award_id, year, version",
    )?;
    let mut out = stmt
        .query_map([award_id], |r| {
            Ok(StoredReport {
                id: r.get(0)?,
                award_id: r.get(1)?,
                year: r.get(2)?,
                version: r.get(3)?,
                file: r.get(4)?,
                sha256: r.get(5)?,
                imported_at: parse_ts(6, &r.get::<_, String>(6)?)?,
                imported_by: r.get(7)?,
                milestones: Vec::new(),
                costs: Vec::new(),
                kpis: BTreeMap::new(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let index: BTreeMap<i64, usize> = out.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let scope = "(SELECT id FROM monitoring_reports WHERE ?1 IS NULL OR award_id = ?1)";
    let mut stmt = conn.prepare(&format!(
        "SELECT report_id, kpi, value FROM monitoring_kpis WHERE report_id IN {scope}"
    ))?;
    let kpis = stmt
        .query_map([award_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, f64>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (id, k, v) in kpis {
        if let Some(i) = index.get(&id) {
            out[*i].kpis.insert(k, v);
        }
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT report_id, kind, category, description, cents FROM monitoring_costs
         WHERE report_id IN {scope} ORDER BY report_id, line"
    ))?;
    let costs = stmt
        .query_map([award_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                ReportedCost {
                    kind: r.get(1)?,
                    category: r.get(2)?,
                    description: r.get(3)?,
                    amount: Eur(r.get(4)?),
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (id, c) in costs {
        if let Some(i) = index.get(&id) {
            out[*i].costs.push(c);
        }
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT report_id, code, achieved_on, evidence FROM monitoring_milestones
         WHERE report_id IN {scope} ORDER BY report_id, achieved_on, code"
    ))?;
    let ms = stmt
        .query_map([award_id], |r| {
            let d: String = r.get(2)?;
            Ok((
                r.get::<_, i64>(0)?,
                ReportedMilestone {
                    code: r.get(1)?,
                    achieved_on: NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(
                            2,
                            rusqlite::types::Type::Text,
                            Box::new(e),
                        )
                    })?,
                    evidence: r.get(3)?,
                    recorded: false,
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (id, m) in ms {
        if let Some(i) = index.get(&id) {
            out[*i].milestones.push(m);
        }
    }
    Ok(out)
}

/// The latest version of each year's report.
pub fn latest(reports: Vec<StoredReport>) -> Vec<StoredReport> {
    let mut by: BTreeMap<(i64, i32), StoredReport> = BTreeMap::new();
    for r in reports {
        by.insert((r.award_id, r.year), r);
    }
    by.into_values().collect()
}

/// Whether a run is the acceptance run or a later re-run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Acceptance,
    Rerun,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct AwardRun {
    pub id: i64,
    pub award_id: i64,
    pub kind: RunKind,
    pub dated: NaiveDate,
    pub run: BenchmarkRun,
    pub file: String,
    pub sha256: String,
    pub imported_at: DateTime<Utc>,
}

pub fn insert_run(
    tx: &mut Tx<'_>,
    award_id: i64,
    kind: RunKind,
    dated: NaiveDate,
    run: &BenchmarkRun,
    file: &str,
    sha256: &str,
) -> Result<AwardRun> {
    let at = tx.actor().at;
    tx.conn().execute(
        "INSERT INTO award_benchmarks (award_id, kind, dated, run, file, sha256, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            award_id,
            super::enum_text(&kind)?,
            dated.to_string(),
            to_json(run)?,
            file,
            sha256,
            ts(&at)
        ],
    )?;
    let stored = AwardRun {
        id: tx.conn().last_insert_rowid(),
        award_id,
        kind,
        dated,
        run: run.clone(),
        file: file.to_string(),
        sha256: sha256.to_string(),
        imported_at: at,
    };
    tx.audit::<(), _>(
        "award.benchmark_run",
        "award",
        award_id,
        None,
        Some(&stored),
    )?;
    Ok(stored)
}

/// The award's runs (`Some`) or every award's, oldest first.
pub fn runs(conn: &Connection, award_id: Option<i64>) -> Result<Vec<AwardRun>> {
    let mut stmt = conn.prepare(
        "SELECT id, award_id, kind, dated, run, file, sha256, imported_at FROM award_benchmarks
         WHERE ?1 IS NULL OR award_id = ?1 ORDER BY award_id, dated, id",
    )?;
    let rows = stmt
        .query_map([award_id], |r| {
            let d: String = r.get(3)?;
            Ok(AwardRun {
                id: r.get(0)?,
                award_id: r.get(1)?,
                kind: super::enum_from_text(2, r.get(2)?)?,
                dated: NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        3,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })?,
                run: from_json(4, &r.get::<_, String>(4)?)?,
                file: r.get(5)?,
                sha256: r.get(6)?,
                imported_at: parse_ts(7, &r.get::<_, String>(7)?)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
