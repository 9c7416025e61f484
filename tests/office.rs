//! The programme office's operations the app and the CLI share: calls created from a
//! template and edited as versions, submissions taken in many at a time, the assignment
//! matrix and its manual changes, public keys, package headers and the audit log.

use crate::{TestResult, actor, repo_root};
use gigafund::app::{self, audit, calls, evaluation as ev, intake};
use gigafund::error::Error;
use gigafund::evaluation::{self, CallData, assign, package, scoring};
use gigafund::model::{AssignmentRole, Eur};
use gigafund::store::{self, Store};
use std::path::Path;

const ANTENNA: &str = "EUROHPC-AIFA-2026-01";

fn new_antenna(store: &mut Store) -> Result<gigafund::model::Call, Box<dyn std::error::Error>> {
    let t = calls::templates()?
        .into_iter()
        .find(|t| t.file == "ai-factory-antenna.toml")
        .ok_or("the antenna template is shipped")?;
    Ok(calls::create(
        store,
        &actor(),
        &calls::NewCall {
            template: t.file,
            code: ANTENNA.into(),
            title: t.call.title,
            opens: t.call.opens,
            deadline: t.call.deadline,
            budget: t.call.budget,
        },
    )?)
}

fn field_of(e: &Error) -> Vec<String> {
    match e {
        Error::Invalid(p) => p
            .iter()
            .map(|p| {
                format!(
                    "{}.{}",
                    p.location.sheet.as_deref().unwrap_or(""),
                    p.location.field.as_deref().unwrap_or("")
                )
            })
            .collect(),
        other => vec![format!("not a validation error: {other}")],
    }
}

#[test]
fn a_call_created_from_a_template_is_version_1_and_edits_are_versions() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("office.sqlite3"))?;
    let call = new_antenna(&mut store)?;
    assert_eq!(call.criteria.len(), 3, "the template's three criteria");
    assert_eq!(calls::versions(&store, ANTENNA)?.len(), 1);

    // The same code twice is refused, and a bad form is refused field by field.
    let again = new_antenna(&mut store);
    assert!(matches!(again, Err(e) if e.to_string().contains("already")));
    let mut bad = call.clone();
    bad.criteria[1].weight = 0.0;
    bad.criteria[2].code = bad.criteria[0].code.clone();
    bad.settings.step = 0.3;
    let refused = calls::check_edit(&store, ANTENNA, &bad)
        .err()
        .ok_or("refused")?;
    let fields = field_of(&refused);
    for f in [
        "criterion[2].weight",
        "criterion[3].code",
        "evaluation.step",
    ] {
        assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
    }

    // Before any score, a ranking rule changes without a reason.
    let mut edit = call.clone();
    edit.budget = Eur::from_euros(45_000_000).ok_or("eur")?;
    edit.criteria[2].weight = 2.0;
    let check = calls::check_edit(&store, ANTENNA, &edit)?;
    assert!(!check.scoring_started && !check.needs_reason);
    assert_eq!(
        check
            .changes
            .iter()
            .map(|c| (c.field.as_str(), c.after.as_str()))
            .collect::<Vec<_>>(),
        vec![("budget", "45000000.00"), ("criterion.weight", "2")]
    );
    let v = calls::update(&mut store, &actor(), ANTENNA, &edit, None)?;
    assert_eq!(v.version, 2);
    assert_eq!(app::call(&store, ANTENNA)?.criteria[2].weight, 2.0);
    let unchanged = calls::update(&mut store, &actor(), ANTENNA, &edit, None);
    assert!(
        matches!(unchanged, Err(Error::Conflict(_))),
        "nothing to save"
    );
    let history = store::audit::history(store.conn(), "call", ANTENNA)?;
    assert_eq!(
        history
            .iter()
            .map(|e| e.action.as_str())
            .collect::<Vec<_>>(),
        vec!["call.import", "call.update"]
    );

    // The exported file reads back to the same call (the CLI's edit loop).
    let text = gigafund::ingest::call_template::to_toml(&app::call(&store, ANTENNA)?)?;
    let read = gigafund::ingest::call_template::parse("x.toml", &text)?;
    let stored = app::call(&store, ANTENNA)?;
    assert_eq!(
        gigafund::model::Call {
            id: stored.id,
            ..read
        },
        stored,
        "call export and parse are inverse"
    );
    Ok(())
}

