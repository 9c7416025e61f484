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
    let (coeffs, zero_roots) = polynomial(values)?;
    if let Some(found) = by_descartes(coeffs, zero_roots) {
        return found;
    }
    isolated(coeffs, zero_roots)
}

/// The flows as a polynomial in g = 1 + r (coefficients from values[0], the highest
/// degree, leading and trailing zeros cut) and the number of trailing zeros; `None` when
/// the flows have no IRR whatever the roots (no sign change, or a value not finite).
fn polynomial(values: &[f64]) -> Option<(&[f64], usize)> {
    if values.iter().any(|v| !v.is_finite())
        || !values.iter().any(|v| *v > 0.0)
        || !values.iter().any(|v| *v < 0.0)
    {
        return None;
    }
    let lead = values.iter().position(|v| *v != 0.0)?;
    let last = values.iter().rposition(|v| *v != 0.0)?;
    Some((&values[lead..=last], values.len() - 1 - last))
}

/// Every positive root isolated between the critical points, then chosen as
/// numpy-financial chooses; trailing zero flows add the literal root g = 0 (r = −1).
fn isolated(coeffs: &[f64], zero_roots: usize) -> Option<f64> {
    let mut candidates: Vec<f64> = positive_roots(coeffs)
        .into_iter()
        .map(|g| g - 1.0)
        .collect();
    if zero_roots > 0 {
        candidates.push(-1.0);
    }
    select_root(&candidates)
}

/// The longest polynomial the direct path below handles on the stack.
const DIRECT_MAX: usize = 64;

/// The IRR without isolating every root, when Descartes' rule of signs settles where the
/// chosen root lies. One sign change among the flows themselves means one positive root in
/// all (most flows: an investment, then returns). Otherwise the coefficients of P(1 + r)
/// count the roots with r > 0, and those of (1 + u)^d·P(1/(1 + u)) the roots with
/// −1 < r < 0; one sign change means one root there. The root is then found by Newton's
/// method inside a bracket. `None` when the counts leave it open (two or more roots on a
/// side, or a coefficient too close to 0 for its sign to be sure), for [`irr`]'s isolation
/// of every root.
fn by_descartes(coeffs: &[f64], zero_roots: usize) -> Option<Option<f64>> {
    let len = coeffs.len();
    if !(2..=DIRECT_MAX).contains(&len) {
        return None;
    }
    // Roots above the search's bound (an IRR over 10⁶) count as none, as in `isolated`.
    // Below Cauchy's bound uncapped lie all the roots: the one root counted lies there,
    // and the polynomial's sign at the bound need not be evaluated.
    let hi = root_bound(coeffs);
    let all_below = hi < 1e6;
    let literal = (zero_roots > 0).then_some(-1.0);
    if sign_changes(coeffs) == 1 {
        return Some(
            bracketed_newton(coeffs, 0.0, hi, all_below)
                .map(|g| g - 1.0)
                .or(literal),
        );
    }
    let mut shifted = [0.0; DIRECT_MAX];
    let mut bound = [0.0; DIRECT_MAX];
    let above = &mut shifted[..len];
    above.copy_from_slice(coeffs);
    if !shift_with_certain_signs(above, &mut bound[..len]) {
        return None;
    }
    if above[len - 1] == 0.0 {
        // P(1) = 0: r = 0 is the smallest non-negative root.
        return Some(Some(0.0));
    }
    match sign_changes(above) {
        1 => {
            if let Some(g) = bracketed_newton(coeffs, 1.0, hi, all_below) {
                return Some(Some(g - 1.0));
            }
        }
        0 => {}
        _ => return None,
    }
    // No root with r ≥ 0: the root nearest 0 among −1 < r < 0.
    let below = &mut shifted[..len];
    for (b, c) in below.iter_mut().zip(coeffs.iter().rev()) {
        *b = *c;
    }
    if !shift_with_certain_signs(below, &mut bound[..len]) {
        return None;
    }
    match sign_changes(below) {
        1 => Some(bracketed_newton(coeffs, 0.0, 1.0, true).map(|g| g - 1.0)),
        0 => Some(literal),
        _ => None,
    }
}

/// Shifts `a` (coefficients from the highest degree) to those of p(x + 1) in place, by
/// repeated synthetic division by (x − 1), and tells whether every shifted coefficient is
/// either exactly 0 or larger than the rounding error of its sums, so that its sign, and
/// so Descartes' count, is the exact polynomial's. `bound` (as long as `a`) receives the
/// same shift of the absolute values, which bounds each sum's terms.
fn shift_with_certain_signs(a: &mut [f64], bound: &mut [f64]) -> bool {
    for (b, x) in bound.iter_mut().zip(a.iter()) {
        *b = x.abs();
    }
    let d = a.len() - 1;
    for i in 0..d {
        for j in 1..=d - i {
            a[j] += a[j - 1];
            bound[j] += bound[j - 1];
        }
    }
    let slack = 4.0 * a.len() as f64 * f64::EPSILON;
    a.iter()
        .zip(bound.iter())
        .all(|(x, b)| *b == 0.0 || x.abs() > slack * b)
}

