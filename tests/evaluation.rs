//! Evaluation (EVALUATION.md): ranking rules on plain values, then conflicts, assignment,
//! blinding, consensus, score import, packages and the audit log on real databases.

use crate::{TestResult, actor};
use gigafund::app;
use gigafund::error::Error;
use gigafund::evaluation::ranking::{self, Candidate, List, Rule, Rules};
use gigafund::evaluation::{
    self, CallData, Viewer, assign, conflicts, consensus, package, scoring,
};
use gigafund::model::{AssignmentRole, BudgetLineRule, Eur, TieBreak};
use gigafund::store::{self, Store};
use std::path::Path;

fn rules(tie_break: Vec<TieBreak>, budget_m: i64, line: BudgetLineRule) -> Rules {
    Rules {
        criteria: vec![
            Rule {
                code: "EXC".into(),
                weight: 1.0,
                threshold: 3.0,
            },
            Rule {
                code: "IMP".into(),
                weight: 1.5,
                threshold: 3.0,
            },
            Rule {
                code: "QUA".into(),
                weight: 1.0,
                threshold: 3.0,
            },
        ],
        overall_threshold: 10.0,
        tie_break,
        budget: Eur::from_euros(budget_m * 1_000_000).unwrap_or_default(),
        budget_line: line,
    }
}

fn cand(acronym: &str, scores: [f64; 3], requested_m: i64) -> Candidate {
    Candidate {
        bid_id: acronym.bytes().map(i64::from).sum(),
        acronym: acronym.into(),
        requested_eu: Eur::from_euros(requested_m * 1_000_000).unwrap_or_default(),
        scope: vec![],
        member_states: vec![],
        ineligible: vec![],
        scores: Ok(scores.to_vec()),
        panel: None,
    }
}

fn order(r: &ranking::Ranking) -> Vec<(&str, List)> {
    r.bids
        .iter()
        .map(|b| (b.acronym.as_str(), b.list))
        .collect()
}

#[test]
fn thresholds_use_unweighted_scores_and_weights_only_rank() {
    let r = rules(vec![], 1000, BudgetLineRule::StopAtFirstMisfit);
    // A: weighted 3 + 7.5 + 3 = 13.5 but unweighted 11; B: 2.5 on EXC fails its threshold
    // although its weighted total (2.5 + 7.5 + 5 = 15) is the highest; C: unweighted 9.5
    // fails the overall threshold though weighting (3 + 5.25 + 3) would lift it past 10.
    let ranking = ranking::rank(
        &r,
        &[
            cand("A", [3.0, 5.0, 3.0], 10),
            cand("B", [2.5, 5.0, 5.0], 10),
            cand("C", [3.0, 3.5, 3.0], 10),
            cand("D", [4.0, 3.0, 4.5], 10),
        ],
    );
    assert_eq!(
        order(&ranking),
        vec![
            ("A", List::Main),
            ("D", List::Main),
            ("B", List::Rejected),
            ("C", List::Rejected)
        ]
    );
    let d = &ranking.bids[1];
    assert_eq!(d.unweighted_total, Some(11.5));
    assert_eq!(d.weighted_total, Some(13.0));
    // A ranks above D on the weighted total although D's unweighted sum is higher.
    assert!(ranking.bids[0].unweighted_total < d.unweighted_total);
    assert!(
        ranking.bids[2]
            .reason
            .contains("EXC 2.5 below its threshold of 3"),
        "{}",
        ranking.bids[2].reason
    );
    assert!(
        ranking.bids[3]
            .reason
            .contains("overall 9.5 below the threshold of 10"),
        "{}",
        ranking.bids[3].reason
    );
    assert_eq!(ranking.bids[3].overall_passed, Some(false));
}

fn tied(a: &str, b: &str) -> (Candidate, Candidate) {
    (cand(a, [4.0, 4.0, 4.0], 10), cand(b, [4.0, 4.0, 4.0], 10))
}

fn first_of_tie(r: &Rules, cands: &[Candidate]) -> (String, String) {
    let ranking = ranking::rank(r, cands);
    let t = &ranking.ties[0];
    let last = t.steps.last().cloned().unwrap_or_else(|| panic!("no step"));
    (ranking.bids[0].acronym.clone(), last.rule)
}

