//! The finance engine against FINANCE.md's worked example, numpy-financial's suite and
//! NREL SAM's cases (`../shared/oracles`, copied to `tests/fixtures/oracles`).

use crate::{TestResult, repo_root};
use gigafund::finance::engine::{self, metric};
use gigafund::finance::montecarlo;
use gigafund::finance::sensitivity::{self, GoalSeek};
use gigafund::finance::tvm::{self, When};
use gigafund::finance::{GuaranteeType, Inputs};
use serde_json::Value;
use std::sync::atomic::AtomicBool;

fn rel_close(actual: f64, expected: f64, rel: f64, what: &str) {
    let err = if expected == 0.0 {
        actual.abs()
    } else {
        ((actual - expected) / expected).abs()
    };
    assert!(
        err <= rel,
        "{what}: {actual} is not within {rel:e} (relative) of {expected}"
    );
}

fn guaranteed() -> Inputs {
    let mut p = Inputs::reference();
    p.guarantee.kind = GuaranteeType::PariPassu;
    p.guarantee.cover = 0.5;
    p.guarantee.fee = 0.01;
    p.dscr = 1.20;
    p.debt_rate = 0.05;
    p
}

fn no_grant() -> Inputs {
    let mut p = Inputs::reference();
    p.grant_share = 0.0;
    p
}

/// FINANCE.md's table, column by column, to 1e-6 relative (figures as printed there).
#[test]
fn worked_example_matches_every_metric_of_the_table() -> TestResult {
    let columns: [(&str, Inputs, [f64; 10]); 3] = [
        (
            "base",
            Inputs::reference(),
            [
                1_090_531_431.63,
                4_371_510_116.56,
                0.0696210,
                0.1003838,
                0.0700602,
                -1_605_503_921.08,
                1.35,
                12.4823,
                2_330_160_000.0,
                538_619_296.0,
            ],
        ),
        (
            "guarantee",
            guaranteed(),
            [
                1_254_197_955.50,
                4_218_725_497.21,
                0.0696210,
                0.1003838,
                0.0706204,
                -1_560_042_071.03,
                1.20,
                12.4977,
                2_330_160_000.0,
                538_619_296.0,
            ],
        ),
        (
            "grant_share 0",
            no_grant(),
            [
                1_280_714_861.36,
                5_549_198_975.85,
                0.0696210,
                0.0696210,
                0.0500023,
                -2_611_411_482.86,
                1.35,
                13.1098,
                2_330_160_000.0,
                538_619_296.0,
            ],
        ),
    ];
    for (name, inputs, e) in columns {
        let m = engine::run(&inputs)?.metrics;
        rel_close(
            m.initial_capex,
            6_720_000_000.0,
            1e-9,
            &format!("{name} initial_capex"),
        );
        rel_close(
            m.lifetime_capex,
            17_696_530_429.60,
            1e-9,
            &format!("{name} lifetime_capex"),
        );
        let got = [
            m.debt,
            m.equity_initial,
            m.project_irr_pre_grant.ok_or("irr")?,
            m.project_irr_post_grant.ok_or("irr")?,
            m.equity_irr.ok_or("irr")?,
            m.equity_npv,
            m.min_dscr.ok_or("dscr")?,
            m.equity_payback_years.ok_or("payback")?,
            m.first_year_revenue,
            m.first_year_opex,
        ];
        let names = [
            "debt",
            "equity_initial",
            "project_irr_pre_grant",
            "project_irr_post_grant",
            "equity_irr",
            "equity_npv",
            "min_dscr",
            "equity_payback_years",
            "first_year_revenue",
            "first_year_opex",
        ];
        for ((g, x), n) in got.iter().zip(e).zip(names) {
            // The table prints IRRs to 7 decimals and the payback to 4: compare to that.
            let tol = match n {
                "project_irr_pre_grant" | "project_irr_post_grant" | "equity_irr" => {
                    0.5e-7 / x.abs()
                }
                "equity_payback_years" => 0.5e-4 / x,
                _ => 1e-6,
            }
            .max(1e-6);
            rel_close(*g, x, tol, &format!("{name} {n}"));
        }
        rel_close(
            m.llcr_at_drawdown.ok_or("llcr")?,
            m.min_dscr.ok_or("dscr")?,
            1e-9,
            &format!("{name}: min_dscr = llcr_at_drawdown"),
        );
        assert!(!m.payment_default, "{name}: the base case pays its debt");
    }
    Ok(())
}

#[test]
fn yearly_series_hold_the_accounting_identities() -> TestResult {
    let out = engine::run(&Inputs::reference())?;
    let y = &out.years;
    assert_eq!(y.len(), 17, "T = C + L − 1 = 16");
    // Refreshes in t = 6 and 11, costing H₀·1.02^5 and H₀·1.02^10.
    let h0 = 100_000.0 * 45_000.0 * 1.05;
    rel_close(
        y[6].refresh_capex,
        h0 * 1.02_f64.powi(5),
        1e-12,
        "refresh 1",
    );
    rel_close(
        y[11].refresh_capex,
        h0 * 1.02_f64.powi(10),
        1e-12,
        "refresh 2",
    );
    for r in y {
        assert!(
            (r.ebitda - (r.revenue - r.opex)).abs() < 1e-3,
            "EBITDA in t = {}",
            r.t
        );
        assert!(r.debt_balance >= -1e-3, "balance in t = {}", r.t);
        assert!(
            r.dsra_balance >= -1e-6 && r.mra_balance >= -1e-6,
            "reserves in t = {}",
            r.t
        );
    }
    // The debt is repaid by the end of the tenor.
    assert!(
        y[11].debt_balance.abs() < 1e-2,
        "balance after tenor: {}",
        y[11].debt_balance
    );
    // The reserve pays both refreshes in full in the base case.
    assert_eq!(y[6].refresh_from_equity, 0.0);
    Ok(())
}

