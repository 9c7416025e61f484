//! The programme after selection: each rule alone (refused with the rule named, nothing
//! stored), the demo portfolio against figures computed by hand, and the CLI contract.

use crate::{TestResult, repo_root};
use gigafund::Error;
use gigafund::app::programme::{
    self as prog, AmendRequest, Change, MilestoneChange, TrancheAction,
};
use gigafund::model::{Actor, Eur};
use gigafund::programme::{AgreementKind, AwardStatus, TrancheState};
use gigafund::store::{self, Store};
use std::path::Path;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn on(day: &str) -> Res<Actor> {
    Ok(Actor::new(
        "office",
        chrono::DateTime::parse_from_rfc3339(&format!("{day}T10:00:00Z"))?
            .with_timezone(&chrono::Utc),
    ))
}

fn date(d: &str) -> Res<chrono::NaiveDate> {
    Ok(chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")?)
}

const GF: &str = "INVESTAI-AIGF-2026";

/// The demo (its evaluation ranked), drawn up on 1 December 2026.
fn demo(dir: &Path) -> Res<Store> {
    let mut store = Store::open(&dir.join("programme.sqlite3"))?;
    gigafund::demo::load(
        &mut store,
        &on("2026-12-01")?,
        &gigafund::demo::DemoFiles::embedded(),
    )?;
    Ok(store)
}

fn audit_len(store: &Store) -> Res<usize> {
    Ok(store::audit::entries(store.conn())?.len())
}

/// The refusal's problems; fails the test when the call succeeded or failed otherwise.
fn refused<T: std::fmt::Debug>(r: gigafund::Result<T>) -> Res<Vec<gigafund::error::Problem>> {
    match r {
        Err(Error::Invalid(p)) => Ok(p),
        other => Err(format!("expected a refusal, got {other:?}").into()),
    }
}

fn award_of(store: &Store, acronym: &str) -> Res<i64> {
    Ok(prog::awards(store, None, date("2026-12-01")?)?
        .into_iter()
        .find(|a| a.acronym == acronym)
        .ok_or(format!("no award {acronym}"))?
        .id)
}

fn evidence(dir: &Path, name: &str) -> Res<String> {
    let p = dir.join(name);
    std::fs::write(&p, format!("signed document {name}"))?;
    Ok(p.display().to_string())
}

#[test]
fn a_tranche_is_never_released_before_its_gate_is_verified() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = demo(dir.path())?;
    let who = on("2026-12-01")?;
    let rhein = award_of(&store, "RHEIN-AI")?;
    let before = audit_len(&store)?;
    // The pre-financing waits for the grant agreement.
    let p = refused(prog::tranche_action(
        &mut store,
        &who,
        rhein,
        "G-PRE",
        TrancheAction::Request,
        "",
    ))?;
    assert!(p[0].rule.contains("grant agreement"), "{p:?}");
    // The first interim tranche waits for the procurement contract milestone, named.
    let p = refused(prog::tranche_action(
        &mut store,
        &who,
        rhein,
        "G-INT1",
        TrancheAction::Request,
        "",
    ))?;
    assert!(
        p[0].rule
            .contains("CONTRACT \"Procurement contract signed\""),
        "{p:?}"
    );
    assert_eq!(p[0].location.field.as_deref(), Some("tranche G-INT1"));
    assert_eq!(audit_len(&store)?, before, "nothing stored");

    // Signed: the pre-financing goes through its states, in order only.
    prog::record_agreement(
        &mut store,
        &who,
        rhein,
        AgreementKind::Grant,
        date("2026-11-20")?,
        "GA 101234",
    )?;
    assert!(
        refused(prog::tranche_action(
            &mut store,
            &who,
            rhein,
            "G-PRE",
            TrancheAction::Pay,
            ""
        ))
        .is_ok(),
        "pay before approval"
    );
    for step in [
        TrancheAction::Request,
        TrancheAction::Review,
        TrancheAction::Approve,
        TrancheAction::Pay,
    ] {
        prog::tranche_action(&mut store, &who, rhein, "G-PRE", step, "")?;
    }
    let d = prog::show_award(&store, rhein, "en", date("2026-12-01")?)?;
    let pre = d
        .tranches
        .iter()
        .find(|t| t.tranche.code == "G-PRE")
        .ok_or("G-PRE")?;
    assert_eq!(pre.tranche.state, TrancheState::Paid);
    // 20 % of €1.6 bn, less the 5 % retention (€80 m) released with the final payment.
    assert_eq!(pre.tranche.paid, Eur::from_euros(240_000_000).ok_or("eur")?);
    let fin = d
        .tranches
        .iter()
        .find(|t| t.tranche.code == "G-FINAL")
        .ok_or("final")?;
    assert_eq!(
        fin.tranche.amount,
        Eur::from_euros(320_000_000).ok_or("eur")?
    );
    let sum: i64 = d.tranches.iter().map(|t| t.tranche.amount.0).sum();
    assert_eq!(
        sum, d.award.figures.eu.0,
        "the tranches pay the maximum exactly"
    );
    Ok(())
}