#[test]
fn each_tie_break_rule_separates_bids_on_its_own() {
    let line = BudgetLineRule::StopAtFirstMisfit;
    // 1. Uncovered scope: ZED covers a part of the call no higher-ranked bid covers.
    let (mut a, mut z) = tied("ALPHA", "ZED");
    let mut top = cand("TOP", [5.0, 5.0, 5.0], 10);
    top.scope = vec!["science".into()];
    a.scope = vec!["science".into()];
    z.scope = vec!["health".into()];
    let r = rules(vec![TieBreak::UncoveredScope], 1000, line);
    assert_eq!(
        first_of_tie(&r, &[top.clone(), a, z]),
        ("TOP".into(), "uncovered_scope".into())
    );
    let ranking = ranking::rank(&r, &{
        let (mut a, mut z) = tied("ALPHA", "ZED");
        a.scope = vec!["science".into()];
        z.scope = vec!["health".into()];
        vec![top.clone(), a, z]
    });
    assert_eq!(ranking.bids[1].acronym, "ZED");
    assert_eq!(ranking.bids[1].tie_break[0].over, vec!["ALPHA".to_string()]);

    // 2. Priority criterion: equal totals, different IMP (weighted equal: 4+6+4 vs 5+4.5+4.5).
    let a = cand("ALPHA", [4.0, 4.0, 4.0], 10);
    let z = cand("ZED", [5.0, 3.0, 6.0 - 1.5], 10);
    let r = rules(vec![TieBreak::Criterion { code: "EXC".into() }], 1000, line);
    let ranking = ranking::rank(&r, &[a.clone(), z.clone()]);
    assert_eq!(
        ranking.bids[0].weighted_total,
        ranking.bids[1].weighted_total
    );
    assert_eq!(ranking.bids[0].acronym, "ZED");
    assert_eq!(ranking.ties[0].steps[0].rule, "criterion EXC");
    let r = rules(vec![TieBreak::Criterion { code: "IMP".into() }], 1000, line);
    assert_eq!(ranking::rank(&r, &[a, z]).bids[0].acronym, "ALPHA");

    // 3. New Member States: states of funded bids above do not count again.
    let mut top = cand("TOP", [5.0, 5.0, 5.0], 10);
    top.member_states = vec!["DE".into(), "FR".into()];
    let (mut a, mut z) = tied("ALPHA", "ZED");
    a.member_states = vec!["DE".into(), "FR".into(), "IT".into()];
    z.member_states = vec!["PL".into(), "CZ".into()];
    let r = rules(vec![TieBreak::NewMemberStates], 1000, line);
    assert_eq!(ranking::rank(&r, &[top, a, z]).bids[1].acronym, "ZED");

    // 4. Lower requested budget first.
    let (mut a, z) = tied("ALPHA", "ZED");
    a.requested_eu = Eur::from_euros(20_000_000).unwrap_or_default();
    let r = rules(vec![TieBreak::LowerRequestedBudget], 1000, line);
    assert_eq!(
        first_of_tie(&r, &[a, z]),
        ("ZED".into(), "lower_requested_budget".into())
    );

    // 5. Panel decision, with its reason in the trace.
    let (a, mut z) = tied("ALPHA", "ZED");
    z.panel = Some((1, "complements the network of AI Factories".into()));
    let r = rules(vec![TieBreak::PanelDecision], 1000, line);
    let ranking = ranking::rank(&r, &[a, z]);
    assert_eq!(ranking.bids[0].acronym, "ZED");
    assert!(
        ranking.ties[0].steps[0]
            .detail
            .contains("complements the network")
    );
    assert!(!ranking.ties[0].unresolved);

    // Rules apply in the call's order, and earlier equal rules are named in the trace.
    let (mut a, mut z) = tied("ALPHA", "ZED");
    a.requested_eu = Eur::from_euros(5_000_000).unwrap_or_default();
    z.member_states = vec!["PL".into()];
    let r = rules(
        vec![
            TieBreak::UncoveredScope,
            TieBreak::NewMemberStates,
            TieBreak::LowerRequestedBudget,
        ],
        1000,
        line,
    );
    let ranking = ranking::rank(&r, &[a.clone(), z.clone()]);
    assert_eq!(ranking.bids[0].acronym, "ZED");
    assert_eq!(
        ranking.ties[0].steps[0].equal_under,
        vec!["uncovered_scope".to_string()]
    );
    let r = rules(
        vec![TieBreak::LowerRequestedBudget, TieBreak::NewMemberStates],
        1000,
        line,
    );
    assert_eq!(ranking::rank(&r, &[a, z]).bids[0].acronym, "ALPHA");

    // Nothing separates them: unresolved, shown in acronym order, the panel must decide.
    let (a, z) = tied("ZED", "ALPHA");
    let r = rules(
        vec![TieBreak::UncoveredScope, TieBreak::PanelDecision],
        1000,
        line,
    );
    let ranking = ranking::rank(&r, &[a, z]);
    assert!(ranking.ties[0].unresolved);
    assert_eq!(ranking.bids[0].acronym, "ALPHA");
    assert_eq!(ranking.ties[0].steps[0].rule, "unresolved");
}

#[test]
fn budget_line_main_and_reserve_lists() {
    let cands = [
        cand("A", [5.0, 5.0, 5.0], 40),
        cand("B", [4.5, 4.5, 4.5], 50),
        cand("C", [4.0, 4.0, 4.0], 10),
        cand("D", [3.5, 3.5, 3.5], 5),
        cand("E", [2.0, 2.0, 2.0], 1),
    ];
    // Budget 60: A fits (40); B (50) does not; the default line stops there.
    let stop = ranking::rank(
        &rules(vec![], 60, BudgetLineRule::StopAtFirstMisfit),
        &cands,
    );
    assert_eq!(
        order(&stop),
        vec![
            ("A", List::Main),
            ("B", List::Reserve),
            ("C", List::Reserve),
            ("D", List::Reserve),
            ("E", List::Rejected)
        ]
    );
    assert_eq!(stop.funded, Eur::from_euros(40_000_000).unwrap_or_default());
    // Cumulative requested budget follows the rank order of the bids that passed.
    let cum: Vec<i64> = stop
        .bids
        .iter()
        .filter_map(|b| b.cumulative_requested_eu)
        .map(|e| e.cents() / 100_000_000)
        .collect();
    assert_eq!(cum, vec![40, 90, 100, 105]);
    assert!(
        stop.bids[1].reason.contains("does not fit"),
        "{}",
        stop.bids[1].reason
    );
    // When the call allows it, smaller bids below a misfit are still funded.
    let skip = ranking::rank(&rules(vec![], 60, BudgetLineRule::SkipToSmaller), &cands);
    assert_eq!(
        order(&skip),
        vec![
            ("A", List::Main),
            ("B", List::Reserve),
            ("C", List::Main),
            ("D", List::Main),
            ("E", List::Rejected)
        ]
    );
    assert_eq!(skip.funded, Eur::from_euros(55_000_000).unwrap_or_default());
    // An exact fit is funded.
    let exact = ranking::rank(
        &rules(vec![], 90, BudgetLineRule::StopAtFirstMisfit),
        &cands,
    );
    assert_eq!(exact.bids[1].list, List::Main);
}

