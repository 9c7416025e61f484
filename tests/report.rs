//! PDF reports: text through pdftotext, pages through pdftoppm, byte-identical output,
//! verification against the database.

use crate::{TestResult, actor, repo_root};
use gigafund::app::{finance as fin, reports};
use gigafund::finance::Inputs;
use gigafund::store::Store;
use std::process::Command;
use std::sync::atomic::AtomicBool;

pub(crate) fn pdftotext(pdf: &std::path::Path) -> Result<String, Box<dyn std::error::Error>> {
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
        Ok(crate::cli()?.arg("--db").arg(&db).args(args).output()?)
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

fn demo_store(dir: &std::path::Path) -> Result<Store, Box<dyn std::error::Error>> {
    let mut store = Store::open(&dir.join("office.sqlite3"))?;
    gigafund::app::load_demo(&mut store, &actor(), None)?;
    Ok(store)
}

fn day() -> Result<chrono::NaiveDate, Box<dyn std::error::Error>> {
    Ok(chrono::NaiveDate::from_ymd_opt(2026, 11, 21).ok_or("date")?)
}

fn write_text(
    dir: &std::path::Path,
    name: &str,
    bytes: &[u8],
) -> Result<(std::path::PathBuf, String), Box<dyn std::error::Error>> {
    let path = dir.join(name);
    std::fs::write(&path, bytes)?;
    let text = pdftotext(&path)?;
    Ok((path, text))
}

/// pdftotext -layout puts runs of spaces between table cells: compare on single spaces.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn pages_rendered(
    pdf: &std::path::Path,
    dir: &std::path::Path,
    prefix: &str,
) -> Result<usize, Box<dyn std::error::Error>> {
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "30"])
        .arg(pdf)
        .arg(dir.join(prefix))
        .output()?;
    assert!(out.status.success(), "pdftoppm failed on {}", pdf.display());
    Ok(std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .count())
}

#[test]
fn esr_shows_consensus_rank_and_list_in_both_languages_and_names_no_one_else() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = demo_store(dir.path())?;
    let rhein = reports::find_bid(&store, "rhein-ai", None)?;
    let en = reports::esr_report(&store, rhein, "en", day()?)?;
    assert!(
        en == reports::esr_report(&store, rhein, "en", day()?)?,
        "byte-identical"
    );
    let (path, text) = write_text(dir.path(), "rhein.pdf", &en)?;
    let flat = squeeze(&text);
    // The figures come from the ranking and the consensus as stored.
    let ranking = gigafund::evaluation::rank_call(store.conn(), "INVESTAI-AIGF-2026", None)?;
    let row = ranking
        .ranking
        .bids
        .iter()
        .find(|b| b.bid_id == rhein)
        .ok_or("ranked")?;
    let ranked = ranking
        .ranking
        .bids
        .iter()
        .filter(|b| b.rank.is_some())
        .count();
    let expected_rank = format!("ranked {} of {ranked}", row.rank.ok_or("rank")?);
    let weighted = format!("Weighted total {:.1}", row.weighted_total.ok_or("total")?);
    for expected in [
        "Evaluation Summary Report",
        "RHEIN-AI",
        expected_rank.as_str(),
        "It is on the main list",
        weighted.as_str(),
        "€1,600.0m",
        "Lëtzebuerg Capital Partners S.A.",
        "Luxembourg",
        "COMPUTE — Compute capacity and performance",
        "Member States not already funded",
        "€ per H200-equivalent hour",
        "Page 1 of",
        "input data SHA-256",
    ] {
        assert!(
            flat.contains(expected),
            "{expected:?} not in the ESR:\n{text}"
        );
    }
    // Each criterion's consensus score and comment are in it.
    let consensus = gigafund::store::evaluation::bid_consensus(store.conn(), rhein)?;
    assert!(!consensus.is_empty());
    for c in &consensus {
        let head = format!("{} ", c.criterion);
        assert!(flat.contains(&head));
        let start: String = c
            .comment
            .split_whitespace()
            .take(6)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            flat.contains(&start),
            "comment of {} missing: {start}",
            c.criterion
        );
        assert!(
            flat.contains(&format!("Score {:.1}", c.score)),
            "score of {}",
            c.criterion
        );
    }
    // An ESR goes to the applicant: no evaluator and no other bid is named.
    for e in gigafund::store::evaluation::evaluators(store.conn())? {
        assert!(
            !flat.contains(&e.name),
            "evaluator {} named in an ESR",
            e.name
        );
    }
    for other in ["AURORA-GF", "IBERIA-GF", "VISTULA-AI", "THAMES-GF"] {
        assert!(!flat.contains(other), "{other} named in RHEIN-AI's ESR");
    }
    assert_eq!(
        pages_rendered(&path, dir.path(), "esr-page")?,
        text.matches('\u{c}').count().max(1)
    );

    let fr = reports::esr_report(&store, rhein, "fr", day()?)?;
    let (_, text) = write_text(dir.path(), "rhein-fr.pdf", &fr)?;
    let flat = squeeze(&text);
    for expected in [
        "Rapport de synthèse d’évaluation",
        "Liste principale",
        "classée 1 sur",
        "1 600,0 M€",
        "Commentaires des experts",
        "Page 1 sur",
    ] {
        assert!(
            flat.contains(expected) || flat.replace('\u{202f}', " ").contains(expected),
            "{expected:?} not in the French ESR"
        );
    }

    // A rejected bid says why, with the rule and the data that failed it.
    let thames = reports::find_bid(&store, "THAMES-GF", Some("INVESTAI-AIGF-2026"))?;
    let (_, text) = write_text(
        dir.path(),
        "thames.pdf",
        &reports::esr_report(&store, thames, "en", day()?)?,
    )?;
    let flat = squeeze(&text);
    assert!(
        flat.contains("does not meet the call's eligibility conditions"),
        "{flat}"
    );
    assert!(flat.contains("site Thurrock is in GB"), "{flat}");
    Ok(())
}

