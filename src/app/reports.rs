//! PDF reports: generation and verification against the database.
//!
//! Each report is a pure function of a data value (`EsrData`, `RankingData`,
//! `SubmissionData`, a saved scenario), the language and the date; the report carries the
//! SHA-256 of those inputs, and verification rebuilds the data from the database and
//! compares.

use crate::error::{Error, Location, Result};
use crate::evaluation::{self, CallData, ranking};
use crate::model::{Bid, Call, ConsensusScore};
use crate::report::esr::{self, EsrCompute, EsrData};
use crate::report::ranking::RankingData;
use crate::report::submission::{self, SubmissionData};
use crate::report::{self as rep, ReportData, derisking};
use crate::store::audit::LogHead;
use crate::store::{self, Store, scenarios};
use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;
use ts_rs::TS;

/// The de-risking report of a saved scenario.
pub fn derisking_report(
    store: &Store,
    scenario_id: i64,
    lang: &str,
    date: NaiveDate,
) -> Result<Vec<u8>> {
    let s = scenarios::get(store.conn(), scenario_id)?;
    let head = store::audit::head(store.conn())?;
    derisking::derisking(&s, lang, date, head.as_ref())
}

/// The MLPerf round the reports' compute figures are measured in (as `compute call`).
pub const COMPUTE_ROUND: &str = "5.1";

/// What a call's ESRs read, loaded once for all of them.
#[derive(Debug)]
pub struct CallReports {
    pub call: Call,
    bids: Vec<Bid>,
    ranking: ranking::Ranking,
    ineligible: HashMap<i64, Vec<String>>,
    consensus: Vec<ConsensusScore>,
    experts: HashMap<i64, usize>,
    compute: HashMap<i64, EsrCompute>,
    /// The audit log's head when the data was read: every ESR of the batch prints it.
    head: Option<LogHead>,
}

impl CallReports {
    pub fn load(store: &Store, call_code: &str) -> Result<CallReports> {
        let conn = store.conn();
        let data = CallData::load(conn, call_code)?;
        let (rules, candidates) = evaluation::ranking_inputs(conn, &data)?;
        let ranking = ranking::rank(&rules, &candidates);
        let ineligible = candidates
            .into_iter()
            .map(|c| (c.bid_id, c.ineligible))
            .collect();
        let mut experts: HashMap<i64, usize> = HashMap::new();
        for a in data.assignments.iter().filter(|a| a.suspended.is_none()) {
            *experts.entry(a.bid_id).or_default() += 1;
        }
        let consensus = store::evaluation::call_consensus(conn, data.call.id)?;
        Ok(CallReports {
            head: store::audit::head(conn)?,
            compute: compute_summaries(store, &data.bids),
            call: data.call,
            bids: data.bids,
            ranking,
            ineligible,
            consensus,
            experts,
        })
    }

    pub fn bids(&self) -> impl Iterator<Item = &Bid> {
        self.bids.iter()
    }

    pub fn esr_data(&self, bid_id: i64) -> Result<EsrData> {
        let bid = self
            .bids
            .iter()
            .find(|b| b.id == bid_id)
            .ok_or_else(|| Error::NotFound {
                kind: "bid",
                key: format!("{bid_id} in call {}", self.call.code),
            })?;
        Ok(esr::data(
            &self.call,
            bid,
            esr::Evaluated {
                experts: self.experts.get(&bid_id).copied().unwrap_or(0),
                consensus: &self.consensus,
                ranking: &self.ranking,
                ineligible: self.ineligible.get(&bid_id).cloned().unwrap_or_default(),
                compute: self.compute.get(&bid_id).cloned(),
            },
            crate::countries::countries()?,
        ))
    }

    /// The ESR of one bid of the call, with its input hash.
    pub fn esr(&self, bid_id: i64, lang: &str, date: NaiveDate) -> Result<Vec<u8>> {
        esr::render(&self.esr_data(bid_id)?, lang, date, self.head.as_ref())
    }
}

