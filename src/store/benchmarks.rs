//! Accelerators (Epoch AI hardware data). Benchmark runs have their table (schema
//! version 3); their import comes with the compute module.

use super::Tx;
use crate::error::Result;
use crate::model::{Accelerator, BenchmarkRun, BenchmarkSuite};
use rusqlite::{Connection, params};

/// Inserts or replaces an accelerator by key; returns whether anything changed.
pub fn upsert_accelerator(tx: &mut Tx<'_>, a: &Accelerator) -> Result<bool> {
    let before = get(tx.conn(), &a.key)?;
    if before.as_ref() == Some(a) {
        return Ok(false);
    }
    tx.conn().execute(
        "INSERT INTO accelerators (key, name, vendor, release_date, fp4_tflops, fp8_tflops,
            bf16_tflops, memory_gb, tdp_w, list_price_usd, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (key) DO UPDATE SET name = excluded.name, vendor = excluded.vendor,
            release_date = excluded.release_date, fp4_tflops = excluded.fp4_tflops,
            fp8_tflops = excluded.fp8_tflops, bf16_tflops = excluded.bf16_tflops,
            memory_gb = excluded.memory_gb, tdp_w = excluded.tdp_w,
            list_price_usd = excluded.list_price_usd, source = excluded.source",
        params![
            a.key,
            a.name,
            a.vendor,
            a.release_date.map(|d| d.to_string()),
            a.fp4_tflops,
            a.fp8_tflops,
            a.bf16_tflops,
            a.memory_gb,
            a.tdp_w,
            a.list_price_usd,
            a.source
        ],
    )?;
    tx.audit(
        "accelerator.upsert",
        "accelerator",
        &a.key,
        before.as_ref(),
        Some(a),
    )?;
    Ok(true)
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Accelerator> {
    let release: Option<String> = r.get(3)?;
    Ok(Accelerator {
        key: r.get(0)?,
        name: r.get(1)?,
        vendor: r.get(2)?,
        release_date: release.map(|d| super::calls::date(3, d)).transpose()?,
        fp4_tflops: r.get(4)?,
        fp8_tflops: r.get(5)?,
        bf16_tflops: r.get(6)?,
        memory_gb: r.get(7)?,
        tdp_w: r.get(8)?,
        list_price_usd: r.get(9)?,
        source: r.get(10)?,
    })
}

const COLUMNS: &str = "key, name, vendor, release_date, fp4_tflops, fp8_tflops, bf16_tflops,
    memory_gb, tdp_w, list_price_usd, source";

pub fn get(conn: &Connection, key: &str) -> Result<Option<Accelerator>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM accelerators WHERE key = ?1"),
            [key],
            row,
        )
        .optional()?)
}

pub fn accelerators(conn: &Connection) -> Result<Vec<Accelerator>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM accelerators ORDER BY key"))?;
    let rows = stmt
        .query_map([], row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Stores the runs not already present (by `source`); returns how many were new.
pub fn insert_runs(tx: &mut Tx<'_>, runs: &[BenchmarkRun]) -> Result<usize> {
    let mut new = 0;
    {
        let mut stmt = tx.conn().prepare(
            "INSERT OR IGNORE INTO benchmark_runs (suite, round, benchmark, scenario, submitter,
                system, accelerator, accelerator_count, precision, score, unit, energy_kj, power_w,
                joules_per_unit, result_id, duplicate_of, excluded_reason, source, file, line)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                ?18, ?19, ?20)",
        )?;
        for r in runs {
            new += stmt.execute(params![
                super::enum_text(&r.suite)?,
                r.round,
                r.benchmark,
                r.scenario,
                r.submitter,
                r.system,
                r.accelerator,
                r.accelerator_count,
                r.precision,
                r.score,
                r.unit,
                r.energy_kj,
                r.power_w,
                r.joules_per_unit,
                r.result_id,
                r.duplicate_of,
                r.excluded_reason,
                r.source,
                r.file,
                r.line
            ])?;
        }
    }
    if new > 0 {
        let file = runs.first().map(|r| r.file.clone()).unwrap_or_default();
        tx.audit::<(), _>(
            "benchmark.import",
            "benchmark_file",
            &file,
            None,
            Some(&serde_json::json!({ "rows": runs.len(), "new": new })),
        )?;
    }
    Ok(new)
}