/// The demo programme without its evaluation: calls, bids, roster, declared conflicts.
fn programme(path: &Path) -> Result<Store, Box<dyn std::error::Error>> {
    let mut store = Store::open(path)?;
    let mut files = gigafund::demo::DemoFiles::embedded();
    files.evaluation = None;
    gigafund::demo::load(&mut store, &actor(), &files)?;
    Ok(store)
}

fn demo(dir: &Path) -> Result<Store, Box<dyn std::error::Error>> {
    let mut store = Store::open(&dir.join("office.sqlite3"))?;
    app::load_demo(&mut store, &actor(), None)?;
    Ok(store)
}

#[test]
fn the_demo_ranking_has_main_reserve_rejected_and_a_tie() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = demo(dir.path())?;
    let r = evaluation::rank_call(store.conn(), "INVESTAI-AIGF-2026", Some(3))?;
    let lists: Vec<(&str, List)> = order(&r.ranking);
    assert_eq!(
        lists,
        vec![
            ("RHEIN-AI", List::Main),
            ("AURORA-GF", List::Main),
            ("IBERIA-GF", List::Main),
            ("VISTULA-AI", List::Reserve),
            ("THAMES-GF", List::Rejected)
        ]
    );
    assert!(r.ranking.complete);
    assert_eq!(r.ranking.ties.len(), 1);
    assert_eq!(r.ranking.ties[0].steps[0].rule, "new_member_states");
    assert!(r.ranking.bids[4].reason.starts_with("ineligible"));
    let aif = evaluation::rank_call(store.conn(), "EUROHPC-AIF-2026-01", None)?;
    let carpathia = aif
        .ranking
        .bids
        .iter()
        .find(|b| b.acronym == "CARPATHIA")
        .ok_or("no CARPATHIA")?;
    assert_eq!(carpathia.list, List::Rejected);
    assert!(
        carpathia
            .reason
            .contains("IMPLEMENTATION 2.5 below its threshold")
    );
    // The antenna call is still being evaluated: pending bids make the ranking provisional.
    let aifa = evaluation::rank_call(store.conn(), "EUROHPC-AIFA-2026-01", None)?;
    assert!(!aifa.ranking.complete);
    assert!(aifa.ranking.bids.iter().any(|b| b.list == List::Pending));
    // Calibration: every evaluator of the call, advisory label, lenient experts lean up.
    let c = r.calibration.ok_or("no calibration")?;
    assert!(c.advisory.starts_with("Advisory"));
    let sorensen = c
        .evaluators
        .iter()
        .find(|e| e.name.contains("Sørensen"))
        .ok_or("no Sørensen")?;
    let kovacs = c
        .evaluators
        .iter()
        .find(|e| e.name.contains("Kovács"))
        .ok_or("no Kovács")?;
    assert!(sorensen.mean_deviation > Some(0.3), "{sorensen:?}");
    assert!(kovacs.mean_deviation < Some(-0.3), "{kovacs:?}");
    assert_eq!(c.calibrated.len(), 5);
    Ok(())
}

