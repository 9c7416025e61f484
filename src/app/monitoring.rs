//! Monitoring of funded awards, for the app and the CLI alike: the yearly monitoring
//! workbook (generated, checked, imported in versions), the scorecard of indicators
//! against claims, the Union's access ledger, acceptance benchmarks and delivered compute
//! per euro, and the portfolio's contingent liabilities.

use crate::compute::relative;
use crate::error::{Error, Location, Result};
use crate::finance::{self, Inputs};
use crate::ingest::{self, monitoring as workbook};
use crate::model::{Actor, BenchmarkSuite, Eur};
use crate::programme::monitoring::{
    self as mon, AccessRow, Claim, Instrument, Liabilities, Rag, ScoreRow,
};
use crate::programme::{
    Award, AwardStatus, Deviation, DeviationAction, DeviationKind, Template, refuse,
};
use crate::store::monitoring::{self as store_mon, AwardRun, RunKind, StoredReport};
use crate::store::programme as repo;
use crate::store::{self, Store};
use chrono::{Datelike, NaiveDate};
use rusqlite::Connection;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use ts_rs::TS;

/// The award, its programme's rules and what its workbook is made for and checked
/// against.
fn expect(
    conn: &Connection,
    id: i64,
    lang: &str,
    today: NaiveDate,
) -> Result<(Award, Template, workbook::Expect, Vec<Claim>)> {
    let a = repo::award(conn, id)?;
    let p = repo::programme(conn, &a.programme)?;
    let t = p.template;
    let claims = claims(conn, &a, &t)?;
    let milestones = repo::milestones(conn, id)?
        .into_iter()
        .map(|m| {
            let tm = t.milestone(&m.code);
            workbook::MilestoneRow {
                name: tm.map_or(m.code.clone(), |x| x.name_in(lang).to_string()),
                after: tm.map(|x| x.after.clone()).unwrap_or_default(),
                actual: m
                    .actual
                    .map(|d| (d, m.evidence.clone().unwrap_or_default())),
                code: m.code,
                baseline: m.baseline,
                forecast: m.forecast,
            }
        })
        .collect();
    let e = workbook::Expect {
        acronym: a.acronym.clone(),
        host: a.host.clone(),
        programme: t.name.clone(),
        first_year: a.selected_on.year(),
        today,
        report_due: (t.monitoring.report_due_month, t.monitoring.report_due_day),
        milestones,
        claims: claims.iter().map(|c| (c.kpi.clone(), c.value)).collect(),
    };
    Ok((a, t, e, claims))
}

/// The claims of an award: its bid's sites and hardware, its saved scenario's
/// utilisation, the programme's targets and the Union's entitlement.
fn claims(conn: &Connection, a: &Award, t: &Template) -> Result<Vec<Claim>> {
    let bid = match a.bid_id {
        Some(b) => Some(store::bids::get(conn, b)?),
        None => None,
    };
    let util = match a.bid_id {
        Some(b) => latest_scenario(conn, b)?.map(|s| s.inputs.util),
        None => None,
    };
    Ok(mon::claims(a, bid.as_ref(), util, &t.monitoring))
}

/// The bid's latest saved finance scenario (by time of saving).
fn latest_scenario(conn: &Connection, bid: i64) -> Result<Option<store::scenarios::Scenario>> {
    Ok(store::scenarios::list(conn, Some(bid))?
        .into_iter()
        .max_by_key(|s| (s.created_at, s.id)))
}

