//! Accelerators (Epoch AI hardware data). Benchmark runs have their table (schema
//! version 3); their import comes with the compute module.

use super::Tx;
use crate::error::Result;
use crate::model::Accelerator;
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
