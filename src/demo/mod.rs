//! The demo programme: the call templates and `sample-data/`, embedded in the binary so
//! that the installed app can load it, or read from a directory.

use crate::error::{Error, Problem, Result};
use crate::ingest::{self, roster::DeclaredConflict};
use crate::model::{Actor, Bid, Call, Conflict, ConflictSource, Evaluator};
use crate::store::{self, Store};
use include_dir::{Dir, include_dir};
use std::collections::{HashMap, HashSet};
use std::path::Path;

mod evaluation;
pub mod synthetic;

static CALLS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/templates/calls");
static BIDS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/sample-data/bids");
static PROGRAMMES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/templates/programmes");
const EVALUATORS: &str = include_str!("../../sample-data/evaluators.toml");
const EVALUATION: &str = include_str!("../../sample-data/evaluation.toml");
const HARDWARE: &str = include_str!("../../sample-data/benchmarks/hardware.csv");
const TRAINING: &str = include_str!("../../sample-data/benchmarks/mlperf_training.csv");
const INFERENCE: &str = include_str!("../../sample-data/benchmarks/mlperf_inference.csv");
const CLUSTERS: &str = include_str!("../../sample-data/benchmarks/ai_supercomputers.csv");

/// The demo's files as (name, text) pairs, sorted by name.
#[derive(Clone, Debug)]
pub struct DemoFiles {
    pub calls: Vec<(String, String)>,
    pub bids: Vec<(String, String)>,
    pub evaluators: (String, String),
    /// The demo evaluation (scores and consensus), when there is one.
    pub evaluation: Option<(String, String)>,
    pub hardware: (String, String),
    /// MLPerf Training and Inference results.
    pub benchmarks: Vec<(String, String)>,
    /// Programme templates: each becomes a programme, its recorded awards stored, and
    /// the main list of each of its ranked demo calls awarded.
    pub programmes: Vec<(String, String)>,
}

impl DemoFiles {
    /// The files compiled into this build.
    pub fn embedded() -> DemoFiles {
        let toml_files = |dir: &Dir<'_>| {
            let mut v: Vec<(String, String)> = dir
                .files()
                .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
                .filter_map(|f| {
                    Some((
                        f.path().file_name()?.to_string_lossy().into_owned(),
                        f.contents_utf8()?.to_string(),
                    ))
                })
                .collect();
            v.sort();
            v
        };
        DemoFiles {
            calls: toml_files(&CALLS),
            bids: toml_files(&BIDS),
            programmes: toml_files(&PROGRAMMES),
            evaluators: ("evaluators.toml".into(), EVALUATORS.into()),
            evaluation: Some(("evaluation.toml".into(), EVALUATION.into())),
            hardware: ("hardware.csv".into(), HARDWARE.into()),
            benchmarks: vec![
                ("mlperf_training.csv".into(), TRAINING.into()),
                ("mlperf_inference.csv".into(), INFERENCE.into()),
                ("ai_supercomputers.csv".into(), CLUSTERS.into()),
            ],
        }
    }

    /// Reads the same layout from disk: `root/templates/calls/*.toml`,
    /// `root/sample-data/{bids/*.toml, evaluators.toml, benchmarks/hardware.csv}`.
    pub fn from_dir(root: &Path) -> Result<DemoFiles> {
        let toml_files = |dir: &Path| -> Result<Vec<(String, String)>> {
            let mut v = Vec::new();
            for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
                let path = entry.map_err(|e| Error::io(dir, e))?.path();
                if path.extension().is_some_and(|e| e == "toml") {
                    v.push((ingest::display_name(&path), ingest::read_text(&path)?));
                }
            }
            v.sort();
            Ok(v)
        };
        let sample = root.join("sample-data");
        Ok(DemoFiles {
            calls: toml_files(&root.join("templates/calls"))?,
            bids: toml_files(&sample.join("bids"))?,
            programmes: match root.join("templates/programmes") {
                p if p.exists() => toml_files(&p)?,
                _ => Vec::new(),
            },
            evaluators: (
                "evaluators.toml".into(),
                ingest::read_text(&sample.join("evaluators.toml"))?,
            ),
            evaluation: match sample.join("evaluation.toml") {
                p if p.exists() => Some(("evaluation.toml".into(), ingest::read_text(&p)?)),
                _ => None,
            },
            hardware: (
                "hardware.csv".into(),
                ingest::read_text(&sample.join("benchmarks/hardware.csv"))?,
            ),
            benchmarks: [
                "mlperf_training.csv",
                "mlperf_inference.csv",
                "ai_supercomputers.csv",
            ]
            .iter()
            .map(|n| {
                Ok((
                    n.to_string(),
                    ingest::read_text(&sample.join("benchmarks").join(n))?,
                ))
            })
            .collect::<Result<Vec<_>>>()?,
        })
    }
}

