//! Monte Carlo on the base case (FINANCE.md): debt fixed as sized in the base case, the
//! default draws or the analyst's, correlated through a Gaussian copula; seeded and
//! reproducible whatever the number of threads (each path has its own generator, derived
//! from the seed and the path's index); parallel, with progress and cancellation.

use super::engine::{self, Debt};
use super::inputs::{GuaranteeType, Inputs, param_names};
use super::{series, tvm};
use crate::compute::stats::quantile_of_sorted;
use crate::error::{Error, Location, Problem, Result};
use rand::SeedableRng;
use rand_distr::{Distribution as _, StandardNormal};
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use ts_rs::TS;

/// How one input varies around its base value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "dist", rename_all = "snake_case")]
// ts-rs cannot read this attribute on an enum; behind cfg_attr it stays serde-only.
//DUF
pub enum Distribution {
    /// base × exp(N(μ, σ)), μ = −σ²/2 when `mean_preserving` (the mean stays at base).
    Lognormal {
        sigma: f64,
        #[serde(default)]
        mean_preserving: bool,
    },
    /// N(base, sd), clamped to [min, max] when given.
    Normal {
        sd: f64,
        min: Option<f64>,
        max: Option<f64>,
    },
    /// Triangular on [min, max]; the mode is the base value unless given.
    Triangular {
        min: f64,
        mode: Option<f64>,
        max: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
}

/// The document form of [`Distribution`]: the same keys, unknown ones refused.
#[derive(Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
enum DistributionDoc {
    Lognormal {
        sigma: f64,
        #[serde(default)]
        mean_preserving: bool,
    },
    Normal {
        sd: f64,
        min: Option<f64>,
        max: Option<f64>,
    },
    Triangular {
        min: f64,
        mode: Option<f64>,
        max: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
}

impl From<DistributionDoc> for Distribution {
    fn from(d: DistributionDoc) -> Distribution {
        match d {
            DistributionDoc::Lognormal {
                sigma,
                mean_preserving,
            } => Distribution::Lognormal {
                sigma,
                mean_preserving,
            },
            DistributionDoc::Normal { sd, min, max } => Distribution::Normal { sd, min, max },
            DistributionDoc::Triangular { min, mode, max } => {
                Distribution::Triangular { min, mode, max }
            }
            DistributionDoc::Uniform { min, max } => Distribution::Uniform { min, max },
        }
    }
}

/// Correlation of two inputs' normal scores (Gaussian copula).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Correlation {
    pub a: String,
    pub b: String,
    pub rho: f64,
}

/// The analyst's risk model: which inputs vary and how, and their correlations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RiskSpec {
    pub distributions: BTreeMap<String, Distribution>,
    #[serde(default)]
    pub correlations: Vec<Correlation>,
}

impl Default for RiskSpec {
    /// FINANCE.md's default draws, independent.
    fn default() -> RiskSpec {
        let mut d = BTreeMap::new();
        d.insert(
            "p_new".into(),
            Distribution::Lognormal {
                sigma: 0.20,
                mean_preserving: true,
            },
        );
        d.insert(
            "p_decline".into(),
            Distribution::Triangular {
                min: 0.06,
                mode: None,
                max: 0.20,
            },
        );
        d.insert(
            "util".into(),
            Distribution::Normal {
                sd: 0.07,
                min: Some(0.40),
                max: Some(0.95),
            },
        );
        d.insert(
            "fac_capex_per_mw_it".into(),
            Distribution::Lognormal {
                sigma: 0.10,
                mean_preserving: false,
            },
        );
        d.insert(
            "refresh_price_factor".into(),
            Distribution::Lognormal {
                sigma: 0.15,
                mean_preserving: false,
            },
        );
        d.insert(
            "elec_price".into(),
            Distribution::Lognormal {
                sigma: 0.25,
                mean_preserving: true,
            },
        );
        RiskSpec {
            distributions: d,
            correlations: Vec::new(),
        }
    }
}

/// Φ, the standard normal CDF, from Numerical Recipes' erfc approximation (|ε| < 1.2e-7,
/// ample for turning a copula score into a probability).
pub fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { 1.0 - 0.5 * r } else { 0.5 * r }
}

