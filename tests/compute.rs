//! Compute per euro against COMPUTE.md's figures, reproduced from the shipped data.

use crate::{TestResult, actor, repo_root};
use gigafund::Error;
use gigafund::app::{self, ComputeEvidence};
use gigafund::compute::LABEL;
use gigafund::compute::estimate::{Basis, EstimateParams};
use gigafund::store::Store;

fn demo() -> Result<Store, Box<dyn std::error::Error>> {
    let mut store = Store::open_in_memory()?;
    app::load_demo(&mut store, &actor(), None)?;
    Ok(store)
}

fn close(actual: f64, expected: f64, rel: f64, what: &str) {
    assert!(
        ((actual - expected) / expected).abs() <= rel,
        "{what}: {actual} is not within {:.1} % of {expected}",
        rel * 100.0
    );
}

fn worked_example() -> Result<EstimateParams, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(repo_root().join("tests/fixtures/worked-example.toml"))?;
    Ok(gigafund::ingest::parse_toml("worked-example.toml", &text)?)
}

#[test]
fn relative_productivity_matches_compute_md() -> TestResult {
    let store = demo()?;
    let t = app::compute_relative(&store, "5.1", "llama2_70b_lora", 8)?;
    for (acc, expected) in [
        ("B200", 2.35),
        ("B300", 2.47),
        ("MI355X", 2.29),
        ("MI325X", 1.10),
        ("MI300X", 0.83),
    ] {
        let p = t.p(acc).ok_or(acc)?;
        assert!(
            (p - expected).abs() <= 0.01,
            "{acc}: p = {p:.3}, COMPUTE.md says {expected}"
        );
    }
    assert_eq!(t.p("H200-SXM"), Some(1.0));
    let fp4 = t.rows.iter().filter(|r| r.precision == "fp4").count();
    assert!(fp4 >= 1, "FP4 runs are kept apart, not mixed into FP8");
    assert!(t.label.contains(LABEL) && t.label.contains("5.1"));

    let h100 = app::compute_relative(&store, "4.1", "llama2_70b_lora", 8)?
        .p("H100-SXM")
        .ok_or("H100")?;
    assert!((h100 - 0.84).abs() <= 0.01, "H100-SXM in 4.1: {h100:.3}");
    Ok(())
}

#[test]
fn the_scaling_fit_matches_compute_md() -> TestResult {
    let store = demo()?;
    let r = app::compute_scaling(&store)?;
    let s = &r.pooled;
    assert!((s.s - 0.897).abs() < 0.002, "pooled s = {}", s.s);
    assert!(
        (s.ci_low - 0.877).abs() < 0.002 && (s.ci_high - 0.917).abs() < 0.002,
        "CI {}–{}",
        s.ci_low,
        s.ci_high
    );
    let llama = r
        .per_benchmark
        .iter()
        .find(|f| f.benchmarks == ["llama31_405b"])
        .ok_or("llama")?;
    assert!(
        (llama.s - 0.938).abs() < 0.003,
        "llama31_405b alone: {}",
        llama.s
    );
    assert!(s.label.contains(LABEL) && s.label.contains("extrapolated"));
    Ok(())
}

#[test]
fn the_worked_example_is_reproduced_within_one_percent() -> TestResult {
    let store = demo()?;
    let evidence = ComputeEvidence::load(&store, "5.1")?;
    let params = worked_example()?;
    let e = evidence.estimate(&params, "worked-example.toml")?;
    let c = &e.central;
    close(c.eta, 0.670, 0.01, "η");
    close(c.work_per_year, 1.07e9, 0.01, "work per year");
    close(c.facility_mw, 150.0, 0.01, "facility MW");
    close(c.energy_mwh_per_year, 1.12e6, 0.01, "energy per year");
    close(c.tco_pv, 6.87e9, 0.01, "TCO PV");
    close(c.eur_per_h200e_hour, 1.48, 0.01, "€ per H200e-hour");
    close(c.h200e_hours_per_mwh, 955.0, 0.01, "H200e-hours per MWh");
    assert!(
        e.low.eur_per_h200e_hour > c.eur_per_h200e_hour
            && e.high.eur_per_h200e_hour < c.eur_per_h200e_hour
    );

    for (s, expected) in [(0.877, 1.60), (0.938, 1.26)] {
        let e = evidence.estimate(
            &EstimateParams {
                s: Some(s),
                ..params.clone()
            },
            "worked-example.toml",
        )?;
        close(
            e.central.eur_per_h200e_hour,
            expected,
            0.01,
            &format!("€ per H200e-hour at s = {s}"),
        );
    }
    Ok(())
}

#[test]
fn a_part_without_a_benchmark_falls_back_on_peak_flops_and_says_so() -> TestResult {
    let store = demo()?;
    let evidence = ComputeEvidence::load(&store, "5.1")?;
    // TPU-v7: 4,614 dense FP8 TFLOP/s, 960 W, no MLPerf Training result in 5.1.
    let params = EstimateParams {
        accelerator: "TPU-v7".into(),
        p: None,
        s: None,
        kw_it_per_acc: None,
        ..worked_example()?
    };
    let e = evidence.estimate(&params, "fallback.toml")?;
    assert_eq!(e.basis, Basis::PeakFallback);
    close(e.p, 1.91, 0.01, "p = 0.82 × 2.33");
    close(
        e.central.s,
        0.877,
        0.003,
        "the fallback uses the lower bound of s",
    );
    close(
        e.central.eur_per_h200e_hour,
        1.97,
        0.01,
        "€ per H200e-hour of the fallback",
    );
    assert!(
        e.fallback_note
            .as_deref()
            .is_some_and(|n| n.contains("fallback"))
    );
    assert!(
        e.power_source.contains("TDP"),
        "no measured power: TDP × 1.14 ({})",
        e.power_source
    );
    Ok(())
}

