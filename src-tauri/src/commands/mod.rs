//! Tauri commands: each one locks the state and calls one `gigafund::app` function.
//! Errors reach the UI as `{code, message, problems}` (`gigafund::error::ErrorPayload`).

pub mod expert;
pub mod office;
pub mod programme;

use gigafund::app::{
    self, BidDetail, BidRow, CallCompute, DatabaseInfo, ProgrammeSummary, VerifyReport,
};
use gigafund::compute::estimate::Estimate;
use gigafund::compute::relative::{self, RelativeTable};
use gigafund::error::{ErrorCode, ErrorPayload};
use gigafund::model::Actor;
use gigafund::store::Store;
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::State;

/// The open database, or why none could be opened (shown by the UI, which then offers to
/// pick another file).
#[derive(Debug)]
pub struct AppState {
    store: Result<Store, ErrorPayload>,
}

type Shared<'a> = State<'a, Mutex<AppState>>;
type CommandResult<T> = Result<T, ErrorPayload>;

impl AppState {
    /// `GIGAFUND_DB` if set (tests, several databases), else the last database opened,
    /// else the default in the platform data directory.
    pub fn open_initial() -> AppState {
        let settings = app::settings::path()
            .map(|p| app::settings::load(&p))
            .unwrap_or_default();
        let path = app::settings::initial_database(
            std::env::var_os("GIGAFUND_DB").map(PathBuf::from),
            &settings,
        );
        AppState {
            store: path
                .and_then(|p| Store::open(&p))
                .map_err(|e| e.to_payload()),
        }
    }

    pub fn with(store: Store) -> AppState {
        AppState { store: Ok(store) }
    }
}

pub(crate) fn poisoned() -> ErrorPayload {
    ErrorPayload {
        code: ErrorCode::Internal,
        message: "an earlier operation failed while holding the database; restart Gigafund".into(),
        problems: Vec::new(),
    }
}

/// Runs `f` with the open store, or returns why there is none.
fn with_store<T>(
    state: &Shared<'_>,
    f: impl FnOnce(&mut Store) -> gigafund::Result<T>,
) -> CommandResult<T> {
    let mut guard = state.lock().map_err(|_| poisoned())?;
    match &mut guard.store {
        Ok(store) => f(store).map_err(|e| e.to_payload()),
        Err(e) => Err(e.clone()),
    }
}

fn actor() -> Actor {
    let user = std::env::var("USER").unwrap_or_else(|_| "desktop".into());
    Actor::new(format!("desktop:{user}"), chrono::Utc::now())
}

#[tauri::command]
pub fn database_info(state: Shared<'_>) -> CommandResult<DatabaseInfo> {
    with_store(&state, |s| app::info(s))
}

/// Opens (or creates) the database at `path`, chosen by the user in a native dialog.
#[tauri::command]
pub fn open_database(state: Shared<'_>, path: String) -> CommandResult<DatabaseInfo> {
    let store = Store::open(&PathBuf::from(&path)).map_err(|e| e.to_payload())?;
    let info = app::info(&store).map_err(|e| e.to_payload())?;
    let mut guard = state.lock().map_err(|_| poisoned())?;
    guard.store = Ok(store);
    drop(guard);
    expert::remember(std::path::Path::new(&path));
    Ok(info)
}

#[tauri::command]
pub fn load_demo(state: Shared<'_>) -> CommandResult<ProgrammeSummary> {
    with_store(&state, |s| app::load_demo(s, &actor(), None))
}

#[tauri::command]
pub fn programme_summary(state: Shared<'_>) -> CommandResult<ProgrammeSummary> {
    with_store(&state, |s| app::summary(s))
}

#[tauri::command]
pub fn list_bids(state: Shared<'_>, call: Option<String>) -> CommandResult<Vec<BidRow>> {
    with_store(&state, |s| app::bid_rows(s, call.as_deref()))
}

#[tauri::command]
pub fn bid_detail(state: Shared<'_>, id: i64) -> CommandResult<BidDetail> {
    with_store(&state, |s| app::bid_detail(s, id))
}