#[test]
fn milestones_keep_their_order_evidence_and_upgrade_window() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = demo(dir.path())?;
    let who = on("2026-12-01")?;
    let adria = award_of(&store, "ADRIA-AIF")?;
    let before = audit_len(&store)?;
    let ev = evidence(dir.path(), "contract.pdf")?;
    // No procurement contract before the hosting agreement.
    let p = refused(prog::update_milestone(
        &mut store,
        &who,
        adria,
        "CONTRACT",
        &MilestoneChange::Actual {
            date: date("2026-11-01")?,
            evidence: ev.clone(),
        },
    ))?;
    assert!(p[0].rule.contains("HOSTING comes first"), "{p:?}");
    // Not in the future either.
    let p = refused(prog::update_milestone(
        &mut store,
        &who,
        adria,
        "HOSTING",
        &MilestoneChange::Actual {
            date: date("2027-01-01")?,
            evidence: ev.clone(),
        },
    ))?;
    assert!(p[0].rule.contains("future"), "{p:?}");
    assert_eq!(audit_len(&store)?, before);
    let host = evidence(dir.path(), "hosting.pdf")?;
    let m = prog::update_milestone(
        &mut store,
        &who,
        adria,
        "HOSTING",
        &MilestoneChange::Actual {
            date: date("2026-11-10")?,
            evidence: host.clone(),
        },
    )?;
    use sha2::Digest;
    assert_eq!(
        m.milestone.evidence_sha256.as_deref(),
        Some(hex::encode(sha2::Sha256::digest(std::fs::read(&host)?)).as_str())
    );
    // The contract dated before the hosting agreement: refused with both dates.
    let p = refused(prog::update_milestone(
        &mut store,
        &who,
        adria,
        "CONTRACT",
        &MilestoneChange::Actual {
            date: date("2026-11-01")?,
            evidence: ev.clone(),
        },
    ))?;
    assert!(
        p[0].found
            .as_deref()
            .is_some_and(|f| f.contains("2026-11-10")),
        "{p:?}"
    );
    // A procurement contract agreement before the hosting agreement: refused (Art. 10).
    let p = refused(prog::record_agreement(
        &mut store,
        &who,
        adria,
        AgreementKind::ProcurementContract,
        date("2026-11-05")?,
        "PC-1",
    ))?;
    assert!(
        p[0].rule
            .contains("hosting agreement is signed before procurement"),
        "{p:?}"
    );
    // Verified only once achieved with evidence; a verified milestone is not changed.
    assert!(refused(prog::verify_milestone(&mut store, &who, adria, "TENDER")).is_ok());
    prog::verify_milestone(&mut store, &who, adria, "HOSTING")?;
    assert!(
        refused(prog::update_milestone(
            &mut store,
            &who,
            adria,
            "HOSTING",
            &MilestoneChange::Forecast {
                date: date("2027-01-01")?
            },
        ))
        .is_ok()
    );
    // A forecast well past its baseline puts the milestone at risk (60 days' tolerance).
    let d = prog::show_award(&store, adria, "en", date("2026-12-01")?)?;
    let tender = d
        .milestones
        .iter()
        .find(|m| m.milestone.code == "TENDER")
        .ok_or("tender")?;
    let late = tender.milestone.baseline + chrono::Duration::days(61);
    let m = prog::update_milestone(
        &mut store,
        &who,
        adria,
        "TENDER",
        &MilestoneChange::Forecast { date: late },
    )?;
    assert_eq!(m.state, gigafund::programme::MilestoneState::AtRisk);

    // The upgrade, one per system, between 1 and 3 years after selection: JUPITER was
    // selected in June 2022, so an application in late 2026 is outside the window.
    let jupiter = award_of(&store, "JUPITER")?;
    let up = evidence(dir.path(), "upgrade.pdf")?;
    let p = refused(prog::update_milestone(
        &mut store,
        &who,
        jupiter,
        "UPGRADE",
        &MilestoneChange::Actual {
            date: date("2026-11-15")?,
            evidence: up,
        },
    ))?;
    assert!(
        p[0].rule.contains("between 1 and 3 years after selection"),
        "{p:?}"
    );
    Ok(())
}

#[test]
fn caps_shares_the_ninety_percent_rule_and_the_amendment_history() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = demo(dir.path())?;
    let who = on("2026-12-01")?;
    let adria = award_of(&store, "ADRIA-AIF")?;
    let before = audit_len(&store)?;
    let req = |change: Change| AmendRequest {
        change,
        dated: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default(),
        asked_by: "ADRIA-AIF coordinator".into(),
        approved_by: "Head of unit".into(),
        reason: "Revised quotation".into(),
    };
    // A budget revision that breaks the cap: refused with the figures.
    let d = prog::show_award(&store, adria, "en", date("2026-12-01")?)?;
    let f = d.award.figures.clone();
    let too_much = Eur(f.acquisition.0 / 2 + f.operation.0 / 2 + 10_000_000);
    let p = refused(prog::amend(
        &mut store,
        &who,
        adria,
        &req(Change::BudgetRevision {
            eu: Some(too_much),
            member_state: None,
            regional: None,
            private: None,
            loan: None,
            acquisition: None,
            operation: None,
        }),
    ))?;
    assert_eq!(
        p[0].location.field.as_deref(),
        Some("eu_operation"),
        "{p:?}"
    );
    assert!(p[0].rule.contains("at most 50 % of it"), "{p:?}");
    assert!(p[0].found.as_deref().is_some_and(|x| x.contains('%')));
    // Shares that do not sum to 100 %: refused, nothing stored.
    let p = refused(prog::amend(
        &mut store,
        &who,
        adria,
        &req(Change::TrancheShares {
            shares: vec![("PRE".into(), 2500), ("INT1".into(), 3000)],
        }),
    ))?;
    assert!(p[0].rule.contains("sum to 100 %"), "{p:?}");
    assert_eq!(p[0].found.as_deref(), Some("95.00 %"));
    assert_eq!(audit_len(&store)?, before);
    // Two amendments that hold, kept in order with their old and new values.
    prog::amend(
        &mut store,
        &who,
        adria,
        &req(Change::TrancheShares {
            shares: vec![
                ("PRE".into(), 2000),
                ("INT1".into(), 3500),
                ("INT2".into(), 3000),
            ],
        }),
    )?;
    prog::amend(
        &mut store,
        &who,
        adria,
        &req(Change::Extension { days: 90 }),
    )?;
    let d = prog::show_award(&store, adria, "en", date("2026-12-01")?)?;
    assert_eq!(d.amendments.len(), 2);
    assert_eq!(
        d.amendments[0].kind,
        gigafund::programme::AmendmentKind::TrancheShares
    );
    assert!(
        d.amendments[0].old_value.to_string().contains("3000"),
        "old shares kept"
    );
    assert!(d.amendments[0].new_value.to_string().contains("3500"));
    let sum: u32 = d.tranches.iter().map(|t| t.tranche.share_bp).sum();
    assert_eq!(sum, 10_000);
    // The history cannot be edited behind Gigafund's back.
    let raw = rusqlite::Connection::open(dir.path().join("programme.sqlite3"))?;
    assert!(
        raw.execute("UPDATE amendments SET reason = 'x'", [])
            .is_err()
    );
    assert!(raw.execute("DELETE FROM amendments", []).is_err());

    // The 90 % rule: payments before the final one within 90 % of the maximum.
    let mut store2 = Store::open_in_memory()?;
    let mut files = gigafund::demo::DemoFiles::embedded();
    files.programmes = vec![(
        "tight.toml".into(),
        std::fs::read_to_string(repo_root().join("templates/programmes/investai.toml"))?
            .replace("max_before_final = 0.9", "max_before_final = 0.5"),
    )];
    gigafund::demo::load(&mut store2, &who, &files)?;
    let rhein = award_of(&store2, "RHEIN-AI")?;
    prog::record_agreement(
        &mut store2,
        &who,
        rhein,
        AgreementKind::Hosting,
        date("2026-11-02")?,
        "HA",
    )?;
    prog::record_agreement(
        &mut store2,
        &who,
        rhein,
        AgreementKind::Grant,
        date("2026-11-20")?,
        "GA",
    )?;
    let ev = evidence(dir.path(), "e.pdf")?;
    for code in ["HOSTING", "TENDER", "CONTRACT", "GRID"] {
        prog::update_milestone(
            &mut store2,
            &who,
            rhein,
            code,
            &MilestoneChange::Actual {
                date: date("2026-11-25")?,
                evidence: ev.clone(),
            },
        )?;
        prog::verify_milestone(&mut store2, &who, rhein, code)?;
    }
    for code in ["G-PRE", "G-INT1"] {
        for step in [
            TrancheAction::Request,
            TrancheAction::Approve,
            TrancheAction::Pay,
        ] {
            prog::tranche_action(&mut store2, &who, rhein, code, step, "")?;
        }
    }
    // 15 % + 20 % paid; the next 20 % would bring it to 55 % > 50 %.
    prog::tranche_action(
        &mut store2,
        &who,
        rhein,
        "G-INT2",
        TrancheAction::Request,
        "",
    )?;
    let before = audit_len(&store2)?;
    let p = refused(prog::tranche_action(
        &mut store2,
        &who,
        rhein,
        "G-INT2",
        TrancheAction::Approve,
        "",
    ))?;
    assert!(
        p[0].rule
            .contains("within 50 % of the maximum EU contribution"),
        "{p:?}"
    );
    assert_eq!(audit_len(&store2)?, before);
    Ok(())
}