#[test]
fn once_scoring_has_started_a_ranking_change_needs_its_reason_and_keeps_scores_valid() -> TestResult
{
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("office.sqlite3"))?;
    app::load_demo(&mut store, &actor(), None)?;
    let code = "EUROHPC-AIFA-2026-01";
    let call = app::call(&store, code)?;
    let before = std::fs::read(dir.path().join("office.sqlite3"))?;

    let mut edit = call.clone();
    edit.settings.overall_threshold = 11.0;
    let check = calls::check_edit(&store, code, &edit)?;
    assert!(check.scoring_started && check.needs_reason);
    let refused = calls::update(&mut store, &actor(), code, &edit, None)
        .err()
        .ok_or("refused without a reason")?;
    assert_eq!(field_of(&refused), vec![".reason"]);
    let blank = calls::update(&mut store, &actor(), code, &edit, Some("   "));
    assert!(blank.is_err(), "a blank reason is no reason");
    assert_eq!(
        std::fs::read(dir.path().join("office.sqlite3"))?,
        before,
        "a refused edit writes nothing"
    );
    let v = calls::update(
        &mut store,
        &actor(),
        code,
        &edit,
        Some("panel asked for a stricter threshold"),
    )?;
    assert_eq!(
        v.reason.as_deref(),
        Some("panel asked for a stricter threshold")
    );
    assert_eq!(v.version, 2, "the demo call's first version is recorded");
    assert_eq!(calls::versions(&store, code)?[0].call, call);

    // A wording change needs no reason even now.
    let mut words = app::call(&store, code)?;
    words.criteria[0].description = "Fit with the call.".into();
    assert!(!calls::check_edit(&store, code, &words)?.needs_reason);

    // Criteria cannot be added or removed, and the scale must keep every stored score.
    let mut more = app::call(&store, code)?;
    let mut extra = more.criteria[0].clone();
    extra.code = "EXTRA".into();
    more.criteria.push(extra);
    more.settings.overall_threshold = 10.0;
    let e = calls::check_edit(&store, code, &more)
        .err()
        .ok_or("refused")?;
    assert_eq!(field_of(&e), vec!["criterion.code"]);
    let mut coarse = app::call(&store, code)?;
    coarse.settings.step = 1.0;
    let e = calls::check_edit(&store, code, &coarse)
        .err()
        .ok_or("a half-point score is off a whole-point scale")?;
    assert_eq!(field_of(&e), vec!["evaluation.step"]);
    Ok(())
}