impl Distribution {
    /// The value for a standard normal score `z`, around `base`.
    fn sample(&self, base: f64, z: f64) -> f64 {
        match *self {
            Distribution::Lognormal {
                sigma,
                mean_preserving,
            } => {
                let mu = if mean_preserving {
                    -sigma * sigma / 2.0
                } else {
                    0.0
                };
                base * (mu + sigma * z).exp()
            }
            Distribution::Normal { sd, min, max } => {
                let v = base + sd * z;
                v.max(min.unwrap_or(f64::NEG_INFINITY))
                    .min(max.unwrap_or(f64::INFINITY))
            }
            Distribution::Triangular { min, mode, max } => {
                let c = mode.unwrap_or(base).clamp(min, max);
                let u = normal_cdf(z);
                let fc = if max > min {
                    (c - min) / (max - min)
                } else {
                    0.5
                };
                if u < fc {
                    min + (u * (max - min) * (c - min)).sqrt()
                } else {
                    max - ((1.0 - u) * (max - min) * (max - c)).sqrt()
                }
            }
            Distribution::Uniform { min, max } => min + (max - min) * normal_cdf(z),
        }
    }
}

/// Lower-triangular Cholesky factor of the correlation matrix, or `None` when it is not
/// positive definite.
fn cholesky(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let k = m.len();
    let mut l = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..=i {
            let s: f64 = (0..j).map(|x| l[i][x] * l[j][x]).sum();
            if i == j {
                let d = m[i][i] - s;
                if d <= 1e-12 {
                    return None;
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (m[i][j] - s) / l[j][j];
            }
        }
    }
    Some(l)
}

impl RiskSpec {
    /// Checks names, parameters and correlations against the base inputs, naming `file`
    /// in every problem.
    pub fn check(&self, base: &Inputs, file: &str) -> Result<()> {
        self.prepare(base)
            .map(|_| ())
            .map_err(|e| e.with_file(file))
    }

    /// Checks names, parameters and correlations; returns the copula's Cholesky factor.
    fn prepare(&self, base: &Inputs) -> Result<(Vec<String>, Vec<Vec<f64>>)> {
        let known = param_names();
        let mut problems = Vec::new();
        let mut add = |field: String, rule: &str, found: String| {
            problems.push(Problem {
                location: Location::default().with_sheet("risk").with_field(field),
                rule: rule.into(),
                found: Some(found),
            })
        };
        let names: Vec<String> = self.distributions.keys().cloned().collect();
        for (name, d) in &self.distributions {
            if !known.contains(&name.as_str()) {
                add(
                    format!("distributions.{name}"),
                    "is not a continuous input of the model",
                    name.clone(),
                );
                continue;
            }
            let ok = match *d {
                Distribution::Lognormal { sigma, .. } => sigma >= 0.0 && sigma.is_finite(),
                Distribution::Normal { sd, min, max } => {
                    sd >= 0.0 && sd.is_finite() && min.zip(max).is_none_or(|(a, b)| a <= b)
                }
                Distribution::Triangular { min, mode, max } => {
                    min <= max
                        && mode.is_none_or(|m| (min..=max).contains(&m))
                        && (mode.is_some()
                            || base.get(name).is_some_and(|b| (min..=max).contains(&b)))
                }
                Distribution::Uniform { min, max } => min <= max,
            };
            if !ok {
                add(
                    format!("distributions.{name}"),
                    "parameters are out of order (spread ≥ 0, min ≤ mode ≤ max; the base value is the mode when none is given)",
                    format!("{d:?}"),
                );
            }
        }
        let k = names.len();
        let mut m = vec![vec![0.0; k]; k];
        for (i, row) in m.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        for (i, c) in self.correlations.iter().enumerate() {
            let a = names.iter().position(|n| *n == c.a);
            let b = names.iter().position(|n| *n == c.b);
            match (a, b) {
                (Some(a), Some(b)) if a != b && (-1.0..=1.0).contains(&c.rho) => {
                    m[a][b] = c.rho;
                    m[b][a] = c.rho;
                }
                _ => add(
                    format!("correlations[{i}]"),
                    "must name two different inputs that have distributions, with rho in [−1, 1]",
                    format!("{} ~ {} ({})", c.a, c.b, c.rho),
                ),
            }
        }
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let l = cholesky(&m).ok_or_else(|| {
            Error::invalid(
                Location::default()
                    .with_sheet("risk")
                    .with_field("correlations"),
                "the correlations are not consistent (the matrix is not positive definite)",
                None,
            )
        })?;
        Ok((names, l))
    }
}

