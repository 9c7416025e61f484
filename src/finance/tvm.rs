//! Time value of money with numpy-financial's conventions (FINANCE.md): `npv` leaves the
//! first flow undiscounted, `irr` picks among several roots as numpy-financial does,
//! payments paid out are negative. Undefined results are `None` (numpy's NaN).

use super::solve;
use chrono::NaiveDate;

/// Whether payments fall at the end (0, numpy's default) or the beginning (1) of a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum When {
    #[default]
    End,
    Begin,
}

impl When {
    fn factor(self) -> f64 {
        match self {
            When::End => 0.0,
            When::Begin => 1.0,
        }
    }
}

/// Σ x_t / (1 + rate)^t, t from 0 (numpy-financial's `npv`).
pub fn npv(rate: f64, values: &[f64]) -> f64 {
    if rate == -1.0 {
        return f64::NAN;
    }
    // Horner from the last flow: (((x_n/(1+r) + x_{n-1})/(1+r) + ...) + x_0.
    let d = 1.0 / (1.0 + rate);
    values.iter().rev().fold(0.0, |acc, x| acc * d + x)
}

/// Internal rate of return: the root of `npv(r, values) = 0`, chosen among several roots as
/// numpy-financial does (the smallest non-negative one, else the negative one nearest 0).
/// `None` when the non-zero flows never change sign (zeros do not count, so flows that
/// stay negative and end at exactly 0 have no IRR, where numpy-financial would return the
/// literal root −1 of g = 0), or when no real root exists.
pub fn irr(values: &[f64]) -> Option<f64> {
    if values.iter().any(|v| !v.is_finite())
        || !values.iter().any(|v| *v > 0.0)
        || !values.iter().any(|v| *v < 0.0)
    {
        return None;
    }
    // Polynomial in g = 1 + r with coefficients values[0] (highest degree) .. values[n-1].
    let lead = values.iter().position(|v| *v != 0.0)?;
    let last = values.iter().rposition(|v| *v != 0.0)?;
    let coeffs = &values[lead..=last];
    let zero_roots = values.len() - 1 - last;
    let mut candidates: Vec<f64> = positive_roots(coeffs)
        .into_iter()
        .map(|g| g - 1.0)
        .collect();
    if zero_roots > 0 {
        candidates.push(-1.0);
    }
    select_root(&candidates)
}

fn select_root(candidates: &[f64]) -> Option<f64> {
    let non_negative = candidates
        .iter()
        .copied()
        .filter(|r| *r >= 0.0)
        .min_by(f64::total_cmp);
    non_negative.or_else(|| candidates.iter().copied().max_by(f64::total_cmp))
}

fn horner(coeffs: &[f64], x: f64) -> f64 {
    coeffs.iter().fold(0.0, |acc, c| acc * x + c)
}

fn derivative(coeffs: &[f64]) -> Vec<f64> {
    let deg = coeffs.len() - 1;
    coeffs[..deg]
        .iter()
        .enumerate()
        .map(|(i, c)| c * (deg - i) as f64)
        .collect()
}

/// Largest g worth searching: Cauchy's bound, capped (an IRR above 10⁶ is no answer).
fn root_bound(coeffs: &[f64]) -> f64 {
    let lead = coeffs[0].abs();
    let max = coeffs[1..].iter().fold(0.0_f64, |m, c| m.max(c.abs()));
    (1.0 + max / lead).min(1e6)
}

/// All real roots g > 0 of the polynomial (coefficients from the highest degree; the
/// constant term is not zero). One sign change among the coefficients means exactly one
/// positive root (Descartes), found directly; otherwise the roots are isolated between the
/// critical points, found recursively from the derivatives.
fn positive_roots(coeffs: &[f64]) -> Vec<f64> {
    if coeffs.len() < 2 {
        return Vec::new();
    }
    let hi = root_bound(coeffs);
    let signs: Vec<bool> = coeffs
        .iter()
        .filter(|c| **c != 0.0)
        .map(|c| *c > 0.0)
        .collect();
    let changes = signs.windows(2).filter(|w| w[0] != w[1]).count();
    match changes {
        0 => Vec::new(),
        1 => solve::brent(|g| horner(coeffs, g), 0.0, hi, 1e-15, 200)
            .into_iter()
            .collect(),
        _ => roots_in(coeffs, 0.0, hi),
    }
}