#[test]
fn many_submissions_are_taken_in_each_on_its_own_and_a_refused_file_stores_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    // The applicants' side: packages of the three antenna bids, made from their workbooks.
    let mut applicant = Store::open(&d.join("applicant.sqlite3"))?;
    new_antenna(&mut applicant)?;
    let inbox = d.join("inbox");
    let samples = repo_root().join("sample-data/workbooks");
    for acronym in ["LIFFEY-ANT", "DANUBE-ANT", "FJORD-ANT"] {
        app::applicant::package(
            &applicant,
            &actor(),
            &samples.join(format!("{acronym}.xlsx")),
            ANTENNA,
            &inbox.join(acronym),
        )?;
    }
    // A broken workbook, a text file and a renamed text file beside them.
    std::fs::copy(
        samples.join("broken/wrong-types.xlsx"),
        inbox.join("wrong-types.xlsx"),
    )?;
    std::fs::write(inbox.join("notes.txt"), "not a submission")?;
    std::fs::write(inbox.join("fake.zip"), "not a zip")?;

    let mut office = Store::open(&d.join("office.sqlite3"))?;
    new_antenna(&mut office)?;
    let files = intake::files_in(&inbox)?;
    assert_eq!(
        files.len(),
        5,
        "three packages, a workbook and a fake zip: {files:?}"
    );
    let mut results = Vec::new();
    for f in &files {
        results.push(intake::intake(
            &mut office,
            &actor(),
            Path::new(f),
            Some(ANTENNA),
            true,
        )?);
    }
    let imported: Vec<&str> = results
        .iter()
        .filter_map(|r| r.imported.as_ref().map(|o| o.acronym.as_str()))
        .collect();
    assert_eq!(imported, vec!["DANUBE-ANT", "FJORD-ANT", "LIFFEY-ANT"]);
    let refused: Vec<(&str, usize)> = results
        .iter()
        .filter(|r| r.imported.is_none())
        .map(|r| (r.file.as_str(), r.problems.len()))
        .collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(refused.iter().all(|(_, n)| *n > 0), "each refusal says why");
    let broken = results
        .iter()
        .find(|r| r.file == "wrong-types.xlsx")
        .ok_or("listed")?;
    assert!(
        broken
            .problems
            .iter()
            .any(|p| p.location.cell.is_some() && p.location.sheet.is_some()),
        "a workbook's problems carry their sheet and cell"
    );
    let rows = app::bid_rows(&office, Some(ANTENNA))?;
    assert_eq!(rows.len(), 3, "nothing of the refused files was stored");
    assert!(
        rows.iter()
            .all(|r| r.status == gigafund::model::BidStatus::Submitted)
    );
    // Taking the same packages in again changes nothing.
    let again = intake::intake(&mut office, &actor(), Path::new(&files[0]), None, true)?;
    assert!(again.imported.is_some_and(|o| o.unchanged));
    // A workbook without a call is refused, not guessed.
    let no_call = intake::intake(
        &mut office,
        &actor(),
        &samples.join("LIFFEY-ANT.xlsx"),
        None,
        true,
    )?;
    assert!(no_call.imported.is_none());
    Ok(())
}

#[test]
fn the_assignment_matrix_shows_panels_loads_and_conflicts_and_manual_changes_keep_scores()
-> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("office.sqlite3"))?;
    app::load_demo(&mut store, &actor(), None)?;
    let code = "INVESTAI-AIGF-2026";
    let m = assign::matrix(store.conn(), code)?;
    let data = CallData::load(store.conn(), code)?;
    assert_eq!(m.bids.len(), data.bids.len());
    assert_eq!(m.experts.len(), data.evaluators.len());
    let assigned = m.cells.iter().filter(|c| c.role.is_some()).count();
    assert_eq!(assigned, data.assignments.len());
    let loads: u32 = m.experts.iter().map(|e| e.load).sum();
    assert_eq!(loads as usize, assigned, "loads add up to the assignments");
    assert!(
        m.bids.iter().all(|b| b.has_rapporteur),
        "each demo bid has its rapporteur"
    );
    let findings = gigafund::evaluation::conflicts::find(&data);
    let conflicted = m.cells.iter().filter(|c| c.conflict.is_some()).count();
    let pairs: std::collections::HashSet<(i64, i64)> = findings
        .iter()
        .map(|f| (f.bid_id, f.evaluator_id))
        .collect();
    assert_eq!(conflicted, pairs.len(), "one cell per conflicted pair");

    // A conflicted pair is refused by hand, with its reason.
    let f = &findings[0];
    let refused = assign::manual(
        &mut store,
        &actor(),
        code,
        &f.bid_id.to_string(),
        &f.evaluator_id.to_string(),
        AssignmentRole::Expert,
    )
    .err()
    .ok_or("refused")?;
    assert!(
        refused.to_string().contains("conflict of interest"),
        "{refused}"
    );

    // Regression: making a scored expert the rapporteur used to delete and re-insert the
    // assignment, which its scores reference; the role now changes in place.
    let scored = data
        .assignments
        .iter()
        .find(|a| a.role == AssignmentRole::Expert)
        .ok_or("an expert")?
        .clone();
    let scores_before = store::evaluation::bid_scores(store.conn(), scored.bid_id)?;
    assign::make_rapporteur(
        &mut store,
        &actor(),
        code,
        &scored.bid_id.to_string(),
        &scored.evaluator_id.to_string(),
    )?;
    let panel = store::evaluation::bid_assignments(store.conn(), scored.bid_id)?;
    assert_eq!(
        panel
            .iter()
            .filter(|a| a.role == AssignmentRole::Rapporteur)
            .map(|a| a.evaluator_id)
            .collect::<Vec<_>>(),
        vec![scored.evaluator_id],
        "one rapporteur, the new one"
    );
    assert_eq!(
        store::evaluation::bid_scores(store.conn(), scored.bid_id)?,
        scores_before
    );
    // An expert who has scored cannot be removed; one who has not can.
    let e = assign::remove(
        &mut store,
        &actor(),
        code,
        &scored.bid_id.to_string(),
        &scored.evaluator_id.to_string(),
    )
    .err()
    .ok_or("refused")?;
    assert!(e.to_string().contains("already scored"), "{e}");
    Ok(())
}