#[tauri::command]
pub fn verify_database(state: Shared<'_>) -> CommandResult<VerifyReport> {
    with_store(&state, |s| app::verify(s))
}

#[tauri::command]
pub fn compute_call(
    state: Shared<'_>,
    call: String,
    round: String,
    lang: String,
) -> CommandResult<CallCompute> {
    with_store(&state, |s| app::compute_view(s, &call, &round, &lang))
}

#[tauri::command]
pub fn compute_bid(state: Shared<'_>, id: i64, round: String) -> CommandResult<Estimate> {
    with_store(&state, |s| app::compute_estimate_bid(s, id, &round))
}

#[tauri::command]
pub fn compute_relative(state: Shared<'_>, round: String) -> CommandResult<RelativeTable> {
    with_store(&state, |s| {
        app::compute_relative(
            s,
            &round,
            relative::DEFAULT_BENCHMARK,
            relative::DEFAULT_COUNT,
        )
    })
}

// ---- finance model (FINANCE.md) -----------------------------------------------------

use gigafund::app::finance::{
    self as fin, BidInputs, Comparison, ModelView, MonteCarloJob, MonteCarloStatus, TornadoView,
};
use gigafund::finance::Inputs;
use gigafund::finance::montecarlo::MonteCarlo;
use gigafund::finance::sensitivity::{GoalSeek, GoalSeekResult};
use gigafund::store::scenarios::Scenario;

fn payload<T>(r: gigafund::Result<T>) -> CommandResult<T> {
    r.map_err(|e| e.to_payload())
}

/// FINANCE.md's reference inputs (a 100,000-accelerator gigafactory).
#[tauri::command]
pub fn model_reference_inputs() -> Inputs {
    Inputs::reference()
}

#[tauri::command]
pub fn model_bid_inputs(state: Shared<'_>, bid_id: i64) -> CommandResult<BidInputs> {
    with_store(&state, |s| fin::bid_model_inputs(s, bid_id))
}

#[tauri::command]
pub fn model_view(inputs: Inputs, lang: String) -> CommandResult<ModelView> {
    payload(fin::view(&inputs, &lang))
}

#[tauri::command]
pub fn model_goal_seek(inputs: Inputs, request: GoalSeek) -> CommandResult<GoalSeekResult> {
    payload(fin::goal_seek(&inputs, &request))
}

#[tauri::command]
pub fn model_tornado(
    inputs: Inputs,
    metric: String,
    change: f64,
    lang: String,
) -> CommandResult<TornadoView> {
    payload(fin::tornado(&inputs, &metric, change, &lang))
}

#[tauri::command]
pub fn model_mc_start(
    job: State<'_, MonteCarloJob>,
    inputs: Inputs,
    paths: u32,
    seed: u64,
    lang: String,
) -> CommandResult<()> {
    payload(job.start(inputs, paths, seed, lang))
}

#[tauri::command]
pub fn model_mc_status(job: State<'_, MonteCarloJob>) -> MonteCarloStatus {
    job.status()
}

#[tauri::command]
pub fn model_mc_cancel(job: State<'_, MonteCarloJob>) {
    job.cancel();
}

#[tauri::command]
pub fn scenario_save(
    state: Shared<'_>,
    bid_id: Option<i64>,
    name: String,
    note: String,
    inputs: Inputs,
    monte_carlo: Option<MonteCarlo>,
) -> CommandResult<Scenario> {
    with_store(&state, |s| {
        fin::save_scenario(
            s,
            &actor(),
            bid_id,
            &name,
            &note,
            &inputs,
            monte_carlo.as_ref(),
        )
    })
}

#[tauri::command]
pub fn scenario_list(state: Shared<'_>, bid_id: Option<i64>) -> CommandResult<Vec<Scenario>> {
    with_store(&state, |s| fin::scenarios(s, bid_id))
}

