//! Bad input that got in: physical bounds on every imported figure, the reference
//! accelerator protected, no panic on any file, limits on every text, and each refusal
//! naming its file.

use super::{Res, demo_at, gigafund};
use crate::{TestResult, actor, repo_root};
use gigafund::error::Problem;
use gigafund::ingest::workbook::{self, Limits, Severity};
use gigafund::store::Store;
use gigafund::{Error, app};
use proptest::prelude::*;
use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

fn problems(e: Error) -> Vec<Problem> {
    match e {
        Error::Invalid(p) => p,
        other => panic!("expected refused input, got {other:?}"),
    }
}

/// The sample training file with `value` as the first row's time to train.
fn training_with(minutes: &str) -> Res<String> {
    let text =
        std::fs::read_to_string(repo_root().join("sample-data/benchmarks/mlperf_training.csv"))?;
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "time_to_train_minutes")
        .ok_or("column")?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(lines[1].as_bytes());
    let mut record: Vec<String> = reader
        .records()
        .next()
        .ok_or("row")??
        .iter()
        .map(str::to_string)
        .collect();
    record[col] = minutes.to_string();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&record)?;
    lines[1] = String::from_utf8(w.into_inner()?)?.trim_end().to_string();
    Ok(lines.join("\n") + "\n")
}

#[test]
fn regression_a_zero_time_to_train_is_refused_with_its_row_and_rule() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut store, db) = demo_at(dir.path())?;
    drop(store);
    let before = std::fs::read(&db)?;
    store = Store::open(&db)?;
    for bad in ["0", "-3", "1e-300", "1e9"] {
        let err = app::import_benchmarks(
            &mut store,
            &actor(),
            &[("mlperf_training.csv".into(), training_with(bad)?)],
        )
        .err()
        .ok_or(format!("{bad} accepted"))?;
        let p = problems(err);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].location.cell.as_deref(), Some("line 2"));
        assert_eq!(
            p[0].location.field.as_deref(),
            Some("time_to_train_minutes")
        );
        assert!(p[0].rule.contains("physical bound"), "{}", p[0].rule);
    }
    drop(store);
    assert_eq!(std::fs::read(&db)?, before, "nothing stored");
    Ok(())
}

#[test]
fn regression_hardware_csv_cannot_change_the_reference_give_a_key_twice_or_a_negative_tdp()
-> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut store, _) = demo_at(dir.path())?;
    let text = std::fs::read_to_string(repo_root().join("sample-data/benchmarks/hardware.csv"))?;
    let header = text.lines().next().ok_or("header")?;
    let h200 = text
        .lines()
        .find(|l| l.starts_with("H200-SXM,"))
        .ok_or("H200 row")?;
    let tdp = header
        .split(',')
        .position(|c| c == "tdp_w")
        .ok_or("tdp_w")?;
    let with_tdp = |line: &str, v: &str| -> String {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes());
        let mut rec: Vec<String> = r
            .records()
            .next()
            .and_then(|x| x.ok())
            .map(|x| x.iter().map(str::to_string).collect())
            .unwrap_or_default();
        rec[tdp] = v.into();
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(&rec);
        String::from_utf8(w.into_inner().unwrap_or_default())
            .unwrap_or_default()
            .trim_end()
            .to_string()
    };
    // A negative TDP: refused with its line and column.
    let negative = format!("{header}\n{}\n", with_tdp(h200, "-5"));
    let p = problems(
        app::import_benchmarks(&mut store, &actor(), &[("hardware.csv".into(), negative)])
            .err()
            .ok_or("a negative TDP")?,
    );
    assert!(
        p.iter()
            .any(|x| x.location.field.as_deref() == Some("tdp_w")
                && x.location.cell.as_deref() == Some("line 2"))
    );
    // The reference with another TDP: refused, it is what everything is measured against.
    let changed = format!("{header}\n{}\n", with_tdp(h200, "900"));
    let p = problems(
        app::import_benchmarks(&mut store, &actor(), &[("hardware.csv".into(), changed)])
            .err()
            .ok_or("the reference changed")?,
    );
    assert!(p[0].rule.contains("reference"), "{p:?}");
    // A key twice in a file: refused, naming the first line.
    let twice = format!("{header}\n{h200}\n{h200}\n");
    let p = problems(
        app::import_benchmarks(&mut store, &actor(), &[("hardware.csv".into(), twice)])
            .err()
            .ok_or("a key twice")?,
    );
    assert!(p[0].rule.contains("also on line 2"), "{p:?}");
    // The reference as it is: accepted, nothing changes.
    let same = format!("{header}\n{h200}\n");
    app::import_benchmarks(&mut store, &actor(), &[("hardware.csv".into(), same)])?;
    Ok(())
}

