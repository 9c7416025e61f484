//! The applicant workbook end to end: the sample workbooks, the broken ones and their
//! findings, refused imports that leave the database untouched, versions and their diff,
//! the annotated return, the submission package, LibreOffice-made files and the limits.

use crate::{TestResult, actor, repo_root};
use assert_cmd::Command;
use gigafund::Error;
use gigafund::app::{self, applicant};
use gigafund::ingest::workbook::{self, Limits, Severity, Stage};
use gigafund::model::BidStatus;
use gigafund::store::{self, Store};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const GF: &str = "INVESTAI-AIGF-2026";

fn demo(dir: &Path) -> Result<(Store, PathBuf), Box<dyn std::error::Error>> {
    let db = dir.join("demo.sqlite3");
    let mut store = Store::open(&db)?;
    app::load_demo(&mut store, &actor(), None)?;
    Ok((store, db))
}

fn gigafund(db: &Path) -> Result<Command, Box<dyn std::error::Error>> {
    let mut cmd = crate::cli()?;
    cmd.arg("--db").arg(db);
    Ok(cmd)
}

fn json(db: &Path, args: &[&str], code: i32) -> Result<Value, Box<dyn std::error::Error>> {
    let out = gigafund(db)?.arg("--json").args(args).output()?;
    assert_eq!(
        out.status.code(),
        Some(code),
        "gigafund --json {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(serde_json::from_slice(&out.stdout)?)
}

fn sha(path: &Path) -> Result<String, std::io::Error> {
    Ok(format!("{:x}", Sha256::digest(std::fs::read(path)?)))
}

fn samples() -> PathBuf {
    repo_root().join("sample-data/workbooks")
}

/// Edits a workbook with LibreOffice (scripts/lo-edit.py) and saves it as `out`.
fn lo_edit(src: &Path, out: &Path, edits: &[&str]) -> TestResult {
    let status = std::process::Command::new("/usr/bin/python3")
        .arg(repo_root().join("scripts/lo-edit.py"))
        .arg(src)
        .arg(out)
        .args(edits)
        .status()?;
    assert!(status.success(), "LibreOffice edit of {}", src.display());
    assert!(out.exists());
    Ok(())
}

#[test]
fn sample_workbooks_are_the_demo_bids_through_the_template_and_read_back_unchanged() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, _) = demo(dir.path())?;
    let bids = store::bids::current(store.conn())?;
    assert_eq!(bids.len(), 12);
    for bid in &bids {
        let bytes = app::bid_workbook(&store, bid.id)?;
        let committed = samples().join(format!("{}.xlsx", bid.acronym));
        if std::env::var_os("UPDATE_SAMPLES").is_some() {
            std::fs::write(&committed, &bytes)?;
        }
        assert!(
            std::fs::read(&committed)? == bytes,
            "{} differs from the generated workbook: run scripts/gen-workbooks.sh --samples-only",
            committed.display()
        );
        let report = applicant::check_workbook(&store, &committed, &bid.call_code)?;
        let import: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.stage == Stage::Import)
            .collect();
        assert!(import.is_empty(), "{}: {import:#?}", bid.acronym);
        assert!(
            report.changes.is_empty(),
            "{} reads back as the stored bid: {:#?}",
            bid.acronym,
            report.changes
        );
        let read = report.bid.as_ref().ok_or("bid read")?;
        assert_eq!(read.capex_total(), bid.capex_total());
        assert_eq!(read.milestones.len(), 4);
        // Ready exactly when every eligibility rule passes (the demo has ineligible bids).
        let eligible = report.eligibility.iter().all(|o| o.passed);
        assert_eq!(report.ready, eligible, "{}", bid.acronym);
    }
    Ok(())
}

#[derive(Deserialize)]
struct Expected {
    workbook: Vec<ExpectedWorkbook>,
}

