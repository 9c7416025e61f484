//! Fuzzes the applicant workbook reader with arbitrary bytes (seed corpus: the sample and
//! broken workbooks). It must never panic, and must answer either a read bid with its
//! findings or exactly one refusal. Small limits keep each run's memory bounded.
#![no_main]

use gigafund::ingest::workbook::{Limits, read_bytes_unguarded};
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;

fuzz_target!(|data: &[u8]| {
    let known: HashSet<String> = ["B200", "GB300", "H200-SXM"].iter().map(|s| s.to_string()).collect();
    let limits = Limits {
        file_bytes: 4 * 1024 * 1024,
        unpacked_bytes: 32 * 1024 * 1024,
        cells: 200_000,
    };
    let read = read_bytes_unguarded("fuzz.xlsx", data, &known, Some("INVESTAI-AIGF-2026"), limits);
    assert!(read.bid.is_some() || read.findings.len() == 1);
});
