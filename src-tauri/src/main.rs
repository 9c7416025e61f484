//! The Gigafund desktop shell. Commands are one-line wrappers over `gigafund::app`; the
//! only state is the open database.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

use std::sync::Mutex;

fn main() {
    let state = commands::AppState::open_initial();
    // `gigafund-desktop FILE`: a package (or any file the app opens) given at start, as a
    // double-click on an evaluator package does.
    let startup = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_file());
    // The system's language, for a first start (WebKit's navigator.language does not
    // follow the locale variables on Linux): the UI uses it until the person chooses one.
    let system_lang = gigafund::app::system_language().unwrap_or("");
    let locale = tauri::plugin::Builder::<tauri::Wry, ()>::new("system-locale")
        .js_init_script(format!(
            "window.__GIGAFUND_SYSTEM_LANG__ = {system_lang:?};"
        ))
        .build();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(locale)
        .manage(Mutex::new(state))
        .manage(commands::expert::StartupFile(Mutex::new(startup)))
        .manage(gigafund::app::finance::MonteCarloJob::default())
        .manage(gigafund::app::reports::BatchJob::default())
        .invoke_handler(tauri::generate_handler![
            commands::database_info,
            commands::open_database,
            commands::load_demo,
            commands::programme_summary,
            commands::list_bids,
            commands::bid_detail,
            commands::verify_database,
            commands::compute_call,
            commands::compute_bid,
            commands::compute_relative,
            commands::model_reference_inputs,
            commands::model_bid_inputs,
            commands::model_view,
            commands::model_goal_seek,
            commands::model_tornado,
            commands::model_mc_start,
            commands::model_mc_status,
            commands::model_mc_cancel,
            commands::scenario_save,
            commands::scenario_list,
            commands::scenario_compare,
            commands::report_pdf,
            commands::report_save,
            commands::report_batch_start,
            commands::report_batch_status,
            commands::report_batch_cancel,
            commands::eval_identity,
            commands::eval_rank,
            commands::eval_assignments,
            commands::eval_scores,
            commands::eval_score_set,
            commands::eval_submit,
            commands::eval_consensus,
            commands::eval_call,
            commands::workbook_check,
            commands::workbook_import,
            commands::workbook_annotate,
            commands::workbook_package,
            commands::bid_versions,
            commands::bid_version_diff,
            commands::office::call_templates,
            commands::office::call_create,
            commands::office::call_check_edit,
            commands::office::call_update,
            commands::office::call_versions,
            commands::office::call_version_changes,
            commands::office::call_workbook_save,
            commands::office::intake_files,
            commands::office::intake_file,
            commands::office::roster_list,
            commands::office::roster_import,
            commands::office::conflicts_list,
            commands::office::call_organisations,
            commands::office::conflict_declare,
            commands::office::assign_auto,
            commands::office::assign_matrix,
            commands::office::assign_add,
            commands::office::assign_remove,
            commands::office::assign_rapporteur,
            commands::office::key_register,
            commands::office::packages_list,
            commands::office::package_export,
            commands::office::package_peek,
            commands::office::return_import,
            commands::office::score_conflicts,
            commands::office::score_conflict_resolve,
            commands::office::consensus_draft,
            commands::office::consensus_approve,
            commands::office::panel_decide,
            commands::office::audit_query,
            commands::office::audit_actions,
            commands::office::score_history,
            commands::office::report_verify,
            commands::office::office_key,
            commands::office::office_key_create,
            commands::office::office_public_key_save,
            commands::office::audit_checkpoint,
            commands::office::verify_database_full,
            commands::programme::programme_list,
            commands::programme::programme_templates,
            commands::programme::programme_import,
            commands::programme::programme_show,
            commands::programme::programme_portfolio,
            commands::programme::programme_charts,
            commands::programme::programme_commitment,
            commands::programme::programme_export,
            commands::programme::award_list,
            commands::programme::award_show,
            commands::programme::award_chart,
            commands::programme::award_create,
            commands::programme::award_withdraw,
            commands::programme::award_agreement,
            commands::programme::award_amend,
            commands::programme::milestone_update,
            commands::programme::milestone_verify,
            commands::programme::tranche_action,
            commands::programme::deviation_add,
            commands::programme::deviation_lift,
            commands::programme::programme_risk,
            commands::programme::programme_warnings,
            commands::programme::monitoring_view,
            commands::programme::monitoring_template,
            commands::programme::monitoring_check,
            commands::programme::monitoring_import,
            commands::programme::monitoring_run,
            commands::programme::monitoring_portfolio,
            commands::programme::programme_liabilities,
            commands::expert::startup_file,
            commands::expert::expert_key,
            commands::expert::expert_key_create,
            commands::expert::expert_public_key_save,
            commands::expert::package_open,
            commands::expert::return_summary,
            commands::expert::return_write,
            commands::expert::return_file_name,
            commands::expert::bench_import,
            commands::expert::scenario_export_xlsx,
            commands::expert::submission_inspect,
            commands::expert::submission_import,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("gigafund-desktop: {e}");
        std::process::exit(3);
    }
}
