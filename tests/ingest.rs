use crate::{TestResult, actor, repo_root};
use gigafund::Error;
use gigafund::app;
use gigafund::error::Problem;
use gigafund::ingest::{bid_file, call_template};
use gigafund::store::Store;
use std::collections::HashSet;
use std::path::Path;

fn problems<T: std::fmt::Debug>(r: gigafund::Result<T>) -> Vec<Problem> {
    match r {
        Err(Error::Invalid(p)) => p,
        other => panic!("expected validation problems, got {other:?}"),
    }
}

fn find<'a>(problems: &'a [Problem], sheet: &str, field: &str) -> &'a Problem {
    problems
        .iter()
        .find(|p| {
            p.location.sheet.as_deref() == Some(sheet) && p.location.field.as_deref() == Some(field)
        })
        .unwrap_or_else(|| panic!("no problem at {sheet} · {field} in {problems:#?}"))
}

fn sample(name: &str) -> Result<String, std::io::Error> {
    std::fs::read_to_string(repo_root().join(name))
}

fn known() -> HashSet<String> {
    ["B200", "GB300", "H200-SXM"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn every_shipped_call_template_reads_without_problems() -> TestResult {
    for name in [
        "ai-gigafactory.toml",
        "ai-factory.toml",
        "ai-factory-antenna.toml",
    ] {
        let call = call_template::parse(name, &sample(&format!("templates/calls/{name}"))?)?;
        assert!(call.criteria.len() >= 3, "{name} has its criteria");
        assert!(!call.eligibility.is_empty(), "{name} has eligibility rules");
        assert!(call.budget.cents() > 0);
    }
    Ok(())
}

#[test]
fn a_broken_call_template_reports_each_problem_with_its_place() -> TestResult {
    let text = sample("templates/calls/ai-factory.toml")?
        .replace("budget_eur = 450_000_000", "budget_eur = -5")
        .replace("overall_threshold = 10.0", "overall_threshold = 40.0")
        .replace(
            "groups = [\"eurohpc\"]\n\n[[eligibility]]\ncode = \"SITE\"",
            "groups = [\"atlantis\"]\n\n[[eligibility]]\ncode = \"SITE\"",
        )
        .replace(
            "{ rule = \"criterion\", code = \"IMPACT\" }",
            "{ rule = \"criterion\", code = \"NOVELTY\" }",
        );
    let p = problems(call_template::parse("ai-factory.toml", &text));
    assert_eq!(find(&p, "call", "budget_eur").found.as_deref(), Some("-5"));
    assert!(
        find(&p, "evaluation", "overall_threshold")
            .rule
            .contains("overall threshold")
    );
    assert_eq!(
        find(&p, "eligibility[1]", "groups").found.as_deref(),
        Some("atlantis")
    );
    assert_eq!(
        find(&p, "evaluation.tie_break[3]", "code").found.as_deref(),
        Some("NOVELTY")
    );
    assert!(
        p.iter()
            .all(|x| x.location.file.as_deref() == Some("ai-factory.toml"))
    );
    Ok(())
}

#[test]
fn a_toml_syntax_error_names_its_line() -> TestResult {
    let text = sample("templates/calls/ai-factory.toml")?.replace("step = 0.5", "step = = 0.5");
    let p = problems(call_template::parse("ai-factory.toml", &text));
    let line = text
        .lines()
        .position(|l| l.contains("step = = 0.5"))
        .ok_or("line")?
        + 1;
    assert_eq!(
        p[0].location.cell.as_deref(),
        Some(format!("line {line}").as_str())
    );
    Ok(())
}

#[test]
fn a_broken_bid_file_lists_every_problem() -> TestResult {
    let text = sample("sample-data/bids/01-aurora-gf.toml")?
        .replacen("pue = 1.12", "pue = 4.2", 1)
        .replacen("country = \"NO\"", "country = \"XX\"", 1)
        .replacen("renewable_share = 1.0", "renewable_share = 1.5", 1)
        .replacen("go_live = 2028-03-01", "go_live = 2026-01-01", 1)
        .replacen("equity_eur = ", "equity_eur = 1", 1)
        .replacen(
            "accelerator = \"GB300\"",
            "accelerator = \"Quantum-9000\"",
            1,
        );
    let p = problems(bid_file::parse("01-aurora-gf.toml", &text, &known()));
    assert!(
        find(&p, "site[1]", "pue")
            .rule
            .contains("between 1.0 and 3.0")
    );
    assert_eq!(find(&p, "site[1]", "pue").found.as_deref(), Some("4.2"));
    assert_eq!(
        find(&p, "consortium.member[4]", "country").found.as_deref(),
        Some("XX")
    );
    assert!(find(&p, "site[1]", "renewable_share").rule.contains("0 %"));
    assert!(find(&p, "site[1]", "go_live").rule.contains("on or after"));
    assert!(find(&p, "financing", "total").rule.contains("capex total"));
    assert_eq!(
        find(&p, "hardware[1]", "accelerator").found.as_deref(),
        Some("Quantum-9000")
    );
    assert_eq!(p.len(), 6, "exactly the six broken values: {p:#?}");
    Ok(())
}

#[test]
fn an_unknown_field_is_refused_rather_than_ignored() -> TestResult {
    let text =
        sample("sample-data/bids/06-adria-aif.toml")?.replacen("pue = ", "peu = 1.1\npue = ", 1);
    let p = problems(bid_file::parse("06-adria-aif.toml", &text, &known()));
    assert!(p[0].rule.contains("peu"), "the stray field is named: {p:?}");
    assert!(
        p[0].location
            .cell
            .as_deref()
            .is_some_and(|c| c.starts_with("line "))
    );
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

#[test]
fn a_demo_with_one_broken_bid_stores_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path().join("checkout");
    copy_tree(&repo_root().join("templates"), &root.join("templates"))?;
    copy_tree(&repo_root().join("sample-data"), &root.join("sample-data"))?;
    let broken = root.join("sample-data/bids/07-carpathia.toml");
    let text = std::fs::read_to_string(&broken)?.replacen("it_mw = ", "it_mw = -", 1);
    std::fs::write(&broken, text)?;

    let db = dir.path().join("demo.sqlite3");
    let mut store = Store::open(&db)?;
    let err = app::load_demo(&mut store, &actor(), Some(&root))
        .err()
        .ok_or("expected an error")?;
    let p = problems::<()>(Err(err));
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].location.file.as_deref(), Some("07-carpathia.toml"));
    assert_eq!(p[0].location.field.as_deref(), Some("it_mw"));
    assert!(store.is_empty()?, "no call was stored");
    let audit: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?;
    assert_eq!(audit, 0, "nothing at all was written");

    // The unbroken checkout loads, and the demo refuses to load twice.
    std::fs::copy(
        repo_root().join("sample-data/bids/07-carpathia.toml"),
        &broken,
    )?;
    app::load_demo(&mut store, &actor(), Some(&root))?;
    assert!(matches!(
        app::load_demo(&mut store, &actor(), None),
        Err(Error::Conflict(_))
    ));
    Ok(())
}

