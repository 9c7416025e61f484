//! The CLI end to end, in a temporary directory, through the real binary.

use crate::{TestResult, repo_root};
use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn gigafund(db: &Path) -> Result<Command, Box<dyn std::error::Error>> {
    let mut cmd = crate::cli()?;
    cmd.arg("--db").arg(db);
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
        vec!["model", "--help"],
        vec!["model", "mc", "--help"],
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

#[test]
fn model_run_prints_finance_md_metrics_by_name() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("x.sqlite3");
    let file = repo_root().join("sample-data/models/reference.toml");
    let file = file.to_str().ok_or("path")?;
    let charts = dir.path().join("charts");
    let doc = json(
        &db,
        &[
            "model",
            "run",
            file,
            "--charts",
            charts.to_str().ok_or("path")?,
        ],
        0,
    )?;
    let m = &doc["metrics"];
    assert!((m["debt"].as_f64().ok_or("debt")? - 1_090_531_431.63).abs() < 1.0);
    assert!((m["equity_irr"].as_f64().ok_or("irr")? - 0.0700602).abs() < 1e-7);
    assert_eq!(doc["years"].as_array().map(Vec::len), Some(17));
    assert!(doc["years"][2]["dscr"].as_f64().is_some());
    for svg in ["cash-flow.svg", "dscr.svg"] {
        let text = std::fs::read_to_string(charts.join(svg))?;
        assert!(text.starts_with("<svg"), "{svg}");
    }
    assert!(!db.exists(), "a model file needs no database");
    // The guarantee example of FINANCE.md from its own file.
    let g = repo_root().join("sample-data/models/pari-passu-guarantee.toml");
    let doc = json(&db, &["model", "run", g.to_str().ok_or("path")?], 0)?;
    assert!((doc["metrics"]["debt"].as_f64().ok_or("debt")? - 1_254_197_955.50).abs() < 1.0);
    // Text for people: metrics and the yearly table.
    let out = gigafund(&db)?.args(["model", "run", file]).output()?;
    let text = String::from_utf8(out.stdout)?;
    assert!(
        text.contains("equity_irr") && text.contains("7.01 %"),
        "{text}"
    );
    assert!(text.contains("€1,090.5m"), "{text}");
    Ok(())
}

#[test]
fn model_inputs_are_refused_with_the_key_and_exit_1() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("x.sqlite3");
    let text = std::fs::read_to_string(repo_root().join("sample-data/models/reference.toml"))?;
    let bad = text
        .replace("fac_spend = [0.5, 0.5]", "fac_spend = [0.5, 0.6]")
        .replace("pub_share = 0.10", "pub_share = 1.5")
        .replace("tenor = 10", "tenor = 16");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, bad)?;
    let doc = json(&db, &["model", "run", path.to_str().ok_or("path")?], 1)?;
    let problems = doc["error"]["problems"].as_array().ok_or("problems")?;
    let fields: Vec<&str> = problems
        .iter()
        .filter_map(|p| p["location"]["field"].as_str())
        .collect();
    for key in ["fac_spend", "pub_share", "tenor"] {
        assert!(fields.contains(&key), "{key} not named: {fields:?}");
    }
    assert!(problems.iter().all(|p| p["location"]["file"] == "bad.toml"));
    // An unknown key names its line.
    std::fs::write(&path, format!("{text}\nwacc = 0.07\n"))?;
    let doc = json(&db, &["model", "run", path.to_str().ok_or("path")?], 1)?;
    let msg = doc["error"]["message"].as_str().ok_or("message")?;
    assert!(msg.contains("wacc") && msg.contains("line"), "{msg}");
    // An unknown input to solve: exit 1, the key named.
    let file = repo_root().join("sample-data/models/reference.toml");
    let doc = json(
        &db,
        &[
            "model",
            "solve",
            file.to_str().ok_or("path")?,
            "--param",
            "wacc",
            "--metric",
            "equity_irr",
            "--target",
            "0.1",
        ],
        1,
    )?;
    assert!(
        doc["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("wacc"))
    );
    Ok(())
}

