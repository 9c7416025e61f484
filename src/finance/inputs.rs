//! The inputs of the finance model: FINANCE.md's keys, read from TOML or JSON, checked
//! with the key and the rule named for every problem.

use super::montecarlo::RiskSpec;
use crate::error::{Error, Location, Problem, Result};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum GuaranteeType {
    #[default]
    None,
    PariPassu,
    FirstLoss,
}

/// The de-risking instrument on the senior debt (FINANCE.md §10, §14).
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Guarantee {
    #[serde(rename = "type")]
    pub kind: GuaranteeType,
    /// Pari-passu: the share of each shortfall paid. First-loss: the share of the balance
    /// the fee is charged on (normally equal to `first_loss_cap`).
    #[serde(default)]
    pub cover: f64,
    /// Yearly fee on `cover` × balance.
    #[serde(default)]
    pub fee: f64,
    /// First-loss: the most paid, as a share of the debt.
    #[serde(default)]
    pub first_loss_cap: f64,
}

/// A bid's own capex and opex by year (from its lines), used in place of the driver
/// model's capex and opex. Costs scale with the ratio of the analyst's input to the value
/// derived from the bid (`fac_capex_per_mw_it`, `hw_cost_per_acc` × `refresh_price_factor`,
/// `elec_price`), so sensitivity, goal seek and Monte Carlo act on a bid as on the driver
/// model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct OwnLines {
    /// The calendar year of t = 0.
    pub first_year: i32,
    /// Facility capex (land, buildings, power, cooling, grid, other) per construction year.
    pub facility: Vec<f64>,
    /// IT capex per year t (first generation in the last construction year, refreshes after).
    pub it: Vec<f64>,
    /// Electricity per operating year, € (from the bid's energy lines).
    pub electricity: Vec<f64>,
    /// Every other operating cost per operating year, €.
    pub other_opex: Vec<f64>,
    /// The values the lines were derived at: costs scale by input / reference.
    pub ref_fac_capex_per_mw_it: f64,
    pub ref_hw_cost_per_acc: f64,
    pub ref_elec_price: f64,
}

/// FINANCE.md's inputs; the key names are the contract of `gigafund model run`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    pub n_acc: f64,
    pub hw_cost_per_acc: f64,
    pub kw_it_per_acc: f64,
    pub pue: f64,
    pub idle_frac: f64,
    pub fac_capex_per_mw_it: f64,
    pub contingency: f64,
    pub constr_years: u32,
    pub fac_spend: Vec<f64>,
    pub op_years: u32,
    pub gen_life: u32,
    pub refresh_price_factor: f64,
    pub hw_residual: f64,
    pub util: f64,
    pub p_new: f64,
    pub p_decline: f64,
    pub infl: f64,
    pub pub_share: f64,
    pub pub_price_factor: f64,
    pub elec_price: f64,
    pub elec_esc: f64,
    pub fte: f64,
    pub cost_fte: f64,
    pub staff_esc: f64,
    pub maint_fac: f64,
    pub maint_it: f64,
    pub insurance: f64,
    pub other_opex: f64,
    pub tax: f64,
    pub fac_dep_years: u32,
    pub grant_share: f64,
    pub grant_reduces_dep_base: bool,
    pub debt_rate: f64,
    pub dscr: f64,
    pub tenor: u32,
    pub max_gearing: f64,
    pub upfront_fee: f64,
    pub dsra_months: f64,
    pub lockup_dscr: f64,
    pub disc_equity: f64,
    pub disc_project: f64,
    pub ref_rate_funding_gap: f64,
    #[serde(default)]
    pub guarantee: Guarantee,
    /// A bid's own capex and opex lines, when the series come from a bid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_lines: Option<OwnLines>,
    /// The analyst's distributions and correlations for Monte Carlo (FINANCE.md's default
    /// draws when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<RiskSpec>,
}

/// How a continuous input may vary; used by goal seek to pick its default bracket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A share or rate in [0, 1].
    Share,
    /// A price, € per hour or per kWh.
    Price,
    /// Any other positive amount.
    Amount,
}