/// What one path gave.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct PathResult {
    pub equity_irr: Option<f64>,
    pub min_dscr: Option<f64>,
    pub default: bool,
    pub gross_shortfall_pv: f64,
    pub loss_pv: f64,
    pub first_loss_20_payout: f64,
    pub pari_passu_50_payout: f64,
    pub own_guarantee_payout: f64,
}

/// Expected payout of a guarantee and what the lender still loses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct GuaranteeOutcome {
    pub label: String,
    pub expected_payout: f64,
    pub lender_expected_unpaid: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Histogram {
    /// Bin edges, one more than the counts.
    pub edges: Vec<f64>,
    pub counts: Vec<u32>,
}

/// The statistics of FINANCE.md's Monte Carlo, and the distributions for charts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct MonteCarlo {
    pub paths: u32,
    pub seed: u64,
    pub pd_payment_default: f64,
    pub p_min_dscr_below_1: f64,
    pub expected_gross_shortfall: f64,
    pub expected_net_loss: f64,
    pub guarantees: Vec<GuaranteeOutcome>,
    pub equity_irr_p10: Option<f64>,
    pub equity_irr_p50: Option<f64>,
    pub equity_irr_p90: Option<f64>,
    /// Paths whose equity flows have no IRR (they never change sign).
    pub equity_irr_undefined: u32,
    pub min_dscr_p05: Option<f64>,
    pub min_dscr_p50: Option<f64>,
    pub base_debt: f64,
    /// Equity IRR of each path (undefined ones left out), in path order.
    pub equity_irr: Vec<f64>,
    /// Minimum DSCR over the tenor of each path, in path order.
    pub min_dscr: Vec<f64>,
    pub equity_irr_histogram: Histogram,
    pub risk: RiskSpec,
}

/// Paths are computed in chunks of this many; progress is reported after each.
const CHUNK: usize = 256;

/// A generator for path `i` of a run seeded `seed` (splitmix64 of both).
fn path_rng(seed: u64, i: u64) -> Pcg64Mcg {
    let mut z = seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    Pcg64Mcg::seed_from_u64(z ^ (z >> 31))
}

/// One drawn input, resolved once: how to set it, its base value, how it varies.
struct Drawn {
    set: fn(&mut Inputs, f64),
    base: f64,
    dist: Distribution,
}

/// A shock to one driver after the draws (driver × (1 + change)), resolved once.
struct Shock {
    get: fn(&Inputs) -> f64,
    set: fn(&mut Inputs, f64),
    change: f64,
}

/// What a worker reuses from path to path, so that the path loop allocates nothing: the
/// path's inputs (the base with the drawn values written over) and its yearly series.
#[derive(Debug)]
pub struct Scratch {
    q: Inputs,
    s: series::Series,
    tax: Vec<f64>,
    cf: Vec<f64>,
    plan: Vec<f64>,
    w: engine::Waterfall,
    z: Vec<f64>,
}

/// The base case's debt and refresh plan, shared by every path.
pub struct Prepared {
    base: Inputs,
    debt: Debt,
    plan: Vec<f64>,
    /// The drawn inputs in the copula's order.
    drawn: Vec<Drawn>,
    /// The copula's lower-triangular Cholesky factor, row-major k × k.
    chol: Vec<f64>,
    spec: RiskSpec,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("debt", &self.debt.amount)
            .finish()
    }
}

