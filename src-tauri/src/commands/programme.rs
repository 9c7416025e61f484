//! The programme after selection: programmes and their envelope, awards, agreements,
//! amendments, milestones and tranches. Each command locks the state and calls one
//! `gigafund::app::programme` function, the same the CLI calls.

use super::{CommandResult, Shared, actor, today, with_store};
use gigafund::app::programme::{
    self as prog, AmendRequest, AwardDetail, AwardRow, Imported, MilestoneChange, MilestoneView,
    PortfolioCharts, ProgrammeDetail, ProgrammeRow, ProgrammeTable, TrancheAction, TrancheView,
};
use gigafund::programme::portfolio::Portfolio;
use gigafund::programme::{Agreement, AgreementKind, Amendment, Award};
use gigafund::store::programme::Commitment;
use std::path::Path;

#[tauri::command]
pub fn programme_list(state: Shared<'_>) -> CommandResult<Vec<ProgrammeRow>> {
    with_store(&state, |s| prog::list(s))
}

#[tauri::command]
/// The file names of the programme templates shipped with Gigafund.
pub fn programme_templates() -> Vec<String> {
    prog::shipped().into_iter().map(|(file, _)| file).collect()
}

/// Imports a programme template the user chose (or a shipped one, by its file name).
#[tauri::command]
pub fn programme_import(state: Shared<'_>, path: String) -> CommandResult<Imported> {
    with_store(&state, |s| {
        match prog::shipped().into_iter().find(|(f, _)| *f == path) {
            Some((file, text)) => prog::import_text(s, &actor(), &file, &text),
            None => prog::import(s, &actor(), Path::new(&path)),
        }
    })
}

#[tauri::command]
pub fn programme_show(state: Shared<'_>, code: String) -> CommandResult<ProgrammeDetail> {
    with_store(&state, |s| prog::show(s, &code, today()))
}

#[tauri::command]
pub fn programme_portfolio(state: Shared<'_>, code: String) -> CommandResult<Portfolio> {
    with_store(&state, |s| prog::portfolio(s, &code, today()))
}

#[tauri::command]
pub fn programme_charts(
    state: Shared<'_>,
    code: String,
    lang: String,
) -> CommandResult<PortfolioCharts> {
    with_store(&state, |s| prog::portfolio_charts(s, &code, &lang, today()))
}

#[tauri::command]
pub fn programme_commitment(
    state: Shared<'_>,
    programme: String,
    commitment: Commitment,
) -> CommandResult<Commitment> {
    with_store(&state, |s| {
        prog::add_commitment(s, &actor(), &programme, &commitment)
    })
}

/// Writes the disbursement schedule or the milestone table where the user chose (.xlsx or
/// .csv by its extension); the native dialog has asked before replacing a file.
#[tauri::command]
pub fn programme_export(
    state: Shared<'_>,
    code: String,
    table: ProgrammeTable,
    lang: String,
    path: String,
) -> CommandResult<usize> {
    with_store(&state, |s| {
        let t = prog::programme_table(s, &code, table, &lang, today())?;
        t.write(Path::new(&path), true)?;
        Ok(t.rows.len())
    })
}

#[tauri::command]
pub fn award_list(state: Shared<'_>, programme: Option<String>) -> CommandResult<Vec<AwardRow>> {
    with_store(&state, |s| prog::awards(s, programme.as_deref(), today()))
}

#[tauri::command]
pub fn award_show(state: Shared<'_>, id: i64, lang: String) -> CommandResult<AwardDetail> {
    with_store(&state, |s| prog::show_award(s, id, &lang, today()))
}

#[tauri::command]
pub fn award_chart(state: Shared<'_>, id: i64, lang: String) -> CommandResult<String> {
    with_store(&state, |s| {
        prog::award_milestone_chart(s, id, &lang, today())
    })
}

#[tauri::command]
pub fn award_create(state: Shared<'_>, call: String, bid: String) -> CommandResult<AwardDetail> {
    with_store(&state, |s| prog::create_award(s, &actor(), &call, &bid))
}

#[tauri::command]
pub fn award_withdraw(state: Shared<'_>, id: i64, reason: String) -> CommandResult<Award> {
    with_store(&state, |s| prog::withdraw(s, &actor(), id, &reason))
}

#[tauri::command]
pub fn award_agreement(
    state: Shared<'_>,
    id: i64,
    kind: AgreementKind,
    signed_on: chrono::NaiveDate,
    reference: String,
) -> CommandResult<Agreement> {
    with_store(&state, |s| {
        prog::record_agreement(s, &actor(), id, kind, signed_on, &reference)
    })
}

#[tauri::command]
pub fn award_amend(state: Shared<'_>, id: i64, request: AmendRequest) -> CommandResult<Amendment> {
    with_store(&state, |s| prog::amend(s, &actor(), id, &request))
}

