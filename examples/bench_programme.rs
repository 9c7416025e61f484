//! Benchmark of the programme office's portfolio (issue: a portfolio of 500 awards × 12
//! milestones × 8 tranches — the envelope statement, leverage and the disbursement
//! forecast from opening the database, under 0.3 s on a 2-core machine). Run through
//! `scripts/bench-programme.sh` (our crate optimised).
//!
//! Builds, in the directory given, a database with one programme template (12 milestones
//! in a chain, 8 tranches) recording 500 awards across the EU states, part-way through
//! their milestones and payments, imported in one transaction. Then times, from opening
//! the file, medians of 7 runs:
//! * `app::programme::portfolio` + JSON, what the app's `programme_portfolio` command does;
//! * the baseline in the same run: a plain read of the same award, milestone and tranche
//!   rows to JSON.
//!
//! * schedule risk (issue: 500 awards × 20,000 paths, about 10 milestones each, under 1 s
//!   against a vectorised numpy version of the same draws): `app::programme::schedule_risk`
//!   on a second programme whose awards have reached at most two milestones, medians of 3
//!   runs; the awards' milestones and tranches are written to `risk-plans.json` beside the
//!   database for `benches/schedule_risk_numpy.py`.
//!
//! Prints one JSON document.

use gigafund::model::Actor;
use gigafund::store::Store;
use std::fmt::Write;
use std::time::Instant;

/// A plain row: the award or its milestone or tranche, with its key columns.
type Row = (i64, String, String, String, Option<String>, Option<String>);

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

const STATES: [&str; 27] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