#[test]
fn conflicts_declared_and_detected_block_assignment() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = demo(dir.path())?;
    let data = CallData::load(store.conn(), "INVESTAI-AIGF-2026")?;
    let found = conflicts::find(&data);
    let van_der_berg: Vec<_> = found
        .iter()
        .filter(|f| f.evaluator.contains("van der Berg"))
        .collect();
    assert!(
        van_der_berg
            .iter()
            .any(|f| f.acronym == "THAMES-GF" && f.reason.contains("e-mail domain")),
        "{van_der_berg:?}"
    );
    assert!(found.iter().any(|f| f.evaluator.contains("Wiśniewski")
        && f.acronym == "VISTULA-AI"
        && f.reason.starts_with("declared (advisory role)")));
    // The demo's assignment (the planner's) never pairs a conflicted expert with a bid.
    let blocked = conflicts::blocked_pairs(&found);
    assert!(!data.assignments.is_empty());
    for a in &data.assignments {
        assert!(!blocked.contains(&(a.evaluator_id, a.bid_id)));
    }
    // A manual assignment of a conflicted pair is refused, saying why, and stores nothing.
    let before = store::audit::entries(store.conn())?.len();
    let err = assign::manual(
        &mut store,
        &actor(),
        "INVESTAI-AIGF-2026",
        "THAMES-GF",
        "p.vanderberg@maasvlakte-compute.example",
        AssignmentRole::Expert,
    )
    .err()
    .ok_or("a conflicted pair was assigned")?;
    let text = err.to_string();
    assert!(matches!(err, Error::Invalid(_)));
    assert!(
        text.contains("conflict of interest") && text.contains("Maasvlakte"),
        "{text}"
    );
    assert_eq!(store::audit::entries(store.conn())?.len(), before);
    // A conflict declared against an organisation blocks every bid it is a member of.
    let mut fresh = programme(&dir.path().join("fresh.sqlite3"))?;
    let org = data.bid_by_key("IBERIA-GF")?.consortium.members[0]
        .organisation
        .name
        .clone();
    app::evaluation::declare_conflict(
        &mut fresh,
        &actor(),
        "ana.marques@ist-ai.example",
        app::evaluation::ConflictTarget::Organisation(&org),
        gigafund::model::ConflictKind::Shareholding,
        "holds shares",
    )?;
    let found = conflicts::find(&CallData::load(fresh.conn(), "INVESTAI-AIGF-2026")?);
    assert!(
        found.iter().any(|f| f.email == "ana.marques@ist-ai.example"
            && f.acronym == "IBERIA-GF"
            && f.reason.contains("declared (shareholding) against")),
        "{found:?}"
    );
    let plan = assign::auto(&mut fresh, &actor(), "INVESTAI-AIGF-2026")?;
    assert!(
        !plan
            .added
            .iter()
            .any(|p| p.acronym == "IBERIA-GF" && p.evaluator.contains("Marques"))
    );
    // Detected kinds cannot be declared.
    assert!(
        app::evaluation::declare_conflict(
            &mut fresh,
            &actor(),
            "ana.marques@ist-ai.example",
            app::evaluation::ConflictTarget::Organisation(&org),
            gigafund::model::ConflictKind::SameOrganisation,
            ""
        )
        .is_err()
    );
    Ok(())
}

#[test]
fn automatic_assignment_is_complete_balanced_and_deterministic() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut a = programme(&dir.path().join("a.sqlite3"))?;
    let mut b = programme(&dir.path().join("b.sqlite3"))?;
    let pa = assign::auto(&mut a, &actor(), "INVESTAI-AIGF-2026")?;
    let pb = assign::auto(&mut b, &actor(), "INVESTAI-AIGF-2026")?;
    assert_eq!(pa.added, pb.added, "same inputs, same assignment");
    assert!(pa.unmet.is_empty(), "{:?}", pa.unmet);
    let data = CallData::load(a.conn(), "INVESTAI-AIGF-2026")?;
    let blocked = conflicts::blocked_pairs(&conflicts::find(&data));
    for bid in &data.bids {
        let panel: Vec<_> = data
            .assignments
            .iter()
            .filter(|x| x.bid_id == bid.id)
            .collect();
        assert_eq!(panel.len(), 3, "{}", bid.acronym);
        assert_eq!(
            panel
                .iter()
                .filter(|x| x.role == AssignmentRole::Rapporteur)
                .count(),
            1
        );
        assert!(
            panel
                .iter()
                .all(|x| !blocked.contains(&(x.evaluator_id, x.bid_id)))
        );
    }
    for l in &pa.loads {
        assert!(l.bids <= pa.max_load);
        assert!(
            (f64::from(l.bids) - pa.mean_load).abs() <= 1.0 + 1e-9,
            "{l:?} mean {}",
            pa.mean_load
        );
    }
    // Running it again adds nothing.
    assert!(
        assign::auto(&mut a, &actor(), "INVESTAI-AIGF-2026")?
            .added
            .is_empty()
    );
    Ok(())
}