#[derive(Deserialize)]
struct ExpectedWorkbook {
    file: String,
    ready: bool,
    findings: Vec<ExpectedFinding>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct ExpectedFinding {
    severity: String,
    stage: String,
    sheet: Option<String>,
    cell: Option<String>,
    field: Option<String>,
    rule: String,
    found: Option<String>,
}

#[test]
fn every_broken_workbook_produces_exactly_its_expected_findings() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, _) = demo(dir.path())?;
    let broken = samples().join("broken");
    let expected: Expected =
        toml::from_str(&std::fs::read_to_string(broken.join("expected.toml"))?)?;
    let on_disk: HashSet<String> = std::fs::read_dir(&broken)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "expected.toml")
        .collect();
    let listed: HashSet<String> = expected.workbook.iter().map(|w| w.file.clone()).collect();
    assert_eq!(
        on_disk, listed,
        "every broken workbook has its expectations"
    );
    assert!(
        listed.iter().any(|f| f.ends_with(".ods")),
        "an .ods among them"
    );
    for w in &expected.workbook {
        let report = applicant::check_workbook(&store, &broken.join(&w.file), GF)?;
        let got: Vec<ExpectedFinding> = report
            .findings
            .iter()
            .map(|f| ExpectedFinding {
                severity: format!("{:?}", f.severity).to_lowercase(),
                stage: format!("{:?}", f.stage).to_lowercase(),
                sheet: f.sheet.clone(),
                cell: f.cell.clone(),
                field: f.field.clone(),
                rule: f.rule.clone(),
                found: f.found.clone(),
            })
            .collect();
        assert_eq!(got, w.findings, "{}", w.file);
        assert_eq!(report.ready, w.ready, "{}", w.file);
        assert!(!report.ready, "{} is broken", w.file);
    }
    Ok(())
}

#[test]
fn a_refused_import_stores_nothing_and_leaves_the_database_byte_for_byte_unchanged() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, db) = demo(dir.path())?;
    drop(store);
    let before = sha(&db)?;
    let broken = samples().join("broken");
    for f in [
        "wrong-types.xlsx",
        "missing-sheet.xlsx",
        "out-of-range.ods",
        "truncated.xlsx",
        "password-protected.ods",
        "not-a-workbook.xlsx",
    ] {
        let out = gigafund(&db)?
            .arg("--json")
            .args(["bid", "import"])
            .arg(broken.join(f))
            .args(["--call", GF])
            .output()?;
        assert_eq!(out.status.code(), Some(1), "{f} is refused");
        let doc: Value = serde_json::from_slice(&out.stdout)?;
        let problems = doc["error"]["problems"].as_array().ok_or("problems")?;
        assert!(!problems.is_empty(), "{f}: the refusal lists its problems");
        assert!(
            problems.iter().all(|p| p["location"]["file"] == f),
            "{f}: each problem names the file: {problems:#?}"
        );
        assert_eq!(sha(&db)?, before, "{f}: the database file is unchanged");
    }
    // An ineligible bid is stored (the office rejects it at ranking); `bid check` says no.
    json(
        &db,
        &[
            "bid",
            "check",
            broken
                .join("ineligible-country.xlsx")
                .to_str()
                .ok_or("path")?,
            "--call",
            GF,
        ],
        1,
    )?;
    Ok(())
}

