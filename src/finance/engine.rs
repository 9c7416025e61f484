//! Layer 2 of FINANCE.md: tax, debt sculpting, reserves, the cash waterfall, guarantees
//! and the metrics (§6–§14).

use super::inputs::{GuaranteeType, Inputs};
use super::series::{self, Series};
use super::tvm;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The interest iteration stops when no year's interest moves by this much (€).
const INTEREST_TOLERANCE: f64 = 1e-4;
const MAX_ITERATIONS: usize = 500;

/// §6: tax with losses carried forward (first in, first out, without limit).
pub fn taxes(rate: f64, s: &Series, dep: &[f64], interest: &[f64], out: &mut [f64]) {
    let mut pool = 0.0;
    for t in 0..s.n {
        out[t] = 0.0;
        if t < s.c {
            continue;
        }
        let x = s.ebitda[t] - dep[t] - interest[t] + s.resid[t];
        if x < 0.0 {
            pool -= x;
        } else {
            let used = pool.min(x);
            pool -= used;
            out[t] = rate * (x - used);
        }
    }
}

/// The senior debt as sized in the base case (§10).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Debt {
    pub amount: f64,
    /// Uncapped size D*.
    pub uncapped: f64,
    pub capped: bool,
    pub service: Vec<f64>,
    pub interest: Vec<f64>,
    pub fee: Vec<f64>,
    pub principal: Vec<f64>,
    pub balance: Vec<f64>,
    /// All-in rate r_f = debt_rate + cover × fee.
    pub rate_all_in: f64,
    pub iterations: usize,
    pub converged: bool,
}

/// Operating years within the tenor.
fn tenor_years(p: &Inputs, s: &Series) -> std::ops::Range<usize> {
    s.c..(s.c + p.tenor as usize).min(s.n)
}

/// §8: CFADS = EBITDA − tax − refresh-reserve accrual, zero during construction.
pub(crate) fn cfads(s: &Series, tax: &[f64], plan: &[f64], out: &mut [f64]) {
    for t in 0..s.n {
        out[t] = if t < s.c {
            0.0
        } else {
            s.ebitda[t] - tax[t] - plan[t]
        };
    }
}

/// Debt sculpted on a constant DSCR over the years after drawdown (SAM's sizing):
/// `cash[i]` is the cash available for debt service in year i + 1, the first `tenor` years
/// carry debt; the size is capped at `cap`. Interest is `debt_rate` and the guarantee fee
/// `fee_rate` on the opening balance; the size is discounted at their sum.
pub fn sculpt(
    cash: &[f64],
    tenor: usize,
    debt_rate: f64,
    fee_rate: f64,
    dscr: f64,
    cap: f64,
) -> Debt {
    let n = cash.len();
    let rf = debt_rate + fee_rate;
    let mut target = vec![0.0; n];
    let mut d_star = 0.0;
    for i in 0..tenor.min(n) {
        target[i] = cash[i].max(0.0) / dscr;
        d_star += target[i] / (1.0 + rf).powi(i as i32 + 1);
    }
    let d = d_star.clamp(0.0, cap.max(0.0));
    let scale = if d_star > 0.0 { d / d_star } else { 0.0 };
    let service: Vec<f64> = target.iter().map(|x| x * scale).collect();
    let mut debt = Debt {
        amount: d,
        uncapped: d_star,
        capped: d < d_star,
        interest: vec![0.0; n],
        fee: vec![0.0; n],
        principal: vec![0.0; n],
        balance: vec![0.0; n],
        rate_all_in: rf,
        ..Debt::default()
    };
    let mut opening = d;
    for (i, ds) in service.iter().enumerate() {
        debt.interest[i] = debt_rate * opening;
        debt.fee[i] = fee_rate * opening;
        debt.principal[i] = ds - debt.interest[i] - debt.fee[i];
        opening -= debt.principal[i];
        debt.balance[i] = opening;
    }
    debt.service = service;
    debt
}

/// [`sculpt`] on explicit cash flows without a cap, as SAM's Single Owner model sizes debt.
pub fn sculpt_on(cash: &[f64], rate: f64, dscr: f64) -> Debt {
    sculpt(cash, cash.len(), rate, 0.0, dscr, f64::INFINITY)
}