/// `gigafund monitoring template --award ID --year Y`: the workbook for one award and
/// year.
pub fn template(store: &Store, id: i64, year: i32, today: NaiveDate) -> Result<Vec<u8>> {
    let (a, _, e, _) = expect(store.conn(), id, "en", today)?;
    if year < e.first_year || year > today.year() {
        return Err(refuse(
            &a.acronym,
            "year",
            format!(
                "a report's year is from the award's selection ({}) to this year ({})",
                e.first_year,
                today.year()
            ),
            Some(year.to_string()),
        ));
    }
    workbook::template(&e, year)
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    let limits = ingest::sheet::Limits::default();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() > limits.file_bytes {
        return Err(Error::invalid(
            Location::file(ingest::display_name(path)),
            format!(
                "a workbook is at most {}",
                ingest::sheet::size(limits.file_bytes)
            ),
            Some(ingest::sheet::size(meta.len())),
        ));
    }
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// `gigafund monitoring check FILE --award ID`: every problem of a filled workbook,
/// nothing stored.
pub fn check(
    store: &Store,
    id: i64,
    path: &Path,
    today: NaiveDate,
) -> Result<workbook::MonitoringRead> {
    let bytes = read_file(path)?;
    check_bytes(store, id, &ingest::display_name(path), &bytes, today)
}

pub fn check_bytes(
    store: &Store,
    id: i64,
    file: &str,
    bytes: &[u8],
    today: NaiveDate,
) -> Result<workbook::MonitoringRead> {
    let (_, _, e, _) = expect(store.conn(), id, "en", today)?;
    Ok(workbook::read_bytes(file, bytes, &e))
}

/// What an import stored.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ImportedReport {
    pub report: StoredReport,
    /// Milestones the report recorded as achieved (they await verification).
    pub recorded: Vec<String>,
    pub warnings: Vec<ingest::workbook::Finding>,
}

/// `gigafund monitoring import FILE --award ID`: all or nothing. The workbook is checked
/// inside the write against the award as stored then; the report becomes the next version
/// of its year; milestones it gives as achieved are recorded (unverified) with its
/// evidence.
pub fn import(store: &mut Store, actor: &Actor, id: i64, path: &Path) -> Result<ImportedReport> {
    let bytes = read_file(path)?;
    import_bytes(store, actor, id, &ingest::display_name(path), &bytes)
}

pub fn import_bytes(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    file: &str,
    bytes: &[u8],
) -> Result<ImportedReport> {
    store.write(actor, |tx| {
        let today = tx.actor().at.date_naive();
        let (a, _, e, _) = expect(tx.conn(), id, "en", today)?;
        if a.status != AwardStatus::Active {
            return Err(Error::Conflict(format!(
                "award {} is not active",
                a.acronym
            )));
        }
        let read = workbook::read_bytes(file, bytes, &e);
        let sha = read.sha256.clone();
        let warnings: Vec<_> = read
            .findings
            .iter()
            .filter(|f| f.severity == ingest::workbook::Severity::Warning)
            .cloned()
            .collect();
        let data = read.into_report()?;
        let same = store_mon::reports(tx.conn(), Some(id))?
            .into_iter()
            .find(|r| r.year == data.year && r.sha256 == sha);
        if let Some(r) = same {
            return Err(Error::Conflict(format!(
                "this workbook was already imported as version {} of the {} report of {}",
                r.version, r.year, a.acronym
            )));
        }
        let stored = store_mon::insert_report(tx, id, file, &sha, &data)?;
        let mut recorded = Vec::new();
        let ms = repo::milestones(tx.conn(), id)?;
        for m in data.milestones.iter().filter(|m| !m.recorded) {
            let Some(before) = ms.iter().find(|x| x.code == m.code) else {
                continue;
            };
            let after = crate::programme::Milestone {
                actual: Some(m.achieved_on),
                evidence: Some(format!(
                    "{} (monitoring report {} v{}, {file})",
                    m.evidence, data.year, stored.version
                )),
                evidence_sha256: Some(sha.clone()),
                ..before.clone()
            };
            repo::update_milestone(tx, id, before, &after)?;
            recorded.push(m.code.clone());
        }
        Ok(ImportedReport {
            report: stored,
            recorded,
            warnings,
        })
    })
}

/// One year's report beside the claims.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ReportView {
    pub year: i32,
    pub version: u32,
    /// Versions of this year (the latest is shown).
    pub versions: u32,
    pub file: String,
    pub imported_at: chrono::DateTime<chrono::Utc>,
    pub imported_by: String,
    pub cost_total: Eur,
    pub capex: Eur,
    pub opex: Eur,
    pub operating: bool,
    pub rows: Vec<ScoreRow>,
    pub access: AccessRow,
    pub red: u32,
    pub amber: u32,
}

/// A re-run's performance against the acceptance run.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct RerunView {
    pub dated: NaiveDate,
    pub minutes: f64,
    /// Acceptance time ÷ re-run time (1 = as fast as at acceptance).
    pub performance: f64,
    pub shortfall: bool,
}

