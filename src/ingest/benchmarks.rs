//! Benchmark files as published in `shared/data/benchmarks/` and newer rounds in the same
//! formats: MLPerf Training (`mlperf_training.csv`), MLPerf Inference
//! (`mlperf_inference.csv`) and the Epoch AI hardware list (`hardware.csv`). The kind is
//! told by the header, columns may come in any order.
//!
//! A malformed value (a count that is not a number, a missing column) refuses the whole
//! file with its line and column. A well-formed row that cannot be used in statistics (no
//! score, a duplicate of another result, an unknown accelerator) is kept with its reason.

use crate::error::{Error, Location, Problem, Result};
use crate::model::{Accelerator, BenchmarkRun, BenchmarkSuite};
use std::collections::{HashMap, HashSet};

/// What a benchmark file holds.
#[derive(Clone, Debug, PartialEq)]
pub enum BenchmarkFile {
    Hardware(Vec<Accelerator>),
    Clusters(Vec<Cluster>),
    Runs(BenchmarkSuite, Vec<BenchmarkRun>),
}

const TRAINING: &[&str] = &[
    "round",
    "submitter",
    "system",
    "accelerator",
    "accelerator_key",
    "accelerator_count",
    "benchmark",
    "precision_hint",
    "time_to_train_minutes",
    "energy_kj",
    "source",
    "duplicate_of",
];
const INFERENCE: &[&str] = &[
    "round",
    "result_id",
    "submitter",
    "system",
    "accelerator",
    "accelerator_key",
    "accelerator_count",
    "model",
    "scenario",
    "performance",
    "units",
    "weight_data_types",
    "avg_system_power_w",
    "joules_per_unit",
    "source",
];

/// Column positions by header name.
type Columns = HashMap<String, usize>;

/// Reads the header row; refuses the file when one of `required` is missing.
fn columns(
    file: &str,
    headers: &csv::StringRecord,
    required: &[&str],
    what: &str,
) -> Result<Columns> {
    let index: Columns = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.to_string(), i))
        .collect();
    let missing: Vec<Problem> = required
        .iter()
        .filter(|c| !index.contains_key(**c))
        .map(|c| Problem {
            location: Location::file(file).with_cell("line 1").with_field(*c),
            rule: format!("a required column of {what}"),
            found: Some("missing".into()),
        })
        .collect();
    if missing.is_empty() {
        Ok(index)
    } else {
        Err(Error::Invalid(missing))
    }
}

/// One data row with its place in the file.
struct Row<'a> {
    file: &'a str,
    line: usize,
    columns: &'a Columns,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn get(&self, c: &str) -> String {
        self.columns
            .get(c)
            .and_then(|&i| self.record.get(i))
            .unwrap_or("")
            .to_string()
    }

    fn opt(&self, c: &str) -> Option<String> {
        Some(self.get(c)).filter(|v| !v.is_empty())
    }

    /// A number within physical bounds (`lo` excluded, `hi` included), or nothing when
    /// empty; a value that is not a number, or outside the bounds, is a problem.
    fn bounded(&self, c: &str, lo: f64, hi: f64, problems: &mut Vec<Problem>) -> Option<f64> {
        let v = self.number(c, problems)?;
        if v > lo && v <= hi {
            return Some(v);
        }
        problems.push(Problem {
            location: Location::file(self.file)
                .with_cell(format!("line {}", self.line))
                .with_field(c),
            rule: format!("{c} is more than {lo} and at most {hi} (a physical bound)"),
            found: Some(v.to_string()),
        });
        None
    }

    /// A number, or nothing when empty; a value that is not a number is a problem.
    fn number(&self, c: &str, problems: &mut Vec<Problem>) -> Option<f64> {
        let v = self.opt(c)?;
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                problems.push(Problem {
                    location: Location::file(self.file)
                        .with_cell(format!("line {}", self.line))
                        .with_field(c),
                    rule: "a number".into(),
                    found: Some(v),
                });
                None
            }
        }
    }
}

