"""Plain-Python reading of domain/FINANCE.md (reference model v1).

Used by scripts/bench-finance.sh as the baseline the Rust engine is compared with:
one Monte Carlo path's arithmetic (series, tax, waterfall) in plain Python, no numpy.
It is also a second, independent reading of the specification: the benchmark checks
that both give the same base-case metrics before timing anything.
"""

import json
import math
import sys

BASE = dict(
    n_acc=100000, hw_cost_per_acc=45000.0, kw_it_per_acc=1.9, pue=1.2, idle_frac=0.30,
    fac_capex_per_mw_it=10e6, contingency=0.05, constr_years=2, fac_spend=[0.5, 0.5],
    op_years=15, gen_life=5, refresh_price_factor=1.0, hw_residual=0.10, util=0.80,
    p_new=3.50, p_decline=0.12, infl=0.02, pub_share=0.10, pub_price_factor=0.5,
    elec_price=0.12, elec_esc=0.02, fte=250, cost_fte=120000.0, staff_esc=0.03,
    maint_fac=0.02, maint_it=0.04, insurance=0.005, other_opex=40e6, tax=0.25,
    fac_dep_years=15, grant_share=0.20, grant_reduces_dep_base=True, debt_rate=0.06,
    dscr=1.35, tenor=10, max_gearing=0.60, upfront_fee=0.015, dsra_months=6,
    lockup_dscr=1.10, disc_equity=0.12, disc_project=0.08, ref_rate_funding_gap=0.06,
    guarantee=dict(type="none", cover=0.0, fee=0.0, first_loss_cap=0.0),
)


def npv(rate, xs):
    return sum(x / (1 + rate) ** t for t, x in enumerate(xs))


def irr(xs):
    """Bisection on NPV over (-0.99, 10): 64 halvings reach the float resolution."""
    lo, hi = -0.99, 10.0
    flo = npv(lo, xs)
    if flo * npv(hi, xs) > 0:
        return float("nan")
    for _ in range(64):
        mid = (lo + hi) / 2
        fm = npv(mid, xs)
        if flo * fm <= 0:
            hi = mid
        else:
            lo, flo = mid, fm
    return (lo + hi) / 2


def series(p):
    C, L, G = p["constr_years"], p["op_years"], p["gen_life"]
    T = C + L - 1
    n = T + 1
    it_mw = p["n_acc"] * p["kw_it_per_acc"] / 1000
    F = it_mw * p["fac_capex_per_mw_it"] * (1 + p["contingency"])
    H0 = p["n_acc"] * p["hw_cost_per_acc"] * (1 + p["contingency"])
    starts = [C - 1] + [C - 1 + k * G for k in range(1, math.ceil(L / G))]
    H = [H0] + [H0 * p["refresh_price_factor"] * (1 + p["infl"]) ** (s - (C - 1)) for s in starts[1:]]
    capex = [0.0] * n
    resid = [0.0] * n
    for i, share in enumerate(p["fac_spend"]):
        capex[i] += share * F
    capex[C - 1] += H0
    for k in range(1, len(starts)):
        capex[starts[k]] += H[k]
        resid[starts[k]] += p["hw_residual"] * H[k - 1]
    resid[T] += p["hw_residual"] * H[-1]
    g = p["grant_share"]
    grants = [g * capex[t] if t < C else 0.0 for t in range(n)]
    rev = [0.0] * n
    opex = [0.0] * n
    elec = [0.0] * n
    live = [None] * n
    kwh = p["n_acc"] * p["kw_it_per_acc"] * (p["idle_frac"] + (1 - p["idle_frac"]) * p["util"]) * 8760 * p["pue"]
    mix = (1 - p["pub_share"]) + p["pub_share"] * p["pub_price_factor"]
    for t in range(C, n):
        k = max(i for i, s in enumerate(starts) if s < t)
        live[t] = k
        age = t - starts[k] - 1
        y = t - C
        price = p["p_new"] * (1 - p["p_decline"]) ** age * (1 + p["infl"]) ** y
        rev[t] = p["n_acc"] * 8760 * p["util"] * price * mix
        elec[t] = kwh * p["elec_price"] * (1 + p["elec_esc"]) ** y
        staff = p["fte"] * p["cost_fte"] * (1 + p["staff_esc"]) ** y
        maint = p["maint_fac"] * F * (1 + p["infl"]) ** y + p["maint_it"] * H[k]
        ins = p["insurance"] * (F + H[k])
        other = p["other_opex"] * (1 + p["infl"]) ** y
        opex[t] = elec[t] + staff + maint + ins + other
    ebitda = [rev[t] - opex[t] for t in range(n)]

    def dep(reduced):
        gg = g if (reduced and p["grant_reduces_dep_base"]) else 0.0
        d = [0.0] * n
        fy = p["fac_dep_years"]
        for t in range(C, min(C + fy, n)):
            d[t] += F * (1 - gg) / fy
        for k, s in enumerate(starts):
            base = H[k] * (1 - gg) if k == 0 else H[k]
            for t in range(s + 1, min(s + G + 1, n)):
                d[t] += base / G
        return d

    # MRA accrual plan
    mra = [0.0] * n
    for k in range(1, len(starts)):
        yrs = list(range(starts[k - 1] + 1, starts[k] + 1))
        w = [max(ebitda[t], 0.0) for t in yrs]
        sw = sum(w)
        for t, wt in zip(yrs, w):
            mra[t] += H[k] * (wt / sw if sw > 0 else 1 / len(yrs))
    return dict(C=C, T=T, n=n, F=F, H=H, starts=starts, capex=capex, resid=resid, grants=grants,
                rev=rev, opex=opex, elec=elec, ebitda=ebitda, dep_reduced=dep(True), dep_full=dep(False),
                mra=mra, it_mw=it_mw)