#[test]
fn reimports_create_versions_with_a_diff_and_never_touch_a_submitted_version() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut store, _) = demo(dir.path())?;
    let original = store::bids::current(store.conn())?
        .into_iter()
        .find(|b| b.acronym == "AURORA-GF")
        .ok_or("AURORA-GF")?;
    let call = store::calls::by_code(store.conn(), GF)?;
    let keys = applicant::known_accelerators(&store)?;
    let countries = gigafund::countries::countries()?;

    // The same workbook again: nothing stored.
    let same = samples().join("AURORA-GF.xlsx");
    let outcome = applicant::import_workbook(&mut store, &actor(), &same, GF, false)?;
    assert!(outcome.unchanged);
    assert_eq!(outcome.version, 1);

    // A revised workbook: PUE of the first site, a new capex line, equity to balance.
    let mut revised = original.clone();
    revised.sites[0].pue = 1.2;
    let extra = gigafund::model::Eur::from_euros(2_500_000).ok_or("eur")?;
    revised.capex.push(gigafund::model::CostLine {
        year: 2027,
        category: gigafund::model::CapexCategory::Storage,
        description: "Archive tier".into(),
        amount: extra,
    });
    revised.financing.equity = revised.financing.equity + extra;
    let file = dir.path().join("AURORA-GF-v2.xlsx");
    std::fs::write(
        &file,
        gigafund::ingest::workbook_template::filled(&call, &keys, countries, &revised)?,
    )?;
    let v2 = applicant::import_workbook(&mut store, &actor(), &file, GF, false)?;
    assert_eq!((v2.version, v2.status), (2, BidStatus::Draft));
    let pue = v2
        .changes
        .iter()
        .find(|c| c.path == "sites[1].pue")
        .ok_or("pue change")?;
    assert_eq!(
        (pue.before.as_deref(), pue.after.as_deref()),
        (Some("1.12"), Some("1.2"))
    );
    let added = v2
        .changes
        .iter()
        .find(|c| c.kind == "added")
        .ok_or("added line")?;
    assert!(added.path.starts_with("capex["), "{added:?}");
    assert_eq!(
        added.after.as_deref(),
        Some("2027 · Archive tier · €2,500,000.00")
    );
    assert!(v2.changes.iter().any(|c| c.path == "financing.equity"));
    assert_eq!(v2.changes.len(), 3, "{:#?}", v2.changes);

    // Version 1 is as submitted, and still the one the call evaluates.
    let v1 = store::bids::get(store.conn(), original.id)?;
    assert_eq!(v1, original);
    let heads =
        store::evaluation::call_bid_ids(store.conn(), store::calls::by_code(store.conn(), GF)?.id)?;
    assert!(heads.contains(&original.id) && !heads.contains(&v2.bid_id));
    // The bid list shows the current version.
    let rows = app::bid_rows(&store, Some(GF))?;
    assert_eq!(rows.iter().filter(|r| r.acronym == "AURORA-GF").count(), 1);

    // Submitting after the deadline is refused, naming the file and when the call closed,
    // and stores nothing.
    let late = applicant::import_workbook(&mut store, &actor(), &file, GF, true)
        .err()
        .ok_or("a submission after the deadline")?;
    assert!(
        late.to_string().contains("closed at the end of 2026-06-30"),
        "{late}"
    );
    assert_eq!(applicant::versions(&store, GF, "AURORA-GF")?.len(), 2);
    // Submitting the revision in time makes it the evaluated version; version 1 stays.
    let in_time = gigafund::model::Actor::new(
        "test",
        chrono::DateTime::parse_from_rfc3339("2026-06-29T16:00:00Z")?.with_timezone(&chrono::Utc),
    );
    let v3 = applicant::import_workbook(&mut store, &in_time, &file, GF, true)?;
    assert_eq!((v3.version, v3.status), (3, BidStatus::Submitted));
    assert!(v3.changes.is_empty(), "same content as version 2");
    let heads =
        store::evaluation::call_bid_ids(store.conn(), store::calls::by_code(store.conn(), GF)?.id)?;
    assert!(heads.contains(&v3.bid_id) && !heads.contains(&original.id));
    let versions = applicant::versions(&store, GF, "AURORA-GF")?;
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.version, v.status))
            .collect::<Vec<_>>(),
        vec![
            (1, BidStatus::Submitted),
            (2, BidStatus::Draft),
            (3, BidStatus::Submitted)
        ]
    );
    assert_eq!(
        versions[1].source_file.as_deref(),
        Some("AURORA-GF-v2.xlsx")
    );
    assert_eq!(store::bids::get(store.conn(), original.id)?, original);
    assert_eq!(
        applicant::version_diff(&store, GF, "AURORA-GF", 1, 3)?.len(),
        3
    );
    // Every import is in the audit log.
    let imports = store::audit::entries(store.conn())?
        .into_iter()
        .filter(|e| e.action == "bid.import")
        .count();
    assert_eq!(imports, 12 + 2);
    Ok(())
}