#[test]
fn goal_seek_reproduces_finance_md() -> TestResult {
    let base = Inputs::reference();
    for (param, metric_name, target, expected) in [
        ("grant_share", "equity_irr", 0.12, 0.51919),
        ("p_new", "equity_irr", 0.12, 4.00015),
        ("p_new", "project_irr_pre_grant", 0.08, 3.61116),
    ] {
        let r = sensitivity::goal_seek(&base, &GoalSeek::new(param, metric_name, target))?;
        let x = r.solution.ok_or(r.message.clone())?;
        assert!(
            (x - expected).abs() <= 1e-4 * expected.max(1.0),
            "{param}: {x} vs {expected}"
        );
        let achieved = r.achieved.ok_or("achieved")?;
        assert!(
            (achieved - target).abs() < 1e-7,
            "{metric_name} at the solution: {achieved}"
        );
    }
    Ok(())
}

#[test]
fn goal_seek_without_a_root_says_so() -> TestResult {
    let r = sensitivity::goal_seek(
        &Inputs::reference(),
        &GoalSeek {
            param: "p_new".into(),
            metric: "equity_irr".into(),
            target: 0.12,
            lo: Some(1.0),
            hi: Some(2.0),
            paths: None,
            seed: None,
        },
    )?;
    assert_eq!(r.solution, None);
    assert!(
        r.message.starts_with("no solution in [1, 2]"),
        "{}",
        r.message
    );
    // An unknown metric or input is an error that names it.
    let e = sensitivity::goal_seek(
        &Inputs::reference(),
        &GoalSeek {
            param: "tenor_years".into(),
            metric: "equity_irr".into(),
            target: 0.1,
            lo: None,
            hi: None,
            paths: None,
            seed: None,
        },
    )
    .err()
    .ok_or("unknown input accepted")?;
    assert!(e.to_string().contains("tenor_years"), "{e}");
    Ok(())
}

#[test]
fn invariants_of_the_model() -> TestResult {
    // Without the gearing cap, LLCR at drawdown equals the DSCR target.
    for dscr in [1.2, 1.35, 1.6] {
        let mut p = Inputs::reference();
        p.dscr = dscr;
        let m = engine::run(&p)?.metrics;
        assert!(!m.debt_capped_by_gearing);
        rel_close(m.llcr_at_drawdown.ok_or("llcr")?, dscr, 1e-9, "LLCR = DSCR");
    }
    // Grants raise the equity IRR.
    let mut last = f64::NEG_INFINITY;
    for g in [0.0, 0.1, 0.2, 0.3, 0.4] {
        let mut p = Inputs::reference();
        p.grant_share = g;
        let irr = engine::run(&p)?.metrics.equity_irr.ok_or("irr")?;
        assert!(
            irr > last,
            "equity IRR {irr} at grant_share {g} is not above {last}"
        );
        last = irr;
    }
    // A tight gearing cap binds: debt = cap, DSCR above target.
    let mut p = Inputs::reference();
    p.max_gearing = 0.1;
    let m = engine::run(&p)?.metrics;
    assert!(m.debt_capped_by_gearing);
    rel_close(m.debt, 0.1 * (6_720_000_000.0 * 0.8), 1e-12, "capped debt");
    assert!(m.min_dscr.ok_or("dscr")? > 1.35);
    Ok(())
}

/// A stressed case: prices 40 % lower make the debt default, and a guarantee with more
/// cover never pays less.
#[test]
fn guarantees_on_a_defaulting_case() -> TestResult {
    let stressed = |kind, cover: f64| -> Result<engine::Metrics, gigafund::Error> {
        let mut p = Inputs::reference();
        p.guarantee.kind = kind;
        p.guarantee.cover = cover;
        p.guarantee.first_loss_cap = cover;
        p.guarantee.fee = 0.0;
        let prepared = montecarlo::prepare(&p)?;
        let mut q = p.clone();
        q.p_new *= 0.6;
        let path = prepared.evaluate(&q);
        assert!(path.default, "a 40 % price cut defaults");
        assert!(path.gross_shortfall_pv > 0.0);
        let mut m = engine::run(&q)?.metrics;
        m.guarantee_payout_pv = path.own_guarantee_payout;
        Ok(m)
    };
    for kind in [GuaranteeType::PariPassu, GuaranteeType::FirstLoss] {
        let mut last = -1.0;
        for cover in [0.0, 0.1, 0.25, 0.5, 0.8, 1.0] {
            let paid = stressed(kind, cover)?.guarantee_payout_pv;
            assert!(
                paid >= last - 1e-6,
                "{kind:?}: cover {cover} pays {paid} < {last}"
            );
            last = paid;
        }
        assert!(last > 0.0);
    }
    Ok(())
}