#[test]
fn an_award_comes_from_the_main_list_and_a_reserve_bid_only_after_a_withdrawal() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = demo(dir.path())?;
    let who = on("2026-12-01")?;
    let before = audit_len(&store)?;
    // VISTULA-AI is on the reserve list: no award while the main list stands.
    let p = refused(prog::create_award(&mut store, &who, GF, "VISTULA-AI"))?;
    assert!(
        p[0].rule
            .contains("only when a main-list award is withdrawn"),
        "{p:?}"
    );
    // THAMES-GF was rejected: never.
    let p = refused(prog::create_award(&mut store, &who, GF, "THAMES-GF"))?;
    assert!(p[0].rule.contains("main list"), "{p:?}");
    // A main-list bid awarded twice: a conflict.
    assert!(matches!(
        prog::create_award(&mut store, &who, GF, "RHEIN-AI"),
        Err(Error::Conflict(_))
    ));
    assert_eq!(audit_len(&store)?, before);
    // A withdrawal says why; then the first reserve bid is offered.
    let iberia = award_of(&store, "IBERIA-GF")?;
    assert!(refused(prog::withdraw(&mut store, &who, iberia, " ")).is_ok());
    let w = prog::withdraw(
        &mut store,
        &who,
        iberia,
        "The host state withdrew its commitment",
    )?;
    assert_eq!(w.status, AwardStatus::Withdrawn);
    let v = prog::create_award(&mut store, &who, GF, "VISTULA-AI")?;
    assert!(v.award.from_reserve);
    // The withdrawn award is not made again.
    assert!(refused(prog::create_award(&mut store, &who, GF, "IBERIA-GF")).is_ok());
    Ok(())
}

#[test]
fn a_cap_broken_by_an_award_is_refused_with_its_figures() -> TestResult {
    let mut store = Store::open_in_memory()?;
    let who = on("2026-12-01")?;
    let mut files = gigafund::demo::DemoFiles::embedded();
    // A programme whose cap the demo bids break: the EU at most 5 % of acquisition.
    files.programmes = vec![(
        "strict.toml".into(),
        std::fs::read_to_string(repo_root().join("templates/programmes/investai.toml"))?
            .replace("eu_share_acquisition = 0.35", "eu_share_acquisition = 0.05")
            .replace("eu_share_operation = 0.35", "eu_share_operation = 0.05"),
    )];
    let err = gigafund::demo::load(&mut store, &who, &files)
        .err()
        .ok_or("the demo loaded")?;
    let p = match err {
        Error::Invalid(p) => p,
        e => return Err(format!("{e:?}").into()),
    };
    assert!(
        p.iter()
            .any(|x| x.location.sheet.as_deref() == Some("RHEIN-AI")
                && x.rule.contains("at most 5 %")
                && x.found
                    .as_deref()
                    .is_some_and(|f| f.contains(" of €") && f.contains(" %)"))),
        "{p:?}"
    );
    assert!(store.is_empty()?, "the whole demo refused, nothing stored");
    // A template whose tranche shares do not sum to 100 % is refused when read.
    let bad = std::fs::read_to_string(repo_root().join("templates/programmes/investai.toml"))?
        .replacen(
            "share = 0.20\nkinds = [\"ai_gigafactory\"]",
            "share = 0.25\nkinds = [\"ai_gigafactory\"]",
            1,
        );
    let p = refused(gigafund::programme::template::parse("bad.toml", &bad))?;
    assert!(p.iter().any(|x| x.rule.contains("sum to 100 %")), "{p:?}");
    Ok(())
}