/// Compute per euro of the call's bids, for the ESRs; none when the database holds no
/// benchmark evidence (the ESR then says so).
fn compute_summaries(store: &Store, bids: &[Bid]) -> HashMap<i64, EsrCompute> {
    let Ok(evidence) = super::ComputeEvidence::load(store, COMPUTE_ROUND) else {
        return HashMap::new();
    };
    let Ok(rows) = super::call_rows(store, bids, COMPUTE_ROUND, &evidence) else {
        return HashMap::new();
    };
    let centrals: Vec<f64> = rows
        .iter()
        .filter_map(|r| Some(r.estimate.as_ref()?.central.eur_per_h200e_hour))
        .collect();
    let median = crate::compute::stats::median(&centrals);
    rows.into_iter()
        .filter_map(|r| {
            let e = r.estimate?;
            Some((
                r.bid_id,
                EsrCompute {
                    accelerator: e.accelerator.clone(),
                    accelerators: r.accelerators,
                    eur_per_h200e_hour: (
                        e.low.eur_per_h200e_hour,
                        e.central.eur_per_h200e_hour,
                        e.high.eur_per_h200e_hour,
                    ),
                    h200e_hours_per_mwh: e.central.h200e_hours_per_mwh,
                    basis_note: format!("{}. {}.", e.label, e.p_source),
                    label: e.label,
                    fallback_note: e.fallback_note,
                    call_median: median,
                },
            ))
        })
        .collect()
}

/// The call a bid belongs to.
fn bid_call(store: &Store, bid_id: i64) -> Result<String> {
    store
        .conn()
        .query_row(
            "SELECT c.code FROM bids b JOIN calls c ON c.id = b.call_id WHERE b.id = ?1",
            [bid_id],
            |r| r.get(0),
        )
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Error::NotFound {
                kind: "bid",
                key: bid_id.to_string(),
            },
            e => e.into(),
        })
}

/// The Evaluation Summary Report of one bid.
pub fn esr_report(store: &Store, bid_id: i64, lang: &str, date: NaiveDate) -> Result<Vec<u8>> {
    CallReports::load(store, &bid_call(store, bid_id)?)?.esr(bid_id, lang, date)
}

fn ranking_data(store: &Store, call_code: &str) -> Result<RankingData> {
    let r = evaluation::rank_call(store.conn(), call_code, Some(2))?;
    let call = store::calls::by_code(store.conn(), call_code)?;
    Ok(rep::ranking::data(&call, r.ranking, r.calibration))
}

/// The ranking report of a call, with the calibration appendix.
pub fn ranking_report(
    store: &Store,
    call_code: &str,
    lang: &str,
    date: NaiveDate,
) -> Result<Vec<u8>> {
    let head = store::audit::head(store.conn())?;
    rep::ranking::render(&ranking_data(store, call_code)?, lang, date, head.as_ref())
}

fn submission_data(store: &Store, bid_id: i64) -> Result<SubmissionData> {
    let bid = store::bids::get(store.conn(), bid_id)?;
    let call = store::calls::by_code(store.conn(), &bid.call_code)?;
    Ok(submission::data(
        &call,
        &bid,
        crate::countries::countries()?,
    ))
}

/// The applicant's submission summary of a stored bid.
pub fn submission_report(
    store: &Store,
    bid_id: i64,
    lang: &str,
    date: NaiveDate,
) -> Result<Vec<u8>> {
    let head = store::audit::head(store.conn())?;
    submission::render(&submission_data(store, bid_id)?, lang, date, head.as_ref())
}

/// One document of a batch.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct BatchFile {
    pub acronym: String,
    pub file: String,
    pub bytes: u64,
    pub millis: f64,
}

/// What `report all` wrote.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct BatchReport {
    pub call: String,
    pub dir: String,
    pub files: Vec<BatchFile>,
    pub millis: f64,
}