#[test]
fn monte_carlo_is_within_sampling_error_of_finance_md_and_reproducible() -> TestResult {
    let never = AtomicBool::new(false);
    let p = Inputs::reference();
    let a = montecarlo::run(&p, 2_000, 42, &|_, _| {}, &never)?;
    // FINANCE.md: P(default) ≈ 0.52, IRR P50 ≈ 0.056, P10 ≈ −0.057, P90 ≈ 0.153 (± a few
    // points at 2,000 paths). Binomial SE of 0.52 at 2,000 paths is 0.011.
    assert!(
        (a.pd_payment_default - 0.52).abs() < 0.04,
        "pd {}",
        a.pd_payment_default
    );
    let p50 = a.equity_irr_p50.ok_or("p50")?;
    let p10 = a.equity_irr_p10.ok_or("p10")?;
    let p90 = a.equity_irr_p90.ok_or("p90")?;
    assert!((p50 - 0.056).abs() < 0.015, "P50 {p50}");
    assert!((p10 + 0.057).abs() < 0.02, "P10 {p10}");
    assert!((p90 - 0.153).abs() < 0.02, "P90 {p90}");
    assert!(a.expected_gross_shortfall > 0.0 && a.expected_net_loss <= a.expected_gross_shortfall);
    for g in &a.guarantees {
        assert!(g.expected_payout >= 0.0 && g.expected_payout <= a.expected_gross_shortfall + 1e-6);
    }
    // Same seed, same answer; another seed, another sample.
    let b = montecarlo::run(&p, 2_000, 42, &|_, _| {}, &never)?;
    assert_eq!(a, b);
    let c = montecarlo::run(&p, 2_000, 43, &|_, _| {}, &never)?;
    assert_ne!(a.equity_irr, c.equity_irr);
    Ok(())
}

#[test]
fn monte_carlo_reports_progress_and_can_be_cancelled() -> TestResult {
    let p = Inputs::reference();
    let seen = std::sync::Mutex::new(Vec::new());
    let never = AtomicBool::new(false);
    montecarlo::run(
        &p,
        1_000,
        1,
        &|done, total| {
            if let Ok(mut v) = seen.lock() {
                v.push((done, total));
            }
        },
        &never,
    )?;
    let seen = seen.into_inner().map_err(|_| "poisoned")?;
    assert!(seen.len() >= 4, "{seen:?}");
    assert!(seen.iter().any(|(d, t)| d == t && *t == 1_000));
    let stop = AtomicBool::new(true);
    let e = montecarlo::run(&p, 1_000, 1, &|_, _| {}, &stop)
        .err()
        .ok_or("not cancelled")?;
    assert!(matches!(e, gigafund::Error::Cancelled(_)), "{e}");
    Ok(())
}

#[test]
fn correlations_move_the_distribution_and_bad_ones_are_refused() -> TestResult {
    let never = AtomicBool::new(false);
    let mut p = Inputs::reference();
    let mut risk = montecarlo::RiskSpec::default();
    risk.correlations.push(montecarlo::Correlation {
        a: "p_new".into(),
        b: "util".into(),
        rho: 0.8,
    });
    p.risk = Some(risk.clone());
    let corr = montecarlo::run(&p, 2_000, 7, &|_, _| {}, &never)?;
    let indep = montecarlo::run(&Inputs::reference(), 2_000, 7, &|_, _| {}, &never)?;
    // Price and utilisation moving together widen the IRR distribution.
    let spread =
        |m: &montecarlo::MonteCarlo| -> Option<f64> { Some(m.equity_irr_p90? - m.equity_irr_p10?) };
    assert!(spread(&corr).ok_or("spread")? > spread(&indep).ok_or("spread")?);
    risk.correlations.push(montecarlo::Correlation {
        a: "p_new".into(),
        b: "elec_price".into(),
        rho: 0.9,
    });
    risk.correlations.push(montecarlo::Correlation {
        a: "util".into(),
        b: "elec_price".into(),
        rho: -0.9,
    });
    p.risk = Some(risk);
    let e = montecarlo::run(&p, 10, 7, &|_, _| {}, &never)
        .err()
        .ok_or("inconsistent correlations accepted")?;
    assert!(e.to_string().contains("not positive definite"), "{e}");
    Ok(())
}

#[test]
fn tornado_is_sorted_by_swing() -> TestResult {
    let t = sensitivity::tornado(&Inputs::reference(), "equity_irr", 0.10, None)?;
    assert!(t.bars.len() > 20);
    for w in t.bars.windows(2) {
        assert!(w[0].swing >= w[1].swing);
    }
    // Price and utilisation lead; a price rise raises the IRR.
    let top: Vec<&str> = t.bars.iter().take(4).map(|b| b.param.as_str()).collect();
    assert!(top.contains(&"p_new") && top.contains(&"util"), "{top:?}");
    let p = t.bars.iter().find(|b| b.param == "p_new").ok_or("p_new")?;
    assert!(p.metric_high > p.metric_low);
    eprintln!("skipped: {:?}", t.skipped);
    assert!(t.skipped.is_empty());
    Ok(())
}