#[tauri::command]
pub fn milestone_update(
    state: Shared<'_>,
    award: i64,
    milestone: String,
    change: MilestoneChange,
) -> CommandResult<MilestoneView> {
    with_store(&state, |s| {
        prog::update_milestone(s, &actor(), award, &milestone, &change)
    })
}

#[tauri::command]
pub fn milestone_verify(
    state: Shared<'_>,
    award: i64,
    milestone: String,
) -> CommandResult<MilestoneView> {
    with_store(&state, |s| {
        prog::verify_milestone(s, &actor(), award, &milestone)
    })
}

#[tauri::command]
pub fn tranche_action(
    state: Shared<'_>,
    award: i64,
    tranche: String,
    action: TrancheAction,
    note: String,
) -> CommandResult<TrancheView> {
    with_store(&state, |s| {
        prog::tranche_action(s, &actor(), award, &tranche, action, &note)
    })
}

#[tauri::command]
pub fn deviation_add(
    state: Shared<'_>,
    award: i64,
    request: prog::DeviationRequest,
) -> CommandResult<gigafund::programme::Deviation> {
    with_store(&state, |s| {
        prog::record_deviation(s, &actor(), award, &request)
    })
}

#[tauri::command]
pub fn deviation_lift(
    state: Shared<'_>,
    award: i64,
    deviation: i64,
    by: String,
    reason: String,
) -> CommandResult<gigafund::programme::Deviation> {
    with_store(&state, |s| {
        prog::lift_deviation(s, &actor(), award, deviation, &by, &reason)
    })
}

/// Schedule risk of a programme (20,000 paths of 500 awards take well under a second:
/// run in the command, the view showing that it runs).
#[tauri::command]
pub fn programme_risk(
    state: Shared<'_>,
    code: String,
    paths: usize,
    seed: u64,
    lang: String,
) -> CommandResult<prog::RiskView> {
    let never = std::sync::atomic::AtomicBool::new(false);
    with_store(&state, |s| {
        let run = prog::schedule_risk(s, &code, today(), paths, seed, None, &|_, _| {}, &never)?;
        prog::risk_view(run, &lang)
    })
}

#[tauri::command]
pub fn programme_warnings(
    state: Shared<'_>,
    code: String,
    lang: String,
) -> CommandResult<Vec<prog::Warning>> {
    with_store(&state, |s| prog::early_warnings(s, &code, &lang, today()))
}

// ---------------------------------------------------------------------------------------
// Monitoring

use gigafund::app::monitoring::{
    self as mon, ImportedReport, ImportedRun, MonitoringView, PortfolioMonitoring,
};
use gigafund::ingest::monitoring::MonitoringRead;
use gigafund::programme::monitoring::Liabilities;
use gigafund::store::monitoring::RunKind;

#[tauri::command]
pub fn monitoring_view(state: Shared<'_>, id: i64, lang: String) -> CommandResult<MonitoringView> {
    with_store(&state, |s| mon::view(s, id, &lang, today()))
}

/// Writes the award's monitoring workbook for a year where the user chose (the native
/// dialog has asked before replacing a file).
#[tauri::command]
pub fn monitoring_template(
    state: Shared<'_>,
    id: i64,
    year: i32,
    path: String,
) -> CommandResult<usize> {
    with_store(&state, |s| {
        let bytes = mon::template(s, id, year, today())?;
        gigafund::export::write_file(Path::new(&path), &bytes, true)?;
        Ok(bytes.len())
    })
}

#[tauri::command]
pub fn monitoring_check(state: Shared<'_>, id: i64, path: String) -> CommandResult<MonitoringRead> {
    with_store(&state, |s| mon::check(s, id, Path::new(&path), today()))
}

#[tauri::command]
pub fn monitoring_import(
    state: Shared<'_>,
    id: i64,
    path: String,
) -> CommandResult<ImportedReport> {
    with_store(&state, |s| mon::import(s, &actor(), id, Path::new(&path)))
}

#[tauri::command]
pub fn monitoring_run(
    state: Shared<'_>,
    id: i64,
    path: String,
    kind: RunKind,
    on: chrono::NaiveDate,
) -> CommandResult<ImportedRun> {
    with_store(&state, |s| {
        mon::import_run(s, &actor(), id, Path::new(&path), kind, on)
    })
}

#[tauri::command]
pub fn monitoring_portfolio(
    state: Shared<'_>,
    code: String,
    lang: String,
) -> CommandResult<PortfolioMonitoring> {
    with_store(&state, |s| mon::portfolio(s, &code, &lang, today()))
}

#[tauri::command]
pub fn programme_liabilities(state: Shared<'_>, code: String) -> CommandResult<Liabilities> {
    let never = std::sync::atomic::AtomicBool::new(false);
    with_store(&state, |s| mon::liabilities(s, &code, &|_, _| {}, &never))
}
