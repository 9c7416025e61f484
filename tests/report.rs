//! PDF reports: text through pdftotext, pages through pdftoppm, byte-identical output,
//! verification against the database.

use crate::{TestResult, actor, repo_root};
use gigafund::app::{finance as fin, reports};
use gigafund::finance::Inputs;
use gigafund::store::Store;
use std::process::Command;
use std::sync::atomic::AtomicBool;

fn pdftotext(pdf: &std::path::Path) -> Result<String, Box<dyn std::error::Error>> {
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()?;
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    Ok(String::from_utf8(out.stdout)?)
}

fn scenario(store: &mut Store) -> Result<i64, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(repo_root().join("sample-data/models/reference.toml"))?;
    let inputs = Inputs::parse("reference.toml", &text)?;
    let never = AtomicBool::new(false);
    let mc = fin::monte_carlo(&inputs, 1_000, 7, "en", &|_, _| {}, &never)?;
    let s = fin::save_scenario(
        store,
        &actor(),
        None,
        "reference",
        "Sites in Łódź, Ærøskøbing, Brașov, Győr and Šiauliai",
        &inputs,
        Some(&mc.monte_carlo),
    )?;
    Ok(s.id)
}

#[test]
fn derisking_report_reads_right_in_both_languages_and_is_byte_identical() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("r.sqlite3"))?;
    let id = scenario(&mut store)?;
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).ok_or("date")?;
    let en = reports::derisking_report(&store, id, "en", date)?;
    let again = reports::derisking_report(&store, id, "en", date)?;
    assert!(en == again, "the same data and date give the same bytes");
    let other_day = reports::derisking_report(&store, id, "en", date.succ_opt().ok_or("date")?)?;
    assert!(en != other_day, "the date is part of the document");
    let path = dir.path().join("en.pdf");
    std::fs::write(&path, &en)?;
    let text = pdftotext(&path)?;
    for expected in [
        "De-risking analysis",
        "7.01 %",
        "€1,090.5m",
        "−€1,605.5m",
        "Łódź, Ærøskøbing, Brașov, Győr and Šiauliai",
        "Least public support",
        "0.51919",
        "4.00015",
        "Page 1 of",
        "input data SHA-256",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the English report"
        );
    }
    // The yearly table breaks across pages with its header repeated.
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(pages.len() >= 3, "{} pages", pages.len());
    let with_header = pages
        .iter()
        .filter(|p| p.contains("CFADS") && p.contains("Debt"))
        .count();
    assert!(
        with_header >= 2,
        "the yearly table's header is on {with_header} page(s)"
    );
    // Every page renders.
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "30"])
        .arg(&path)
        .arg(dir.path().join("page"))
        .output()?;
    assert!(out.status.success());
    let pngs = std::fs::read_dir(dir.path())?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("page"))
        .count();
    assert_eq!(pngs, pages.len());

    let fr = reports::derisking_report(&store, id, "fr", date)?;
    let path = dir.path().join("fr.pdf");
    std::fs::write(&path, &fr)?;
    let text = pdftotext(&path)?;
    for expected in [
        "Analyse de réduction des risques",
        "7,01 %",
        "M€",
        "Page 1 sur",
        "Soutien public minimal",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the French report"
        );
    }
    assert!(
        text.contains("1\u{202f}090,5 M€") || text.contains("1 090,5 M€"),
        "French thousands"
    );
    Ok(())
}

#[test]
fn report_verify_detects_changed_data() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("r.sqlite3");
    let mut store = Store::open(&db)?;
    let id = scenario(&mut store)?;
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).ok_or("date")?;
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, reports::derisking_report(&store, id, "en", date)?)?;
    let check = reports::verify_report(&store, &path)?;
    assert!(check.matches, "{}", check.message);
    assert_eq!(check.source, format!("scenario {id}"));
    // Someone changes the stored results behind Gigafund's back: the report no longer matches.
    store.conn().execute(
        "UPDATE scenarios SET metrics = replace(metrics, '\"equity_irr\":0.07', '\"equity_irr\":0.09') WHERE id = ?1",
        [id],
    )?;
    let check = reports::verify_report(&store, &path)?;
    assert!(!check.matches, "a changed result must be detected");
    assert!(
        check.message.contains("no longer matches"),
        "{}",
        check.message
    );
    // A PDF that is not ours, and a file that is not a PDF, are refused with the file named.
    let other = dir.path().join("other.pdf");
    std::fs::write(&other, b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n")?;
    let e = reports::verify_report(&store, &other)
        .err()
        .ok_or("accepted")?;
    assert!(e.to_string().contains("other.pdf") && e.to_string().contains("not a Gigafund report"));
    let text = dir.path().join("notes.pdf");
    std::fs::write(&text, "hello")?;
    let e = reports::verify_report(&store, &text)
        .err()
        .ok_or("accepted")?;
    assert!(e.to_string().contains("not a PDF"), "{e}");
    Ok(())
}

#[test]
fn report_cli_writes_and_verifies_with_exit_codes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("r.sqlite3");
    let id = {
        let mut store = Store::open(&db)?;
        scenario(&mut store)?
    };
    let pdf = dir.path().join("d.pdf");
    let run = |args: &[&str]| -> Result<std::process::Output, Box<dyn std::error::Error>> {
        Ok(assert_cmd::Command::cargo_bin("gigafund")?
            .env_remove("GIGAFUND_DB")
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()?)
    };
    let pdf_s = pdf.to_str().ok_or("path")?;
    let out = run(&[
        "report",
        "derisking",
        "--scenario",
        &id.to_string(),
        "--out",
        pdf_s,
        "--date",
        "2026-11-21",
    ])?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["report", "verify", pdf_s])?;
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout)?.contains("matches scenario"));
    rusqlite::Connection::open(&db)?.execute("UPDATE scenarios SET note = 'changed'", [])?;
    let out = run(&["report", "verify", pdf_s])?;
    assert_eq!(
        out.status.code(),
        Some(1),
        "a report that no longer matches exits 1"
    );
    let out = run(&["report", "derisking", "--scenario", "999", "--out", pdf_s])?;
    assert_eq!(out.status.code(), Some(1));
    Ok(())
}
