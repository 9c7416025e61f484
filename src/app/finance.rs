//! The finance side of the service surface: model inputs from a file or a bid, runs,
//! goal seek, tornado, Monte Carlo, scenarios and their charts.

use crate::error::{Error, Location, Result};
use crate::finance::engine::{self, Outcome};
use crate::finance::inputs::{GuaranteeType, Inputs, OwnLines};
use crate::finance::montecarlo::{self, MonteCarlo};
use crate::finance::sensitivity::{self, GoalSeek, GoalSeekResult, Tornado};
use crate::finance::{ENGINE_VERSION, Metrics};
use crate::ingest;
use crate::model::{Actor, Bid, CapexCategory, OpexCategory};
use crate::report::finance_charts::{self as charts, chart_text as text};
use crate::store::scenarios::{self, NewScenario, Scenario};
use crate::store::{self, Store};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use ts_rs::TS;

/// Reads a model file (TOML, or JSON when it starts with `{`).
pub fn read_inputs(path: &Path) -> Result<Inputs> {
    let file = ingest::display_name(path);
    Inputs::parse(&file, &ingest::read_text(path)?)
}

/// A bid's model inputs, and what the analyst should know about how they were derived.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct BidInputs {
    pub bid_id: i64,
    pub acronym: String,
    pub inputs: Inputs,
    pub notes: Vec<String>,
}

fn bid_problem(bid: &Bid, field: &str, rule: &str) -> Error {
    Error::invalid(
        Location::default()
            .with_sheet(&bid.acronym)
            .with_field(field),
        rule,
        None,
    )
}

fn is_it(c: CapexCategory) -> bool {
    matches!(
        c,
        CapexCategory::ItHardware
            | CapexCategory::Network
            | CapexCategory::Storage
            | CapexCategory::Software
    )
}

