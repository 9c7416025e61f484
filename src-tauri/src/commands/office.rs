//! The programme office's commands: calls and their versions, taking in submissions, the
//! roster and conflicts, assignment, offline packages, consensus, the panel and the audit
//! log. Each locks the state and calls one `gigafund::app` (or `gigafund::evaluation`)
//! function, the same the CLI calls.

use super::{CommandResult, Shared, actor, viewer, with_store};
use gigafund::app::audit::{self as trust, AuditFilter, AuditPage, VerifyReport};
use gigafund::app::calls::{self, CallTemplate, EditCheck, NewCall};
use gigafund::app::evaluation::{
    self as ev, ConflictList, ConflictTarget, KeySource, PackageSummary, RosterImport, RosterRow,
    ScoreConflictRow,
};
use gigafund::app::intake::{self, Intake};
use gigafund::app::reports::ReportCheck;
use gigafund::evaluation::assign::{self, AssignPlan, AssignmentMatrix};
use gigafund::evaluation::consensus::{self, ConsensusDraft, ConsensusView};
use gigafund::evaluation::package::{self, Exported, FileHeader, ReturnImport};
use gigafund::evaluation::{Viewer, scoring};
use gigafund::keys::KeyInfo;
use gigafund::model::{
    Assignment, AssignmentRole, AuditEntry, Call, ConflictKind, ConsensusScore, Organisation,
};
use gigafund::store::audit::Checkpoint;
use gigafund::store::calls::CallVersion;
use std::path::{Path, PathBuf};

// ---- calls ----------------------------------------------------------------------------

#[tauri::command]
pub fn call_templates() -> CommandResult<Vec<CallTemplate>> {
    calls::templates_on(super::today()).map_err(|e| e.to_payload())
}

#[tauri::command]
pub fn call_create(state: Shared<'_>, call: NewCall) -> CommandResult<Call> {
    with_store(&state, |s| calls::create(s, &actor(), &call))
}

#[tauri::command]
pub fn call_check_edit(state: Shared<'_>, code: String, call: Call) -> CommandResult<EditCheck> {
    with_store(&state, |s| calls::check_edit(s, &code, &call))
}

#[tauri::command]
pub fn call_update(
    state: Shared<'_>,
    code: String,
    call: Call,
    reason: Option<String>,
) -> CommandResult<CallVersion> {
    with_store(&state, |s| {
        calls::update(s, &actor(), &code, &call, reason.as_deref())
    })
}

#[tauri::command]
pub fn call_versions(state: Shared<'_>, code: String) -> CommandResult<Vec<CallVersion>> {
    with_store(&state, |s| calls::versions(s, &code))
}

#[tauri::command]
pub fn call_version_changes(
    state: Shared<'_>,
    code: String,
    version: u32,
) -> CommandResult<Vec<gigafund::app::calls::CallChange>> {
    with_store(&state, |s| calls::version_changes(s, &code, version))
}

/// Saves the call's applicant workbook (`gigafund template`) where the user chose.
#[tauri::command]
pub fn call_workbook_save(state: Shared<'_>, code: String, path: String) -> CommandResult<u64> {
    with_store(&state, |s| {
        let bytes = gigafund::app::applicant_template(s, &code)?;
        std::fs::write(&path, &bytes).map_err(|e| gigafund::Error::io(&path, e))?;
        Ok(bytes.len() as u64)
    })
}

// ---- submissions ------------------------------------------------------------------------

/// The packages and workbooks of a folder, for a batch intake.
#[tauri::command]
pub fn intake_files(dir: String) -> CommandResult<Vec<String>> {
    intake::files_in(Path::new(&dir)).map_err(|e| e.to_payload())
}

/// Takes in one file of a batch (the UI shows progress between files).
#[tauri::command]
pub fn intake_file(
    state: Shared<'_>,
    path: String,
    call: Option<String>,
    submit: bool,
) -> CommandResult<Intake> {
    with_store(&state, |s| {
        intake::intake(s, &actor(), Path::new(&path), call.as_deref(), submit)
    })
}

