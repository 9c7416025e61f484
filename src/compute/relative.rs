//! Relative productivity p per accelerator and round (COMPUTE.md, method 1), and the
//! inference variant (method 5). The group-by medians run in polars.

use super::{LABEL, PolarsResultExt};
use crate::error::{Error, Result};
use crate::model::{BenchmarkRun, BenchmarkSuite};
use polars::prelude::*;
use serde::Serialize;
use ts_rs::TS;

/// The reference accelerator: its productivity is 1 by definition.
pub const REFERENCE: &str = "H200-SXM";
/// The benchmark every vendor runs, and its accelerator count.
pub const DEFAULT_BENCHMARK: &str = "llama2_70b_lora";
pub const DEFAULT_COUNT: u32 = 8;

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct RelativeRow {
    pub accelerator: String,
    /// `fp8` (the comparison) or `fp4` (an upside, never the baseline).
    pub precision: String,
    /// Which runs the median is over.
    pub basis: String,
    pub runs: u32,
    pub submitters: u32,
    pub median_minutes: f64,
    /// Relative productivity: median T of the reference / median T of this accelerator.
    pub p: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct RelativeTable {
    pub round: String,
    pub benchmark: String,
    pub accelerator_count: u32,
    pub reference: String,
    pub reference_minutes: f64,
    pub rows: Vec<RelativeRow>,
    pub label: String,
}

impl RelativeTable {
    /// p of an accelerator at FP8, when measured.
    pub fn p(&self, accelerator: &str) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.accelerator == accelerator && r.precision == "fp8")
            .map(|r| r.p)
    }
}

/// Medians of one round, benchmark and accelerator count, by accelerator and precision
/// class (`fp4`, `fp8` when the run says so, `unlabelled` otherwise).
fn medians(runs: &[BenchmarkRun], round: &str, benchmark: &str, n: u32) -> Result<DataFrame> {
    let usable: Vec<&BenchmarkRun> = runs
        .iter()
        .filter(|r| r.suite == BenchmarkSuite::Training && r.excluded_reason.is_none())
        .collect();
    let df = df!(
        "round" => usable.iter().map(|r| r.round.as_str()).collect::<Vec<_>>(),
        "benchmark" => usable.iter().map(|r| r.benchmark.as_str()).collect::<Vec<_>>(),
        "n" => usable.iter().map(|r| r.accelerator_count).collect::<Vec<_>>(),
        "accelerator" => usable.iter().map(|r| r.accelerator.as_str()).collect::<Vec<_>>(),
        "precision" => usable
            .iter()
            .map(|r| match r.precision.as_deref() {
                Some("fp4") => "fp4",
                Some("fp8") => "fp8",
                _ => "unlabelled",
            })
            .collect::<Vec<_>>(),
        "submitter" => usable.iter().map(|r| r.submitter.as_str()).collect::<Vec<_>>(),
        "minutes" => usable.iter().map(|r| r.score.unwrap_or(f64::NAN)).collect::<Vec<_>>(),
    )
    .polars()?;
    df.lazy()
        .filter(
            col("round")
                .eq(lit(round))
                .and(col("benchmark").eq(lit(benchmark)))
                .and(col("n").eq(lit(n))),
        )
        .group_by([col("accelerator"), col("precision")])
        .agg([
            col("minutes").median().alias("median"),
            col("minutes").count().cast(DataType::UInt32).alias("runs"),
            col("submitter")
                .n_unique()
                .cast(DataType::UInt32)
                .alias("submitters"),
        ])
        .sort(["accelerator", "precision"], SortMultipleOptions::default())
        .collect()
        .polars()
}

struct Group {
    accelerator: String,
    precision: String,
    median: f64,
    runs: u32,
    submitters: u32,
}

fn groups(df: &DataFrame) -> Result<Vec<Group>> {
    let acc = df.column("accelerator").polars()?.str().polars()?;
    let prec = df.column("precision").polars()?.str().polars()?;
    let med = df.column("median").polars()?.f64().polars()?;
    let runs = df.column("runs").polars()?.u32().polars()?;
    let subs = df.column("submitters").polars()?.u32().polars()?;
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        out.push(Group {
            accelerator: acc.get(i).unwrap_or_default().to_string(),
            precision: prec.get(i).unwrap_or_default().to_string(),
            median: med.get(i).unwrap_or(f64::NAN),
            runs: runs.get(i).unwrap_or(0),
            submitters: subs.get(i).unwrap_or(0),
        });
    }
    Ok(out)
}