/// The model of a bid: its own capex and opex lines, its accelerators and sites, its
/// financing plan; revenue, tax and debt terms from FINANCE.md's reference (to be set by
/// the analyst: `gigafund model inputs --bid ID` writes them out for editing).
pub fn bid_inputs(bid: &Bid) -> Result<BidInputs> {
    let mut notes = Vec::new();
    let n_acc = bid.initial_accelerators() as f64;
    if n_acc < 1.0 {
        return Err(bid_problem(
            bid,
            "hardware",
            "the bid names no accelerators",
        ));
    }
    let first_capex = bid.capex.iter().map(|l| l.year).min();
    let first_opex = bid.opex.iter().map(|l| l.year).min();
    let last_opex = bid.opex.iter().map(|l| l.year).max();
    let (Some(y0), Some(op0), Some(op1)) = (first_capex, first_opex, last_opex) else {
        return Err(bid_problem(
            bid,
            "capex/opex",
            "the bid needs capex lines and opex lines by year",
        ));
    };
    if op0 <= y0 {
        return Err(bid_problem(
            bid,
            "opex",
            "operation must start after the first capex year (construction comes first)",
        ));
    }
    let c = (op0 - y0) as usize;
    let l = (op1 - op0 + 1) as usize;
    let n = c + l;
    let mut facility = vec![0.0; c];
    let mut it = vec![0.0; n];
    let mut electricity = vec![0.0; l];
    let mut other = vec![0.0; l];
    let mut late_facility = 0.0;
    for line in &bid.capex {
        let t = (line.year - y0) as usize;
        let eur = line.amount.as_euros_f64();
        if t >= n {
            notes.push(format!(
                "capex of {} after the last operating year is left out",
                line.year
            ));
        } else if is_it(line.category) {
            it[t] += eur;
        } else if t < c {
            facility[t] += eur;
        } else {
            late_facility += eur;
            facility[c - 1] += eur;
        }
    }
    if late_facility > 0.0 {
        notes.push(format!(
            "facility capex during operation (€{late_facility:.0}) is counted in the last construction year"
        ));
    }
    for line in &bid.opex {
        let i = (line.year - op0) as usize;
        let eur = line.amount.as_euros_f64();
        if line.category == OpexCategory::Electricity {
            electricity[i] += eur;
        } else {
            other[i] += eur;
        }
    }
    let it_mw = bid.it_mw();
    if it_mw <= 0.0 {
        return Err(bid_problem(
            bid,
            "sites",
            "the bid's sites declare no IT load (MW)",
        ));
    }
    let fac_total: f64 = facility.iter().sum();
    let it_gen1: f64 = it[..c].iter().sum();
    if it_gen1 <= 0.0 {
        return Err(bid_problem(
            bid,
            "capex",
            "the bid has no IT capex before operation starts",
        ));
    }
    let refreshes: Vec<usize> = (c..n).filter(|t| it[*t] > 0.0).collect();
    let gen_life = match refreshes.first() {
        Some(t) => (t + 1 - c) as u32,
        None => (l as u32).min(5),
    };
    let initial_capex = fac_total + it_gen1;
    let f = &bid.financing;
    let grants = f.eu_grant.as_euros_f64() + f.member_state_grant.as_euros_f64();
    let grant_share = (grants / initial_capex).clamp(0.0, 0.9);
    let debt = f.senior_debt.as_euros_f64();
    let max_gearing = (debt / (initial_capex - grants).max(1.0)).clamp(0.0, 0.9);
    let mut p = Inputs::reference();
    p.n_acc = n_acc;
    p.kw_it_per_acc = it_mw * 1000.0 / n_acc;
    p.pue = super::weighted_pue(bid).max(1.0);
    p.constr_years = c as u32;
    p.fac_spend = facility
        .iter()
        .map(|x| {
            if fac_total > 0.0 {
                x / fac_total
            } else {
                1.0 / c as f64
            }
        })
        .collect();
    let spend: f64 = p.fac_spend.iter().sum();
    p.fac_spend[0] += 1.0 - spend;
    p.op_years = l as u32;
    p.gen_life = gen_life.max(1);
    p.contingency = 0.0;
    p.hw_cost_per_acc = it_gen1 / n_acc;
    p.fac_capex_per_mw_it = fac_total.max(1.0) / it_mw;
    p.tenor = p.tenor.min(l as u32);
    p.grant_share = grant_share;
    p.max_gearing = max_gearing;
    p.guarantee.kind = match f.guarantee_kind {
        crate::model::GuaranteeKind::None => GuaranteeType::None,
        crate::model::GuaranteeKind::PariPassu => GuaranteeType::PariPassu,
        crate::model::GuaranteeKind::FirstLoss => GuaranteeType::FirstLoss,
    };
    if p.guarantee.kind != GuaranteeType::None && debt > 0.0 {
        let cover = (f.guarantee_amount.as_euros_f64() / debt).clamp(0.0, 1.0);
        p.guarantee.cover = cover;
        p.guarantee.first_loss_cap = cover;
        p.guarantee.fee = 0.01;
        notes.push("guarantee fee 1 % a year on the covered balance (an assumption)".into());
    }
    p.own_lines = Some(OwnLines {
        first_year: y0,
        facility,
        it,
        electricity,
        other_opex: other,
        ref_fac_capex_per_mw_it: p.fac_capex_per_mw_it,
        ref_hw_cost_per_acc: p.hw_cost_per_acc,
        ref_elec_price: p.elec_price,
    });
    notes.push(format!(
        "capex and opex from the bid's lines ({y0}–{op1}); revenue from the reference model's \
         prices (p_new €{:.2}/h, utilisation {:.0} %): set them for this bid",
        p.p_new,
        p.util * 100.0
    ));
    notes.push(format!(
        "grants {:.1} % of initial capex and the debt cap ({:.0} % of capex net of grants) from the \
         bid's financing plan",
        grant_share * 100.0,
        max_gearing * 100.0
    ));
    if (l as u32) < 10 {
        notes.push(format!(
            "tenor shortened to the {l} operating years the bid plans"
        ));
    }
    p.check(&bid.acronym)?;
    Ok(BidInputs {
        bid_id: bid.id,
        acronym: bid.acronym.clone(),
        inputs: p,
        notes,
    })
}

pub fn bid_model_inputs(store: &Store, bid_id: i64) -> Result<BidInputs> {
    bid_inputs(&store::bids::get(store.conn(), bid_id)?)
}

/// A run with its charts, for the app and `model run --chart`.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ModelView {
    pub inputs: Inputs,
    pub outcome: Outcome,
    pub cash_flow_svg: String,
    pub dscr_svg: String,
    pub engine_version: String,
}

