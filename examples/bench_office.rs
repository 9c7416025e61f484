//! Benchmark of the office's two largest views (issue: on the 1,000-bid synthetic call with
//! 200 experts, the assignment matrix and an audit log of 100,000 entries paint in under
//! 1 s). Run through `scripts/bench-office.sh`, which also measures the painting in
//! Chromium. Builds the database (1,000 bids × 5 experts of 200 and a second call that takes
//! the log past 100,000 entries) in the directory given, then times, from opening the file:
//! * the matrix: `assign::matrix` + JSON, what the app's `assign_matrix` command does;
//! * the log: `audit::query` (total and the first 200 entries) + JSON;
//! * baselines in the same run: reading the assignment rows, and 200 audit rows, to JSON.
//!
//! Prints one JSON document with the medians of 7 runs and the database's path.

use gigafund::app::audit::{self, AuditFilter};
use gigafund::demo::synthetic::{Synthetic, synthetic_call};
use gigafund::evaluation::assign;
use gigafund::model::Actor;
use gigafund::store::Store;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .ok_or("usage: bench_office DIR")?;
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("office-bench.sqlite3");
    let actor = Actor::new("bench", chrono::Utc::now());
    let t = Instant::now();
    if !path.exists() {
        let mut store = Store::open(&path)?;
        for (code, bids, seed) in [("BENCH-2026", 1000, 7), ("BENCH-2026-B", 1200, 8)] {
            synthetic_call(
                &mut store,
                &actor,
                &Synthetic {
                    call_code: code.into(),
                    bids,
                    experts_per_bid: 5,
                    evaluators: 200,
                    quality: (2.0, 5.0),
                    budget_eur: 200_000_000_000,
                    seed,
                    comments: false,
                },
            )?;
        }
    }
    let build = t.elapsed().as_secs_f64();

    let (mut matrix, mut matrix_base, mut log, mut log_base) = (vec![], vec![], vec![], vec![]);
    let mut figures = (0usize, 0usize, 0usize, 0u32, 0usize);
    for _ in 0..7 {
        let t = Instant::now();
        let store = Store::open(&path)?;
        let m = assign::matrix(store.conn(), "BENCH-2026")?;
        let json = serde_json::to_string(&m)?;
        matrix.push(t.elapsed().as_secs_f64());
        figures.0 = m.bids.len();
        figures.1 = m.experts.len();
        figures.2 = json.len();

        let t = Instant::now();
        let store = Store::open(&path)?;
        let rows: Vec<(i64, i64, String, String)> = store
            .conn()
            .prepare(
                "SELECT a.bid_id, a.evaluator_id, a.role, a.assigned_at FROM assignments a
                 JOIN bids b ON b.id = a.bid_id JOIN calls c ON c.id = b.call_id
                 WHERE c.code = 'BENCH-2026'",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        let _ = serde_json::to_string(&rows)?;
        matrix_base.push(t.elapsed().as_secs_f64());

        let t = Instant::now();
        let store = Store::open(&path)?;
        let page = audit::query(&store, &AuditFilter::default(), 0, 200)?;
        let json = serde_json::to_string(&page)?;
        log.push(t.elapsed().as_secs_f64());
        figures.3 = page.total;
        figures.4 = json.len();

        let t = Instant::now();
        let store = Store::open(&path)?;
        let rows: Vec<(i64, String, String, String)> = store
            .conn()
            .prepare("SELECT seq, at, actor, action FROM audit_log ORDER BY seq DESC LIMIT 200")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        let _ = serde_json::to_string(&rows)?;
        log_base.push(t.elapsed().as_secs_f64());
    }
    let doc = serde_json::json!({
        "database": path.display().to_string(),
        "build_seconds": build,
        "bids": figures.0,
        "experts": figures.1,
        "matrix_json_bytes": figures.2,
        "matrix_seconds": median(matrix),
        "matrix_baseline_seconds": median(matrix_base),
        "audit_entries": figures.3,
        "audit_page_json_bytes": figures.4,
        "audit_seconds": median(log),
        "audit_baseline_seconds": median(log_base),
    });
    println!("{doc}");
    Ok(())
}
