"""Monte Carlo of the gigafactory finance model in numpy (vectorised) and numba (compiled).

This is the "peer" of the Rust engine's Monte Carlo benchmark: the same model, written the
way a quantitative analyst would write it in Python. It is read from the specification,
domain/FINANCE.md (sections "Equations" §1-§14 and "Monte Carlo"),
independently of the Rust engine; the only thing taken from this repository is the base
inputs (BASE in benches/finance_model.py, the table of FINANCE.md's inputs).

Two implementations of one Monte Carlo:

* numpy: every quantity is an array over the paths, shape (N,); a Python loop runs over
  the 17 years; the waterfall is written with np.minimum / np.maximum / np.where; the
  equity IRR of all paths is found at once (a sign scan of NPV on a grid of rates to
  bracket the root, then a safeguarded Newton iteration, bisecting whenever a Newton step
  would leave the bracket).
* numba: one @njit(parallel=True) kernel; numba.prange over the paths, plain scalar loops
  over the years; the same draws as the numpy version, the same per-path outputs. It is
  checked against the numpy version path by path before its timings are reported.

The base case (FINANCE.md's base inputs) is first sized deterministically by the same
vectorised code (N = 1) and must reproduce FINANCE.md's figures (debt, equity IRR, initial
equity, minimum DSCR); the Monte Carlo then keeps that debt fixed (amount D, debt service
DS_t, interest_t used in each path's tax) and scales the base MRA accrual plan by each
path's refresh-cost ratio.

Usage:
    python3 benches/finance_numpy.py --check             # base case only: print, assert
    python3 benches/finance_numpy.py --paths N --seed S  # one JSON line (timings, figures)

IRR convention (FINANCE.md): the root of NPV(r) = Σ x_t/(1+r)^t = 0; NaN when the flows
have no strictly positive or no strictly negative value (zeros do not count). With
several roots, numpy-financial's selection: the smallest non-negative root, else the
largest negative one. Roots are searched on (-0.99, 10] by the grid below; two roots
closer together than one grid step, or a root outside that range, are not seen (no such
flows arise in this model's Monte Carlo, whose IRRs lie well inside).
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from finance_model import BASE  # noqa: E402  (the base inputs only, no model code)

# FINANCE.md's results for the base inputs, checked at start-up.
EXPECTED = dict(debt=1_090_531_431.63, equity_irr=0.0700602,
                equity_initial=4_371_510_116.56, min_dscr=1.35)
TOLERANCE = dict(debt=1e-2, equity_irr=1e-7, equity_initial=1e-2, min_dscr=1e-9)

# Monte Carlo draws (FINANCE.md "Monte Carlo"): lognormal factors with mean 1 where the
# mean is -σ²/2, a triangular price decline around the base, a clamped normal utilisation.
SIGMA_P_NEW, SIGMA_ELEC, SIGMA_FAC, SIGMA_REFRESH = 0.20, 0.25, 0.10, 0.15
P_DECLINE_LO, P_DECLINE_HI = 0.06, 0.20
UTIL_SD, UTIL_LO, UTIL_HI = 0.07, 0.40, 0.95
DRAWN = ("p_new", "p_decline", "util", "fac_capex_per_mw_it", "refresh_price_factor",
         "elec_price")

# Rates on which NPV is evaluated to bracket the IRR: dense near the usual range, coarser
# far out. 0 is a grid point exactly, so "non-negative root" is a property of a bracket.
IRR_GRID = np.unique(np.concatenate([
    np.linspace(-0.99, -0.50, 50),
    np.arange(-25, 51) * 0.02,          # -0.50 .. 1.00 by 0.02, exact 0.0
    np.geomspace(1.0, 10.0, 31),
]))
IRR_ZERO = int(np.searchsorted(IRR_GRID, 0.0))  # index of r = 0 in the grid
assert IRR_GRID[IRR_ZERO] == 0.0
NEWTON_MAXIT = 100
NEWTON_TOL = 1e-14  # absolute step in r at which the iteration stops


# ----------------------------------------------------------------------------------------
# Timeline (depends only on C, L, G; the same for every path)
# ----------------------------------------------------------------------------------------

def timeline(p):
    """Years, hardware generations and which generation is live in each year (§1, §3)."""
    C, L, G = p["constr_years"], p["op_years"], p["gen_life"]
    T = C + L - 1
    n = T + 1
    # Generation k starts (is bought) in year C-1 + k·G; refreshes are k = 1..ceil(L/G)-1.
    starts = np.array([C - 1 + k * G for k in range(math.ceil(L / G))], dtype=np.int64)
    live = np.full(n, -1, dtype=np.int64)     # live generation in operating year t
    age = np.zeros(n, dtype=np.int64)         # its age a = t - start_k - 1
    refresh = np.full(n, -1, dtype=np.int64)  # k if generation k >= 1 is bought in t
    for t in range(C, n):
        k = int(np.nonzero(starts < t)[0].max())  # the latest generation with start < t
        live[t] = k
        age[t] = t - starts[k] - 1
    for k in range(1, len(starts)):
        refresh[starts[k]] = k
    return dict(C=C, L=L, G=G, T=T, n=n, starts=starts, live=live, age=age, refresh=refresh)


# ----------------------------------------------------------------------------------------
# numpy: series, tax, debt sizing, waterfall, IRR; arrays over the paths
# ----------------------------------------------------------------------------------------

def series(p, tl, x):
    """Yearly series (§1-§5) for N paths. x maps the drawn inputs to arrays (N,); all other
    inputs come from p. Returns arrays of shape (n, N) indexed [year, path], and H (K, N)."""
    C, T, n, G = tl["C"], tl["T"], tl["n"], tl["G"]
    starts = tl["starts"]
    N = len(x["p_new"])
    infl = p["infl"]
    g = p["grant_share"]
    # §1 power and capex
    it_mw = p["n_acc"] * p["kw_it_per_acc"] / 1000
    F = it_mw * x["fac_capex_per_mw_it"] * (1 + p["contingency"])
    H0 = p["n_acc"] * p["hw_cost_per_acc"] * (1 + p["contingency"])
    H = np.empty((len(starts), N))
    H[0] = H0
    for k in range(1, len(starts)):
        H[k] = H0 * x["refresh_price_factor"] * (1 + infl) ** (starts[k] - (C - 1))
    capex = np.zeros((n, N))
    resid = np.zeros((n, N))
    for i, share in enumerate(p["fac_spend"]):
        capex[i] += share * F
    capex[C - 1] += H0
    for k in range(1, len(starts)):
        capex[starts[k]] += H[k]
        resid[starts[k]] += p["hw_residual"] * H[k - 1]   # the retired generation's resale
    resid[T] += p["hw_residual"] * H[-1]
    # §2 grants on construction-year capex
    grants = np.zeros((n, N))
    grants[:C] = g * capex[:C]
    # §3-§4 revenue and opex in operating years
    util = x["util"]
    mix = (1 - p["pub_share"]) + p["pub_share"] * p["pub_price_factor"]
    kwh = (p["n_acc"] * p["kw_it_per_acc"] * (p["idle_frac"] + (1 - p["idle_frac"]) * util)
           * 8760 * p["pue"])
    rev = np.zeros((n, N))
    opex = np.zeros((n, N))
    for t in range(C, n):
        k, a, y = tl["live"][t], tl["age"][t], t - C
        price = x["p_new"] * (1 - x["p_decline"]) ** a * (1 + infl) ** y
        rev[t] = p["n_acc"] * 8760 * util * price * mix
        electricity = kwh * x["elec_price"] * (1 + p["elec_esc"]) ** y
        staff = p["fte"] * p["cost_fte"] * (1 + p["staff_esc"]) ** y
        maintenance = p["maint_fac"] * F * (1 + infl) ** y + p["maint_it"] * H[k]
        insurance = p["insurance"] * (F + H[k])
        other = p["other_opex"] * (1 + infl) ** y
        opex[t] = electricity + staff + maintenance + insurance + other
    ebitda = rev - opex
    # §5 depreciation for tax: the base reduced by the grant share (facility, generation 0)
    gg = g if p["grant_reduces_dep_base"] else 0.0
    dep = np.zeros((n, N))
    fy = p["fac_dep_years"]
    dep[C:min(C + fy, n)] += F * (1 - gg) / fy
    for k, s in enumerate(starts):
        base = H[k] * (1 - gg) if k == 0 else H[k]
        dep[s + 1:min(s + G + 1, n)] += base / G          # cut at T
    return dict(F=F, H=H, capex=capex, resid=resid, grants=grants, rev=rev, opex=opex,
                ebitda=ebitda, dep=dep)


def mra_plan(tl, s):
    """§7 refresh reserve accrual plan: H_k over start_{k-1}+1 .. t_k, weighted by
    max(EBITDA, 0) (equal weights if those sum to 0). Shape (n, N)."""
    starts = tl["starts"]
    plan = np.zeros_like(s["ebitda"])
    for k in range(1, len(starts)):
        years = slice(starts[k - 1] + 1, starts[k] + 1)
        w = np.maximum(s["ebitda"][years], 0.0)
        sw = w.sum(axis=0)
        m = w.shape[0]
        share = np.where(sw > 0, w / np.where(sw > 0, sw, 1.0), 1.0 / m)
        plan[years] += s["H"][k] * share
    return plan


def taxes(p, tl, s, interest):
    """§6 tax with a loss pool (first in, first out, no limit, so one running pool);
    interest is (n,) or (n, N); construction years have no taxable income."""
    tax = np.zeros_like(s["ebitda"])
    pool = np.zeros(s["ebitda"].shape[1])
    for t in range(tl["C"], tl["n"]):
        taxable = s["ebitda"][t] - s["dep"][t] - interest[t] + s["resid"][t]
        pool += np.maximum(-taxable, 0.0)
        use = np.minimum(pool, np.maximum(taxable, 0.0))
        pool -= use
        tax[t] = p["tax"] * (np.maximum(taxable, 0.0) - use)
    return tax


def size_debt(p, tl, s, plan, rf):
    """§10 constant-DSCR sculpting of the base case (N = 1), iterating tax on interest
    from zero interest until max |Δinterest| < €1e-4. Returns D, DS_t, interest_t."""
    C, n = tl["C"], tl["n"]
    tenor = np.array([C <= t < C + p["tenor"] for t in range(n)])
    disc = (1 + rf) ** -(np.arange(n) - (C - 1.0))
    cap = p["max_gearing"] * (s["capex"][:C].sum() - s["grants"][:C].sum())
    interest = np.zeros(n)
    for _ in range(200):
        cfads = s["ebitda"][:, 0] - taxes(p, tl, s, interest)[:, 0] - plan[:, 0]
        dss = np.where(tenor, np.maximum(cfads, 0.0), 0.0) / p["dscr"]
        dstar = float((dss * disc).sum())
        D = min(max(dstar, 0.0), cap)
        ds = dss * D / dstar if dstar > 0 else np.zeros(n)
        # schedule: interest and guarantee fee on the opening balance, principal the rest
        bal, new_interest = D, np.zeros(n)
        cover_fee = p["guarantee"]["cover"] * p["guarantee"]["fee"]
        for t in range(C, n):
            new_interest[t] = p["debt_rate"] * bal
            bal -= ds[t] - new_interest[t] - cover_fee * bal
        delta = np.abs(new_interest - interest).max()
        interest = new_interest
        if delta < 1e-4:
            break
    return D, ds, interest


def waterfall(p, tl, s, tax, plan, D, ds, rf):
    """§11-§12 equity flows and §14 debt losses for N paths, the debt (D, ds) fixed.
    Returns eq (n, N), gross shortfall PV, net loss PV (arrears at T), default flag, and
    CFADS (n, N)."""
    C, T, n = tl["C"], tl["T"], tl["n"]
    N = s["ebitda"].shape[1]
    dsra_f = p["dsra_months"] / 12
    cfads = s["ebitda"] - tax - plan                       # §8 (zero in construction)
    cfads[:C] = 0.0
    eq = np.zeros((n, N))
    eq[:C] = -(s["capex"][:C] - s["grants"][:C])            # §11
    dsra = np.full(N, dsra_f * ds[C])
    eq[C - 1] -= p["upfront_fee"] * D + dsra - D
    mra = np.zeros(N)
    trapped = np.zeros(N)
    arrears = np.zeros(N)
    gross_pv = np.zeros(N)
    default = np.zeros(N, dtype=bool)
    for t in range(C, n):
        cash = s["ebitda"][t] - tax[t] + s["resid"][t] + trapped
        # MRA accrual, as far as cash allows
        pay = np.minimum(plan[t], np.maximum(cash, 0.0))
        cash = cash - pay
        mra = mra + pay
        # refresh paid from the MRA; equity pays the gap
        k = tl["refresh"][t]
        if k >= 1:
            use = np.minimum(mra, s["H"][k])
            mra = mra - use
            eq[t] -= s["H"][k] - use
        # debt service plus arrears with interest: cash first, then the DSRA
        due = ds[t] + arrears * (1 + rf)
        from_cash = np.minimum(due, np.maximum(cash, 0.0))
        cash = cash - from_cash
        rest = due - from_cash
        from_dsra = np.minimum(rest, dsra)
        dsra = dsra - from_dsra
        unpaid = rest - from_dsra
        shortfall = np.maximum(0.0, unpaid - arrears * (1 + rf))   # §14 newly unpaid
        gross_pv += shortfall / (1 + rf) ** (t - (C - 1))
        default |= shortfall > 0
        arrears = unpaid
        # DSRA to 6 months of next year's service: refill from cash or release the excess
        target = dsra_f * (ds[t + 1] if t + 1 < n else 0.0)
        refill = np.where(dsra < target, np.minimum(target - dsra, np.maximum(cash, 0.0)), 0.0)
        release = np.where(dsra > target, dsra - target, 0.0)
        dsra = dsra + refill - release
        cash = cash - refill + release
        # negative cash is covered by equity
        eq[t] += np.minimum(cash, 0.0)
        cash = np.maximum(cash, 0.0)
        # distribute unless in arrears or below the lock-up DSCR
        if ds[t] == 0:
            unlocked = arrears <= 0
        else:
            unlocked = (arrears <= 0) & (cfads[t] / ds[t] >= p["lockup_dscr"])
        eq[t] += np.where(unlocked, cash, 0.0)
        trapped = np.where(unlocked, 0.0, cash)
    eq[T] += trapped + mra + dsra                           # the year-T sweep
    net_pv = arrears / (1 + rf) ** (T - (C - 1))
    return eq, gross_pv, net_pv, default, cfads


def npv_and_slope(flows, r):
    """NPV(r) and dNPV/dr for flows (n, M) at rates r (M,), Horner from the last year."""
    v = 1.0 / (1.0 + r)
    f = np.zeros_like(r)
    df = np.zeros_like(r)
    for t in range(flows.shape[0] - 1, -1, -1):
        df = df * v + f          # d/dv of Σ x_t v^t, by Horner
        f = f * v + flows[t]
    return f, -df * v * v        # dv/dr = -v²


def irr_vec(flows, chunk=50_000):
    """Equity IRR of every column of flows (n, N), NaN where undefined (see the module
    docstring for the convention and the choice among several roots)."""
    n, N = flows.shape
    out = np.full(N, np.nan)
    defined = (np.isfinite(flows).all(axis=0) & (flows > 0).any(axis=0)
               & (flows < 0).any(axis=0))
    disc = (1.0 + IRR_GRID)[:, None] ** -np.arange(n)[None, :]   # (grid, n)
    lo = np.full(N, np.nan)
    hi = np.full(N, np.nan)
    for c0 in range(0, N, chunk):                                 # bound the memory
        sl = slice(c0, min(c0 + chunk, N))
        f = disc @ flows[:, sl]                                   # NPV on the grid
        change = (f[:-1] == 0) | (f[1:] == 0) | ((f[:-1] > 0) != (f[1:] > 0))
        up = change[IRR_ZERO:]                  # brackets with r_i >= 0: take the lowest
        has_up = up.any(axis=0)
        i_up = IRR_ZERO + up.argmax(axis=0)
        down = change[:IRR_ZERO][::-1]          # brackets with r_{i+1} <= 0: the highest
        has_down = down.any(axis=0)
        i_down = IRR_ZERO - 1 - down.argmax(axis=0)
        i = np.where(has_up, i_up, i_down)
        ok = (has_up | has_down) & defined[sl]
        lo[sl] = np.where(ok, IRR_GRID[i], np.nan)
        hi[sl] = np.where(ok, IRR_GRID[np.minimum(i + 1, len(IRR_GRID) - 1)], np.nan)
        del f, change
    sel = np.nonzero(np.isfinite(lo))[0]
    if len(sel) == 0:
        return out
    x = flows[:, sel]
    a, b = lo[sel], hi[sel]
    fa, _ = npv_and_slope(x, a)
    fb, _ = npv_and_slope(x, b)
    r = 0.5 * (a + b)
    done = np.zeros(len(sel), dtype=bool)
    # a root on a grid point is the answer as it is
    r = np.where(fa == 0, a, np.where(fb == 0, b, r))
    done |= (fa == 0) | (fb == 0)
    rising = fa < 0
    for _ in range(NEWTON_MAXIT):
        act = ~done
        if not act.any():
            break
        f, df = npv_and_slope(x, r)
        hit = act & (f == 0)
        done |= hit
        act &= ~hit
        # narrow the bracket on the side of r's sign
        left = act & ((f < 0) == rising)
        a = np.where(left, r, a)
        b = np.where(act & ~left, r, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = r - f / df
        inside = (newton > a) & (newton < b)
        nxt = np.where(inside, newton, 0.5 * (a + b))
        conv = act & (np.abs(nxt - r) <= NEWTON_TOL)
        r = np.where(act, nxt, r)
        done |= conv
    out[sel] = r
    return out


def base_case(p):
    """Deterministic base case (N = 1): the debt the Monte Carlo keeps fixed, and the base
    metrics FINANCE.md lists."""
    tl = timeline(p)
    x = {k: np.array([float(p[k])]) for k in DRAWN}
    s = series(p, tl, x)
    plan = mra_plan(tl, s)
    rf = p["debt_rate"] + p["guarantee"]["cover"] * p["guarantee"]["fee"]
    D, ds, interest = size_debt(p, tl, s, plan, rf)
    tax = taxes(p, tl, s, interest)
    eq, gross, net, default, cfads = waterfall(p, tl, s, tax, plan, D, ds, rf)
    C = tl["C"]
    dscr = [cfads[t, 0] / ds[t] for t in range(tl["n"]) if ds[t] > 0]
    return dict(tl=tl, D=D, ds=ds, interest=interest, rf=rf, plan=plan[:, 0],
                rpf=float(p["refresh_price_factor"]),
                debt=D, equity_irr=float(irr_vec(eq)[0]),
                equity_initial=float(-eq[:C, 0].sum()), min_dscr=min(dscr),
                default=bool(default[0]), gross=float(gross[0]), net=float(net[0]))


def check_base(base):
    """The base case must reproduce FINANCE.md's figures."""
    for key, want in EXPECTED.items():
        got = base[key]
        assert abs(got - want) <= TOLERANCE[key], f"base {key}: {got!r} != {want!r}"