#[test]
fn check_prints_the_findings_exits_1_and_annotates_a_copy_the_applicant_can_fix() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, db) = demo(dir.path())?;
    drop(store);
    let broken = samples().join("broken/wrong-types.xlsx");
    let annotated = dir.path().join("annotated.xlsx");
    let out = gigafund(&db)?
        .args(["bid", "check"])
        .arg(&broken)
        .args(["--call", GF, "--annotate"])
        .arg(&annotated)
        .output()?;
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout)?;
    assert!(
        text.contains(
            "wrong-types.xlsx · Site & Energy · E2 · pue: a number is required (found: 'high')"
        ),
        "{text}"
    );
    assert!(text.contains("Not ready: 3 error(s)"), "{text}");
    assert!(text.contains("Eligibility: not checked until the workbook's errors are fixed"));

    // The annotated copy: the findings sheet first, each problem as a note on its cell.
    use calamine::{Data, Reader};
    let mut wb = calamine::open_workbook_auto(&annotated)?;
    let names = wb.sheet_names();
    assert_eq!(names[0], "Gigafund findings");
    let list = wb.worksheet_range("Gigafund findings")?;
    assert_eq!(list.height(), 4, "a header and three findings");
    assert_eq!(
        list.get_value((1, 3)),
        Some(&Data::String("E2".into())),
        "errors sorted by sheet and cell"
    );
    let sites = wb.worksheet_range("Site & Energy")?;
    assert_eq!(sites.get_value((1, 4)), Some(&Data::String("high".into())));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&annotated)?)?;
    let mut comments = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i)?;
        if f.name()?.starts_with("xl/comments") {
            f.read_to_string(&mut comments)?;
        }
    }
    assert!(
        comments.contains("a number is required (found: &apos;high&apos;)")
            || comments.contains("a number is required (found: 'high')"),
        "{comments}"
    );
    assert!(comments.contains("twelve million"));

    // The applicant fixes the highlighted cells in LibreOffice; the copy is then ready.
    let fixed = dir.path().join("fixed.xlsx");
    lo_edit(
        &annotated,
        &fixed,
        &[
            "'Site & Energy'!E2=n:1.12",
            "Hardware!C2=n:120000",
            "Capex!D3=n:641682819",
        ],
    )?;
    let report = json(
        &db,
        &["bid", "check", fixed.to_str().ok_or("path")?, "--call", GF],
        0,
    )?;
    assert_eq!(report["ready"], true, "{report:#}");
    assert_eq!(report["changes"].as_array().map(Vec::len), Some(0));
    Ok(())
}

