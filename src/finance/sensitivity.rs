//! Goal seek (one input solved so that one metric reaches a target) and the tornado
//! (each input moved ± x %, sorted by its effect on a metric).

use super::engine::{self, metric};
use super::inputs::{Inputs, Kind, PARAMS, kind_of};
use super::montecarlo::{self, MC_METRICS};
use super::solve;
use crate::error::{Error, Location, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::AtomicBool;
use ts_rs::TS;

/// FINANCE.md's tolerance on the solved input.
pub const TOLERANCE: f64 = 1e-9;

/// A goal-seek request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct GoalSeek {
    pub param: String,
    pub metric: String,
    pub target: f64,
    /// The bracket searched; the input's default when absent (shares [0, 0.9], prices
    /// [1, 10], other amounts [base/10, base×10]).
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    /// Monte Carlo paths for a Monte Carlo statistic (`pd_payment_default`, …); the same
    /// seed at every step, so the statistic is a step function solved by bisection.
    pub paths: Option<u32>,
    pub seed: Option<u64>,
}

impl GoalSeek {
    /// A goal seek with the default bracket and no Monte Carlo.
    pub fn new(param: &str, metric: &str, target: f64) -> GoalSeek {
        GoalSeek {
            param: param.into(),
            metric: metric.into(),
            target,
            lo: None,
            hi: None,
            paths: None,
            seed: None,
        }
    }
}

/// The answer: a value, or why there is none in the bracket (an answer, not an error).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct GoalSeekResult {
    pub param: String,
    pub metric: String,
    pub target: f64,
    pub lo: f64,
    pub hi: f64,
    pub base_value: f64,
    pub solution: Option<f64>,
    /// The metric at the solution.
    pub achieved: Option<f64>,
    /// The metric at both ends of the bracket.
    pub at_lo: Option<f64>,
    pub at_hi: Option<f64>,
    pub evaluations: u32,
    pub message: String,
}

fn unknown_param(key: &str) -> Error {
    Error::invalid(
        Location::default().with_field(key),
        "is not a continuous input of the model",
        Some(format!(
            "inputs that can be solved or varied: {}",
            super::inputs::param_names().join(", ")
        )),
    )
}

/// Solves `req.param` so that `req.metric` equals `req.target`.
pub fn goal_seek(p: &Inputs, req: &GoalSeek) -> Result<GoalSeekResult> {
    p.check("inputs")?;
    let kind = kind_of(&req.param).ok_or_else(|| unknown_param(&req.param))?;
    let base_value = p.get(&req.param).ok_or_else(|| unknown_param(&req.param))?;
    let (dlo, dhi) = match kind {
        Kind::Share => (0.0, 0.9),
        Kind::Price => (1.0, 10.0),
        Kind::Amount => (base_value / 10.0, base_value * 10.0),
    };
    let (lo, hi) = (req.lo.unwrap_or(dlo), req.hi.unwrap_or(dhi));
    if lo >= hi || !lo.is_finite() || !hi.is_finite() {
        return Err(Error::invalid(
            Location::default().with_field("bracket"),
            "the bracket needs lo < hi",
            Some(format!("[{lo}, {hi}]")),
        ));
    }
    let monte_carlo = MC_METRICS.contains(&req.metric.as_str());
    if !monte_carlo {
        metric(&engine::run_unchecked(p).metrics, &req.metric)?;
    }
    for end in [lo, hi] {
        let mut q = p.clone();
        q.set(&req.param, end);
        q.check("bracket")?;
    }
    let paths = req.paths.unwrap_or(2_000);
    let seed = req.seed.unwrap_or(1);
    let never = AtomicBool::new(false);
    let mut evaluations = 0u32;
    let mut eval = |x: f64| -> Option<f64> {
        evaluations += 1;
        let mut q = p.clone();
        q.set(&req.param, x);
        if monte_carlo {
            montecarlo::run(&q, paths, seed, &|_, _| {}, &never)
                .ok()
                .and_then(|m| montecarlo::statistic(&m, &req.metric))
        } else {
            metric(&engine::run_unchecked(&q).metrics, &req.metric)
                .ok()
                .flatten()
        }
    };
    let at_lo = eval(lo);
    let at_hi = eval(hi);
    let f = |v: Option<f64>| v.map_or(f64::NAN, |v| v - req.target);
    let solution = match (at_lo, at_hi) {
        (Some(a), Some(b))
            if (a - req.target).signum() != (b - req.target).signum()
                || a == req.target
                || b == req.target =>
        {
            if monte_carlo {
                solve::bisect(|x| f(eval(x)), lo, hi, 1e-6)
            } else {
                solve::brent(|x| f(eval(x)), lo, hi, TOLERANCE, 200)
            }
        }
        _ => None,
    };
    let achieved = solution.and_then(&mut eval);
    let message = match (solution, at_lo, at_hi) {
        (Some(x), _, _) => format!(
            "{} = {x:.6} gives {} = {}",
            req.param,
            req.metric,
            achieved.map_or("undefined".into(), |a| format!("{a:.6}"))
        ),
        (None, Some(a), Some(b)) => format!(
            "no solution in [{lo}, {hi}]: {} goes from {a:.6} to {b:.6} there and does not reach {}",
            req.metric, req.target
        ),
        _ => format!(
            "no solution in [{lo}, {hi}]: {} is undefined at an end of the bracket",
            req.metric
        ),
    };
    Ok(GoalSeekResult {
        param: req.param.clone(),
        metric: req.metric.clone(),
        target: req.target,
        lo,
        hi,
        base_value,
        solution,
        achieved,
        at_lo,
        at_hi,
        evaluations,
        message,
    })
}