# ----------------------------------------------------------------------------------------
# Draws and the numpy Monte Carlo
# ----------------------------------------------------------------------------------------

def draw(p, N, seed):
    """Independent default draws (FINANCE.md "Monte Carlo"), numpy's default_rng(seed)."""
    rng = np.random.default_rng(seed)
    lognormal = lambda sigma: np.exp(rng.normal(-sigma ** 2 / 2, sigma, N))
    x = {}
    x["p_new"] = p["p_new"] * lognormal(SIGMA_P_NEW)
    x["p_decline"] = rng.triangular(P_DECLINE_LO, p["p_decline"], P_DECLINE_HI, N)
    x["util"] = np.clip(rng.normal(p["util"], UTIL_SD, N), UTIL_LO, UTIL_HI)
    x["fac_capex_per_mw_it"] = p["fac_capex_per_mw_it"] * np.exp(rng.normal(0.0, SIGMA_FAC, N))
    x["refresh_price_factor"] = (p["refresh_price_factor"]
                                 * np.exp(rng.normal(0.0, SIGMA_REFRESH, N)))
    x["elec_price"] = p["elec_price"] * lognormal(SIGMA_ELEC)
    return x


def monte_carlo_numpy(p, base, x):
    """Per-path results of the Monte Carlo, the base case's debt fixed."""
    tl = base["tl"]
    s = series(p, tl, x)
    scale = x["refresh_price_factor"] / base["rpf"] if base["rpf"] else np.ones_like(x["p_new"])
    plan = base["plan"][:, None] * scale[None, :]
    tax = taxes(p, tl, s, base["interest"])
    eq, gross, net, default, cfads = waterfall(p, tl, s, tax, plan, base["D"], base["ds"],
                                               base["rf"])
    ds = base["ds"]
    tenor = ds > 0
    min_dscr = (cfads[tenor] / ds[tenor][:, None]).min(axis=0) if tenor.any() \
        else np.full(eq.shape[1], np.nan)
    return dict(irr=irr_vec(eq), min_dscr=min_dscr, default=default, gross=gross, net=net)