/// Why there is no delivered compute per euro.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ComputeIssue {
    /// The award was recorded from public facts: no bid, no claim.
    NoBid,
    NoAcceptance,
    /// No reference run on the acceptance run's benchmark and count.
    NoReference,
    /// The estimate could not be made (the detail says why).
    Failed,
}

/// Delivered compute per euro beside the claim.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct DeliveredCompute {
    pub accelerator: String,
    pub round: String,
    pub benchmark: String,
    pub accelerator_count: u32,
    pub acceptance_minutes: f64,
    pub acceptance_on: NaiveDate,
    /// The reference accelerator's median time on the same benchmark and count.
    pub reference_minutes: f64,
    pub claimed_p: f64,
    pub delivered_p: f64,
    pub claimed_per_euro: f64,
    pub delivered_per_euro: f64,
    pub claimed_eur_per_hour: f64,
    pub delivered_eur_per_hour: f64,
    /// Delivered ÷ claimed compute per euro.
    pub ratio: f64,
    /// What the delivered figure takes from the monitoring reports (accelerators,
    /// utilisation, availability, PUE), in words.
    pub from_reports: Vec<String>,
    pub reruns: Vec<RerunView>,
    /// The next re-run is due by this date (acceptance or last re-run + the rule's years).
    pub rerun_due: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct MonitoringView {
    pub award_id: i64,
    pub acronym: String,
    pub claims: Vec<Claim>,
    /// The latest version of each year's report, the latest year first.
    pub reports: Vec<ReportView>,
    /// Every version of every year, oldest first.
    pub history: Vec<StoredReport>,
    pub runs: Vec<AwardRun>,
    pub compute: Option<DeliveredCompute>,
    /// Why delivered compute per euro cannot be shown, when it cannot, and the detail.
    pub compute_issue: Option<ComputeIssue>,
    pub compute_note: Option<String>,
    /// The years whose report is due and missing, with their due date.
    pub missing: Vec<(i32, NaiveDate)>,
    pub amber: f64,
    pub red: f64,
}

fn report_due(t: &Template, year: i32) -> NaiveDate {
    let m = &t.monitoring;
    NaiveDate::from_ymd_opt(year + 1, m.report_due_month, m.report_due_day)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(year + 1, 1, 31).unwrap_or_default())
}

/// The years whose report is due and missing: from the award's selection, due before
/// today, and due after the award came into Gigafund (a report due before then was never
/// asked for here).
fn missing_reports(
    a: &Award,
    t: &Template,
    have: &[i32],
    today: NaiveDate,
) -> Vec<(i32, NaiveDate)> {
    if a.status != AwardStatus::Active {
        return Vec::new();
    }
    let recorded = a.created_at.date_naive();
    (a.selected_on.year()..today.year())
        .filter(|y| !have.contains(y))
        .map(|y| (y, report_due(t, y)))
        .filter(|(_, due)| *due < today && *due >= recorded)
        .collect()
}

/// Whether the award was operational by the end of `year`.
fn operating(ms: &[crate::programme::Milestone], t: &Template, year: i32) -> bool {
    let target = &t.schedule_risk.target;
    ms.iter()
        .find(|m| &m.code == target)
        .and_then(|m| m.actual)
        .is_some_and(|d| d.year() <= year)
}

fn view_report(
    a: &Award,
    t: &Template,
    ms: &[crate::programme::Milestone],
    claims: &[Claim],
    r: &StoredReport,
    versions: u32,
    lang: &str,
) -> ReportView {
    let op = operating(ms, t, r.year);
    let rows = mon::scorecard(claims, &r.kpis, op, &t.monitoring, lang);
    let count = |c: Rag| rows.iter().filter(|x| x.rag == Some(c)).count() as u32;
    let sum = |kind: &str| {
        r.costs
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| c.amount)
            .sum()
    };
    ReportView {
        year: r.year,
        version: r.version,
        versions,
        file: r.file.clone(),
        imported_at: r.imported_at,
        imported_by: r.imported_by.clone(),
        cost_total: r.cost_total(),
        capex: sum("capex"),
        opex: sum("opex"),
        operating: op,
        red: count(Rag::Red),
        amber: count(Rag::Amber),
        access: mon::access_row(a, r.year, &r.kpis, &t.monitoring),
        rows,
    }
}