pub fn prepare(p: &Inputs) -> Result<Prepared> {
    p.check("inputs")?;
    let spec = p.risk.clone().unwrap_or_default();
    let (names, chol) = spec.prepare(p)?;
    let b = engine::base(p);
    let drawn = names
        .iter()
        .map(|name| {
            let resolved = Inputs::setter(name)
                .zip(p.get(name))
                .zip(spec.distributions.get(name));
            match resolved {
                Some(((set, base), dist)) => Ok(Drawn {
                    set,
                    base,
                    dist: dist.clone(),
                }),
                None => Err(Error::invalid(
                    Location::default()
                        .with_sheet("risk")
                        .with_field(format!("distributions.{name}")),
                    "is not a continuous input of the model",
                    Some(name.clone()),
                )),
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Prepared {
        base: Inputs {
            risk: None,
            ..p.clone()
        },
        debt: b.debt,
        plan: b.series.mra_plan,
        drawn,
        chol: chol.concat(),
        spec,
    })
}

fn resolve(shock: &[(String, f64)]) -> Vec<Shock> {
    shock
        .iter()
        .filter_map(|(name, change)| {
            Some(Shock {
                get: Inputs::getter(name)?,
                set: Inputs::setter(name)?,
                change: *change,
            })
        })
        .collect()
}

impl Prepared {
    /// A worker's scratch space for this run's paths.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            q: self.base.clone(),
            s: series::Series::default(),
            tax: Vec::new(),
            cf: Vec::new(),
            plan: Vec::new(),
            w: engine::Waterfall::default(),
            z: Vec::with_capacity(self.drawn.len()),
        }
    }

    /// One path: the inputs with the path's draws, the base case's debt (§ Monte Carlo).
    pub fn path(&self, i: u64, seed: u64) -> PathResult {
        self.path_in(i, seed, &[], &mut self.scratch())
    }

    /// [`Prepared::path`] in a scratch space reused from path to path.
    pub fn path_reusing(&self, i: u64, seed: u64, scratch: &mut Scratch) -> PathResult {
        self.path_in(i, seed, &[], scratch)
    }

    /// One path with its draws moved by a shock (each driver × (1 + change)) after they
    /// are drawn, against the base case's debt: the debt stays as it was sized.
    pub fn path_shocked(&self, i: u64, seed: u64, shock: &[(String, f64)]) -> PathResult {
        self.path_in(i, seed, &resolve(shock), &mut self.scratch())
    }

    /// [`Prepared::path_shocked`] in a worker's scratch space.
    fn path_in(&self, i: u64, seed: u64, shocks: &[Shock], sc: &mut Scratch) -> PathResult {
        let mut rng = path_rng(seed, i);
        let k = self.drawn.len();
        sc.z.clear();
        sc.z.extend((0..k).map(|_| -> f64 { StandardNormal.sample(&mut rng) }));
        // A shocked driver that is not drawn starts again from its base value.
        for shock in shocks {
            (shock.set)(&mut sc.q, (shock.get)(&self.base));
        }
        for (row, d) in self.drawn.iter().enumerate() {
            let l = &self.chol[row * k..=row * k + row];
            let x: f64 = l.iter().zip(&sc.z).map(|(a, b)| a * b).sum();
            (d.set)(&mut sc.q, d.dist.sample(d.base, x));
        }
        for shock in shocks {
            let v = (shock.get)(&sc.q);
            (shock.set)(&mut sc.q, v * (1.0 + shock.change));
        }
        self.evaluate_in(sc)
    }

    /// The path of given inputs against the base debt.
    pub fn evaluate(&self, q: &Inputs) -> PathResult {
        let mut sc = self.scratch();
        sc.q = q.clone();
        self.evaluate_in(&mut sc)
    }

    /// The path of the scratch space's inputs against the base debt, in its vectors.
    fn evaluate_in(&self, sc: &mut Scratch) -> PathResult {
        let Scratch {
            q,
            s,
            tax,
            cf,
            plan,
            w,
            ..
        } = sc;
        series::build_into(q, s);
        let n = s.n;
        let scale = if self.base.refresh_price_factor != 0.0 {
            q.refresh_price_factor / self.base.refresh_price_factor
        } else {
            1.0
        };
        plan.clear();
        plan.extend(self.plan.iter().map(|x| x * scale));
        tax.resize(n, 0.0);
        cf.resize(n, 0.0);
        engine::taxes(q.tax, s, &s.dep_reduced, &self.debt.interest, tax);
        engine::cfads(s, tax, plan, cf);
        engine::waterfall_into(q, s, tax, cf, &self.debt, plan, false, w);
        let ds = &self.debt.service;
        let min_dscr = (s.c..n)
            .filter(|t| ds[*t] > 0.0)
            .map(|t| cf[t] / ds[t])
            .min_by(f64::total_cmp);
        let default = w.shortfall.iter().any(|x| *x > 0.0);
        let mut r = PathResult {
            equity_irr: tvm::irr(&w.equity),
            min_dscr,
            default,
            gross_shortfall_pv: 0.0,
            loss_pv: 0.0,
            first_loss_20_payout: 0.0,
            pari_passu_50_payout: 0.0,
            own_guarantee_payout: 0.0,
        };
        // Without a shortfall there are no arrears, and every loss and payout is 0.
        if default {
            let rf = self.debt.rate_all_in;
            let c = s.c;
            let payout = |kind, cover, cap| {
                engine::guarantee_payout_pv(kind, cover, cap, &self.debt, &w.shortfall, c)
            };
            let g = &self.base.guarantee;
            (r.gross_shortfall_pv, r.loss_pv) = engine::debt_losses(w, c, rf);
            r.first_loss_20_payout = payout(GuaranteeType::FirstLoss, 0.2, 0.2);
            r.pari_passu_50_payout = payout(GuaranteeType::PariPassu, 0.5, 0.0);
            r.own_guarantee_payout = payout(g.kind, g.cover, g.first_loss_cap);
        }
        r
    }
}

