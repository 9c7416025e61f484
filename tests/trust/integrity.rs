//! Integrity of scores and state transitions: every guard runs inside the write it guards.

use super::Res;
use crate::{TestResult, actor};
use gigafund::app::evaluation::{self as ev, ConflictTarget};
use gigafund::evaluation::{CallData, assign, scoring};
use gigafund::model::{Actor, ConflictKind};
use gigafund::store::{self, Store};
use gigafund::{Error, app};

const CALL: &str = "EUROHPC-AIFA-2026-01";
const COMMENT: &str = "Well argued, with evidence for every figure of the plan, the sites, the hardware, the costs and the financing.";

/// The antenna call assigned automatically (no scores yet).
fn assigned() -> Res<Store> {
    let mut store = Store::open_in_memory()?;
    let mut files = gigafund::demo::DemoFiles::embedded();
    files.evaluation = None;
    gigafund::demo::load(&mut store, &actor(), &files)?;
    assign::auto(&mut store, &actor(), CALL)?;
    Ok(store)
}

fn score_all(store: &mut Store, bid: i64, evaluator: i64) -> TestResult {
    let call = store::calls::by_code(store.conn(), CALL)?;
    for c in &call.criteria {
        scoring::set(
            store,
            &actor(),
            CALL,
            &scoring::ScoreInput {
                bid_id: bid,
                evaluator_id: evaluator,
                criterion: c.code.clone(),
                score: 3.0,
                comment: COMMENT.into(),
            },
        )?;
    }
    Ok(())
}

#[test]
fn regression_a_score_after_its_submission_and_a_second_submission_are_plain_refusals() -> TestResult
{
    let mut store = assigned()?;
    let a = CallData::load(store.conn(), CALL)?.assignments[0].clone();
    score_all(&mut store, a.bid_id, a.evaluator_id)?;
    scoring::submit(&mut store, &actor(), CALL, a.bid_id, a.evaluator_id)?;
    let call = store::calls::by_code(store.conn(), CALL)?;
    let late = scoring::set(
        &mut store,
        &actor(),
        CALL,
        &scoring::ScoreInput {
            bid_id: a.bid_id,
            evaluator_id: a.evaluator_id,
            criterion: call.criteria[0].code.clone(),
            score: 1.0,
            comment: COMMENT.into(),
        },
    )
    .err()
    .ok_or("a score written after the submission")?;
    assert!(matches!(late, Error::Conflict(_)), "{late:?}");
    let twice = scoring::submit(&mut store, &actor(), CALL, a.bid_id, a.evaluator_id)
        .err()
        .ok_or("submitted twice")?;
    assert!(
        matches!(&twice, Error::Conflict(m) if m.contains("already submitted")),
        "a clear refusal, never a constraint failure: {twice:?}"
    );
    assert_eq!(twice.exit_code(), 1);
    // A comment beyond its limit is refused with its length.
    let long = scoring::set(
        &mut store,
        &actor(),
        CALL,
        &scoring::ScoreInput {
            bid_id: a.bid_id,
            evaluator_id: a.evaluator_id,
            criterion: call.criteria[0].code.clone(),
            score: 3.0,
            comment: "x".repeat(scoring::MAX_COMMENT + 1),
        },
    )
    .err()
    .ok_or("a 20,001-character comment")?;
    assert!(long.to_string().contains("at most"), "{long}");
    Ok(())
}

#[test]
fn regression_a_conflict_declared_after_assignment_suspends_it_and_a_replacement_is_planned()
-> TestResult {
    let mut store = assigned()?;
    let data = CallData::load(store.conn(), CALL)?;
    let a = data.assignments[0].clone();
    let bid = data.bids.iter().find(|b| b.id == a.bid_id).ok_or("bid")?;
    let e = store::evaluation::evaluator(store.conn(), a.evaluator_id)?;
    let organisation = bid.consortium.members[0].organisation.name.clone();
    let declared = ev::declare_conflict(
        &mut store,
        &actor(),
        &e.email,
        ConflictTarget::Organisation(&organisation),
        ConflictKind::AdvisoryRole,
        "Advises the coordinator since last month.",
    )?;
    assert!(
        declared
            .suspended
            .iter()
            .any(|s| s.bid_id == a.bid_id && s.evaluator_id == a.evaluator_id),
        "the assignment is suspended and the answer says so: {:?}",
        declared.suspended
    );
    // The expert can no longer score the bid.
    let call = store::calls::by_code(store.conn(), CALL)?;
    let refused = scoring::set(
        &mut store,
        &actor(),
        CALL,
        &scoring::ScoreInput {
            bid_id: a.bid_id,
            evaluator_id: a.evaluator_id,
            criterion: call.criteria[0].code.clone(),
            score: 3.0,
            comment: COMMENT.into(),
        },
    )
    .err()
    .ok_or("a suspended expert scores")?;
    assert!(
        refused.to_string().contains("suspended")
            || refused.to_string().contains("conflict of interest"),
        "{refused}"
    );
    // The planner gives the bid a replacement: it has its full panel again.
    let plan = assign::auto(&mut store, &actor(), CALL)?;
    assert!(!plan.added.is_empty(), "a replacement is planned");
    let data = CallData::load(store.conn(), CALL)?;
    let standing = data
        .assignments
        .iter()
        .filter(|x| x.bid_id == a.bid_id && x.suspended.is_none())
        .count();
    assert_eq!(standing, call.settings.min_evaluators_per_bid as usize);
    assert!(
        data.assignments
            .iter()
            .filter(|x| x.bid_id == a.bid_id && x.suspended.is_none())
            .all(|x| x.evaluator_id != a.evaluator_id)
    );
    Ok(())
}

#[test]
fn regression_a_late_submission_is_refused_and_the_grace_days_are_a_call_setting() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("g.sqlite3"))?;
    app::load_demo(&mut store, &actor(), None)?;
    let gf = "INVESTAI-AIGF-2026";
    let file = crate::repo_root().join("sample-data/workbooks/AURORA-GF.xlsx");
    let at = |day: &str| -> Res<Actor> {
        Ok(Actor::new(
            "test",
            chrono::DateTime::parse_from_rfc3339(&format!("{day}T10:00:00Z"))?
                .with_timezone(&chrono::Utc),
        ))
    };
    // The day after the deadline (2026-06-30): refused as a submission.
    let err = app::applicant::import_workbook(&mut store, &at("2026-07-01")?, &file, gf, true)
        .err()
        .ok_or("late")?;
    assert!(err.to_string().contains("closed"), "{err}");
    // With two grace days the same moment is in time.
    let mut call = store::calls::by_code(store.conn(), gf)?;
    call.settings.grace_days = 2;
    app::calls::update(
        &mut store,
        &actor(),
        gf,
        &call,
        Some("Two grace days after the portal outage."),
    )?;
    let ok = app::applicant::import_workbook(&mut store, &at("2026-07-01")?, &file, gf, true)?;
    assert_eq!(ok.status, gigafund::model::BidStatus::Submitted);
    // A template's grace period is bounded.
    call.settings.grace_days = 400;
    assert!(app::calls::update(&mut store, &actor(), gf, &call, Some("typo")).is_err());
    assert_eq!(
        store::calls::by_code(store.conn(), gf)?.settings.grace_days,
        2
    );
    Ok(())
}
