//! Root finding: Brent's method on a bracket, and bisection for step functions (a Monte
//! Carlo probability changes in steps, so Brent's interpolation gains nothing there).

/// Brent's method (as in scipy's `brentq`) for a root of `f` in `[a, b]`; `None` when
/// `f(a)` and `f(b)` have the same sign or a value is not finite.
pub fn brent(
    mut f: impl FnMut(f64) -> f64,
    a: f64,
    b: f64,
    xtol: f64,
    maxiter: usize,
) -> Option<f64> {
    let rtol = 4.0 * f64::EPSILON;
    let (mut xpre, mut xcur) = (a, b);
    let (mut fpre, mut fcur) = (f(xpre), f(xcur));
    if !fpre.is_finite() || !fcur.is_finite() {
        return None;
    }
    if fpre == 0.0 {
        return Some(xpre);
    }
    if fcur == 0.0 {
        return Some(xcur);
    }
    if fpre.signum() == fcur.signum() {
        return None;
    }
    let (mut xblk, mut fblk, mut spre, mut scur) = (0.0, 0.0, 0.0, 0.0);
    for _ in 0..maxiter {
        if fpre != 0.0 && fcur != 0.0 && fpre.signum() != fcur.signum() {
            xblk = xpre;
            fblk = fpre;
            spre = xcur - xpre;
            scur = spre;
        }
        if fblk.abs() < fcur.abs() {
            xpre = xcur;
            xcur = xblk;
            xblk = xpre;
            fpre = fcur;
            fcur = fblk;
            fblk = fpre;
        }
        let delta = (xtol + rtol * xcur.abs()) / 2.0;
        let sbis = (xblk - xcur) / 2.0;
        if fcur == 0.0 || sbis.abs() < delta {
            return Some(xcur);
        }
        if spre.abs() > delta && fcur.abs() < fpre.abs() {
            let stry = if xpre == xblk {
                // Interpolate.
                -fcur * (xcur - xpre) / (fcur - fpre)
            } else {
                // Extrapolate.
                let dpre = (fpre - fcur) / (xpre - xcur);
                let dblk = (fblk - fcur) / (xblk - xcur);
                -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            };
            if 2.0 * stry.abs() < spre.abs().min(3.0 * sbis.abs() - delta) {
                spre = scur;
                scur = stry;
            } else {
                spre = sbis;
                scur = sbis;
            }
        } else {
            spre = sbis;
            scur = sbis;
        }
        xpre = xcur;
        fpre = fcur;
        xcur += if scur.abs() > delta {
            scur
        } else if sbis > 0.0 {
            delta
        } else {
            -delta
        };
        fcur = f(xcur);
        if !fcur.is_finite() {
            return None;
        }
    }
    Some(xcur)
}

/// Bisection for a sign change of `f` in `[a, b]`, to `xtol`; `None` without a change.
pub fn bisect(mut f: impl FnMut(f64) -> f64, a: f64, b: f64, xtol: f64) -> Option<f64> {
    let (mut lo, mut hi) = (a, b);
    let mut flo = f(lo);
    let fhi = f(hi);
    if !flo.is_finite() || !fhi.is_finite() || flo.signum() == fhi.signum() && flo != 0.0 {
        return (fhi == 0.0).then_some(hi);
    }
    if flo == 0.0 {
        return Some(lo);
    }
    while (hi - lo).abs() > xtol {
        let mid = 0.5 * (lo + hi);
        let fm = f(mid);
        if !fm.is_finite() {
            return None;
        }
        if fm == 0.0 {
            return Some(mid);
        }
        if fm.signum() == flo.signum() {
            lo = mid;
            flo = fm;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}