#[test]
fn an_expert_sees_other_scores_only_after_submitting_and_every_change_is_audited() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = programme(&dir.path().join("o.sqlite3"))?;
    let call = "EUROHPC-AIF-2026-01";
    assign::auto(&mut store, &actor(), call)?;
    let data = CallData::load(store.conn(), call)?;
    let bid = data.bid_by_key("ADRIA-AIF")?.id;
    let panel: Vec<i64> = data
        .assignments
        .iter()
        .filter(|a| a.bid_id == bid)
        .map(|a| a.evaluator_id)
        .collect();
    let (me, other) = (panel[0], panel[1]);
    let long = "A careful reading of the proposal against the criterion, with strengths and weaknesses named and the evidence in the annexes weighed one by one, for the record.";
    let put = |store: &mut Store, who: i64, crit: &str, score: f64| {
        scoring::set(
            store,
            &actor(),
            call,
            &scoring::ScoreInput {
                bid_id: bid,
                evaluator_id: who,
                criterion: crit.into(),
                score,
                comment: long.into(),
            },
        )
    };
    for c in ["RELEVANCE", "IMPLEMENTATION", "IMPACT"] {
        put(&mut store, other, c, 4.0)?;
    }
    scoring::submit(&mut store, &actor(), call, bid, other)?;
    put(&mut store, me, "RELEVANCE", 3.0)?;
    put(&mut store, me, "RELEVANCE", 3.5)?;
    // Off the scale, or off the half-point step, is refused with the rule.
    let e = put(&mut store, me, "IMPACT", 3.25)
        .err()
        .ok_or("3.25 accepted")?;
    assert!(e.to_string().contains("multiple of 0.5"), "{e}");
    assert!(put(&mut store, me, "IMPACT", 5.5).is_err());
    // Before submitting: nothing of the other expert, not even their comments.
    let v = scoring::visible(store.conn(), Viewer::Evaluator(me), bid)?;
    assert!(v.others.is_empty());
    assert!(v.hidden.is_some());
    assert_eq!(v.own.len(), 1);
    assert!(scoring::history(store.conn(), Viewer::Evaluator(me), bid, other, "IMPACT").is_err());
    assert!(consensus::view(store.conn(), Viewer::Evaluator(me), call, bid).is_err());
    // Submission needs every criterion.
    let e = scoring::submit(&mut store, &actor(), call, bid, me)
        .err()
        .ok_or("incomplete submit")?;
    assert!(
        e.to_string().contains("Implementation has no score yet"),
        "{e}"
    );
    put(&mut store, me, "IMPLEMENTATION", 4.0)?;
    put(&mut store, me, "IMPACT", 2.0)?;
    scoring::submit(&mut store, &actor(), call, bid, me)?;
    let v = scoring::visible(store.conn(), Viewer::Evaluator(me), bid)?;
    assert_eq!(v.others.len(), 3);
    assert!(v.hidden.is_none());
    // Submitted scores are locked.
    assert!(put(&mut store, me, "IMPACT", 3.0).is_err());
    // The history of a score: created 3.0, changed to 3.5, submitted.
    let h = scoring::history(store.conn(), Viewer::Office, bid, me, "RELEVANCE")?;
    let afters: Vec<f64> = h
        .iter()
        .filter_map(|e| e.after.as_deref())
        .filter_map(|t| serde_json::from_str::<serde_json::Value>(t).ok())
        .filter_map(|j| j["score"].as_f64())
        .collect();
    assert_eq!(afters, vec![3.0, 3.5, 3.5]);
    assert_eq!(h[1].action, "score.update");
    assert!(h[1].before.as_deref().is_some_and(|b| b.contains("3.0")));
    assert!(store::audit::verify_chain(store.conn())?.is_none());
    Ok(())
}

#[test]
fn consensus_needs_a_reconciliation_note_for_a_wide_spread_and_every_approval() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = programme(&dir.path().join("o.sqlite3"))?;
    let call = "EUROHPC-AIF-2026-01";
    assign::auto(&mut store, &actor(), call)?;
    let data = CallData::load(store.conn(), call)?;
    let bid = data.bid_by_key("BALTIC-AIF")?.id;
    let panel: Vec<i64> = data
        .assignments
        .iter()
        .filter(|a| a.bid_id == bid)
        .map(|a| a.evaluator_id)
        .collect();
    let text = "x".repeat(160);
    for (k, who) in panel.iter().enumerate() {
        for c in ["RELEVANCE", "IMPLEMENTATION", "IMPACT"] {
            let score = if c == "IMPACT" { 2.5 + k as f64 } else { 4.0 };
            scoring::set(
                &mut store,
                &actor(),
                call,
                &scoring::ScoreInput {
                    bid_id: bid,
                    evaluator_id: *who,
                    criterion: c.into(),
                    score,
                    comment: text.clone(),
                },
            )?;
        }
        if k == 0 {
            // Consensus waits for every expert.
            scoring::submit(&mut store, &actor(), call, bid, *who)?;
            let d = consensus::ConsensusDraft {
                criterion: "RELEVANCE".into(),
                score: 4.0,
                comment: text.clone(),
                reconciliation_note: None,
                minority_view: None,
            };
            assert!(consensus::draft(&mut store, &actor(), Viewer::Office, call, bid, &d).is_err());
        } else {
            scoring::submit(&mut store, &actor(), call, bid, *who)?;
        }
    }
    let v = consensus::view(store.conn(), Viewer::Office, call, bid)?;
    let impact = v
        .criteria
        .iter()
        .find(|c| c.code == "IMPACT")
        .ok_or("no IMPACT")?;
    assert_eq!(impact.spread, Some(2.0));
    assert!(impact.divergent);
    for c in ["RELEVANCE", "IMPLEMENTATION"] {
        consensus::draft(
            &mut store,
            &actor(),
            Viewer::Office,
            call,
            bid,
            &consensus::ConsensusDraft {
                criterion: c.into(),
                score: 4.0,
                comment: text.clone(),
                reconciliation_note: None,
                minority_view: None,
            },
        )?;
    }
    let no_note = consensus::ConsensusDraft {
        criterion: "IMPACT".into(),
        score: 3.5,
        comment: text.clone(),
        reconciliation_note: None,
        minority_view: None,
    };
    let e = consensus::draft(&mut store, &actor(), Viewer::Office, call, bid, &no_note)
        .err()
        .ok_or("no note accepted")?;
    assert!(e.to_string().contains("reconciliation note"), "{e}");
    // Only the rapporteur drafts, among the experts.
    let expert = data
        .assignments
        .iter()
        .find(|a| a.bid_id == bid && a.role == AssignmentRole::Expert)
        .ok_or("no expert")?
        .evaluator_id;
    assert!(
        consensus::draft(
            &mut store,
            &actor(),
            Viewer::Evaluator(expert),
            call,
            bid,
            &no_note
        )
        .is_err()
    );
    let with_note = consensus::ConsensusDraft {
        reconciliation_note: Some("The panel weighed the user base.".into()),
        ..no_note
    };
    consensus::draft(&mut store, &actor(), Viewer::Office, call, bid, &with_note)?;
    // Approved only when every expert approves; the bid is pending until then.
    for (k, who) in panel.iter().enumerate() {
        let ranked = evaluation::rank_call(store.conn(), call, None)?;
        let b = ranked
            .ranking
            .bids
            .iter()
            .find(|b| b.bid_id == bid)
            .ok_or("bid")?;
        assert_eq!(b.list, List::Pending, "after {k} approvals");
        consensus::approve(&mut store, &actor(), call, bid, *who)?;
    }
    let ranked = evaluation::rank_call(store.conn(), call, None)?;
    let b = ranked
        .ranking
        .bids
        .iter()
        .find(|b| b.bid_id == bid)
        .ok_or("bid")?;
    assert_eq!(b.weighted_total, Some(11.5));
    Ok(())
}