#[test]
fn inference_medians_match_compute_md() -> TestResult {
    let store = demo()?;
    let t = app::compute_inference(&store, "5.1", "llama2-70b-99", "Offline")?;
    let per = |a: &str| {
        t.rows
            .iter()
            .find(|r| r.accelerator == a)
            .map(|r| r.per_accelerator)
    };
    close(
        per("H200-SXM").ok_or("H200")?,
        4361.0,
        0.001,
        "H200 tokens/s",
    );
    close(per("B200").ok_or("B200")?, 12690.0, 0.001, "B200 tokens/s");
    assert!(t.label.contains(LABEL));
    Ok(())
}

#[test]
fn every_demo_bid_gets_an_estimate_with_a_range() -> TestResult {
    let store = demo()?;
    for call in app::calls(&store)? {
        for row in app::compute_call(&store, &call.code, "5.1")? {
            let e = row
                .estimate
                .ok_or_else(|| format!("{}: {:?}", row.acronym, row.problem))?;
            assert!(e.low.eur_per_h200e_hour >= e.central.eur_per_h200e_hour);
            assert!(e.central.eur_per_h200e_hour >= e.high.eur_per_h200e_hour);
            assert!(e.central.eur_per_h200e_hour.is_finite() && e.central.eur_per_h200e_hour > 0.0);
        }
    }
    Ok(())
}

fn benchmark_file(name: &str) -> std::path::PathBuf {
    repo_root().join("sample-data/benchmarks").join(name)
}

#[test]
fn importing_the_same_files_again_changes_nothing_and_unusable_rows_are_listed() -> TestResult {
    let mut store = Store::open_in_memory()?;
    let files = [
        benchmark_file("mlperf_training.csv"),
        benchmark_file("hardware.csv"),
        benchmark_file("mlperf_inference.csv"),
    ];
    let first = app::import_benchmark_files(&mut store, &actor(), &files)?;
    let training = first
        .files
        .iter()
        .find(|f| f.kind == "training")
        .ok_or("training")?;
    assert_eq!(training.rows, 745);
    assert_eq!(training.new, 745);
    let duplicates = training
        .excluded
        .iter()
        .filter(|x| x.reason.starts_with("duplicate of"))
        .count();
    assert_eq!(duplicates, 58, "rows with duplicate_of are kept out");
    assert_eq!(
        training
            .excluded
            .iter()
            .filter(|x| x.reason.starts_with("no score"))
            .count(),
        5
    );
    let inference = first
        .files
        .iter()
        .find(|f| f.kind == "inference")
        .ok_or("inference")?;
    assert!(
        inference
            .excluded
            .iter()
            .any(|x| x.reason.starts_with("unknown accelerator"))
    );

    let audit = |s: &Store| -> rusqlite::Result<i64> {
        s.conn()
            .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
    };
    let before = audit(&store)?;
    let again = app::import_benchmark_files(&mut store, &actor(), &files)?;
    assert!(
        again.files.iter().all(|f| f.new == 0),
        "nothing is new the second time: {:?}",
        again.files.iter().map(|f| f.new).collect::<Vec<_>>()
    );
    assert_eq!(audit(&store)?, before, "and nothing is written");
    Ok(())
}

#[test]
fn a_broken_benchmark_file_is_refused_whole_with_line_and_column() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut store = Store::open_in_memory()?;
    app::import_benchmark_files(&mut store, &actor(), &[benchmark_file("hardware.csv")])?;
    let text = std::fs::read_to_string(benchmark_file("mlperf_training.csv"))?;
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[10] = lines[10].replacen(",8,1,8,", ",eight,1,8,", 1);
    let broken = dir.path().join("round-6.0.csv");
    std::fs::write(&broken, lines.join("\n"))?;
    let err = app::import_benchmark_files(&mut store, &actor(), &[broken])
        .err()
        .ok_or("refused")?;
    match err {
        Error::Invalid(p) => {
            assert_eq!(p[0].location.file.as_deref(), Some("round-6.0.csv"));
            assert_eq!(p[0].location.cell.as_deref(), Some("line 11"));
            assert_eq!(p[0].location.field.as_deref(), Some("accelerator_count"));
            assert_eq!(p[0].found.as_deref(), Some("eight"));
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    let runs: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM benchmark_runs", [], |r| r.get(0))?;
    assert_eq!(runs, 0, "nothing of the refused file was stored");

    let no_column = dir.path().join("no-source.csv");
    std::fs::write(
        &no_column,
        text.replace(",source,duplicate_of", ",origin,duplicate_of"),
    )?;
    let err = app::import_benchmark_files(&mut store, &actor(), &[no_column])
        .err()
        .ok_or("refused")?;
    assert!(
        matches!(&err, Error::Invalid(p) if p[0].location.field.as_deref() == Some("source")),
        "{err}"
    );
    Ok(())
}