#[test]
fn a_package_carries_checksums_that_its_import_verifies() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, db) = demo(dir.path())?;
    drop(store);
    let workbook = samples().join("AURORA-GF.xlsx");
    let out_dir = dir.path().join("out");
    let pkg = json(
        &db,
        &[
            "bid",
            "package",
            workbook.to_str().ok_or("path")?,
            "--call",
            GF,
            "--out",
            out_dir.to_str().ok_or("path")?,
        ],
        0,
    )?;
    let zip_path = PathBuf::from(pkg["path"].as_str().ok_or("path")?);
    assert_eq!(
        zip_path.file_name().and_then(|n| n.to_str()),
        Some("INVESTAI-AIGF-2026-AURORA-GF-submission.zip")
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path)?)?;
    let mut parts = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i)?;
        let mut b = Vec::new();
        f.read_to_end(&mut b)?;
        parts.insert(f.name()?.to_string(), b);
    }
    assert_eq!(
        parts.keys().map(String::as_str).collect::<Vec<_>>(),
        vec![
            "bid.json",
            "manifest.json",
            "submission-summary-en.pdf",
            "submission-summary-fr.pdf",
            "workbook.xlsx"
        ]
    );
    assert_eq!(parts["workbook.xlsx"], std::fs::read(&workbook)?);
    let manifest: Value = serde_json::from_slice(&parts["manifest.json"])?;
    for f in manifest["files"].as_array().ok_or("files")? {
        let name = f["name"].as_str().ok_or("name")?;
        assert_eq!(
            f["sha256"].as_str(),
            Some(format!("{:x}", Sha256::digest(&parts[name])).as_str()),
            "{name}"
        );
    }
    let pdf = dir.path().join("summary.pdf");
    std::fs::write(&pdf, &parts["submission-summary-en.pdf"])?;
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()?;
    let text = String::from_utf8(text.stdout)?;
    assert!(
        text.contains("AURORA-GF") && text.contains("Kajaani North"),
        "{text}"
    );

    // A call whose deadline has passed keeps the package as a late draft, never as a
    // submission, and says why.
    let closed = dir.path().join("closed.sqlite3");
    json(
        &closed,
        &[
            "call",
            "import",
            repo_root()
                .join("templates/calls/ai-gigafactory.toml")
                .to_str()
                .ok_or("path")?,
        ],
        0,
    )?;
    let late = json(
        &closed,
        &["bid", "import-package", zip_path.to_str().ok_or("path")?],
        0,
    )?;
    assert_eq!(late["status"], "draft");
    let warning = late["warnings"]
        .as_array()
        .ok_or("warnings")?
        .iter()
        .find(|w| w["field"] == "submitted")
        .ok_or("a late warning")?;
    assert!(
        warning["rule"]
            .as_str()
            .is_some_and(|r| r.contains("kept as a late draft")),
        "{warning}"
    );
    let listed = json(&closed, &["bid", "list"], 0)?;
    assert!(listed[0]["received_late"].is_string(), "{listed}");

    // The office imports the package into a call still open: checksums verified, the bid
    // stored as submitted at the package's time.
    let office = dir.path().join("office.sqlite3");
    json(
        &office,
        &[
            "call",
            "new",
            "--template",
            "ai-gigafactory.toml",
            "--code",
            GF,
        ],
        0,
    )?;
    let imported = json(
        &office,
        &["bid", "import-package", zip_path.to_str().ok_or("path")?],
        0,
    )?;
    assert_eq!(imported["status"], "submitted");
    assert_eq!(imported["version"], 1);
    assert_eq!(imported["acronym"], "AURORA-GF");

    // A package changed after it was made is refused, naming the file, and stores nothing.
    let tampered = dir.path().join("tampered.zip");
    {
        let mut w = zip::ZipWriter::new(std::fs::File::create(&tampered)?);
        let opts = zip::write::SimpleFileOptions::default();
        for (name, bytes) in &parts {
            w.start_file(name.as_str(), opts)?;
            if name == "bid.json" {
                let text =
                    String::from_utf8(bytes.clone())?.replace("Kajaani North", "Kajaani Nord");
                w.write_all(text.as_bytes())?;
            } else {
                w.write_all(bytes)?;
            }
        }
        w.finish()?;
    }
    let fresh = dir.path().join("fresh.sqlite3");
    json(
        &fresh,
        &[
            "call",
            "import",
            repo_root()
                .join("templates/calls/ai-gigafactory.toml")
                .to_str()
                .ok_or("path")?,
        ],
        0,
    )?;
    let before = sha(&fresh)?;
    let refused = json(
        &fresh,
        &["bid", "import-package", tampered.to_str().ok_or("path")?],
        1,
    )?;
    let p = &refused["error"]["problems"][0];
    assert_eq!(p["location"]["sheet"], "bid.json");
    assert_eq!(p["location"]["field"], "sha256");
    assert_eq!(sha(&fresh)?, before);

    // A workbook that is not ready gets no package.
    let refused = json(
        &db,
        &[
            "bid",
            "package",
            samples()
                .join("broken/unbalanced-financing.xlsx")
                .to_str()
                .ok_or("path")?,
            "--call",
            GF,
            "--out",
            out_dir.to_str().ok_or("path")?,
        ],
        1,
    )?;
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("the financing total equals the capex total"))
    );
    Ok(())
}