/// A copy of a sample workbook with one sheet's XML changed by `edit`.
fn edited_workbook(sheet_part: &str, edit: impl Fn(String) -> String) -> Res<Vec<u8>> {
    let src = repo_root().join("sample-data/workbooks/LIFFEY-ANT.xlsx");
    let mut zin = zip::ZipArchive::new(std::fs::File::open(src)?)?;
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut out);
        for i in 0..zin.len() {
            let mut f = zin.by_index(i)?;
            let name = f.name()?.to_string();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut data)?;
            if name == sheet_part {
                data = edit(String::from_utf8(data)?).into_bytes();
            }
            w.start_file(name, zip::write::SimpleFileOptions::default())?;
            w.write_all(&data)?;
        }
        w.finish()?;
    }
    Ok(out.into_inner())
}

fn known() -> HashSet<String> {
    ["B200", "GB300", "H200-SXM", "H100-SXM", "MI300X"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn read(bytes: &[u8]) -> workbook::WorkbookRead {
    workbook::read_bytes_unguarded(
        "edited.xlsx",
        bytes,
        &known(),
        Some("EUROHPC-AIFA-2026-01"),
        Limits::default(),
    )
}

#[test]
fn regression_a_cell_reference_beyond_the_sheet_is_refused_not_a_panic() -> TestResult {
    let bytes = std::fs::read(
        repo_root().join("fuzz/regressions/workbook/cell-reference-beyond-xfd.xlsx"),
    )?;
    let r = std::panic::catch_unwind(|| read(&bytes)).map_err(|_| "the reader panicked")?;
    assert!(r.bid.is_none());
    assert_eq!(r.findings.len(), 1);
    assert!(
        r.findings[0].rule.contains("beyond a sheet's limits"),
        "{:?}",
        r.findings[0]
    );
    assert_eq!(r.findings[0].found.as_deref(), Some("ZZZZZZZ2"));
    // A row beyond the last row too.
    let rows = edited_workbook("xl/worksheets/sheet1.xml", |x| {
        x.replacen("<row r=\"1\"", "<row r=\"99999999999\"", 1)
    })?;
    let r = std::panic::catch_unwind(|| read(&rows)).map_err(|_| "the reader panicked")?;
    assert!(
        r.findings.iter().any(|f| f.rule.contains("beyond")),
        "{:?}",
        r.findings
    );
    Ok(())
}

#[test]
fn regression_two_sheets_of_one_name_are_refused() -> TestResult {
    let bytes = edited_workbook("xl/workbook.xml", |x| {
        // The second sheet takes the first one's name.
        let first = x
            .split("<sheet name=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
            .to_string();
        let second = x
            .split("<sheet name=\"")
            .nth(2)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
            .to_string();
        x.replacen(
            &format!("<sheet name=\"{second}\""),
            &format!("<sheet name=\"{first}\""),
            1,
        )
    })?;
    let r = read(&bytes);
    assert!(r.bid.is_none());
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.contains("two sheets are named")),
        "{:?}",
        r.findings
    );
    Ok(())
}

#[test]
fn regression_texts_have_length_limits_and_dates_bounds() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, _) = demo_at(dir.path())?;
    // A bid file with a 40,000-character title and a 200,000-character member name.
    let text = std::fs::read_to_string(repo_root().join("sample-data/bids/01-aurora-gf.toml"))?;
    let long_title = "T".repeat(40_000);
    let title_line = text
        .lines()
        .find(|l| l.starts_with("title"))
        .ok_or("title")?
        .to_string();
    let text = text.replacen(&title_line, &format!("title = \"{long_title}\""), 1);
    let known: HashSet<String> = gigafund::store::benchmarks::accelerators(store.conn())?
        .into_iter()
        .map(|a| a.key)
        .collect();
    let p = problems(
        gigafund::ingest::bid_file::parse("long.toml", &text, &known)
            .err()
            .ok_or("a 40,000-character title")?,
    );
    assert!(
        p.iter()
            .any(|x| x.location.field.as_deref() == Some("title") && x.rule.contains("at most 500")),
        "{p:?}"
    );
    // In a workbook: a huge text cell is an error on its cell.
    let bytes = edited_workbook("xl/sharedStrings.xml", |x| {
        // A member's name (sheet Consortium) 200,000 characters long.
        x.replacen("Dublin Digital Enterprise Agency", &"N".repeat(200_000), 1)
    })?;
    let r = read(&bytes);
    assert!(
        r.findings.iter().any(|f| f.severity == Severity::Error
            && f.sheet.as_deref() == Some("Consortium")
            && f.rule.contains("at most 500 characters")),
        "{:?}",
        r.findings.iter().map(|f| &f.rule).collect::<Vec<_>>()
    );
    Ok(())
}

