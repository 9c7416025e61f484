//! Layer 1 of FINANCE.md: the yearly series (capex, grants, revenue, opex, EBITDA,
//! depreciation, resale, the refresh-reserve plan), from the driver model or from a bid's
//! own lines. Years are t = 0..=T, construction t < C.

use super::inputs::{Inputs, OwnLines};

/// A generation of IT hardware: bought in `start`, live from `start + 1`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Generation {
    pub start: usize,
    pub cost: f64,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Series {
    /// Construction years C.
    pub c: usize,
    /// Number of years T + 1.
    pub n: usize,
    pub it_mw: f64,
    pub facility_mw: f64,
    /// Facility capex F (all years).
    pub facility_capex: f64,
    pub gens: Vec<Generation>,
    pub capex: Vec<f64>,
    pub resid: Vec<f64>,
    pub grants: Vec<f64>,
    pub revenue: Vec<f64>,
    pub opex: Vec<f64>,
    pub electricity: Vec<f64>,
    pub ebitda: Vec<f64>,
    /// Tax depreciation with the base reduced by grants (when the inputs say so).
    pub dep_reduced: Vec<f64>,
    /// Tax depreciation on the full base (project flows before grants).
    pub dep_full: Vec<f64>,
    /// The refresh reserve's accrual plan (§7).
    pub mra_plan: Vec<f64>,
    /// Generation live in each operating year (index into `gens`).
    pub live: Vec<Option<usize>>,
}

impl Series {
    /// `Some(k)` when a refresh (generation k ≥ 1) is bought in year t.
    pub fn refresh_at(&self, t: usize) -> Option<usize> {
        self.gens
            .iter()
            .skip(1)
            .position(|g| g.start == t)
            .map(|i| i + 1)
    }

    pub fn initial_capex(&self) -> f64 {
        self.capex[..self.c].iter().sum()
    }

    pub fn initial_grants(&self) -> f64 {
        self.grants[..self.c].iter().sum()
    }
}

/// The series of the inputs: the driver model, or the bid's own lines when present.
pub fn build(p: &Inputs) -> Series {
    let mut s = Series::default();
    build_into(p, &mut s);
    s
}

/// [`build`] into a series whose vectors are reused: a Monte Carlo path allocates nothing.
pub fn build_into(p: &Inputs, s: &mut Series) {
    let c = p.constr_years as usize;
    let l = p.op_years as usize;
    let n = c + l;
    let it_mw = p.n_acc * p.kw_it_per_acc / 1000.0;
    s.c = c;
    s.n = n;
    s.it_mw = it_mw;
    s.facility_mw = it_mw * p.pue;
    s.facility_capex = 0.0;
    s.gens.clear();
    for v in [
        &mut s.capex,
        &mut s.resid,
        &mut s.grants,
        &mut s.revenue,
        &mut s.opex,
        &mut s.electricity,
        &mut s.ebitda,
        &mut s.dep_reduced,
        &mut s.dep_full,
        &mut s.mra_plan,
    ] {
        v.clear();
        v.resize(n, 0.0);
    }
    s.live.clear();
    s.live.resize(n, None);
    match &p.own_lines {
        None => driver_capex(p, s),
        Some(lines) => own_capex(p, lines, s),
    }
    // Resale of a retired generation in the year of its successor, of the last one in T.
    for k in 1..s.gens.len() {
        s.resid[s.gens[k].start] += p.hw_residual * s.gens[k - 1].cost;
    }
    if let Some(last) = s.gens.last() {
        s.resid[n - 1] += p.hw_residual * last.cost;
    }
    for t in 0..c {
        s.grants[t] = p.grant_share * s.capex[t];
    }
    revenue_and_opex(p, s);
    let mut dep = std::mem::take(&mut s.dep_reduced);
    depreciation(p, s, true, &mut dep);
    s.dep_reduced = dep;
    let mut dep = std::mem::take(&mut s.dep_full);
    depreciation(p, s, false, &mut dep);
    s.dep_full = dep;
    mra_plan(s);
}

fn driver_capex(p: &Inputs, s: &mut Series) {
    let c = s.c;
    let f = s.it_mw * p.fac_capex_per_mw_it * (1.0 + p.contingency);
    s.facility_capex = f;
    for (i, share) in p.fac_spend.iter().enumerate().take(s.n) {
        s.capex[i] += share * f;
    }
    let h0 = p.n_acc * p.hw_cost_per_acc * (1.0 + p.contingency);
    s.gens.push(Generation {
        start: c - 1,
        cost: h0,
    });
    let g = p.gen_life as usize;
    let refreshes = (p.op_years as usize).div_ceil(g).saturating_sub(1);
    for k in 1..=refreshes {
        let start = c - 1 + k * g;
        let cost = h0 * p.refresh_price_factor * (1.0 + p.infl).powi((start - (c - 1)) as i32);
        s.gens.push(Generation { start, cost });
    }
    for generation in &s.gens {
        s.capex[generation.start] += generation.cost;
    }
    let kwh = kwh_per_year(p);
    // The growth factors (1 + x)^(t − C), one multiplication a year.
    let (mut infl, mut elec_esc, mut staff_esc) = (1.0, 1.0, 1.0);
    for t in s.c..s.n {
        let k = live_generation(&s.gens, t);
        s.live[t] = k;
        let h = k.map_or(0.0, |k| s.gens[k].cost);
        s.electricity[t] = kwh * p.elec_price * elec_esc;
        let staff = p.fte * p.cost_fte * staff_esc;
        let maintenance = p.maint_fac * f * infl + p.maint_it * h;
        let insurance = p.insurance * (f + h);
        let other = p.other_opex * infl;
        s.opex[t] = s.electricity[t] + staff + maintenance + insurance + other;
        infl *= 1.0 + p.infl;
        elec_esc *= 1.0 + p.elec_esc;
        staff_esc *= 1.0 + p.staff_esc;
    }
}