#[test]
fn score_csv_import_is_all_or_nothing_with_the_line_of_each_problem() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = programme(&dir.path().join("o.sqlite3"))?;
    let call = "EUROHPC-AIFA-2026-01";
    assign::auto(&mut store, &actor(), call)?;
    let data = CallData::load(store.conn(), call)?;
    let bid = data.bid_by_key("LIFFEY-ANT")?;
    let emails: Vec<String> = data
        .assignments
        .iter()
        .filter(|a| a.bid_id == bid.id)
        .filter_map(|a| data.evaluator(a.evaluator_id))
        .map(|e| e.email.clone())
        .collect();
    let c = "c".repeat(120);
    let mut good = String::from("bid,evaluator,criterion,score,comment\n");
    for e in &emails {
        for k in ["RELEVANCE", "IMPLEMENTATION", "IMPACT"] {
            good.push_str(&format!("LIFFEY-ANT,{e},{k},4,{c}\n"));
        }
    }
    let bad = format!(
        "{good}LIFFEY-ANT,{},IMPACT,7,{c}\nNOPE,{},IMPACT,3,{c}\nLIFFEY-ANT,nobody@x.example,IMPACT,3,{c}\n",
        emails[0], emails[0]
    );
    let path = dir.path().join("scores.csv");
    std::fs::write(&path, &bad)?;
    let before = store::evaluation::call_scores(store.conn(), data.call.id)?.len();
    let err = scoring::import_csv(&mut store, &actor(), call, &path, true)
        .err()
        .ok_or("bad file accepted")?;
    let Error::Invalid(problems) = err else {
        return Err("not Invalid".into());
    };
    let lines: Vec<String> = problems.iter().map(|p| p.location.to_string()).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("line 11") && l.contains("score")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("line 12") && l.contains("bid")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("line 13") && l.contains("evaluator")),
        "{lines:?}"
    );
    assert_eq!(
        store::evaluation::call_scores(store.conn(), data.call.id)?.len(),
        before,
        "nothing stored"
    );
    std::fs::write(&path, &good)?;
    let r = scoring::import_csv(&mut store, &actor(), call, &path, true)?;
    assert_eq!((r.rows, r.changed, r.submitted.len()), (9, 9, 3));
    Ok(())
}

#[test]
fn roster_import_reads_csv_and_xlsx_and_names_the_cell_of_each_problem() -> TestResult {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("o.sqlite3"))?;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Experts")?;
    let rows = [
        ["Name", "E-mail", "Organisation", "Country", "Expertise"],
        [
            "Dr. Åsa Öberg",
            "asa@kth.example",
            "KTH",
            "SE",
            "hpc; energy",
        ],
        ["Jean Dupont", "not-an-email", "CEA", "FR", "finance"],
        ["Zoë Novak", "zoe@ul.example", "UL", "XX", ""],
    ];
    let headers = ["name", "email", "organisation", "country", "expertise"];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let v = if r == 0 { headers[c] } else { v };
            ws.write_string(r as u32, c as u16, v)?;
        }
    }
    let bad = dir.path().join("roster.xlsx");
    wb.save(&bad)?;
    let err = app::evaluation::import_roster(&mut store, &actor(), &bad)
        .err()
        .ok_or("bad roster accepted")?;
    let text = err.to_string();
    assert!(
        text.contains("roster.xlsx · Experts · B3 · email"),
        "{text}"
    );
    assert!(text.contains("Experts · D4 · country"), "{text}");
    assert!(
        store::evaluation::evaluators(store.conn())?.is_empty(),
        "all or nothing"
    );
    let csv = dir.path().join("roster.csv");
    std::fs::write(
        &csv,
        "name,email,organisation,country,expertise\nDr. Åsa Öberg,asa@kth.example,KTH,SE,hpc;energy\n",
    )?;
    let r = app::evaluation::import_roster(&mut store, &actor(), &csv)?;
    assert_eq!(r.added, vec!["asa@kth.example".to_string()]);
    let e = &store::evaluation::evaluators(store.conn())?[0];
    assert_eq!(e.expertise, vec!["hpc".to_string(), "energy".to_string()]);
    // Imported again: unchanged; with a new organisation: updated, not duplicated.
    assert_eq!(
        app::evaluation::import_roster(&mut store, &actor(), &csv)?.unchanged,
        1
    );
    std::fs::write(
        &csv,
        "name,email,organisation,country,expertise\nDr. Åsa Öberg,asa@kth.example,RISE,SE,hpc\n",
    )?;
    assert_eq!(
        app::evaluation::import_roster(&mut store, &actor(), &csv)?
            .updated
            .len(),
        1
    );
    assert_eq!(store::evaluation::evaluators(store.conn())?.len(), 1);
    Ok(())
}