/// A file name from an acronym: letters, digits, `-` and `_` kept.
pub(crate) fn file_stem(acronym: &str) -> String {
    acronym
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Every ESR of a call into `dir` (created if missing), in parallel. `progress(done,
/// total, acronym)` is called from the worker threads as each document is written; a set
/// `cancel` stops the batch (documents already written stay, nothing half-written).
pub fn all_esrs(
    store: &Store,
    call_code: &str,
    lang: &str,
    date: NaiveDate,
    dir: &Path,
    progress: &(dyn Fn(usize, usize, &str) + Sync),
    cancel: &AtomicBool,
) -> Result<BatchReport> {
    let start = Instant::now();
    let reports = CallReports::load(store, call_code)?;
    let mut batch = write_all_esrs(&reports, lang, date, dir, progress, cancel)?;
    batch.millis = start.elapsed().as_secs_f64() * 1e3;
    Ok(batch)
}

/// [`all_esrs`] from a call's data already loaded (the app loads under its database lock,
/// then writes in the background).
pub fn write_all_esrs(
    reports: &CallReports,
    lang: &str,
    date: NaiveDate,
    dir: &Path,
    progress: &(dyn Fn(usize, usize, &str) + Sync),
    cancel: &AtomicBool,
) -> Result<BatchReport> {
    let start = Instant::now();
    crate::report::texts::Texts::load(lang)?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let bids: Vec<(i64, String)> = reports.bids().map(|b| (b.id, b.acronym.clone())).collect();
    let total = bids.len();
    let done = AtomicUsize::new(0);
    let mut files = bids
        .par_iter()
        .map(|(id, acronym)| {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled(format!(
                    "report generation stopped after {} of {total} documents",
                    done.load(Ordering::Relaxed)
                )));
            }
            let t = Instant::now();
            let bytes = reports.esr(*id, lang, date)?;
            let path: PathBuf = dir.join(format!(
                "ESR-{}-{}-{lang}.pdf",
                file_stem(&reports.call.code),
                file_stem(acronym)
            ));
            let part = path.with_extension("pdf.part");
            std::fs::write(&part, &bytes).map_err(|e| Error::io(&part, e))?;
            std::fs::rename(&part, &path).map_err(|e| Error::io(&path, e))?;
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress(n, total, acronym);
            Ok(BatchFile {
                acronym: acronym.clone(),
                file: path.display().to_string(),
                bytes: bytes.len() as u64,
                millis: t.elapsed().as_secs_f64() * 1e3,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    files.sort_by(|a, b| a.acronym.cmp(&b.acronym));
    Ok(BatchReport {
        call: reports.call.code.clone(),
        dir: dir.display().to_string(),
        files,
        millis: start.elapsed().as_secs_f64() * 1e3,
    })
}

/// Where a batch of ESRs stands, for the app's progress bar.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct BatchStatus {
    pub running: bool,
    pub done: u32,
    pub total: u32,
    /// The last document written.
    pub current: String,
    pub result: Option<BatchReport>,
    pub error: Option<crate::error::ErrorPayload>,
}

#[derive(Debug, Default)]
struct BatchState {
    running: AtomicBool,
    cancel: AtomicBool,
    done: std::sync::atomic::AtomicU32,
    total: std::sync::atomic::AtomicU32,
    current: std::sync::Mutex<String>,
    outcome: std::sync::Mutex<Option<std::result::Result<BatchReport, crate::error::ErrorPayload>>>,
}

/// One batch of ESRs at a time, in a background thread, with progress and cancellation.
#[derive(Debug, Default, Clone)]
pub struct BatchJob {
    state: std::sync::Arc<BatchState>,
}

impl BatchJob {
    /// Starts writing every ESR of the loaded call into `dir`; refused while a batch runs.
    pub fn start(
        &self,
        reports: CallReports,
        lang: String,
        date: NaiveDate,
        dir: PathBuf,
    ) -> Result<()> {
        use Ordering::SeqCst;
        crate::report::texts::Texts::load(&lang)?;
        if self.state.running.swap(true, SeqCst) {
            return Err(Error::Conflict(
                "reports are already being written: wait for them or cancel".into(),
            ));
        }
        self.state.done.store(0, SeqCst);
        self.state.total.store(
            u32::try_from(reports.bids.len()).unwrap_or(u32::MAX),
            SeqCst,
        );
        self.state.cancel.store(false, SeqCst);
        if let Ok(mut o) = self.state.outcome.lock() {
            *o = None;
        }
        let state = self.state.clone();
        std::thread::spawn(move || {
            let progress = |done: usize, _total: usize, acronym: &str| {
                state
                    .done
                    .fetch_max(u32::try_from(done).unwrap_or(u32::MAX), SeqCst);
                if let Ok(mut c) = state.current.lock() {
                    *c = acronym.to_string();
                }
            };
            let result = write_all_esrs(&reports, &lang, date, &dir, &progress, &state.cancel)
                .map_err(|e| e.to_payload());
            if let Ok(mut o) = state.outcome.lock() {
                *o = Some(result);
            }
            state.running.store(false, SeqCst);
        });
        Ok(())
    }

    pub fn cancel(&self) {
        self.state.cancel.store(true, Ordering::SeqCst);
    }

    pub fn status(&self) -> BatchStatus {
        use Ordering::SeqCst;
        let outcome = self.state.outcome.lock().ok().and_then(|o| o.clone());
        let (result, error) = match outcome {
            Some(Ok(v)) => (Some(v), None),
            Some(Err(e)) => (None, Some(e)),
            None => (None, None),
        };
        BatchStatus {
            running: self.state.running.load(SeqCst),
            done: self.state.done.load(SeqCst),
            total: self.state.total.load(SeqCst),
            current: self
                .state
                .current
                .lock()
                .map(|c| c.clone())
                .unwrap_or_default(),
            result,
            error,
        }
    }
}

/// A report the app previews and saves.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReportRequest {
    Esr { bid_id: i64 },
    Ranking { call: String },
    Submission { bid_id: i64 },
    Derisking { scenario_id: i64 },
    Portfolio { programme: String },
    Award { award_id: i64 },
}

/// The PDF of a report the app asked for.
pub fn report_pdf(
    store: &Store,
    request: &ReportRequest,
    lang: &str,
    date: NaiveDate,
) -> Result<Vec<u8>> {
    match request {
        ReportRequest::Esr { bid_id } => esr_report(store, *bid_id, lang, date),
        ReportRequest::Ranking { call } => ranking_report(store, call, lang, date),
        ReportRequest::Submission { bid_id } => submission_report(store, *bid_id, lang, date),
        ReportRequest::Derisking { scenario_id } => {
            derisking_report(store, *scenario_id, lang, date)
        }
        ReportRequest::Portfolio { programme } => {
            super::programme::portfolio_report(store, programme, lang, date)
        }
        ReportRequest::Award { award_id } => {
            super::programme::award_report(store, *award_id, lang, date)
        }
    }
}

/// What `report verify` found.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ReportCheck {
    pub file: String,
    pub report: String,
    pub source: String,
    pub lang: String,
    pub date: String,
    pub recorded_sha256: String,
    pub current_sha256: Option<String>,
    /// Everything holds: the data, the document and the log.
    pub matches: bool,
    /// The data the report was made from is still what the database holds.
    pub data_matches: bool,
    /// The document is byte for byte the one Gigafund makes from that data (`None` when
    /// the data changed: the document as issued can no longer be made again).
    pub document_matches: Option<bool>,
    /// The audit log's head the report printed, and whether the log still holds it.
    pub log_head: Option<LogHead>,
    pub log_problem: Option<String>,
    pub message: String,
}

