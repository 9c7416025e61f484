//! Benchmark of the applicant workbook importer (issue 3): a workbook with 50,000 capex
//! and opex lines, read by Gigafund (every cell typed and checked, the bid built and its
//! rules applied). Run through `scripts/bench-workbook.sh`, which reads the same file with
//! `pandas.read_excel` (openpyxl) in the same run and reports the ratio.
//!
//! Usage: bench_workbook OUT.xlsx — writes the workbook, then prints one JSON document
//! with the median of 5 reads.

use gigafund::app::{self, applicant};
use gigafund::ingest::workbook;
use gigafund::model::{Actor, CapexCategory, CostLine, Eur, OpexCategory};
use gigafund::store::{self, Store};
use std::collections::HashSet;
use std::time::Instant;

const LINES: usize = 50_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .ok_or("usage: bench_workbook OUT.xlsx")?;
    let mut store = Store::open_in_memory()?;
    app::load_demo(&mut store, &Actor::new("bench", chrono::Utc::now()), None)?;
    let mut bid = store::bids::current(store.conn())?
        .into_iter()
        .find(|b| b.acronym == "AURORA-GF")
        .ok_or("AURORA-GF")?;
    // Half capex, half opex, spread over years and categories; financing balanced.
    let capex_cats = [
        CapexCategory::LandAndBuilding,
        CapexCategory::PowerAndCooling,
        CapexCategory::ItHardware,
        CapexCategory::Network,
        CapexCategory::Storage,
    ];
    let opex_cats = [
        OpexCategory::Electricity,
        OpexCategory::Staff,
        OpexCategory::Maintenance,
    ];
    bid.capex = (0..LINES / 2)
        .map(|i| CostLine {
            year: 2026 + (i % 3) as i32,
            category: capex_cats[i % capex_cats.len()],
            description: format!("Capex item {i}"),
            amount: Eur::from_cents(1_000_000 * (1 + (i as i64 % 97))),
        })
        .collect();
    bid.opex = (0..LINES / 2)
        .map(|i| CostLine {
            year: 2028 + (i % 5) as i32,
            category: opex_cats[i % opex_cats.len()],
            description: format!("Opex item {i}"),
            amount: Eur::from_cents(50_000 * (1 + (i as i64 % 89))),
        })
        .collect();
    let capex = bid.capex_total();
    let f = &mut bid.financing;
    f.equity = capex - f.eu_grant - f.member_state_grant - f.senior_debt;
    let call = store::calls::by_code(store.conn(), &bid.call_code)?;
    let keys = applicant::known_accelerators(&store)?;
    let bytes = gigafund::ingest::workbook_template::filled(
        &call,
        &keys,
        gigafund::countries::countries()?,
        &bid,
    )?;
    std::fs::write(&out, &bytes)?;

    let known: HashSet<String> = keys.into_iter().collect();
    let mut times = Vec::new();
    let mut lines = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let read = workbook::read(std::path::Path::new(&out), &known, Some(&bid.call_code))?;
        times.push(t.elapsed().as_secs_f64());
        let errors = read.errors();
        let b = read
            .into_bid()
            .map_err(|e| format!("{errors} errors: {e}"))?;
        lines = b.capex.len() + b.opex.len();
        assert_eq!(b.capex_total(), capex, "every line read");
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{}",
        serde_json::json!({
            "file": out,
            "bytes": bytes.len(),
            "lines": lines,
            "gigafund_seconds": times[times.len() / 2],
        })
    );
    Ok(())
}