#[test]
fn libreoffice_fills_the_empty_template_as_xlsx_ods_and_xls_and_each_imports() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut store, db) = demo(dir.path())?;
    let template = dir.path().join("template.xlsx");
    json(
        &db,
        &[
            "template",
            "--call",
            GF,
            "--out",
            template.to_str().ok_or("path")?,
        ],
        0,
    )?;
    // An applicant's own bid typed into the yellow cells.
    let edits = [
        "Instructions!B4=s:NOVA-GF",
        "Instructions!B5=s:Nova Alpine AI Gigafactory",
        "Instructions!B6=s:Nova Consortium",
        "Instructions!B7=s:frontier-training, science",
        "Instructions!B8=n:900000000",
        "Instructions!B9=n:600000000",
        "Consortium!A2=s:Nova Compute GmbH",
        "Consortium!B2=s:AT",
        "Consortium!C2=s:large_enterprise",
        "Consortium!D2=s:coordinator",
        "Consortium!E2=s:nova-compute.example",
        "Consortium!A3=s:Alpen Rechenzentrum AG",
        "Consortium!B3=s:AT",
        "Consortium!C3=s:hpc_centre",
        "Consortium!D3=s:hosting_entity",
        "Consortium!E3=s:alpen-rz.example",
        "'Site & Energy'!A2=s:Linz Süd",
        "'Site & Energy'!B2=s:AT",
        "'Site & Energy'!C2=s:Upper Austria",
        "'Site & Energy'!D2=n:230",
        "'Site & Energy'!E2=n:1.15",
        "'Site & Energy'!F2=n:0.3",
        "'Site & Energy'!G2=n:0.9",
        "'Site & Energy'!H2=d:2027-06-01",
        "'Site & Energy'!I2=d:2028-05-01",
        "Hardware!A2=n:1",
        "Hardware!B2=s:B300",
        "Hardware!C2=n:110000",
        "Capex!A2=n:2027",
        "Capex!B2=s:land_and_building",
        "Capex!C2=s:Halls",
        "Capex!D2=n:1200000000",
        "Capex!A3=n:2027",
        "Capex!B3=s:it_hardware",
        "Capex!C3=s:B300 systems",
        "Capex!D3=n:4800000000",
        "Opex!A2=n:2028",
        "Opex!B2=s:electricity",
        "Opex!C2=s:Power",
        "Opex!D2=n:250000000",
        "Financing!B2=n:900000000",
        "Financing!B3=n:600000000",
        "Financing!B4=n:2500000000",
        "Financing!B5=n:2000000000",
        "Financing!B6=s:first_loss",
        "Financing!B7=n:500000000",
        "Milestones!A2=s:Go-live",
        "Milestones!B2=d:2028-05-01",
    ];
    let mut acronyms = Vec::new();
    for ext in ["xlsx", "ods", "xls"] {
        let file = dir.path().join(format!("nova.{ext}"));
        lo_edit(&template, &file, &edits)?;
        let report = applicant::check_workbook(&store, &file, GF)?;
        assert_eq!(report.format, ext);
        assert!(report.ready, "{ext}: {:#?}", report.findings);
        let bid = report.bid.as_ref().ok_or("bid")?;
        assert_eq!(bid.sites[0].name, "Linz Süd");
        assert_eq!(
            bid.sites[0].grid_connection,
            chrono::NaiveDate::from_ymd_opt(2027, 6, 1).ok_or("date")?
        );
        assert_eq!(bid.scope, vec!["frontier-training", "science"]);
        assert_eq!(bid.capex_total().as_euros_f64(), 6.0e9);
        assert_eq!(bid.financing.total(), bid.capex_total());
        acronyms.push(bid.acronym.clone());
    }
    assert_eq!(acronyms, vec!["NOVA-GF"; 3]);
    // The .ods is imported; the .xlsx and .xls hold the same bid, so they are unchanged.
    let first = applicant::import_workbook(
        &mut store,
        &actor(),
        &dir.path().join("nova.ods"),
        GF,
        false,
    )?;
    assert_eq!((first.version, first.unchanged), (1, false));
    for ext in ["xlsx", "xls"] {
        let again = applicant::import_workbook(
            &mut store,
            &actor(),
            &dir.path().join(format!("nova.{ext}")),
            GF,
            false,
        )?;
        assert!(again.unchanged, "{ext}: {:#?}", again.changes);
    }
    Ok(())
}

fn known() -> HashSet<String> {
    ["B200", "GB300"].iter().map(|s| s.to_string()).collect()
}

fn fatal_rule(bytes: &[u8], limits: Limits) -> String {
    let read = workbook::read_bytes("f.xlsx", bytes, &known(), None, limits);
    assert!(read.bid.is_none());
    assert_eq!(read.findings.len(), 1);
    assert_eq!(read.findings[0].severity, Severity::Error);
    read.findings[0].rule.clone()
}