def statistics(r):
    """FINANCE.md's Monte Carlo outputs from the per-path results."""
    irr = r["irr"]
    ok = np.isfinite(irr)
    p10, p50, p90 = (np.percentile(irr[ok], [10, 50, 90]) if ok.any() else [math.nan] * 3)
    d05, d50 = np.percentile(r["min_dscr"], [5, 50])
    return dict(
        pd_payment_default=float(r["default"].mean()),
        p_min_dscr_below_1=float((r["min_dscr"] < 1).mean()),
        expected_gross_shortfall=float(r["gross"].mean()),
        expected_net_loss=float(r["net"].mean()),
        equity_irr_p10=float(p10), equity_irr_p50=float(p50), equity_irr_p90=float(p90),
        equity_irr_undefined=int((~ok).sum()),
        min_dscr_p05=float(d05), min_dscr_p50=float(d50),
    )


# ----------------------------------------------------------------------------------------
# numba: one compiled kernel, a loop over the paths (prange) and scalar loops over years
# ----------------------------------------------------------------------------------------

def make_numba_kernel(p, base):
    """An @njit(parallel=True) kernel for inputs p; scalar inputs are frozen into it as
    compile-time constants, the draws and the base debt are arguments."""
    import numba

    tl = base["tl"]
    C, T, n, G = tl["C"], tl["T"], tl["n"], tl["G"]
    K = len(tl["starts"])
    n_acc, kw, pue, idle = float(p["n_acc"]), p["kw_it_per_acc"], p["pue"], p["idle_frac"]
    hw_cost, cont, infl = p["hw_cost_per_acc"], p["contingency"], p["infl"]
    resid_share, mix = p["hw_residual"], (1 - p["pub_share"]) + p["pub_share"] * p["pub_price_factor"]
    elec_esc, fte, cost_fte, staff_esc = p["elec_esc"], float(p["fte"]), p["cost_fte"], p["staff_esc"]
    maint_fac, maint_it, ins_share, other_opex = (p["maint_fac"], p["maint_it"], p["insurance"],
                                                   p["other_opex"])
    tax_rate, fy = p["tax"], int(p["fac_dep_years"])
    g = p["grant_share"]
    gg = g if p["grant_reduces_dep_base"] else 0.0
    dsra_f, upfront, lockup = p["dsra_months"] / 12, p["upfront_fee"], p["lockup_dscr"]
    n_spend = len(p["fac_spend"])

    @numba.njit(inline="always")
    def npv_slope(eq, r):
        v = 1.0 / (1.0 + r)
        f = 0.0
        df = 0.0
        for t in range(eq.shape[0] - 1, -1, -1):
            df = df * v + f
            f = f * v + eq[t]
        return f, -df * v * v

    @numba.njit(inline="always")
    def irr_scalar(eq, grid, izero):
        has_pos = False
        has_neg = False
        for t in range(eq.shape[0]):
            if not np.isfinite(eq[t]):
                return np.nan
            if eq[t] > 0:
                has_pos = True
            elif eq[t] < 0:
                has_neg = True
        if not (has_pos and has_neg):
            return np.nan
        m = grid.shape[0]
        # the lowest bracket at or above r = 0 with a sign change, else the highest below
        found = -1
        f_prev = npv_slope(eq, grid[izero])[0]
        for i in range(izero, m - 1):
            f_next = npv_slope(eq, grid[i + 1])[0]
            if f_prev == 0 or f_next == 0 or ((f_prev > 0) != (f_next > 0)):
                found = i
                break
            f_prev = f_next
        if found < 0:
            f_next = npv_slope(eq, grid[izero])[0]
            for i in range(izero - 1, -1, -1):
                f_prev = npv_slope(eq, grid[i])[0]
                if f_prev == 0 or f_next == 0 or ((f_prev > 0) != (f_next > 0)):
                    found = i
                    break
                f_next = f_prev
        if found < 0:
            return np.nan
        a = grid[found]
        b = grid[found + 1]
        fa = npv_slope(eq, a)[0]
        fb = npv_slope(eq, b)[0]
        if fa == 0:
            return a
        if fb == 0:
            return b
        rising = fa < 0
        r = 0.5 * (a + b)
        for _ in range(NEWTON_MAXIT):
            f, df = npv_slope(eq, r)
            if f == 0:
                return r
            if (f < 0) == rising:
                a = r
            else:
                b = r
            newton = r - f / df
            nxt = newton if (newton > a and newton < b) else 0.5 * (a + b)
            if abs(nxt - r) <= NEWTON_TOL:
                return nxt
            r = nxt
        return r

    @numba.njit(parallel=True, fastmath=False)
    def kernel(p_new, p_decline, util, fac_capex, rpf, elec_price,
               starts, live, age, refresh, fac_spend,
               D, ds, interest, plan_base, rpf_base, rf, grid, izero):
        N = p_new.shape[0]
        irr = np.empty(N)
        min_dscr = np.empty(N)
        default = np.zeros(N, dtype=np.bool_)
        gross = np.empty(N)
        net = np.empty(N)
        it_mw = n_acc * kw / 1000.0
        H0 = n_acc * hw_cost * (1.0 + cont)
        for i in numba.prange(N):
            F = it_mw * fac_capex[i] * (1.0 + cont)
            H = np.empty(K)
            H[0] = H0
            for k in range(1, K):
                H[k] = H0 * rpf[i] * (1.0 + infl) ** (starts[k] - (C - 1))
            scale = rpf[i] / rpf_base if rpf_base != 0 else 1.0
            kwh = n_acc * kw * (idle + (1.0 - idle) * util[i]) * 8760.0 * pue
            eq = np.zeros(n)
            # construction: capex less grants; the debt drawn, less fee and DSRA funding
            for t in range(C):
                capex = (fac_spend[t] * F if t < n_spend else 0.0) + (H0 if t == C - 1 else 0.0)
                eq[t] = -(capex - g * capex)
            dsra = dsra_f * ds[C]
            eq[C - 1] -= upfront * D + dsra - D
            pool = 0.0
            mra = 0.0
            trapped = 0.0
            arrears = 0.0
            gpv = 0.0
            dmin = np.inf
            for t in range(C, n):
                y = t - C
                k = live[t]
                price = p_new[i] * (1.0 - p_decline[i]) ** age[t] * (1.0 + infl) ** y
                rev = n_acc * 8760.0 * util[i] * price * mix
                opex = (kwh * elec_price[i] * (1.0 + elec_esc) ** y
                        + fte * cost_fte * (1.0 + staff_esc) ** y
                        + maint_fac * F * (1.0 + infl) ** y + maint_it * H[k]
                        + ins_share * (F + H[k])
                        + other_opex * (1.0 + infl) ** y)
                ebitda = rev - opex
                # resale: the retired generation in a refresh year, the last one in T
                resid = 0.0
                kr = refresh[t]
                if kr >= 1:
                    resid += resid_share * H[kr - 1]
                if t == T:
                    resid += resid_share * H[K - 1]
                # tax depreciation: facility, then whichever generation's window holds t
                dep = F * (1.0 - gg) / fy if t < C + fy else 0.0
                for j in range(K):
                    if starts[j] + 1 <= t <= starts[j] + G:
                        dep += (H[j] * (1.0 - gg) if j == 0 else H[j]) / G
                taxable = ebitda - dep - interest[t] + resid
                tax = 0.0
                if taxable < 0:
                    pool -= taxable
                else:
                    use = min(pool, taxable)
                    pool -= use
                    tax = tax_rate * (taxable - use)
                plan = plan_base[t] * scale
                cfads = ebitda - tax - plan
                if ds[t] > 0:
                    dmin = min(dmin, cfads / ds[t])
                # waterfall
                cash = ebitda - tax + resid + trapped
                trapped = 0.0
                pay = min(plan, max(cash, 0.0))
                cash -= pay
                mra += pay
                if kr >= 1:
                    use = min(mra, H[kr])
                    mra -= use
                    eq[t] -= H[kr] - use
                due = ds[t] + arrears * (1.0 + rf)
                from_cash = min(due, max(cash, 0.0))
                cash -= from_cash
                rest = due - from_cash
                from_dsra = min(rest, dsra)
                dsra -= from_dsra
                unpaid = rest - from_dsra
                short = max(0.0, unpaid - arrears * (1.0 + rf))
                if short > 0:
                    default[i] = True
                gpv += short / (1.0 + rf) ** (t - (C - 1))
                arrears = unpaid
                target = dsra_f * ds[t + 1] if t + 1 < n else 0.0
                if dsra < target:
                    add = min(target - dsra, max(cash, 0.0))
                    dsra += add
                    cash -= add
                elif dsra > target:
                    cash += dsra - target
                    dsra = target
                if cash < 0:
                    eq[t] += cash
                    cash = 0.0
                if arrears <= 0 and (ds[t] == 0 or cfads / ds[t] >= lockup):
                    eq[t] += cash
                else:
                    trapped = cash
            eq[T] += trapped + mra + dsra
            gross[i] = gpv
            net[i] = arrears / (1.0 + rf) ** (T - (C - 1))
            min_dscr[i] = dmin if dmin < np.inf else np.nan
            irr[i] = irr_scalar(eq, grid, izero)
        return irr, min_dscr, default, gross, net

    args_fixed = (tl["starts"], tl["live"], tl["age"], tl["refresh"],
                  np.asarray(p["fac_spend"], dtype=np.float64),
                  float(base["D"]), np.asarray(base["ds"], dtype=np.float64),
                  np.asarray(base["interest"], dtype=np.float64),
                  np.asarray(base["plan"], dtype=np.float64), float(base["rpf"]),
                  float(base["rf"]), IRR_GRID, IRR_ZERO)

    def run(x):
        irr, min_dscr, default, gross, net = kernel(*(x[k] for k in DRAWN), *args_fixed)
        return dict(irr=irr, min_dscr=min_dscr, default=default, gross=gross, net=net)

    return run