/// The office exports packages; three evaluators score offline in their own databases;
/// their returns come back signed; the call is ranked.
#[test]
fn a_whole_call_evaluated_offline_through_packages() -> TestResult {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let mut office = programme(&d.join("office.sqlite3"))?;
    let call = "EUROHPC-AIFA-2026-01";
    assign::auto(&mut office, &actor(), call)?;
    let data = CallData::load(office.conn(), call)?;
    let mut experts: Vec<i64> = data.assignments.iter().map(|a| a.evaluator_id).collect();
    experts.sort_unstable();
    experts.dedup();
    let pass = "correct horse battery staple";
    let text = "t".repeat(120);
    let mut returns = Vec::new();
    for (k, id) in experts.iter().enumerate() {
        let e = store::evaluation::evaluator(office.conn(), *id)?;
        let key = d.join(format!("key{k}.json"));
        let public = package::new_key(&key, crate::KEY_PASS, actor().at)?;
        // Refused before a key is registered.
        if k == 0 {
            let err = package::export(
                &mut office,
                &actor(),
                call,
                &e.email,
                pass,
                &d.join("x.pkg"),
                None,
            )
            .err()
            .ok_or("exported without key")?;
            assert!(err.to_string().contains("public key"));
            assert!(
                package::export(
                    &mut office,
                    &actor(),
                    call,
                    &e.email,
                    "short",
                    &d.join("x.pkg"),
                    None
                )
                .is_err()
            );
        }
        package::register_key(&mut office, &actor(), &e.email, &public)?;
        let pkg = d.join(format!("e{k}.pkg"));
        let exported = package::export(&mut office, &actor(), call, &e.email, pass, &pkg, None)?;
        // The package holds only this evaluator's bids, and no other expert's anything.
        let mine: Vec<&str> = data
            .assignments
            .iter()
            .filter(|a| a.evaluator_id == *id)
            .filter_map(|a| data.bid(a.bid_id))
            .map(|b| b.acronym.as_str())
            .collect();
        assert_eq!(exported.bids.len(), mine.len());
        let bytes = std::fs::read(&pkg)?;
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&data.bids[0].title),
            "encrypted"
        );
        // Wrong passphrase, or one changed byte: refused, nothing opened.
        let mut own = Store::open(&d.join(format!("e{k}.sqlite3")))?;
        let err = package::open(&mut own, &actor(), &pkg, "wrong passphrase!!")
            .err()
            .ok_or("wrong passphrase opened")?;
        assert!(err.to_string().contains("cannot be decrypted"));
        let mut tampered = bytes.clone();
        let n = tampered.len() - 10;
        tampered[n] ^= 1;
        std::fs::write(d.join("t.pkg"), &tampered)?;
        assert!(package::open(&mut own, &actor(), &d.join("t.pkg"), pass).is_err());
        assert!(own.is_empty()?);
        let opened = package::open(&mut own, &actor(), &pkg, pass)?;
        let local = CallData::load(own.conn(), call)?;
        assert_eq!(local.bids.len(), mine.len());
        assert_eq!(local.evaluators.len(), 1, "only the evaluator themselves");
        for b in &local.bids {
            for c in ["RELEVANCE", "IMPLEMENTATION", "IMPACT"] {
                let score = if c == "IMPACT" { 4.5 } else { 4.0 };
                scoring::set(
                    &mut own,
                    &actor(),
                    call,
                    &scoring::ScoreInput {
                        bid_id: b.id,
                        evaluator_id: opened.evaluator_id,
                        criterion: c.into(),
                        score,
                        comment: text.clone(),
                    },
                )?;
            }
            scoring::submit(&mut own, &actor(), call, b.id, opened.evaluator_id)?;
        }
        let ret = d.join(format!("e{k}.ret"));
        package::write_return(&mut own, &actor(), &key, crate::KEY_PASS, pass, &ret)?;
        returns.push((ret, key, e.email.clone()));
    }
    // A return signed with another evaluator's key is refused.
    {
        let (_, key0, _) = &returns[0];
        let mut own1 = Store::open(&d.join("e1.sqlite3"))?;
        let err = package::write_return(
            &mut own1,
            &actor(),
            key0,
            crate::KEY_PASS,
            pass,
            &d.join("forged.ret"),
        )
        .err()
        .ok_or("wrong key accepted")?;
        assert!(
            err.to_string()
                .contains("not the one the office registered")
        );
        let _ = &mut own1;
    }
    // A tampered return is refused and changes nothing.
    let bytes = std::fs::read(&returns[0].0)?;
    let mut t = bytes.clone();
    let n = t.len() / 2 + 40;
    t[n] ^= 0x20;
    std::fs::write(d.join("t.ret"), &t)?;
    let before = store::audit::entries(office.conn())?.len();
    assert!(package::import_return(&mut office, &actor(), &d.join("t.ret"), pass).is_err());
    assert_eq!(store::audit::entries(office.conn())?.len(), before);
    // A package is not a return.
    assert!(package::import_return(&mut office, &actor(), &d.join("e0.pkg"), pass).is_err());
    for (ret, _, _) in &returns {
        let r = package::import_return(&mut office, &actor(), ret, pass)?;
        assert!(r.conflicts.is_empty());
        assert!(!r.submitted.is_empty());
        // The same return again is refused plainly, and changes nothing.
        let before = store::audit::entries(office.conn())?.len();
        let again = package::import_return(&mut office, &actor(), ret, pass)
            .err()
            .ok_or("a return imported twice")?;
        assert!(again.to_string().contains("already imported"), "{again}");
        assert_eq!(store::audit::entries(office.conn())?.len(), before);
    }
    // Every expert has submitted: consensus and ranking at the office.
    for b in &data.bids {
        for c in ["RELEVANCE", "IMPLEMENTATION", "IMPACT"] {
            let score = if c == "IMPACT" { 4.5 } else { 4.0 };
            consensus::draft(
                &mut office,
                &actor(),
                Viewer::Office,
                call,
                b.id,
                &consensus::ConsensusDraft {
                    criterion: c.into(),
                    score,
                    comment: text.clone(),
                    reconciliation_note: None,
                    minority_view: None,
                },
            )?;
        }
        for a in data.assignments.iter().filter(|a| a.bid_id == b.id) {
            consensus::approve(&mut office, &actor(), call, b.id, a.evaluator_id)?;
        }
    }
    let ranked = evaluation::rank_call(office.conn(), call, None)?;
    assert!(ranked.ranking.complete);
    assert!(
        ranked.ranking.bids.iter().all(|b| b.list == List::Main),
        "{:?}",
        order(&ranked.ranking)
    );
    assert!(store::audit::verify_chain(office.conn())?.is_none());
    Ok(())
}