/// The programme file: its rules, 12 milestones, 8 tranches and `awards` recorded awards,
/// award `n` having reached `reached(n)` milestones.
fn programme(
    code: &str,
    awards: usize,
    reached: impl Fn(usize) -> usize,
) -> Result<String, std::fmt::Error> {
    let mut t = format!(
        "code = \"{code}\"\nname = \"Benchmark programme\"\ncalls = [\"BENCH-AIF\"]\nleverage_target = 2.0\n\
         at_risk_days = 60\nupgrade_window_years = [1, 3]\n\
         eu_sources = [{{ source = \"digital_europe\", share = 0.5 }}, {{ source = \"horizon_europe\", share = 0.5 }}]\n\
         [caps]\neu_share_acquisition = 0.5\neu_share_operation = 0.5\n\
         [payments]\nmax_before_final = 0.9\nretention = 0.05\npre_financing_due_days = 30\ninterim_due_days = 90\nfinal_due_days = 90\n\
         [schedule_risk]\noptimistic = 0.8\nlikely = 1.0\npessimistic = 1.25\ntarget = \"M12\"\n",
    );
    for i in 1..=12 {
        writeln!(
            t,
            "[[milestone]]\ncode = \"M{i:02}\"\nname = \"Milestone {i}\"\nname_fr = \"Jalon {i}\"\nname_de = \"Meilenstein {i}\"\n\
             kinds = [\"ai_factory\"]\nmonths = {}\n{}{}",
            3 * i,
            if i > 1 {
                format!("after = [\"M{:02}\"]\n", i - 1)
            } else {
                String::new()
            },
            if i == 11 { "upgrade = true\n" } else { "" }
        )?;
    }
    // Pre-financing 10 %, six interim payments of 12 %, the final payment 18 %.
    writeln!(
        t,
        "[[tranche]]\ncode = \"PRE\"\nkind = \"pre_financing\"\nshare = 0.10\nkinds = [\"ai_factory\"]\n"
    )?;
    for i in 1..=6 {
        writeln!(
            t,
            "[[tranche]]\ncode = \"INT{i}\"\nkind = \"interim\"\nshare = 0.12\ngate = \"M{:02}\"\nkinds = [\"ai_factory\"]\n",
            i + 1
        )?;
    }
    writeln!(
        t,
        "[[tranche]]\ncode = \"FINAL\"\nkind = \"final\"\nshare = 0.18\ngate = \"M12\"\nkinds = [\"ai_factory\"]\n"
    )?;
    for year in 2024..=2034 {
        for source in ["digital_europe", "horizon_europe", "member_state"] {
            writeln!(
                t,
                "[[envelope]]\nsource = \"{source}\"\nyear = {year}\namount_eur = 3_000_000_000\n"
            )?;
        }
    }
    for n in 0..awards {
        let year = 2024 + (n % 3);
        let month = 1 + n % 12;
        // Awards selected in 2024–2026, part-way along their chains: the older, the further.
        let reached = reached(n);
        writeln!(
            t,
            "[[award]]\nacronym = \"AIF-{n:03}\"\ntitle = \"AI Factory {n}\"\nhost = \"Host {n}\"\ncountry = \"{}\"\n\
             call_code = \"BENCH-AIF\"\ncall_kind = \"ai_factory\"\nselected_on = {year}-{month:02}-01\n\
             eu_eur = {}\nmember_state_eur = {}\nprivate_eur = 20_000_000\nacquisition_eur = {}\noperation_eur = {}\n\
             hosting_signed = {year}-{month:02}-15\ngrant_signed = {year}-{month:02}-20\npaid = [{}]",
            STATES[n % STATES.len()],
            50_000_000 + 1_000_000 * (n % 40),
            50_000_000 + 1_000_000 * (n % 40),
            120_000_000 + 2_000_000 * (n % 40),
            80_000_000,
            std::iter::once("\"PRE\"".to_string())
                .chain(
                    (1..=6)
                        .filter(|i| *i < reached)
                        .map(|i| format!("\"INT{i}\""))
                )
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        for m in 1..=reached {
            // Each reached milestone on its baseline month (3·m months after selection).
            let total = (month - 1) + 3 * m;
            let (y, mo) = (year + total / 12, 1 + total % 12);
            writeln!(
                t,
                "[[award.reached]]\ncode = \"M{m:02}\"\nactual = {y}-{mo:02}-10\nverified = true"
            )?;
        }
    }
    Ok(t)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .ok_or("usage: bench_programme DIR")?;
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("programme-bench.sqlite3");
    let actor = Actor::new("bench", chrono::Utc::now());
    let t = Instant::now();
    if !path.exists() {
        let mut store = Store::open(&path)?;
        gigafund::app::programme::import_text(
            &mut store,
            &actor,
            "bench.toml",
            &programme("BENCH", 500, |n| (n * 7) % 11)?,
        )?;
        gigafund::app::programme::import_text(
            &mut store,
            &actor,
            "risk.toml",
            &programme("RISK", 500, |n| n % 3)?,
        )?;
    }
    let build = t.elapsed().as_secs_f64();
    let today = chrono::NaiveDate::from_ymd_opt(2027, 6, 1).ok_or("date")?;

    let (mut lib, mut base) = (vec![], vec![]);
    let mut figures = (0u32, 0usize, 0usize, 0usize, 0usize);
    for _ in 0..7 {
        let t = Instant::now();
        let store = Store::open(&path)?;
        let p = gigafund::app::programme::portfolio(&store, "BENCH", today)?;
        let json = serde_json::to_string(&p)?;
        lib.push(t.elapsed().as_secs_f64());
        figures.0 = p.awards;
        figures.1 = json.len();
        figures.2 = p.forecast.len();

        let t = Instant::now();
        let store = Store::open(&path)?;
        let conn = store.conn();
        let awards: Vec<(i64, String, String, String, String, String)> = conn
            .prepare(
                "SELECT id, acronym, country, status, selected_on, figures FROM awards
                 WHERE programme_id = (SELECT id FROM programmes WHERE code = 'BENCH')",
            )?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        let milestones: Vec<Row> = conn
            .prepare(
                "SELECT m.award_id, m.code, m.baseline, m.forecast, m.actual, m.verified_on
                 FROM award_milestones m JOIN awards a ON a.id = m.award_id
                 WHERE a.programme_id = (SELECT id FROM programmes WHERE code = 'BENCH')",
            )?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        let tranches: Vec<(i64, String, String, i64, i64, Option<String>)> = conn
            .prepare(
                "SELECT t.award_id, t.code, t.state, t.cents, t.paid_cents, t.paid_on
                 FROM award_tranches t JOIN awards a ON a.id = t.award_id
                 WHERE a.programme_id = (SELECT id FROM programmes WHERE code = 'BENCH')",
            )?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        let _ = serde_json::to_string(&(&awards, &milestones, &tranches))?;
        base.push(t.elapsed().as_secs_f64());
        figures.3 = milestones.len();
        figures.4 = tranches.len();
    }
    // Schedule risk, and what numpy needs to draw the same: drawn up as of the first
    // selections, so that no open milestone is already overdue.
    let today = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("date")?;
    let store = Store::open(&path)?;
    let never = std::sync::atomic::AtomicBool::new(false);
    let mut risk = vec![];
    let mut last = None;
    for _ in 0..3 {
        let t = Instant::now();
        let r = gigafund::app::programme::schedule_risk(
            &store,
            "RISK",
            today,
            20_000,
            7,
            None,
            &|_, _| {},
            &never,
        )?;
        risk.push(t.elapsed().as_secs_f64());
        last = Some(r);
    }
    let last = last.ok_or("no run")?;
    let mean_probability =
        last.awards.iter().map(|a| a.probability).sum::<f64>() / last.awards.len().max(1) as f64;
    let p50_by_year: Vec<(i32, f64)> = last
        .years
        .iter()
        .map(|y| (y.year, y.p50.as_euros_f64()))
        .collect();
    let mut plans = Vec::new();
    let mut remaining = 0usize;
    for a in gigafund::app::programme::awards(&store, Some("RISK"), today)? {
        let d = gigafund::app::programme::show_award(&store, a.id, "en", today)?;
        remaining += d
            .milestones
            .iter()
            .filter(|m| m.milestone.actual.is_none())
            .count();
        plans.push(serde_json::json!({
            "selected_on": d.award.selected_on,
            "milestones": d.milestones.iter().map(|m| serde_json::json!({
                "code": m.milestone.code, "baseline": m.milestone.baseline,
                "forecast": m.milestone.forecast, "actual": m.milestone.actual, "after": m.after,
            })).collect::<Vec<_>>(),
            "tranches": d.tranches.iter().map(|t| serde_json::json!({
                "gate": t.tranche.gate, "due_days": t.tranche.due_days, "cents": t.tranche.amount.0,
                "paid": t.tranche.state == gigafund::programme::TrancheState::Paid,
                "fixed_on": t.due_on,
            })).collect::<Vec<_>>(),
        }));
    }
    std::fs::write(
        dir.join("risk-plans.json"),
        serde_json::to_vec(&serde_json::json!({
            "today": today, "paths": 20_000, "optimistic": last.params.optimistic,
            "likely": last.params.likely, "pessimistic": last.params.pessimistic,
            "target": "M12", "awards": plans,
        }))?,
    )?;
    let doc = serde_json::json!({
        "database": path.display().to_string(),
        "build_seconds": build,
        "awards": figures.0,
        "milestones": figures.3,
        "tranches": figures.4,
        "forecast_rows": figures.2,
        "json_bytes": figures.1,
        "portfolio_seconds": median(lib),
        "baseline_seconds": median(base),
        "risk_awards": 500,
        "risk_paths": 20_000,
        "risk_remaining_milestones_per_award": remaining as f64 / 500.0,
        "risk_years": last.years.len(),
        "risk_mean_probability": mean_probability,
        "risk_p50_by_year": p50_by_year,
        "risk_seconds": median(risk),
        "risk_plans": dir.join("risk-plans.json").display().to_string(),
    });
    println!("{doc}");
    Ok(())
}
