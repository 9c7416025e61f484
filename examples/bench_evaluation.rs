//! Benchmark of the evaluation (issue: a call of 1,000 bids × 5 evaluators × 6 criteria
//! ranked with calibration and leave-one-out stability, from the database to JSON, under
//! 0.5 s on this 2-core machine). Run through `scripts/bench-evaluation.sh`. Builds the
//! database once (in a temporary directory), then times, from opening the file:
//! * `rank --calibration --json`: `evaluation::rank_call` + serialisation;
//! * a baseline in the same run: reading the same score and consensus rows to JSON.
//!
//! Prints one JSON document with the medians of 7 runs.

use gigafund::model::{
    Actor, Assignment, AssignmentRole, ConsensusScore, ConsensusStatus, Score, ScoreStatus,
};
use gigafund::store::{self, Store};
use gigafund::{app, evaluation};
use rand::{RngExt, SeedableRng};
use std::time::Instant;

const BIDS: usize = 1000;
const EXPERTS_PER_BID: usize = 5;
const EVALUATORS: usize = 200;
const CRITERIA: [&str; 6] = [
    "COMPUTE", "ENERGY", "FINANCE", "STRATEGY", "ACCESS", "SCALE",
];

fn call_toml() -> String {
    let mut s = String::from(
        "code = \"BENCH-2026\"\nkind = \"ai_gigafactory\"\nprogramme = \"Bench\"\ntitle = \"Benchmark call\"\n\
         budget_eur = 200_000_000_000\nopens = 2026-01-01\ndeadline = 2026-06-30\n\n[evaluation]\n\
         scale_min = 0.0\nscale_max = 5.0\nstep = 0.5\nmin_evaluators_per_bid = 5\noverall_threshold = 18.0\n\
         min_comment_chars = 0\nbudget_line = \"stop_at_first_misfit\"\ntie_break = [\n  { rule = \"uncovered_scope\" },\n\
         { rule = \"criterion\", code = \"COMPUTE\" },\n  { rule = \"new_member_states\" },\n  { rule = \"lower_requested_budget\" },\n\
         { rule = \"panel_decision\" },\n]\n",
    );
    for (i, c) in CRITERIA.iter().enumerate() {
        s.push_str(&format!(
            "\n[[criterion]]\ncode = \"{c}\"\nname = \"{c}\"\ndescription = \"criterion {i}\"\nweight = {}\nthreshold = 2.5\n",
            if i < 2 { 1.5 } else { 1.0 }
        ));
    }
    s
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.sqlite3");
    let actor = Actor::new("bench", chrono::Utc::now());
    let t = Instant::now();
    {
        let mut demo = Store::open_in_memory()?;
        app::load_demo(&mut demo, &actor, None)?;
        let templates: Vec<_> = store::bids::all(demo.conn())?;
        let mut store = Store::open(&path)?;
        let call = gigafund::ingest::call_template::parse("bench.toml", &call_toml())?;
        let scopes = [
            "frontier-training",
            "science",
            "health",
            "industrial-ai",
            "public-sector",
            "language-models",
            "energy",
            "smes",
        ];
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        store.write(&actor, |tx| {
            store::calls::insert(tx, &call)?;
            let mut ids = Vec::with_capacity(BIDS);
            for i in 0..BIDS {
                let mut b = templates[i % templates.len()].clone();
                b.call_code = "BENCH-2026".into();
                b.acronym = format!("BID-{i:04}");
                b.version = 1;
                b.scope = vec![
                    scopes[i % scopes.len()].into(),
                    scopes[(i / 8) % scopes.len()].into(),
                ];
                b.requested_eu =
                    gigafund::model::Eur::from_euros(rng.random_range(50..900) * 1_000_000)
                        .unwrap_or_default();
                ids.push(store::bids::insert(tx, &b)?);
            }
            let mut evaluators = Vec::with_capacity(EVALUATORS);
            for e in 0..EVALUATORS {
                evaluators.push(store::evaluation::insert_evaluator(
                    tx,
                    &gigafund::model::Evaluator {
                        id: 0,
                        name: format!("Expert {e:03}"),
                        email: format!("expert{e:03}@bench.example"),
                        organisation: format!("Lab {e}"),
                        country: gigafund::model::CountryCode("DE".into()),
                        expertise: vec![],
                        organisation_id: None,
                        parent_group: None,
                        public_key: None,
                    },
                )?);
            }
            let lean: Vec<f64> = (0..EVALUATORS)
                .map(|_| rng.random_range(-0.6..0.6))
                .collect();
            for (i, &bid) in ids.iter().enumerate() {
                let quality: Vec<f64> = CRITERIA
                    .iter()
                    .map(|_| rng.random_range(2.0..5.0))
                    .collect();
                let mut sums = vec![0.0; CRITERIA.len()];
                for j in 0..EXPERTS_PER_BID {
                    let e = (i * EXPERTS_PER_BID + j * 41) % EVALUATORS;
                    store::evaluation::insert_assignment(
                        tx,
                        &Assignment {
                            bid_id: bid,
                            evaluator_id: evaluators[e],
                            role: if j == 0 {
                                AssignmentRole::Rapporteur
                            } else {
                                AssignmentRole::Expert
                            },
                            assigned_at: actor.at,
                        },
                    )?;
                    for (k, c) in CRITERIA.iter().enumerate() {
                        let s = ((quality[k] + lean[e] + rng.random_range(-0.5..0.5)) * 2.0)
                            .round()
                            .clamp(0.0, 10.0)
                            / 2.0;
                        sums[k] += s;
                        store::evaluation::put_score(
                            tx,
                            &Score {
                                bid_id: bid,
                                evaluator_id: evaluators[e],
                                criterion: (*c).into(),
                                score: s,
                                comment: String::new(),
                                status: ScoreStatus::Submitted,
                                updated_at: actor.at,
                            },
                        )?;
                    }
                    store::evaluation::insert_submission(tx, bid, evaluators[e], actor.at)?;
                }
                for (k, c) in CRITERIA.iter().enumerate() {
                    let s = (sums[k] / EXPERTS_PER_BID as f64 * 2.0).round() / 2.0;
                    store::evaluation::put_consensus(
                        tx,
                        &ConsensusScore {
                            bid_id: bid,
                            criterion: (*c).into(),
                            score: s,
                            comment: String::new(),
                            reconciliation_note: None,
                            minority_view: None,
                            status: ConsensusStatus::Approved,
                            approved_by: vec![],
                        },
                        "consensus.draft",
                    )?;
                }
            }
            Ok(())
        })?;
    }
    let build = t.elapsed().as_secs_f64();

    let mut ranked = Vec::new();
    let mut baseline = Vec::new();
    let mut summary = (0usize, 0usize, 0usize, 0usize, 0usize);
    for _ in 0..7 {
        let t = Instant::now();
        let store = Store::open(&path)?;
        let r = evaluation::rank_call(store.conn(), "BENCH-2026", Some(3))?;
        let json = serde_json::to_string(&r)?;
        ranked.push(t.elapsed().as_secs_f64());
        let main = r
            .ranking
            .bids
            .iter()
            .filter(|b| b.list == evaluation::ranking::List::Main)
            .count();
        let c = r.calibration.as_ref().map_or(0, |c| c.leave_one_out.len());
        summary = (
            r.ranking.bids.len(),
            main,
            r.ranking.ties.len(),
            c,
            json.len(),
        );
        drop(store);

        let t = Instant::now();
        let store = Store::open(&path)?;
        let call = store::calls::by_code(store.conn(), "BENCH-2026")?;
        let scores = store::evaluation::call_scores(store.conn(), call.id)?;
        let consensus = store::evaluation::call_consensus(store.conn(), call.id)?;
        let json = serde_json::to_string(&(scores, consensus))?;
        baseline.push(t.elapsed().as_secs_f64());
        assert!(json.len() > 1000);
    }
    let (r, b) = (median(ranked), median(baseline));
    println!(
        "{}",
        serde_json::json!({
            "bids": summary.0, "evaluators": EVALUATORS, "experts_per_bid": EXPERTS_PER_BID,
            "criteria": CRITERIA.len(), "main_list": summary.1, "tie_groups": summary.2,
            "leave_one_out_runs": summary.3, "json_bytes": summary.4,
            "build_seconds": build, "rank_seconds": r, "baseline_read_seconds": b,
            "ratio_to_baseline": r / b, "threads": rayon::current_num_threads(),
        })
    );
    Ok(())
}