#[test]
fn regression_a_negative_date_serial_is_refused_not_read_as_1897() -> TestResult {
    // The workbook's date cells are its milestones' dates (sheet Milestones, column B,
    // date-formatted): the first set to a negative serial.
    let bytes = edited_workbook("xl/worksheets/sheet9.xml", |x| {
        let i = x.find("<c r=\"B2\"").unwrap_or(0);
        let v = x[i..].find("<v>").map(|v| i + v + 3).unwrap_or(i);
        let end = x[v..].find("</v>").map(|e| v + e).unwrap_or(v);
        format!("{}-1000{}", &x[..v], &x[end..])
    })?;
    let r = read(&bytes);
    assert!(
        r.findings.iter().any(|f| f.cell.as_deref() == Some("B2")
            && (f.rule.contains("a date between 1990 and 2100")
                || f.rule.contains("a date is required"))),
        "{:?}",
        r.findings
            .iter()
            .map(|f| (&f.cell, &f.rule))
            .collect::<Vec<_>>()
    );
    assert!(
        r.bid.as_ref().is_none_or(|b| b
            .milestones
            .iter()
            .all(|m| chrono::Datelike::year(&m.date) >= 1990)),
        "no milestone in 1897"
    );
    Ok(())
}

#[test]
fn regression_annotate_never_writes_over_its_input() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (_, db) = demo_at(dir.path())?;
    let book = dir.path().join("mine.xlsx");
    std::fs::copy(
        repo_root().join("sample-data/workbooks/broken/missing-site.xlsx"),
        &book,
    )
    .or_else(|_| {
        std::fs::copy(
            repo_root().join("sample-data/workbooks/LIFFEY-ANT.xlsx"),
            &book,
        )
    })?;
    let before = std::fs::read(&book)?;
    let same_by_another_name = dir.path().join(".").join("mine.xlsx");
    let out = gigafund(&db)?
        .args(["bid", "check"])
        .arg(&book)
        .args(["--call", "EUROHPC-AIFA-2026-01", "--annotate"])
        .arg(&same_by_another_name)
        .output()?;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("another file than the workbook"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&book)?, before);
    Ok(())
}

#[test]
fn regression_a_call_template_with_a_duplicate_criterion_code_is_refused() -> TestResult {
    let text = std::fs::read_to_string(repo_root().join("templates/calls/ai-factory.toml"))?;
    let i = text.find("[[criterion]]").ok_or("criterion")?;
    let j = text[i + 1..].find("[[criterion]]").ok_or("second")? + i + 1;
    let doubled = format!("{}{}{}", &text[..j], &text[i..j], &text[j..]);
    let p = problems(
        gigafund::ingest::call_template::parse("dup.toml", &doubled)
            .err()
            .ok_or("a duplicate code")?,
    );
    assert!(
        p.iter()
            .any(|x| x.rule.contains("unique") && x.location.file.as_deref() == Some("dup.toml"))
    );
    Ok(())
}