#[tauri::command]
pub fn scenario_compare(state: Shared<'_>, ids: Vec<i64>) -> CommandResult<Comparison> {
    with_store(&state, |s| fin::compare(s, &ids))
}

// ---- reports --------------------------------------------------------------------------

use gigafund::app::reports::{self, BatchJob, BatchStatus, ReportRequest};

pub(crate) fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The PDF of a report, as raw bytes for the preview (no JSON array of numbers).
#[tauri::command]
pub fn report_pdf(
    state: Shared<'_>,
    request: ReportRequest,
    lang: String,
) -> CommandResult<tauri::ipc::Response> {
    let bytes = with_store(&state, |s| reports::report_pdf(s, &request, &lang, today()))?;
    Ok(tauri::ipc::Response::new(bytes))
}

/// Writes a report to `path` (chosen in a native save dialog); the same bytes as previewed
/// on the same day.
#[tauri::command]
pub fn report_save(
    state: Shared<'_>,
    request: ReportRequest,
    lang: String,
    path: String,
) -> CommandResult<u64> {
    with_store(&state, |s| {
        let bytes = reports::report_pdf(s, &request, &lang, today())?;
        std::fs::write(&path, &bytes).map_err(|e| gigafund::Error::io(&path, e))?;
        Ok(bytes.len() as u64)
    })
}

/// Starts writing every ESR of a call into `dir`: the call is read under the database
/// lock, the documents are written in the background.
#[tauri::command]
pub fn report_batch_start(
    state: Shared<'_>,
    job: State<'_, BatchJob>,
    call: String,
    lang: String,
    dir: String,
) -> CommandResult<()> {
    let loaded = with_store(&state, |s| reports::CallReports::load(s, &call))?;
    payload(job.start(loaded, lang, today(), PathBuf::from(dir)))
}

#[tauri::command]
pub fn report_batch_status(job: State<'_, BatchJob>) -> BatchStatus {
    job.status()
}

#[tauri::command]
pub fn report_batch_cancel(job: State<'_, BatchJob>) {
    job.cancel();
}

// ---------------------------------------------------------------------------------------
// Evaluation (EVALUATION.md)

use gigafund::evaluation::{self, Viewer, assign, consensus, scoring};

/// Who the app acts as. In a database opened from an evaluator package, always that
/// evaluator, whatever the UI asks.
fn viewer(s: &Store, asked: Option<i64>) -> gigafund::Result<Viewer> {
    if let Some((_, _, me)) = evaluation::package::opened(s.conn())? {
        return Ok(Viewer::Evaluator(me));
    }
    Ok(asked.map_or(Viewer::Office, Viewer::Evaluator))
}

#[derive(serde::Serialize)]
pub struct EvalIdentity {
    /// Set when this database was opened from a package: the app acts only as them.
    locked_to: Option<i64>,
    evaluators: Vec<gigafund::model::Evaluator>,
}

#[tauri::command]
pub fn eval_identity(state: Shared<'_>) -> CommandResult<EvalIdentity> {
    with_store(&state, |s| {
        Ok(EvalIdentity {
            locked_to: evaluation::package::opened(s.conn())?.map(|p| p.2),
            evaluators: gigafund::store::evaluation::evaluators(s.conn())?,
        })
    })
}

#[tauri::command]
pub fn eval_rank(state: Shared<'_>, call: String) -> CommandResult<evaluation::CallRanking> {
    with_store(&state, |s| evaluation::rank_call(s.conn(), &call, Some(2)))
}

#[tauri::command]
pub fn eval_assignments(
    state: Shared<'_>,
    call: String,
    evaluator: Option<i64>,
) -> CommandResult<Vec<assign::AssignmentRow>> {
    with_store(&state, |s| {
        let v = viewer(s, evaluator)?;
        assign::list(s.conn(), &call, v)
    })
}

#[tauri::command]
pub fn eval_scores(
    state: Shared<'_>,
    bid: i64,
    evaluator: Option<i64>,
) -> CommandResult<scoring::BidScores> {
    with_store(&state, |s| {
        let v = viewer(s, evaluator)?;
        scoring::visible(s.conn(), v, bid)
    })
}