// ---- roster and conflicts ---------------------------------------------------------------

#[tauri::command]
pub fn roster_list(state: Shared<'_>) -> CommandResult<Vec<RosterRow>> {
    with_store(&state, |s| ev::roster(s))
}

#[tauri::command]
pub fn roster_import(state: Shared<'_>, path: String) -> CommandResult<RosterImport> {
    with_store(&state, |s| ev::import_roster(s, &actor(), Path::new(&path)))
}

#[tauri::command]
pub fn conflicts_list(state: Shared<'_>, call: String) -> CommandResult<ConflictList> {
    with_store(&state, |s| ev::conflicts(s, &call))
}

#[tauri::command]
pub fn call_organisations(state: Shared<'_>, call: String) -> CommandResult<Vec<Organisation>> {
    with_store(&state, |s| ev::organisations(s, &call))
}

/// Declares a conflict of an evaluator against a bid of `call` or an organisation.
#[tauri::command]
pub fn conflict_declare(
    state: Shared<'_>,
    evaluator_id: i64,
    call: String,
    bid_id: Option<i64>,
    organisation: Option<String>,
    kind: ConflictKind,
    note: String,
) -> CommandResult<ev::Declared> {
    with_store(&state, |s| {
        let bid = bid_id.map(|b| b.to_string());
        let target = match (&bid, &organisation) {
            (Some(b), _) => ConflictTarget::Bid {
                call: &call,
                bid: b,
            },
            (None, Some(o)) => ConflictTarget::Organisation(o),
            (None, None) => {
                return Err(gigafund::Error::invalid(
                    gigafund::error::Location::default().with_field("bid"),
                    "a conflict is declared against a bid or an organisation",
                    None,
                ));
            }
        };
        ev::declare_conflict(s, &actor(), &evaluator_id.to_string(), target, kind, &note)
    })
}

// ---- assignment -------------------------------------------------------------------------

#[tauri::command]
pub fn assign_auto(state: Shared<'_>, call: String) -> CommandResult<AssignPlan> {
    with_store(&state, |s| assign::auto(s, &actor(), &call))
}

#[tauri::command]
pub fn assign_matrix(state: Shared<'_>, call: String) -> CommandResult<AssignmentMatrix> {
    with_store(&state, |s| assign::matrix(s.conn(), &call))
}

#[tauri::command]
pub fn assign_add(
    state: Shared<'_>,
    call: String,
    bid_id: i64,
    evaluator_id: i64,
    rapporteur: bool,
) -> CommandResult<Assignment> {
    let role = if rapporteur {
        AssignmentRole::Rapporteur
    } else {
        AssignmentRole::Expert
    };
    with_store(&state, |s| {
        assign::manual(
            s,
            &actor(),
            &call,
            &bid_id.to_string(),
            &evaluator_id.to_string(),
            role,
        )
    })
}

#[tauri::command]
pub fn assign_remove(
    state: Shared<'_>,
    call: String,
    bid_id: i64,
    evaluator_id: i64,
) -> CommandResult<()> {
    with_store(&state, |s| {
        assign::remove(
            s,
            &actor(),
            &call,
            &bid_id.to_string(),
            &evaluator_id.to_string(),
        )
    })
}

#[tauri::command]
pub fn assign_rapporteur(
    state: Shared<'_>,
    call: String,
    bid_id: i64,
    evaluator_id: i64,
) -> CommandResult<()> {
    with_store(&state, |s| {
        assign::make_rapporteur(
            s,
            &actor(),
            &call,
            &bid_id.to_string(),
            &evaluator_id.to_string(),
        )
    })
}

// ---- offline packages -------------------------------------------------------------------