def taxes(p, s, dep, interest):
    out = [0.0] * s["n"]
    pool = 0.0
    for t in range(s["C"], s["n"]):
        x = s["ebitda"][t] - dep[t] - interest[t] + s["resid"][t]
        if x < 0:
            pool += -x
        else:
            use = min(pool, x)
            pool -= use
            out[t] = p["tax"] * (x - use)
    return out


def sculpt(p, s, cfads, rf):
    C, n = s["C"], s["n"]
    tenor = [t for t in range(C, n) if t < C + p["tenor"]]
    dss = [0.0] * n
    for t in tenor:
        dss[t] = max(cfads[t], 0.0) / p["dscr"]
    dstar = sum(dss[t] / (1 + rf) ** (t - (C - 1)) for t in tenor)
    cap = p["max_gearing"] * (sum(s["capex"][:C]) - sum(s["grants"][:C]))
    D = min(max(dstar, 0.0), cap)
    ds = [x * D / dstar if dstar > 0 else 0.0 for x in dss]
    return D, ds


def debt_schedule(p, D, ds, n, C):
    g = p["guarantee"]
    interest = [0.0] * n
    fee = [0.0] * n
    bal = [0.0] * n
    bal[C - 1] = D
    for t in range(C, n):
        interest[t] = p["debt_rate"] * bal[t - 1]
        fee[t] = g["cover"] * g["fee"] * bal[t - 1]
        bal[t] = bal[t - 1] - (ds[t] - interest[t] - fee[t])
    return interest, fee, bal


def waterfall(p, s, tax, cfads, ds, D, mra_plan, rf):
    C, T, n = s["C"], s["T"], s["n"]
    dsra_f = p["dsra_months"] / 12
    eq = [0.0] * n
    for t in range(C):
        eq[t] = -(s["capex"][t] - s["grants"][t])
    dsra = dsra_f * ds[C] if C < n else 0.0
    eq[C - 1] -= p["upfront_fee"] * D + dsra - D
    mra_bal = 0.0
    trapped = 0.0
    arrears = 0.0
    shortfall = [0.0] * n
    unpaid_end = 0.0
    for t in range(C, n):
        cash = s["ebitda"][t] - tax[t] + s["resid"][t] + trapped
        trapped = 0.0
        pay = min(mra_plan[t], max(cash, 0.0))
        cash -= pay
        mra_bal += pay
        if t in s["starts"][1:]:
            k = s["starts"].index(t)
            cost = s["H"][k]
            use = min(mra_bal, cost)
            mra_bal -= use
            eq[t] -= cost - use
        due = ds[t] + arrears * (1 + rf)
        from_cash = min(due, max(cash, 0.0))
        cash -= from_cash
        rest = due - from_cash
        from_dsra = min(rest, dsra)
        dsra -= from_dsra
        unpaid = rest - from_dsra
        shortfall[t] = max(0.0, unpaid - arrears * (1 + rf))
        arrears = unpaid
        target = dsra_f * (ds[t + 1] if t + 1 < n else 0.0)
        if dsra < target:
            add = min(target - dsra, max(cash, 0.0))
            dsra += add
            cash -= add
        elif dsra > target:
            cash += dsra - target
            dsra = target
        if cash < 0:
            eq[t] += cash  # equity covers the gap: a negative equity flow
            cash = 0.0
        if arrears <= 0 and (ds[t] == 0 or cfads[t] / ds[t] >= p["lockup_dscr"]):
            eq[t] += cash
        else:
            trapped = cash
    eq[T] += trapped + mra_bal + dsra
    unpaid_end = arrears
    return eq, shortfall, unpaid_end