macro_rules! params {
    ($( $name:literal => $field:ident : $kind:ident ),* $(,)?) => {
        /// The continuous inputs that goal seek, sensitivity and Monte Carlo may vary.
        pub const PARAMS: &[(&str, Kind)] = &[$( ($name, Kind::$kind) ),*];

        impl Inputs {
            /// The value of a continuous input by its key (`guarantee.cover` for nested).
            pub fn get(&self, key: &str) -> Option<f64> {
                match key {
                    $( $name => Some(self.$field), )*
                    "guarantee.cover" => Some(self.guarantee.cover),
                    "guarantee.fee" => Some(self.guarantee.fee),
                    "guarantee.first_loss_cap" => Some(self.guarantee.first_loss_cap),
                    _ => None,
                }
            }

            /// Sets a continuous input; `false` when the key is not one.
            pub fn set(&mut self, key: &str, value: f64) -> bool {
                match key {
                    $( $name => self.$field = value, )*
                    "guarantee.cover" => self.guarantee.cover = value,
                    "guarantee.fee" => self.guarantee.fee = value,
                    "guarantee.first_loss_cap" => self.guarantee.first_loss_cap = value,
                    _ => return false,
                }
                true
            }

            /// [`Inputs::get`] resolved once: the reader of a continuous input.
            pub fn getter(key: &str) -> Option<fn(&Inputs) -> f64> {
                let f: fn(&Inputs) -> f64 = match key {
                    $( $name => |p| p.$field, )*
                    "guarantee.cover" => |p| p.guarantee.cover,
                    "guarantee.fee" => |p| p.guarantee.fee,
                    "guarantee.first_loss_cap" => |p| p.guarantee.first_loss_cap,
                    _ => return None,
                };
                Some(f)
            }

            /// [`Inputs::set`] resolved once: the writer of a continuous input.
            pub fn setter(key: &str) -> Option<fn(&mut Inputs, f64)> {
                let f: fn(&mut Inputs, f64) = match key {
                    $( $name => |p, v| p.$field = v, )*
                    "guarantee.cover" => |p, v| p.guarantee.cover = v,
                    "guarantee.fee" => |p, v| p.guarantee.fee = v,
                    "guarantee.first_loss_cap" => |p, v| p.guarantee.first_loss_cap = v,
                    _ => return None,
                };
                Some(f)
            }
        }
    };
}

params! {
    "n_acc" => n_acc: Amount,
    "hw_cost_per_acc" => hw_cost_per_acc: Amount,
    "kw_it_per_acc" => kw_it_per_acc: Amount,
    "pue" => pue: Amount,
    "idle_frac" => idle_frac: Share,
    "fac_capex_per_mw_it" => fac_capex_per_mw_it: Amount,
    "contingency" => contingency: Share,
    "refresh_price_factor" => refresh_price_factor: Amount,
    "hw_residual" => hw_residual: Share,
    "util" => util: Share,
    "p_new" => p_new: Price,
    "p_decline" => p_decline: Share,
    "infl" => infl: Share,
    "pub_share" => pub_share: Share,
    "pub_price_factor" => pub_price_factor: Share,
    "elec_price" => elec_price: Price,
    "elec_esc" => elec_esc: Share,
    "fte" => fte: Amount,
    "cost_fte" => cost_fte: Amount,
    "staff_esc" => staff_esc: Share,
    "maint_fac" => maint_fac: Share,
    "maint_it" => maint_it: Share,
    "insurance" => insurance: Share,
    "other_opex" => other_opex: Amount,
    "tax" => tax: Share,
    "grant_share" => grant_share: Share,
    "debt_rate" => debt_rate: Share,
    "dscr" => dscr: Amount,
    "max_gearing" => max_gearing: Share,
    "upfront_fee" => upfront_fee: Share,
    "dsra_months" => dsra_months: Amount,
    "lockup_dscr" => lockup_dscr: Amount,
    "disc_equity" => disc_equity: Share,
    "disc_project" => disc_project: Share,
    "ref_rate_funding_gap" => ref_rate_funding_gap: Share,
}

/// The kind of a continuous input, guarantee keys included.
pub fn kind_of(key: &str) -> Option<Kind> {
    match key {
        "guarantee.cover" | "guarantee.fee" | "guarantee.first_loss_cap" => Some(Kind::Share),
        _ => PARAMS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, kind)| *kind),
    }
}

/// Every key a goal seek or a distribution may name.
pub fn param_names() -> Vec<&'static str> {
    let mut v: Vec<&str> = PARAMS.iter().map(|(k, _)| *k).collect();
    v.extend([
        "guarantee.cover",
        "guarantee.fee",
        "guarantee.first_loss_cap",
    ]);
    v
}