#[test]
fn ranking_report_of_a_40_bid_call_breaks_its_table_and_repeats_the_header() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("r.sqlite3"))?;
    gigafund::demo::synthetic::synthetic_call(
        &mut store,
        &actor(),
        &gigafund::demo::synthetic::Synthetic {
            call_code: "SYN-40".into(),
            bids: 40,
            experts_per_bid: 3,
            evaluators: 12,
            seed: 3,
            // A budget that funds part of the ranked list.
            quality: (3.0, 5.0),
            budget_eur: 6_000_000_000,
            comments: false,
        },
    )?;
    let pdf = reports::ranking_report(&store, "SYN-40", "en", day()?)?;
    assert!(pdf == reports::ranking_report(&store, "SYN-40", "en", day()?)?);
    let (path, text) = write_text(dir.path(), "ranking.pdf", &pdf)?;
    let ranking = gigafund::evaluation::rank_call(store.conn(), "SYN-40", None)?.ranking;
    let ranked: Vec<_> = ranking.bids.iter().filter(|b| b.rank.is_some()).collect();
    assert!(ranked.len() >= 30, "{} ranked", ranked.len());
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    let with_header: Vec<usize> = pages
        .iter()
        .enumerate()
        .filter(|(_, p)| squeeze(p).contains("Rank Acronym Weighted Unweighted Requested"))
        .map(|(i, _)| i)
        .collect();
    assert!(
        with_header.len() >= 2,
        "the ranked table's header is on pages {with_header:?}"
    );
    // Every ranked bid is in the table, in rank order.
    let flat = squeeze(&text);
    let mut at = 0;
    for b in &ranked {
        let row = format!(
            "{} {} {:.2}",
            b.rank.ok_or("rank")?,
            b.acronym,
            b.weighted_total.ok_or("total")?
        );
        let found = flat[at..]
            .find(&row)
            .ok_or_else(|| format!("{row:?} not found in order"))?;
        at += found;
    }
    let funded = gigafund::report::format::eur_m(ranking.funded.as_euros_f64(), "en");
    assert!(
        flat.contains(&format!("Budget line: {funded} of €6,000.0m")),
        "budget line"
    );
    for expected in [
        "Use of the budget",
        "Reserve list",
        "Ties and the ex-aequo rules",
        "Appendix: evaluator calibration",
        "Expert 000",
    ] {
        assert!(flat.contains(expected), "{expected:?} missing");
    }
    assert_eq!(pages_rendered(&path, dir.path(), "rank-page")?, pages.len());
    Ok(())
}

#[test]
fn report_verify_detects_a_changed_score_in_an_esr_and_a_ranking() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = demo_store(dir.path())?;
    let bid = reports::find_bid(&store, "VISTULA-AI", None)?;
    let esr = dir.path().join("esr.pdf");
    std::fs::write(&esr, reports::esr_report(&store, bid, "fr", day()?)?)?;
    let ranking = dir.path().join("ranking.pdf");
    std::fs::write(
        &ranking,
        reports::ranking_report(&store, "INVESTAI-AIGF-2026", "en", day()?)?,
    )?;
    let other = reports::find_bid(&store, "RHEIN-AI", None)?;
    let other_esr = dir.path().join("other.pdf");
    std::fs::write(
        &other_esr,
        reports::esr_report(&store, other, "en", day()?)?,
    )?;
    let summary = dir.path().join("summary.pdf");
    std::fs::write(
        &summary,
        reports::submission_report(&store, bid, "en", day()?)?,
    )?;
    for f in [&esr, &ranking, &other_esr, &summary] {
        let check = reports::verify_report(&store, f)?;
        assert!(check.matches, "{}", check.message);
    }
    assert_eq!(reports::verify_report(&store, &esr)?.lang, "fr");
    // One consensus score of VISTULA-AI changes.
    store.conn().execute(
        "UPDATE consensus_scores SET score = score - 0.5 WHERE bid_id = ?1 AND criterion = 'COMPUTE'",
        [bid],
    )?;
    let check = reports::verify_report(&store, &esr)?;
    assert!(
        !check.matches && check.message.contains("no longer matches"),
        "{}",
        check.message
    );
    assert!(
        !reports::verify_report(&store, &ranking)?.matches,
        "the ranking shows every score"
    );
    // The call's distribution is in every ESR of the call: RHEIN-AI's chart changed too.
    assert!(!reports::verify_report(&store, &other_esr)?.matches);
    // The submission summary does not depend on scores.
    assert!(reports::verify_report(&store, &summary)?.matches);
    Ok(())
}