/// Runs of one suite; with `usable_only`, only those the statistics may use.
pub fn runs(
    conn: &Connection,
    suite: BenchmarkSuite,
    usable_only: bool,
) -> Result<Vec<BenchmarkRun>> {
    let mut stmt = conn.prepare(
        "SELECT suite, round, benchmark, scenario, submitter, system, accelerator,
                accelerator_count, precision, score, unit, energy_kj, power_w, joules_per_unit,
                result_id, duplicate_of, excluded_reason, source, file, line
         FROM benchmark_runs WHERE suite = ?1 AND (?2 = 0 OR excluded_reason IS NULL)
         ORDER BY id",
    )?;
    let rows = stmt
        .query_map(params![super::enum_text(&suite)?, usable_only], |r| {
            Ok(BenchmarkRun {
                suite: super::enum_from_text(0, r.get(0)?)?,
                round: r.get(1)?,
                benchmark: r.get(2)?,
                scenario: r.get(3)?,
                submitter: r.get(4)?,
                system: r.get(5)?,
                accelerator: r.get(6)?,
                accelerator_count: r.get(7)?,
                precision: r.get(8)?,
                score: r.get(9)?,
                unit: r.get(10)?,
                energy_kj: r.get(11)?,
                power_w: r.get(12)?,
                joules_per_unit: r.get(13)?,
                result_id: r.get(14)?,
                duplicate_of: r.get(15)?,
                excluded_reason: r.get(16)?,
                source: r.get(17)?,
                file: r.get(18)?,
                line: r.get(19)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Stores the clusters not already present; returns how many were new.
pub fn insert_clusters(
    tx: &mut Tx<'_>,
    file: &str,
    clusters: &[crate::ingest::benchmarks::Cluster],
) -> Result<usize> {
    let mut new = 0;
    {
        let mut stmt = tx.conn().prepare(
            "INSERT OR IGNORE INTO clusters (name, status, chip_type, chips, power_mw, h100e, source, row_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for c in clusters {
            new += stmt.execute(params![
                c.name,
                c.status,
                c.chip_type,
                c.chips,
                c.power_mw,
                c.h100e,
                c.source,
                c.row_hash
            ])?;
        }
    }
    if new > 0 {
        tx.audit::<(), _>(
            "benchmark.import",
            "benchmark_file",
            file,
            None,
            Some(&serde_json::json!({ "rows": clusters.len(), "new": new })),
        )?;
    }
    Ok(new)
}

/// Every stored cluster.
pub fn clusters(conn: &Connection) -> Result<Vec<crate::ingest::benchmarks::Cluster>> {
    let mut stmt = conn.prepare(
        "SELECT name, status, chip_type, chips, power_mw, h100e, source, row_hash FROM clusters ORDER BY rowid",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(crate::ingest::benchmarks::Cluster {
                name: r.get(0)?,
                status: r.get(1)?,
                chip_type: r.get(2)?,
                chips: r.get(3)?,
                power_mw: r.get(4)?,
                h100e: r.get(5)?,
                source: r.get(6)?,
                row_hash: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Facility kW per chip of every cluster with both figures, by Epoch hardware name.
pub fn cluster_kw_per_chip(conn: &Connection) -> Result<Vec<(String, f64)>> {
    let mut stmt = conn.prepare(
        "SELECT chip_type, power_mw * 1000.0 / chips FROM clusters
         WHERE chips > 0 AND power_mw > 0 AND chip_type <> ''",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