/// A CSV reader (fields trimmed) and the header row, which every benchmark file has.
fn open_csv<'a>(file: &str, text: &'a str) -> Result<(csv::Reader<&'a [u8]>, csv::StringRecord)> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
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
    Ok((reader, headers))
}

/// Reads one file; `known` are the accelerator keys statistics may use.
pub fn parse(file: &str, text: &str, known: &HashSet<String>) -> Result<BenchmarkFile> {
    let (mut reader, headers) = open_csv(file, text)?;
    let has = |c: &str| headers.iter().any(|h| h == c);
    if has("epoch_hardware_name") {
        return super::hardware::parse(file, text).map(BenchmarkFile::Hardware);
    }
    if has("chip_type_primary") {
        return parse_clusters(file, text).map(BenchmarkFile::Clusters);
    }
    let (suite, required) = if has("time_to_train_minutes") {
        (BenchmarkSuite::Training, TRAINING)
    } else if has("performance_per_accelerator") || has("scenario") {
        (BenchmarkSuite::Inference, INFERENCE)
    } else {
        return Err(Error::invalid(
            Location::file(file).with_cell("line 1"),
            "an MLPerf Training file (with time_to_train_minutes), an MLPerf Inference file (with scenario and performance) or hardware.csv (with epoch_hardware_name)",
            Some(headers.iter().take(6).collect::<Vec<_>>().join(",")),
        ));
    };
    let index = columns(file, &headers, required, "this file kind")?;

    let mut runs = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u32 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(Problem {
                    location: Location::file(file).with_cell(format!("line {line}")),
                    rule: "a CSV row with as many fields as the header".into(),
                    found: Some(e.to_string()),
                });
                continue;
            }
        };
        let row = Row {
            file,
            line: line as usize,
            columns: &index,
            record: &record,
        };
        let get = |c: &str| row.get(c);
        let opt = |c: &str| row.opt(c);
        let number = |c: &str, problems: &mut Vec<Problem>| row.number(c, problems);
        let bounded = |c: &str, lo: f64, hi: f64, problems: &mut Vec<Problem>| {
            row.bounded(c, lo, hi, problems)
        };
        let count = number("accelerator_count", &mut problems);
        let (benchmark, scenario, score, unit, precision) = match suite {
            BenchmarkSuite::Training => (
                get("benchmark"),
                None,
                // Seconds to a year: a run outside is a unit mistake, and a zero would make
                // an accelerator infinitely productive.
                bounded("time_to_train_minutes", 0.01, 525_600.0, &mut problems),
                "minutes".to_string(),
                opt("precision_hint").map(|p| p.to_lowercase()),
            ),
            BenchmarkSuite::Inference => (
                get("model"),
                opt("scenario"),
                bounded("performance", 0.0, 1.0e12, &mut problems),
                get("units"),
                opt("weight_data_types").map(|p| p.to_lowercase()),
            ),
        };
        let energy_kj = bounded("energy_kj", 0.0, 1.0e12, &mut problems);
        let power_w = bounded("avg_system_power_w", 0.0, 1.0e9, &mut problems);
        let joules_per_unit = bounded("joules_per_unit", 0.0, 1.0e9, &mut problems);
        let accelerator = get("accelerator_key");
        let duplicate_of = opt("duplicate_of");
        let source = get("source");
        if source.is_empty() {
            problems.push(Problem {
                location: Location::file(file)
                    .with_cell(format!("line {line}"))
                    .with_field("source"),
                rule: "every result names its source (repository @ commit : path)".into(),
                found: None,
            });
        }
        let accelerator_count = match count {
            Some(c) if c >= 1.0 && c.fract() == 0.0 && c <= 10_000_000.0 => c as u32,
            Some(c) => {
                problems.push(Problem {
                    location: Location::file(file)
                        .with_cell(format!("line {line}"))
                        .with_field("accelerator_count"),
                    rule: "a whole number of accelerators, from 1 to 10,000,000".into(),
                    found: Some(c.to_string()),
                });
                1
            }
            None => 0,
        };
        let excluded_reason = if let Some(d) = &duplicate_of {
            Some(format!("duplicate of {d}"))
        } else if score.is_none() {
            Some(match opt("notes") {
                Some(n) => format!("no score ({n})"),
                None => "no score".to_string(),
            })
        } else if accelerator.is_empty() || !known.contains(&accelerator) {
            Some(format!(
                "unknown accelerator '{}'",
                if accelerator.is_empty() {
                    get("accelerator")
                } else {
                    accelerator.clone()
                }
            ))
        } else if accelerator_count == 0 {
            Some("no accelerator count".to_string())
        } else {
            None
        };
        runs.push(BenchmarkRun {
            suite,
            round: get("round"),
            benchmark,
            scenario,
            submitter: get("submitter"),
            system: get("system"),
            accelerator: if accelerator.is_empty() {
                get("accelerator")
            } else {
                accelerator
            },
            accelerator_count,
            precision,
            score,
            unit,
            energy_kj,
            power_w,
            joules_per_unit,
            result_id: opt("result_id"),
            duplicate_of,
            excluded_reason,
            source,
            file: file.to_string(),
            line,
        });
    }
    let mut seen = HashSet::new();
    for r in &runs {
        if !seen.insert(r.source.as_str()) {
            problems.push(Problem {
                location: Location::file(file)
                    .with_cell(format!("line {}", r.line))
                    .with_field("source"),
                rule: "each result appears once in a file".into(),
                found: Some(r.source.clone()),
            });
        }
    }
    if problems.is_empty() {
        Ok(BenchmarkFile::Runs(suite, runs))
    } else {
        Err(Error::Invalid(problems))
    }
}