/// The monitoring of one award: reports against claims, acceptance runs and delivered
/// compute per euro, missing reports.
pub fn view(store: &Store, id: i64, lang: &str, today: NaiveDate) -> Result<MonitoringView> {
    let conn = store.conn();
    let a = repo::award(conn, id)?;
    let t = repo::programme(conn, &a.programme)?.template;
    let claims = claims(conn, &a, &t)?;
    let ms = repo::milestones(conn, id)?;
    let history = store_mon::reports(conn, Some(id))?;
    let mut versions: BTreeMap<i32, u32> = BTreeMap::new();
    for r in &history {
        *versions.entry(r.year).or_default() += 1;
    }
    let mut reports: Vec<ReportView> = store_mon::latest(history.clone())
        .iter()
        .map(|r| view_report(&a, &t, &ms, &claims, r, versions[&r.year], lang))
        .collect();
    reports.sort_by_key(|r| std::cmp::Reverse(r.year));
    let runs = store_mon::runs(conn, Some(id))?;
    let (compute, compute_issue, compute_note) =
        match delivered(store, &a, &t, &runs, reports.first()) {
            Ok(c) => (Some(c), None, None),
            Err((issue, note)) => (None, Some(issue), Some(note)),
        };
    let years: Vec<i32> = versions.keys().copied().collect();
    let missing = missing_reports(&a, &t, &years, today);
    Ok(MonitoringView {
        award_id: id,
        acronym: a.acronym.clone(),
        claims,
        reports,
        history,
        runs,
        compute,
        compute_issue,
        compute_note,
        missing,
        amber: t.monitoring.amber,
        red: t.monitoring.red,
    })
}

/// Delivered compute per euro: productivity from the acceptance run against the reference
/// accelerator on the same benchmark and count, accelerators, utilisation, availability
/// and PUE from the latest report where it gives them, costs as claimed. `Err` says why
/// there is none.
fn delivered(
    store: &Store,
    a: &Award,
    t: &Template,
    runs: &[AwardRun],
    latest: Option<&ReportView>,
) -> std::result::Result<DeliveredCompute, (ComputeIssue, String)> {
    let failed = |e: Error| (ComputeIssue::Failed, e.to_string());
    let Some(bid_id) = a.bid_id else {
        return Err((ComputeIssue::NoBid, "the award was recorded from public facts, without a bid: there is no claimed compute per euro to compare with".into()));
    };
    let Some(acc) = runs.iter().rev().find(|r| r.kind == RunKind::Acceptance) else {
        return Err((
            ComputeIssue::NoAcceptance,
            "no acceptance benchmark run imported yet".into(),
        ));
    };
    let run = &acc.run;
    let minutes = run.score.unwrap_or(0.0);
    let bid = store::bids::get(store.conn(), bid_id).map_err(failed)?;
    let params = super::bid_estimate_params(&bid, &run.round).map_err(failed)?;
    let ev = super::ComputeEvidence::load(store, &run.round).map_err(failed)?;
    let (claimed, delivered_p, reference_minutes) =
        delivered_from(&ev, &params, run, &bid.acronym)?;
    let mut dparams = params.clone();
    dparams.p = Some(delivered_p);
    dparams.s = Some(claimed.central.s);
    let mut from_reports = Vec::new();
    if let Some(r) = latest {
        for row in &r.rows {
            let Some(v) = row.delivered else { continue };
            match row.kpi.as_str() {
                "accelerators_installed" if v > 0.0 => {
                    dparams.n_acc = v;
                    dparams.n_job = v.min(params.n_job);
                }
                "utilisation" if v > 0.0 && r.operating => dparams.util = v,
                "availability" if v > 0.0 && r.operating => dparams.availability = v,
                "pue" if r.operating => dparams.pue = v,
                _ => continue,
            }
            from_reports.push(format!("{} ({} report)", row.name, r.year));
        }
    }
    let d = ev.estimate(&dparams, &bid.acronym).map_err(failed)?;
    let mon = &t.monitoring;
    let reruns: Vec<RerunView> = runs
        .iter()
        .filter(|r| r.kind == RunKind::Rerun && r.dated >= acc.dated)
        .map(|r| {
            let performance = minutes / r.run.score.unwrap_or(f64::INFINITY);
            RerunView {
                dated: r.dated,
                minutes: r.run.score.unwrap_or(0.0),
                performance,
                shortfall: performance < mon.rerun_min,
            }
        })
        .collect();
    let last = reruns.last().map_or(acc.dated, |r| r.dated);
    Ok(DeliveredCompute {
        accelerator: params.accelerator.clone(),
        round: run.round.clone(),
        benchmark: run.benchmark.clone(),
        accelerator_count: run.accelerator_count,
        acceptance_minutes: minutes,
        acceptance_on: acc.dated,
        reference_minutes,
        claimed_p: claimed.p,
        delivered_p,
        claimed_per_euro: claimed.central.compute_per_euro,
        delivered_per_euro: d.central.compute_per_euro,
        claimed_eur_per_hour: claimed.central.eur_per_h200e_hour,
        delivered_eur_per_hour: d.central.eur_per_h200e_hour,
        ratio: d.central.compute_per_euro / claimed.central.compute_per_euro,
        from_reports,
        reruns,
        rerun_due: last
            .checked_add_months(chrono::Months::new(12 * mon.rerun_years))
            .unwrap_or(last),
    })
}

