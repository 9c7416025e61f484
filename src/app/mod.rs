//! The one service surface both front-ends call: the CLI (`src/main.rs`) and the Tauri
//! commands (`src-tauri/`) are thin wrappers over these functions.

pub mod applicant;
pub mod audit;
pub mod calls;
pub mod evaluation;
pub mod expert;
pub mod finance;
pub mod intake;
pub mod monitoring;
pub mod programme;
pub mod reports;
pub mod settings;

use crate::compute::{
    self,
    estimate::{Estimate, EstimateParams},
    relative::{InferenceTable, RelativeTable},
    scaling::ScalingFit,
};
use crate::countries::countries;
use crate::demo::{self, DemoFiles};
use crate::eligibility::{self, RuleOutcome};
use crate::error::{Error, Location, Problem, Result};
use crate::ingest;
use crate::model::{
    Accelerator, Actor, BenchmarkRun, BenchmarkSuite, Bid, BidStatus, Call, CallKind, Eur,
    MemberRole,
};
use crate::store::{self, Store};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// The version of this build of Gigafund.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The languages Gigafund speaks, as ISO 639-1 codes.
pub const LANGUAGES: [&str; 3] = ["en", "fr", "de"];

/// The system's language, when it is one Gigafund speaks: the POSIX locale variables in
/// their order of precedence (`LANGUAGE`'s list, `LC_ALL`, `LC_MESSAGES`, `LANG`); `None`
/// for the C locale or another language. A choice made in the app overrides it.
pub fn system_language() -> Option<&'static str> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let first = var("LANGUAGE")
        .and_then(|l| l.split(':').find(|v| !v.is_empty()).map(str::to_owned))
        .or_else(|| var("LC_ALL"))
        .or_else(|| var("LC_MESSAGES"))
        .or_else(|| var("LANG"))?;
    language_of_locale(&first)
}

