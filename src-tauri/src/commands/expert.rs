//! The expert's commands (their signing key, a package opened into their own database, the
//! signed return), and the analyst's and applicant's last steps (benchmark files, a
//! scenario's workbook, a submission package inspected before import).

use super::{AppState, CommandResult, Shared, actor, payload, with_store};
use gigafund::app::applicant::{self, ImportOutcome, PackageInspection};
use gigafund::app::expert::{self, OpenedDatabase};
use gigafund::app::{BenchImport, settings};
use gigafund::evaluation::package::{self, KeyInfo, ReturnSummary, Returned};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tauri::State;

/// A file given on the command line (`gigafund-desktop FILE`, or a double-click on a
/// package): handed to the UI once, which asks for its passphrase.
#[derive(Debug, Default)]
pub struct StartupFile(pub Mutex<Option<PathBuf>>);

#[tauri::command]
pub fn startup_file(file: State<'_, StartupFile>) -> Option<String> {
    file.0
        .lock()
        .ok()
        .and_then(|mut f| f.take())
        .map(|p| p.display().to_string())
}

#[tauri::command]
pub fn expert_key() -> CommandResult<Option<KeyInfo>> {
    payload(expert::key_path().and_then(|p| expert::key(&p)))
}

#[tauri::command]
pub fn expert_key_create(passphrase: String, confirm: String) -> CommandResult<KeyInfo> {
    payload(
        expert::key_path().and_then(|p| expert::create_key(&p, &passphrase, &confirm, &actor())),
    )
}

/// Saves the public key file the expert sends to the office.
#[tauri::command]
pub fn expert_public_key_save(path: String, email: Option<String>) -> CommandResult<String> {
    payload((|| {
        let key = expert::key_path()?;
        let text =
            expert::public_key_file(&key, email.as_deref().filter(|e| !e.trim().is_empty()))?;
        std::fs::write(&path, text).map_err(|e| gigafund::Error::io(&path, e))?;
        Ok(path.clone())
    })())
}

/// Opens the office's package into a new database of the expert's own, and switches to it.
#[tauri::command]
pub fn package_open(
    state: Shared<'_>,
    path: String,
    passphrase: String,
) -> CommandResult<OpenedDatabase> {
    let dir = expert::data_dir()
        .map(|d| d.join("evaluations"))
        .map_err(|e| e.to_payload())?;
    let (store, opened) = payload(expert::open_package(
        &actor(),
        Path::new(&path),
        &passphrase,
        &dir,
    ))?;
    let mut guard = state.lock().map_err(|_| super::poisoned())?;
    *guard = AppState::with(store);
    drop(guard);
    remember(Path::new(&opened.database));
    Ok(opened)
}

/// Remembers the database for the next start; losing that memory is not an error.
pub(crate) fn remember(db: &Path) {
    if let Ok(p) = settings::path()
        && let Err(e) = settings::remember_database(&p, db)
    {
        eprintln!("gigafund-desktop: could not remember the database: {e}");
    }
}

#[tauri::command]
pub fn return_summary(state: Shared<'_>) -> CommandResult<ReturnSummary> {
    with_store(&state, |s| package::return_summary(s.conn()))
}

/// Signs and writes the expert's return to `path` (chosen in a save dialog).
#[tauri::command]
pub fn return_write(
    state: Shared<'_>,
    key_passphrase: String,
    passphrase: String,
    path: String,
) -> CommandResult<Returned> {
    with_store(&state, |s| {
        let key = expert::key_path()?;
        package::write_return(
            s,
            &actor(),
            &key,
            &key_passphrase,
            &passphrase,
            Path::new(&path),
        )
    })
}

/// The return's standard file name, for the save dialog.
#[tauri::command]
pub fn return_file_name(state: Shared<'_>) -> CommandResult<String> {
    with_store(&state, |s| {
        Ok(package::return_summary(s.conn())?.default_file_name)
    })
}

#[tauri::command]
pub fn bench_import(state: Shared<'_>, paths: Vec<String>) -> CommandResult<BenchImport> {
    with_store(&state, |s| {
        let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
        gigafund::app::import_benchmark_files(s, &actor(), &paths)
    })
}

#[tauri::command]
pub fn scenario_export_xlsx(
    state: Shared<'_>,
    id: i64,
    lang: String,
    path: String,
) -> CommandResult<u64> {
    with_store(&state, |s| {
        let bytes = gigafund::app::finance::scenario_workbook(s, id, &lang)?;
        std::fs::write(&path, &bytes).map_err(|e| gigafund::Error::io(&path, e))?;
        Ok(bytes.len() as u64)
    })
}

#[tauri::command]
pub fn submission_inspect(state: Shared<'_>, path: String) -> CommandResult<PackageInspection> {
    with_store(&state, |s| applicant::inspect_package(s, Path::new(&path)))
}

#[tauri::command]
pub fn submission_import(state: Shared<'_>, path: String) -> CommandResult<ImportOutcome> {
    with_store(&state, |s| {
        applicant::import_package(s, &actor(), Path::new(&path))
    })
}
