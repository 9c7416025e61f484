//! Benchmark of the compute-per-euro analytics (issue: target under 1 s after import).
//! Run through `scripts/bench-compute.sh`, which also times pandas on the same relative
//! table and prints the ratio. Prints one JSON document.

use gigafund::app::{self, ComputeEvidence};
use gigafund::compute::estimate::EstimateParams;
use gigafund::compute::relative;
use gigafund::model::{Actor, BenchmarkSuite};
use gigafund::store::{self, Store};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "sample-data/benchmarks".into()),
    );
    let files: Vec<PathBuf> = [
        "hardware.csv",
        "mlperf_training.csv",
        "mlperf_inference.csv",
    ]
    .iter()
    .map(|f| dir.join(f))
    .collect();
    let mut store = Store::open_in_memory()?;
    let actor = Actor::new("bench", chrono::DateTime::UNIX_EPOCH);

    let t = Instant::now();
    app::import_benchmark_files(&mut store, &actor, &files)?;
    let import_ms = t.elapsed().as_secs_f64() * 1e3;

    // After import: load, relative table, fit, and 1,000 bid estimates.
    let keys = [
        "B200", "B300", "GB200", "MI355X", "MI325X", "H200-SXM", "TPU-v7", "Gaudi3", "GB300",
        "MI300X",
    ];
    let t = Instant::now();
    let evidence = ComputeEvidence::load(&store, "5.1")?;
    let mut total = 0.0;
    for i in 0..1000 {
        let n = 20_000.0 + (i as f64) * 150.0;
        let params = EstimateParams {
            n_acc: n,
            accelerator: keys[i % keys.len()].to_string(),
            round: "5.1".into(),
            p: None,
            s: None,
            n_job: n.min(25_000.0),
            util: 0.8,
            availability: 0.97,
            kw_it_per_acc: None,
            pue: 1.1 + (i % 20) as f64 * 0.01,
            load_factor: 0.85,
            capex_it: n * 45_000.0,
            capex_fac: n * 15_000.0,
            fac_life_years: 15.0,
            elec_price: 0.10,
            fixed_om: 0.04,
            discount_rate: 0.05,
            years: 5,
            delta: None,
            opex_by_year: None,
        };
        total += evidence
            .estimate(&params, "bench")?
            .central
            .eur_per_h200e_hour;
    }
    let analytics_ms = t.elapsed().as_secs_f64() * 1e3;

    // The relative table alone, on runs already in memory (what pandas is compared with).
    let runs = store::benchmarks::runs(store.conn(), BenchmarkSuite::Training, true)?;
    let reps = 200;
    let t = Instant::now();
    for _ in 0..reps {
        relative::relative(
            &runs,
            "5.1",
            relative::DEFAULT_BENCHMARK,
            relative::DEFAULT_COUNT,
        )?;
    }
    let relative_ms = t.elapsed().as_secs_f64() * 1e3 / reps as f64;

    println!(
        "{}",
        serde_json::json!({
            "import_ms": import_ms,
            "analytics_1000_bids_ms": analytics_ms,
            "relative_table_ms": relative_ms,
            "checksum": total,
        })
    );
    Ok(())
}