#[test]
fn invalid_inputs_are_refused_with_the_key_and_the_rule() -> TestResult {
    let text = std::fs::read_to_string(repo_root().join("sample-data/models/reference.toml"))?;
    Inputs::parse("reference.toml", &text)?;
    for (change, key, rule) in [
        ("n_acc = 100000", "n_acc = -5", "at least 1 accelerator"),
        ("util = 0.8", "util = 1.3", "[0, 1]"),
        (
            "fac_spend = [0.5, 0.5]",
            "fac_spend = [0.5, 0.4]",
            "sum to 1",
        ),
        ("tenor = 10", "tenor = 20", "longer than the operation"),
        ("pue = 1.2", "pue = 1.2\ncolour = \"blue\"", "unknown field"),
    ] {
        let broken = text.replace(change, key);
        assert_ne!(broken, text, "{change} not in the sample");
        let e = Inputs::parse("reference.toml", &broken).err().ok_or(key)?;
        let msg = e.to_string();
        assert!(msg.contains(rule), "{key}: {msg}");
        assert!(msg.contains("reference.toml"), "{msg}");
    }
    // JSON too, with the same keys.
    let json = serde_json::to_string(&Inputs::reference())?;
    assert_eq!(Inputs::parse("x.json", &json)?, Inputs::reference());
    Ok(())
}

#[test]
fn metrics_are_named_as_in_finance_md() -> TestResult {
    let m = engine::run(&Inputs::reference())?.metrics;
    for name in [
        "project_irr_pre_grant",
        "project_irr_post_grant",
        "project_npv_pre_grant",
        "equity_irr",
        "equity_npv",
        "debt",
        "equity_initial",
        "gearing_initial",
        "min_dscr",
        "avg_dscr",
        "llcr_at_drawdown",
        "equity_payback_years",
        "funding_gap_rate_pre_tax_at_ref_rate",
        "funding_gap_after_tax_at_project_disc",
        "mobilisation_ratio_private_per_public",
        "it_mw",
        "facility_mw",
        "facility_capex",
        "it_capex_gen1",
        "initial_capex",
        "lifetime_capex",
        "grants_total",
        "first_year_revenue",
        "first_year_opex",
        "first_year_electricity",
        "debt_gross_shortfall_pv",
        "debt_loss_pv",
        "payment_default",
    ] {
        assert!(metric(&m, name)?.is_some(), "{name} missing or undefined");
    }
    rel_close(metric(&m, "it_mw")?.ok_or("it_mw")?, 190.0, 1e-12, "it_mw");
    rel_close(m.gearing_initial, m.debt / 6.72e9, 1e-12, "gearing");
    rel_close(
        m.mobilisation_ratio_private_per_public.ok_or("ratio")?,
        (m.debt + m.equity_initial) / (0.2 * 6.72e9),
        1e-12,
        "mobilisation",
    );
    // The project before grants does not earn 8 %: its NPV is negative, so the gap is.
    assert!(m.funding_gap_after_tax_at_project_disc > 0.0);
    rel_close(
        m.funding_gap_after_tax_at_project_disc,
        -m.project_npv_pre_grant,
        1e-12,
        "gap",
    );
    Ok(())
}

// ---- numpy-financial's suite -------------------------------------------------------

fn oracle(name: &str) -> Result<Value, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(repo_root().join("tests/fixtures/oracles").join(name))?;
    // numpy-financial's file writes NaN bare, as Python's json does; JSON has no NaN.
    Ok(serde_json::from_str(&text.replace(": NaN", ": null"))?)
}

fn num(v: &Value, key: &str) -> f64 {
    v.get(key).and_then(Value::as_f64).unwrap_or(0.0)
}

fn when(args: &Value) -> When {
    match args.get("when") {
        Some(Value::String(s)) if s == "begin" => When::Begin,
        Some(Value::Number(n)) if n.as_f64() == Some(1.0) => When::Begin,
        _ => When::End,
    }
}

#[test]
fn numpy_financial_suite() -> TestResult {
    let doc = oracle("numpy_financial_cases.json")?;
    let cases = doc["cases"].as_array().ok_or("cases")?;
    assert!(cases.len() >= 48, "{} cases", cases.len());
    for case in cases {
        let id = case["id"].as_str().unwrap_or("?");
        let a = &case["args"];
        let values: Vec<f64> = a
            .get("values")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default();
        let got: Option<f64> = match case["function"].as_str().unwrap_or("") {
            "npv" => Some(tvm::npv(num(a, "rate"), &values)),
            "irr" => tvm::irr(&values),
            "mirr" => tvm::mirr(&values, num(a, "finance_rate"), num(a, "reinvest_rate")),
            "pmt" => Some(tvm::pmt(
                num(a, "rate"),
                num(a, "nper"),
                num(a, "pv"),
                num(a, "fv"),
                when(a),
            )),
            "pv" => Some(tvm::pv(
                num(a, "rate"),
                num(a, "nper"),
                num(a, "pmt"),
                num(a, "fv"),
                when(a),
            )),
            "fv" => Some(tvm::fv(
                num(a, "rate"),
                num(a, "nper"),
                num(a, "pmt"),
                num(a, "pv"),
                when(a),
            )),
            "nper" => tvm::nper(
                num(a, "rate"),
                num(a, "pmt"),
                num(a, "pv"),
                num(a, "fv"),
                when(a),
            ),
            "ipmt" => tvm::ipmt(
                num(a, "rate"),
                num(a, "per"),
                num(a, "nper"),
                num(a, "pv"),
                num(a, "fv"),
                when(a),
            ),
            "ppmt" => tvm::ppmt(
                num(a, "rate"),
                num(a, "per"),
                num(a, "nper"),
                num(a, "pv"),
                num(a, "fv"),
                when(a),
            ),
            "rate" => tvm::rate(
                num(a, "nper"),
                num(a, "pmt"),
                num(a, "pv"),
                num(a, "fv"),
                when(a),
            ),
            other => return Err(format!("{id}: unknown function {other}").into()),
        };
        let tol = &case["tolerance"];
        let expected = case["expected"].as_f64();
        let reference = case
            .get("computed_by_numpy_financial_2_0_0_dev_f47e8af")
            .and_then(Value::as_f64);
        if tol.get("expect").and_then(Value::as_str) == Some("NaN") {
            assert!(
                got.is_none_or(f64::is_nan),
                "{id}: expected NaN, got {got:?}"
            );
            continue;
        }
        if tol.get("check").is_some() {
            let r = got.ok_or(format!("{id}: no IRR"))?;
            assert!(
                tvm::npv(r, &values).abs() < 1e-6,
                "{id}: npv at irr {}",
                tvm::npv(r, &values)
            );
            continue;
        }
        let g = got.ok_or(format!("{id}: no value"))?;
        let e = expected.ok_or(format!("{id}: no expected value"))?;
        if let Some(rtol) = tol.get("rtol").and_then(Value::as_f64) {
            assert!(
                (g - e).abs() <= rtol * e.abs(),
                "{id}: {g} vs {e} (rtol {rtol})"
            );
        } else if let Some(atol) = tol.get("atol").and_then(Value::as_f64) {
            assert!((g - e).abs() <= atol, "{id}: {g} vs {e} (atol {atol})");
        } else if let Some(dec) = tol.get("decimal").and_then(Value::as_f64) {
            assert!((g - e).abs() < 1.5 * 10f64.powf(-dec), "{id}: {g} vs {e}");
        } else {
            assert_eq!(g, e, "{id}: exact");
        }
        // And close to numpy-financial's own full-precision result.
        if let Some(r) = reference {
            assert!(
                (g - r).abs() <= 1e-6 * r.abs().max(1e-3),
                "{id}: {g} vs numpy-financial {r}"
            );
        }
    }
    Ok(())
}

