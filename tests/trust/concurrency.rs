//! State transitions under concurrency: two writers and a submitter, each a separate CLI
//! process on the same database file, racing for 30 seconds. No score may be written after
//! its pair's submission, and no process may end in an internal error.

use super::Res;
use crate::{TestResult, actor};
use gigafund::evaluation::{CallData, assign, scoring};
use gigafund::store::{self, Store};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const CALL: &str = "EUROHPC-AIFA-2026-01";
const COMMENT: &str = "Well argued, with evidence for every figure of the plan, the sites, the hardware, the costs and the financing.";

/// The antenna call assigned, every pair's scores drafted and complete, none submitted.
fn prepared(db: &Path) -> Res<Vec<(String, String, i64)>> {
    let mut store = Store::open(db)?;
    let mut files = gigafund::demo::DemoFiles::embedded();
    files.evaluation = None;
    gigafund::demo::load(&mut store, &actor(), &files)?;
    assign::auto(&mut store, &actor(), CALL)?;
    let data = CallData::load(store.conn(), CALL)?;
    let mut pairs = Vec::new();
    for a in &data.assignments {
        for c in &data.call.criteria {
            scoring::set(
                &mut store,
                &actor(),
                CALL,
                &scoring::ScoreInput {
                    bid_id: a.bid_id,
                    evaluator_id: a.evaluator_id,
                    criterion: c.code.clone(),
                    score: 3.0,
                    comment: COMMENT.into(),
                },
            )?;
        }
        let acronym = data.bid(a.bid_id).map(|b| b.acronym.clone()).ok_or("bid")?;
        let email = store::evaluation::evaluator(store.conn(), a.evaluator_id)?.email;
        pairs.push((acronym, email, a.evaluator_id));
    }
    Ok(pairs)
}

#[derive(Default)]
struct Tally {
    runs: AtomicUsize,
    refused: AtomicUsize,
}

/// Runs `args(i)` as CLI processes until `stop`; every exit must be 0 or 1 and no output
/// may show an internal error.
fn race(
    bin: PathBuf,
    db: PathBuf,
    stop: Arc<AtomicBool>,
    tally: Arc<Tally>,
    args: impl Fn(usize) -> Vec<String> + Send + 'static,
) -> std::thread::JoinHandle<Result<(), String>> {
    std::thread::spawn(move || {
        let mut i = 0;
        while !stop.load(Ordering::Relaxed) {
            let out = Command::new(&bin)
                .env_remove("GIGAFUND_DB")
                .arg("--db")
                .arg(&db)
                .args(args(i))
                .output()
                .map_err(|e| e.to_string())?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                Some(0) => {}
                Some(1) => {
                    tally.refused.fetch_add(1, Ordering::Relaxed);
                }
                code => return Err(format!("exit {code:?}: {stderr}")),
            }
            if stderr.contains("internal error") || stderr.contains("constraint") {
                return Err(format!("an internal error: {stderr}"));
            }
            tally.runs.fetch_add(1, Ordering::Relaxed);
            i += 1;
        }
        Ok(())
    })
}

#[test]
fn two_writers_and_a_submitter_racing_for_30_seconds_never_score_after_a_submission() -> TestResult
{
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("race.sqlite3");
    let pairs = Arc::new(prepared(&db)?);
    let bin = assert_cmd::cargo::cargo_bin("gigafund");
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let criteria: Arc<Vec<String>> = Arc::new(
        store::calls::by_code(Store::open(&db)?.conn(), CALL)?
            .criteria
            .iter()
            .map(|c| c.code.clone())
            .collect(),
    );
    let writer = |offset: usize, score: &'static str| {
        let (pairs, criteria) = (pairs.clone(), criteria.clone());
        move |i: usize| {
            let (acronym, email, _) = &pairs[(i + offset) % pairs.len()];
            let criterion = &criteria[i % criteria.len()];
            [
                "eval",
                "score",
                "--call",
                CALL,
                "--bid",
                acronym,
                "--criterion",
                criterion,
                "--score",
                score,
                "--comment",
                COMMENT,
                "--as",
                email,
            ]
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
        }
    };
    let submitter = {
        let pairs = pairs.clone();
        move |i: usize| {
            // Each pair is submitted twice in a row now and then: a repeated transition.
            let (acronym, email, _) = &pairs[(i / 2) % pairs.len()];
            [
                "eval", "submit", "--call", CALL, "--bid", acronym, "--as", email,
            ]
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
        }
    };
    let threads = vec![
        race(
            bin.clone(),
            db.clone(),
            stop.clone(),
            tally.clone(),
            writer(0, "4"),
        ),
        race(
            bin.clone(),
            db.clone(),
            stop.clone(),
            tally.clone(),
            writer(1, "2"),
        ),
        race(
            bin.clone(),
            db.clone(),
            stop.clone(),
            tally.clone(),
            submitter.clone(),
        ),
        race(bin, db.clone(), stop.clone(), tally.clone(), submitter),
    ];
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(200));
        if threads.iter().any(|t| t.is_finished()) {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().map_err(|_| "a racing thread panicked")??;
    }
    let runs = tally.runs.load(Ordering::Relaxed);
    assert!(runs > 40, "the race ran ({runs} processes)");
    assert!(
        tally.refused.load(Ordering::Relaxed) > 0,
        "some writes came after submissions and were refused"
    );

    // The log says in what order things happened: no score entry of a pair after its
    // submission entry.
    let store = Store::open(&db)?;
    let entries = store::audit::entries(store.conn())?;
    let mut submitted: std::collections::HashMap<String, i64> = Default::default();
    let mut violations = Vec::new();
    for e in &entries {
        match e.entity.as_str() {
            "submission" => {
                assert!(
                    submitted.insert(e.entity_id.clone(), e.seq).is_none(),
                    "a pair submitted twice: {}",
                    e.entity_id
                );
            }
            "score" => {
                let pair = e
                    .entity_id
                    .rsplit_once(':')
                    .map(|x| x.0)
                    .unwrap_or_default();
                if let Some(s) = submitted.get(pair)
                    && e.action != "score.submit"
                    && e.after.as_deref().is_some_and(|a| a.contains("\"draft\""))
                {
                    violations.push(format!("{} after submission {s}", e.seq));
                }
            }
            _ => {}
        }
    }
    assert!(violations.is_empty(), "{violations:?}");
    assert!(!submitted.is_empty(), "pairs were submitted");
    assert!(gigafund::app::verify(&store)?.ok);
    Ok(())
}