/// Sculpts the debt on the target DSCR, then iterates because tax depends on interest.
pub fn size_debt(p: &Inputs, s: &Series) -> Debt {
    let g = &p.guarantee;
    let fee_rate = g.cover * g.fee;
    let n = s.n;
    let c = s.c;
    let mut tax = vec![0.0; n];
    let mut cf = vec![0.0; n];
    let mut interest = vec![0.0; n];
    let cap = p.max_gearing * (s.initial_capex() - s.initial_grants());
    let mut debt = Debt::default();
    for i in 1..=MAX_ITERATIONS {
        taxes(p.tax, s, &s.dep_reduced, &interest, &mut tax);
        cfads(s, &tax, &s.mra_plan, &mut cf);
        let op = sculpt(
            &cf[c..],
            p.tenor as usize,
            p.debt_rate,
            fee_rate,
            p.dscr,
            cap,
        );
        // Back to years t = 0..=T: drawdown at the end of C − 1.
        let widen = |v: &[f64]| -> Vec<f64> {
            let mut out = vec![0.0; n];
            out[c..].copy_from_slice(v);
            out
        };
        let mut balance = widen(&op.balance);
        balance[c - 1] = op.amount;
        let new_interest = widen(&op.interest);
        let delta = new_interest
            .iter()
            .zip(&interest)
            .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
        interest = new_interest;
        debt = Debt {
            service: widen(&op.service),
            interest: interest.clone(),
            fee: widen(&op.fee),
            principal: widen(&op.principal),
            balance,
            iterations: i,
            converged: delta < INTEREST_TOLERANCE,
            ..op
        };
        if debt.converged {
            break;
        }
    }
    debt
}

/// What the waterfall did in one year (§12).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Waterfall {
    pub equity: Vec<f64>,
    pub mra_paid: Vec<f64>,
    pub mra_balance: Vec<f64>,
    pub refresh_from_equity: Vec<f64>,
    pub debt_paid: Vec<f64>,
    pub dsra_balance: Vec<f64>,
    pub arrears: Vec<f64>,
    pub shortfall: Vec<f64>,
    pub distributed: Vec<f64>,
    pub trapped: Vec<f64>,
    pub locked_up: Vec<bool>,
}

/// §11–§12: equity at construction and the operating cash waterfall.
#[allow(clippy::too_many_arguments)]
pub fn waterfall(
    p: &Inputs,
    s: &Series,
    tax: &[f64],
    cf: &[f64],
    debt: &Debt,
    plan: &[f64],
    record: bool,
) -> Waterfall {
    let mut w = Waterfall::default();
    waterfall_into(p, s, tax, cf, debt, plan, record, &mut w);
    w
}

