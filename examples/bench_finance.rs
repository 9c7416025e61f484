//! Benchmark of the finance engine's Monte Carlo, run through `scripts/bench-finance.sh`
//! (which also times the whole `gigafund model mc` call and the numpy and numba peers, and
//! prints the ratios). For each path count given (default 100,000 and 1,000,000): the best
//! of five runs of the base case in process, on every thread. Prints one JSON document.

use gigafund::finance::{Inputs, engine, montecarlo};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut counts: Vec<u32> = std::env::args()
        .skip(1)
        .map(|s| s.parse())
        .collect::<Result<_, _>>()?;
    if counts.is_empty() {
        counts = vec![100_000, 1_000_000];
    }
    let p = Inputs::reference();
    let never = AtomicBool::new(false);
    // Warm-up (thread pool, page faults), then the measured runs.
    montecarlo::run(&p, 20_000, 9, &|_, _| {}, &never)?;
    let mut runs = Vec::new();
    for &paths in &counts {
        let mut best = f64::INFINITY;
        let mut mc = None;
        for seed in 1..=5 {
            let t = Instant::now();
            let run = montecarlo::run(&p, paths, seed, &|_, _| {}, &never)?;
            best = best.min(t.elapsed().as_secs_f64());
            if seed == 1 {
                mc = Some(run);
            }
        }
        let mc = mc.ok_or("no run")?;
        runs.push(serde_json::json!({
            "paths": paths,
            "seconds": best,
            "pd_payment_default": mc.pd_payment_default,
            "equity_irr_p10": mc.equity_irr_p10,
            "equity_irr_p50": mc.equity_irr_p50,
            "equity_irr_p90": mc.equity_irr_p90,
            "equity_irr_undefined": mc.equity_irr_undefined,
            "min_dscr_p50": mc.min_dscr_p50,
        }));
    }
    // One path on one thread.
    let prepared = montecarlo::prepare(&p)?;
    let n = 20_000u64;
    let mut scratch = prepared.scratch();
    let t = Instant::now();
    let mut defaults = 0u64;
    for i in 0..n {
        defaults += u64::from(prepared.path_reusing(i, 1, &mut scratch).default);
    }
    let single = t.elapsed().as_secs_f64() / n as f64;
    let base = engine::run(&p)?.metrics;
    println!(
        "{}",
        serde_json::json!({
            "runs": runs,
            "threads": rayon::current_num_threads(),
            "single_thread_us_per_path": single * 1e6,
            "single_thread_defaults": defaults,
            "base_equity_irr": base.equity_irr,
            "base_debt": base.debt,
        })
    );
    Ok(())
}