/// The claimed estimate of `params` and the productivity an acceptance run shows: the
/// reference accelerator's median time on the run's benchmark and accelerator count in its
/// MLPerf round over the run's time (COMPUTE.md's p, measured on the delivered system),
/// with that median. When the run takes the median time of the claimed accelerator, the
/// delivered p is the claimed p.
pub fn delivered_from(
    ev: &super::ComputeEvidence,
    params: &crate::compute::estimate::EstimateParams,
    run: &crate::model::BenchmarkRun,
    file: &str,
) -> std::result::Result<(crate::compute::estimate::Estimate, f64, f64), (ComputeIssue, String)> {
    let minutes = run.score.filter(|m| *m > 0.0).ok_or_else(|| {
        (
            ComputeIssue::Failed,
            "the acceptance run has no time to train".to_string(),
        )
    })?;
    let table = relative::relative(&ev.training, &run.round, &run.benchmark, run.accelerator_count)
        .map_err(|_| {
            (ComputeIssue::NoReference, format!(
                "MLPerf Training v{} has no run of the reference accelerator ({}) on {} at {} accelerators: run the acceptance benchmark as {} at {} accelerators",
                run.round,
                relative::REFERENCE,
                run.benchmark,
                run.accelerator_count,
                relative::DEFAULT_BENCHMARK,
                relative::DEFAULT_COUNT
            ))
        })?;
    let claimed = ev
        .estimate(params, file)
        .map_err(|e| (ComputeIssue::Failed, e.to_string()))?;
    Ok((
        claimed,
        table.reference_minutes / minutes,
        table.reference_minutes,
    ))
}

/// What an acceptance or re-run import stored, and the deviation a shortfall recorded.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ImportedRun {
    pub run: AwardRun,
    pub deviation: Option<Deviation>,
}