#[test]
fn regression_a_failed_demo_replace_keeps_the_database_and_names_the_bid_file() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("kept.sqlite3");
    gigafund(&db)?.arg("demo").assert().success();
    let before = std::fs::read(&db)?;
    let root = dir.path().join("from");
    for part in ["templates", "sample-data"] {
        copy_tree(&repo_root().join(part), &root.join(part))?;
    }
    let bid = root.join("sample-data/bids/01-aurora-gf.toml");
    let text = std::fs::read_to_string(&bid)?;
    let call_line = text
        .lines()
        .find(|l| l.starts_with("call"))
        .ok_or("call")?
        .to_string();
    std::fs::write(
        &bid,
        text.replacen(&call_line, "call = \"NO-SUCH-CALL\"", 1),
    )?;
    let out = gigafund(&db)?
        .args(["demo", "--replace", "--from"])
        .arg(&root)
        .output()?;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr)?;
    assert!(
        err.contains("01-aurora-gf.toml") && err.contains("NO-SUCH-CALL"),
        "{err}"
    );
    assert_eq!(std::fs::read(&db)?, before, "the database is as it was");
    // A demo that fails into a new file leaves no file.
    let fresh = dir.path().join("never.sqlite3");
    let out = gigafund(&fresh)?
        .args(["demo", "--from"])
        .arg(&root)
        .output()?;
    assert_eq!(out.status.code(), Some(1));
    assert!(!fresh.exists());
    assert_eq!(
        std::fs::read_dir(dir.path())?.count(),
        2,
        "no leftover file"
    );
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> TestResult {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_tree(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

#[test]
fn regression_model_inputs_are_bounded_and_risk_problems_name_their_file() -> TestResult {
    use gigafund::finance::Inputs;
    let mut i = Inputs::reference();
    i.op_years = 10_000_000;
    let text = toml::to_string(&i)?;
    let start = std::time::Instant::now();
    let p = problems(Inputs::parse("huge.toml", &text).err().ok_or("accepted")?);
    assert!(
        start.elapsed().as_secs() < 5,
        "refused at once, not modelled"
    );
    assert!(
        p.iter()
            .any(|x| x.location.field.as_deref() == Some("op_years"))
    );
    let mut i = Inputs::reference();
    i.risk = Some(gigafund::finance::montecarlo::RiskSpec {
        distributions: [(
            "no_such_input".to_string(),
            gigafund::finance::montecarlo::Distribution::Uniform { min: 0.0, max: 1.0 },
        )]
        .into_iter()
        .collect(),
        ..Default::default()
    });
    let p = problems(
        Inputs::parse("risky.toml", &toml::to_string(&i)?)
            .err()
            .ok_or("an unknown risk input")?,
    );
    assert_eq!(p[0].location.file.as_deref(), Some("risky.toml"));
    assert_eq!(p[0].location.sheet.as_deref(), Some("risk"));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Property tests: the classes around the cases

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Numeric bounds on the benchmark importer: any time to train is either stored within
    /// its physical bounds or refused naming its line and field; never an infinite
    /// productivity.
    #[test]
    fn any_time_to_train_is_bounded_or_refused_with_its_place(minutes in prop_oneof![
        Just(0.0), -1.0e6..1.0e-2, 1.0e-2..1.0e6, 1.0e6..1.0e300,
    ]) {
        let text = training_with(&minutes.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let known: HashSet<String> = ["H100-PCIe", "H100-SXM", "H200-SXM"].iter().map(|s| s.to_string()).collect();
        match gigafund::ingest::benchmarks::parse("mlperf_training.csv", &text, &known) {
            Ok(gigafund::ingest::benchmarks::BenchmarkFile::Runs(_, runs)) => {
                let s = runs[0].score.unwrap_or(1.0);
                prop_assert!(s > 0.01 && s <= 525_600.0, "stored {s}");
            }
            Ok(_) => prop_assert!(false, "a training file"),
            Err(Error::Invalid(p)) => {
                prop_assert_eq!(p.len(), 1);
                prop_assert_eq!(p[0].location.field.as_deref(), Some("time_to_train_minutes"));
                prop_assert_eq!(p[0].location.cell.as_deref(), Some("line 2"));
            }
            Err(e) => prop_assert!(false, "{e}"),
        }
    }

    /// No panic on any input, for every text importer: arbitrary text as a bid file, a call
    /// template, a roster, model inputs and a benchmark file is read or refused.
    #[test]
    fn no_text_importer_panics(text in ".{0,400}", bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let known: HashSet<String> = HashSet::new();
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        for t in [&text, &lossy] {
            let r = std::panic::catch_unwind(|| {
                let _ = gigafund::ingest::bid_file::parse("x.toml", t, &known);
                let _ = gigafund::ingest::call_template::parse("x.toml", t);
                let _ = gigafund::ingest::roster::parse("x.toml", t);
                let _ = gigafund::finance::Inputs::parse("x.toml", t);
                let _ = gigafund::ingest::benchmarks::parse("x.csv", t, &known);
                let _ = gigafund::ingest::hardware::parse("x.csv", t);
            });
            prop_assert!(r.is_ok(), "a panic on {t:?}");
        }
        let r = std::panic::catch_unwind(|| workbook::read_bytes_unguarded("x.xlsx", &bytes, &known, None, Limits::default()));
        prop_assert!(r.is_ok(), "the workbook reader panicked");
    }
}