#[test]
fn files_beyond_the_limits_are_refused_with_the_limit_they_broke() -> TestResult {
    // A zip bomb: a small archive whose part unpacks to far more than the limit.
    let mut bomb = Vec::new();
    {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(&mut bomb));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file("[Content_Types].xml", opts)?;
        w.write_all(b"<Types/>")?;
        w.start_file("xl/worksheets/sheet1.xml", opts)?;
        let zeros = vec![b' '; 1024 * 1024];
        for _ in 0..8 {
            w.write_all(&zeros)?;
        }
        w.finish()?;
    }
    assert!(bomb.len() < 100_000, "compressed: {} bytes", bomb.len());
    let small = Limits {
        file_bytes: 10 * 1024 * 1024,
        unpacked_bytes: 2 * 1024 * 1024,
        cells: 1_000,
    };
    assert!(fatal_rule(&bomb, small).contains("unpacks to at most 2 MB"));

    // Too many cells: the sample workbook holds more than 100 filled cells.
    let sample = std::fs::read(samples().join("AURORA-GF.xlsx"))?;
    let few_cells = Limits {
        cells: 100,
        ..Limits::default()
    };
    assert!(fatal_rule(&sample, few_cells).contains("at most 100 filled cells"));
    // Too large a file.
    let tiny = Limits {
        file_bytes: 1000,
        ..Limits::default()
    };
    assert!(fatal_rule(&sample, tiny).contains("a workbook is at most 1000 bytes"));
    // Not spreadsheets.
    assert!(fatal_rule(b"", Limits::default()).contains("not a spreadsheet"));
    assert!(fatal_rule(b"%PDF-1.7\n...", Limits::default()).contains("not a spreadsheet"));
    let mut plain_zip = Vec::new();
    {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(&mut plain_zip));
        w.start_file("notes.txt", zip::write::SimpleFileOptions::default())?;
        w.write_all(b"hello")?;
        w.finish()?;
    }
    assert!(fatal_rule(&plain_zip, Limits::default()).contains("not a spreadsheet"));
    Ok(())
}

#[test]
fn damaged_workbooks_never_panic() -> TestResult {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let sample = std::fs::read(samples().join("AURORA-GF.xlsx"))?;
    let ods = std::fs::read(samples().join("broken/out-of-range.ods"))?;
    let mut runner = TestRunner::new(Config {
        cases: 48,
        ..Config::default()
    });
    let limits = Limits::default();
    runner.run(
        &(0usize..2, any::<u64>(), 1usize..8, any::<u8>()),
        |(which, seed, flips, byte)| {
            let mut bytes = if which == 0 {
                sample.clone()
            } else {
                ods.clone()
            };
            // Flip bytes spread over the file (zip headers and compressed parts alike).
            let mut state = seed;
            for _ in 0..flips {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let at = (state >> 33) as usize % bytes.len();
                bytes[at] ^= byte | 1;
            }
            let read = workbook::read_bytes("fuzz.xlsx", &bytes, &known(), None, limits);
            // Either a read with findings or a single clear refusal.
            prop_assert!(read.bid.is_some() || read.findings.len() == 1);
            Ok(())
        },
    )?;
    Ok(())
}

#[test]
fn findings_and_refusals_name_file_sheet_cell_and_field() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, _) = demo(dir.path())?;
    let report = applicant::check_workbook(&store, &samples().join("broken/out-of-range.ods"), GF)?;
    let pue = report
        .findings
        .iter()
        .find(|f| f.field.as_deref() == Some("pue"))
        .ok_or("pue")?;
    assert_eq!(
        pue.to_string(),
        "error: out-of-range.ods · Site & Energy · E2 · pue: PUE must be between 1.0 and 3.0 (found: 4.2)"
    );
    match applicant::check_workbook(&store, &samples().join("AURORA-GF.xlsx"), "NO-SUCH-CALL") {
        Err(Error::NotFound { kind: "call", .. }) => {}
        other => panic!("an unknown call is refused: {other:?}"),
    }
    Ok(())
}