#[test]
fn the_demo_portfolio_matches_figures_computed_by_hand() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = demo(dir.path())?;
    let today = date("2026-12-01")?;
    let p = prog::portfolio(&store, "EUROHPC-AIF", today)?;
    // By hand, from the programme file: the recorded awards' amounts, and the main-list
    // bids of the demo calls (ADRIA-AIF and BALTIC-AIF, LIFFEY-ANT) from their bid files.
    let text = std::fs::read_to_string(
        repo_root().join("templates/programmes/eurohpc-ai-factories.toml"),
    )?;
    let file: toml::Table = toml::from_str(&text)?;
    let cents = |v: Option<&toml::Value>| -> i64 {
        match v {
            Some(toml::Value::Integer(i)) => i * 100,
            Some(toml::Value::Float(f)) => (f * 100.0).round() as i64,
            _ => 0,
        }
    };
    let mut eu = 0;
    let mut ms = 0;
    let mut region = 0;
    let mut total = 0;
    for a in file["award"].as_array().ok_or("awards")? {
        eu += cents(a.get("eu_eur"));
        ms += cents(a.get("member_state_eur"));
        region += cents(a.get("regional_eur"));
        total += cents(a.get("acquisition_eur")) + cents(a.get("operation_eur"));
    }
    let mut bid_eu = 0;
    for (f, _) in [
        ("06-adria-aif.toml", ()),
        ("08-baltic-aif.toml", ()),
        ("10-liffey-ant.toml", ()),
    ] {
        let bid: toml::Table = toml::from_str(&std::fs::read_to_string(
            repo_root().join("sample-data/bids").join(f),
        )?)?;
        let fin = bid["financing"].as_table().ok_or("financing")?;
        bid_eu += cents(fin.get("eu_grant_eur"));
        ms += cents(fin.get("member_state_grant_eur"));
        let sum = |k: &str| -> i64 {
            bid.get(k).and_then(|v| v.as_array()).map_or(0, |rows| {
                rows.iter().map(|r| cents(r.get("amount_eur"))).sum()
            })
        };
        total += sum("capex") + sum("opex");
    }
    let committed = |s: gigafund::programme::Source| {
        p.by_source
            .iter()
            .find(|r| r.source == s)
            .map_or(0, |r| r.committed.0)
    };
    use gigafund::programme::Source;
    assert_eq!(
        committed(Source::DigitalEurope) + committed(Source::HorizonEurope),
        eu + bid_eu
    );
    assert_eq!(committed(Source::MemberState), ms);
    assert_eq!(committed(Source::Region), region);
    // Half of the EU contribution from each of the two EU lines (the remainder cent to
    // Horizon Europe).
    assert!((committed(Source::DigitalEurope) - (eu + bid_eu) / 2).abs() <= 40);
    assert_eq!(p.leverage.eu.0, eu + bid_eu);
    assert_eq!(p.leverage.total.0, total);
    let by_hand = total as f64 / (eu + bid_eu) as f64;
    assert!((p.leverage.portfolio.ok_or("leverage")? - by_hand).abs() < 1e-12);
    // The forecast holds every euro of the EU contribution once: planned and carried
    // together are the tranches' amounts, and what is paid is what the tranches paid.
    let forecast: i64 = p
        .forecast
        .iter()
        .map(|r| r.planned.0 + r.carried_forward.0)
        .sum();
    assert_eq!(forecast, eu + bid_eu);
    let paid: i64 = p.forecast.iter().map(|r| r.paid.0).sum();
    let paid_env: i64 = p.by_source.iter().map(|r| r.paid.0).sum();
    assert_eq!(paid, paid_env);
    // JUPITER's tranches, by hand: pre-financing after the grant agreement (1 Dec 2022 +
    // 30 days), the second interim after acceptance (10 Jun 2025 + 90 days): paid in 2022
    // and 2025. 30 % of €250 m less 5 % retention = €62.5 m in 2022.
    let y2022: i64 = p
        .forecast
        .iter()
        .filter(|r| r.year == 2022)
        .map(|r| r.paid.0)
        .sum();
    assert_eq!(y2022, 6_250_000_000);
    // Awards by Member State: Germany holds HammerHAI, JAIF and JUPITER.
    let de = p.by_state.iter().find(|r| r.country == "DE").ok_or("DE")?;
    assert_eq!(de.awards, 3);
    Ok(())
}