/// Registers an expert's public key, pasted (`text`) or from the file they sent (`path`).
#[tauri::command]
pub fn key_register(
    state: Shared<'_>,
    evaluator_id: i64,
    text: Option<String>,
    path: Option<String>,
) -> CommandResult<RosterRow> {
    with_store(&state, |s| {
        let source = match (&text, &path) {
            (Some(t), _) => KeySource::Text(t),
            (None, Some(p)) => KeySource::File(Path::new(p)),
            (None, None) => {
                return Err(gigafund::Error::invalid(
                    gigafund::error::Location::default().with_field("public key"),
                    "paste the expert's public key or choose the file they sent",
                    None,
                ));
            }
        };
        ev::register_key(s, &actor(), &evaluator_id.to_string(), source)
    })
}

#[tauri::command]
pub fn packages_list(state: Shared<'_>, call: String) -> CommandResult<Vec<PackageSummary>> {
    with_store(&state, |s| ev::packages(s, &call))
}

/// Exports one expert's package into `dir` (the passphrases are used, never stored),
/// signed with the office's key when its passphrase is given.
#[tauri::command]
pub fn package_export(
    state: Shared<'_>,
    call: String,
    evaluator_id: i64,
    passphrase: String,
    dir: String,
    office_passphrase: Option<String>,
) -> CommandResult<Exported> {
    with_store(&state, |s| {
        let signer = office_passphrase
            .map(|p| -> gigafund::Result<package::OfficeSigner> {
                Ok(package::OfficeSigner {
                    key_path: trust::office_key_path()?,
                    passphrase: p,
                })
            })
            .transpose()?;
        let e = gigafund::store::evaluation::evaluator(s.conn(), evaluator_id)?;
        let out = PathBuf::from(&dir).join(package::file_name(&call, &e.email, false));
        package::export(
            s,
            &actor(),
            &call,
            &e.email,
            &passphrase,
            &out,
            signer.as_ref(),
        )
    })
}

// ---- the office's key and the log's checkpoints ---------------------------------------

/// The office's signing key kept in the app's data directory, when it has been made.
#[tauri::command]
pub fn office_key() -> CommandResult<Option<KeyInfo>> {
    trust::office_key_path()
        .and_then(|p| trust::office_key(&p))
        .map_err(|e| e.to_payload())
}

#[tauri::command]
pub fn office_key_create(passphrase: String, confirm: String) -> CommandResult<KeyInfo> {
    trust::office_key_path()
        .and_then(|p| trust::create_office_key(&p, &passphrase, &confirm, &actor()))
        .map_err(|e| e.to_payload())
}

/// Saves the office's public key file (for the experts and the records) at `path`.
#[tauri::command]
pub fn office_public_key_save(path: String) -> CommandResult<()> {
    (|| {
        let text = trust::office_public_key_file(&trust::office_key_path()?)?;
        write_new(Path::new(&path), &text)
    })()
    .map_err(|e| e.to_payload())
}

/// Signs the log's head with the office's key; with `save_to`, also writes the checkpoint
/// file there (never over an existing file).
#[tauri::command]
pub fn audit_checkpoint(
    state: Shared<'_>,
    passphrase: String,
    save_to: Option<String>,
) -> CommandResult<Checkpoint> {
    with_store(&state, |s| {
        if let Some(p) = &save_to
            && Path::new(p).exists()
        {
            return Err(gigafund::Error::Conflict(format!(
                "{p} already exists: a checkpoint file is never written over"
            )));
        }
        let (c, text) = trust::checkpoint(s, &actor(), &trust::office_key_path()?, &passphrase)?;
        if let Some(p) = &save_to {
            write_new(Path::new(p), &text)?;
        }
        Ok(c)
    })
}

/// Verifies the open database: checkpoints against the office's key when the app holds
/// it, and the checkpoint files chosen.
#[tauri::command]
pub fn verify_database_full(
    state: Shared<'_>,
    checkpoint_files: Vec<String>,
) -> CommandResult<VerifyReport> {
    with_store(&state, |s| {
        let key = trust::office_key_path()?;
        let office_key = trust::office_key(&key)?.map(|k| k.public_key);
        let checkpoints = checkpoint_files
            .iter()
            .map(|f| Ok((f.clone(), trust::read_checkpoint_file(Path::new(f))?)))
            .collect::<gigafund::Result<Vec<_>>>()?;
        trust::verify_with(
            s,
            &trust::VerifyOptions {
                office_key,
                checkpoints,
            },
        )
    })
}