fn roots_in(coeffs: &[f64], lo: f64, hi: f64) -> Vec<f64> {
    let deg = coeffs.len() - 1;
    if deg == 0 {
        return Vec::new();
    }
    if deg == 1 {
        let r = -coeffs[1] / coeffs[0];
        return if r > lo && r <= hi {
            vec![r]
        } else {
            Vec::new()
        };
    }
    let mut points = vec![lo];
    points.extend(roots_in(&derivative(coeffs), lo, hi));
    points.push(hi);
    let mut roots: Vec<f64> = Vec::new();
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (fa, fb) = (horner(coeffs, a), horner(coeffs, b));
        if fb == 0.0 && b > lo {
            roots.push(b);
        } else if fa.signum() != fb.signum()
            && fa != 0.0
            && let Some(r) = solve::brent(|g| horner(coeffs, g), a, b, 1e-15, 200)
        {
            roots.push(r);
        }
    }
    roots.dedup_by(|a, b| (*a - *b).abs() <= 1e-12 * b.abs().max(1.0));
    roots
}

/// Modified IRR (numpy-financial and Excel): positive flows reinvested at
/// `reinvest_rate`, negative ones financed at `finance_rate`.
pub fn mirr(values: &[f64], finance_rate: f64, reinvest_rate: f64) -> Option<f64> {
    let n = values.len();
    if n < 2 || !values.iter().any(|v| *v > 0.0) || !values.iter().any(|v| *v < 0.0) {
        return None;
    }
    let pos: Vec<f64> = values.iter().map(|v| v.max(0.0)).collect();
    let neg: Vec<f64> = values.iter().map(|v| v.min(0.0)).collect();
    let numer = npv(reinvest_rate, &pos).abs();
    let denom = npv(finance_rate, &neg).abs();
    Some((numer / denom).powf(1.0 / (n - 1) as f64) * (1.0 + reinvest_rate) - 1.0)
}

/// Future value (numpy-financial's `fv`).
pub fn fv(rate: f64, nper: f64, pmt: f64, pv: f64, when: When) -> f64 {
    if rate == 0.0 {
        return -(pv + pmt * nper);
    }
    let temp = (1.0 + rate).powf(nper);
    -(pv * temp + pmt * (1.0 + rate * when.factor()) / rate * (temp - 1.0))
}

/// Present value (numpy-financial's `pv`).
pub fn pv(rate: f64, nper: f64, pmt: f64, fv: f64, when: When) -> f64 {
    if rate == 0.0 {
        return -(fv + pmt * nper);
    }
    let temp = (1.0 + rate).powf(nper);
    -(fv + pmt * (1.0 + rate * when.factor()) / rate * (temp - 1.0)) / temp
}

/// Payment per period (numpy-financial's and Excel's `pmt`).
pub fn pmt(rate: f64, nper: f64, pv: f64, fv: f64, when: When) -> f64 {
    let temp = (1.0 + rate).powf(nper);
    let fact = if rate == 0.0 {
        nper
    } else {
        (1.0 + rate * when.factor()) * (temp - 1.0) / rate
    };
    -(fv + pv * temp) / fact
}

/// Number of periods (numpy-financial's `nper`).
pub fn nper(rate: f64, pmt: f64, pv: f64, fv: f64, when: When) -> Option<f64> {
    let n = if rate == 0.0 {
        -(fv + pv) / pmt
    } else {
        let z = pmt * (1.0 + rate * when.factor()) / rate;
        ((-fv + z) / (pv + z)).ln() / (1.0 + rate).ln()
    };
    n.is_finite().then_some(n)
}