#[test]
fn a_score_edited_at_the_office_and_in_the_return_is_a_conflict_never_overwritten() -> TestResult {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let mut office = programme(&d.join("office.sqlite3"))?;
    let call = "EUROHPC-AIF-2026-01";
    assign::auto(&mut office, &actor(), call)?;
    let data = CallData::load(office.conn(), call)?;
    let a = data.assignments[0].clone();
    let e = store::evaluation::evaluator(office.conn(), a.evaluator_id)?;
    let key = d.join("k.json");
    let public = package::new_key(&key, crate::KEY_PASS, actor().at)?;
    package::register_key(&mut office, &actor(), &e.email, &public)?;
    let pass = "a long enough passphrase";
    package::export(
        &mut office,
        &actor(),
        call,
        &e.email,
        pass,
        &d.join("p.pkg"),
        None,
    )?;
    let mut own = Store::open(&d.join("own.sqlite3"))?;
    let opened = package::open(&mut own, &actor(), &d.join("p.pkg"), pass)?;
    let acronym = &data.bid(a.bid_id).ok_or("bid")?.acronym;
    let local_bid = evaluation::bid_id(own.conn(), call, acronym)?;
    let input = |bid_id, evaluator_id, score: f64, comment: &str| scoring::ScoreInput {
        bid_id,
        evaluator_id,
        criterion: "IMPACT".into(),
        score,
        comment: comment.into(),
    };
    scoring::set(
        &mut own,
        &actor(),
        call,
        &input(local_bid, opened.evaluator_id, 4.5, "offline view"),
    )?;
    scoring::set(
        &mut own,
        &actor(),
        call,
        &input(local_bid, opened.evaluator_id, 3.0, "offline view, revised"),
    )?;
    // Meanwhile the office (e.g. a phone call) records another value.
    scoring::set(
        &mut office,
        &actor(),
        call,
        &input(a.bid_id, a.evaluator_id, 2.0, "office view"),
    )?;
    scoring::set(
        &mut own,
        &actor(),
        call,
        &scoring::ScoreInput {
            criterion: "RELEVANCE".into(),
            ..input(local_bid, opened.evaluator_id, 4.0, "only offline")
        },
    )?;
    package::write_return(
        &mut own,
        &actor(),
        &key,
        crate::KEY_PASS,
        pass,
        &d.join("r.ret"),
    )?;
    let r = package::import_return(&mut office, &actor(), &d.join("r.ret"), pass)?;
    assert_eq!(r.conflicts.len(), 1);
    assert_eq!(r.conflicts[0].office_score, Some(2.0));
    assert_eq!(r.conflicts[0].return_score, 3.0);
    assert_eq!(
        r.applied, 1,
        "RELEVANCE, edited on one side only, is applied"
    );
    let office_score = store::evaluation::score(office.conn(), a.bid_id, a.evaluator_id, "IMPACT")?
        .ok_or("score")?;
    assert_eq!(office_score.score, 2.0, "never overwritten silently");
    package::resolve(&mut office, &actor(), call, r.conflicts[0].id, true)?;
    let office_score = store::evaluation::score(office.conn(), a.bid_id, a.evaluator_id, "IMPACT")?
        .ok_or("score")?;
    assert_eq!(
        (office_score.score, office_score.comment.as_str()),
        (3.0, "offline view, revised")
    );
    assert!(
        package::resolve(&mut office, &actor(), call, r.conflicts[0].id, false).is_err(),
        "resolved once"
    );
    let h = scoring::history(
        office.conn(),
        Viewer::Office,
        a.bid_id,
        a.evaluator_id,
        "IMPACT",
    )?;
    assert_eq!(h.len(), 2, "office edit, then the resolution");
    Ok(())
}