/// One bar of the tornado.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct TornadoBar {
    pub param: String,
    pub base_value: f64,
    pub low_value: f64,
    pub high_value: f64,
    pub metric_low: Option<f64>,
    pub metric_high: Option<f64>,
    /// |metric_high − metric_low|; bars are sorted by it, largest first.
    pub swing: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Tornado {
    pub metric: String,
    pub base: Option<f64>,
    pub change: f64,
    pub bars: Vec<TornadoBar>,
    /// Inputs left out, with the reason (zero base, or the move breaks a rule).
    pub skipped: Vec<String>,
}

/// Moves each continuous input (or the ones named) by ± `change` (0.10 = 10 %).
pub fn tornado(
    p: &Inputs,
    metric_name: &str,
    change: f64,
    params: Option<&[String]>,
) -> Result<Tornado> {
    p.check("inputs")?;
    if !(change > 0.0 && change < 1.0) {
        return Err(Error::invalid(
            Location::default().with_field("change"),
            "the change must lie in (0, 1): 0.10 moves each input by ± 10 %",
            Some(change.to_string()),
        ));
    }
    let base = metric(&engine::run_unchecked(p).metrics, metric_name)?;
    let names: Vec<String> = match params {
        Some(list) => {
            for k in list {
                kind_of(k).ok_or_else(|| unknown_param(k))?;
            }
            list.to_vec()
        }
        None => PARAMS.iter().map(|(k, _)| (*k).to_string()).collect(),
    };
    let results: Vec<std::result::Result<TornadoBar, String>> = names
        .par_iter()
        .map(|name| {
            let v = p.get(name).unwrap_or(0.0);
            if v == 0.0 {
                return Err(format!("{name}: its base value is 0"));
            }
            let at = |x: f64| -> std::result::Result<Option<f64>, String> {
                let mut q = p.clone();
                q.set(name, x);
                q.check("tornado").map_err(|e| format!("{name}: {e}"))?;
                metric(&engine::run_unchecked(&q).metrics, metric_name).map_err(|e| e.to_string())
            };
            let (low_value, high_value) = (v * (1.0 - change), v * (1.0 + change));
            let metric_low = at(low_value)?;
            let metric_high = at(high_value)?;
            let (Some(a), Some(b)) = (metric_low, metric_high) else {
                return Err(format!(
                    "{name}: {metric_name} is undefined at ± {:.0} %",
                    change * 100.0
                ));
            };
            let swing = (b - a).abs();
            Ok(TornadoBar {
                param: name.clone(),
                base_value: v,
                low_value,
                high_value,
                metric_low,
                metric_high,
                swing,
            })
        })
        .collect();
    let mut bars = Vec::new();
    let mut skipped = Vec::new();
    for r in results {
        match r {
            Ok(b) => bars.push(b),
            Err(why) => skipped.push(why),
        }
    }
    bars.sort_by(|a, b| b.swing.total_cmp(&a.swing).then(a.param.cmp(&b.param)));
    Ok(Tornado {
        metric: metric_name.to_string(),
        base,
        change,
        bars,
        skipped,
    })
}
