//! `gigafund report …`: the PDF reports and their verification.

use crate::{Cli, open, output};
use chrono::{NaiveDate, Utc};
use clap::Subcommand;
use gigafund::app::reports;
use gigafund::{Error, Result};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

#[derive(Subcommand)]
pub enum ReportCommand {
    /// The Evaluation Summary Report of a bid: consensus scores and comments, rank and
    /// list with the reason, compute per euro, the bid against the call's distribution.
    Esr {
        /// The bid's id, or its acronym (with --call when several calls have it).
        #[arg(long, value_name = "ID")]
        bid: String,
        #[arg(long)]
        call: Option<String>,
        #[command(flatten)]
        doc: DocArgs,
    },
    /// The ranking of a call: budget line, reserve list, rejected bids, tie-break trace,
    /// budget use, calibration and stability appendix.
    Ranking {
        #[arg(long)]
        call: String,
        #[command(flatten)]
        doc: DocArgs,
    },
    /// The de-risking report of a saved scenario (see `model scenarios`).
    Derisking {
        #[arg(long, value_name = "ID")]
        scenario: i64,
        #[command(flatten)]
        doc: DocArgs,
    },
    /// The applicant's submission summary of a stored bid.
    Submission {
        #[arg(long, value_name = "ID")]
        bid: String,
        #[arg(long)]
        call: Option<String>,
        #[command(flatten)]
        doc: DocArgs,
    },
    /// The portfolio report of a programme: the envelope statement and its waterfall,
    /// leverage against the target, the disbursement forecast, awards by Member State with
    /// the map, the awards and their next milestones.
    Portfolio {
        #[arg(long)]
        programme: String,
        #[command(flatten)]
        doc: DocArgs,
    },
    /// The sheet of one award: figures and caps, agreements, amendments, milestones and
    /// tranches.
    Award {
        #[arg(long, value_name = "ID")]
        award: i64,
        #[command(flatten)]
        doc: DocArgs,
    },
    /// Every ESR of a call into a folder, in parallel, with progress.
    All {
        #[arg(long)]
        call: String,
        /// The folder (created if missing); files are named ESR-CALL-ACRONYM-LANG.pdf.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long, default_value = "en", value_parser = ["en", "fr"])]
        lang: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<NaiveDate>,
    },
    /// Recompute a report's input hash from the database: does it still match?
    Verify {
        /// A PDF written by `gigafund report`.
        file: PathBuf,
    },
}

#[derive(clap::Args)]
pub struct DocArgs {
    #[arg(long, value_name = "FILE.pdf")]
    out: PathBuf,
    #[arg(long, default_value = "en", value_parser = ["en", "fr"])]
    lang: String,
    /// The document's date (default: today). The same data and date give the same bytes.
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<NaiveDate>,
}

impl DocArgs {
    fn date(&self) -> NaiveDate {
        self.date.unwrap_or_else(|| Utc::now().date_naive())
    }
}

fn write(cli: &Cli, out: &Path, bytes: &[u8]) -> Result<bool> {
    std::fs::write(out, bytes).map_err(|e| Error::io(out, e))?;
    let doc = serde_json::json!({ "file": out.display().to_string(), "bytes": bytes.len() });
    output(cli.json, &doc, |o| {
        writeln!(o, "Wrote {} ({} bytes)", out.display(), bytes.len())
    })
}

pub fn run(cli: &Cli, cmd: &ReportCommand) -> Result<bool> {
    match cmd {
        ReportCommand::Esr { bid, call, doc } => {
            let store = open(cli)?;
            let id = reports::find_bid(&store, bid, call.as_deref())?;
            let bytes = reports::esr_report(&store, id, &doc.lang, doc.date())?;
            write(cli, &doc.out, &bytes)
        }
        ReportCommand::Ranking { call, doc } => {
            let store = open(cli)?;
            let bytes = reports::ranking_report(&store, call, &doc.lang, doc.date())?;
            write(cli, &doc.out, &bytes)
        }
        ReportCommand::Derisking { scenario, doc } => {
            let store = open(cli)?;
            let bytes = reports::derisking_report(&store, *scenario, &doc.lang, doc.date())?;
            write(cli, &doc.out, &bytes)
        }
        ReportCommand::Submission { bid, call, doc } => {
            let store = open(cli)?;
            let id = reports::find_bid(&store, bid, call.as_deref())?;
            let bytes = reports::submission_report(&store, id, &doc.lang, doc.date())?;
            write(cli, &doc.out, &bytes)
        }
        ReportCommand::Portfolio { programme, doc } => {
            let store = open(cli)?;
            let bytes = gigafund::app::programme::portfolio_report(
                &store,
                programme,
                &doc.lang,
                doc.date(),
            )?;
            write(cli, &doc.out, &bytes)
        }
        ReportCommand::Award { award, doc } => {
            let store = open(cli)?;
            let bytes =
                gigafund::app::programme::award_report(&store, *award, &doc.lang, doc.date())?;
            write(cli, &doc.out, &bytes)
        }
        ReportCommand::All {
            call,
            out,
            lang,
            date,
        } => {
            let store = open(cli)?;
            let date = date.unwrap_or_else(|| Utc::now().date_naive());
            let tty = std::io::stderr().is_terminal() && !cli.json;
            let progress = |done: usize, total: usize, acronym: &str| {
                if tty {
                    let width = 30;
                    let filled = done * width / total.max(1);
                    eprint!(
                        "\r[{}{}] {done}/{total} {acronym:<20}",
                        "#".repeat(filled),
                        "·".repeat(width - filled)
                    );
                } else if !cli.json {
                    eprintln!("ESR {done}/{total}: {acronym}");
                }
            };
            let never = AtomicBool::new(false);
            let batch = reports::all_esrs(&store, call, lang, date, out, &progress, &never)?;
            if tty {
                eprintln!();
            }
            output(cli.json, &batch, |o| {
                for f in &batch.files {
                    writeln!(
                        o,
                        "{:<16} {:>9} bytes {:>8.0} ms  {}",
                        f.acronym, f.bytes, f.millis, f.file
                    )?;
                }
                writeln!(
                    o,
                    "{} ESRs of {} in {} ({:.0} ms)",
                    batch.files.len(),
                    batch.call,
                    batch.dir,
                    batch.millis
                )
            })
        }
        ReportCommand::Verify { file } => {
            let store = open(cli)?;
            let check = reports::verify_report(&store, file)?;
            output(cli.json, &check, |o| writeln!(o, "{}", check.message))?;
            Ok(check.matches)
        }
    }
}