/// [`waterfall`] into a waterfall whose vectors are reused (a Monte Carlo path allocates
/// nothing); without `record`, only the equity flows, shortfalls and arrears are kept.
#[allow(clippy::too_many_arguments)]
pub fn waterfall_into(
    p: &Inputs,
    s: &Series,
    tax: &[f64],
    cf: &[f64],
    debt: &Debt,
    plan: &[f64],
    record: bool,
    w: &mut Waterfall,
) {
    let n = s.n;
    let c = s.c;
    let rf = debt.rate_all_in;
    let dsra_share = p.dsra_months / 12.0;
    for v in [&mut w.equity, &mut w.shortfall, &mut w.arrears] {
        v.clear();
        v.resize(n, 0.0);
    }
    for v in [
        &mut w.mra_paid,
        &mut w.mra_balance,
        &mut w.refresh_from_equity,
        &mut w.debt_paid,
        &mut w.dsra_balance,
        &mut w.distributed,
        &mut w.trapped,
    ] {
        v.clear();
        if record {
            v.resize(n, 0.0);
        }
    }
    w.locked_up.clear();
    if record {
        w.locked_up.resize(n, false);
    }
    for t in 0..c {
        w.equity[t] = -(s.capex[t] - s.grants[t]);
    }
    let ds = &debt.service;
    let mut dsra = if c < n { dsra_share * ds[c] } else { 0.0 };
    w.equity[c - 1] -= p.upfront_fee * debt.amount + dsra - debt.amount;
    if record {
        w.dsra_balance[c - 1] = dsra;
    }
    let (mut mra, mut trapped, mut arrears) = (0.0, 0.0, 0.0);
    for t in c..n {
        let mut cash = s.ebitda[t] - tax[t] + s.resid[t] + trapped;
        trapped = 0.0;
        let pay = plan[t].min(cash.max(0.0));
        cash -= pay;
        mra += pay;
        let mut from_equity = 0.0;
        if let Some(k) = s.refresh_at(t) {
            let cost = s.gens[k].cost;
            let used = mra.min(cost);
            mra -= used;
            from_equity = cost - used;
            w.equity[t] -= from_equity;
        }
        let due = ds[t] + arrears * (1.0 + rf);
        let from_cash = due.min(cash.max(0.0));
        cash -= from_cash;
        let rest = due - from_cash;
        let from_dsra = rest.min(dsra);
        dsra -= from_dsra;
        let unpaid = rest - from_dsra;
        w.shortfall[t] = (unpaid - arrears * (1.0 + rf)).max(0.0);
        arrears = unpaid;
        w.arrears[t] = arrears;
        let target = dsra_share * ds.get(t + 1).copied().unwrap_or(0.0);
        if dsra < target {
            let add = (target - dsra).min(cash.max(0.0));
            dsra += add;
            cash -= add;
        } else {
            cash += dsra - target;
            dsra = target;
        }
        // Negative cash is covered by equity (§12): equity pays the deficit in, so its
        // flow falls by the deficit (`cash` is negative here).
        if cash < 0.0 {
            w.equity[t] += cash;
            cash = 0.0;
        }
        let lock = !(arrears <= 0.0 && (ds[t] == 0.0 || cf[t] / ds[t] >= p.lockup_dscr));
        if lock {
            trapped = cash;
        } else {
            w.equity[t] += cash;
        }
        if record {
            w.mra_paid[t] = pay;
            w.mra_balance[t] = mra;
            w.refresh_from_equity[t] = from_equity;
            w.debt_paid[t] = from_cash + from_dsra;
            w.dsra_balance[t] = dsra;
            w.distributed[t] = if lock { 0.0 } else { cash };
            w.trapped[t] = trapped;
            w.locked_up[t] = lock;
        }
    }
    w.equity[n - 1] += trapped + mra + dsra;
}

/// §14 on a waterfall: the PV of the new shortfalls and of the arrears left at T, both at
/// r_f to drawdown.
pub(crate) fn debt_losses(w: &Waterfall, c: usize, rf: f64) -> (f64, f64) {
    let n = w.arrears.len();
    let gross = pv_to_drawdown(&w.shortfall, c, rf);
    let loss = w.arrears[n - 1] / (1.0 + rf).powi((n - c) as i32);
    (gross, loss)
}

/// PV at r_f, to drawdown (year C − 1), of a yearly series.
fn pv_to_drawdown(x: &[f64], c: usize, rf: f64) -> f64 {
    pv_of(x.iter().copied(), c, rf)
}

/// PV at r_f to drawdown of the yearly values `x` (years from 0; those before C skipped).
fn pv_of(x: impl Iterator<Item = f64>, c: usize, rf: f64) -> f64 {
    let mut discount = 1.0;
    let mut pv = 0.0;
    for v in x.skip(c) {
        discount /= 1.0 + rf;
        pv += v * discount;
    }
    pv
}

/// §14: what a guarantee pays on the shortfalls of a path, as PV at r_f to drawdown.
/// Pari-passu pays `cover` of each year's shortfall. First-loss pays each year's shortfall
/// while its cap lasts: the cap is `cap_share`·D in nominal euros, used up by the yearly
/// shortfalls in year order (not discounted); only the payouts are then discounted, at r_f
/// to drawdown, as `debt_gross_shortfall_pv` is.
pub fn guarantee_payout_pv(
    kind: GuaranteeType,
    cover: f64,
    cap_share: f64,
    debt: &Debt,
    shortfall: &[f64],
    c: usize,
) -> f64 {
    let rf = debt.rate_all_in;
    match kind {
        GuaranteeType::None => 0.0,
        GuaranteeType::PariPassu => cover * pv_to_drawdown(shortfall, c, rf),
        GuaranteeType::FirstLoss => {
            let mut left = cap_share * debt.amount;
            let paid = shortfall.iter().map(|x| {
                let p = x.min(left);
                left -= p;
                p
            });
            pv_of(paid, c, rf)
        }
    }
}