fn not_ours(file: &str) -> Error {
    Error::invalid(
        Location::file(file),
        "is not a Gigafund report (it carries no gigafund-report keyword)",
        None,
    )
}

/// Reads the report's keyword, rebuilds its data from the database and compares the input
/// hash; when the data is the same, makes the document again and compares the bytes (so
/// that an edit of the visible text shows even with the keyword kept); checks that the
/// log still holds the head the report printed.
pub fn verify_report(store: &Store, path: &Path) -> Result<ReportCheck> {
    let file = crate::ingest::display_name(path);
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if !bytes.starts_with(b"%PDF") {
        return Err(Error::invalid(
            Location::file(&file),
            "is not a PDF file",
            None,
        ));
    }
    let keyword = keywords(&bytes)
        .into_iter()
        .find_map(|k| k.strip_prefix("gigafund-report:").map(str::to_string))
        .ok_or_else(|| not_ours(&file))?;
    let mut parts = keyword.split(';');
    let report = parts.next().unwrap_or_default().to_string();
    let fields: std::collections::BTreeMap<&str, &str> =
        parts.filter_map(|p| p.split_once('=')).collect();
    let field = |k: &str| {
        fields
            .get(k)
            .map(|v| v.to_string())
            .ok_or_else(|| not_ours(&file))
    };
    let recorded = field("sha256")?;
    let lang = field("lang")?;
    let date_text = field("date")?;
    let date = NaiveDate::parse_from_str(&date_text, "%Y-%m-%d").map_err(|_| not_ours(&file))?;
    let head = match fields.get("log") {
        Some(text) => Some(LogHead::from_keyword(text).ok_or_else(|| not_ours(&file))?),
        None => None,
    };
    let int = |k: &str| -> Result<i64> { field(k)?.parse().map_err(|_| not_ours(&file)) };
    // The current hash, and the document made again when that hash is the recorded one.
    type Remade = (Option<String>, Option<Vec<u8>>);
    let remake = |hash: Result<String>, render: &dyn Fn() -> Result<Vec<u8>>| -> Result<Remade> {
        match hash {
            Ok(h) if h == recorded => Ok((Some(h), Some(render()?))),
            Ok(h) => Ok((Some(h), None)),
            Err(Error::NotFound { .. }) => Ok((None, None)),
            Err(e) => Err(e),
        }
    };
    let h = head.as_ref();
    let (source, (current, remade)) = match report.as_str() {
        "derisking" => {
            let id = int("scenario")?;
            let s = scenarios::get(store.conn(), id);
            let hash = s
                .as_ref()
                .map_err(clone_not_found)
                .and_then(|s| s.input_hash(&lang, date));
            let remade = remake(hash, &|| match &s {
                Ok(s) => derisking::derisking(s, &lang, date, h),
                Err(_) => Err(Error::Internal("scenario".into())),
            })?;
            (format!("scenario {id}"), remade)
        }
        "esr" => {
            let id = int("bid")?;
            let data = bid_call(store, id)
                .and_then(|code| CallReports::load(store, &code))
                .and_then(|r| r.esr_data(id));
            let hash = data
                .as_ref()
                .map_err(clone_not_found)
                .and_then(|d| d.input_hash(&lang, date));
            let remade = remake(hash, &|| match &data {
                Ok(d) => esr::render(d, &lang, date, h),
                Err(_) => Err(Error::Internal("esr".into())),
            })?;
            (format!("the evaluation of bid {id}"), remade)
        }
        "ranking" => {
            let code = field("call")?;
            let data = ranking_data(store, &code);
            let hash = data
                .as_ref()
                .map_err(clone_not_found)
                .and_then(|d| d.input_hash(&lang, date));
            let remade = remake(hash, &|| match &data {
                Ok(d) => rep::ranking::render(d, &lang, date, h),
                Err(_) => Err(Error::Internal("ranking".into())),
            })?;
            (format!("the ranking of call {code}"), remade)
        }
        "submission" => {
            let id = int("bid")?;
            let data = submission_data(store, id);
            let hash = data
                .as_ref()
                .map_err(clone_not_found)
                .and_then(|d| d.input_hash(&lang, date));
            let remade = remake(hash, &|| match &data {
                Ok(d) => submission::render(d, &lang, date, h),
                Err(_) => Err(Error::Internal("submission".into())),
            })?;
            (format!("bid {id}"), remade)
        }
        "portfolio" => {
            let code = field("programme")?;
            let data = super::programme::portfolio_data(store, &code, &lang, date);
            let hash = data
                .as_ref()
                .map_err(clone_not_found)
                .and_then(|d| d.input_hash(&lang, date));
            let remade = remake(hash, &|| match &data {
                Ok(d) => rep::programme::render_portfolio(d, &lang, date, h),
                Err(_) => Err(Error::Internal("portfolio".into())),
            })?;
            (format!("the portfolio of programme {code}"), remade)
        }
        "award" => {
            let id = int("award")?;
            let data = super::programme::award_sheet_data(store, id, &lang, date);
            let hash = data
                .as_ref()
                .map_err(clone_not_found)
                .and_then(|d| d.input_hash(&lang, date));
            let remade = remake(hash, &|| match &data {
                Ok(d) => rep::programme::render_award(d, &lang, date, h),
                Err(_) => Err(Error::Internal("award".into())),
            })?;
            (format!("award {id}"), remade)
        }
        _ => return Err(not_ours(&file)),
    };
    let data_matches = current.as_deref() == Some(recorded.as_str());
    let document_matches = remade.map(|r| r == bytes);
    let log_problem = match &head {
        None => None,
        Some(h) => match store::audit::hash_at(store.conn(), h.seq)? {
            None => Some(format!(
                "the audit log no longer holds entry {} that the report printed: the log was truncated since it was issued",
                h.seq
            )),
            Some(x) if x != h.hash => Some(format!(
                "entry {} of the audit log is not the one the report printed: the log was rewritten since it was issued",
                h.seq
            )),
            Some(_) => None,
        },
    };
    let matches = data_matches && document_matches == Some(true) && log_problem.is_none();
    let mut message = match (&current, document_matches) {
        (None, _) => {
            format!("{file}: {source} is not in this database; the report cannot be checked")
        }
        (Some(_), Some(true)) => format!(
            "{file} matches {source} in this database: the data is unchanged and the document is exactly the one Gigafund makes from it"
        ),
        (Some(_), Some(false)) => format!(
            "{file} was edited: its data is still {source} as the database holds it, but the document differs from the one Gigafund makes from that data"
        ),
        (Some(_), None) => format!(
            "{file} no longer matches {source}: the data it was made from has changed since it was issued (the document itself cannot be compared)"
        ),
    };
    if let Some(p) = &log_problem {
        message.push_str("; ");
        message.push_str(p);
    }
    Ok(ReportCheck {
        file,
        report,
        source,
        lang,
        date: date_text,
        recorded_sha256: recorded,
        current_sha256: current,
        matches,
        data_matches,
        document_matches,
        log_head: head,
        log_problem,
        message,
    })
}