#[test]
fn model_solve_mc_and_tornado_from_the_cli() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("x.sqlite3");
    let file = repo_root().join("sample-data/models/reference.toml");
    let file = file.to_str().ok_or("path")?;
    let r = json(
        &db,
        &[
            "model",
            "solve",
            file,
            "--param",
            "grant_share",
            "--metric",
            "equity_irr",
            "--target",
            "0.12",
        ],
        0,
    )?;
    assert!(
        (r["solution"].as_f64().ok_or("solution")? - 0.51919).abs() < 1e-4,
        "{r}"
    );
    // No root in the bracket is an answer (exit 0), not an error.
    let r = json(
        &db,
        &[
            "model",
            "solve",
            file,
            "--param",
            "p_new",
            "--metric",
            "equity_irr",
            "--target",
            "0.12",
            "--lo",
            "1",
            "--hi",
            "2",
        ],
        0,
    )?;
    assert!(r["solution"].is_null());
    assert!(
        r["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("no solution"))
    );
    let chart = dir.path().join("irr.svg");
    let mc = json(
        &db,
        &[
            "model",
            "mc",
            file,
            "--paths",
            "500",
            "--seed",
            "3",
            "--chart",
            chart.to_str().ok_or("path")?,
        ],
        0,
    )?;
    assert_eq!(mc["paths"], 500);
    let pd = mc["pd_payment_default"].as_f64().ok_or("pd")?;
    assert!((0.35..0.7).contains(&pd), "pd {pd}");
    assert!(
        mc["equity_irr"].as_array().is_some_and(Vec::is_empty),
        "paths only with --all-paths"
    );
    assert!(std::fs::read_to_string(&chart)?.contains("P50"));
    let again = json(
        &db,
        &["model", "mc", file, "--paths", "500", "--seed", "3"],
        0,
    )?;
    assert_eq!(
        mc["equity_irr_p50"], again["equity_irr_p50"],
        "seeded runs repeat"
    );
    let t = json(
        &db,
        &[
            "model", "tornado", file, "--metric", "min_dscr", "--change", "0.2",
        ],
        0,
    )?;
    let bars = t["bars"].as_array().ok_or("bars")?;
    assert!(bars.len() > 20);
    assert!(bars[0]["swing"].as_f64() >= bars[bars.len() - 1]["swing"].as_f64());
    Ok(())
}

