//! The CLI end to end, in a temporary directory, through the real binary.

use crate::{TestResult, repo_root};
use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn gigafund(db: &Path) -> Result<Command, Box<dyn std::error::Error>> {
    let mut cmd = Command::cargo_bin("gigafund")?;
    cmd.env_remove("GIGAFUND_DB").arg("--db").arg(db);
    Ok(cmd)
}

/// Runs a `--json` command, checks its exit code and that stdout is one JSON document.
fn json(db: &Path, args: &[&str], code: i32) -> Result<Value, Box<dyn std::error::Error>> {
    let out = gigafund(db)?.arg("--json").args(args).output()?;
    assert_eq!(
        out.status.code(),
        Some(code),
        "gigafund --json {args:?}: stderr {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(serde_json::from_slice(&out.stdout)?)
}

#[test]
fn demo_json_reports_every_call_and_bid_of_the_sample_data() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("demo.sqlite3");
    let summary = json(&db, &["demo"], 0)?;
    let calls = summary["calls"].as_array().ok_or("calls")?;
    let templates = std::fs::read_dir(repo_root().join("templates/calls"))?.count();
    let bid_files = std::fs::read_dir(repo_root().join("sample-data/bids"))?.count();
    assert_eq!(calls.len(), templates, "one call per template");
    assert_eq!(summary["bids"], bid_files, "one bid per sample bid file");
    let per_call: u64 = calls.iter().filter_map(|c| c["bids"].as_u64()).sum();
    assert_eq!(per_call as usize, bid_files);
    let gf = calls
        .iter()
        .find(|c| c["code"] == "INVESTAI-AIGF-2026")
        .ok_or("gigafactory call")?;
    assert_eq!(
        gf["budget"], 500_000_000_000i64,
        "budgets are integer cents"
    );
    assert_eq!(gf["kind"], "ai_gigafactory");
    assert!(
        gf["requested_eu"].as_i64() > gf["budget"].as_i64(),
        "the gigafactory call is oversubscribed"
    );

    let bids = json(&db, &["bid", "list"], 0)?;
    assert_eq!(bids.as_array().map(|b| b.len()), Some(bid_files));
    let one = json(&db, &["bid", "list", "--call", "EUROHPC-AIFA-2026-01"], 0)?;
    assert!(
        one.as_array()
            .is_some_and(|b| b.iter().all(|r| r["call_code"] == "EUROHPC-AIFA-2026-01"))
    );
    let id = bids[0]["id"].as_i64().ok_or("id")?;
    let detail = json(&db, &["bid", "show", &id.to_string()], 0)?;
    assert_eq!(detail["bid"]["id"], id);
    assert!(
        detail["eligibility"]
            .as_array()
            .is_some_and(|r| !r.is_empty())
    );

    let verify = json(&db, &["verify"], 0)?;
    assert_eq!(verify["ok"], true);
    Ok(())
}

#[test]
fn text_output_is_for_people() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("demo.sqlite3");
    let out = gigafund(&db)?.arg("demo").output()?;
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout)?;
    assert!(
        text.contains("INVESTAI-AIGF-2026") && text.contains("€5,000.0m"),
        "{text}"
    );
    let out = gigafund(&db)?
        .args(["call", "show", "INVESTAI-AIGF-2026"])
        .output()?;
    let text = String::from_utf8(out.stdout)?;
    assert!(text.contains("Compute capacity and performance"));
    assert!(text.contains("More than 100,000 advanced AI processors"));
    Ok(())
}

#[test]
fn exit_codes_follow_the_contract() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("demo.sqlite3");
    json(&db, &["demo"], 0)?;

    // 1: refused input, with a machine-readable error document.
    let err = json(&db, &["bid", "show", "9999"], 1)?;
    assert_eq!(err["error"]["code"], "NotFound");
    let err = json(&db, &["demo"], 1)?;
    assert_eq!(
        err["error"]["code"], "Conflict",
        "demo refuses to overwrite without --replace"
    );
    assert!(
        err["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("--replace"))
    );

    let broken = dir.path().join("broken-call.toml");
    let text = std::fs::read_to_string(repo_root().join("templates/calls/ai-factory.toml"))?
        .replace("code = \"EUROHPC-AIF-2026-01\"", "code = \"NEW-CALL-2027\"")
        .replace("weight = 1.0", "weight = -1.0");
    std::fs::write(&broken, text)?;
    let err = json(&db, &["call", "import", broken.to_str().ok_or("path")?], 1)?;
    assert_eq!(err["error"]["code"], "Validation");
    let problems = err["error"]["problems"].as_array().ok_or("problems")?;
    assert_eq!(
        problems.len(),
        3,
        "one per criterion with a negative weight"
    );
    assert_eq!(problems[0]["location"]["file"], "broken-call.toml");
    assert_eq!(problems[0]["location"]["sheet"], "criterion[1]");
    assert_eq!(problems[0]["location"]["field"], "weight");
    let calls = json(&db, &["call", "list"], 0)?;
    assert_eq!(
        calls.as_array().map(|c| c.len()),
        Some(3),
        "the refused call was not stored"
    );

    // 2: usage errors.
    let out = gigafund(&db)?.arg("frobnicate").output()?;
    assert_eq!(out.status.code(), Some(2));
    let out = gigafund(&db)?
        .args(["bid", "show", "not-a-number"])
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    Ok(())
}