#[test]
fn the_cli_runs_the_programme_with_its_contract() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("cli.sqlite3");
    let run = |args: &[&str], code: i32| -> Res<serde_json::Value> {
        let out = crate::cli()?
            .arg("--db")
            .arg(&db)
            .arg("--json")
            .args(args)
            .output()?;
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(serde_json::from_slice(&out.stdout)?)
    };
    run(&["demo"], 0)?;
    let list = run(&["programme", "list"], 0)?;
    assert_eq!(list.as_array().ok_or("list")?.len(), 2);
    let awards = run(&["award", "list", "--programme", "INVESTAI"], 0)?;
    let rhein = awards
        .as_array()
        .ok_or("awards")?
        .iter()
        .find(|a| a["acronym"] == "RHEIN-AI")
        .ok_or("RHEIN-AI")?["id"]
        .to_string();
    let refused = run(
        &[
            "tranche",
            "request",
            "--award",
            &rhein,
            "--tranche",
            "G-INT1",
        ],
        1,
    )?;
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("CONTRACT")),
        "{refused}"
    );
    run(
        &[
            "award",
            "agreement",
            &rhein,
            "--kind",
            "hosting",
            "--signed",
            "2026-11-02",
            "--reference",
            "HA-1",
        ],
        0,
    )?;
    let ev = dir.path().join("hosting.pdf");
    std::fs::write(&ev, "the signed hosting agreement")?;
    run(
        &[
            "milestone",
            "update",
            "--award",
            &rhein,
            "--milestone",
            "HOSTING",
            "--actual",
            "2026-11-02",
            "--evidence",
            ev.to_str().ok_or("path")?,
        ],
        0,
    )?;
    let v = run(
        &[
            "milestone",
            "verify",
            "--award",
            &rhein,
            "--milestone",
            "HOSTING",
        ],
        0,
    )?;
    assert_eq!(v["state"], "verified");
    run(
        &[
            "award",
            "agreement",
            &rhein,
            "--kind",
            "grant",
            "--signed",
            "2026-11-20",
            "--reference",
            "GA-1",
        ],
        0,
    )?;
    for step in ["request", "approve", "pay"] {
        run(
            &["tranche", step, "--award", &rhein, "--tranche", "G-PRE"],
            0,
        )?;
    }
    let shown = run(&["award", "show", &rhein], 0)?;
    assert_eq!(shown["paid"], 24_000_000_000i64);
    let amended = run(
        &[
            "award",
            "amend",
            &rhein,
            "--kind",
            "extension",
            "--days",
            "30",
            "--dated",
            "2026-11-30",
            "--asked-by",
            "coordinator",
            "--approved-by",
            "head of unit",
            "--reason",
            "grid works",
        ],
        0,
    )?;
    assert_eq!(amended["kind"], "extension");
    let portfolio = run(&["programme", "portfolio", "INVESTAI"], 0)?;
    let paid: i64 = portfolio["by_source"]
        .as_array()
        .ok_or("rows")?
        .iter()
        .map(|r| r["paid"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(paid, 24_000_000_000);
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "code = \"X\"\n")?;
    let e = run(&["programme", "import", bad.to_str().ok_or("path")?], 1)?;
    assert!(
        e["error"]["problems"][0]["location"]["file"] == "bad.toml",
        "{e}"
    );
    Ok(())
}

/// The number of pages pdftoppm draws (each page rendered to a PNG).
fn rendered_pages(pdf: &Path, dir: &Path) -> Res<usize> {
    let prefix = dir.join(format!(
        "page-{}",
        pdf.file_stem().and_then(|s| s.to_str()).unwrap_or("x")
    ));
    let out = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "20"])
        .arg(pdf)
        .arg(&prefix)
        .output()?;
    assert!(out.status.success(), "pdftoppm failed on {}", pdf.display());
    let stem = prefix
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    Ok(std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| {
            let n = e.file_name().to_string_lossy().to_string();
            n.starts_with(&stem) && n.ends_with(".png")
        })
        .count())
}

#[test]
fn the_portfolio_report_and_the_award_sheet_read_right_in_both_languages_and_verify() -> TestResult
{
    let dir = tempfile::tempdir()?;
    let mut store = demo(dir.path())?;
    let day = date("2026-12-01")?;
    let p = prog::portfolio(&store, "EUROHPC-AIF", day)?;
    let committed: Eur = p.by_source.iter().map(|r| r.committed).sum();
    let paid: Eur = p.by_source.iter().map(|r| r.paid).sum();
    // pdftotext gives the narrow no-break space of French thousands as a space.
    let eur = |v: Eur, lang: &str| {
        gigafund::report::format::eur_m(v.as_euros_f64(), lang).replace('\u{202f}', " ")
    };

    let en = prog::portfolio_report(&store, "EUROHPC-AIF", "en", day)?;
    assert!(
        en == prog::portfolio_report(&store, "EUROHPC-AIF", "en", day)?,
        "the same data and date give the same bytes"
    );
    let fr = prog::portfolio_report(&store, "EUROHPC-AIF", "fr", day)?;
    let (en_pdf, fr_pdf) = (
        dir.path().join("portfolio-en.pdf"),
        dir.path().join("portfolio-fr.pdf"),
    );
    std::fs::write(&en_pdf, &en)?;
    std::fs::write(&fr_pdf, &fr)?;
    let text = crate::report::pdftotext(&en_pdf)?;
    for expected in [
        "Programme portfolio",
        "EUROHPC-AIF — EuroHPC AI Factories and Antennas",
        "The envelope",
        "Digital Europe Programme",
        &eur(committed, "en"),
        &eur(paid, "en"),
        "Leverage",
        "Disbursement forecast",
        "Awards by Member State",
        "Germany (DE)",
        "JUPITER",
        "Next milestone of each award",
        "Schedule risk",
        "10,000 paths (seed 1)",
        "No payment is suspended.",
    ] {
        assert!(
            text.contains(expected),
            "the English report says {expected:?}"
        );
    }
    let text = crate::report::pdftotext(&fr_pdf)?;
    for expected in [
        "Portefeuille du programme",
        "L’enveloppe",
        "Europe numérique",
        &eur(committed, "fr"),
        "Subventions par État membre",
        "Allemagne (DE)",
        "Prévision des décaissements",
    ] {
        assert!(
            text.contains(expected),
            "the French report says {expected:?}"
        );
    }
    assert!(
        text.split_whitespace()
            .all(|w| !w.starts_with("programme.")),
        "no text key shows in place of its words"
    );
    assert!(
        rendered_pages(&en_pdf, dir.path())? >= 4,
        "the pages render"
    );

    // The award sheet: JUPITER's recorded chain, in both languages.
    let jupiter = award_of(&store, "JUPITER")?;
    let sheet = prog::award_report(&store, jupiter, "en", day)?;
    assert!(sheet == prog::award_report(&store, jupiter, "en", day)?);
    let sheet_pdf = dir.path().join("award-en.pdf");
    std::fs::write(&sheet_pdf, &sheet)?;
    let text = crate::report::pdftotext(&sheet_pdf)?;
    for expected in [
        "Award sheet",
        "JUPITER",
        "Hosting agreement",
        "Acceptance tests",
        "Pre-financing",
        "Final payment",
        "Grant agreement",
        "€250.0m",
    ] {
        assert!(text.contains(expected), "the award sheet says {expected:?}");
    }
    let sheet_fr = dir.path().join("award-fr.pdf");
    std::fs::write(&sheet_fr, prog::award_report(&store, jupiter, "fr", day)?)?;
    let text = crate::report::pdftotext(&sheet_fr)?;
    for expected in [
        "Fiche de subvention",
        "Convention d’hébergement",
        "Préfinancement",
        "250,0 M€",
    ] {
        assert!(
            text.contains(expected),
            "the French award sheet says {expected:?}"
        );
    }
    assert!(rendered_pages(&sheet_pdf, dir.path())? >= 2);

    // `report verify`: both match now; a tranche moved changes the data both are made from.
    for f in [&en_pdf, &sheet_pdf] {
        let check = gigafund::app::reports::verify_report(&store, f)?;
        assert!(check.matches, "{}", check.message);
    }
    let adria = award_of(&store, "ADRIA-AIF")?;
    prog::record_agreement(
        &mut store,
        &on("2026-12-01")?,
        adria,
        AgreementKind::Grant,
        day,
        "grant agreement",
    )?;
    let check = gigafund::app::reports::verify_report(&store, &en_pdf)?;
    assert!(
        !check.data_matches,
        "a new agreement moves the envelope's contracted column"
    );
    assert!(
        check
            .message
            .contains("no longer matches the portfolio of programme EUROHPC-AIF")
            || !check.matches
    );
    let check = gigafund::app::reports::verify_report(&store, &sheet_pdf)?;
    assert!(
        check.matches,
        "JUPITER's sheet is untouched by another award: {}",
        check.message
    );
    Ok(())
}