/// `gigafund monitoring acceptance FILE --award ID [--rerun] [--on DATE]`: one MLPerf
/// Training result (the format of `bench import`) of the award's system. A re-run below
/// the programme's share of the acceptance performance records a benchmark-shortfall
/// deviation.
pub fn import_run(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    path: &Path,
    kind: RunKind,
    dated: NaiveDate,
) -> Result<ImportedRun> {
    let file = ingest::display_name(path);
    let text = ingest::read_text(path)?;
    let sha = hex::encode(Sha256::digest(text.as_bytes()));
    let known: std::collections::HashSet<String> = store::benchmarks::accelerators(store.conn())?
        .into_iter()
        .map(|a| a.key)
        .collect();
    let parsed = ingest::benchmarks::parse(&file, &text, &known)?;
    let runs = match parsed {
        ingest::benchmarks::BenchmarkFile::Runs(BenchmarkSuite::Training, runs) => runs,
        _ => {
            return Err(Error::invalid(
                Location::file(&file),
                "an acceptance run is one MLPerf Training result (the columns of mlperf_training.csv)",
                None,
            ));
        }
    };
    let usable: Vec<_> = runs
        .iter()
        .filter(|r| r.score.is_some_and(|s| s > 0.0) && r.excluded_reason.is_none())
        .collect();
    let [run] = usable.as_slice() else {
        return Err(Error::invalid(
            Location::file(&file),
            "one result with its time to train (one row)",
            Some(format!("{} rows with a time", usable.len())),
        ));
    };
    let run = (*run).clone();
    store.write(actor, |tx| {
        let a = repo::award(tx.conn(), id)?;
        if a.status != AwardStatus::Active {
            return Err(Error::Conflict(format!("award {} is not active", a.acronym)));
        }
        if dated > tx.actor().at.date_naive() {
            return Err(refuse(
                &a.acronym,
                "on",
                "a run is dated today or earlier",
                Some(dated.to_string()),
            ));
        }
        let t = repo::programme(tx.conn(), &a.programme)?.template;
        if let Some(bid) = a.bid_id {
            let b = store::bids::get(tx.conn(), bid)?;
            let accs: Vec<String> = b.hardware.iter().map(|h| h.accelerator.clone()).collect();
            if !accs.contains(&run.accelerator) {
                return Err(Error::invalid(
                    Location::file(&file).with_field("accelerator_key"),
                    format!(
                        "a run of the award's system ({})",
                        accs.join(", ")
                    ),
                    Some(run.accelerator.clone()),
                ));
            }
        }
        let existing = store_mon::runs(tx.conn(), Some(id))?;
        if existing.iter().any(|r| r.sha256 == sha) {
            return Err(Error::Conflict(format!(
                "this run was already imported for {}",
                a.acronym
            )));
        }
        let acceptance = existing
            .iter()
            .rev()
            .find(|r| r.kind == RunKind::Acceptance)
            .cloned();
        let mut deviation = None;
        if kind == RunKind::Rerun {
            let Some(acc) = &acceptance else {
                return Err(refuse(
                    &a.acronym,
                    "kind",
                    "a re-run is compared with the acceptance run: import the acceptance run first",
                    None,
                ));
            };
            if acc.run.benchmark != run.benchmark
                || acc.run.accelerator_count != run.accelerator_count
            {
                return Err(Error::invalid(
                    Location::file(&file).with_field("benchmark"),
                    format!(
                        "a re-run runs the acceptance benchmark: {} at {} accelerators",
                        acc.run.benchmark, acc.run.accelerator_count
                    ),
                    Some(format!("{} at {}", run.benchmark, run.accelerator_count)),
                ));
            }
            let performance = acc.run.score.unwrap_or(0.0) / run.score.unwrap_or(f64::INFINITY);
            if performance < t.monitoring.rerun_min {
                let d = Deviation {
                    id: 0,
                    kind: DeviationKind::BenchmarkShortfall,
                    subject: format!("{} re-run of {dated}", run.benchmark),
                    found: format!(
                        "{:.1} % of the acceptance performance ({:.2} min against {:.2} min on {})",
                        performance * 100.0,
                        run.score.unwrap_or(0.0),
                        acc.run.score.unwrap_or(0.0),
                        acc.dated
                    ),
                    action: DeviationAction::None,
                    amount: None,
                    reason: format!(
                        "a re-run reaches at least {:.0} % of the acceptance performance; the action is for the programme office to decide",
                        t.monitoring.rerun_min * 100.0
                    ),
                    decided_by: format!("recorded on import by {}", tx.actor().name),
                    dated,
                    lifted_on: None,
                    lifted_by: None,
                    lift_reason: None,
                };
                let new_id = repo::insert_deviation(tx, id, &d)?;
                deviation = Some(Deviation { id: new_id, ..d });
            }
        }
        let stored = store_mon::insert_run(tx, id, kind, dated, &run, &file, &sha)?;
        Ok(ImportedRun {
            run: stored,
            deviation,
        })
    })
}

// ---------------------------------------------------------------------------------------
// The portfolio