#[test]
fn an_unscored_assignment_can_be_removed_and_the_planner_refills_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("office.sqlite3"))?;
    let mut files = gigafund::demo::DemoFiles::embedded();
    files.evaluation = None;
    gigafund::demo::load(&mut store, &actor(), &files)?;
    let code = "EUROHPC-AIF-2026-01";
    assign::auto(&mut store, &actor(), code)?;
    let a = CallData::load(store.conn(), code)?.assignments[0].clone();
    assign::remove(
        &mut store,
        &actor(),
        code,
        &a.bid_id.to_string(),
        &a.evaluator_id.to_string(),
    )?;
    let m = assign::matrix(store.conn(), code)?;
    assert_eq!(m.pending, 1, "the planner would add one expert back");
    let plan = assign::auto(&mut store, &actor(), code)?;
    assert_eq!(plan.added.len(), 1);
    assert_eq!(assign::matrix(store.conn(), code)?.pending, 0);
    Ok(())
}

#[test]
fn public_keys_come_as_text_or_as_the_experts_file_never_as_the_secret_one() -> TestResult {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let mut store = Store::open(&d.join("office.sqlite3"))?;
    app::load_demo(&mut store, &actor(), None)?;
    let roster = ev::roster(&store)?;
    let (a, b) = (&roster[0].evaluator, &roster[1].evaluator);
    let secret = d.join("secret.json");
    let public = package::new_key(&secret, crate::KEY_PASS, actor().at)?;
    let fp = package::fingerprint(&public)?;
    assert_eq!(fp.len(), 24, "five groups of four hex digits: {fp}");
    assert_eq!(fp, package::fingerprint(&public.to_uppercase())?);

    let refused = ev::register_key(&mut store, &actor(), &a.email, ev::KeySource::File(&secret));
    assert!(
        matches!(&refused, Err(e) if e.to_string().contains("signing key file")),
        "{refused:?}"
    );
    let file = d.join("public.json");
    std::fs::write(&file, package::public_key_file(Some(&b.email), &public)?)?;
    let wrong = ev::register_key(&mut store, &actor(), &a.email, ev::KeySource::File(&file));
    assert!(matches!(&wrong, Err(e) if e.to_string().contains(&b.email)));
    let row = ev::register_key(&mut store, &actor(), &b.email, ev::KeySource::File(&file))?;
    assert_eq!(row.fingerprint.as_deref(), Some(fp.as_str()));
    let pasted = ev::register_key(
        &mut store,
        &actor(),
        &a.email,
        ev::KeySource::Text(&format!("  {public}\n")),
    )?;
    assert_eq!(
        pasted.evaluator.public_key.as_deref(),
        Some(public.as_str())
    );
    let bad = ev::register_key(&mut store, &actor(), &a.email, ev::KeySource::Text("abc"));
    assert!(bad.is_err());
    Ok(())
}