#[test]
fn all_esrs_of_a_call_are_written_in_parallel_with_progress() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = demo_store(dir.path())?;
    let out = dir.path().join("esr");
    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |done: usize, total: usize, acronym: &str| {
        if let Ok(mut s) = seen.lock() {
            s.push((done, total, acronym.to_string()));
        }
    };
    let never = AtomicBool::new(false);
    let batch = reports::all_esrs(
        &store,
        "INVESTAI-AIGF-2026",
        "en",
        day()?,
        &out,
        &progress,
        &never,
    )?;
    assert_eq!(batch.files.len(), 5);
    let mut seen = seen.into_inner().map_err(|_| "lock")?;
    seen.sort();
    assert_eq!(
        seen.iter().map(|s| s.0).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    assert!(seen.iter().all(|s| s.1 == 5));
    for f in &batch.files {
        let bytes = std::fs::read(&f.file)?;
        let id = reports::find_bid(&store, &f.acronym, None)?;
        assert!(
            bytes == reports::esr_report(&store, id, "en", day()?)?,
            "{} as generated alone",
            f.acronym
        );
        assert!(reports::verify_report(&store, std::path::Path::new(&f.file))?.matches);
    }
    assert!(
        std::fs::read_dir(&out)?
            .all(|e| e.is_ok_and(|e| !e.file_name().to_string_lossy().ends_with(".part")))
    );
    // A cancelled batch stops with a Cancelled error.
    let stop = AtomicBool::new(true);
    let e = reports::all_esrs(
        &store,
        "INVESTAI-AIGF-2026",
        "en",
        day()?,
        &dir.path().join("x"),
        &|_, _, _| {},
        &stop,
    )
    .err()
    .ok_or("not cancelled")?;
    assert!(matches!(e, gigafund::Error::Cancelled(_)), "{e}");
    // An unknown call is refused with its code.
    let e = reports::all_esrs(&store, "NOPE", "en", day()?, &out, &|_, _, _| {}, &never)
        .err()
        .ok_or("accepted")?;
    assert!(e.to_string().contains("NOPE"), "{e}");
    Ok(())
}

#[test]
fn submission_summary_shows_the_validated_bid_and_its_eligibility() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = demo_store(dir.path())?;
    let id = reports::find_bid(&store, "THAMES-GF", None)?;
    let bid = gigafund::store::bids::get(store.conn(), id)?;
    let (path, text) = write_text(
        dir.path(),
        "s.pdf",
        &reports::submission_report(&store, id, "en", day()?)?,
    )?;
    let flat = squeeze(&text);
    let total = gigafund::report::format::eur_m(bid.financing.total().as_euros_f64(), "en");
    let capex = gigafund::report::format::eur_m(bid.capex_total().as_euros_f64(), "en");
    for expected in [
        "Submission summary".to_string(),
        format!(
            "EU grant {}",
            gigafund::report::format::eur_m(bid.financing.eu_grant.as_euros_f64(), "en")
        ),
        format!("Total {total}"),
        format!("covers the capex total of {capex}"),
        "SITE — Site(s) in an EU Member State".into(),
        "not met".into(),
        "fails 2 eligibility condition(s)".into(),
        "Delftse AI Coöperatie".into(),
        "Thurrock".into(),
    ] {
        assert!(
            flat.contains(&expected),
            "{expected:?} not in the summary:\n{flat}"
        );
    }
    assert!(pages_rendered(&path, dir.path(), "sub-page")? >= 2);
    let (_, text) = write_text(
        dir.path(),
        "s-fr.pdf",
        &reports::submission_report(&store, id, "fr", day()?)?,
    )?;
    assert!(squeeze(&text).contains("Plan de financement") && text.contains("non remplie"));
    // A bid that does not exist is refused by id; an ambiguous or unknown acronym too.
    assert!(reports::submission_report(&store, 99_999, "en", day()?).is_err());
    let e = reports::find_bid(&store, "NO-SUCH", None)
        .err()
        .ok_or("found")?;
    assert!(e.to_string().contains("NO-SUCH"));
    Ok(())
}