#[test]
fn the_schedule_and_milestone_table_export_as_xlsx_and_csv_with_formulas_neutralised() -> TestResult
{
    use calamine::{Data, Reader};
    let dir = tempfile::tempdir()?;
    let mut store = demo(dir.path())?;
    let day = date("2026-12-01")?;
    let rhein = award_of(&store, "RHEIN-AI")?;
    // An evidence file whose name a spreadsheet would run as a formula.
    let name = "=WEBSERVICE(\"example.invalid\") signed.pdf";
    let path = evidence(dir.path(), name)?;
    prog::update_milestone(
        &mut store,
        &on("2026-12-01")?,
        rhein,
        "HOSTING",
        &MilestoneChange::Actual {
            date: day,
            evidence: path,
        },
    )?;

    let schedule = prog::programme_table(
        &store,
        "INVESTAI",
        prog::ProgrammeTable::Schedule,
        "en",
        day,
    )?;
    let awards = prog::awards(&store, Some("INVESTAI"), day)?;
    let tranches: usize = awards
        .iter()
        .map(|a| prog::show_award(&store, a.id, "en", day).map(|d| d.tranches.len()))
        .sum::<gigafund::Result<usize>>()?;
    assert_eq!(
        schedule.rows.len(),
        tranches,
        "every tranche of every award"
    );
    let csv_path = dir.path().join("schedule.csv");
    schedule.write(&csv_path, false)?;
    let mut r = csv::Reader::from_path(&csv_path)?;
    let amount = r
        .headers()?
        .iter()
        .position(|h| h == "Amount (€)")
        .ok_or("no amount column")?;
    let mut total = 0.0;
    for row in r.records() {
        total += row?.get(amount).ok_or("amount")?.parse::<f64>()?;
    }
    let eu: f64 = awards.iter().map(|a| a.eu.as_euros_f64()).sum();
    assert!(
        (total - eu).abs() < 0.005,
        "the tranches sum to the EU contributions: {total} vs {eu}"
    );
    assert!(
        matches!(
            schedule.write(&csv_path, false),
            Err(gigafund::Error::Conflict(_))
        ),
        "an export is never written over a file"
    );

    let table = prog::programme_table(
        &store,
        "INVESTAI",
        prog::ProgrammeTable::Milestones,
        "fr",
        day,
    )?;
    let csv_path = dir.path().join("jalons.csv");
    table.write(&csv_path, false)?;
    let text = std::fs::read_to_string(&csv_path)?;
    assert!(
        text.starts_with("Subvention,État,Jalon,Référence,Prévision"),
        "{}",
        &text[..80]
    );
    assert!(
        text.contains(&format!("\"'{}\"", name.replace('"', "\"\""))),
        "the formula-like name is kept behind an apostrophe"
    );
    assert!(
        !text
            .lines()
            .any(|l| l.split(',').any(|c| c.starts_with('='))),
        "no CSV cell starts with ="
    );

    let xlsx_path = dir.path().join("jalons.xlsx");
    table.write(&xlsx_path, false)?;
    let mut wb = calamine::open_workbook_auto(&xlsx_path)?;
    let sheet = wb.sheet_names().first().cloned().ok_or("no sheet")?;
    assert_eq!(sheet, "Jalons");
    let range = wb.worksheet_range(&sheet)?;
    let formulas = wb.worksheet_formula(&sheet)?;
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no cell is a formula"
    );
    let cell = range
        .rows()
        .flat_map(|r| r.iter())
        .find(|c| matches!(c, Data::String(s) if s == name));
    assert!(cell.is_some(), "the evidence's name is kept as text, whole");
    assert!(
        range
            .rows()
            .skip(1)
            .all(|r| matches!(r.get(3), Some(Data::DateTime(_) | Data::Float(_)))),
        "baselines are dates, not text"
    );
    assert_eq!(range.height(), table.rows.len() + 1);
    Ok(())
}

fn risk(
    store: &Store,
    code: &str,
    paths: usize,
    seed: u64,
    params: Option<&gigafund::programme::template::ScheduleRisk>,
) -> Res<gigafund::programme::risk::ScheduleRisk> {
    let never = std::sync::atomic::AtomicBool::new(false);
    Ok(prog::schedule_risk(
        store,
        code,
        date("2026-12-01")?,
        paths,
        seed,
        params,
        &|_, _| {},
        &never,
    )?)
}