#[test]
fn a_newer_database_is_refused_by_the_cli_with_exit_1() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("future.sqlite3");
    json(&db, &["init"], 0)?;
    {
        let conn = rusqlite::Connection::open(&db)?;
        conn.pragma_update(None, "user_version", 999)?;
        conn.pragma_update(None, "journal_mode", "DELETE")?;
    }
    let before = std::fs::read(&db)?;
    let out = gigafund(&db)?.args(["call", "list"]).output()?;
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr)?;
    assert!(
        stderr.contains("newer Gigafund") && stderr.contains("999"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&db)?, before, "the database was not touched");
    Ok(())
}

#[test]
fn verify_exits_1_and_names_the_broken_entry() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("demo.sqlite3");
    json(&db, &["demo"], 0)?;
    {
        let conn = rusqlite::Connection::open(&db)?;
        conn.execute_batch(
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE seq = 5;",
        )?;
    }
    let report = json(&db, &["verify"], 1)?;
    assert_eq!(report["ok"], false);
    assert_eq!(report["chain_break"]["seq"], 5);
    let out = gigafund(&db)?.arg("verify").output()?;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stdout)?.contains("BROKEN at entry 5"));
    Ok(())
}

#[test]
fn help_documents_every_command() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("x.sqlite3");
    for args in [
        vec!["--help"],
        vec!["demo", "--help"],
        vec!["call", "--help"],
        vec!["bid", "show", "--help"],
        vec!["verify", "--help"],
    ] {
        let out = gigafund(&db)?.args(&args).output()?;
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8(out.stdout)?.contains("Usage:"),
            "{args:?}"
        );
    }
    assert!(!db.exists(), "--help opens no database");
    Ok(())
}

#[test]
fn compute_commands_print_the_worked_example_and_import_benchmarks_idempotently() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("bench.sqlite3");
    let bench = repo_root().join("sample-data/benchmarks");
    let files: Vec<String> = [
        "hardware.csv",
        "mlperf_training.csv",
        "mlperf_inference.csv",
    ]
    .iter()
    .map(|f| bench.join(f).display().to_string())
    .collect();
    let mut args = vec!["bench", "import"];
    args.extend(files.iter().map(String::as_str));
    let first = json(&db, &args, 0)?;
    let new: u64 = first["files"]
        .as_array()
        .ok_or("files")?
        .iter()
        .filter_map(|f| f["new"].as_u64())
        .sum();
    assert!(new > 2000, "every row is new the first time: {new}");
    let again = json(&db, &args, 0)?;
    assert!(
        again["files"]
            .as_array()
            .ok_or("files")?
            .iter()
            .all(|f| f["new"] == 0)
    );

    let worked = repo_root().join("tests/fixtures/worked-example.toml");
    let e = json(
        &db,
        &[
            "compute",
            "estimate",
            "--params",
            worked.to_str().ok_or("path")?,
        ],
        0,
    )?;
    let eur = e["central"]["eur_per_h200e_hour"].as_f64().ok_or("eur")?;
    assert!((eur - 1.48).abs() / 1.48 < 0.01, "€ per H200e-hour {eur}");
    assert_eq!(e["basis"], "measured");
    assert!(
        e["label"]
            .as_str()
            .is_some_and(|l| l.contains("derived, not verified by MLCommons"))
    );

    let rel = json(&db, &["compute", "relative", "--round", "5.1"], 0)?;
    assert_eq!(rel["reference"], "H200-SXM");
    let err = json(&db, &["compute", "relative", "--round", "9.9"], 1)?;
    assert_eq!(
        err["error"]["code"], "NotFound",
        "a round without results is refused with exit 1"
    );
    Ok(())
}