/// Runs `paths` paths seeded `seed`. `progress(done, total)` is called as chunks finish
/// (from worker threads); setting `cancel` stops the run with [`Error::Cancelled`].
pub fn run(
    p: &Inputs,
    paths: u32,
    seed: u64,
    progress: &(dyn Fn(u32, u32) + Sync),
    cancel: &AtomicBool,
) -> Result<MonteCarlo> {
    run_shocked(p, &[], paths, seed, progress, cancel)
}

/// [`run`] with every path's drivers moved by `shock` (driver, change) after the draws,
/// the debt sized on the base case as in [`run`]: the stress of a portfolio's guarantees.
pub fn run_shocked(
    p: &Inputs,
    shock: &[(String, f64)],
    paths: u32,
    seed: u64,
    progress: &(dyn Fn(u32, u32) + Sync),
    cancel: &AtomicBool,
) -> Result<MonteCarlo> {
    if paths == 0 {
        return Err(Error::invalid(
            Location::default().with_field("paths"),
            "at least one path is needed",
            Some("0".into()),
        ));
    }
    let prepared = prepare(p)?;
    let shocks = resolve(shock);
    let total = paths as usize;
    let done = AtomicUsize::new(0);
    let mut results = vec![PathResult::default(); total];
    results.par_chunks_mut(CHUNK).enumerate().for_each_init(
        || prepared.scratch(),
        |scratch, (chunk, out)| {
            if cancel.load(Ordering::Relaxed) {
                return;
            }
            let from = chunk * CHUNK;
            for (i, slot) in (from..).zip(out.iter_mut()) {
                *slot = prepared.path_in(i as u64, seed, &shocks, scratch);
            }
            let now = done.fetch_add(out.len(), Ordering::Relaxed) + out.len();
            progress(now as u32, paths);
        },
    );
    if cancel.load(Ordering::Relaxed) {
        return Err(Error::Cancelled(format!(
            "Monte Carlo stopped after {} of {paths} paths; nothing was kept",
            done.load(Ordering::Relaxed)
        )));
    }
    Ok(summarise(&prepared, &results, seed))
}