#[test]
fn scenarios_of_a_bid_are_versioned_audited_and_compared() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("demo.sqlite3");
    json(&db, &["demo"], 0)?;
    let bids = json(&db, &["bid", "list", "--call", "INVESTAI-AIGF-2026"], 0)?;
    let id = bids[0]["id"].as_i64().ok_or("id")?.to_string();
    // A bid's model: its own lines, with notes on what was assumed.
    let inputs = json(&db, &["model", "inputs", "--bid", &id], 0)?;
    assert!(
        inputs["inputs"]["own_lines"]["facility"]
            .as_array()
            .is_some_and(|f| !f.is_empty())
    );
    assert!(inputs["notes"].as_array().is_some_and(|n| !n.is_empty()));
    let base = json(
        &db,
        &["model", "run", "--bid", &id, "--save", "base case"],
        0,
    )?;
    assert_eq!(base["scenario"]["version"], 1);
    // The analyst edits the derived inputs (a higher price) and saves version 2.
    let out = gigafund(&db)?
        .args(["model", "inputs", "--bid", &id])
        .output()?;
    let toml_text = String::from_utf8(out.stdout)?;
    let edited = toml_text.replace("p_new = 3.5", "p_new = 4.5");
    assert_ne!(edited, toml_text);
    let path = dir.path().join("edited.toml");
    std::fs::write(&path, edited)?;
    let v2 = json(
        &db,
        &[
            "model",
            "mc",
            path.to_str().ok_or("path")?,
            "--paths",
            "200",
            "--save",
            "base case",
            "--for-bid",
            &id,
        ],
        0,
    )?;
    assert_eq!(v2["paths"], 200);
    let list = json(&db, &["model", "scenarios", "--bid", &id], 0)?;
    // The demo saved the awarded bid's appraisal; the analyst's versions are "base case".
    let list: Vec<&serde_json::Value> = list
        .as_array()
        .ok_or("list")?
        .iter()
        .filter(|s| s["name"] == "base case")
        .collect();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["version"], 2);
    assert!(
        list[1]["monte_carlo"]["pd_payment_default"]
            .as_f64()
            .is_some()
    );
    assert!(
        list[0]["engine_version"]
            .as_str()
            .is_some_and(|v| v.starts_with("finance-v1"))
    );
    let ids: Vec<String> = list
        .iter()
        .filter_map(|s| s["id"].as_i64())
        .map(|i| i.to_string())
        .collect();
    let c = json(&db, &["model", "compare", &ids[0], &ids[1]], 0)?;
    let inputs = c["inputs"].as_array().ok_or("inputs")?;
    assert_eq!(inputs.len(), 1, "only p_new differs: {inputs:?}");
    assert_eq!(inputs[0]["key"], "p_new");
    let irr = c["metrics"]
        .as_array()
        .ok_or("metrics")?
        .iter()
        .find(|r| r["key"] == "equity_irr")
        .ok_or("irr")?;
    assert!(
        irr["values"][1].as_f64() > irr["values"][0].as_f64(),
        "a higher price raises the IRR"
    );
    // Each save is in the audit log and the chain verifies.
    let verify = json(&db, &["verify"], 0)?;
    assert_eq!(verify["ok"], true, "{verify}");
    let conn = rusqlite::Connection::open(&db)?;
    let saves: i64 = conn.query_row(
        "SELECT count(*) FROM audit_log WHERE action = 'scenario.save'",
        [],
        |r| r.get(0),
    )?;
    // The demo's four appraisals, then the analyst's two versions.
    let appraisals: i64 = conn.query_row(
        "SELECT count(*) FROM scenarios WHERE name = 'Appraisal'",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(saves, appraisals + 2);
    // A scenario of a bid that does not exist is refused and nothing is stored.
    json(&db, &["model", "run", "--bid", "999", "--save", "x"], 1)?;
    let n: i64 = conn.query_row("SELECT count(*) FROM scenarios", [], |r| r.get(0))?;
    assert_eq!(n, appraisals + 2);
    Ok(())
}

