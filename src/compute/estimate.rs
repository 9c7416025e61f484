//! Lifetime work, energy and cost of a bid in H200e-hours (COMPUTE.md, method 4), with the
//! range that the confidence interval of the scaling exponent s gives.

use super::relative::{REFERENCE, RelativeTable};
use super::scaling::ScalingFit;
use super::stats;
use crate::error::{Error, Location, Result};
use crate::model::{Accelerator, BenchmarkRun, BenchmarkSuite};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Realisation factor of peak FLOP/s when an accelerator has no benchmark: the 25th
/// percentile of measured parts (COMPUTE.md, method 3). An input (`delta`) may change it.
pub const DEFAULT_DELTA: f64 = 0.82;
/// Measured or TDP wall power is per accelerator; network and storage add this share.
pub const NETWORK_STORAGE: f64 = 0.10;
/// Wall power per accelerator when MLPerf has no measurement: TDP × this factor.
pub const TDP_TO_WALL: f64 = 1.14;

/// The inputs of `gigafund compute estimate --params FILE` (keys of COMPUTE.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct EstimateParams {
    pub n_acc: f64,
    pub accelerator: String,
    #[serde(default = "default_round")]
    pub round: String,
    /// Productivity override; else measured in `round`, else the peak fallback.
    pub p: Option<f64>,
    /// Scaling exponent override; else the pooled fit.
    pub s: Option<f64>,
    pub n_job: f64,
    pub util: f64,
    pub availability: f64,
    /// IT power per accelerator incl. network and storage, kW; else measured or TDP based.
    pub kw_it_per_acc: Option<f64>,
    pub pue: f64,
    pub load_factor: f64,
    pub capex_it: f64,
    pub capex_fac: f64,
    pub fac_life_years: f64,
    pub elec_price: f64,
    pub fixed_om: f64,
    pub discount_rate: f64,
    pub years: u32,
    /// Realisation factor for the peak fallback (default 0.82).
    pub delta: Option<f64>,
    /// Operating cost per year from a bid's own lines (replaces energy and fixed O&M).
    #[serde(default)]
    pub opex_by_year: Option<Vec<f64>>,
}

fn default_round() -> String {
    "5.1".into()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// p measured in MLPerf (or given by the user).
    Measured,
    /// No benchmark for the part: p from its peak FLOP/s and δ.
    PeakFallback,
}

/// The figures for one value of s.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Figures {
    pub s: f64,
    pub eta: f64,
    pub work_per_year: f64,
    pub work_pv: f64,
    pub energy_mwh_per_year: f64,
    pub opex_per_year: f64,
    pub tco_pv: f64,
    pub compute_per_euro: f64,
    pub eur_per_h200e_hour: f64,
    pub h200e_hours_per_mwh: f64,
    pub facility_mw: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Estimate {
    pub accelerator: String,
    pub basis: Basis,
    pub p: f64,
    /// Where p comes from, e.g. "MLPerf Training v5.1 llama2_70b_lora at 8 (runs labelled FP8)".
    pub p_source: String,
    pub kw_it_per_acc: f64,
    pub power_source: String,
    /// The pessimistic end of the range from the interval of s (most € per H200e-hour).
    pub low: Figures,
    pub central: Figures,
    pub high: Figures,
    pub label: String,
    /// Set when the figure is a peak fallback: shown in every view and report.
    pub fallback_note: Option<String>,
}

/// What the estimate draws on: the relative table, the fit and the accelerator list.
#[derive(Debug)]
pub struct Evidence<'a> {
    pub relative: Option<&'a RelativeTable>,
    pub fit: &'a ScalingFit,
    pub accelerators: &'a [Accelerator],
    pub training: &'a [BenchmarkRun],
}

fn peak(a: &Accelerator) -> Option<f64> {
    a.fp8_tflops.or(a.bf16_tflops)
}

