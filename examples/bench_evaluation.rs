//! Benchmark of the evaluation (issue: a call of 1,000 bids × 5 evaluators × 6 criteria
//! ranked with calibration and leave-one-out stability, from the database to JSON, under
//! 0.5 s on this 2-core machine). Run through `scripts/bench-evaluation.sh`. Builds the
//! database once (in a temporary directory), then times, from opening the file:
//! * `rank --calibration --json`: `evaluation::rank_call` + serialisation;
//! * a baseline in the same run: reading the same score and consensus rows to JSON.
//!
//! Prints one JSON document with the medians of 7 runs.

use gigafund::evaluation;
use gigafund::model::Actor;
use gigafund::store::{self, Store};
use std::time::Instant;

const BIDS: usize = 1000;
const EXPERTS_PER_BID: usize = 5;
const EVALUATORS: usize = 200;
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.sqlite3");
    let actor = Actor::new("bench", chrono::Utc::now());
    let t = Instant::now();
    {
        let mut store = Store::open(&path)?;
        gigafund::demo::synthetic::synthetic_call(
            &mut store,
            &actor,
            &gigafund::demo::synthetic::Synthetic {
                call_code: "BENCH-2026".into(),
                bids: BIDS,
                experts_per_bid: EXPERTS_PER_BID,
                evaluators: EVALUATORS,
                quality: (2.0, 5.0),
                budget_eur: 200_000_000_000,
                seed: 7,
                comments: false,
            },
        )?;
    }
    let build = t.elapsed().as_secs_f64();

    let mut ranked = Vec::new();
    let mut baseline = Vec::new();
    let mut summary = (0usize, 0usize, 0usize, 0usize, 0usize);
    for _ in 0..7 {
        let t = Instant::now();
        let store = Store::open(&path)?;
        let r = evaluation::rank_call(store.conn(), "BENCH-2026", Some(3))?;
        let json = serde_json::to_string(&r)?;
        ranked.push(t.elapsed().as_secs_f64());
        let main = r
            .ranking
            .bids
            .iter()
            .filter(|b| b.list == evaluation::ranking::List::Main)
            .count();
        let c = r.calibration.as_ref().map_or(0, |c| c.leave_one_out.len());
        summary = (
            r.ranking.bids.len(),
            main,
            r.ranking.ties.len(),
            c,
            json.len(),
        );
        drop(store);

        let t = Instant::now();
        let store = Store::open(&path)?;
        let call = store::calls::by_code(store.conn(), "BENCH-2026")?;
        let scores = store::evaluation::call_scores(store.conn(), call.id)?;
        let consensus = store::evaluation::call_consensus(store.conn(), call.id)?;
        let json = serde_json::to_string(&(scores, consensus))?;
        baseline.push(t.elapsed().as_secs_f64());
        assert!(json.len() > 1000);
    }
    let (r, b) = (median(ranked), median(baseline));
    println!(
        "{}",
        serde_json::json!({
            "bids": summary.0, "evaluators": EVALUATORS, "experts_per_bid": EXPERTS_PER_BID,
            "criteria": gigafund::demo::synthetic::CRITERIA.len(), "main_list": summary.1, "tie_groups": summary.2,
            "leave_one_out_runs": summary.3, "json_bytes": summary.4,
            "build_seconds": build, "rank_seconds": r, "baseline_read_seconds": b,
            "ratio_to_baseline": r / b, "threads": rayon::current_num_threads(),
        })
    );
    Ok(())
}