/// The metrics of FINANCE.md §13–§14 under its names; `None` where a metric is undefined
/// (an IRR without a sign change, a payback that never comes, a ratio without grants).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Metrics {
    pub project_irr_pre_grant: Option<f64>,
    pub project_irr_post_grant: Option<f64>,
    pub project_npv_pre_grant: f64,
    pub equity_irr: Option<f64>,
    pub equity_npv: f64,
    /// Extension: equity MIRR, negative flows financed at `debt_rate`, positive ones
    /// reinvested at `disc_equity`.
    pub equity_mirr: Option<f64>,
    pub debt: f64,
    pub debt_capped_by_gearing: bool,
    pub equity_initial: f64,
    pub gearing_initial: f64,
    pub min_dscr: Option<f64>,
    pub avg_dscr: Option<f64>,
    pub llcr_at_drawdown: Option<f64>,
    pub equity_payback_years: Option<f64>,
    pub funding_gap_rate_pre_tax_at_ref_rate: f64,
    pub funding_gap_after_tax_at_project_disc: f64,
    pub mobilisation_ratio_private_per_public: Option<f64>,
    pub it_mw: f64,
    pub facility_mw: f64,
    pub facility_capex: f64,
    pub it_capex_gen1: f64,
    pub initial_capex: f64,
    pub lifetime_capex: f64,
    pub grants_total: f64,
    pub first_year_revenue: f64,
    pub first_year_opex: f64,
    pub first_year_electricity: f64,
    pub debt_gross_shortfall_pv: f64,
    pub debt_loss_pv: f64,
    pub payment_default: bool,
    /// What the inputs' guarantee pays on the base case's shortfalls (PV at r_f).
    pub guarantee_payout_pv: f64,
}

/// One year of the model, every series the views and reports show.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Year {
    /// t, 0 = the first construction year.
    pub t: u32,
    /// Calendar year when the series come from a bid's lines.
    pub year: Option<i32>,
    pub operating: bool,
    pub capex: f64,
    pub grants: f64,
    pub revenue: f64,
    pub opex: f64,
    pub electricity: f64,
    pub ebitda: f64,
    pub depreciation: f64,
    pub interest: f64,
    pub guarantee_fee: f64,
    pub tax: f64,
    pub resale: f64,
    pub mra_accrual: f64,
    pub mra_balance: f64,
    pub refresh_capex: f64,
    pub refresh_from_equity: f64,
    pub cfads: f64,
    pub debt_service: f64,
    pub principal: f64,
    pub debt_balance: f64,
    pub dscr: Option<f64>,
    pub dsra_balance: f64,
    pub shortfall: f64,
    pub arrears: f64,
    pub distributed: f64,
    pub trapped: f64,
    pub locked_up: bool,
    pub equity_flow: f64,
    pub project_flow_pre_grant: f64,
    pub project_flow_post_grant: f64,
}

/// A model run: the metrics, the years and what the analyst should know.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Outcome {
    pub metrics: Metrics,
    pub years: Vec<Year>,
    pub debt_iterations: u32,
    pub warnings: Vec<String>,
}

/// Runs the model on checked inputs.
pub fn run(p: &Inputs) -> Result<Outcome> {
    p.check("inputs")?;
    Ok(run_unchecked(p))
}

/// The base case: everything a run computes, for metrics, Monte Carlo and goal seek.
#[derive(Clone, Debug)]
pub struct Base {
    pub series: Series,
    pub debt: Debt,
    pub tax: Vec<f64>,
    pub cfads: Vec<f64>,
}