/// One AI cluster of Epoch AI's "AI Supercomputers" data.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Cluster {
    pub name: String,
    pub status: String,
    /// Epoch's hardware name (joins `hardware.csv`'s `epoch_hardware_name`).
    pub chip_type: String,
    pub chips: Option<f64>,
    pub power_mw: Option<f64>,
    pub h100e: Option<f64>,
    pub source: String,
    pub row_hash: String,
}

fn parse_clusters(file: &str, text: &str) -> Result<Vec<Cluster>> {
    use sha2::{Digest, Sha256};
    let (mut reader, headers) = open_csv(file, text)?;
    let required = [
        "name",
        "status",
        "chip_type_primary",
        "total_ai_chips",
        "power_capacity_mw",
        "h100_equivalents",
    ];
    let index = columns(file, &headers, &required, "the AI Supercomputers file")?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| {
            Error::invalid(
                Location::file(file).with_cell(format!("line {line}")),
                "a CSV row with as many fields as the header",
                Some(e.to_string()),
            )
        })?;
        let row = Row {
            file,
            line,
            columns: &index,
            record: &record,
        };
        let get = |c: &str| row.get(c);
        let mut bounded = |c: &str, hi: f64| {
            // Zero is how the dataset says "not known" for some clusters.
            let v = row.number(c, &mut problems)?;
            if (0.0..=hi).contains(&v) {
                return Some(v);
            }
            problems.push(Problem {
                location: Location::file(file)
                    .with_cell(format!("line {line}"))
                    .with_field(c),
                rule: format!("{c} is from 0 to {hi} (a physical bound)"),
                found: Some(v.to_string()),
            });
            None
        };
        let (chips, power_mw, h100e) = (
            bounded("total_ai_chips", 1.0e8),
            bounded("power_capacity_mw", 100_000.0),
            bounded("h100_equivalents", 1.0e9),
        );
        let joined: Vec<&str> = record.iter().collect();
        out.push(Cluster {
            name: get("name"),
            status: get("status"),
            chip_type: get("chip_type_primary"),
            chips,
            power_mw,
            h100e,
            source: get("dataset_source"),
            row_hash: hex::encode(Sha256::digest(joined.join("\u{1f}").as_bytes())),
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::Invalid(problems))
    }
}