#[test]
fn schedule_risk_with_zero_width_distributions_is_the_deterministic_forecast() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = demo(dir.path())?;
    let fixed = gigafund::programme::template::ScheduleRisk {
        optimistic: 1.0,
        likely: 1.0,
        pessimistic: 1.0,
        target: "OPERATIONAL".into(),
        target_date: None,
    };
    for code in ["EUROHPC-AIF", "INVESTAI"] {
        let r = risk(&store, code, 500, 7, Some(&fixed))?;
        assert!(!r.awards.is_empty());
        for a in &r.awards {
            let expected = if a.forecast <= a.target { 1.0 } else { 0.0 };
            assert_eq!(a.probability, expected, "{}: {a:?}", a.acronym);
            assert_eq!((a.p10, a.p50, a.p90), (a.forecast, a.forecast, a.forecast));
        }
        for y in &r.years {
            assert_eq!(
                (y.p10, y.p50, y.p90),
                (y.forecast, y.forecast, y.forecast),
                "{y:?}"
            );
        }
        // The yearly forecast holds every unpaid euro of the active awards, once.
        let day = date("2026-12-01")?;
        let unpaid: Eur = prog::awards(&store, Some(code), day)?
            .iter()
            .filter(|a| a.status == AwardStatus::Active)
            .map(|a| {
                prog::show_award(&store, a.id, "en", day).map(|d| {
                    d.tranches
                        .iter()
                        .filter(|t| t.tranche.state != TrancheState::Paid)
                        .map(|t| t.tranche.amount - t.tranche.paid)
                        .sum::<Eur>()
                })
            })
            .sum::<gigafund::Result<Eur>>()?;
        assert_eq!(r.years.iter().map(|y| y.forecast).sum::<Eur>(), unpaid);
    }
    // JUPITER is operational already (on 5 September 2025, after its baseline): its date is
    // that one on every path, whatever the draws.
    let r = risk(&store, "EUROHPC-AIF", 500, 7, None)?;
    let jupiter = r
        .awards
        .iter()
        .find(|a| a.acronym == "JUPITER")
        .ok_or("JUPITER")?;
    let done = date("2025-09-05")?;
    assert_eq!(
        (jupiter.p10, jupiter.p90, jupiter.forecast),
        (done, done, done)
    );
    assert_eq!(
        jupiter.probability,
        if done <= jupiter.target { 1.0 } else { 0.0 }
    );
    Ok(())
}

#[test]
fn schedule_risk_is_the_same_on_one_and_two_threads_and_moves_with_its_distributions() -> TestResult
{
    let dir = tempfile::tempdir()?;
    let store = demo(dir.path())?;
    let on = |threads: usize| -> Res<gigafund::programme::risk::ScheduleRisk> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        // The store is not shared between threads: each run opens the file itself.
        let path = dir.path().join("programme.sqlite3");
        Ok(pool.install(|| {
            Store::open(&path)
                .map_err(|e| e.to_string())
                .and_then(|s| risk(&s, "EUROHPC-AIF", 4_000, 42, None).map_err(|e| e.to_string()))
        })?)
    };
    let one = on(1)?;
    let two = on(2)?;
    assert_eq!(
        one, two,
        "the same seed gives the same figures on 1 and 2 threads"
    );
    assert_ne!(
        one,
        risk(&store, "EUROHPC-AIF", 4_000, 43, None)?,
        "another seed, other draws"
    );
    // Uncertain awards: the default spread (0.9 / 1 / 1.5) gives probabilities strictly
    // between 0 and 1 for some; a more pessimistic spread never raises any of them.
    assert!(
        one.awards
            .iter()
            .any(|a| a.probability > 0.0 && a.probability < 1.0)
    );
    let worse = gigafund::programme::template::ScheduleRisk {
        pessimistic: 3.0,
        ..one.params.clone()
    };
    let w = risk(&store, "EUROHPC-AIF", 4_000, 42, Some(&worse))?;
    for (a, b) in one.awards.iter().zip(&w.awards) {
        assert!(
            b.probability <= a.probability,
            "{}: {} → {}",
            a.acronym,
            a.probability,
            b.probability
        );
        assert!(b.p90 >= a.p90);
    }
    for y in &one.years {
        assert!(y.p10 <= y.p50 && y.p50 <= y.p90, "{y:?}");
    }
    // Bounds: no path, or too many, is refused with the rule.
    let p = refused(prog::schedule_risk(
        &store,
        "EUROHPC-AIF",
        date("2026-12-01")?,
        0,
        1,
        None,
        &|_, _| {},
        &std::sync::atomic::AtomicBool::new(false),
    ))?;
    assert!(p[0].rule.contains("between 1 and 200,000 paths"));
    // Cancelled: an error that says so, nothing half-computed.
    let cancel = std::sync::atomic::AtomicBool::new(true);
    assert!(matches!(
        prog::schedule_risk(
            &store,
            "EUROHPC-AIF",
            date("2026-12-01")?,
            100,
            1,
            None,
            &|_, _| {},
            &cancel
        ),
        Err(Error::Cancelled(_))
    ));
    Ok(())
}