#[test]
fn the_demo_covers_what_the_issue_asks_for() -> TestResult {
    let mut store = Store::open_in_memory()?;
    let s = app::load_demo(&mut store, &actor(), None)?;
    assert!(s.calls.len() >= 3);
    assert!(s.bids >= 10);
    assert!(
        s.countries.len() >= 10,
        "members from at least 10 countries: {:?}",
        s.countries
    );
    assert!(s.evaluators >= 8);
    assert!(s.declared_conflicts >= 1);
    let rows = app::bid_rows(&store, None)?;
    let thames = rows
        .iter()
        .find(|r| r.acronym == "THAMES-GF")
        .ok_or("THAMES-GF")?;
    assert!(!thames.eligible);
    assert!(
        thames.failed_rules.contains(&"SITE".to_string()),
        "the host country is ineligible"
    );
    let detail = app::bid_detail(&store, thames.id)?;
    let site = detail
        .eligibility
        .iter()
        .find(|o| o.code == "SITE")
        .ok_or("SITE")?;
    assert!(
        site.detail.contains("GB"),
        "the failing data is shown: {}",
        site.detail
    );
    for r in &rows {
        let d = app::bid_detail(&store, r.id)?;
        assert_eq!(
            d.financing_total, d.capex_total,
            "{} finances its capex",
            r.acronym
        );
        assert!(
            d.accelerator.is_some(),
            "{} uses an accelerator of hardware.csv",
            r.acronym
        );
    }
    Ok(())
}