def agree(a, b):
    """numba and numpy per-path results must agree path by path."""
    ia, ib = a["irr"], b["irr"]
    assert np.array_equal(np.isnan(ia), np.isnan(ib)), "IRR defined on different paths"
    ok = ~np.isnan(ia)
    worst = np.abs(ia[ok] - ib[ok]).max() if ok.any() else 0.0
    assert worst <= 1e-9, f"IRR differs by {worst}"
    assert np.array_equal(a["default"], b["default"]), "default flags differ"
    for key in ("min_dscr", "gross", "net"):
        assert np.allclose(a[key], b[key], rtol=1e-9, atol=1e-6, equal_nan=True), key


def best_of(k, fn):
    best, out = math.inf, None
    for _ in range(k):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--paths", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check", action="store_true", help="base case only: print and assert")
    args = ap.parse_args()

    p = dict(BASE)
    base = base_case(p)
    check_base(base)
    if args.check:
        print(json.dumps({k: base[k] for k in ("debt", "equity_irr", "equity_initial",
                                               "min_dscr")}))
        print("base case reproduces FINANCE.md: "
              + ", ".join(f"{k} {EXPECTED[k]} (tol {TOLERANCE[k]})" for k in EXPECTED))
        return

    N, seed = args.paths, args.seed

    def numpy_run():  # the draws are part of the numpy timing
        x = draw(p, N, seed)
        return x, monte_carlo_numpy(p, base, x)

    numpy_seconds, (x, res) = best_of(3, numpy_run)
    out = dict(paths=N, seed=seed, numpy_seconds=numpy_seconds, numba_compile_seconds=None,
               numba_seconds=None, numba_threads=None)
    numba_version = None
    try:
        import numba
        numba_version = numba.__version__
    except ImportError:
        pass
    if numba_version:
        run = make_numba_kernel(p, base)
        t0 = time.perf_counter()
        nb = run(x)
        out["numba_compile_seconds"] = time.perf_counter() - t0
        agree(nb, res)
        out["numba_seconds"], nb = best_of(3, lambda: run(x))
        agree(nb, res)
        out["numba_threads"] = numba.get_num_threads()
    out.update(statistics(res))
    out.update(base_debt=base["debt"], base_equity_irr=base["equity_irr"],
               numpy=np.__version__, numba=numba_version)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