/// `fr_FR.UTF-8`, `fr-BE`, `de_DE@euro`, `en` → the language, when Gigafund speaks it.
pub fn language_of_locale(locale: &str) -> Option<&'static str> {
    let code = locale
        .split(['_', '-', '.', '@'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    LANGUAGES.into_iter().find(|l| *l == code)
}

/// Where the database lives when the user names none: the platform data directory.
pub fn default_database_path() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("eu", "Gigafund", "gigafund").ok_or_else(|| {
        Error::Internal("no home directory: pass --db PATH to choose the database".into())
    })?;
    Ok(dirs.data_dir().join("gigafund.sqlite3"))
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct DatabaseInfo {
    pub path: Option<String>,
    pub schema_version: i64,
    pub empty: bool,
    pub app_version: String,
    /// Set in an expert's own database, opened from a package: the app acts as them only.
    pub package: Option<PackageDatabase>,
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct PackageDatabase {
    pub package_id: String,
    pub call: String,
    pub evaluator_id: i64,
    pub evaluator: String,
}

pub fn info(store: &Store) -> Result<DatabaseInfo> {
    let package = match crate::evaluation::package::opened(store.conn())? {
        Some((package_id, call, evaluator_id)) => Some(PackageDatabase {
            evaluator: store::evaluation::evaluator(store.conn(), evaluator_id)?.email,
            package_id,
            call,
            evaluator_id,
        }),
        None => None,
    };
    Ok(DatabaseInfo {
        path: store.path().map(|p| p.display().to_string()),
        schema_version: store.schema_version()?,
        empty: store.is_empty()?,
        app_version: VERSION.to_string(),
        package,
    })
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct CallSummary {
    pub code: String,
    pub kind: CallKind,
    pub programme: String,
    pub title: String,
    pub budget: Eur,
    pub opens: NaiveDate,
    pub deadline: NaiveDate,
    pub criteria: u32,
    pub bids: u32,
    pub eligible_bids: u32,
    pub requested_eu: Eur,
    pub requested_member_state: Eur,
    /// Requested EU contribution of eligible bids, the figure compared with the budget.
    pub requested_eu_eligible: Eur,
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct ProgrammeSummary {
    pub calls: Vec<CallSummary>,
    pub bids: u32,
    pub organisations: u32,
    pub countries: Vec<String>,
    pub evaluators: u32,
    pub declared_conflicts: u32,
    pub budget_total: Eur,
    pub requested_eu_total: Eur,
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct BidRow {
    pub id: i64,
    pub call_code: String,
    pub call_kind: CallKind,
    pub acronym: String,
    pub title: String,
    pub consortium: String,
    pub coordinator: String,
    pub coordinator_country: String,
    pub countries: Vec<String>,
    pub members: u32,
    pub status: BidStatus,
    pub version: u32,
    pub accelerator: String,
    pub accelerators: u64,
    pub it_mw: f64,
    /// PUE weighted by each site's IT power.
    pub pue: f64,
    pub renewable_share: f64,
    pub requested_eu: Eur,
    pub requested_member_state: Eur,
    pub capex_total: Eur,
    pub eligible: bool,
    pub failed_rules: Vec<String>,
    /// When a submission of this version came after the call closed (it is a late draft).
    pub received_late: Option<String>,
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct CountryPresence {
    pub code: String,
    pub name_en: String,
    pub name_fr: String,
    pub members: Vec<String>,
    pub roles: Vec<MemberRole>,
    pub sites: Vec<String>,
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct YearCosts {
    pub year: i32,
    pub capex: Eur,
    pub opex: Eur,
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct BidDetail {
    pub bid: Bid,
    pub call_title: String,
    pub call_kind: CallKind,
    pub eligible: bool,
    pub eligibility: Vec<RuleOutcome>,
    pub countries: Vec<CountryPresence>,
    pub years: Vec<YearCosts>,
    pub accelerator: Option<Accelerator>,
    pub capex_total: Eur,
    pub opex_total: Eur,
    pub financing_total: Eur,
    pub it_mw: f64,
    pub pue: f64,
}

pub(crate) fn weighted_pue(bid: &Bid) -> f64 {
    let mw = bid.it_mw();
    if mw <= 0.0 {
        return 0.0;
    }
    bid.sites.iter().map(|s| s.it_mw * s.pue).sum::<f64>() / mw
}

fn weighted_renewable(bid: &Bid) -> f64 {
    let mw = bid.it_mw();
    if mw <= 0.0 {
        return 0.0;
    }
    bid.sites
        .iter()
        .map(|s| s.it_mw * s.renewable_share)
        .sum::<f64>()
        / mw
}

/// Calls and bids loaded once, with each bid's eligibility outcome.
struct Programme {
    calls: Vec<Call>,
    bids: Vec<(Bid, Vec<RuleOutcome>)>,
}

fn programme(store: &Store) -> Result<Programme> {
    let calls = store::calls::list(store.conn())?;
    let by_code: BTreeMap<&str, &Call> = calls.iter().map(|c| (c.code.as_str(), c)).collect();
    let countries = countries()?;
    let mut bids = Vec::new();
    for bid in store::bids::current(store.conn())? {
        let call = by_code.get(bid.call_code.as_str()).ok_or_else(|| {
            Error::Internal(format!(
                "bid {} names a missing call {}",
                bid.id, bid.call_code
            ))
        })?;
        let outcomes = eligibility::check(call, &bid, countries);
        bids.push((bid, outcomes));
    }
    Ok(Programme { calls, bids })
}

pub fn summary(store: &Store) -> Result<ProgrammeSummary> {
    let p = programme(store)?;
    let mut calls = Vec::new();
    for c in &p.calls {
        let bids: Vec<_> = p
            .bids
            .iter()
            .filter(|(b, _)| b.call_code == c.code)
            .collect();
        let eligible: Vec<_> = bids
            .iter()
            .filter(|(_, o)| o.iter().all(|r| r.passed))
            .collect();
        calls.push(CallSummary {
            code: c.code.clone(),
            kind: c.kind,
            programme: c.programme.clone(),
            title: c.title.clone(),
            budget: c.budget,
            opens: c.opens,
            deadline: c.deadline,
            criteria: c.criteria.len() as u32,
            bids: bids.len() as u32,
            eligible_bids: eligible.len() as u32,
            requested_eu: bids.iter().map(|(b, _)| b.requested_eu).sum(),
            requested_member_state: bids.iter().map(|(b, _)| b.requested_member_state).sum(),
            requested_eu_eligible: eligible.iter().map(|(b, _)| b.requested_eu).sum(),
        });
    }
    let organisations = store::bids::organisations(store.conn())?;
    let countries: BTreeSet<String> = organisations
        .iter()
        .map(|o| o.country.to_string())
        .collect();
    let conflicts = store::evaluation::conflicts(store.conn())?;
    Ok(ProgrammeSummary {
        bids: p.bids.len() as u32,
        organisations: organisations.len() as u32,
        countries: countries.into_iter().collect(),
        evaluators: store::evaluation::evaluators(store.conn())?.len() as u32,
        declared_conflicts: conflicts.len() as u32,
        budget_total: calls.iter().map(|c| c.budget).sum(),
        requested_eu_total: calls.iter().map(|c| c.requested_eu).sum(),
        calls,
    })
}

/// Bids of every call, or of one call.
pub fn bid_rows(store: &Store, call: Option<&str>) -> Result<Vec<BidRow>> {
    if let Some(code) = call {
        store::calls::id_of(store.conn(), code)?;
    }
    let p = programme(store)?;
    let kinds: BTreeMap<&str, CallKind> =
        p.calls.iter().map(|c| (c.code.as_str(), c.kind)).collect();
    let late = store::bids::late(store.conn())?;
    Ok(p.bids
        .iter()
        .filter(|(b, _)| call.is_none_or(|c| b.call_code == c))
        .map(|(b, outcomes)| {
            let coordinator = b.coordinator();
            let countries: BTreeSet<String> = b
                .consortium
                .members
                .iter()
                .map(|m| m.organisation.country.to_string())
                .collect();
            let first = b.hardware.iter().map(|h| h.generation).min().unwrap_or(1);
            let accelerator: Vec<&str> = b
                .hardware
                .iter()
                .filter(|h| h.generation == first)
                .map(|h| h.accelerator.as_str())
                .collect();
            BidRow {
                id: b.id,
                call_code: b.call_code.clone(),
                call_kind: kinds
                    .get(b.call_code.as_str())
                    .copied()
                    .unwrap_or(CallKind::AiFactory),
                acronym: b.acronym.clone(),
                title: b.title.clone(),
                consortium: b.consortium.name.clone(),
                coordinator: coordinator
                    .map(|m| m.organisation.name.clone())
                    .unwrap_or_default(),
                coordinator_country: coordinator
                    .map(|m| m.organisation.country.to_string())
                    .unwrap_or_default(),
                countries: countries.into_iter().collect(),
                members: b.consortium.members.len() as u32,
                status: b.status,
                version: b.version,
                accelerator: accelerator.join(", "),
                accelerators: b.initial_accelerators(),
                it_mw: b.it_mw(),
                pue: weighted_pue(b),
                renewable_share: weighted_renewable(b),
                requested_eu: b.requested_eu,
                requested_member_state: b.requested_member_state,
                capex_total: b.capex_total(),
                eligible: outcomes.iter().all(|o| o.passed),
                failed_rules: outcomes
                    .iter()
                    .filter(|o| !o.passed)
                    .map(|o| o.code.clone())
                    .collect(),
                received_late: late.get(&b.id).cloned(),
            }
        })
        .collect())
}

pub fn bid_detail(store: &Store, id: i64) -> Result<BidDetail> {
    let bid = store::bids::get(store.conn(), id)?;
    let call = store::calls::by_code(store.conn(), &bid.call_code)?;
    let countries = countries()?;
    let eligibility = eligibility::check(&call, &bid, countries);

    let mut presence: BTreeMap<String, CountryPresence> = BTreeMap::new();
    let entry = |code: &str| -> CountryPresence {
        let c = countries.get(code);
        CountryPresence {
            code: code.to_string(),
            name_en: c.map(|c| c.en.clone()).unwrap_or_else(|| code.to_string()),
            name_fr: c.map(|c| c.fr.clone()).unwrap_or_else(|| code.to_string()),
            members: Vec::new(),
            roles: Vec::new(),
            sites: Vec::new(),
        }
    };
    for m in &bid.consortium.members {
        let code = m.organisation.country.to_string();
        let e = presence.entry(code.clone()).or_insert_with(|| entry(&code));
        e.members.push(m.organisation.name.clone());
        if !e.roles.contains(&m.role) {
            e.roles.push(m.role);
        }
    }
    for s in &bid.sites {
        let code = s.country.to_string();
        let e = presence.entry(code.clone()).or_insert_with(|| entry(&code));
        e.sites.push(s.name.clone());
    }

    let mut years: BTreeMap<i32, YearCosts> = BTreeMap::new();
    for l in &bid.capex {
        let y = years.entry(l.year).or_insert(YearCosts {
            year: l.year,
            capex: Eur::ZERO,
            opex: Eur::ZERO,
        });
        y.capex = y.capex + l.amount;
    }
    for l in &bid.opex {
        let y = years.entry(l.year).or_insert(YearCosts {
            year: l.year,
            capex: Eur::ZERO,
            opex: Eur::ZERO,
        });
        y.opex = y.opex + l.amount;
    }
    let first = bid.hardware.iter().min_by_key(|h| h.generation);
    let accelerator = match first {
        Some(h) => store::benchmarks::get(store.conn(), &h.accelerator)?,
        None => None,
    };
    Ok(BidDetail {
        call_title: call.title.clone(),
        call_kind: call.kind,
        eligible: eligibility.iter().all(|o| o.passed),
        eligibility,
        countries: presence.into_values().collect(),
        years: years.into_values().collect(),
        accelerator,
        capex_total: bid.capex_total(),
        opex_total: bid.opex_total(),
        financing_total: bid.financing.total(),
        it_mw: bid.it_mw(),
        pue: weighted_pue(&bid),
        bid,
    })
}

pub fn calls(store: &Store) -> Result<Vec<Call>> {
    store::calls::list(store.conn())
}

pub fn call(store: &Store, code: &str) -> Result<Call> {
    store::calls::by_code(store.conn(), code)
}

/// Imports a call template file; nothing is stored if it has a problem.
pub fn import_call(store: &mut Store, actor: &Actor, path: &Path) -> Result<Call> {
    let text = ingest::read_text(path)?;
    let call = ingest::call_template::parse(&ingest::display_name(path), &text)?;
    store.write(actor, |tx| store::calls::insert(tx, &call))?;
    store::calls::by_code(store.conn(), &call.code)
}

/// Loads the demo programme (embedded, or from `root` when given) into an empty database.
pub fn load_demo(
    store: &mut Store,
    actor: &Actor,
    root: Option<&Path>,
) -> Result<ProgrammeSummary> {
    let files = match root {
        Some(r) => DemoFiles::from_dir(r)?,
        None => DemoFiles::embedded(),
    };
    demo::load(store, actor, &files)?;
    summary(store)
}

pub use audit::{VerifyOptions, VerifyReport, verify, verify_with};

// ---------------------------------------------------------------------------------------
// Benchmarks and compute per euro

#[derive(Clone, Debug, Serialize, TS)]
pub struct ExcludedRow {
    pub line: u32,
    pub accelerator: String,
    pub benchmark: String,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct FileImport {
    pub file: String,
    /// `hardware`, `training` or `inference`.
    pub kind: String,
    pub rows: u32,
    /// Rows (or accelerators) that were not in the database before.
    pub new: u32,
    pub excluded: Vec<ExcludedRow>,
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct BenchImport {
    pub files: Vec<FileImport>,
}

/// Imports benchmark files (all or nothing). Hardware files go first so that runs of the
/// accelerators they list count as known.
pub fn import_benchmarks(
    store: &mut Store,
    actor: &Actor,
    files: &[(String, String)],
) -> Result<BenchImport> {
    use crate::ingest::benchmarks::{self, BenchmarkFile};
    let mut known: std::collections::HashSet<String> =
        store::benchmarks::accelerators(store.conn())?
            .into_iter()
            .map(|a| a.key)
            .collect();
    let mut order: Vec<&(String, String)> = files.iter().collect();
    order.sort_by_key(|(_, text)| {
        !text
            .lines()
            .next()
            .unwrap_or("")
            .contains("epoch_hardware_name")
    });
    let mut parsed = Vec::new();
    let mut problems = Vec::new();
    for (name, text) in order {
        match benchmarks::parse(name, text, &known) {
            Ok(f) => {
                if let BenchmarkFile::Hardware(accs) = &f {
                    known.extend(accs.iter().map(|a| a.key.clone()));
                }
                parsed.push((name.clone(), f));
            }
            Err(Error::Invalid(p)) => problems.extend(p),
            Err(e) => return Err(e),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    store.write(actor, |tx| {
        // The reference accelerator every figure is measured against is never changed by
        // an import, and an accelerator given by two files of one import is refused.
        let mut problems = Vec::new();
        let mut given: HashMap<&str, &str> = HashMap::new();
        for (name, f) in &parsed {
            let BenchmarkFile::Hardware(accs) = f else {
                continue;
            };
            for a in accs {
                if let Some(other) = given.insert(&a.key, name) {
                    problems.push(Problem {
                        location: Location::file(name).with_field("accelerator_key"),
                        rule: format!("each accelerator is given once (also in {other})"),
                        found: Some(a.key.clone()),
                    });
                }
                if a.key == crate::compute::relative::REFERENCE
                    && let Some(stored) = store::benchmarks::get(tx.conn(), &a.key)?
                    && stored != *a
                {
                    problems.push(Problem {
                        location: Location::file(name).with_field("accelerator_key"),
                        rule: format!(
                            "{} is the reference every compute figure is measured against: an import does not change it",
                            a.key
                        ),
                        found: Some(a.key.clone()),
                    });
                }
            }
        }
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let mut out = Vec::new();
        for (name, f) in &parsed {
            out.push(match f {
                BenchmarkFile::Hardware(accs) => {
                    let mut new = 0;
                    for a in accs {
                        new += u32::from(store::benchmarks::upsert_accelerator(tx, a)?);
                    }
                    FileImport {
                        file: name.clone(),
                        kind: "hardware".into(),
                        rows: accs.len() as u32,
                        new,
                        excluded: Vec::new(),
                    }
                }
                BenchmarkFile::Clusters(clusters) => FileImport {
                    file: name.clone(),
                    kind: "clusters".into(),
                    rows: clusters.len() as u32,
                    new: store::benchmarks::insert_clusters(tx, name, clusters)? as u32,
                    excluded: Vec::new(),
                },
                BenchmarkFile::Runs(suite, runs) => {
                    let new = store::benchmarks::insert_runs(tx, runs)? as u32;
                    FileImport {
                        file: name.clone(),
                        kind: crate::store::enum_text(suite)?,
                        rows: runs.len() as u32,
                        new,
                        excluded: runs
                            .iter()
                            .filter_map(|r| {
                                r.excluded_reason.as_ref().map(|reason| ExcludedRow {
                                    line: r.line,
                                    accelerator: r.accelerator.clone(),
                                    benchmark: r.benchmark.clone(),
                                    reason: reason.clone(),
                                })
                            })
                            .collect(),
                    }
                }
            });
        }
        Ok(BenchImport { files: out })
    })
}

/// Reads benchmark files from disk and imports them.
pub fn import_benchmark_files(
    store: &mut Store,
    actor: &Actor,
    paths: &[PathBuf],
) -> Result<BenchImport> {
    let files = paths
        .iter()
        .map(|p| Ok((ingest::display_name(p), ingest::read_text(p)?)))
        .collect::<Result<Vec<_>>>()?;
    import_benchmarks(store, actor, &files)
}

pub fn compute_relative(
    store: &Store,
    round: &str,
    benchmark: &str,
    count: u32,
) -> Result<RelativeTable> {
    let runs = store::benchmarks::runs(store.conn(), BenchmarkSuite::Training, true)?;
    compute::relative::relative(&runs, round, benchmark, count)
}

pub fn compute_inference(
    store: &Store,
    round: &str,
    model: &str,
    scenario: &str,
) -> Result<InferenceTable> {
    let runs = store::benchmarks::runs(store.conn(), BenchmarkSuite::Inference, true)?;
    compute::relative::inference(&runs, round, model, scenario)
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct ScalingReport {
    pub pooled: ScalingFit,
    pub per_benchmark: Vec<ScalingFit>,
}

pub fn compute_scaling(store: &Store) -> Result<ScalingReport> {
    let runs = store::benchmarks::runs(store.conn(), BenchmarkSuite::Training, true)?;
    let pooled = compute::scaling::fit(&runs, compute::scaling::PRETRAINING)?;
    let per_benchmark = compute::scaling::PRETRAINING
        .iter()
        .map(|b| compute::scaling::fit(&runs, &[b]))
        .collect::<Result<Vec<_>>>()?;
    Ok(ScalingReport {
        pooled,
        per_benchmark,
    })
}

/// What every estimate needs, loaded once.
pub struct ComputeEvidence {
    pub training: Vec<BenchmarkRun>,
    pub accelerators: Vec<Accelerator>,
    pub fit: ScalingFit,
    pub relative: Option<RelativeTable>,
}

impl std::fmt::Debug for ComputeEvidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ComputeEvidence({} runs, s = {:.3})",
            self.training.len(),
            self.fit.s
        )
    }
}

impl ComputeEvidence {
    pub fn load(store: &Store, round: &str) -> Result<ComputeEvidence> {
        let training = store::benchmarks::runs(store.conn(), BenchmarkSuite::Training, true)?;
        let fit = compute::scaling::fit(&training, compute::scaling::PRETRAINING)?;
        let relative = match compute::relative::relative(
            &training,
            round,
            compute::relative::DEFAULT_BENCHMARK,
            compute::relative::DEFAULT_COUNT,
        ) {
            Ok(t) => Some(t),
            Err(Error::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        Ok(ComputeEvidence {
            accelerators: store::benchmarks::accelerators(store.conn())?,
            training,
            fit,
            relative,
        })
    }

    pub fn estimate(&self, params: &EstimateParams, file: &str) -> Result<Estimate> {
        let relative = self.relative.as_ref().filter(|t| t.round == params.round);
        compute::estimate::estimate(
            params,
            &compute::estimate::Evidence {
                relative,
                fit: &self.fit,
                accelerators: &self.accelerators,
                training: &self.training,
            },
            file,
        )
    }
}

/// `gigafund compute estimate --params FILE.toml`.
pub fn compute_estimate_file(store: &Store, path: &Path) -> Result<Estimate> {
    let file = ingest::display_name(path);
    let params: EstimateParams = ingest::parse_toml(&file, &ingest::read_text(path)?)?;
    ComputeEvidence::load(store, &params.round)?.estimate(&params, &file)
}

/// The inputs of a bid's estimate: its accelerators and sites, TCO from its own lines.
pub fn bid_estimate_params(bid: &Bid, round: &str) -> Result<EstimateParams> {
    use crate::model::CapexCategory as C;
    let first = bid.hardware.iter().map(|h| h.generation).min().unwrap_or(1);
    let accelerator = bid
        .hardware
        .iter()
        .filter(|h| h.generation == first)
        .max_by_key(|h| h.count)
        .map(|h| h.accelerator.clone())
        .ok_or_else(|| {
            Error::invalid(
                crate::error::Location::default()
                    .with_sheet(&bid.acronym)
                    .with_field("hardware"),
                "a bid names its accelerators",
                None,
            )
        })?;
    let n_acc = bid.initial_accelerators() as f64;
    let is_it = |c: &C| matches!(c, C::ItHardware | C::Network | C::Storage | C::Software);
    let capex_it: f64 = bid
        .capex
        .iter()
        .filter(|l| is_it(&l.category))
        .map(|l| l.amount.as_euros_f64())
        .sum();
    let capex_fac: f64 = bid
        .capex
        .iter()
        .filter(|l| !is_it(&l.category))
        .map(|l| l.amount.as_euros_f64())
        .sum();
    let mut opex: BTreeMap<i32, f64> = BTreeMap::new();
    for l in &bid.opex {
        *opex.entry(l.year).or_default() += l.amount.as_euros_f64();
    }
    let opex_by_year: Vec<f64> = opex.into_values().collect();
    Ok(EstimateParams {
        n_acc,
        accelerator,
        round: round.to_string(),
        p: None,
        s: None,
        n_job: n_acc.min(25_000.0),
        util: 0.80,
        availability: 0.97,
        kw_it_per_acc: None,
        pue: weighted_pue(bid),
        load_factor: 0.85,
        capex_it,
        capex_fac,
        fac_life_years: 15.0,
        elec_price: 0.10,
        fixed_om: 0.04,
        discount_rate: 0.05,
        years: if opex_by_year.is_empty() {
            5
        } else {
            opex_by_year.len() as u32
        },
        delta: None,
        opex_by_year: (!opex_by_year.is_empty()).then_some(opex_by_year),
    })
}

pub fn compute_estimate_bid(store: &Store, id: i64, round: &str) -> Result<Estimate> {
    let bid = store::bids::get(store.conn(), id)?;
    let params = bid_estimate_params(&bid, round)?;
    ComputeEvidence::load(store, round)?.estimate(&params, &bid.acronym)
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct BidCompute {
    pub bid_id: i64,
    pub acronym: String,
    pub accelerators: u64,
    pub estimate: Option<Estimate>,
    /// Why there is no estimate, when there is none.
    pub problem: Option<String>,
    /// The bid's power claim against real clusters of its accelerator family.
    pub plausibility: Option<compute::plausibility::Plausibility>,
}

/// Compute figures of every bid of a call, for the comparison view.
pub fn compute_call(store: &Store, code: &str, round: &str) -> Result<Vec<BidCompute>> {
    store::calls::id_of(store.conn(), code)?;
    let bids = call_bids(store, code)?;
    call_rows(store, &bids, round, &ComputeEvidence::load(store, round)?)
}

/// The bids of a call, in full.
fn call_bids(store: &Store, code: &str) -> Result<Vec<Bid>> {
    Ok(store::bids::current(store.conn())?
        .into_iter()
        .filter(|b| b.call_code == code)
        .collect())
}

/// The compute rows of a call's bids, from evidence already loaded.
fn call_rows(
    store: &Store,
    bids: &[Bid],
    round: &str,
    evidence: &ComputeEvidence,
) -> Result<Vec<BidCompute>> {
    let kw_per_chip = store::benchmarks::cluster_kw_per_chip(store.conn())?;
    let mut out = Vec::new();
    for bid in bids {
        let family = bid
            .hardware
            .iter()
            .min_by_key(|h| h.generation)
            .and_then(|h| {
                evidence
                    .accelerators
                    .iter()
                    .find(|a| a.key == h.accelerator)
            })
            .map(|a| a.name.clone());
        let plausibility = family.and_then(|f| compute::plausibility::check(bid, &f, &kw_per_chip));
        let result =
            bid_estimate_params(bid, round).and_then(|p| evidence.estimate(&p, &bid.acronym));
        let (estimate, problem) = match result {
            Ok(e) => (Some(e), None),
            Err(e @ (Error::Invalid(_) | Error::NotFound { .. })) => (None, Some(e.to_string())),
            Err(e) => return Err(e),
        };
        out.push(BidCompute {
            bid_id: bid.id,
            acronym: bid.acronym.clone(),
            accelerators: bid.initial_accelerators(),
            estimate,
            problem,
            plausibility,
        });
    }
    Ok(out)
}

#[derive(Clone, Debug, Serialize, TS)]
pub struct CallCompute {
    pub call_code: String,
    pub round: String,
    pub rows: Vec<BidCompute>,
    pub fit: ScalingFit,
    /// The call's criterion that compute figures inform (code containing `COMPUTE`), if any.
    pub criterion: Option<crate::model::Criterion>,
    /// € per H200e-hour against H200e-hours per MWh (SVG drawn by the library).
    pub chart_svg: String,
    pub label: String,
}

/// The compute comparison of a call: table rows, the chart and the fit they rest on.
pub fn compute_view(store: &Store, code: &str, round: &str, lang: &str) -> Result<CallCompute> {
    use crate::report::charts::{ComputeChartText, ComputePoint, compute_chart};
    let call = store::calls::by_code(store.conn(), code)?;
    let evidence = ComputeEvidence::load(store, round)?;
    let rows = call_rows(store, &call_bids(store, code)?, round, &evidence)?;
    let fit = evidence.fit;
    let points: Vec<ComputePoint> = rows
        .iter()
        .filter_map(|r| {
            let e = r.estimate.as_ref()?;
            Some(ComputePoint {
                label: r.acronym.clone(),
                x: e.central.h200e_hours_per_mwh,
                y: e.central.eur_per_h200e_hour,
                y_low: e.low.eur_per_h200e_hour,
                y_high: e.high.eur_per_h200e_hour,
                fallback: e.basis == compute::estimate::Basis::PeakFallback,
            })
        })
        .collect();
    let text = if lang == "fr" {
        ComputeChartText {
            x_axis: "H200e-heures par MWh".into(),
            y_axis: "€ par H200e-heure".into(),
            caption: format!("{code} — coût et efficacité énergétique du calcul"),
        }
    } else {
        ComputeChartText {
            x_axis: "H200e-hours per MWh".into(),
            y_axis: "€ per H200e-hour".into(),
            caption: format!("{code} — cost and energy efficiency of compute"),
        }
    };
    let chart_svg = compute_chart(&points, &text, 720, 420)?;
    Ok(CallCompute {
        call_code: code.to_string(),
        round: round.to_string(),
        criterion: call
            .criteria
            .iter()
            .find(|c| c.code.contains("COMPUTE"))
            .cloned(),
        rows,
        label: fit.label.clone(),
        fit,
        chart_svg,
    })
}

/// The applicant workbook of a call (`gigafund template`): the accelerator drop-down lists
/// the database's accelerators, or the shipped `hardware.csv` when it holds none.
pub fn applicant_template(store: &Store, call_code: &str) -> Result<Vec<u8>> {
    applicant_workbook(store, call_code, None)
}

/// A stored bid as its call's applicant workbook (`gigafund bid workbook`): the sample
/// workbooks, and a bid given back to its applicant to edit.
pub fn bid_workbook(store: &Store, id: i64) -> Result<Vec<u8>> {
    let bid = store::bids::get(store.conn(), id)?;
    applicant_workbook(store, &bid.call_code.clone(), Some(&bid))
}

fn applicant_workbook(store: &Store, call_code: &str, bid: Option<&Bid>) -> Result<Vec<u8>> {
    let call = store::calls::by_code(store.conn(), call_code)?;
    let keys = applicant::known_accelerators(store)?;
    let countries = crate::countries::countries()?;
    match bid {
        Some(b) => ingest::workbook_template::filled(&call, &keys, countries, b),
        None => ingest::workbook_template::template(&call, &keys, countries),
    }
}