/// The committed applicant workbook is what the code generates (regenerate with
/// `UPDATE_TEMPLATE=1 cargo test --test main applicant_workbook`), and reads back with the
/// sheets, headers, drop-down lists, named ranges and formulas the importer relies on.
#[test]
fn applicant_workbook_template_is_generated_and_committed() -> TestResult {
    use calamine::{Data, Reader, open_workbook_auto_from_rs};
    use gigafund::ingest::workbook_template as wt;
    let mut store = gigafund::store::Store::open_in_memory()?;
    gigafund::app::load_demo(&mut store, &crate::actor(), None)?;
    let bytes = gigafund::app::applicant_template(&store, "INVESTAI-AIGF-2026")?;
    assert!(
        bytes == gigafund::app::applicant_template(&store, "INVESTAI-AIGF-2026")?,
        "deterministic"
    );
    let committed = crate::repo_root().join("templates/applicant-workbook.xlsx");
    if std::env::var_os("UPDATE_TEMPLATE").is_some() {
        std::fs::write(&committed, &bytes)?;
    }
    assert!(
        std::fs::read(&committed)? == bytes,
        "templates/applicant-workbook.xlsx differs from the generated workbook: run UPDATE_TEMPLATE=1 cargo test --test main applicant_workbook"
    );

    let mut wb = open_workbook_auto_from_rs(std::io::Cursor::new(bytes))?;
    let names = wb.sheet_names();
    let visible: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| *n != "Lists")
        .collect();
    assert_eq!(visible, wt::SHEETS.to_vec());
    let header = |wb: &mut calamine::Sheets<std::io::Cursor<Vec<u8>>>,
                  sheet: &str|
     -> Result<Vec<String>, Box<dyn std::error::Error>> {
        let r = wb.worksheet_range(sheet)?;
        Ok((0..r.width() as u32)
            .filter_map(|c| match r.get_value((0, c)) {
                Some(Data::String(s)) => Some(s.clone()),
                _ => None,
            })
            .collect())
    };
    assert_eq!(header(&mut wb, "Consortium")?, wt::CONSORTIUM.to_vec());
    assert_eq!(header(&mut wb, "Site & Energy")?, wt::SITES.to_vec());
    assert_eq!(header(&mut wb, "Hardware")?, wt::HARDWARE.to_vec());
    let mut capex = wt::COSTS.to_vec();
    capex.push("total_eur");
    assert_eq!(header(&mut wb, "Capex")?, capex);
    assert_eq!(header(&mut wb, "Milestones")?, wt::MILESTONES.to_vec());
    // The drop-down lists: every country of countries.toml, the accelerators plus "other".
    let lists = wb.worksheet_range("Lists")?;
    let column = |c: u32| -> Vec<String> {
        (1..lists.height() as u32)
            .filter_map(|r| match lists.get_value((r, c)) {
                Some(Data::String(s)) => Some(s.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        column(0).len(),
        gigafund::countries::countries()?.iter().count()
    );
    assert!(column(0).contains(&"PL".to_string()));
    let acc = column(3);
    assert!(
        acc.contains(&"B200".to_string()) && acc.last() == Some(&"other".to_string()),
        "{acc:?}"
    );
    // Named ranges and the totals' formulas.
    let defined: Vec<(String, String)> = wb.defined_names().to_vec();
    for name in [
        "proposal_acronym",
        "proposal_requested_eu_eur",
        "financing_eu_grant",
        "financing_total",
        "capex_total",
        "opex_total",
    ] {
        assert!(
            defined.iter().any(|(n, _)| n == name),
            "{name} not defined: {defined:?}"
        );
    }
    let formulas = wb.worksheet_formula("Financing")?;
    let all: Vec<String> = formulas.used_cells().map(|(_, _, f)| f.clone()).collect();
    assert!(
        all.iter().any(|f| f.contains("SUM(Capex!D2:D201)")),
        "{all:?}"
    );
    let proposal = wb.worksheet_range("Instructions")?;
    assert_eq!(
        proposal.get_value((2, 1)),
        Some(&Data::String("INVESTAI-AIGF-2026".into()))
    );
    Ok(())
}
