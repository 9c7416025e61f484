//! `gigafund monitoring`: the yearly monitoring workbook of a funded award, its
//! indicators against the bid's claims, acceptance benchmarks and delivered compute per
//! euro, the access ledger and the contingent liabilities.

use crate::{Cli, actor, open, output};
use clap::{Subcommand, ValueEnum};
use gigafund::Result;
use gigafund::app::monitoring as mon;
use gigafund::ingest::workbook::Severity;
use gigafund::programme::monitoring::{Rag, ScoreRow};
use gigafund::store::monitoring::RunKind;
use std::io::Write;
use std::path::PathBuf;

fn today() -> chrono::NaiveDate {
    actor().at.date_naive()
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RunKindArg {
    Acceptance,
    Rerun,
}

#[derive(Subcommand)]
pub enum MonitoringCommand {
    /// Write the monitoring workbook of an award for a year (.xlsx): its milestones, the
    /// costs incurred and the indicators beside their claims, with instructions in
    /// English and French.
    Template {
        #[arg(long)]
        award: i64,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        out: PathBuf,
        /// Overwrite OUT when it exists.
        #[arg(long)]
        replace: bool,
    },
    /// Check a filled monitoring workbook: every problem with its sheet and cell; nothing
    /// is stored. Exits 1 when a problem refuses it.
    Check {
        file: PathBuf,
        #[arg(long)]
        award: i64,
    },
    /// Import a filled monitoring workbook (all or nothing): the next version of its
    /// year's report; milestones it gives as achieved are recorded for verification.
    Import {
        file: PathBuf,
        #[arg(long)]
        award: i64,
    },
    /// The award's reports: each indicator beside its claim, red, amber or green; the
    /// acceptance runs and delivered compute per euro.
    Show {
        #[arg(long)]
        award: i64,
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Import the award's acceptance benchmark run, or a later re-run (one MLPerf
    /// Training result in the columns of mlperf_training.csv). A re-run below the
    /// programme's share of the acceptance performance records a deviation.
    Run {
        file: PathBuf,
        #[arg(long)]
        award: i64,
        #[arg(long, value_enum, default_value = "acceptance")]
        kind: RunKindArg,
        /// The date of the run (default: today).
        #[arg(long)]
        on: Option<chrono::NaiveDate>,
    },
    /// Each award's latest report against its claims and the access ledger of a
    /// programme (the portfolio's monitoring).
    Portfolio {
        code: String,
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// The Union's access ledger of a programme: entitled share against the access
    /// allocated, and commercial use against its cap, per award and year.
    Access { code: String },
    /// The contingent liabilities of a programme's guarantees and loans: exposure ×
    /// probability of a call from each award's saved finance scenario, by year and
    /// source, and under the programme's shock.
    Liabilities { code: String },
}

fn pct(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

fn value(row: &ScoreRow, v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if row.share => pct(v),
        Some(v) if v.fract() == 0.0 && v.abs() >= 1.0 => format!("{v:.0} {}", row.unit),
        Some(v) => format!("{v:.2} {}", row.unit),
    }
    .trim()
    .to_string()
}

fn colour(r: Option<Rag>) -> &'static str {
    match r {
        Some(Rag::Green) => "green",
        Some(Rag::Amber) => "amber",
        Some(Rag::Red) => "red",
        None => "",
    }
}

fn print_findings(
    o: &mut dyn Write,
    findings: &[gigafund::ingest::workbook::Finding],
) -> std::io::Result<()> {
    for f in findings {
        let word = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(o, "  {word}: {}", f.to_problem())?;
    }
    Ok(())
}

pub fn run(cli: &Cli, cmd: &MonitoringCommand) -> Result<bool> {
    match cmd {
        MonitoringCommand::Template {
            award,
            year,
            out,
            replace,
        } => {
            let store = open(cli)?;
            let bytes = mon::template(&store, *award, *year, today())?;
            gigafund::export::write_file(out, &bytes, *replace)?;
            let doc =
                serde_json::json!({ "file": out.display().to_string(), "bytes": bytes.len() });
            output(cli.json, &doc, |o| {
                writeln!(o, "Wrote {} ({} bytes)", out.display(), bytes.len())
            })
        }
        MonitoringCommand::Check { file, award } => {
            let store = open(cli)?;
            let read = mon::check(&store, *award, file, today())?;
            let ok = read.errors() == 0 && read.report.is_some();
            output(cli.json, &read, |o| {
                match &read.report {
                    Some(r) if ok => writeln!(
                        o,
                        "{} ({}): the {} report of {} can be imported — {} milestones, {} cost lines, {} indicators",
                        read.file,
                        read.format,
                        r.year,
                        r.acronym,
                        r.milestones.len(),
                        r.costs.len(),
                        r.kpis.len()
                    )?,
                    _ => writeln!(
                        o,
                        "{} ({}): refused — {} problems",
                        read.file,
                        read.format,
                        read.errors()
                    )?,
                }
                print_findings(o, &read.findings)
            })?;
            Ok(ok)
        }
        MonitoringCommand::Import { file, award } => {
            let mut store = open(cli)?;
            let done = mon::import(&mut store, &actor(), *award, file)?;
            output(cli.json, &done, |o| {
                writeln!(
                    o,
                    "Imported the {} report as version {} ({} indicators, {} cost lines{})",
                    done.report.year,
                    done.report.version,
                    done.report.kpis.len(),
                    done.report.costs.len(),
                    if done.recorded.is_empty() {
                        String::new()
                    } else {
                        format!("; achieved, to verify: {}", done.recorded.join(", "))
                    }
                )?;
                print_findings(o, &done.warnings)
            })
        }
        MonitoringCommand::Show { award, lang } => {
            let store = open(cli)?;
            let v = mon::view(&store, *award, lang, today())?;
            output(cli.json, &v, |o| {
                writeln!(o, "{} — monitoring", v.acronym)?;
                for (y, due) in &v.missing {
                    writeln!(o, "  the {y} report is missing (due {due})")?;
                }
                for r in &v.reports {
                    writeln!(
                        o,
                        "\n{} report, version {} of {} ({}, imported {} by {}) — costs {} (capex {}, opex {}){}",
                        r.year,
                        r.version,
                        r.versions,
                        r.file,
                        r.imported_at.format("%Y-%m-%d"),
                        r.imported_by,
                        r.cost_total,
                        r.capex,
                        r.opex,
                        if r.operating {
                            ""
                        } else {
                            " — before operation"
                        }
                    )?;
                    for row in &r.rows {
                        writeln!(
                            o,
                            "  {:<40} {:>18} {:>18}  {:<6} {}",
                            row.name,
                            value(row, row.delivered),
                            value(row, row.claim),
                            colour(row.rag),
                            row.note.clone().unwrap_or_default()
                        )?;
                    }
                    let a = &r.access;
                    writeln!(
                        o,
                        "  Union access: entitled {} (contribution {} capped at {}), allocated {}; commercial {} (cap {} of the Union's){}{}",
                        pct(a.entitled),
                        pct(a.contribution_share),
                        pct(a.cap),
                        a.allocated.map(pct).unwrap_or_else(|| "—".into()),
                        a.commercial.map(pct).unwrap_or_else(|| "—".into()),
                        pct(a.commercial_cap),
                        if a.shortfall {
                            " — allocated below the entitlement"
                        } else {
                            ""
                        },
                        if a.commercial_over {
                            " — commercial use above its cap"
                        } else {
                            ""
                        },
                    )?;
                }
                match (&v.compute, &v.compute_note) {
                    (Some(c), _) => {
                        writeln!(
                            o,
                            "\nCompute per euro: claimed {:.3} H200e-hours per euro (€{:.2} per H200e-hour), delivered {:.3} (€{:.2}) — {:.1} % of the claim",
                            c.claimed_per_euro,
                            c.claimed_eur_per_hour,
                            c.delivered_per_euro,
                            c.delivered_eur_per_hour,
                            c.ratio * 100.0
                        )?;
                        writeln!(
                            o,
                            "  acceptance {} on {}: {} at {} accelerators in {:.2} min (reference {:.2} min): p {:.2} against {:.2} claimed",
                            c.accelerator,
                            c.acceptance_on,
                            c.benchmark,
                            c.accelerator_count,
                            c.acceptance_minutes,
                            c.reference_minutes,
                            c.delivered_p,
                            c.claimed_p
                        )?;
                        if !c.from_reports.is_empty() {
                            writeln!(o, "  from the reports: {}", c.from_reports.join(", "))?;
                        }
                        for r in &c.reruns {
                            writeln!(
                                o,
                                "  re-run {}: {:.2} min, {} of the acceptance performance{}",
                                r.dated,
                                r.minutes,
                                pct(r.performance),
                                if r.shortfall { " — shortfall" } else { "" }
                            )?;
                        }
                        writeln!(o, "  next re-run due by {}", c.rerun_due)?;
                    }
                    (None, Some(n)) => writeln!(o, "\nCompute per euro: {n}")?,
                    _ => {}
                }
                Ok(())
            })
        }
        MonitoringCommand::Run {
            file,
            award,
            kind,
            on,
        } => {
            let mut store = open(cli)?;
            let kind = match kind {
                RunKindArg::Acceptance => RunKind::Acceptance,
                RunKindArg::Rerun => RunKind::Rerun,
            };
            let done = mon::import_run(
                &mut store,
                &actor(),
                *award,
                file,
                kind,
                on.unwrap_or_else(today),
            )?;
            output(cli.json, &done, |o| {
                writeln!(
                    o,
                    "Imported the {} run of {} on {} at {} accelerators ({:.2} min), dated {}",
                    match done.run.kind {
                        RunKind::Acceptance => "acceptance",
                        RunKind::Rerun => "re-run",
                    },
                    done.run.run.accelerator,
                    done.run.run.benchmark,
                    done.run.run.accelerator_count,
                    done.run.run.score.unwrap_or(0.0),
                    done.run.dated
                )?;
                if let Some(d) = &done.deviation {
                    writeln!(o, "  deviation {} recorded: {}", d.id, d.found)?;
                }
                Ok(())
            })
        }
        MonitoringCommand::Portfolio { code, lang } => {
            let store = open(cli)?;
            let p = mon::portfolio(&store, code, lang, today())?;
            output(cli.json, &p, |o| {
                for s in &p.scores {
                    match &s.report {
                        None => writeln!(o, "{:<14} no report", s.acronym)?,
                        Some(r) => writeln!(
                            o,
                            "{:<14} {} v{}: {} red, {} amber",
                            s.acronym, r.year, r.version, r.red, r.amber
                        )?,
                    }
                    for (y, due) in &s.missing {
                        writeln!(o, "{:<14} the {y} report is missing (due {due})", "")?;
                    }
                }
                Ok(())
            })
        }
        MonitoringCommand::Access { code } => {
            let store = open(cli)?;
            let p = mon::portfolio(&store, code, "en", today())?;
            output(cli.json, &p.access, |o| {
                writeln!(
                    o,
                    "{:<14} {:>5} {:>10} {:>10} {:>10} {:>11}",
                    "award", "year", "entitled", "allocated", "commercial", "cap"
                )?;
                for a in &p.access {
                    writeln!(
                        o,
                        "{:<14} {:>5} {:>10} {:>10} {:>10} {:>11}{}{}",
                        a.acronym,
                        a.year,
                        pct(a.entitled),
                        a.allocated.map(pct).unwrap_or_else(|| "—".into()),
                        a.commercial.map(pct).unwrap_or_else(|| "—".into()),
                        pct(a.commercial_cap),
                        if a.shortfall {
                            "  allocated below the entitlement"
                        } else {
                            ""
                        },
                        if a.commercial_over {
                            "  commercial use above its cap"
                        } else {
                            ""
                        },
                    )?;
                }
                Ok(())
            })
        }
        MonitoringCommand::Liabilities { code } => {
            let store = open(cli)?;
            let cancel = std::sync::atomic::AtomicBool::new(false);
            let l = mon::liabilities(&store, code, &|_, _| {}, &cancel)?;
            output(cli.json, &l, |o| {
                writeln!(
                    o,
                    "Exposure {}, expected cost {}, under the shock {}{}",
                    l.exposure,
                    l.expected,
                    l.shocked,
                    if l.unknown > 0 {
                        format!(" ({} without a probability)", l.unknown)
                    } else {
                        String::new()
                    }
                )?;
                for r in &l.rows {
                    writeln!(
                        o,
                        "  {:<14} {:<10} {:>18} {:>8} {:>18} {:>8} {:>18}  {}",
                        r.acronym,
                        gigafund::store::enum_text(&r.instrument).unwrap_or_default(),
                        r.exposure.to_string(),
                        r.probability.map(pct).unwrap_or_else(|| "—".into()),
                        r.expected
                            .map(|e| e.to_string())
                            .unwrap_or_else(|| "—".into()),
                        r.shocked_probability.map(pct).unwrap_or_else(|| "—".into()),
                        r.shocked_expected
                            .map(|e| e.to_string())
                            .unwrap_or_else(|| "—".into()),
                        r.note
                            .clone()
                            .or_else(|| r.scenario.clone())
                            .unwrap_or_default()
                    )?;
                }
                for y in &l.by_year {
                    writeln!(
                        o,
                        "  {} {:<20} exposure {:>18} expected {:>16} shocked {:>16}",
                        y.year,
                        gigafund::store::enum_text(&y.source)
                            .unwrap_or_default()
                            .replace('_', " "),
                        y.exposure.to_string(),
                        y.expected.to_string(),
                        y.shocked.to_string()
                    )?;
                }
                Ok(())
            })
        }
    }
}