fn summarise(prepared: &Prepared, r: &[PathResult], seed: u64) -> MonteCarlo {
    let n = r.len() as f64;
    let mean = |f: &dyn Fn(&PathResult) -> f64| r.iter().map(f).sum::<f64>() / n;
    let irr: Vec<f64> = r.iter().filter_map(|x| x.equity_irr).collect();
    let dscr: Vec<f64> = r.iter().filter_map(|x| x.min_dscr).collect();
    // Each distribution sorted once, for all its quantiles.
    let (irr_sorted, dscr_sorted) = rayon::join(|| sorted(&irr), || sorted(&dscr));
    let q = quantile_of_sorted;
    let gross = mean(&|x| x.gross_shortfall_pv);
    let mut guarantees = vec![
        GuaranteeOutcome {
            label: "first-loss, cap 20 % of debt".into(),
            expected_payout: mean(&|x| x.first_loss_20_payout),
            lender_expected_unpaid: gross - mean(&|x| x.first_loss_20_payout),
        },
        GuaranteeOutcome {
            label: "pari-passu, cover 50 %".into(),
            expected_payout: mean(&|x| x.pari_passu_50_payout),
            lender_expected_unpaid: gross - mean(&|x| x.pari_passu_50_payout),
        },
    ];
    let g = &prepared.base.guarantee;
    if g.kind != GuaranteeType::None {
        guarantees.push(GuaranteeOutcome {
            label: match g.kind {
                GuaranteeType::FirstLoss => {
                    format!(
                        "scenario: first-loss, cap {:.0} % of debt",
                        g.first_loss_cap * 100.0
                    )
                }
                _ => format!("scenario: pari-passu, cover {:.0} %", g.cover * 100.0),
            },
            expected_payout: mean(&|x| x.own_guarantee_payout),
            lender_expected_unpaid: gross - mean(&|x| x.own_guarantee_payout),
        });
    }
    MonteCarlo {
        paths: r.len() as u32,
        seed,
        pd_payment_default: mean(&|x| f64::from(u8::from(x.default))),
        p_min_dscr_below_1: mean(&|x| f64::from(u8::from(x.min_dscr.is_some_and(|d| d < 1.0)))),
        expected_gross_shortfall: gross,
        expected_net_loss: mean(&|x| x.loss_pv),
        guarantees,
        equity_irr_p10: q(&irr_sorted, 0.10),
        equity_irr_p50: q(&irr_sorted, 0.50),
        equity_irr_p90: q(&irr_sorted, 0.90),
        equity_irr_undefined: (r.len() - irr.len()) as u32,
        min_dscr_p05: q(&dscr_sorted, 0.05),
        min_dscr_p50: q(&dscr_sorted, 0.50),
        base_debt: prepared.debt.amount,
        equity_irr_histogram: histogram_of_sorted(&irr, &irr_sorted, 30),
        equity_irr: irr,
        min_dscr: dscr,
        risk: prepared.spec.clone(),
    }
}

/// The finite values, sorted (in parallel: a million paths' IRRs sort in milliseconds).
fn sorted(v: &[f64]) -> Vec<f64> {
    let mut out: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    out.par_sort_unstable_by(f64::total_cmp);
    out
}

/// Equal-width bins over the central 99 % of the values (outliers go to the end bins).
pub fn histogram(v: &[f64], bins: usize) -> Histogram {
    histogram_of_sorted(v, &sorted(v), bins)
}

/// [`histogram`] of `v`, given its finite values sorted.
fn histogram_of_sorted(v: &[f64], sorted: &[f64], bins: usize) -> Histogram {
    let lo = quantile_of_sorted(sorted, 0.005).unwrap_or(0.0);
    let hi = quantile_of_sorted(sorted, 0.995).unwrap_or(1.0);
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, lo + 0.5)
    };
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0u32; bins];
    for x in v {
        let i = (((x - lo) / width).floor().max(0.0) as usize).min(bins - 1);
        counts[i] += 1;
    }
    Histogram {
        edges: (0..=bins).map(|i| lo + width * i as f64).collect(),
        counts,
    }
}

/// The path metrics a goal seek may target when it runs Monte Carlo.
pub const MC_METRICS: &[&str] = &[
    "pd_payment_default",
    "p_min_dscr_below_1",
    "expected_gross_shortfall",
    "expected_net_loss",
    "equity_irr_p10",
    "equity_irr_p50",
    "equity_irr_p90",
    "min_dscr_p05",
    "min_dscr_p50",
];

/// A Monte Carlo statistic by name.
pub fn statistic(m: &MonteCarlo, name: &str) -> Option<f64> {
    match name {
        "pd_payment_default" => Some(m.pd_payment_default),
        "p_min_dscr_below_1" => Some(m.p_min_dscr_below_1),
        "expected_gross_shortfall" => Some(m.expected_gross_shortfall),
        "expected_net_loss" => Some(m.expected_net_loss),
        "equity_irr_p10" => m.equity_irr_p10,
        "equity_irr_p50" => m.equity_irr_p50,
        "equity_irr_p90" => m.equity_irr_p90,
        "min_dscr_p05" => m.min_dscr_p05,
        "min_dscr_p50" => m.min_dscr_p50,
        _ => None,
    }
}