#[test]
fn a_payment_suspension_blocks_the_tranches_until_lifted_and_deviations_are_kept() -> TestResult {
    use gigafund::programme::{DeviationAction, DeviationKind};
    let dir = tempfile::tempdir()?;
    let mut store = demo(dir.path())?;
    let office = on("2026-12-01")?;
    let rhein = award_of(&store, "RHEIN-AI")?;
    prog::record_agreement(
        &mut store,
        &office,
        rhein,
        AgreementKind::Grant,
        date("2026-12-01")?,
        "grant",
    )?;
    let req = |action, amount: Option<Eur>| -> Res<prog::DeviationRequest> {
        Ok(prog::DeviationRequest {
            kind: DeviationKind::LateReport,
            subject: "annual report 2026".into(),
            found: "the 2026 monitoring workbook was not received by 31 January".into(),
            action,
            amount,
            reason: "no report, no payment until it is received".into(),
            decided_by: "Head of unit, AI infrastructure".into(),
            dated: date("2026-12-01")?,
        })
    };
    // A reduction without its amount: refused with the rule, nothing stored.
    let before = audit_len(&store)?;
    let p = refused(prog::record_deviation(
        &mut store,
        &office,
        rhein,
        &req(DeviationAction::Reduction, None)?,
    ))?;
    assert!(p.iter().any(|x| x.rule.contains("states its amount")));
    assert_eq!(audit_len(&store)?, before);

    let d = prog::record_deviation(
        &mut store,
        &office,
        rhein,
        &req(DeviationAction::PaymentSuspension, None)?,
    )?;
    // The pre-financing's gate is open, but the suspension stands: refused, naming it.
    let p = refused(prog::tranche_action(
        &mut store,
        &office,
        rhein,
        "G-PRE",
        TrancheAction::Request,
        "",
    ))?;
    assert!(
        p[0].rule.contains(&format!(
            "payment suspension decided on 2026-12-01 stands (deviation {}",
            d.id
        )),
        "{}",
        p[0].rule
    );
    let stored = prog::show_award(&store, rhein, "en", date("2026-12-01")?)?;
    assert_eq!(
        stored.tranches[0].tranche.state,
        TrancheState::Planned,
        "nothing stored"
    );
    assert!(stored.deviations[0].blocking());
    // The award sheet and the portfolio report say it stands.
    let sheet = dir.path().join("sheet.pdf");
    std::fs::write(
        &sheet,
        prog::award_report(&store, rhein, "en", date("2026-12-01")?)?,
    )?;
    let text = crate::report::pdftotext(&sheet)?;
    assert!(text.contains("Deviations and actions"), "{text}");
    assert!(text.contains("Payment suspension") && text.contains("stands"));
    let report = dir.path().join("portfolio.pdf");
    std::fs::write(
        &report,
        prog::portfolio_report(&store, "INVESTAI", "fr", date("2026-12-01")?)?,
    )?;
    let text = crate::report::pdftotext(&report)?;
    assert!(text.contains("Suspensions en vigueur"));
    assert!(text.contains("Suspension des") && text.contains("RHEIN-AI"));

    // Lifted once, with who and why; the release goes through; a second lift is refused.
    let lifted = prog::lift_deviation(
        &mut store,
        &office,
        rhein,
        d.id,
        "Head of unit",
        "report received",
    )?;
    assert_eq!(lifted.lifted_on, Some(date("2026-12-01")?));
    prog::tranche_action(
        &mut store,
        &office,
        rhein,
        "G-PRE",
        TrancheAction::Request,
        "",
    )?;
    let p = refused(prog::lift_deviation(
        &mut store,
        &office,
        rhein,
        d.id,
        "Head of unit",
        "again",
    ))?;
    assert!(
        p[0].rule
            .contains("only a suspension that stands is lifted")
    );

    // The record itself is never rewritten or deleted, even by hand in SQL.
    for sql in [
        "UPDATE deviations SET reason = 'nothing happened'",
        "DELETE FROM deviations",
        "UPDATE deviations SET lifted_on = NULL",
    ] {
        assert!(store.conn().execute(sql, []).is_err(), "{sql} is refused");
    }
    let kept = prog::show_award(&store, rhein, "en", date("2026-12-01")?)?.deviations;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].reason, "no report, no payment until it is received");
    assert_eq!(kept[0].lift_reason.as_deref(), Some("report received"));
    Ok(())
}

#[test]
fn the_early_warnings_list_suspensions_then_overdue_milestones_then_late_tranches() -> TestResult {
    use gigafund::app::programme::WarningKind;
    use gigafund::programme::{DeviationAction, DeviationKind};
    let dir = tempfile::tempdir()?;
    let mut store = demo(dir.path())?;
    let day = date("2026-12-01")?;
    // By hand: every open milestone of an active award whose forecast has passed.
    let mut overdue = 0;
    let mut late = 0;
    for a in prog::awards(&store, Some("EUROHPC-AIF"), day)? {
        let d = prog::show_award(&store, a.id, "en", day)?;
        overdue += d
            .milestones
            .iter()
            .filter(|m| m.milestone.actual.is_none() && m.milestone.forecast < day)
            .count();
        late += d.tranches.iter().filter(|t| t.late).count();
    }
    let list = prog::early_warnings(&store, "EUROHPC-AIF", "en", day)?;
    let count = |k| list.iter().filter(|w| w.kind == k).count();
    assert!(overdue > 0, "the demo has overdue milestones");
    assert_eq!(count(WarningKind::MilestoneOverdue), overdue);
    assert_eq!(count(WarningKind::TrancheLate), late);
    assert_eq!(count(WarningKind::SuspensionStands), 0);
    // Gravest first, then the longest overdue.
    let days: Vec<i64> = list
        .iter()
        .filter(|w| w.kind == WarningKind::MilestoneOverdue)
        .map(|w| w.days)
        .collect();
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "{days:?}");

    let adria = award_of(&store, "ADRIA-AIF")?;
    prog::record_deviation(
        &mut store,
        &on("2026-12-01")?,
        adria,
        &prog::DeviationRequest {
            kind: DeviationKind::MilestoneAtRisk,
            subject: "HOSTING".into(),
            found: "no hosting agreement six months after selection".into(),
            action: DeviationAction::PaymentDeadlineSuspension,
            amount: None,
            reason: "the hosting agreement is not signed".into(),
            decided_by: "Programme office".into(),
            dated: day,
        },
    )?;
    let list = prog::early_warnings(&store, "EUROHPC-AIF", "en", day)?;
    assert_eq!(list[0].kind, WarningKind::SuspensionStands);
    assert_eq!(list[0].acronym, "ADRIA-AIF");
    // The portfolio report prints the list.
    let pdf = dir.path().join("warnings.pdf");
    std::fs::write(
        &pdf,
        prog::portfolio_report(&store, "EUROHPC-AIF", "en", day)?,
    )?;
    let text = crate::report::pdftotext(&pdf)?;
    assert!(text.contains("Early warnings"));
    assert!(text.contains("Suspension stands"));
    assert!(text.contains("Milestone overdue"));
    Ok(())
}
