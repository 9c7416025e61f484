//! Benchmark of the finance engine's Monte Carlo (issue: 100,000 paths of the base case
//! under 1 s on this 2-core machine). Run through `scripts/bench-finance.sh`, which also
//! times a plain-Python implementation of one path's arithmetic and prints the ratio.
//! Prints one JSON document.

use gigafund::finance::{Inputs, engine, montecarlo};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: u32 = std::env::args().nth(1).map_or(Ok(100_000), |s| s.parse())?;
    let p = Inputs::reference();
    let never = AtomicBool::new(false);
    // Warm-up (thread pool, page faults), then the measured runs; the best of three.
    montecarlo::run(&p, 2_000, 9, &|_, _| {}, &never)?;
    let mut best = f64::INFINITY;
    let mut pd = 0.0;
    for seed in 1..=3 {
        let t = Instant::now();
        let mc = montecarlo::run(&p, paths, seed, &|_, _| {}, &never)?;
        best = best.min(t.elapsed().as_secs_f64());
        pd = mc.pd_payment_default;
    }
    // One path on one thread, for the per-path comparison with Python.
    let prepared = montecarlo::prepare(&p)?;
    let n = 5_000u64;
    let t = Instant::now();
    let mut defaults = 0u64;
    for i in 0..n {
        defaults += u64::from(prepared.path(i, 1).default);
    }
    let single = t.elapsed().as_secs_f64() / n as f64;
    let base = engine::run(&p)?.metrics;
    println!(
        "{}",
        serde_json::json!({
            "paths": paths,
            "seconds": best,
            "paths_per_second": f64::from(paths) / best,
            "threads": rayon::current_num_threads(),
            "pd_payment_default": pd,
            "single_thread_us_per_path": single * 1e6,
            "single_thread_defaults": defaults,
            "base_equity_irr": base.equity_irr,
            "base_debt": base.debt,
        })
    );
    Ok(())
}