#[test]
fn xnpv_and_xirr_follow_excel() -> TestResult {
    // Excel's documented example (XNPV at 9 % = 2,086.65; XIRR = 37.34 %).
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d");
    let flows = vec![
        (d("2008-01-01")?, -10_000.0),
        (d("2008-03-01")?, 2_750.0),
        (d("2008-10-30")?, 4_250.0),
        (d("2009-02-15")?, 3_250.0),
        (d("2009-04-01")?, 2_750.0),
    ];
    let v = tvm::xnpv(0.09, &flows).ok_or("xnpv")?;
    assert!((v - 2_086.647_602).abs() < 1e-3, "{v}");
    let r = tvm::xirr(&flows).ok_or("xirr")?;
    assert!((r - 0.373_362_535).abs() < 1e-8, "{r}");
    assert!(tvm::xnpv(r, &flows).ok_or("xnpv")?.abs() < 1e-6);
    assert_eq!(tvm::xirr(&flows[1..]), None, "no sign change, no rate");
    Ok(())
}

// ---- NREL SAM ----------------------------------------------------------------------

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

#[test]
fn sam_single_owner_npv_irr_and_dscr_sizing() -> TestResult {
    let doc = oracle("sam_cases.json")?;
    let so = &doc["single_owner_generic"];
    let r = num(so, "nominal_discount_rate");
    let cf = floats(&so["cf_project_return_aftertax"]);
    let npv = tvm::npv(r, &cf);
    rel_close(
        npv,
        num(so, "expected_project_return_aftertax_npv"),
        1e-9,
        "SAM NPV",
    );
    let irr = tvm::irr(&cf).ok_or("irr")? * 100.0;
    assert!(
        (irr - num(so, "expected_project_return_aftertax_irr_pct")).abs() < 1e-4,
        "SAM IRR {irr}"
    );
    // Debt sized on a constant DSCR, with the engine's sculpting (FINANCE.md §10).
    let ds = &so["dscr_sizing"];
    let cash = floats(&ds["cf_cash_for_ds"]);
    let rate = num(ds, "term_int_rate");
    let sized = gigafund::finance::engine::sculpt_on(&cash[1..], rate, num(ds, "dscr"));
    rel_close(
        sized.amount,
        num(ds, "expected_size_of_debt"),
        1e-9,
        "SAM debt size",
    );
    for (key, ours) in [
        ("cf_debt_payment_total", &sized.service),
        ("cf_debt_payment_interest", &sized.interest),
        ("cf_debt_payment_principal", &sized.principal),
        ("cf_debt_balance", &sized.balance),
    ] {
        let theirs = floats(&ds[key]);
        for (t, (a, b)) in ours.iter().zip(&theirs[1..]).enumerate() {
            // SAM's schedule ends at 0 where ours ends within a thousandth of a cent.
            assert!(
                (a - b).abs() <= 1e-9 * b.abs() + 1e-5,
                "{key}[{}]: {a} vs {b}",
                t + 1
            );
        }
    }
    let lpf = &doc["levpartflip_generic"];
    let r = num(lpf, "nominal_discount_rate");
    let cf = floats(&lpf["cf_tax_investor_aftertax"]);
    rel_close(
        tvm::npv(r, &cf),
        num(lpf, "expected_tax_investor_aftertax_npv"),
        1e-9,
        "flip NPV",
    );
    let irr = tvm::irr(&cf).ok_or("irr")? * 100.0;
    assert!(
        (irr - num(lpf, "expected_tax_investor_aftertax_irr_pct")).abs() < 1e-4,
        "flip IRR {irr}"
    );
    let sponsor = floats(&lpf["cf_sponsor_aftertax"]);
    rel_close(
        tvm::npv(r, &sponsor),
        num(lpf, "expected_sponsor_aftertax_npv"),
        1e-9,
        "sponsor NPV",
    );
    assert_eq!(tvm::irr(&sponsor), None, "SAM finds no sponsor IRR");
    Ok(())
}