/// Keeps a lookup's "not found" (the report's source is gone) and passes other errors on.
fn clone_not_found(e: &Error) -> Error {
    match e {
        Error::NotFound { kind, key } => Error::NotFound {
            kind,
            key: key.clone(),
        },
        other => Error::Internal(other.to_string()),
    }
}

/// The document's /Keywords, as a literal `(…)` or a UTF-16 hex `<FEFF…>` string.
fn keywords(bytes: &[u8]) -> Vec<String> {
    let key = b"/Keywords";
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = bytes[from..].windows(key.len()).position(|w| w == key) {
        let mut j = from + i + key.len();
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        match bytes.get(j) {
            Some(b'<') => {
                let end = bytes[j..]
                    .iter()
                    .position(|b| *b == b'>')
                    .map_or(bytes.len(), |e| j + e);
                let hex: String = String::from_utf8_lossy(&bytes[j + 1..end])
                    .chars()
                    .filter(|c| c.is_ascii_hexdigit())
                    .collect();
                let units: Vec<u16> = hex
                    .as_bytes()
                    .chunks(4)
                    .filter_map(|c| u16::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok())
                    .collect();
                let units = units.strip_prefix(&[0xFEFF]).unwrap_or(&units);
                out.push(String::from_utf16_lossy(units));
            }
            Some(b'(') => {
                let end = bytes[j..]
                    .iter()
                    .position(|b| *b == b')')
                    .map_or(bytes.len(), |e| j + e);
                out.push(String::from_utf8_lossy(&bytes[j + 1..end]).to_string());
            }
            _ => {}
        }
        from = j.max(from + i + 1);
    }
    out
}