#[test]
fn rank_json_lists_what_the_panel_needs_and_packages_work_through_the_cli() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("office.sqlite3");
    json(&db, &["demo"], 0)?;
    let r = json(&db, &["rank", "--call", "INVESTAI-AIGF-2026"], 0)?;
    let bids = r["ranking"]["bids"].as_array().ok_or("no bids")?;
    let first = &bids[0];
    for key in [
        "rank",
        "weighted_total",
        "thresholds_passed",
        "list",
        "reason",
        "cumulative_requested_eu",
        "tie_break",
        "thresholds",
    ] {
        assert!(first.get(key).is_some(), "{key} missing in {first}");
    }
    assert_eq!(first["rank"], 1);
    assert_eq!(first["tie_break"][0]["rule"], "new_member_states");
    assert_eq!(bids[3]["list"], "reserve");
    assert_eq!(bids[4]["list"], "rejected");
    assert!(r["calibration"].is_null());
    let c = json(
        &db,
        &["rank", "--call", "INVESTAI-AIGF-2026", "--calibration"],
        0,
    )?;
    assert!(
        c["calibration"]["advisory"]
            .as_str()
            .is_some_and(|s| s.starts_with("Advisory"))
    );
    // Text output for people, conflicts with reasons.
    let out = gigafund(&db)?
        .args(["eval", "conflicts", "--call", "INVESTAI-AIGF-2026"])
        .output()?;
    assert!(String::from_utf8_lossy(&out.stdout).contains("THAMES-GF"));
    let out = gigafund(&db)?
        .args([
            "eval",
            "assign",
            "--call",
            "INVESTAI-AIGF-2026",
            "--bid",
            "THAMES-GF",
            "--evaluator",
            "p.vanderberg@maasvlakte-compute.example",
        ])
        .output()?;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("conflict of interest"));

    // A package through the binary: key, register, export, open elsewhere, score, return.
    // An antenna expert still scoring, named by id as the CLI accepts.
    let rows = json(
        &db,
        &["eval", "assignments", "--call", "EUROHPC-AIFA-2026-01"],
        0,
    )?;
    let who = rows
        .as_array()
        .ok_or("rows")?
        .iter()
        .find(|r| r["submitted"] == false)
        .map(|r| r["evaluator_id"].to_string())
        .ok_or("no expert still scoring in the demo")?;
    let key = dir.path().join("key.json");
    let key_pass = dir.path().join("key-pass.txt");
    std::fs::write(&key_pass, "my own key passphrase\n")?;
    let kp = key_pass.to_str().ok_or("path")?;
    let k = json(
        &db,
        &[
            "eval",
            "key",
            "new",
            "--out",
            key.to_str().ok_or("path")?,
            "--key-passphrase-file",
            kp,
        ],
        0,
    )?;
    let public = k["public_key"].as_str().ok_or("public")?.to_string();
    json(
        &db,
        &[
            "eval",
            "key",
            "register",
            "--evaluator",
            &who,
            "--public",
            &public,
        ],
        0,
    )?;
    let pkg = dir.path().join("p.pkg");
    let pass = dir.path().join("pass.txt");
    std::fs::write(&pass, "twelve chars or more\n")?;
    let p = pass.to_str().ok_or("path")?;
    // No passphrase: refused with what to do.
    let out = gigafund(&db)?
        .env_remove("GIGAFUND_PASSPHRASE")
        .args([
            "eval",
            "package",
            "export",
            "--call",
            "EUROHPC-AIFA-2026-01",
            "--evaluator",
            &who,
            "--out",
            pkg.to_str().ok_or("path")?,
        ])
        .output()?;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--passphrase-file"));
    json(
        &db,
        &[
            "eval",
            "package",
            "export",
            "--call",
            "EUROHPC-AIFA-2026-01",
            "--evaluator",
            &who,
            "--out",
            pkg.to_str().ok_or("path")?,
            "--passphrase-file",
            p,
        ],
        0,
    )?;
    let own = dir.path().join("own.sqlite3");
    let opened = json(
        &own,
        &[
            "eval",
            "package",
            "open",
            pkg.to_str().ok_or("path")?,
            "--passphrase-file",
            p,
        ],
        0,
    )?;
    assert_eq!(opened["call"], "EUROHPC-AIFA-2026-01");
    // In the evaluator's database, they act as themselves without --as.
    let mine = json(
        &own,
        &["eval", "assignments", "--call", "EUROHPC-AIFA-2026-01"],
        0,
    )?;
    assert!(!mine.as_array().ok_or("rows")?.is_empty());
    let ret = dir.path().join("r.ret");
    json(
        &own,
        &[
            "eval",
            "package",
            "return",
            "--key",
            key.to_str().ok_or("path")?,
            "--out",
            ret.to_str().ok_or("path")?,
            "--passphrase-file",
            p,
            "--key-passphrase-file",
            kp,
        ],
        0,
    )?;
    let imported = json(
        &db,
        &[
            "eval",
            "package",
            "import",
            ret.to_str().ok_or("path")?,
            "--passphrase-file",
            p,
        ],
        0,
    )?;
    assert_eq!(imported["conflicts"].as_array().map(Vec::len), Some(0));
    Ok(())
}

#[test]
fn the_system_locale_names_a_language_gigafund_speaks_or_none() {
    use gigafund::app::language_of_locale;
    assert_eq!(language_of_locale("fr_FR.UTF-8"), Some("fr"));
    assert_eq!(language_of_locale("fr-BE"), Some("fr"));
    assert_eq!(language_of_locale("de_AT@euro"), Some("de"));
    assert_eq!(language_of_locale("en"), Some("en"));
    assert_eq!(language_of_locale("C.UTF-8"), None);
    assert_eq!(language_of_locale("POSIX"), None);
    assert_eq!(language_of_locale("pt_PT.UTF-8"), None);
    assert_eq!(language_of_locale(""), None);
}
