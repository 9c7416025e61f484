//! Scale efficiency (COMPUTE.md, method 2): log T = c_g − s·log N with one intercept per
//! (round, accelerator) group, fitted by least squares on the LLM pre-training benchmarks.

use super::LABEL;
use super::stats::student_t_quantile;
use crate::error::{Error, Result};
use crate::model::{BenchmarkRun, BenchmarkSuite};
use serde::Serialize;
use std::collections::BTreeMap;
use ts_rs::TS;

/// The LLM pre-training benchmarks of MLPerf Training.
pub const PRETRAINING: &[&str] = &["gpt3", "llama31_405b"];

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ScalingFit {
    pub benchmarks: Vec<String>,
    /// The scaling exponent: doubling N divides T by 2^s.
    pub s: f64,
    pub std_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub runs: u32,
    pub groups: u32,
    pub dof: u32,
    pub max_accelerators: u32,
    pub label: String,
}

/// Fits s on the usable training runs of `benchmarks`.
pub fn fit(runs: &[BenchmarkRun], benchmarks: &[&str]) -> Result<ScalingFit> {
    // (x = −ln N, y = ln T) by group.
    let mut by_group: BTreeMap<(String, String), Vec<(f64, f64)>> = BTreeMap::new();
    let mut max_n = 0;
    for r in runs.iter().filter(|r| {
        r.suite == BenchmarkSuite::Training
            && r.excluded_reason.is_none()
            && benchmarks.contains(&r.benchmark.as_str())
    }) {
        if let Some(t) = r.score.filter(|t| *t > 0.0) {
            by_group
                .entry((r.round.clone(), r.accelerator.clone()))
                .or_default()
                .push((-f64::from(r.accelerator_count).ln(), t.ln()));
            max_n = max_n.max(r.accelerator_count);
        }
    }
    let n: usize = by_group.values().map(Vec::len).sum();
    let groups = by_group.len();
    let (mut sxy, mut sxx) = (0.0, 0.0);
    let mut centred = Vec::with_capacity(n);
    for points in by_group.values() {
        let k = points.len() as f64;
        let mx = points.iter().map(|p| p.0).sum::<f64>() / k;
        let my = points.iter().map(|p| p.1).sum::<f64>() / k;
        for (x, y) in points {
            sxy += (x - mx) * (y - my);
            sxx += (x - mx) * (x - mx);
            centred.push((x - mx, y - my));
        }
    }
    let dof = n as i64 - groups as i64 - 1;
    if sxx <= 0.0 || dof < 1 {
        return Err(Error::NotFound {
            kind: "scaling data",
            key: format!(
                "runs of {} at more than one accelerator count (import MLPerf Training results first)",
                benchmarks.join(", ")
            ),
        });
    }
    let s = sxy / sxx;
    let rss: f64 = centred.iter().map(|(x, y)| (y - s * x).powi(2)).sum();
    let std_error = (rss / dof as f64 / sxx).sqrt();
    let t = student_t_quantile(0.975, dof as f64);
    Ok(ScalingFit {
        benchmarks: benchmarks.iter().map(|b| b.to_string()).collect(),
        s,
        std_error,
        ci_low: s - t * std_error,
        ci_high: s + t * std_error,
        runs: n as u32,
        groups: groups as u32,
        dof: dof as u32,
        max_accelerators: max_n,
        label: format!(
            "{LABEL}: MLPerf Training, closed division, {}; data stop at {max_n} accelerators, larger jobs are extrapolated",
            benchmarks.join(" and ")
        ),
    })
}