/// Median measured wall power per accelerator (kW) from MLPerf Training energy results.
pub fn measured_kw(runs: &[BenchmarkRun], accelerator: &str) -> Option<f64> {
    let kw: Vec<f64> = runs
        .iter()
        .filter(|r| {
            r.suite == BenchmarkSuite::Training
                && r.excluded_reason.is_none()
                && r.accelerator == accelerator
        })
        .filter_map(|r| {
            let (e, t) = (r.energy_kj?, r.score?);
            (t > 0.0 && r.accelerator_count > 0)
                .then(|| e / (t * 60.0) / f64::from(r.accelerator_count))
        })
        .collect();
    stats::median(&kw)
}

fn figures(params: &EstimateParams, p: f64, s: f64, kw: f64) -> Figures {
    let r = params.discount_rate;
    let years = params.years.max(1);
    let eta = (params.n_job / 512.0).powf(s - 1.0);
    let work_per_year = params.n_acc * p * eta * params.util * params.availability * 8760.0;
    let kwh = params.n_acc * kw * params.pue * 8760.0 * params.load_factor;
    let capex = params.capex_it + params.capex_fac;
    let default_opex = kwh * params.elec_price + params.fixed_om * capex;
    let discount = |t: u32| (1.0 + r).powi(t as i32);
    let (mut work_pv, mut opex_pv, mut opex_sum) = (0.0, 0.0, 0.0);
    for t in 1..=years {
        let opex = params
            .opex_by_year
            .as_ref()
            .and_then(|o| o.get(t as usize - 1).copied())
            .unwrap_or(default_opex);
        work_pv += work_per_year / discount(t);
        opex_pv += opex / discount(t);
        opex_sum += opex;
    }
    let residual = params.capex_fac * (1.0 - f64::from(years) / params.fac_life_years).max(0.0);
    let tco_pv = capex - residual / discount(years) + opex_pv;
    let compute_per_euro = work_pv / tco_pv;
    Figures {
        s,
        eta,
        work_per_year,
        work_pv,
        energy_mwh_per_year: kwh / 1000.0,
        opex_per_year: opex_sum / f64::from(years),
        tco_pv,
        compute_per_euro,
        eur_per_h200e_hour: 1.0 / compute_per_euro,
        h200e_hours_per_mwh: work_per_year / (kwh / 1000.0),
        facility_mw: params.n_acc * kw * params.pue / 1000.0,
    }
}

fn check(params: &EstimateParams, file: &str) -> Result<()> {
    let mut problems = Vec::new();
    let mut positive = |field: &str, v: f64| {
        if !(v.is_finite() && v > 0.0) {
            problems.push(crate::error::Problem {
                location: Location::file(file).with_field(field),
                rule: "a positive number".into(),
                found: Some(v.to_string()),
            });
        }
    };
    positive("n_acc", params.n_acc);
    positive("n_job", params.n_job);
    positive("pue", params.pue);
    positive("fac_life_years", params.fac_life_years);
    positive("capex_it", params.capex_it);
    for (field, v) in [
        ("util", params.util),
        ("availability", params.availability),
        ("load_factor", params.load_factor),
    ] {
        if !(v > 0.0 && v <= 1.0) {
            problems.push(crate::error::Problem {
                location: Location::file(file).with_field(field),
                rule: "a share above 0 and at most 1".into(),
                found: Some(v.to_string()),
            });
        }
    }
    if params.years == 0 {
        problems.push(crate::error::Problem {
            location: Location::file(file).with_field("years"),
            rule: "at least one year".into(),
            found: Some("0".into()),
        });
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(problems))
    }
}