fn write_new(path: &Path, text: &str) -> gigafund::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| gigafund::Error::io(path, e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| gigafund::Error::io(path, e))
}

#[tauri::command]
pub fn package_peek(path: String) -> CommandResult<FileHeader> {
    package::peek(Path::new(&path)).map_err(|e| e.to_payload())
}

#[tauri::command]
pub fn return_import(
    state: Shared<'_>,
    path: String,
    passphrase: String,
) -> CommandResult<ReturnImport> {
    with_store(&state, |s| {
        package::import_return(s, &actor(), Path::new(&path), &passphrase)
    })
}

#[tauri::command]
pub fn score_conflicts(state: Shared<'_>, call: String) -> CommandResult<Vec<ScoreConflictRow>> {
    with_store(&state, |s| ev::score_conflicts(s, &call))
}

#[tauri::command]
pub fn score_conflict_resolve(
    state: Shared<'_>,
    call: String,
    conflict: i64,
    keep_return: bool,
) -> CommandResult<Option<String>> {
    with_store(&state, |s| {
        package::resolve(s, &actor(), &call, conflict, keep_return)
    })
}

// ---- consensus and panel ----------------------------------------------------------------

/// Drafts one criterion's consensus, as the rapporteur (`evaluator`) or the office.
#[tauri::command]
pub fn consensus_draft(
    state: Shared<'_>,
    call: String,
    bid: i64,
    evaluator: Option<i64>,
    draft: ConsensusDraft,
) -> CommandResult<ConsensusScore> {
    with_store(&state, |s| {
        let v = viewer(s, evaluator)?;
        consensus::draft(s, &actor(), v, &call, bid, &draft)
    })
}

#[tauri::command]
pub fn consensus_approve(
    state: Shared<'_>,
    call: String,
    bid: i64,
    evaluator: i64,
) -> CommandResult<ConsensusView> {
    with_store(&state, |s| {
        if let Viewer::Evaluator(me) = viewer(s, Some(evaluator))?
            && me != evaluator
        {
            return Err(gigafund::Error::Conflict(
                "this database belongs to another evaluator".into(),
            ));
        }
        consensus::approve(s, &actor(), &call, bid, evaluator)
    })
}

#[tauri::command]
pub fn panel_decide(
    state: Shared<'_>,
    call: String,
    bid_id: i64,
    position: u32,
    reason: String,
) -> CommandResult<()> {
    with_store(&state, |s| {
        ev::panel_decision(s, &actor(), &call, &bid_id.to_string(), position, &reason)
    })
}

// ---- audit ------------------------------------------------------------------------------

#[tauri::command]
pub fn audit_query(
    state: Shared<'_>,
    filter: AuditFilter,
    offset: u32,
    limit: u32,
) -> CommandResult<AuditPage> {
    with_store(&state, |s| {
        gigafund::app::audit::query(s, &filter, offset, limit)
    })
}

#[tauri::command]
pub fn audit_actions(state: Shared<'_>) -> CommandResult<Vec<String>> {
    with_store(&state, |s| gigafund::app::audit::actions(s))
}

/// Every change of one score (the office, or an expert once they have submitted).
#[tauri::command]
pub fn score_history(
    state: Shared<'_>,
    bid: i64,
    evaluator_id: i64,
    criterion: String,
    viewer_id: Option<i64>,
) -> CommandResult<Vec<AuditEntry>> {
    with_store(&state, |s| {
        let v = viewer(s, viewer_id)?;
        scoring::history(s.conn(), v, bid, evaluator_id, &criterion)
    })
}

/// Whether a report (chosen or dropped) still matches the database.
#[tauri::command]
pub fn report_verify(state: Shared<'_>, path: String) -> CommandResult<ReportCheck> {
    with_store(&state, |s| {
        gigafund::app::reports::verify_report(s, Path::new(&path))
    })
}