/// Everything the demo holds, parsed and checked, before anything is stored.
struct Parsed {
    accelerators: Vec<crate::model::Accelerator>,
    runs: Vec<Vec<crate::model::BenchmarkRun>>,
    clusters: Vec<(String, Vec<ingest::benchmarks::Cluster>)>,
    calls: Vec<Call>,
    bids: Vec<Bid>,
    evaluators: Vec<(Evaluator, Vec<DeclaredConflict>)>,
    programmes: Vec<crate::programme::template::ProgrammeFile>,
}

fn parse(files: &DemoFiles) -> Result<Parsed> {
    let mut problems: Vec<Problem> = Vec::new();
    let mut keep = |r: Result<()>| -> Result<()> {
        match r {
            Err(Error::Invalid(p)) => {
                problems.extend(p);
                Ok(())
            }
            other => other,
        }
    };
    let mut accelerators = Vec::new();
    keep(ingest::hardware::parse(&files.hardware.0, &files.hardware.1).map(|a| accelerators = a))?;
    let known: HashSet<String> = accelerators.iter().map(|a| a.key.clone()).collect();
    let mut runs = Vec::new();
    let mut clusters = Vec::new();
    for (name, text) in &files.benchmarks {
        keep(
            ingest::benchmarks::parse(name, text, &known).and_then(|f| match f {
                ingest::benchmarks::BenchmarkFile::Runs(_, r) => {
                    runs.push(r);
                    Ok(())
                }
                ingest::benchmarks::BenchmarkFile::Clusters(c) => {
                    clusters.push((name.clone(), c));
                    Ok(())
                }
                ingest::benchmarks::BenchmarkFile::Hardware(_) => Err(Error::Internal(format!(
                    "{name}: expected MLPerf results, found a hardware list"
                ))),
            }),
        )?;
    }
    let mut calls = Vec::new();
    for (name, text) in &files.calls {
        keep(ingest::call_template::parse(name, text).map(|c| calls.push(c)))?;
    }
    let mut bids = Vec::new();
    let mut bid_files = Vec::new();
    for (name, text) in &files.bids {
        keep(ingest::bid_file::parse(name, text, &known).map(|b| {
            bid_files.push(name.as_str());
            bids.push(b)
        }))?;
    }
    let mut evaluators = Vec::new();
    keep(ingest::roster::parse(&files.evaluators.0, &files.evaluators.1).map(|e| evaluators = e))?;
    let mut programmes = Vec::new();
    for (name, text) in &files.programmes {
        keep(crate::programme::template::parse(name, text).map(|p| programmes.push(p)))?;
    }
    if let Some((name, text)) = &files.evaluation {
        keep(evaluation::check(name, text))?;
    }
    // Every bid names a call of the demo, and every declared conflict a bid of it: said
    // with the file it comes from, before anything is stored.
    let codes: std::collections::BTreeSet<&str> = calls.iter().map(|c| c.code.as_str()).collect();
    for (name, b) in bid_files.iter().zip(&bids) {
        if !codes.contains(b.call_code.as_str()) {
            problems.push(Problem {
                location: crate::error::Location::file(*name).with_field("call"),
                rule: format!(
                    "names a call of the demo ({})",
                    codes.iter().copied().collect::<Vec<_>>().join(", ")
                ),
                found: Some(b.call_code.clone()),
            });
        }
    }
    let known_bids: HashSet<(&str, &str)> = bids
        .iter()
        .map(|b| (b.call_code.as_str(), b.acronym.as_str()))
        .collect();
    // (Only once every bid file reads: a conflict naming a bid whose file is broken is not
    // a second problem.)
    let all_bids_read = bids.len() == files.bids.len();
    for (e, declared) in evaluators.iter().filter(|_| all_bids_read) {
        for d in declared {
            if !known_bids.contains(&(d.call_code.as_str(), d.acronym.as_str())) {
                problems.push(Problem {
                    location: crate::error::Location::file(&files.evaluators.0)
                        .with_field("declared conflicts"),
                    rule: format!("{}'s declared conflict names a bid of the demo", e.name),
                    found: Some(format!("{}/{}", d.call_code, d.acronym)),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(Parsed {
            accelerators,
            runs,
            clusters,
            calls,
            bids,
            evaluators,
            programmes,
        })
    } else {
        Err(Error::Invalid(problems))
    }
}

/// Loads the demo programme into an empty database, in one transaction.
pub fn load(store: &mut Store, actor: &Actor, files: &DemoFiles) -> Result<()> {
    if !store.is_empty()? {
        return Err(Error::Conflict(
            "the database already holds calls: the demo programme loads only into an empty database".into(),
        ));
    }
    let parsed = parse(files)?;
    store.write(actor, |tx| {
        for a in &parsed.accelerators {
            store::benchmarks::upsert_accelerator(tx, a)?;
        }
        for r in &parsed.runs {
            store::benchmarks::insert_runs(tx, r)?;
        }
        for (name, c) in &parsed.clusters {
            store::benchmarks::insert_clusters(tx, name, c)?;
        }
        for c in &parsed.calls {
            store::calls::insert(tx, c)?;
        }
        let mut bid_ids = HashMap::new();
        for b in &parsed.bids {
            let id = store::bids::insert(tx, b)?;
            bid_ids.insert((b.call_code.clone(), b.acronym.clone()), id);
        }
        for (e, declared) in &parsed.evaluators {
            let evaluator_id = store::evaluation::insert_evaluator(tx, e)?;
            for d in declared {
                let bid_id = bid_ids
                    .get(&(d.call_code.clone(), d.acronym.clone()))
                    .copied()
                    .ok_or_else(|| Error::NotFound {
                        kind: "bid",
                        key: format!(
                            "{}/{} (declared conflict of {})",
                            d.call_code, d.acronym, e.name
                        ),
                    })?;
                store::evaluation::insert_conflict(
                    tx,
                    &Conflict {
                        id: 0,
                        evaluator_id,
                        bid_id: Some(bid_id),
                        organisation_id: None,
                        kind: d.kind,
                        source: ConflictSource::Declared,
                        note: d.note.clone(),
                    },
                )?;
            }
        }
        if let Some((name, text)) = &files.evaluation {
            evaluation::run(tx, actor, name, text)?;
        }
        // The programmes after selection: their recorded awards, then the main list of
        // each ranked call they fund (when the evaluation ranked it).
        for p in &parsed.programmes {
            crate::app::programme::import_in(tx, p)?;
            if files.evaluation.is_some() {
                for call in &p.template.calls {
                    if parsed.calls.iter().any(|c| &c.code == call) {
                        crate::app::programme::award_main_list(tx, call)?;
                    }
                }
            }
        }
        appraisals(tx)?;
        Ok(())
    })
}

/// Paths of the demo's appraisal Monte Carlo (enough for a probability of default to two
/// figures; the analyst runs more in the Finance view).
const APPRAISAL_PATHS: u32 = 2_000;

/// The appraisal of every demo award made from a bid with a guarantee or a loan: the bid's
/// finance scenario with its Monte Carlo saved, as an EIB analyst would before signing, so
/// that the portfolio's contingent liabilities have their probability of a call.
fn appraisals(tx: &mut crate::store::Tx<'_>) -> Result<()> {
    let never = std::sync::atomic::AtomicBool::new(false);
    for a in crate::store::programme::awards(tx.conn(), None)? {
        let Some(bid_id) = a.bid_id else { continue };
        if a.figures.guarantee.0 == 0 && a.figures.loan.0 == 0 {
            continue;
        }
        let bid = store::bids::get(tx.conn(), bid_id)?;
        let inputs = crate::app::finance::bid_inputs(&bid)?.inputs;
        let outcome = crate::finance::engine::run(&inputs)?;
        let mc = crate::finance::montecarlo::run(&inputs, APPRAISAL_PATHS, 1, &|_, _| {}, &never)?;
        store::scenarios::insert(
            tx,
            &store::scenarios::NewScenario {
                bid_id: Some(bid_id),
                name: "Appraisal",
                inputs: &inputs,
                metrics: &outcome.metrics,
                monte_carlo: Some(&mc),
                engine_version: crate::finance::ENGINE_VERSION,
                note: "Saved by the demo: the bid's own figures, before signature",
            },
        )?;
    }
    Ok(())
}
