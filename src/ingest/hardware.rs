//! Accelerators from `hardware.csv` (Epoch AI, "Data on Machine Learning Hardware",
//! CC-BY 4.0), as shipped in `../shared/data/benchmarks/` and `sample-data/benchmarks/`.

use crate::error::{Error, Location, Problem, Result};
use crate::model::Accelerator;
use chrono::NaiveDate;
use serde::Deserialize;

#[derive(Deserialize)]
struct Row {
    accelerator_key: String,
    epoch_hardware_name: String,
    vendor: String,
    release_date: Option<String>,
    list_price_usd: Option<f64>,
    fp4_tflops: Option<f64>,
    fp8_tflops: Option<f64>,
    bf16_tflops: Option<f64>,
    memory_gb: Option<f64>,
    tdp_w: Option<f64>,
    source: String,
}

/// Physical bounds of each figure of an accelerator: a value outside them is a typo or a
/// unit mistake, never a chip (the largest wafer-scale parts draw about 25 kW).
const BOUNDS: [(&str, f64, f64); 6] = [
    ("fp4_tflops", 0.0, 1.0e6),
    ("fp8_tflops", 0.0, 1.0e6),
    ("bf16_tflops", 0.0, 1.0e6),
    ("memory_gb", 0.0, 100_000.0),
    ("tdp_w", 1.0, 50_000.0),
    ("list_price_usd", 1.0, 1.0e8),
];

/// Reads every row; a row that cannot be read, a figure outside its physical bounds or a
/// key given twice is reported with its line and column.
pub fn parse(file: &str, text: &str) -> Result<Vec<Accelerator>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| {
            Error::invalid(
                Location::file(file).with_cell("line 1"),
                "a CSV header row",
                Some(e.to_string()),
            )
        })?
        .clone();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut lines: std::collections::HashMap<String, u64> = Default::default();
    for record in reader.records() {
        let (line, row) = match record {
            Ok(rec) => {
                let line = rec.position().map(|p| p.line()).unwrap_or(0);
                (line, rec.deserialize::<Row>(Some(&headers)))
            }
            Err(e) => (e.position().map(|p| p.line()).unwrap_or(0), Err(e)),
        };
        let at = |field: &str| {
            Location::file(file)
                .with_cell(format!("line {line}"))
                .with_field(field)
        };
        match row {
            Ok(r) => {
                if r.accelerator_key.trim().is_empty() {
                    problems.push(Problem {
                        location: at("accelerator_key"),
                        rule: "every row names its accelerator_key".into(),
                        found: None,
                    });
                    continue;
                }
                if let Some(first) = lines.insert(r.accelerator_key.clone(), line) {
                    problems.push(Problem {
                        location: at("accelerator_key"),
                        rule: format!(
                            "each accelerator appears once in the file (also on line {first})"
                        ),
                        found: Some(r.accelerator_key.clone()),
                    });
                }
                let values = [
                    r.fp4_tflops,
                    r.fp8_tflops,
                    r.bf16_tflops,
                    r.memory_gb,
                    r.tdp_w,
                    r.list_price_usd,
                ];
                for ((name, lo, hi), v) in BOUNDS.iter().zip(values) {
                    if let Some(v) = v
                        && !(v.is_finite() && v > *lo && v <= *hi)
                    {
                        problems.push(Problem {
                            location: at(name),
                            rule: format!(
                                "{name} is more than {lo} and at most {hi} (a physical bound)"
                            ),
                            found: Some(v.to_string()),
                        });
                    }
                }
                let release_date = match r.release_date.as_deref().filter(|d| !d.is_empty()) {
                    Some(d) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                        Ok(date) => Some(date),
                        Err(_) => {
                            problems.push(Problem {
                                location: at("release_date"),
                                rule: "a date such as 2024-11-15".into(),
                                found: Some(d.to_string()),
                            });
                            None
                        }
                    },
                    None => None,
                };
                out.push(Accelerator {
                    key: r.accelerator_key,
                    name: r.epoch_hardware_name,
                    vendor: r.vendor,
                    release_date,
                    fp4_tflops: r.fp4_tflops,
                    fp8_tflops: r.fp8_tflops,
                    bf16_tflops: r.bf16_tflops,
                    memory_gb: r.memory_gb,
                    tdp_w: r.tdp_w,
                    list_price_usd: r.list_price_usd,
                    source: r.source,
                });
            }
            Err(e) => {
                let field = match e.kind() {
                    csv::ErrorKind::Deserialize { err, .. } => err.field(),
                    _ => None,
                };
                let mut location = Location::file(file).with_cell(format!("line {line}"));
                if let Some(f) = field {
                    location = location.with_field(
                        headers
                            .get(f as usize)
                            .map(str::to_string)
                            .unwrap_or_else(|| format!("column {}", f + 1)),
                    );
                }
                problems.push(Problem {
                    location,
                    rule: "a row of hardware.csv (accelerator_key, numbers where numbers belong)"
                        .into(),
                    found: Some(e.to_string()),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::Invalid(problems))
    }
}