/// Interest part of payment `per` (1-based; numpy-financial's `ipmt`).
pub fn ipmt(rate: f64, per: f64, nper: f64, pv: f64, fv: f64, when: When) -> Option<f64> {
    if per < 1.0 {
        return None;
    }
    let total = pmt(rate, nper, pv, fv, when);
    let balance = self::fv(rate, per - 1.0, total, pv, when);
    Some(match when {
        When::End => balance * rate,
        When::Begin if per == 1.0 => 0.0,
        When::Begin => balance * rate / (1.0 + rate),
    })
}

/// Principal part of payment `per` (numpy-financial's `ppmt`).
pub fn ppmt(rate: f64, per: f64, nper: f64, pv: f64, fv: f64, when: When) -> Option<f64> {
    Some(pmt(rate, nper, pv, fv, when) - ipmt(rate, per, nper, pv, fv, when)?)
}

/// Rate per period (numpy-financial's `rate`: Newton from 0.1, tolerance 1e-6, at most 100
/// iterations; `None` when it does not converge).
pub fn rate(nper: f64, pmt: f64, pv: f64, fv: f64, when: When) -> Option<f64> {
    let w = when.factor();
    let mut rn = 0.1_f64;
    for _ in 0..100 {
        let t1 = (rn + 1.0).powf(nper);
        let t2 = (rn + 1.0).powf(nper - 1.0);
        let g = fv + t1 * pv + pmt * (t1 - 1.0) * (rn * w + 1.0) / rn;
        let gp = nper * t2 * pv - pmt * (t1 - 1.0) * (rn * w + 1.0) / (rn * rn)
            + nper * pmt * t2 * (rn * w + 1.0) / rn
            + pmt * (t1 - 1.0) * w / rn;
        let next = rn - g / gp;
        let close = (next - rn).abs() < 1e-6;
        rn = next;
        if close {
            return rn.is_finite().then_some(rn);
        }
    }
    None
}

/// Σ x_i / (1 + rate)^((d_i − d_0)/365): Excel's XNPV, actual/365 from the first date.
pub fn xnpv(rate: f64, flows: &[(NaiveDate, f64)]) -> Option<f64> {
    let (d0, _) = *flows.first()?;
    if rate <= -1.0 {
        return None;
    }
    Some(
        flows
            .iter()
            .map(|(d, x)| x / (1.0 + rate).powf((*d - d0).num_days() as f64 / 365.0))
            .sum(),
    )
}

/// The rate where `xnpv` is zero (Excel's XIRR), searched in (−0.99, 10⁶); `None` when the
/// flows do not change sign or no root lies there.
pub fn xirr(flows: &[(NaiveDate, f64)]) -> Option<f64> {
    if !flows.iter().any(|f| f.1 > 0.0) || !flows.iter().any(|f| f.1 < 0.0) {
        return None;
    }
    let f = |r: f64| xnpv(r, flows).unwrap_or(f64::NAN);
    // Scan outwards from 0 for a sign change, then Brent inside it.
    let grid = [
        -0.99, -0.9, -0.75, -0.5, -0.25, 0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0, 1e6,
    ];
    let at_zero = f(0.0);
    let zero = grid.iter().position(|r| *r == 0.0)?;
    for (a, b) in grid[zero..]
        .windows(2)
        .map(|w| (w[0], w[1]))
        .chain(grid[..=zero].windows(2).rev().map(|w| (w[0], w[1])))
    {
        let (fa, fb) = (f(a), f(b));
        if fa == 0.0 {
            return Some(a);
        }
        if fa.signum() != fb.signum() && fa.is_finite() && fb.is_finite() {
            return solve::brent(f, a, b, 1e-12, 200);
        }
    }
    (at_zero == 0.0).then_some(0.0)
}