impl Inputs {
    /// FINANCE.md's example: a 100,000-accelerator gigafactory.
    pub fn reference() -> Inputs {
        Inputs {
            n_acc: 100_000.0,
            hw_cost_per_acc: 45_000.0,
            kw_it_per_acc: 1.9,
            pue: 1.2,
            idle_frac: 0.30,
            fac_capex_per_mw_it: 10_000_000.0,
            contingency: 0.05,
            constr_years: 2,
            fac_spend: vec![0.5, 0.5],
            op_years: 15,
            gen_life: 5,
            refresh_price_factor: 1.0,
            hw_residual: 0.10,
            util: 0.80,
            p_new: 3.50,
            p_decline: 0.12,
            infl: 0.02,
            pub_share: 0.10,
            pub_price_factor: 0.5,
            elec_price: 0.12,
            elec_esc: 0.02,
            fte: 250.0,
            cost_fte: 120_000.0,
            staff_esc: 0.03,
            maint_fac: 0.02,
            maint_it: 0.04,
            insurance: 0.005,
            other_opex: 40_000_000.0,
            tax: 0.25,
            fac_dep_years: 15,
            grant_share: 0.20,
            grant_reduces_dep_base: true,
            debt_rate: 0.06,
            dscr: 1.35,
            tenor: 10,
            max_gearing: 0.60,
            upfront_fee: 0.015,
            dsra_months: 6.0,
            lockup_dscr: 1.10,
            disc_equity: 0.12,
            disc_project: 0.08,
            ref_rate_funding_gap: 0.06,
            guarantee: Guarantee::default(),
            own_lines: None,
            risk: None,
        }
    }