/// Estimates a bid (or a parameter file's case); `file` names the input in problems.
pub fn estimate(params: &EstimateParams, evidence: &Evidence<'_>, file: &str) -> Result<Estimate> {
    check(params, file)?;
    let accelerator = evidence
        .accelerators
        .iter()
        .find(|a| a.key == params.accelerator);
    let reference = evidence.accelerators.iter().find(|a| a.key == REFERENCE);
    let measured = evidence.relative.and_then(|t| t.p(&params.accelerator));
    let fit = evidence.fit;

    let (basis, p, p_source, s_central, fallback_note) = match (params.p, measured) {
        (Some(p), _) => (
            Basis::Measured,
            p,
            "given in the inputs".to_string(),
            params.s.unwrap_or(fit.s),
            None,
        ),
        (None, Some(p)) => {
            let t = evidence
                .relative
                .map(|t| (t.round.clone(), t.benchmark.clone(), t.accelerator_count))
                .unwrap_or_default();
            let basis = evidence
                .relative
                .and_then(|t| {
                    t.rows
                        .iter()
                        .find(|r| r.accelerator == params.accelerator && r.precision == "fp8")
                })
                .map(|r| r.basis.clone())
                .unwrap_or_default();
            (
                Basis::Measured,
                p,
                format!(
                    "MLPerf Training v{} {} at {} accelerators ({basis}), relative to {REFERENCE}",
                    t.0, t.1, t.2
                ),
                params.s.unwrap_or(fit.s),
                None,
            )
        }
        (None, None) => {
            let a = accelerator.ok_or_else(|| {
                Error::invalid(
                    Location::file(file).with_field("accelerator"),
                    "an accelerator of hardware.csv (import it with `gigafund bench import`)",
                    Some(params.accelerator.clone()),
                )
            })?;
            let (fa, fr) = match (peak(a), reference.and_then(peak)) {
                (Some(fa), Some(fr)) => (fa, fr),
                _ => {
                    return Err(Error::invalid(
                        Location::file(file).with_field("accelerator"),
                        "an accelerator with a dense FP8 or BF16 peak in hardware.csv (or give p)",
                        Some(params.accelerator.clone()),
                    ));
                }
            };
            let delta = params.delta.unwrap_or(DEFAULT_DELTA);
            let p = delta * fa / fr;
            (
                Basis::PeakFallback,
                p,
                format!(
                    "peak fallback: δ {delta:.2} × {fa:.0} / {fr:.0} dense TFLOP/s ({REFERENCE})"
                ),
                params.s.unwrap_or(fit.ci_low),
                Some(format!(
                    "{} has no MLPerf result in round {}: p = δ × peak FP8 (or BF16) ratio, with δ = {delta:.2} and the lower bound of s. A fallback, not a measurement.",
                    params.accelerator, params.round
                )),
            )
        }
    };

    let (kw, power_source) = match params.kw_it_per_acc {
        Some(kw) => (kw, "given in the inputs".to_string()),
        None => match measured_kw(evidence.training, &params.accelerator) {
            Some(w) => (
                w * (1.0 + NETWORK_STORAGE),
                format!(
                    "measured in MLPerf Training ({w:.2} kW) + {:.0} % network and storage",
                    NETWORK_STORAGE * 100.0
                ),
            ),
            None => {
                let tdp = accelerator.and_then(|a| a.tdp_w).ok_or_else(|| {
                    Error::invalid(
                        Location::file(file).with_field("kw_it_per_acc"),
                        "IT power per accelerator (no measurement and no TDP for this accelerator)",
                        None,
                    )
                })?;
                (
                    tdp / 1000.0 * TDP_TO_WALL * (1.0 + NETWORK_STORAGE),
                    format!(
                        "TDP {tdp:.0} W × {TDP_TO_WALL} + {:.0} % network and storage",
                        NETWORK_STORAGE * 100.0
                    ),
                )
            }
        },
    };

    // The range spans the interval of s and always holds the central value (which the
    // user, or the fallback's lower bound, may have set outside it).
    // Which end is pessimistic depends on the job size: above 512 accelerators a lower s
    // costs efficiency, below it a lower s gains.
    let a = figures(params, p, s_central.min(fit.ci_low), kw);
    let b = figures(params, p, s_central.max(fit.ci_high), kw);
    let (low, high) = if a.eur_per_h200e_hour >= b.eur_per_h200e_hour {
        (a, b)
    } else {
        (b, a)
    };
    Ok(Estimate {
        accelerator: params.accelerator.clone(),
        basis,
        p,
        p_source,
        kw_it_per_acc: kw,
        power_source,
        low,
        central: figures(params, p, s_central, kw),
        high,
        label: fit.label.clone(),
        fallback_note,
    })
}