def run(p):
    s = series(p)
    C, T, n = s["C"], s["T"], s["n"]
    g = p["guarantee"]
    rf = p["debt_rate"] + g["cover"] * g["fee"]
    interest = [0.0] * n
    for _ in range(200):
        tax = taxes(p, s, s["dep_reduced"], interest)
        cfads = [s["ebitda"][t] - tax[t] - s["mra"][t] if t >= C else 0.0 for t in range(n)]
        D, ds = sculpt(p, s, cfads, rf)
        new_int, fee, bal = debt_schedule(p, D, ds, n, C)
        delta = max(abs(a - b) for a, b in zip(new_int, interest))
        interest = new_int
        if delta < 1e-4:
            break
    tax = taxes(p, s, s["dep_reduced"], interest)
    cfads = [s["ebitda"][t] - tax[t] - s["mra"][t] if t >= C else 0.0 for t in range(n)]
    eq, shortfall, unpaid = waterfall(p, s, tax, cfads, ds, D, s["mra"], rf)
    tax_full = taxes(p, s, s["dep_full"], [0.0] * n)
    tax_red = taxes(p, s, s["dep_reduced"], [0.0] * n)
    pre = [s["ebitda"][t] - tax_full[t] - s["capex"][t] + s["resid"][t] for t in range(n)]
    post = [s["ebitda"][t] - tax_red[t] - s["capex"][t] + s["resid"][t] + s["grants"][t] for t in range(n)]
    cum = 0.0
    payback = None
    for t, x in enumerate(eq):
        prev = cum
        cum += x
        if prev <= 0 < cum and t >= C:
            payback = t - cum / x
            break
    dscrs = [cfads[t] / ds[t] for t in range(C, n) if t < C + p["tenor"] and ds[t] > 0]
    return dict(
        initial_capex=sum(s["capex"][:C]), lifetime_capex=sum(s["capex"]), debt=D,
        equity_initial=-sum(eq[:C]), project_irr_pre_grant=irr(pre), project_irr_post_grant=irr(post),
        equity_irr=irr(eq), equity_npv=npv(p["disc_equity"], eq), min_dscr=min(dscrs),
        llcr_at_drawdown=sum(cfads[t] / (1 + rf) ** (t - (C - 1)) for t in range(C, min(C + p["tenor"], n))) / D,
        equity_payback_years=payback, first_year_revenue=s["rev"][C], first_year_opex=s["opex"][C],
        shortfall=sum(shortfall), unpaid=unpaid,
    )




def base_debt(p):
    """The base case's debt: size, debt service and interest, fixed for every path."""
    s = series(p)
    g = p["guarantee"]
    rf = p["debt_rate"] + g["cover"] * g["fee"]
    interest = [0.0] * s["n"]
    for _ in range(200):
        tax = taxes(p, s, s["dep_reduced"], interest)
        cfads = [s["ebitda"][t] - tax[t] - s["mra"][t] if t >= s["C"] else 0.0 for t in range(s["n"])]
        D, ds = sculpt(p, s, cfads, rf)
        new_int, _fee, _bal = debt_schedule(p, D, ds, s["n"], s["C"])
        delta = max(abs(a - b) for a, b in zip(new_int, interest))
        interest = new_int
        if delta < 1e-4:
            break
    return dict(D=D, ds=ds, interest=interest, rf=rf, mra=s["mra"], rpf=p["refresh_price_factor"])


def path(p, debt, draw):
    """One Monte Carlo path: the inputs with the path's draws, the base case's debt."""
    q = dict(p)
    q.update(draw)
    s = series(q)
    scale = q["refresh_price_factor"] / debt["rpf"] if debt["rpf"] else 1.0
    plan = [x * scale for x in debt["mra"]]
    tax = taxes(q, s, s["dep_reduced"], debt["interest"])
    cfads = [s["ebitda"][t] - tax[t] - plan[t] if t >= s["C"] else 0.0 for t in range(s["n"])]
    eq, shortfall, unpaid = waterfall(q, s, tax, cfads, debt["ds"], debt["D"], plan, debt["rf"])
    C = s["C"]
    dscrs = [cfads[t] / debt["ds"][t] for t in range(C, s["n"]) if debt["ds"][t] > 0]
    return dict(equity_irr=irr(eq), min_dscr=min(dscrs) if dscrs else float("nan"),
                default=any(x > 0 for x in shortfall))


def draws(p, rng):
    def tri(a, c, b):
        return rng.triangular(a, b, c)
    return dict(
        p_new=p["p_new"] * math.exp(rng.gauss(-0.02, 0.20)),
        p_decline=tri(0.06, p["p_decline"], 0.20),
        util=min(0.95, max(0.40, rng.gauss(p["util"], 0.07))),
        fac_capex_per_mw_it=p["fac_capex_per_mw_it"] * math.exp(rng.gauss(0, 0.10)),
        refresh_price_factor=p["refresh_price_factor"] * math.exp(rng.gauss(0, 0.15)),
        elec_price=p["elec_price"] * math.exp(rng.gauss(-0.03125, 0.25)),
    )


def bench(n):
    """Times n Monte Carlo paths of the base case, one after another."""
    import random
    import time
    p = dict(BASE)
    debt = base_debt(p)
    rng = random.Random(1)
    draws_list = [draws(p, rng) for _ in range(n)]
    t = time.perf_counter()
    defaults = sum(path(p, debt, d)["default"] for d in draws_list)
    el = time.perf_counter() - t
    base = run(p)
    return dict(paths=n, seconds=el, us_per_path=el / n * 1e6, pd_payment_default=defaults / n,
                base_debt=base["debt"], base_equity_irr=base["equity_irr"],
                python=sys.version.split()[0])


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--bench":
        print(json.dumps(bench(int(sys.argv[2]))))
    else:
        p = dict(BASE)
        if len(sys.argv) > 1:
            p.update(json.loads(sys.argv[1]))
        print(json.dumps(run(p), indent=1))