/// A bid named by id or acronym (case-insensitive; the latest version; `call` narrows it).
pub fn find_bid(store: &Store, key: &str, call: Option<&str>) -> Result<i64> {
    if let Ok(id) = key.trim().parse::<i64>() {
        return Ok(id);
    }
    let mut stmt = store.conn().prepare(
        "SELECT b.id, c.code FROM bids b JOIN calls c ON c.id = b.call_id
         WHERE lower(b.acronym) = lower(?1) AND (?2 IS NULL OR c.code = ?2)
         ORDER BY c.code, b.version DESC",
    )?;
    let rows = stmt
        .query_map(rusqlite::params![key.trim(), call], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut calls: Vec<&str> = rows.iter().map(|(_, c)| c.as_str()).collect();
    calls.dedup();
    match (rows.first(), calls.len()) {
        (None, _) => Err(Error::NotFound {
            kind: "bid",
            key: match call {
                Some(c) => format!("{key} in call {c}"),
                None => key.to_string(),
            },
        }),
        (Some((id, _)), 1) => Ok(*id),
        _ => Err(Error::invalid(
            Location::default().with_field("bid"),
            format!(
                "bid {key} is in several calls ({}): name the call with --call",
                calls.join(", ")
            ),
            Some(key.to_string()),
        )),
    }
}