/// One award's latest report in the portfolio's scorecard.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct PortfolioScore {
    pub award_id: i64,
    pub acronym: String,
    pub country: String,
    pub report: Option<ReportView>,
    pub missing: Vec<(i32, NaiveDate)>,
}

/// The latest report of every active award, and the access ledger of every report.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct PortfolioMonitoring {
    pub scores: Vec<PortfolioScore>,
    pub access: Vec<AccessRow>,
}

pub fn portfolio(
    store: &Store,
    code: &str,
    lang: &str,
    today: NaiveDate,
) -> Result<PortfolioMonitoring> {
    let conn = store.conn();
    let p = repo::programme(conn, code)?;
    let t = &p.template;
    let all = store_mon::latest(store_mon::reports(conn, None)?);
    let mut scores = Vec::new();
    let mut access = Vec::new();
    for a in repo::awards(conn, Some(p.id))?
        .into_iter()
        .filter(|a| a.status != AwardStatus::Withdrawn)
    {
        let claims = claims(conn, &a, t)?;
        let ms = repo::milestones(conn, a.id)?;
        let mine: Vec<&StoredReport> = all.iter().filter(|r| r.award_id == a.id).collect();
        for r in &mine {
            access.push(mon::access_row(&a, r.year, &r.kpis, &t.monitoring));
        }
        let years: Vec<i32> = mine.iter().map(|r| r.year).collect();
        let missing = missing_reports(&a, t, &years, today);
        scores.push(PortfolioScore {
            award_id: a.id,
            acronym: a.acronym.clone(),
            country: a.country.clone(),
            report: mine
                .last()
                .map(|r| view_report(&a, t, &ms, &claims, r, 1, lang)),
            missing,
        });
    }
    Ok(PortfolioMonitoring { scores, access })
}

/// What the saved scenario of a bid says of a call on its debt, under `inputs`.
fn call_risk(
    name: String,
    inputs: &Inputs,
    mc: &finance::montecarlo::MonteCarlo,
    first_year: i32,
) -> mon::CallRisk {
    let base = finance::engine::base(inputs);
    let debt = mc.base_debt.max(base.debt.amount);
    let g = &inputs.guarantee;
    use finance::inputs::GuaranteeType as G;
    let (covered, payout) = match g.kind {
        G::PariPassu => (g.cover * debt, mc.guarantees.get(2)),
        G::FirstLoss => (g.first_loss_cap * debt, mc.guarantees.get(2)),
        // No guarantee in the scenario: the pari-passu 50 % benchmark of the Monte Carlo.
        G::None => (0.5 * debt, mc.guarantees.get(1)),
    };
    let profile = base
        .debt
        .balance
        .iter()
        .enumerate()
        .filter(|(_, b)| **b > 0.0)
        .map(|(t, b)| {
            (
                first_year + t as i32,
                if base.debt.amount > 0.0 {
                    (b / base.debt.amount).min(1.0)
                } else {
                    0.0
                },
            )
        })
        .collect();
    mon::CallRisk {
        scenario: name,
        probability: mc.pd_payment_default,
        guarantee_per_eur: match payout {
            Some(p) if covered > 0.0 => p.expected_payout / covered,
            _ => 0.0,
        },
        loan_per_eur: if debt > 0.0 {
            mc.expected_net_loss / debt
        } else {
            0.0
        },
        profile,
    }
}

