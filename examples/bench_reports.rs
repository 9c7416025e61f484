//! Benchmark of the reports (issue: every ESR of a 100-bid call under 10 s on this 2-core
//! machine, with the time per document). Run through `scripts/bench-reports.sh`.
//!
//! Builds a database once (the demo, for benchmark evidence, plus a synthetic call of 100
//! bids × 5 experts × 6 criteria with comments), then times, from opening the file:
//! * `report all`: every ESR of the call written to a folder, in parallel;
//! * a baseline in the same run: the same ESRs' data loaded and written as JSON files.
//!
//! Prints one JSON document with the medians of 3 runs.

use gigafund::app::{self, reports};
use gigafund::demo::synthetic::{Synthetic, synthetic_call};
use gigafund::model::Actor;
use gigafund::store::Store;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

const BIDS: usize = 100;

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
        app::load_demo(&mut store, &actor, None)?;
        synthetic_call(
            &mut store,
            &actor,
            &Synthetic {
                call_code: "BENCH-ESR".into(),
                bids: BIDS,
                experts_per_bid: 5,
                evaluators: 60,
                quality: (2.0, 5.0),
                budget_eur: 20_000_000_000,
                seed: 11,
                comments: true,
            },
        )?;
    }
    let build = t.elapsed().as_secs_f64();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).ok_or("date")?;
    let never = AtomicBool::new(false);
    let (mut all, mut per_doc, mut baseline) = (Vec::new(), Vec::new(), Vec::new());
    let (mut files, mut bytes, mut max_doc) = (0, 0u64, 0.0f64);
    for run in 0..3 {
        let out = dir.path().join(format!("esr-{run}"));
        let t = Instant::now();
        let store = Store::open(&path)?;
        let batch =
            reports::all_esrs(&store, "BENCH-ESR", "en", date, &out, &|_, _, _| {}, &never)?;
        all.push(t.elapsed().as_secs_f64());
        files = batch.files.len();
        bytes = batch.files.iter().map(|f| f.bytes).sum();
        per_doc.push(median(batch.files.iter().map(|f| f.millis).collect()));
        max_doc = batch.files.iter().map(|f| f.millis).fold(0.0, f64::max);
        drop(store);

        let out = dir.path().join(format!("json-{run}"));
        std::fs::create_dir_all(&out)?;
        let t = Instant::now();
        let store = Store::open(&path)?;
        let call = reports::CallReports::load(&store, "BENCH-ESR")?;
        for b in call.bids() {
            let d = call.esr_data(b.id)?;
            std::fs::write(
                out.join(format!("{}.json", b.acronym)),
                serde_json::to_vec(&d)?,
            )?;
        }
        baseline.push(t.elapsed().as_secs_f64());
    }
    assert_eq!(files, BIDS, "one ESR per bid");
    let (a, b) = (median(all), median(baseline));
    println!(
        "{}",
        serde_json::json!({
            "bids": BIDS, "documents": files, "pdf_bytes": bytes,
            "all_seconds": a, "per_document_ms_median": median(per_doc),
            "per_document_ms_max_last_run": max_doc,
            "baseline_json_seconds": b, "ratio_to_baseline": a / b,
            "build_seconds": build, "threads": rayon::current_num_threads(),
        })
    );
    Ok(())
}