pub fn base(p: &Inputs) -> Base {
    let s = series::build(p);
    let debt = size_debt(p, &s);
    let mut tax = vec![0.0; s.n];
    let mut cf = vec![0.0; s.n];
    taxes(p.tax, &s, &s.dep_reduced, &debt.interest, &mut tax);
    cfads(&s, &tax, &s.mra_plan, &mut cf);
    Base {
        series: s,
        debt,
        tax,
        cfads: cf,
    }
}

/// Runs the model; the inputs must have passed [`Inputs::check`].
pub fn run_unchecked(p: &Inputs) -> Outcome {
    let Base {
        series: s,
        debt,
        tax,
        cfads: cf,
    } = base(p);
    let n = s.n;
    let c = s.c;
    let w = waterfall(p, &s, &tax, &cf, &debt, &s.mra_plan, true);
    let mut tax_full = vec![0.0; n];
    let mut tax_reduced = vec![0.0; n];
    let zero = vec![0.0; n];
    taxes(p.tax, &s, &s.dep_full, &zero, &mut tax_full);
    taxes(p.tax, &s, &s.dep_reduced, &zero, &mut tax_reduced);
    let pre: Vec<f64> = (0..n)
        .map(|t| s.ebitda[t] - tax_full[t] - s.capex[t] + s.resid[t])
        .collect();
    let post: Vec<f64> = (0..n)
        .map(|t| s.ebitda[t] - tax_reduced[t] - s.capex[t] + s.resid[t] + s.grants[t])
        .collect();
    let rf = debt.rate_all_in;
    let d = debt.amount;
    let dscrs: Vec<f64> = tenor_years(p, &s)
        .filter(|t| debt.service[*t] > 0.0)
        .map(|t| cf[t] / debt.service[t])
        .collect();
    let llcr_num: f64 = tenor_years(p, &s)
        .map(|t| cf[t] / (1.0 + rf).powi((t + 1 - c) as i32))
        .sum();
    let initial_capex = s.initial_capex();
    let grants_total: f64 = s.grants.iter().sum();
    let equity_initial = -w.equity[..c].iter().sum::<f64>();
    // Funding gap (pre-tax, at the reference rate).
    let r = p.ref_rate_funding_gap;
    let dic = tvm::npv(
        r,
        &(0..n)
            .map(|t| if t < c { s.capex[t] } else { 0.0 })
            .collect::<Vec<_>>(),
    );
    let dnr = tvm::npv(
        r,
        &(0..n)
            .map(|t| {
                if t < c {
                    0.0
                } else {
                    s.ebitda[t] - s.capex[t] + s.resid[t]
                }
            })
            .collect::<Vec<_>>(),
    );
    let project_npv_pre_grant = tvm::npv(p.disc_project, &pre);
    let (gross, loss) = debt_losses(&w, c, rf);
    let metrics = Metrics {
        project_irr_pre_grant: tvm::irr(&pre),
        project_irr_post_grant: tvm::irr(&post),
        project_npv_pre_grant,
        equity_irr: tvm::irr(&w.equity),
        equity_npv: tvm::npv(p.disc_equity, &w.equity),
        equity_mirr: tvm::mirr(&w.equity, p.debt_rate, p.disc_equity),
        debt: d,
        debt_capped_by_gearing: debt.capped,
        equity_initial,
        gearing_initial: if initial_capex > 0.0 {
            d / initial_capex
        } else {
            0.0
        },
        min_dscr: dscrs.iter().copied().min_by(f64::total_cmp),
        avg_dscr: (!dscrs.is_empty()).then(|| dscrs.iter().sum::<f64>() / dscrs.len() as f64),
        llcr_at_drawdown: (d > 0.0).then(|| llcr_num / d),
        equity_payback_years: payback(&w.equity),
        funding_gap_rate_pre_tax_at_ref_rate: if dic > 0.0 {
            ((dic - dnr) / dic).max(0.0)
        } else {
            0.0
        },
        funding_gap_after_tax_at_project_disc: (-project_npv_pre_grant).max(0.0),
        mobilisation_ratio_private_per_public: (grants_total > 0.0)
            .then(|| (d + equity_initial) / grants_total),
        it_mw: s.it_mw,
        facility_mw: s.facility_mw,
        facility_capex: s.facility_capex,
        it_capex_gen1: s.gens.first().map_or(0.0, |g| g.cost),
        initial_capex,
        lifetime_capex: s.capex.iter().sum(),
        grants_total,
        first_year_revenue: s.revenue[c],
        first_year_opex: s.opex[c],
        first_year_electricity: s.electricity[c],
        debt_gross_shortfall_pv: gross,
        debt_loss_pv: loss,
        payment_default: w.shortfall.iter().any(|x| *x > 0.0),
        guarantee_payout_pv: guarantee_payout_pv(
            p.guarantee.kind,
            p.guarantee.cover,
            p.guarantee.first_loss_cap,
            &debt,
            &w.shortfall,
            c,
        ),
    };
    let first_year = p.own_lines.as_ref().map(|l| l.first_year);
    let years = (0..n)
        .map(|t| Year {
            t: t as u32,
            year: first_year.map(|y| y + t as i32),
            operating: t >= c,
            capex: s.capex[t],
            grants: s.grants[t],
            revenue: s.revenue[t],
            opex: s.opex[t],
            electricity: s.electricity[t],
            ebitda: s.ebitda[t],
            depreciation: s.dep_reduced[t],
            interest: debt.interest[t],
            guarantee_fee: debt.fee[t],
            tax: tax[t],
            resale: s.resid[t],
            mra_accrual: s.mra_plan[t],
            mra_balance: w.mra_balance[t],
            refresh_capex: s.refresh_at(t).map_or(0.0, |k| s.gens[k].cost),
            refresh_from_equity: w.refresh_from_equity[t],
            cfads: cf[t],
            debt_service: debt.service[t],
            principal: debt.principal[t],
            debt_balance: debt.balance[t],
            dscr: (debt.service[t] > 0.0).then(|| cf[t] / debt.service[t]),
            dsra_balance: w.dsra_balance[t],
            shortfall: w.shortfall[t],
            arrears: w.arrears[t],
            distributed: w.distributed[t],
            trapped: w.trapped[t],
            locked_up: w.locked_up[t],
            equity_flow: w.equity[t],
            project_flow_pre_grant: pre[t],
            project_flow_post_grant: post[t],
        })
        .collect();
    let mut warnings = Vec::new();
    if !debt.converged {
        warnings.push(format!(
            "the interest iteration did not settle within {MAX_ITERATIONS} rounds; the debt \
             figures may be off"
        ));
    }
    if debt.capped && debt.amount <= 0.0 {
        warnings.push("max_gearing is 0: the model carries no senior debt".into());
    } else if debt.capped {
        warnings.push(format!(
            "the debt is capped by max_gearing ({:.0} % of capex net of grants); DSCR is above \
             its target",
            p.max_gearing * 100.0
        ));
    }
    Outcome {
        metrics,
        years,
        debt_iterations: debt.iterations as u32,
        warnings,
    }
}

/// The first year the cumulative flow turns positive, interpolated (`t − cum_t / cf_t`).
pub fn payback(flows: &[f64]) -> Option<f64> {
    let mut cum = 0.0;
    for (t, x) in flows.iter().enumerate() {
        let before = cum;
        cum += x;
        if before <= 0.0 && cum > 0.0 && t > 0 {
            return Some(t as f64 - cum / x);
        }
    }
    None
}

/// A metric by its FINANCE.md name, as a number (`None` when undefined or not a number).
pub fn metric(m: &Metrics, name: &str) -> Result<Option<f64>> {
    let v = serde_json::to_value(m).map_err(|e| Error::Internal(e.to_string()))?;
    match v.get(name) {
        None => Err(Error::invalid(
            crate::error::Location::default().with_field(name),
            "is not a metric of the model",
            Some(format!(
                "known: {}",
                v.as_object()
                    .map(|o| o.keys().cloned().collect::<Vec<_>>().join(", "))
                    .unwrap_or_default()
            )),
        )),
        Some(serde_json::Value::Bool(b)) => Ok(Some(if *b { 1.0 } else { 0.0 })),
        Some(x) => Ok(x.as_f64()),
    }
}