#[test]
fn a_package_says_who_and_what_it_is_before_its_passphrase() -> TestResult {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let mut store = Store::open(&d.join("office.sqlite3"))?;
    app::load_demo(&mut store, &actor(), None)?;
    let code = "EUROHPC-AIFA-2026-01";
    let a = CallData::load(store.conn(), code)?.assignments[0].clone();
    let e = store::evaluation::evaluator(store.conn(), a.evaluator_id)?;
    let public = package::new_key(&d.join("k.json"), crate::KEY_PASS, actor().at)?;
    package::register_key(&mut store, &actor(), &e.email, &public)?;
    let out = d.join(package::file_name(code, &e.email, false));
    assert!(out.to_string_lossy().ends_with(".gfpackage"));
    let x = package::export(
        &mut store,
        &actor(),
        code,
        &e.email,
        "a long passphrase",
        &out,
        None,
    )?;
    let h = package::peek(&out)?;
    assert_eq!(
        (
            h.kind.as_str(),
            h.package_id.as_str(),
            h.call.as_str(),
            h.evaluator.as_str()
        ),
        ("package", x.package_id.as_str(), code, e.email.as_str())
    );
    let listed = ev::packages(&store, code)?;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].bids, x.bids);
    assert!(listed[0].returned_at.is_none());
    std::fs::write(d.join("junk.gfpackage"), "GIGAFUND-PACKAGE 1\nnot json\n")?;
    assert!(package::peek(&d.join("junk.gfpackage")).is_err());
    assert!(package::peek(&d.join("k.json")).is_err());
    Ok(())
}

#[test]
fn the_audit_log_filters_by_bid_evaluator_kind_and_date_a_page_at_a_time() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("office.sqlite3"))?;
    app::load_demo(&mut store, &actor(), None)?;
    let all = audit::query(&store, &audit::AuditFilter::default(), 0, 10)?;
    let entries = store::audit::entries(store.conn())?;
    assert_eq!(all.total as usize, entries.len());
    assert_eq!(all.rows.len(), 10);
    assert_eq!(all.rows[0].seq, entries.len() as i64, "newest first");
    let second = audit::query(&store, &audit::AuditFilter::default(), 10, 10)?;
    assert_eq!(
        second.rows[0].seq,
        all.rows[9].seq - 1,
        "pages follow each other"
    );

    let code = "INVESTAI-AIGF-2026";
    let data = CallData::load(store.conn(), code)?;
    let a = data.assignments[0].clone();
    let by_bid = audit::query(
        &store,
        &audit::AuditFilter {
            bid_id: Some(a.bid_id),
            ..Default::default()
        },
        0,
        1000,
    )?;
    assert!(by_bid.total > 0);
    assert!(by_bid.rows.iter().all(|r| r.bid_id == Some(a.bid_id)));
    let scores = store::evaluation::bid_scores(store.conn(), a.bid_id)?.len();
    let score_entries = by_bid.rows.iter().filter(|r| r.entity == "score").count();
    assert!(
        score_entries >= scores,
        "every score of the bid has its entries"
    );

    let mine = audit::query(
        &store,
        &audit::AuditFilter {
            evaluator_id: Some(a.evaluator_id),
            action: Some("score".into()),
            ..Default::default()
        },
        0,
        1000,
    )?;
    assert!(mine.total > 0);
    assert!(
        mine.rows
            .iter()
            .all(|r| r.evaluator_id == Some(a.evaluator_id) && r.action.starts_with("score."))
    );
    let of_call = audit::query(
        &store,
        &audit::AuditFilter {
            call: Some(code.into()),
            ..Default::default()
        },
        0,
        1000,
    )?;
    let other_bids: std::collections::HashSet<i64> = store::bids::current(store.conn())?
        .into_iter()
        .filter(|b| b.call_code != code)
        .map(|b| b.id)
        .collect();
    assert!(
        of_call
            .rows
            .iter()
            .all(|r| r.bid_id.is_none_or(|b| !other_bids.contains(&b)))
    );
    assert!(
        of_call.rows.iter().any(|r| r.entity == "call"),
        "the call's own entry is in its log"
    );
    let day = actor().at.date_naive();
    let today = audit::query(
        &store,
        &audit::AuditFilter {
            from: Some(day),
            to: Some(day),
            ..Default::default()
        },
        0,
        1,
    )?;
    assert_eq!(today.total, all.total, "the demo was loaded that day");
    let tomorrow = audit::query(
        &store,
        &audit::AuditFilter {
            from: day.succ_opt(),
            ..Default::default()
        },
        0,
        1,
    )?;
    assert_eq!(tomorrow.total, 0);
    let backwards = audit::query(
        &store,
        &audit::AuditFilter {
            from: day.succ_opt(),
            to: Some(day),
            ..Default::default()
        },
        0,
        1,
    );
    assert!(backwards.is_err());
    assert!(audit::actions(&store)?.contains(&"score.submit".to_string()));

    // A score's history comes from the same log.
    let s = &store::evaluation::bid_scores(store.conn(), a.bid_id)?[0];
    let h = scoring::history(
        store.conn(),
        evaluation::Viewer::Office,
        s.bid_id,
        s.evaluator_id,
        &s.criterion,
    )?;
    assert!(!h.is_empty());
    Ok(())
}