/// The relative-productivity table of one round.
///
/// Precision is kept explicit. The reference's median is over all its runs that are not
/// FP4. Another accelerator's FP8 median is over the runs labelled FP8 where it has any,
/// else over its unlabelled runs; its FP4 runs form a separate row. (COMPUTE.md states
/// the rule in words; this reading is the one that reproduces its figures: B200 2.35,
/// B300 2.47, MI355X 2.29, MI325X 1.10, MI300X 0.83 in 5.1 and H100 0.84 in 4.1.)
pub fn relative(
    runs: &[BenchmarkRun],
    round: &str,
    benchmark: &str,
    n: u32,
) -> Result<RelativeTable> {
    let groups = groups(&medians(runs, round, benchmark, n)?)?;
    let reference: Vec<&BenchmarkRun> = runs
        .iter()
        .filter(|r| {
            r.suite == BenchmarkSuite::Training
                && r.excluded_reason.is_none()
                && r.round == round
                && r.benchmark == benchmark
                && r.accelerator_count == n
                && r.accelerator == REFERENCE
                && r.precision.as_deref() != Some("fp4")
        })
        .collect();
    let reference_runs: Vec<f64> = reference.iter().filter_map(|r| r.score).collect();
    let reference_minutes =
        super::stats::median(&reference_runs).ok_or_else(|| Error::NotFound {
            kind: "reference result",
            key: format!("{REFERENCE} on {benchmark} at {n} accelerators in round {round}"),
        })?;

    let mut rows = Vec::new();
    let mut accelerators: Vec<&str> = groups.iter().map(|g| g.accelerator.as_str()).collect();
    accelerators.dedup();
    for acc in accelerators {
        let of = |p: &str| {
            groups
                .iter()
                .find(|g| g.accelerator == acc && g.precision == p)
        };
        let (fp8, basis) = if acc == REFERENCE {
            (None, "all non-FP4 runs (reference)")
        } else if let Some(g) = of("fp8") {
            (Some(g), "runs labelled FP8")
        } else {
            (of("unlabelled"), "unlabelled runs")
        };
        if acc == REFERENCE {
            let n_runs = reference_runs.len() as u32;
            let submitters = reference
                .iter()
                .map(|r| r.submitter.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .len() as u32;
            rows.push(RelativeRow {
                accelerator: acc.to_string(),
                precision: "fp8".into(),
                basis: basis.into(),
                runs: n_runs,
                submitters,
                median_minutes: reference_minutes,
                p: 1.0,
            });
        } else if let Some(g) = fp8 {
            rows.push(RelativeRow {
                accelerator: acc.to_string(),
                precision: "fp8".into(),
                basis: basis.into(),
                runs: g.runs,
                submitters: g.submitters,
                median_minutes: g.median,
                p: reference_minutes / g.median,
            });
        }
        if let Some(g) = of("fp4") {
            rows.push(RelativeRow {
                accelerator: acc.to_string(),
                precision: "fp4".into(),
                basis: "runs labelled FP4 (upside, not comparable with FP8)".into(),
                runs: g.runs,
                submitters: g.submitters,
                median_minutes: g.median,
                p: reference_minutes / g.median,
            });
        }
    }
    rows.sort_by(|a, b| b.p.total_cmp(&a.p).then(a.accelerator.cmp(&b.accelerator)));
    Ok(RelativeTable {
        round: round.to_string(),
        benchmark: benchmark.to_string(),
        accelerator_count: n,
        reference: REFERENCE.to_string(),
        reference_minutes,
        rows,
        label: format!(
            "{LABEL}: MLPerf Training v{round}, closed division, {benchmark} at {n} accelerators"
        ),
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct InferenceRow {
    pub accelerator: String,
    pub results: u32,
    /// Median of the per-accelerator result (e.g. tokens/s per accelerator).
    pub per_accelerator: f64,
    /// Median joules per unit over the results whose power was measured.
    pub joules_per_unit: Option<f64>,
    pub relative: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct InferenceTable {
    pub round: String,
    pub model: String,
    pub scenario: String,
    pub unit: String,
    pub rows: Vec<InferenceRow>,
    pub label: String,
}

/// Per-accelerator inference throughput (method 5), medians over results.
pub fn inference(
    runs: &[BenchmarkRun],
    round: &str,
    model: &str,
    scenario: &str,
) -> Result<InferenceTable> {
    let usable: Vec<&BenchmarkRun> = runs
        .iter()
        .filter(|r| {
            r.suite == BenchmarkSuite::Inference
                && r.excluded_reason.is_none()
                && r.round == round
                && r.benchmark == model
                && r.scenario.as_deref() == Some(scenario)
                && r.accelerator_count > 0
        })
        .collect();
    let df = df!(
        "accelerator" => usable.iter().map(|r| r.accelerator.as_str()).collect::<Vec<_>>(),
        "per_acc" => usable.iter().map(|r| r.score.unwrap_or(f64::NAN) / f64::from(r.accelerator_count)).collect::<Vec<_>>(),
        "jpu" => usable.iter().map(|r| r.joules_per_unit).collect::<Vec<_>>(),
    )
    .polars()?;
    let out = df
        .lazy()
        .group_by([col("accelerator")])
        .agg([
            col("per_acc").median().alias("per_acc"),
            col("per_acc")
                .count()
                .cast(DataType::UInt32)
                .alias("results"),
            col("jpu").median().alias("jpu"),
        ])
        .sort(["accelerator"], SortMultipleOptions::default())
        .collect()
        .polars()?;
    let acc = out.column("accelerator").polars()?.str().polars()?;
    let per = out.column("per_acc").polars()?.f64().polars()?;
    let n = out.column("results").polars()?.u32().polars()?;
    let jpu = out.column("jpu").polars()?.f64().polars()?;
    let mut rows: Vec<InferenceRow> = (0..out.height())
        .map(|i| InferenceRow {
            accelerator: acc.get(i).unwrap_or_default().to_string(),
            results: n.get(i).unwrap_or(0),
            per_accelerator: per.get(i).unwrap_or(f64::NAN),
            joules_per_unit: jpu.get(i).filter(|x| x.is_finite()),
            relative: f64::NAN,
        })
        .collect();
    let reference = rows
        .iter()
        .find(|r| r.accelerator == REFERENCE)
        .map(|r| r.per_accelerator)
        .ok_or_else(|| Error::NotFound {
            kind: "reference result",
            key: format!("{REFERENCE} on {model} {scenario} in inference round {round}"),
        })?;
    for r in &mut rows {
        r.relative = r.per_accelerator / reference;
    }
    rows.sort_by(|a, b| b.per_accelerator.total_cmp(&a.per_accelerator));
    let unit = usable.first().map(|r| r.unit.clone()).unwrap_or_default();
    Ok(InferenceTable {
        round: round.to_string(),
        model: model.to_string(),
        scenario: scenario.to_string(),
        unit,
        rows,
        label: format!("{LABEL}: MLPerf Inference v{round}, datacenter, {model} {scenario}"),
    })
}