fn sign_changes(a: &[f64]) -> usize {
    let mut last = 0.0_f64;
    let mut changes = 0;
    for &x in a {
        if x != 0.0 {
            if last != 0.0 && (x > 0.0) != (last > 0.0) {
                changes += 1;
            }
            last = x;
        }
    }
    changes
}

/// Where the bracket of a root is narrowed first: values of g = 1 + r, from r = −99.9 %
/// to r = 10⁵, densest where IRRs are.
const LADDER: [f64; 21] = [
    1e-3, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2, 1.5, 2.0, 3.0, 5.0, 10.0,
    100.0, 1e3, 1e4, 1e5,
];
const LADDER_ONE: usize = 8;

/// The one root of the polynomial in `[lo, hi]`: the bracket narrowed on [`LADDER`] by
/// walking from g = 1 towards the root, then Newton's method from the secant point,
/// falling back to bisection whenever a step would leave the bracket. It stops when the
/// polynomial's value is within the rounding error of its evaluation or the step is at
/// the resolution of a double. `bracketed` says the caller knows one simple root lies
/// inside (so the sign at `hi` is the opposite of that at `lo`, unevaluated). `None` when
/// the ends do not bracket a root.
fn bracketed_newton(coeffs: &[f64], mut lo: f64, mut hi: f64, bracketed: bool) -> Option<f64> {
    let mut f_lo = if lo == 0.0 {
        coeffs[coeffs.len() - 1]
    } else {
        horner(coeffs, lo)
    };
    if f_lo == 0.0 {
        return Some(lo);
    }
    // An unevaluated end has an infinite value of the right sign: the secant ignores it.
    let mut f_hi = if bracketed {
        -f_lo.signum() * f64::INFINITY
    } else {
        horner(coeffs, hi)
    };
    if f_hi == 0.0 {
        return Some(hi);
    }
    if (f_lo > 0.0) == (f_hi > 0.0) || !f_lo.is_finite() || f_hi.is_nan() {
        return None;
    }
    // Walk the ladder from 1 (or from the end of the bracket nearest it) towards the root.
    let (mut i, mut step) = if lo < 1.0 && 1.0 < hi {
        (LADDER_ONE as isize, 0)
    } else if hi <= 1.0 {
        (LADDER_ONE as isize - 1, -1)
    } else {
        (LADDER_ONE as isize + 1, 1)
    };
    while let Some(&g) = usize::try_from(i).ok().and_then(|i| LADDER.get(i)) {
        if g <= lo || g >= hi {
            break;
        }
        let f = horner(coeffs, g);
        if f == 0.0 {
            return Some(g);
        }
        let root_above = (f > 0.0) == (f_lo > 0.0);
        if root_above {
            (lo, f_lo) = (g, f);
        } else {
            (hi, f_hi) = (g, f);
        }
        let dir = if root_above { 1 } else { -1 };
        if step != 0 && dir != step {
            break;
        }
        step = dir;
        i += dir;
    }
    let rising = f_lo < 0.0;
    let secant = lo - f_lo * (hi - lo) / (f_hi - f_lo);
    let mut x = if secant > lo && secant < hi {
        secant
    } else {
        0.5 * (lo + hi)
    };
    let noise = 2.0 * coeffs.len() as f64 * f64::EPSILON;
    for _ in 0..200 {
        let (f, df, size) = horner_with_derivative(coeffs, x);
        if f.abs() <= noise * size {
            return Some(x);
        }
        if (f < 0.0) == rising {
            lo = x;
        } else {
            hi = x;
        }
        let newton = x - f / df;
        let next = if newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        // Newton's error squares at each step: after a step this small, the next is
        // already at a double's resolution, so it is returned without evaluating again.
        if next == newton && (next - x).abs() <= 1e-9 * x.abs() {
            return Some(next);
        }
        if (next - x).abs() <= 4.0 * f64::EPSILON * x.abs() || hi - lo <= 4.0 * f64::EPSILON * hi {
            return Some(next);
        }
        x = next;
    }
    Some(x)
}

/// p(x), p′(x) and Σ|c_i|·|x|^i (the scale of p's rounding error at x) in one pass.
fn horner_with_derivative(coeffs: &[f64], x: f64) -> (f64, f64, f64) {
    let (mut p, mut dp, mut size) = (0.0, 0.0, 0.0);
    let ax = x.abs();
    for c in coeffs {
        dp = dp * x + p;
        p = p * x + c;
        size = size * ax + c.abs();
    }
    (p, dp, size)
}

/// [`irr`] by isolating every positive root, without the shortcut of Descartes' rule:
/// the reference the shortcut is tested against.
#[doc(hidden)]
pub fn irr_by_isolation(values: &[f64]) -> Option<f64> {
    let (coeffs, zero_roots) = polynomial(values)?;
    isolated(coeffs, zero_roots)
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
    match sign_changes(coeffs) {
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