pub fn run(inputs: &Inputs) -> Result<Outcome> {
    engine::run(inputs)
}

pub fn view(inputs: &Inputs, lang: &str) -> Result<ModelView> {
    let outcome = engine::run(inputs)?;
    let cash_flow_svg =
        charts::cash_flow_chart(&outcome.years, &text(lang, "cash_flow"), 760, 380)?;
    let dscr_svg = charts::dscr_chart(
        &outcome.years,
        inputs.dscr,
        inputs.lockup_dscr,
        &text(lang, "dscr"),
        760,
        320,
    )?;
    Ok(ModelView {
        inputs: inputs.clone(),
        outcome,
        cash_flow_svg,
        dscr_svg,
        engine_version: ENGINE_VERSION.to_string(),
    })
}

pub fn goal_seek(inputs: &Inputs, req: &GoalSeek) -> Result<GoalSeekResult> {
    sensitivity::goal_seek(inputs, req)
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct TornadoView {
    pub tornado: Tornado,
    pub svg: String,
}

/// Metrics shown in percent on charts.
fn percent_metric(name: &str) -> bool {
    name.contains("irr") || name.contains("rate") || name.starts_with("gearing")
}

pub fn tornado(inputs: &Inputs, metric: &str, change: f64, lang: &str) -> Result<TornadoView> {
    let tornado = sensitivity::tornado(inputs, metric, change, None)?;
    let mut t = text(lang, "tornado");
    let pct = percent_metric(metric);
    t.caption = format!("{} ± {:.0} %", t.caption, change * 100.0);
    t.x_axis = if pct {
        format!("{metric} (%)")
    } else {
        metric.to_string()
    };
    t.legend = t
        .legend
        .iter()
        .map(|l| l.replace('x', &format!("{:.0}", change * 100.0)))
        .collect();
    let svg = charts::tornado_chart(&tornado, 12, if pct { 100.0 } else { 1.0 }, &t, 760, 420)?;
    Ok(TornadoView { tornado, svg })
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct MonteCarloView {
    pub monte_carlo: MonteCarlo,
    pub histogram_svg: String,
}

pub fn monte_carlo(
    inputs: &Inputs,
    paths: u32,
    seed: u64,
    lang: &str,
    progress: &(dyn Fn(u32, u32) + Sync),
    cancel: &AtomicBool,
) -> Result<MonteCarloView> {
    let mc = montecarlo::run(inputs, paths, seed, progress, cancel)?;
    let histogram_svg = charts::irr_histogram(&mc, &text(lang, "irr"), 760, 340)?;
    Ok(MonteCarloView {
        monte_carlo: mc,
        histogram_svg,
    })
}

/// Runs the model (and Monte Carlo when asked) and stores the next version of `name`.
#[allow(clippy::too_many_arguments)]
pub fn save_scenario(
    store: &mut Store,
    actor: &Actor,
    bid_id: Option<i64>,
    name: &str,
    note: &str,
    inputs: &Inputs,
    monte_carlo: Option<&MonteCarlo>,
) -> Result<Scenario> {
    if let Some(id) = bid_id {
        store::bids::get(store.conn(), id)?;
    }
    let outcome = engine::run(inputs)?;
    let id = store.write(actor, |tx| {
        scenarios::insert(
            tx,
            &NewScenario {
                bid_id,
                name,
                inputs,
                metrics: &outcome.metrics,
                monte_carlo,
                engine_version: ENGINE_VERSION,
                note,
            },
        )
    })?;
    scenarios::get(store.conn(), id)
}

pub fn scenarios(store: &Store, bid_id: Option<i64>) -> Result<Vec<Scenario>> {
    scenarios::list(store.conn(), bid_id)
}

pub fn scenario(store: &Store, id: i64) -> Result<Scenario> {
    scenarios::get(store.conn(), id)
}

/// Scenarios side by side: the metrics, and the inputs that differ.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Comparison {
    pub scenarios: Vec<ScenarioHead>,
    pub metrics: Vec<ComparedValue>,
    /// Only the inputs whose values are not all equal.
    pub inputs: Vec<ComparedValue>,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ScenarioHead {
    pub id: i64,
    pub label: String,
    pub engine_version: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ComparedValue {
    pub key: String,
    #[ts(type = "unknown[]")]
    pub values: Vec<serde_json::Value>,
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut BTreeMap<String, serde_json::Value>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, x) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, x, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

pub fn compare(store: &Store, ids: &[i64]) -> Result<Comparison> {
    if ids.len() < 2 {
        return Err(Error::invalid(
            Location::default().with_field("scenarios"),
            "name at least two scenarios to compare",
            Some(ids.len().to_string()),
        ));
    }
    let list: Vec<Scenario> = ids
        .iter()
        .map(|id| scenario(store, *id))
        .collect::<Result<_>>()?;
    let table =
        |f: &dyn Fn(&Scenario) -> serde_json::Value, only_diff: bool| -> Vec<ComparedValue> {
            let flat: Vec<BTreeMap<String, serde_json::Value>> = list
                .iter()
                .map(|s| {
                    let mut m = BTreeMap::new();
                    flatten("", &f(s), &mut m);
                    m
                })
                .collect();
            let keys: std::collections::BTreeSet<&String> =
                flat.iter().flat_map(|m| m.keys()).collect();
            keys.into_iter()
                .map(|k| ComparedValue {
                    key: k.clone(),
                    values: flat
                        .iter()
                        .map(|m| m.get(k).cloned().unwrap_or(serde_json::Value::Null))
                        .collect(),
                })
                .filter(|c| !only_diff || c.values.windows(2).any(|w| w[0] != w[1]))
                .collect()
        };
    let metrics = table(
        &|s| serde_json::to_value(&s.metrics).unwrap_or_default(),
        false,
    );
    let inputs = table(
        &|s| serde_json::to_value(&s.inputs).unwrap_or_default(),
        true,
    );
    Ok(Comparison {
        scenarios: list
            .iter()
            .map(|s| ScenarioHead {
                id: s.id,
                label: format!(
                    "{}{} v{}",
                    s.bid_acronym
                        .as_ref()
                        .map(|a| format!("{a} · "))
                        .unwrap_or_default(),
                    s.name,
                    s.version
                ),
                engine_version: s.engine_version.clone(),
            })
            .collect(),
        metrics,
        inputs,
    })
}

/// The metrics of a run under FINANCE.md's names, for `--json` consumers.
pub fn metrics_json(m: &Metrics) -> Result<serde_json::Value> {
    serde_json::to_value(m).map_err(|e| Error::Internal(e.to_string()))
}

/// Where a Monte Carlo run started by the app stands (the UI polls it for its progress bar).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct MonteCarloStatus {
    pub running: bool,
    pub done: u32,
    pub total: u32,
    /// The last finished run (per-path values left out; the histogram is there).
    pub result: Option<MonteCarloView>,
    pub error: Option<crate::error::ErrorPayload>,
}

#[derive(Debug, Default)]
struct JobState {
    done: std::sync::atomic::AtomicU32,
    total: std::sync::atomic::AtomicU32,
    running: AtomicBool,
    cancel: AtomicBool,
    outcome:
        std::sync::Mutex<Option<std::result::Result<MonteCarloView, crate::error::ErrorPayload>>>,
}

/// One Monte Carlo run at a time, in a background thread, with progress and cancellation.
#[derive(Debug, Default, Clone)]
pub struct MonteCarloJob {
    state: std::sync::Arc<JobState>,
}

impl MonteCarloJob {
    /// Checks the inputs, then starts the run; refused while another run is going.
    pub fn start(&self, inputs: Inputs, paths: u32, seed: u64, lang: String) -> Result<()> {
        use std::sync::atomic::Ordering::SeqCst;
        inputs.check("inputs")?;
        if paths == 0 || paths > 1_000_000 {
            return Err(Error::invalid(
                Location::default().with_field("paths"),
                "between 1 and 1,000,000 paths",
                Some(paths.to_string()),
            ));
        }
        if self.state.running.swap(true, SeqCst) {
            return Err(Error::Conflict(
                "a Monte Carlo run is already going: wait for it or cancel it".into(),
            ));
        }
        self.state.done.store(0, SeqCst);
        self.state.total.store(paths, SeqCst);
        self.state.cancel.store(false, SeqCst);
        if let Ok(mut o) = self.state.outcome.lock() {
            *o = None;
        }
        let state = self.state.clone();
        std::thread::spawn(move || {
            let progress = |done: u32, _total: u32| {
                state.done.fetch_max(done, SeqCst);
            };
            let result = monte_carlo(&inputs, paths, seed, &lang, &progress, &state.cancel)
                .map(|mut v| {
                    v.monte_carlo.equity_irr.clear();
                    v.monte_carlo.min_dscr.clear();
                    v
                })
                .map_err(|e| e.to_payload());
            if let Ok(mut o) = state.outcome.lock() {
                *o = Some(result);
            }
            state.running.store(false, SeqCst);
        });
        Ok(())
    }

    pub fn cancel(&self) {
        self.state
            .cancel
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn status(&self) -> MonteCarloStatus {
        use std::sync::atomic::Ordering::SeqCst;
        let outcome = self.state.outcome.lock().ok().and_then(|o| o.clone());
        let (result, error) = match outcome {
            Some(Ok(v)) => (Some(v), None),
            Some(Err(e)) => (None, Some(e)),
            None => (None, None),
        };
        MonteCarloStatus {
            running: self.state.running.load(SeqCst),
            done: self.state.done.load(SeqCst),
            total: self.state.total.load(SeqCst),
            result,
            error,
        }
    }
}

// ---------------------------------------------------------------------------------------
// A scenario's results as a workbook

/// The yearly series of the model, in the order and with the labels of the workbook.
const YEARLY: [(&str, &str, &str); 26] = [
    ("capex", "Capex", "Investissements"),
    ("grants", "Grants", "Subventions"),
    ("revenue", "Revenue", "Recettes"),
    ("electricity", "Electricity", "Électricité"),
    ("opex", "Operating costs", "Coûts d'exploitation"),
    ("ebitda", "EBITDA", "EBE"),
    ("depreciation", "Depreciation", "Amortissements"),
    ("interest", "Interest", "Intérêts"),
    ("guarantee_fee", "Guarantee fee", "Commission de garantie"),
    ("tax", "Tax", "Impôt"),
    (
        "resale",
        "Resale of retired hardware",
        "Revente du matériel retiré",
    ),
    (
        "refresh_capex",
        "Hardware refresh",
        "Renouvellement du matériel",
    ),
    (
        "refresh_from_equity",
        "Refresh paid by equity",
        "Renouvellement payé par les fonds propres",
    ),
    (
        "mra_balance",
        "Maintenance reserve",
        "Réserve de maintenance",
    ),
    (
        "cfads",
        "Cash flow available for debt service",
        "Flux disponible pour le service de la dette",
    ),
    ("debt_service", "Debt service", "Service de la dette"),
    ("principal", "Principal repaid", "Capital remboursé"),
    ("debt_balance", "Debt outstanding", "Encours de la dette"),
    ("dscr", "DSCR", "Ratio de couverture du service de la dette"),
    (
        "dsra_balance",
        "Debt-service reserve",
        "Réserve de service de la dette",
    ),
    ("shortfall", "Shortfall", "Insuffisance"),
    (
        "distributed",
        "Distributed to equity",
        "Distribué aux actionnaires",
    ),
    ("trapped", "Cash locked up", "Trésorerie bloquée"),
    ("equity_flow", "Equity cash flow", "Flux des fonds propres"),
    (
        "project_flow_pre_grant",
        "Project cash flow before grants",
        "Flux du projet avant subventions",
    ),
    (
        "project_flow_post_grant",
        "Project cash flow after grants",
        "Flux du projet après subventions",
    ),
];

/// A saved scenario as an .xlsx: what it is, its metrics, its yearly results (the model
/// run again on its inputs, which gives the same figures) and its inputs.
pub fn scenario_workbook(store: &Store, id: i64, lang: &str) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let s = scenario(store, id)?;
    let out = run(&s.inputs)?;
    let fr = lang == "fr";
    let t = |en: &'static str, fr_: &'static str| if fr { fr_ } else { en };
    let x = |e: rust_xlsxwriter::XlsxError| Error::Internal(format!("writing the workbook: {e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0");
    let ratio = Format::new().set_num_format("0.00");

    let ws = wb.add_worksheet();
    ws.set_name(t("Scenario", "Scénario")).map_err(x)?;
    let rows: Vec<(&str, String)> = vec![
        (t("Scenario", "Scénario"), s.name.clone()),
        (t("Version", "Version"), s.version.to_string()),
        (
            t("Bid", "Candidature"),
            s.bid_acronym.clone().unwrap_or_default(),
        ),
        (
            t("Saved", "Enregistré"),
            s.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        ),
        (t("By", "Par"), s.created_by.clone()),
        (
            t("Model version", "Version du modèle"),
            s.engine_version.clone(),
        ),
        (t("Note", "Note"), s.note.clone()),
    ];
    ws.set_column_width(0, 28).map_err(x)?;
    ws.set_column_width(1, 48).map_err(x)?;
    for (r, (k, v)) in rows.iter().enumerate() {
        ws.write_string_with_format(r as u32, 0, *k, &bold)
            .map_err(x)?;
        ws.write_string(r as u32, 1, v.as_str()).map_err(x)?;
    }

    let ws = wb.add_worksheet();
    ws.set_name(t("Metrics", "Indicateurs")).map_err(x)?;
    ws.set_column_width(0, 48).map_err(x)?;
    ws.set_column_width(1, 18).map_err(x)?;
    ws.write_string_with_format(0, 0, t("Metric", "Indicateur"), &bold)
        .map_err(x)?;
    ws.write_string_with_format(0, 1, t("Value", "Valeur"), &bold)
        .map_err(x)?;
    let metrics = metrics_json(&out.metrics)?;
    let mut r = 1;
    if let Some(map) = metrics.as_object() {
        for (k, v) in map {
            ws.write_string(r, 0, k.as_str()).map_err(x)?;
            match v.as_f64() {
                Some(n) => ws.write_number(r, 1, n).map_err(x)?,
                None => ws.write_string(r, 1, v.to_string()).map_err(x)?,
            };
            r += 1;
        }
    }

    let ws = wb.add_worksheet();
    ws.set_name(t("Yearly results", "Résultats annuels"))
        .map_err(x)?;
    ws.set_column_width(0, 44).map_err(x)?;
    ws.write_string_with_format(0, 0, t("€ per year", "€ par an"), &bold)
        .map_err(x)?;
    for (c, y) in out.years.iter().enumerate() {
        let col = c as u16 + 1;
        match y.year {
            Some(cal) => ws.write_number_with_format(0, col, f64::from(cal), &bold),
            None => ws.write_string_with_format(0, col, format!("t{}", y.t), &bold),
        }
        .map_err(x)?;
        ws.set_column_width(col, 15).map_err(x)?;
    }
    let years = serde_json::to_value(&out.years).map_err(|e| Error::Internal(e.to_string()))?;
    for (r, (key, en, fr_)) in YEARLY.iter().enumerate() {
        let row = r as u32 + 1;
        ws.write_string(row, 0, if fr { *fr_ } else { *en })
            .map_err(x)?;
        for (c, y) in years.as_array().into_iter().flatten().enumerate() {
            if let Some(n) = y.get(*key).and_then(|v| v.as_f64()) {
                let f = if *key == "dscr" { &ratio } else { &money };
                ws.write_number_with_format(row, c as u16 + 1, n, f)
                    .map_err(x)?;
            }
        }
    }
    ws.set_freeze_panes(1, 1).map_err(x)?;

    let ws = wb.add_worksheet();
    ws.set_name(t("Inputs", "Hypothèses")).map_err(x)?;
    ws.set_column_width(0, 36).map_err(x)?;
    ws.set_column_width(1, 18).map_err(x)?;
    ws.write_string_with_format(0, 0, t("Input", "Hypothèse"), &bold)
        .map_err(x)?;
    ws.write_string_with_format(0, 1, t("Value", "Valeur"), &bold)
        .map_err(x)?;
    let mut flat = BTreeMap::new();
    flatten(
        "",
        &serde_json::to_value(&s.inputs).map_err(|e| Error::Internal(e.to_string()))?,
        &mut flat,
    );
    for (i, (k, v)) in flat.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, k.as_str()).map_err(x)?;
        match v.as_f64() {
            Some(n) => ws.write_number(row, 1, n).map_err(x)?,
            None => ws
                .write_string(row, 1, v.to_string().trim_matches('"'))
                .map_err(x)?,
        };
    }
    wb.save_to_buffer().map_err(x)
}
