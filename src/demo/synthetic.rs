//! Synthetic calls for benchmarks and tests at scale: any number of bids cloned from the
//! demo bids under new acronyms, evaluators with a leaning, submitted individual scores and
//! approved consensus. Deterministic for a seed.

use crate::error::Result;
use crate::model::{
    Actor, Assignment, AssignmentRole, ConsensusScore, ConsensusStatus, CountryCode, Eur,
    Evaluator, Score, ScoreStatus,
};
use crate::store::{self, Store};
use rand::{RngExt, SeedableRng};

/// What to generate.
#[derive(Clone, Debug)]
pub struct Synthetic {
    pub call_code: String,
    pub bids: usize,
    pub experts_per_bid: usize,
    pub evaluators: usize,
    pub seed: u64,
    /// The range each bid's underlying quality per criterion is drawn from (scale 0–5;
    /// thresholds are 2.5 per criterion and 18 overall).
    pub quality: (f64, f64),
    /// The call's budget in whole euros.
    pub budget_eur: u64,
    /// Write a comment of a few sentences with each score and consensus (as an ESR shows).
    pub comments: bool,
}

pub const CRITERIA: [&str; 6] = [
    "COMPUTE", "ENERGY", "FINANCE", "STRATEGY", "ACCESS", "SCALE",
];

fn call_toml(code: &str, min_evaluators: usize, budget: u64) -> String {
    let mut s = format!(
        "code = \"{code}\"\nkind = \"ai_gigafactory\"\nprogramme = \"Synthetic programme\"\ntitle = \"Synthetic call ({code})\"\n\
         budget_eur = {budget}\nopens = 2026-01-01\ndeadline = 2026-06-30\n\n[evaluation]\n\
         scale_min = 0.0\nscale_max = 5.0\nstep = 0.5\nmin_evaluators_per_bid = {min_evaluators}\noverall_threshold = 18.0\n\
         min_comment_chars = 0\nbudget_line = \"stop_at_first_misfit\"\ntie_break = [\n  {{ rule = \"uncovered_scope\" }},\n\
         {{ rule = \"criterion\", code = \"COMPUTE\" }},\n  {{ rule = \"new_member_states\" }},\n  {{ rule = \"lower_requested_budget\" }},\n\
         {{ rule = \"panel_decision\" }},\n]\n",
    );
    for (i, c) in CRITERIA.iter().enumerate() {
        s.push_str(&format!(
            "\n[[criterion]]\ncode = \"{c}\"\nname = \"{c}\"\ndescription = \"criterion {i}\"\nweight = {}\nthreshold = 2.5\n",
            if i < 2 { 1.5 } else { 1.0 }
        ));
    }
    s
}

fn comment(acronym: &str, criterion: &str, score: f64) -> String {
    let quality = match score {
        s if s >= 4.5 => "excellent",
        s if s >= 3.5 => "very good",
        s if s >= 2.5 => "good",
        s if s >= 1.5 => "fair",
        _ => "poor",
    };
    format!(
        "{criterion}: {quality} ({score}/5). The proposal {acronym} sets out its plan for this \
         criterion with figures that can be checked against the annexes; the experts note the \
         strengths of the approach, the risks that remain open, and what the consortium would \
         need to demonstrate during preparation of the grant agreement."
    )
}

/// Adds the call `spec.call_code` with its bids, evaluators, assignments, submitted scores
/// and approved consensus to `store`, in one transaction. The bids are the demo's bids
/// under new acronyms (`BID-0000`…).
pub fn synthetic_call(store: &mut Store, actor: &Actor, spec: &Synthetic) -> Result<()> {
    let templates = {
        let mut demo = Store::open_in_memory()?;
        crate::app::load_demo(&mut demo, actor, None)?;
        store::bids::all(demo.conn())?
    };
    let call = crate::ingest::call_template::parse(
        "synthetic.toml",
        &call_toml(&spec.call_code, spec.experts_per_bid, spec.budget_eur),
    )?;
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
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(spec.seed);
    store.write(actor, |tx| {
        store::calls::insert(tx, &call)?;
        let mut ids = Vec::with_capacity(spec.bids);
        for i in 0..spec.bids {
            let mut b = templates[i % templates.len()].clone();
            b.call_code = spec.call_code.clone();
            b.acronym = format!("BID-{i:04}");
            b.version = 1;
            b.scope = vec![
                scopes[i % scopes.len()].into(),
                scopes[(i / 8) % scopes.len()].into(),
            ];
            b.requested_eu =
                Eur::from_euros(rng.random_range(50..900) * 1_000_000).unwrap_or_default();
            ids.push(store::bids::insert(tx, &b)?);
        }
        let mut evaluators = Vec::with_capacity(spec.evaluators);
        for e in 0..spec.evaluators {
            // A second synthetic call of the same database shares the roster.
            if let Ok(known) = store::evaluation::evaluator_by_key(
                tx.conn(),
                &format!("expert{e:03}@bench.example"),
            ) {
                evaluators.push(known.id);
                continue;
            }
            evaluators.push(store::evaluation::insert_evaluator(
                tx,
                &Evaluator {
                    id: 0,
                    name: format!("Expert {e:03}"),
                    email: format!("expert{e:03}@bench.example"),
                    organisation: format!("Lab {e}"),
                    country: CountryCode("DE".into()),
                    expertise: vec![],
                    organisation_id: None,
                    parent_group: None,
                    public_key: None,
                },
            )?);
        }
        let lean: Vec<f64> = (0..spec.evaluators)
            .map(|_| rng.random_range(-0.6..0.6))
            .collect();
        for (i, &bid) in ids.iter().enumerate() {
            let acronym = format!("BID-{i:04}");
            let quality: Vec<f64> = CRITERIA
                .iter()
                .map(|_| rng.random_range(spec.quality.0..spec.quality.1))
                .collect();
            let mut sums = vec![0.0; CRITERIA.len()];
            for j in 0..spec.experts_per_bid {
                let e = (i * spec.experts_per_bid + j * 41) % spec.evaluators;
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
                        suspended: None,
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
                            comment: if spec.comments {
                                comment(&acronym, c, s)
                            } else {
                                String::new()
                            },
                            status: ScoreStatus::Submitted,
                            updated_at: actor.at,
                        },
                    )?;
                }
                store::evaluation::insert_submission(tx, bid, evaluators[e], actor.at)?;
            }
            for (k, c) in CRITERIA.iter().enumerate() {
                let s = (sums[k] / spec.experts_per_bid as f64 * 2.0).round() / 2.0;
                store::evaluation::put_consensus(
                    tx,
                    &ConsensusScore {
                        bid_id: bid,
                        criterion: (*c).into(),
                        score: s,
                        comment: if spec.comments {
                            comment(&acronym, c, s)
                        } else {
                            String::new()
                        },
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
    })
}