fn kwh_per_year(p: &Inputs) -> f64 {
    p.n_acc * p.kw_it_per_acc * (p.idle_frac + (1.0 - p.idle_frac) * p.util) * 8760.0 * p.pue
}

/// The bid's lines, scaled by the analyst's inputs against the values they were derived at.
fn own_capex(p: &Inputs, lines: &OwnLines, s: &mut Series) {
    let c = s.c;
    let fac_ratio = p.fac_capex_per_mw_it / lines.ref_fac_capex_per_mw_it;
    let hw_ratio = p.hw_cost_per_acc / lines.ref_hw_cost_per_acc;
    let elec_ratio = p.elec_price / lines.ref_elec_price;
    for (t, amount) in lines.facility.iter().enumerate().take(c) {
        s.capex[t] += amount * fac_ratio;
        s.facility_capex += amount * fac_ratio;
    }
    let h0: f64 = lines.it.iter().take(c).sum::<f64>() * hw_ratio;
    for (t, amount) in lines.it.iter().enumerate().take(c) {
        s.capex[t] += amount * hw_ratio;
    }
    s.gens.push(Generation {
        start: c - 1,
        cost: h0,
    });
    for (t, amount) in lines.it.iter().enumerate().skip(c).take(s.n - c) {
        if *amount > 0.0 && t < s.n - 1 {
            let cost = amount * hw_ratio * p.refresh_price_factor;
            s.gens.push(Generation { start: t, cost });
            s.capex[t] += cost;
        }
    }
    // The first generation is spread over the construction years in the lines but bought,
    // for depreciation and revenue, in C − 1 (as in the driver model).
    for t in c..s.n {
        s.live[t] = live_generation(&s.gens, t);
        let i = t - c;
        let elec = lines.electricity.get(i).copied().unwrap_or(0.0) * elec_ratio;
        s.electricity[t] = elec;
        s.opex[t] = elec + lines.other_opex.get(i).copied().unwrap_or(0.0);
    }
}

/// The latest generation bought before year t.
fn live_generation(gens: &[Generation], t: usize) -> Option<usize> {
    gens.iter().rposition(|g| g.start < t)
}

fn revenue_and_opex(p: &Inputs, s: &mut Series) {
    let mix = (1.0 - p.pub_share) + p.pub_share * p.pub_price_factor;
    let keep = 1.0 - p.p_decline;
    // (1 + infl)^(t − C) and (1 − p_decline)^age, carried from year to year.
    let (mut infl, mut decline, mut last_age) = (1.0, 1.0, None);
    for t in s.c..s.n {
        if let Some(k) = s.live[t] {
            let age = t - s.gens[k].start - 1;
            decline = match last_age {
                Some(a) if a + 1 == age => decline * keep,
                _ => keep.powi(age as i32),
            };
            last_age = Some(age);
            let price = p.p_new * decline * infl;
            s.revenue[t] = p.n_acc * 8760.0 * p.util * price * mix;
        }
        s.ebitda[t] = s.revenue[t] - s.opex[t];
        infl *= 1.0 + p.infl;
    }
}

/// §5: facility over the first `fac_dep_years` operating years, each generation over the
/// `gen_life` years after its purchase; a schedule cut at T leaves its rest undeducted.
fn depreciation(p: &Inputs, s: &Series, reduced: bool, d: &mut [f64]) {
    let g = if reduced && p.grant_reduces_dep_base {
        p.grant_share
    } else {
        0.0
    };
    let fy = p.fac_dep_years as usize;
    // The facility's base is its capex of the construction years.
    let fac_base: f64 = s.facility_capex * (1.0 - g);
    for item in d.iter_mut().skip(s.c).take(fy) {
        *item += fac_base / fy as f64;
    }
    let life = p.gen_life as usize;
    for (k, generation) in s.gens.iter().enumerate() {
        let base = if k == 0 {
            generation.cost * (1.0 - g)
        } else {
            generation.cost
        };
        for item in d.iter_mut().skip(generation.start + 1).take(life) {
            *item += base / life as f64;
        }
    }
}

/// §7: each refresh accrued over the years since the previous purchase, weighted by
/// positive EBITDA (equally when there is none).
fn mra_plan(s: &mut Series) {
    for k in 1..s.gens.len() {
        let (from, to) = (s.gens[k - 1].start + 1, s.gens[k].start);
        if from > to {
            continue;
        }
        let sum: f64 = (from..=to).map(|t| s.ebitda[t].max(0.0)).sum();
        let len = (to + 1 - from) as f64;
        for t in from..=to {
            let w = s.ebitda[t].max(0.0);
            s.mra_plan[t] += s.gens[k].cost * if sum > 0.0 { w / sum } else { 1.0 / len };
        }
    }
}