// ---- properties on random valid inputs ---------------------------------------------

mod properties {
    use gigafund::finance::{GuaranteeType, Inputs, engine};
    use proptest::prelude::*;

    prop_compose! {
        fn valid_inputs()(
            n_acc in 1.0..200_000.0_f64,
            hw in 1_000.0..100_000.0_f64,
            util in 0.0..=1.0_f64,
            p_new in 0.1..20.0_f64,
            p_decline in -0.1..0.5_f64,
            c in 1u32..=4,
            l in 1u32..=25,
            gen_life in 1u32..=8,
            tenor_share in 0.0..=1.0_f64,
            dscr in 1.0..2.5_f64,
            grant in 0.0..0.9_f64,
            gearing in 0.0..0.9_f64,
            elec in 0.01..0.5_f64,
            kind in 0u8..3,
            cover in 0.0..=1.0_f64,
            fee in 0.0..0.05_f64,
            reduces in any::<bool>(),
            lockup in 0.5..2.0_f64,
            residual in 0.0..0.5_f64,
        ) -> Inputs {
            let mut p = Inputs::reference();
            p.n_acc = n_acc.floor().max(1.0);
            p.hw_cost_per_acc = hw;
            p.util = util;
            p.p_new = p_new;
            p.p_decline = p_decline;
            p.constr_years = c;
            p.fac_spend = vec![1.0 / f64::from(c); c as usize];
            let sum: f64 = p.fac_spend.iter().sum();
            p.fac_spend[0] += 1.0 - sum;
            p.op_years = l;
            p.gen_life = gen_life;
            p.tenor = (tenor_share * f64::from(l)).floor() as u32;
            p.dscr = dscr;
            p.grant_share = grant;
            p.grant_reduces_dep_base = reduces;
            p.max_gearing = gearing;
            p.elec_price = elec;
            p.lockup_dscr = lockup;
            p.hw_residual = residual;
            p.guarantee.kind = [GuaranteeType::None, GuaranteeType::PariPassu, GuaranteeType::FirstLoss][kind as usize];
            if kind > 0 {
                p.guarantee.cover = cover;
                p.guarantee.fee = fee;
                p.guarantee.first_loss_cap = cover;
            }
            p
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn no_panic_no_nan_no_negative_balance(p in valid_inputs()) {
            p.check("proptest").map_err(|e| TestCaseError::fail(e.to_string()))?;
            let out = engine::run(&p).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let m = serde_json::to_value(&out.metrics).map_err(|e| TestCaseError::fail(e.to_string()))?;
            for (k, v) in m.as_object().into_iter().flatten() {
                if let Some(x) = v.as_f64() {
                    prop_assert!(x.is_finite(), "{} = {}", k, x);
                }
                prop_assert!(!v.is_null() || matches!(k.as_str(),
                    "project_irr_pre_grant" | "project_irr_post_grant" | "equity_irr" | "equity_mirr"
                    | "min_dscr" | "avg_dscr" | "llcr_at_drawdown" | "equity_payback_years"
                    | "mobilisation_ratio_private_per_public"), "{} is undefined", k);
            }
            let scale = 1e-9 * out.metrics.lifetime_capex.max(1.0);
            for y in &out.years {
                prop_assert!(y.debt_balance >= -scale, "debt balance {} in t = {}", y.debt_balance, y.t);
                prop_assert!(y.dsra_balance >= -scale, "DSRA {} in t = {}", y.dsra_balance, y.t);
                prop_assert!(y.mra_balance >= -scale, "MRA {} in t = {}", y.mra_balance, y.t);
                prop_assert!(y.arrears >= 0.0 && y.shortfall >= 0.0);
                prop_assert!(y.tax >= 0.0);
            }
            prop_assert!(out.metrics.debt >= 0.0);
            prop_assert!(out.metrics.debt <= p.max_gearing * (out.metrics.initial_capex - out.metrics.grants_total) + scale);
        }
    }
}

#[test]
fn the_app_runs_monte_carlo_in_the_background_with_progress_and_cancel() -> TestResult {
    use gigafund::app::finance::MonteCarloJob;
    let job = MonteCarloJob::default();
    // Invalid inputs are refused before anything starts.
    let mut bad = Inputs::reference();
    bad.util = 2.0;
    assert!(job.start(bad, 1_000, 1, "en".into()).is_err());
    assert!(!job.status().running);
    job.start(Inputs::reference(), 3_000, 5, "en".into())?;
    // A second run is refused while the first is going (or it has already finished).
    let second = job.start(Inputs::reference(), 10, 5, "en".into());
    let mut status = job.status();
    for _ in 0..600 {
        if !status.running {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        status = job.status();
    }
    assert!(!status.running, "finished within 6 s");
    let view = status.result.ok_or("no result")?;
    if second.is_err() {
        assert_eq!(view.monte_carlo.paths, 3_000);
    }
    assert!(view.histogram_svg.starts_with("<svg"));
    assert!(
        view.monte_carlo.equity_irr.is_empty(),
        "per-path values stay in the engine"
    );
    assert_eq!(status.done, status.total);
    // Cancelling a long run stops it with nothing kept.
    job.start(Inputs::reference(), 1_000_000, 5, "en".into())?;
    job.cancel();
    let mut status = job.status();
    for _ in 0..1_000 {
        if !status.running {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        status = job.status();
    }
    assert!(!status.running);
    assert!(status.result.is_none());
    assert_eq!(
        status.error.map(|e| e.code),
        Some(gigafund::error::ErrorCode::Cancelled)
    );
    Ok(())
}

/// FINANCE.md §12: negative cash is covered by equity. A price so low that EBITDA is
/// negative in every operating year leaves no debt, and equity pays each year's deficit:
/// its flow is the year's cash (EBITDA − tax + resale) less any refresh it pays, never the
/// deficit turned into a distribution.
#[test]
fn negative_cash_is_paid_in_by_equity() -> TestResult {
    let mut p = Inputs::reference();
    p.p_new = 0.3;
    let run = engine::run(&p)?;
    assert_eq!(run.metrics.debt, 0.0, "no cash, no debt");
    let operating: Vec<_> = run.years.iter().filter(|y| y.operating).collect();
    assert!(
        operating.iter().all(|y| y.ebitda < 0.0),
        "every year loses money"
    );
    let last = run.years.len() - 1;
    for y in &operating[..operating.len() - 1] {
        let cash = y.ebitda - y.tax + y.resale;
        if cash < 0.0 {
            rel_close(
                y.equity_flow,
                cash - y.refresh_from_equity,
                1e-12,
                &format!("equity flow in year {}", y.t),
            );
            assert!(y.equity_flow < 0.0, "year {}: equity pays in", y.t);
        }
    }
    // Year T's resale of the last generation leaves a small positive flow: the equity
    // IRR is a heavy loss (with the deficits paid out to equity it would not be).
    assert!(run.years[last].equity_flow > 0.0);
    let irr = run.metrics.equity_irr.ok_or("an IRR")?;
    assert!(irr < -0.5, "equity IRR {irr}");
    Ok(())
}

/// FINANCE.md's conventions: zeros do not count as a sign change, so flows that stay
/// negative and end at exactly 0 have no IRR (numpy-financial would give the root −1 of
/// g = 0); trailing zeros after a real sign change still leave the IRR as it was.
#[test]
fn flows_ending_at_zero_without_a_sign_change_have_no_irr() {
    assert_eq!(tvm::irr(&[-100.0, -50.0, 0.0]), None);
    assert_eq!(tvm::irr(&[-1.0, 0.0, 0.0, 0.0]), None);
    assert_eq!(tvm::irr(&[0.0, 0.0]), None);
    assert_eq!(tvm::irr(&[0.0, 5.0, 0.0]), None);
    let with = tvm::irr(&[-5.0, 10.5, 1.0, -8.0, 1.0, 0.0, 0.0, 0.0]);
    let without = tvm::irr(&[-5.0, 10.5, 1.0, -8.0, 1.0]);
    assert!(with.is_some());
    assert_eq!(with, without);
}

/// Zero-spread draws: every path takes the same values. `at` gives the value of each
/// drawn input (its base value, or a stressed one).
fn point_mass(p: &Inputs, at: &dyn Fn(&str, f64) -> f64) -> Result<montecarlo::RiskSpec, String> {
    let mut spec = montecarlo::RiskSpec::default();
    for (name, d) in spec.distributions.iter_mut() {
        let v = at(name, p.get(name).ok_or("base value")?);
        *d = montecarlo::Distribution::Triangular {
            min: v,
            mode: Some(v),
            max: v,
        };
    }
    Ok(spec)
}

/// A Monte Carlo whose draws all sit at their base values is the deterministic engine
/// path after path; with every path's price 40 % below the base (the debt still sized on
/// the base), its statistics are that path's, the first-loss cap binding.
#[test]
fn monte_carlo_at_base_values_is_the_deterministic_engine() -> TestResult {
    let mut p = Inputs::reference();
    p.guarantee.kind = GuaranteeType::FirstLoss;
    p.guarantee.cover = 0.3;
    p.guarantee.first_loss_cap = 0.3;
    p.guarantee.fee = 0.01;
    let never = AtomicBool::new(false);
    // At the base values.
    let mut at_base = p.clone();
    at_base.risk = Some(point_mass(&p, &|_, v| v)?);
    let m = engine::run(&at_base)?.metrics;
    let mc = montecarlo::run(&at_base, 300, 7, &|_, _| {}, &never)?;
    assert_eq!(mc.paths, 300);
    assert_eq!(mc.equity_irr_undefined, 0);
    assert_eq!(mc.pd_payment_default, 0.0);
    assert!(!m.payment_default);
    rel_close(mc.base_debt, m.debt, 1e-15, "debt");
    rel_close(
        mc.equity_irr_p10.ok_or("p10")?,
        m.equity_irr.ok_or("irr")?,
        1e-12,
        "IRR P10",
    );
    rel_close(
        mc.equity_irr_p90.ok_or("p90")?,
        m.equity_irr.ok_or("irr")?,
        1e-12,
        "IRR P90",
    );
    rel_close(
        mc.min_dscr_p05.ok_or("dscr")?,
        m.min_dscr.ok_or("dscr")?,
        1e-12,
        "min DSCR",
    );
    // Every path's price 40 % lower, against the base case's debt.
    let mut low = p.clone();
    low.risk = Some(point_mass(&p, &|name, v| {
        if name == "p_new" { 0.6 * v } else { v }
    })?);
    let mc = montecarlo::run(&low, 300, 7, &|_, _| {}, &never)?;
    let mut q = p.clone();
    q.p_new *= 0.6;
    let path = montecarlo::prepare(&p)?.evaluate(&q);
    assert!(path.default && path.gross_shortfall_pv > 0.0);
    assert_eq!(mc.pd_payment_default, 1.0);
    rel_close(
        mc.expected_gross_shortfall,
        path.gross_shortfall_pv,
        1e-12,
        "gross shortfall",
    );
    rel_close(mc.expected_net_loss, path.loss_pv, 1e-12, "net loss");
    let own = mc.guarantees.last().ok_or("the scenario's guarantee")?;
    rel_close(
        own.expected_payout,
        path.own_guarantee_payout,
        1e-12,
        "first-loss payout",
    );
    assert!(
        own.expected_payout < path.gross_shortfall_pv,
        "the cap binds"
    );
    match (mc.equity_irr_p50, path.equity_irr) {
        (Some(a), Some(b)) => rel_close(a, b, 1e-12, "equity IRR"),
        (None, None) => assert_eq!(mc.equity_irr_undefined, 300),
        other => return Err(format!("equity IRR: {other:?}").into()),
    }
    Ok(())
}

/// FINANCE.md §14's first-loss reading: the cap (first_loss_cap·D, nominal euros) is used
/// up by the yearly shortfalls in year order; the payouts are then discounted at r_f to
/// drawdown.
#[test]
fn first_loss_cap_is_used_up_in_year_order_then_discounted() {
    let debt = engine::Debt {
        amount: 100.0,
        rate_all_in: 0.10,
        ..engine::Debt::default()
    };
    // Construction years 0 and 1 (C = 2), drawdown at the end of year 1.
    let shortfall = [0.0, 0.0, 0.0, 30.0, 40.0, 25.0];
    let paid =
        engine::guarantee_payout_pv(GuaranteeType::FirstLoss, 0.5, 0.5, &debt, &shortfall, 2);
    // Cap 50: year 3 takes 30, year 4 the remaining 20, year 5 nothing.
    let expected = 30.0 / 1.1_f64.powi(2) + 20.0 / 1.1_f64.powi(3);
    rel_close(paid, expected, 1e-14, "first-loss payout");
    let pari =
        engine::guarantee_payout_pv(GuaranteeType::PariPassu, 0.5, 0.0, &debt, &shortfall, 2);
    let all = 30.0 / 1.1_f64.powi(2) + 40.0 / 1.1_f64.powi(3) + 25.0 / 1.1_f64.powi(4);
    rel_close(pari, 0.5 * all, 1e-14, "pari-passu payout");
}

/// The IRR's shortcut (Descartes' rule of signs on P(1 + r) and on the polynomial of the
/// roots below r = 0, then a bracketed Newton) chooses the root that isolating every root
/// chooses, on flows of every shape: one sign change, several, roots on both sides of 0,
/// none, trailing zeros.
#[test]
fn the_irr_shortcut_agrees_with_isolating_every_root() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut compared = 0;
    let mut with_root = 0;
    for case in 0..20_000 {
        let len = 2 + (uniform() * 20.0) as usize;
        let mut v: Vec<f64> = (0..len)
            .map(|t| {
                let scale = 10f64.powf(uniform() * 9.0);
                match case % 4 {
                    // An investment, then mostly returns with the odd negative year.
                    0 if t < 2 => -scale,
                    0 => scale * (uniform() - 0.15),
                    // Any signs.
                    1 => scale * (uniform() - 0.5),
                    // A project with a closing cost.
                    2 if t == len - 1 => -scale * 3.0,
                    2 if t == 0 => -scale,
                    _ => scale * (uniform() - 0.3),
                }
            })
            .collect();
        if case % 7 == 0 {
            v.push(0.0);
            v.push(0.0);
        }
        let fast = tvm::irr(&v);
        let slow = tvm::irr_by_isolation(&v);
        compared += 1;
        match (fast, slow) {
            (Some(a), Some(b)) => {
                with_root += 1;
                assert!(
                    (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                    "{v:?}: shortcut {a}, isolation {b}"
                );
            }
            (None, None) => {}
            other => panic!("{v:?}: {other:?}"),
        }
    }
    assert_eq!(compared, 20_000);
    assert!(with_root > 10_000, "{with_root} flows with an IRR");
}

/// The same seed gives the same Monte Carlo, path for path, on one thread and on two.
#[test]
fn monte_carlo_is_the_same_on_one_and_two_threads() -> TestResult {
    let p = Inputs::reference();
    let never = AtomicBool::new(false);
    let on = |threads: usize| -> Result<montecarlo::MonteCarlo, Box<dyn std::error::Error>> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        Ok(pool.install(|| montecarlo::run(&p, 5_000, 11, &|_, _| {}, &never))?)
    };
    let (one, two) = (on(1)?, on(2)?);
    assert_eq!(one, two);
    assert_eq!(
        one.equity_irr.len() + one.equity_irr_undefined as usize,
        5_000
    );
    // And one path alone is the path of the run.
    let prepared = montecarlo::prepare(&p)?;
    let mut at = 0;
    for i in 0..200u64 {
        if let Some(irr) = prepared.path(i, 11).equity_irr {
            assert_eq!(irr, one.equity_irr[at], "path {i}");
            at += 1;
        }
    }
    Ok(())
}