/// The contingent liabilities of the portfolio: every active award's guarantee and loan,
/// exposure × probability of a call from the latest saved scenario of its bid that has a
/// Monte Carlo, and the same under the programme's shock (the scenario's Monte Carlo run
/// again with its seed, every path's drivers moved by the shock, the debt as sized).
/// `progress(done, total)` after each award.
pub fn liabilities(
    store: &Store,
    code: &str,
    progress: &(dyn Fn(u32, u32) + Sync),
    cancel: &AtomicBool,
) -> Result<Liabilities> {
    let conn = store.conn();
    let p = repo::programme(conn, code)?;
    let shock = p.template.monitoring.shock.clone();
    let awards: Vec<Award> = repo::awards(conn, Some(p.id))?
        .into_iter()
        .filter(|a| a.status == AwardStatus::Active)
        .filter(|a| a.figures.guarantee.0 > 0 || a.figures.loan.0 > 0)
        .collect();
    let mut rows = Vec::new();
    let total = awards.len() as u32;
    for (i, a) in awards.iter().enumerate() {
        let scenario = match a.bid_id {
            Some(b) => store::scenarios::list(conn, Some(b))?
                .into_iter()
                .filter(|s| s.monte_carlo.is_some())
                .max_by_key(|s| (s.created_at, s.id)),
            None => None,
        };
        let (base, shocked_risk) = match &scenario {
            None => (None, None),
            Some(s) => {
                let mc = s
                    .monte_carlo
                    .as_ref()
                    .ok_or_else(|| Error::Internal("a scenario without its Monte Carlo".into()))?;
                let first = a.selected_on.year();
                let name = format!("{} v{}", s.name, s.version);
                let base = call_risk(name.clone(), &s.inputs, mc, first);
                let moves: Vec<(String, f64)> =
                    shock.iter().map(|x| (x.driver.clone(), x.change)).collect();
                let smc = finance::montecarlo::run_shocked(
                    &s.inputs,
                    &moves,
                    mc.paths,
                    mc.seed,
                    &|_, _| {},
                    cancel,
                )?;
                let sr = call_risk(name, &s.inputs, &smc, first);
                (Some(base), Some(sr))
            }
        };
        for (instrument, exposure) in [
            (Instrument::Guarantee, a.figures.guarantee),
            (Instrument::Loan, a.figures.loan),
        ] {
            if exposure.0 > 0 {
                rows.push(mon::liability(
                    a,
                    instrument,
                    exposure,
                    base.as_ref(),
                    shocked_risk.as_ref(),
                ));
            }
        }
        progress(i as u32 + 1, total);
    }
    Ok(mon::liabilities(rows, &shock))
}

/// The monitoring lines of an award's early warnings: reports missing after their due
/// date, red indicators of the latest report, re-runs short of the acceptance performance
/// or overdue.
pub fn award_warnings(
    conn: &Connection,
    a: &Award,
    t: &Template,
    lang: &str,
    today: NaiveDate,
) -> Result<Vec<(super::programme::WarningKind, String, NaiveDate, i64)>> {
    use super::programme::WarningKind as W;
    let mut out = Vec::new();
    let reports = store_mon::latest(store_mon::reports(conn, Some(a.id))?);
    let years: Vec<i32> = reports.iter().map(|r| r.year).collect();
    for (y, due) in missing_reports(a, t, &years, today) {
        out.push((W::ReportLate, y.to_string(), due, (today - due).num_days()));
    }
    if let Some(r) = reports.last() {
        let claims = claims(conn, a, t)?;
        let ms = repo::milestones(conn, a.id)?;
        let v = view_report(a, t, &ms, &claims, r, 1, lang);
        let due = report_due(t, r.year);
        for row in v.rows.iter().filter(|x| x.rag == Some(Rag::Red)) {
            out.push((
                W::KpiRed,
                format!("{} ({})", row.name, r.year),
                due,
                (today - due).num_days().max(0),
            ));
        }
    }
    let runs = store_mon::runs(conn, Some(a.id))?;
    if let Some(acc) = runs.iter().rev().find(|r| r.kind == RunKind::Acceptance) {
        let last = runs
            .iter()
            .rfind(|r| r.kind == RunKind::Rerun && r.dated >= acc.dated);
        if let Some(rr) = last {
            let perf = acc.run.score.unwrap_or(0.0) / rr.run.score.unwrap_or(f64::INFINITY);
            if perf < t.monitoring.rerun_min {
                out.push((
                    W::BenchmarkShortfall,
                    format!("{} {:.0} %", rr.run.benchmark, perf * 100.0),
                    rr.dated,
                    (today - rr.dated).num_days(),
                ));
            }
        }
        let from = last.map_or(acc.dated, |r| r.dated);
        let due = from
            .checked_add_months(chrono::Months::new(12 * t.monitoring.rerun_years))
            .unwrap_or(from);
        if due < today {
            out.push((
                W::BenchmarkShortfall,
                acc.run.benchmark.clone(),
                due,
                (today - due).num_days(),
            ));
        }
    }
    Ok(out)
}
