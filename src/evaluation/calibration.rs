//! Evaluator calibration — advisory views beside the official ranking, which follows the
//! rules. Per evaluator: the mean and spread of their deviation from the other experts of
//! the same bids and criteria, and a leniency z-score once they have scored enough bids;
//! a ranking on calibrated scores; and leave-one-evaluator-out stability: which bids would
//! change list if one evaluator's scores were dropped.
//!
//! Readings (not in EVALUATION.md, stated here and in the output):
//! * deviation = score − mean of the other experts' scores of the same bid and criterion;
//! * leniency z = mean deviation / (pooled s.d. of all deviations / √bids scored): how
//!   many standard errors the evaluator sits above (lenient) or below (harsh) the others;
//! * calibrated score = score − the evaluator's mean deviation (for evaluators with a z),
//!   clamped to the scale; a bid's calibrated score is the mean over its experts;
//! * consensus cannot be recomputed without an evaluator, so the calibrated and
//!   leave-one-out rankings rank the mean of individual scores, and moves are counted
//!   against the ranking of the uncalibrated means with every evaluator.

use super::ranking::{self, Candidate, List, Rules};
use crate::compute::PolarsResultExt;
use crate::error::Result;
use polars::prelude::*;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use ts_rs::TS;

/// A submitted individual score, with its criterion as an index into the call's criteria.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Individual {
    pub bid_id: i64,
    pub evaluator_id: i64,
    pub criterion: usize,
    pub score: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct EvaluatorCalibration {
    pub evaluator_id: i64,
    pub name: String,
    pub bids: u32,
    pub scores: u32,
    /// Mean of (own score − mean of the other experts), in points.
    pub mean_deviation: Option<f64>,
    pub sd_deviation: Option<f64>,
    /// `None` below the minimum number of bids.
    pub leniency_z: Option<f64>,
    /// `lenient` (z ≥ 2), `harsh` (z ≤ −2), `typical`, or `too_few_bids`.
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Move {
    pub acronym: String,
    pub from: List,
    pub to: List,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct LeaveOneOut {
    pub evaluator_id: i64,
    pub name: String,
    pub moves: Vec<Move>,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct RankRow {
    pub acronym: String,
    pub rank: Option<u32>,
    pub weighted_total: Option<f64>,
    pub list: List,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Calibration {
    /// Always shown with the views: they advise, the official ranking decides.
    pub advisory: String,
    pub min_bids: u32,
    pub evaluators: Vec<EvaluatorCalibration>,
    /// Ranking of the mean individual scores (all evaluators, uncalibrated).
    pub uncalibrated: Vec<RankRow>,
    /// Ranking of the mean calibrated scores.
    pub calibrated: Vec<RankRow>,
    pub leave_one_out: Vec<LeaveOneOut>,
    /// Bids that change list under at least one leave-one-out.
    pub unstable: Vec<String>,
}

struct Stats {
    /// Per evaluator: bids, scores, mean deviation, s.d. of deviation.
    per_evaluator: HashMap<i64, (u32, u32, Option<f64>, Option<f64>)>,
    pooled_sd: Option<f64>,
}

fn stats(scores: &[Individual]) -> Result<Stats> {
    let df = df!(
        "bid" => scores.iter().map(|s| s.bid_id).collect::<Vec<_>>(),
        "evaluator" => scores.iter().map(|s| s.evaluator_id).collect::<Vec<_>>(),
        "crit" => scores.iter().map(|s| s.criterion as u32).collect::<Vec<_>>(),
        "score" => scores.iter().map(|s| s.score).collect::<Vec<_>>(),
    )
    .polars()?;
    let with_dev = df
        .lazy()
        .with_columns([
            col("score")
                .sum()
                .over([col("bid"), col("crit")])
                .polars()?
                .alias("sum"),
            col("score")
                .count()
                .cast(DataType::Float64)
                .over([col("bid"), col("crit")])
                .polars()?
                .alias("n"),
        ])
        .with_column(
            when(col("n").gt(lit(1.0)))
                .then(col("score") - (col("sum") - col("score")) / (col("n") - lit(1.0)))
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias("dev"),
        );
    let pooled = with_dev
        .clone()
        .select([col("dev").std(1).alias("sd")])
        .collect()
        .polars()?;
    let pooled_sd = pooled
        .column("sd")
        .polars()?
        .f64()
        .polars()?
        .get(0)
        .filter(|v| v.is_finite() && *v > 0.0);
    let per = with_dev
        .group_by([col("evaluator")])
        .agg([
            col("bid").n_unique().cast(DataType::UInt32).alias("bids"),
            col("score").count().cast(DataType::UInt32).alias("scores"),
            col("dev").mean().alias("mean_dev"),
            col("dev").std(1).alias("sd_dev"),
        ])
        .collect()
        .polars()?;
    let ev = per.column("evaluator").polars()?.i64().polars()?;
    let bids = per.column("bids").polars()?.u32().polars()?;
    let n = per.column("scores").polars()?.u32().polars()?;
    let mean = per.column("mean_dev").polars()?.f64().polars()?;
    let sd = per.column("sd_dev").polars()?.f64().polars()?;
    let mut per_evaluator = HashMap::new();
    for i in 0..per.height() {
        if let Some(e) = ev.get(i) {
            per_evaluator.insert(
                e,
                (
                    bids.get(i).unwrap_or(0),
                    n.get(i).unwrap_or(0),
                    mean.get(i).filter(|v| v.is_finite()),
                    sd.get(i).filter(|v| v.is_finite()),
                ),
            );
        }
    }
    Ok(Stats {
        per_evaluator,
        pooled_sd,
    })
}

/// Per (bid, criterion): the sum and count of the given scores.
type Sums = HashMap<(i64, usize), (f64, u32)>;

fn sums<'a>(
    scores: impl Iterator<Item = &'a Individual>,
    adjust: impl Fn(&Individual) -> f64,
) -> Sums {
    let mut m: Sums = HashMap::new();
    for s in scores {
        let e = m.entry((s.bid_id, s.criterion)).or_insert((0.0, 0));
        e.0 += adjust(s);
        e.1 += 1;
    }
    m
}

type Scores = Vec<std::result::Result<Vec<f64>, String>>;

/// The candidates' scores as the means in `sums` (pending when a criterion has none).
fn means(candidates: &[Candidate], n_criteria: usize, sums: &Sums) -> Scores {
    candidates
        .iter()
        .map(|c| {
            (0..n_criteria)
                .map(|k| match sums.get(&(c.bid_id, k)) {
                    Some((s, n)) if *n > 0 => Ok(s / f64::from(*n)),
                    _ => Err("no individual score".to_string()),
                })
                .collect()
        })
        .collect()
}

fn rows(r: &ranking::Ranking) -> Vec<RankRow> {
    r.bids
        .iter()
        .map(|b| RankRow {
            acronym: b.acronym.clone(),
            rank: b.rank,
            weighted_total: b.weighted_total,
            list: b.list,
        })
        .collect()
}

/// Computes the calibration views. `names` names evaluators; `scale` clamps calibrated
/// scores.
pub fn calibrate(
    rules: &Rules,
    candidates: &[Candidate],
    scores: &[Individual],
    names: &HashMap<i64, String>,
    min_bids: u32,
    scale: (f64, f64),
) -> Result<Calibration> {
    let n_criteria = rules.criteria.len();
    let advisory = "Advisory: calibration and stability help the panel discuss; the official ranking follows the call's rules on consensus scores.".to_string();
    if scores.is_empty() {
        return Ok(Calibration {
            advisory,
            min_bids,
            evaluators: Vec::new(),
            uncalibrated: Vec::new(),
            calibrated: Vec::new(),
            leave_one_out: Vec::new(),
            unstable: Vec::new(),
        });
    }
    let st = stats(scores)?;
    let mut evaluators: Vec<EvaluatorCalibration> = st
        .per_evaluator
        .iter()
        .map(|(&id, &(bids, n, mean, sd))| {
            let z = match (mean, st.pooled_sd) {
                (Some(m), Some(p)) if bids >= min_bids => Some(m / (p / f64::from(bids).sqrt())),
                _ => None,
            };
            let label = match z {
                None => "too_few_bids",
                Some(z) if z >= 2.0 => "lenient",
                Some(z) if z <= -2.0 => "harsh",
                Some(_) => "typical",
            };
            EvaluatorCalibration {
                evaluator_id: id,
                name: names.get(&id).cloned().unwrap_or_default(),
                bids,
                scores: n,
                mean_deviation: mean,
                sd_deviation: sd,
                leniency_z: z,
                label: label.into(),
            }
        })
        .collect();
    evaluators.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then(a.evaluator_id.cmp(&b.evaluator_id))
    });
    let offset: HashMap<i64, f64> = evaluators
        .iter()
        .filter(|e| e.leniency_z.is_some())
        .filter_map(|e| e.mean_deviation.map(|m| (e.evaluator_id, m)))
        .collect();

    let raw = sums(scores.iter(), |s| s.score);
    let base_scores = means(candidates, n_criteria, &raw);
    let baseline = ranking::rank_scored(rules, candidates, &base_scores, true);
    let calibrated_sums = sums(scores.iter(), |s| {
        (s.score - offset.get(&s.evaluator_id).copied().unwrap_or(0.0)).clamp(scale.0, scale.1)
    });
    let calibrated = ranking::rank_scored(
        rules,
        candidates,
        &means(candidates, n_criteria, &calibrated_sums),
        true,
    );

    let base_list: HashMap<&str, List> = baseline
        .bids
        .iter()
        .map(|b| (b.acronym.as_str(), b.list))
        .collect();
    let position: HashMap<i64, usize> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (c.bid_id, i))
        .collect();
    let mut ids: Vec<i64> = st.per_evaluator.keys().copied().collect();
    ids.sort_unstable();
    let leave_one_out: Vec<LeaveOneOut> = ids
        .par_iter()
        .map(|&e| {
            // Only the bids this evaluator scored change: recompute their means alone.
            let mut s: Sums = HashMap::new();
            for x in scores.iter().filter(|x| x.evaluator_id == e) {
                if let Some(v) = raw.get(&(x.bid_id, x.criterion)) {
                    s.insert((x.bid_id, x.criterion), (v.0 - x.score, v.1 - 1));
                }
            }
            let mut loo = base_scores.clone();
            let touched: std::collections::BTreeSet<usize> = s
                .keys()
                .filter_map(|(bid, _)| position.get(bid).copied())
                .collect();
            for i in touched {
                let bid = candidates[i].bid_id;
                loo[i] = (0..n_criteria)
                    .map(|k| match s.get(&(bid, k)).or(raw.get(&(bid, k))) {
                        Some((v, n)) if *n > 0 => Ok(v / f64::from(*n)),
                        _ => Err("no individual score".to_string()),
                    })
                    .collect();
            }
            let r = ranking::rank_scored(rules, candidates, &loo, false);
            let moves = r
                .bids
                .iter()
                .filter_map(|b| {
                    let from = *base_list.get(b.acronym.as_str())?;
                    (from != b.list).then(|| Move {
                        acronym: b.acronym.clone(),
                        from,
                        to: b.list,
                    })
                })
                .collect();
            LeaveOneOut {
                evaluator_id: e,
                name: names.get(&e).cloned().unwrap_or_default(),
                moves,
            }
        })
        .collect();
    let mut unstable: Vec<String> = leave_one_out
        .iter()
        .flat_map(|l| l.moves.iter().map(|m| m.acronym.clone()))
        .collect();
    unstable.sort();
    unstable.dedup();
    Ok(Calibration {
        advisory,
        min_bids,
        evaluators,
        uncalibrated: rows(&baseline),
        calibrated: rows(&calibrated),
        leave_one_out,
        unstable,
    })
}
