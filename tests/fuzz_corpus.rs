//! The fuzz targets' corpus as ordinary tests: the seed inputs and every input that ever
//! found a bug (`fuzz/regressions/`) go through the same assertion as `cargo fuzz`, on the
//! stable toolchain, in every test run.

use crate::{TestResult, repo_root};
use gigafund::ingest::workbook::{Limits, read_bytes_unguarded};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            files(&p, out)?;
        } else if p.extension().is_some_and(|e| e != "md" && e != "toml") {
            out.push(p);
        }
    }
    Ok(())
}

/// The same check as `fuzz/fuzz_targets/workbook.rs`: no panic, and either a read bid with
/// its findings or exactly one refusal.
#[test]
fn fuzz_corpus_workbook_inputs_never_panic_and_answer_a_bid_or_one_refusal() -> TestResult {
    let root = repo_root();
    let mut inputs = Vec::new();
    files(&root.join("sample-data/workbooks"), &mut inputs)?;
    files(&root.join("fuzz/regressions/workbook"), &mut inputs)?;
    assert!(inputs.len() >= 20, "the seeds are there: {}", inputs.len());
    let known: HashSet<String> = ["B200", "GB300", "H200-SXM"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for path in &inputs {
        let data = std::fs::read(path)?;
        let limits = Limits {
            file_bytes: 4 * 1024 * 1024,
            unpacked_bytes: 32 * 1024 * 1024,
            cells: 200_000,
        };
        let read = std::panic::catch_unwind(|| {
            read_bytes_unguarded(
                "fuzz.xlsx",
                &data,
                &known,
                Some("INVESTAI-AIGF-2026"),
                limits,
            )
        })
        .map_err(|_| format!("{} made the reader panic", path.display()))?;
        assert!(
            read.bid.is_some() || read.findings.len() == 1,
            "{}: {} findings and no bid",
            path.display(),
            read.findings.len()
        );
    }
    Ok(())
}