#[tauri::command]
pub fn eval_score_set(
    state: Shared<'_>,
    call: String,
    input: scoring::ScoreInput,
) -> CommandResult<gigafund::model::Score> {
    with_store(&state, |s| {
        if let Viewer::Evaluator(me) = viewer(s, Some(input.evaluator_id))?
            && me != input.evaluator_id
        {
            return Err(gigafund::Error::Conflict(
                "this database belongs to another evaluator".into(),
            ));
        }
        scoring::set(s, &actor(), &call, &input)
    })
}

#[tauri::command]
pub fn eval_submit(
    state: Shared<'_>,
    call: String,
    bid: i64,
    evaluator: i64,
) -> CommandResult<scoring::BidScores> {
    with_store(&state, |s| {
        scoring::submit(s, &actor(), &call, bid, evaluator)?;
        scoring::visible(s.conn(), Viewer::Evaluator(evaluator), bid)
    })
}

#[tauri::command]
pub fn eval_consensus(
    state: Shared<'_>,
    call: String,
    bid: i64,
    evaluator: Option<i64>,
) -> CommandResult<consensus::ConsensusView> {
    with_store(&state, |s| {
        let v = viewer(s, evaluator)?;
        consensus::view(s.conn(), v, &call, bid)
    })
}

#[tauri::command]
pub fn eval_call(state: Shared<'_>, call: String) -> CommandResult<gigafund::model::Call> {
    with_store(&state, |s| app::call(s, &call))
}

// ---------------------------------------------------------------------------------------
// Applicant workbook

use gigafund::app::applicant::{self, Change, CheckReport, ImportOutcome, PackageOutcome};
use gigafund::store::bids::VersionRow;

/// Reads and checks a workbook (chosen in a native dialog or dropped on the window).
#[tauri::command]
pub fn workbook_check(state: Shared<'_>, path: String, call: String) -> CommandResult<CheckReport> {
    with_store(&state, |s| {
        applicant::check_workbook(s, &PathBuf::from(&path), &call)
    })
}

/// Imports a workbook as a new version (a draft, or submitted); nothing stored on error.
#[tauri::command]
pub fn workbook_import(
    state: Shared<'_>,
    path: String,
    call: String,
    submit: bool,
) -> CommandResult<ImportOutcome> {
    with_store(&state, |s| {
        applicant::import_workbook(s, &actor(), &PathBuf::from(&path), &call, submit)
    })
}

/// Writes the annotated copy of a workbook to `out` (chosen in a save dialog).
#[tauri::command]
pub fn workbook_annotate(
    state: Shared<'_>,
    path: String,
    call: String,
    out: String,
) -> CommandResult<String> {
    with_store(&state, |s| {
        let source = PathBuf::from(&path);
        let report = applicant::check_workbook(s, &source, &call)?;
        applicant::annotate(&report, &source, &PathBuf::from(&out)).map(|p| p.display().to_string())
    })
}

/// Writes the submission package of a ready workbook into `dir`.
#[tauri::command]
pub fn workbook_package(
    state: Shared<'_>,
    path: String,
    call: String,
    dir: String,
) -> CommandResult<PackageOutcome> {
    with_store(&state, |s| {
        applicant::package(
            s,
            &actor(),
            &PathBuf::from(&path),
            &call,
            &PathBuf::from(&dir),
        )
    })
}

#[tauri::command]
pub fn bid_versions(
    state: Shared<'_>,
    call: String,
    acronym: String,
) -> CommandResult<Vec<VersionRow>> {
    with_store(&state, |s| applicant::versions(s, &call, &acronym))
}

#[tauri::command]
pub fn bid_version_diff(
    state: Shared<'_>,
    call: String,
    acronym: String,
    from: u32,
    to: u32,
) -> CommandResult<Vec<Change>> {
    with_store(&state, |s| {
        applicant::version_diff(s, &call, &acronym, from, to)
    })
}