    /// Reads a TOML or JSON document (JSON when the text starts with `{`).
    pub fn parse(file: &str, text: &str) -> Result<Inputs> {
        let inputs: Inputs = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| {
                Error::invalid(
                    Location::file(file).with_cell(format!("line {}", e.line())),
                    e.to_string(),
                    None,
                )
            })?
        } else {
            crate::ingest::parse_toml(file, text)?
        };
        inputs.check(file)?;
        if let Some(risk) = &inputs.risk {
            risk.check(&inputs, file)?;
        }
        Ok(inputs)
    }

    /// Every rule the inputs break, each with its key.
    pub fn problems(&self, file: &str) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut add = |key: &str, rule: &str, found: String| {
            out.push(Problem {
                location: Location::file(file).with_field(key),
                rule: rule.to_string(),
                found: Some(found),
            });
        };
        for (key, kind) in PARAMS {
            let Some(v) = self.get(key) else { continue };
            if !v.is_finite() {
                add(key, "must be a finite number", v.to_string());
            } else if v < 0.0 && !matches!(*key, "p_decline" | "infl" | "elec_esc" | "staff_esc") {
                add(key, "must not be negative", v.to_string());
            } else if *kind == Kind::Share
                && v > 1.0
                && !matches!(
                    *key,
                    "disc_equity" | "disc_project" | "ref_rate_funding_gap"
                )
            {
                add(key, "is a share and must lie in [0, 1]", v.to_string());
            }
        }
        for (key, v) in [("p_decline", self.p_decline), ("infl", self.infl)] {
            if !(-0.5..1.0).contains(&v) {
                add(key, "must lie in [−0.5, 1)", v.to_string());
            }
        }
        if self.n_acc < 1.0 {
            add(
                "n_acc",
                "must be at least 1 accelerator",
                self.n_acc.to_string(),
            );
        }
        // Upper bounds: beyond them the model is not a facility any more, and a typo (ten
        // million operating years) would run for minutes and fill memory.
        for (key, v, max) in [
            ("n_acc", self.n_acc, 10_000_000.0),
            ("pue", self.pue, 3.0),
            ("dscr", self.dscr, 10.0),
            ("dsra_months", self.dsra_months, 36.0),
        ] {
            if v.is_finite() && v > max {
                add(key, &format!("must be at most {max}"), v.to_string());
            }
        }
        for (key, v, max) in [
            ("constr_years", self.constr_years, 15),
            ("op_years", self.op_years, 60),
            ("gen_life", self.gen_life, 30),
            ("fac_dep_years", self.fac_dep_years, 100),
        ] {
            if v > max {
                add(key, &format!("must be at most {max} years"), v.to_string());
            }
        }
        for (key, kind) in PARAMS {
            let Some(v) = self.get(key) else { continue };
            // A yearly amount, a price or a count above a trillion is a unit mistake.
            if *kind != Kind::Share && v.is_finite() && v > 1.0e12 {
                add(key, "must be at most 1,000,000,000,000", v.to_string());
            }
        }
        if self.pue < 1.0 {
            add("pue", "must be at least 1.0", self.pue.to_string());
        }
        if self.dscr <= 0.0 {
            add("dscr", "must be above 0", self.dscr.to_string());
        }
        if self.constr_years < 1 {
            add(
                "constr_years",
                "must be at least 1",
                self.constr_years.to_string(),
            );
        }
        if self.op_years < 1 {
            add("op_years", "must be at least 1", self.op_years.to_string());
        }
        if self.gen_life < 1 {
            add("gen_life", "must be at least 1", self.gen_life.to_string());
        }
        if self.fac_dep_years < 1 {
            add(
                "fac_dep_years",
                "must be at least 1",
                self.fac_dep_years.to_string(),
            );
        }
        if self.tenor > self.op_years {
            add(
                "tenor",
                "must not be longer than the operation (op_years)",
                format!("{} > {}", self.tenor, self.op_years),
            );
        }
        if self.fac_spend.len() != self.constr_years as usize {
            add(
                "fac_spend",
                "needs one share per construction year (constr_years)",
                format!(
                    "{} shares for {} years",
                    self.fac_spend.len(),
                    self.constr_years
                ),
            );
        }
        if self
            .fac_spend
            .iter()
            .any(|s| !(0.0..=1.0).contains(s) || !s.is_finite())
        {
            add(
                "fac_spend",
                "shares must lie in [0, 1]",
                format!("{:?}", self.fac_spend),
            );
        }
        let sum: f64 = self.fac_spend.iter().sum();
        if (sum - 1.0).abs() > 1e-9 {
            add("fac_spend", "must sum to 1", format!("sums to {sum}"));
        }
        let g = &self.guarantee;
        for (key, v) in [
            ("guarantee.cover", g.cover),
            ("guarantee.fee", g.fee),
            ("guarantee.first_loss_cap", g.first_loss_cap),
        ] {
            if !(0.0..=1.0).contains(&v) || !v.is_finite() {
                add(key, "is a share and must lie in [0, 1]", v.to_string());
            }
        }
        if g.kind == GuaranteeType::None && (g.cover != 0.0 || g.fee != 0.0) {
            add(
                "guarantee.type",
                "is none, so cover and fee must be 0",
                format!("cover {}, fee {}", g.cover, g.fee),
            );
        }
        if let Some(lines) = &self.own_lines {
            let c = self.constr_years as usize;
            let n = c + self.op_years as usize;
            if lines.facility.len() != c {
                add(
                    "own_lines.facility",
                    "needs one amount per construction year",
                    lines.facility.len().to_string(),
                );
            }
            if lines.it.len() != n {
                add(
                    "own_lines.it",
                    "needs one amount per year",
                    lines.it.len().to_string(),
                );
            }
            for (key, v) in [
                ("own_lines.electricity", &lines.electricity),
                ("own_lines.other_opex", &lines.other_opex),
            ] {
                if v.len() != self.op_years as usize {
                    add(
                        key,
                        "needs one amount per operating year",
                        v.len().to_string(),
                    );
                }
            }
            let all = lines
                .facility
                .iter()
                .chain(&lines.it)
                .chain(&lines.electricity)
                .chain(&lines.other_opex);
            if all.clone().any(|v| !v.is_finite() || *v < 0.0) {
                add(
                    "own_lines",
                    "amounts must be finite and not negative",
                    String::new(),
                );
            }
            for (key, v) in [
                (
                    "own_lines.ref_fac_capex_per_mw_it",
                    lines.ref_fac_capex_per_mw_it,
                ),
                ("own_lines.ref_hw_cost_per_acc", lines.ref_hw_cost_per_acc),
                ("own_lines.ref_elec_price", lines.ref_elec_price),
            ] {
                if !(v > 0.0 && v.is_finite()) {
                    add(key, "must be above 0", v.to_string());
                }
            }
        }
        out
    }

    /// `Err(Invalid)` listing every problem, or `Ok` when the inputs can be modelled.
    pub fn check(&self, file: &str) -> Result<()> {
        let problems = self.problems(file);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(problems))
        }
    }
}