#[test]
fn a_returned_submission_held_by_a_score_conflict_is_made_when_the_conflict_is_resolved()
-> TestResult {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let mut office = Store::open(&d.join("office.sqlite3"))?;
    let mut files = gigafund::demo::DemoFiles::embedded();
    files.evaluation = None;
    gigafund::demo::load(&mut office, &actor(), &files)?;
    let code = ANTENNA;
    assign::auto(&mut office, &actor(), code)?;
    let data = CallData::load(office.conn(), code)?;
    let a = data.assignments[0].clone();
    let e = store::evaluation::evaluator(office.conn(), a.evaluator_id)?;
    let key = d.join("k.json");
    let public = package::new_key(&key, crate::KEY_PASS, actor().at)?;
    package::register_key(&mut office, &actor(), &e.email, &public)?;
    let pass = "a long enough passphrase";
    let pkg = d.join("p.gfpackage");
    package::export(&mut office, &actor(), code, &e.email, pass, &pkg, None)?;
    let mut own = Store::open(&d.join("own.sqlite3"))?;
    let opened = package::open(&mut own, &actor(), &pkg, pass)?;
    let acronym = data.bid(a.bid_id).ok_or("bid")?.acronym.clone();
    let local = evaluation::bid_id(own.conn(), code, &acronym)?;
    let comment = "A considered view of the proposal, its work plan, the hosting capacity, the costs and the risks, at length.";
    for c in &data.call.criteria {
        scoring::set(
            &mut own,
            &actor(),
            code,
            &scoring::ScoreInput {
                bid_id: local,
                evaluator_id: opened.evaluator_id,
                criterion: c.code.clone(),
                score: 4.0,
                comment: comment.into(),
            },
        )?;
    }
    scoring::submit(&mut own, &actor(), code, local, opened.evaluator_id)?;
    let ret = d.join("r.gfreturn");
    package::write_return(&mut own, &actor(), &key, crate::KEY_PASS, pass, &ret)?;
    // The office records another value of one score meanwhile.
    scoring::set(
        &mut office,
        &actor(),
        code,
        &scoring::ScoreInput {
            bid_id: a.bid_id,
            evaluator_id: a.evaluator_id,
            criterion: data.call.criteria[0].code.clone(),
            score: 2.0,
            comment: "Phoned in.".into(),
        },
    )?;
    let r = package::import_return(&mut office, &actor(), &ret, pass)?;
    assert_eq!(r.conflicts.len(), 1);
    assert!(r.submitted.is_empty(), "held while the conflict is open");
    assert_eq!(r.held.len(), 1);
    assert!(store::evaluation::submitted_at(office.conn(), a.bid_id, a.evaluator_id)?.is_none());
    let made = package::resolve(&mut office, &actor(), code, r.conflicts[0].id, true)?;
    assert_eq!(
        made.as_deref(),
        Some(acronym.as_str()),
        "the held submission is made"
    );
    assert!(store::evaluation::submitted_at(office.conn(), a.bid_id, a.evaluator_id)?.is_some());
    assert!(
        store::evaluation::bid_scores(office.conn(), a.bid_id)?
            .iter()
            .filter(|s| s.evaluator_id == a.evaluator_id)
            .all(|s| s.status == gigafund::model::ScoreStatus::Submitted && s.score == 4.0)
    );
    Ok(())
}
