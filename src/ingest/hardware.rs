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

/// Reads every row; a row that cannot be read is reported with its line and column.
pub fn parse(file: &str, text: &str) -> Result<Vec<Accelerator>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for row in reader.deserialize::<Row>() {
        match row {
            Ok(r) => {
                let release_date = match r.release_date.as_deref().filter(|d| !d.is_empty()) {
                    Some(d) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                        Ok(date) => Some(date),
                        Err(_) => {
                            problems.push(Problem {
                                location: Location::file(file)
                                    .with_cell(format!("row for {}", r.accelerator_key))
                                    .with_field("release_date"),
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
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                let field = match e.kind() {
                    csv::ErrorKind::Deserialize { err, .. } => err.field(),
                    _ => None,
                };
                let mut location = Location::file(file).with_cell(format!("line {line}"));
                if let Some(f) = field {
                    location = location.with_field(format!("column {}", f + 1));
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
