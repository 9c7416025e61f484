//! The `gigafund` command line. Each subcommand is a thin wrapper over `gigafund::app`.
//!
//! Exit codes: 0 success, 1 input refused (validation, eligibility, bad file, newer
//! database), 2 usage error, 3 internal error. With `--json`, stdout holds exactly one
//! JSON document: the result, or `{"error": {code, message, problems}}`.

mod cli;

use chrono::Utc;
use clap::{Args, Parser, Subcommand};
use gigafund::app::{self, BidRow, ProgrammeSummary};
use gigafund::model::Actor;
use gigafund::store::Store;
use gigafund::{Error, Result};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "gigafund",
    version,
    about = "Evaluate and finance EU AI-infrastructure bids, offline",
    long_about = "Gigafund evaluates and finances bids to EU AI-infrastructure calls (InvestAI, \
                  EuroHPC AI Factories, Antennas and AI Gigafactories). Everything runs offline \
                  against one SQLite database."
)]
struct Cli {
    /// The database file (default: gigafund.sqlite3 in the platform data directory).
    #[arg(long, global = true, value_name = "PATH", env = "GIGAFUND_DB")]
    db: Option<PathBuf>,
    /// Print one JSON document on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create (or migrate) the database and print where it is.
    Init,
    /// The programme at a glance: calls with budgets and bids, organisations, countries,
    /// evaluators (what the app's dashboard shows).
    Summary,
    /// Build a fresh database with the demo programme and print its summary.
    Demo(DemoArgs),
    /// Write the applicant workbook of a call (.xlsx): the sheets, drop-downs, protected
    /// headers, named ranges and total formulas the importer reads.
    Template {
        #[arg(long)]
        call: String,
        #[arg(long, value_name = "FILE.xlsx")]
        out: PathBuf,
    },
    /// Calls for proposals.
    #[command(subcommand)]
    Call(cli::call::CallCommand),
    /// Bids of the calls.
    #[command(subcommand)]
    Bid(BidCommand),
    /// Benchmark results (MLPerf Training and Inference, Epoch AI hardware).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Compute per euro from benchmark runs (figures derived, not verified by MLCommons).
    #[command(subcommand)]
    Compute(ComputeCommand),
    /// The finance model (the reference model): cash flows, debt, guarantees, Monte Carlo, goal
    /// seek, sensitivity and saved scenarios.
    #[command(subcommand)]
    Model(cli::model::ModelCommand),
    /// Evaluation of a call: roster, conflicts of interest, assignment, scores, consensus,
    /// calibration and offline evaluator packages.
    #[command(subcommand)]
    Eval(cli::eval::EvalCommand),
    /// The ranking of a call: thresholds, weighted totals, ties with their trace, main
    /// list within the budget, reserve list, rejected bids with their reason.
    Rank(cli::eval::RankArgs),
    /// PDF reports (A4, English or French), and their verification against the database.
    #[command(subcommand)]
    Report(cli::report::ReportCommand),
    /// Check the database file (PRAGMA integrity_check), the audit log's hash chain and
    /// its append-only triggers, the scores, consensus, decisions and assignments against
    /// the log replayed, and the log's signed checkpoints.
    Verify {
        /// The office's public key file (or key file): checkpoints must be signed with it.
        #[arg(long, value_name = "FILE")]
        office_key: Option<PathBuf>,
        /// A checkpoint file kept outside the database (repeatable): the log must still
        /// hold the entry it signed.
        #[arg(long, value_name = "FILE")]
        checkpoint: Vec<PathBuf>,
    },
    /// The programme office's signing key and signed checkpoints of the audit log.
    #[command(subcommand)]
    Office(cli::office::OfficeCommand),
    /// Programmes after selection: templates (envelope, caps, payment rules, milestone
    /// chains, tranches), Member-State commitments and the portfolio's figures.
    #[command(subcommand)]
    Programme(cli::programme::ProgrammeCommand),
    /// Awards made from ranked calls: agreements, amendments, withdrawal.
    #[command(subcommand)]
    Award(cli::programme::AwardCommand),
    /// An award's milestones: forecasts, actual dates with evidence, verification.
    #[command(subcommand)]
    Milestone(cli::programme::MilestoneCommand),
    /// An award's tranches of the EU contribution, each behind its gate.
    #[command(subcommand)]
    Tranche(cli::programme::TrancheCommand),
    /// Deviations of a funded award and the actions decided (a payment suspension blocks
    /// its tranches until lifted).
    #[command(subcommand)]
    Deviation(cli::programme::DeviationCommand),
    /// Monitoring of funded awards: the yearly monitoring workbook, indicators against
    /// the bid's claims, acceptance benchmarks and delivered compute per euro, the access
    /// ledger and the contingent liabilities.
    #[command(subcommand)]
    Monitoring(cli::monitoring::MonitoringCommand),
    /// The audit log, newest first, filtered by call, bid, evaluator, kind of change and date.
    Audit(cli::audit::AuditArgs),
    /// The man pages and shell completions (for packagers: the packages ship them).
    #[command(subcommand, hide = true)]
    Generate(cli::generate::GenerateCommand),
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Import benchmark CSV files as published (mlperf_training.csv, mlperf_inference.csv,
    /// hardware.csv). Importing the same file again changes nothing; rows that cannot be
    /// used are listed with their reason.
    Import {
        /// One or more CSV files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ComputeCommand {
    /// Relative productivity p per accelerator (reference H200-SXM) in one round.
    Relative {
        /// MLPerf Training round, e.g. 5.1.
        #[arg(long, default_value = "5.1")]
        round: String,
        #[arg(long, default_value = "llama2_70b_lora")]
        benchmark: String,
        /// Accelerator count the results are compared at.
        #[arg(long, default_value_t = 8)]
        count: u32,
    },
    /// The scaling fit log T = c − s·log N on the LLM pre-training benchmarks.
    Scaling,
    /// Inference throughput per accelerator (medians over results).
    Inference {
        #[arg(long, default_value = "5.1")]
        round: String,
        #[arg(long, default_value = "llama2-70b-99")]
        model: String,
        #[arg(long, default_value = "Offline")]
        scenario: String,
    },
    /// Lifetime work, TCO, compute per euro and per MWh of one bid or one parameter file.
    Estimate {
        /// A bid of the database (its capex and opex lines give the TCO).
        #[arg(long, conflicts_with = "params", required_unless_present = "params")]
        bid: Option<i64>,
        /// A TOML file with the compute-per-euro keys (n_acc, accelerator, n_job, …).
        #[arg(long, value_name = "FILE.toml")]
        params: Option<PathBuf>,
        /// MLPerf round p is measured in (for --bid).
        #[arg(long, default_value = "5.1")]
        round: String,
    },
    /// Compute per euro of every bid of a call, side by side.
    Call {
        /// The call's code.
        code: String,
        #[arg(long, default_value = "5.1")]
        round: String,
        /// Also write the chart (€ per H200e-hour against H200e-hours per MWh) as SVG.
        #[arg(long, value_name = "FILE.svg")]
        chart: Option<PathBuf>,
        /// Language of the chart's labels.
        #[arg(long, default_value = "en", value_parser = ["en", "fr"])]
        lang: String,
    },
}

#[derive(Args)]
struct DemoArgs {
    /// Replace the database file if it exists (its contents are lost).
    #[arg(long)]
    replace: bool,
    /// Read the demo from this checkout (templates/ and sample-data/) instead of the copy
    /// built into this binary.
    #[arg(long, value_name = "DIR")]
    from: Option<PathBuf>,
}

#[derive(Subcommand)]
enum BidCommand {
    /// List bids, with eligibility.
    List {
        /// Only the bids of this call.
        #[arg(long, value_name = "CODE")]
        call: Option<String>,
    },
    /// Show one bid: consortium, sites, hardware, costs, financing and eligibility.
    Show {
        /// The bid's id (see `bid list`).
        id: i64,
    },
    /// Check an applicant workbook against a call: every problem with its sheet and cell,
    /// the eligibility rules and completeness. Exit 0 when ready, 1 otherwise.
    Check(cli::bid::CheckArgs),
    /// Import an applicant workbook as a new version of its bid (nothing is stored when
    /// it has an error; earlier versions are kept).
    Import {
        file: PathBuf,
        #[arg(long)]
        call: String,
        /// Record the version as submitted (needs a complete workbook).
        #[arg(long)]
        submit: bool,
    },
    /// Write the submission package of a ready workbook: the workbook, the bid as JSON,
    /// the submission summary (PDF) and a manifest with SHA-256 checksums.
    Package {
        file: PathBuf,
        #[arg(long)]
        call: String,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Write a stored bid as its call's applicant workbook (to edit and import again).
    Workbook {
        /// The bid's id (see `bid list`).
        id: i64,
        #[arg(long, value_name = "FILE.xlsx")]
        out: PathBuf,
    },
    /// Verify a submission package's checksums and import its bid as submitted.
    ImportPackage { file: PathBuf },
    /// Verify a submission package and show what it holds, without importing it.
    InspectPackage { file: PathBuf },
    /// Take in many submissions at once: submission packages (.zip) and applicant
    /// workbooks, as files or folders. Each file is imported on its own; a refused file
    /// stores nothing and is listed with every problem. Exit 1 if any file was refused.
    Intake(cli::bid::IntakeArgs),
    /// The stored versions of a bid.
    Versions {
        acronym: String,
        #[arg(long)]
        call: String,
    },
    /// What changed between two versions of a bid (default: the last two).
    Diff {
        acronym: String,
        #[arg(long)]
        call: String,
        #[arg(long)]
        from: Option<u32>,
        #[arg(long)]
        to: Option<u32>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    // The last boundary: a bug that panics is reported as an internal error (exit 3) in
    // one line, not as a crash with a backtrace; nothing was committed by the write it
    // interrupted (SQLite rolls the transaction back).
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if what.contains("Broken pipe") {
            // The reader of our output went away (`gigafund … | head`): not a bug.
            return;
        }
        eprintln!(
            "gigafund: internal error (a bug, please report it): {what}{place}. Nothing was changed by the interrupted operation."
        );
    }));
    let outcome = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli))) {
        Ok(outcome) => outcome,
        Err(_) => return ExitCode::from(3),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            if json {
                let doc = serde_json::json!({ "error": e.to_payload() });
                println!("{doc}");
            } else {
                eprintln!("gigafund: {e}");
            }
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn actor() -> Actor {
    let user = std::env::var("USER").unwrap_or_else(|_| "cli".into());
    Actor::new(format!("cli:{user}"), Utc::now())
}

fn db_path(cli: &Cli) -> Result<PathBuf> {
    match &cli.db {
        Some(p) => Ok(p.clone()),
        None => app::default_database_path(),
    }
}

fn open(cli: &Cli) -> Result<Store> {
    let path = db_path(cli)?;
    let (store, opened) = Store::open_reporting(&path)?;
    if let Some(backup) = opened.backup {
        eprintln!(
            "gigafund: migrated {} from schema version {} (backup: {})",
            path.display(),
            opened.from_version,
            backup.display()
        );
    }
    Ok(store)
}

/// `Ok(false)`: the command ran and printed its report, and the report is a failure.
fn run(cli: Cli) -> Result<bool> {
    match &cli.command {
        Command::Generate(what) => {
            let files = cli::generate::run(what, <Cli as clap::CommandFactory>::command())?;
            output(cli.json, &files, |out| {
                for f in &files {
                    writeln!(out, "{}", f.display())?;
                }
                Ok(())
            })
        }
        Command::Summary => {
            let store = open(&cli)?;
            let summary = app::summary(&store)?;
            output(cli.json, &summary, |out| {
                cli::call::print_calls(out, &summary)
            })
        }
        Command::Init => {
            let store = open(&cli)?;
            let info = app::info(&store)?;
            output(cli.json, &info, |out| {
                writeln!(
                    out,
                    "Database ready: {} (schema version {})",
                    info.path.as_deref().unwrap_or("(memory)"),
                    info.schema_version
                )
            })
        }
        Command::Demo(args) => {
            let path = db_path(&cli)?;
            if path.exists() && !args.replace {
                return Err(Error::Conflict(format!(
                    "{} already exists: pass --replace to build the demo there (its contents are lost), or choose another --db",
                    path.display()
                )));
            }
            // Built beside, then moved in place: a demo that fails (a bad --from folder)
            // leaves the existing database as it was, and no empty file behind.
            let mut building = path.as_os_str().to_owned();
            building.push(".building");
            let building = PathBuf::from(building);
            remove_database(&building)?;
            let built = (|| {
                let mut store = Store::open(&building)?;
                let summary = app::load_demo(&mut store, &actor(), args.from.as_deref())?;
                store.checkpoint()?;
                Ok::<_, Error>(summary)
            })();
            let summary = match built {
                Ok(s) => s,
                Err(e) => {
                    remove_database(&building)?;
                    return Err(e);
                }
            };
            remove_database(&path)?;
            std::fs::rename(&building, &path).map_err(|e| Error::io(&path, e))?;
            remove_database(&building)?;
            output(cli.json, &summary, |out| {
                print_summary(out, &summary, &path)
            })
        }
        Command::Call(c) => cli::call::run(&cli, c),
        Command::Bid(BidCommand::List { call }) => {
            let store = open(&cli)?;
            let rows = app::bid_rows(&store, call.as_deref())?;
            output(cli.json, &rows, |out| print_bids(out, &rows))
        }
        Command::Bid(BidCommand::Show { id }) => {
            let store = open(&cli)?;
            let detail = app::bid_detail(&store, *id)?;
            output(cli.json, &detail, |out| print_bid(out, &detail))
        }
        Command::Bid(BidCommand::Check(args)) => cli::bid::check(&cli, args),
        Command::Bid(BidCommand::Import { file, call, submit }) => {
            cli::bid::import(&cli, file, call, *submit)
        }
        Command::Bid(BidCommand::Package { file, call, out }) => {
            cli::bid::package(&cli, file, call, out)
        }
        Command::Bid(BidCommand::Workbook { id, out }) => {
            let store = open(&cli)?;
            let bytes = app::bid_workbook(&store, *id)?;
            std::fs::write(out, &bytes).map_err(|e| Error::io(out, e))?;
            let doc =
                serde_json::json!({ "file": out.display().to_string(), "bytes": bytes.len() });
            output(cli.json, &doc, |o| {
                writeln!(o, "Wrote {} ({} bytes)", out.display(), bytes.len())
            })
        }
        Command::Bid(BidCommand::ImportPackage { file }) => cli::bid::import_package(&cli, file),
        Command::Bid(BidCommand::Intake(args)) => cli::bid::intake(&cli, args),
        Command::Bid(BidCommand::InspectPackage { file }) => {
            let store = open(&cli)?;
            let r = app::applicant::inspect_package(&store, file)?;
            output(cli.json, &r, |out| {
                writeln!(
                    out,
                    "{}: {} — {} for call {}, made {} by {}; {} files, checksums verified",
                    r.file,
                    r.manifest.acronym,
                    r.manifest.title,
                    r.manifest.call,
                    r.manifest.created_at,
                    r.manifest.created_by,
                    r.manifest.files.len()
                )?;
                if r.unchanged {
                    writeln!(
                        out,
                        "Same content as the stored version {}: importing stores nothing",
                        r.next_version
                    )
                } else {
                    writeln!(out, "Importing creates version {}", r.next_version)
                }
            })
        }
        Command::Bid(BidCommand::Versions { acronym, call }) => {
            cli::bid::versions(&cli, acronym, call)
        }
        Command::Bid(BidCommand::Diff {
            acronym,
            call,
            from,
            to,
        }) => cli::bid::diff(&cli, acronym, call, *from, *to),
        Command::Bench(BenchCommand::Import { files }) => {
            let mut store = open(&cli)?;
            let report = app::import_benchmark_files(&mut store, &actor(), files)?;
            output(cli.json, &report, |out| {
                for f in &report.files {
                    writeln!(
                        out,
                        "{}: {} file, {} rows, {} new, {} kept out of the statistics",
                        f.file,
                        f.kind,
                        f.rows,
                        f.new,
                        f.excluded.len()
                    )?;
                    for x in f.excluded.iter().take(20) {
                        writeln!(
                            out,
                            "  line {:>5}  {:<14} {:<18} {}",
                            x.line, x.accelerator, x.benchmark, x.reason
                        )?;
                    }
                    if f.excluded.len() > 20 {
                        writeln!(
                            out,
                            "  … and {} more (--json lists all)",
                            f.excluded.len() - 20
                        )?;
                    }
                }
                Ok(())
            })
        }
        Command::Compute(ComputeCommand::Relative {
            round,
            benchmark,
            count,
        }) => {
            let store = open(&cli)?;
            let t = app::compute_relative(&store, round, benchmark, *count)?;
            output(cli.json, &t, |out| {
                writeln!(
                    out,
                    "Relative productivity p (reference {} = 1, median {:.2} min)",
                    t.reference, t.reference_minutes
                )?;
                writeln!(
                    out,
                    "{:<14} {:<5} {:>7} {:>5} {:>10} {:>8}  BASIS",
                    "ACCELERATOR", "PREC", "p", "RUNS", "SUBMITTERS", "MEDIAN"
                )?;
                for r in &t.rows {
                    writeln!(
                        out,
                        "{:<14} {:<5} {:>7.3} {:>5} {:>10} {:>8.2}  {}",
                        r.accelerator,
                        r.precision,
                        r.p,
                        r.runs,
                        r.submitters,
                        r.median_minutes,
                        r.basis
                    )?;
                }
                writeln!(out, "\n{}", t.label)
            })
        }
        Command::Compute(ComputeCommand::Scaling) => {
            let store = open(&cli)?;
            let r = app::compute_scaling(&store)?;
            output(cli.json, &r, |out| {
                for f in std::iter::once(&r.pooled).chain(&r.per_benchmark) {
                    writeln!(
                        out,
                        "{:<22} s = {:.3} (95 % CI {:.3}–{:.3}, SE {:.4}; {} runs in {} groups)",
                        f.benchmarks.join(" + "),
                        f.s,
                        f.ci_low,
                        f.ci_high,
                        f.std_error,
                        f.runs,
                        f.groups
                    )?;
                }
                writeln!(out, "\n{}", r.pooled.label)
            })
        }
        Command::Compute(ComputeCommand::Inference {
            round,
            model,
            scenario,
        }) => {
            let store = open(&cli)?;
            let t = app::compute_inference(&store, round, model, scenario)?;
            output(cli.json, &t, |out| {
                writeln!(
                    out,
                    "{:<14} {:>8} {:>14} {:>9} {:>10}",
                    "ACCELERATOR", "RESULTS", "PER ACC", "vs H200", "J/UNIT"
                )?;
                for r in &t.rows {
                    let j = r
                        .joules_per_unit
                        .map(|j| format!("{j:.3}"))
                        .unwrap_or_else(|| "—".into());
                    writeln!(
                        out,
                        "{:<14} {:>8} {:>14.0} {:>9.2} {:>10}",
                        r.accelerator, r.results, r.per_accelerator, r.relative, j
                    )?;
                }
                writeln!(out, "\n{} ({} per accelerator)", t.label, t.unit)
            })
        }
        Command::Compute(ComputeCommand::Estimate { bid, params, round }) => {
            let store = open(&cli)?;
            let e = match (bid, params) {
                (Some(id), _) => app::compute_estimate_bid(&store, *id, round)?,
                (None, Some(file)) => app::compute_estimate_file(&store, file)?,
                (None, None) => {
                    return Err(Error::Internal("clap requires --bid or --params".into()));
                }
            };
            output(cli.json, &e, |out| print_estimate(out, &e))
        }
        Command::Compute(ComputeCommand::Call {
            code,
            round,
            chart,
            lang,
        }) => {
            let store = open(&cli)?;
            let view = app::compute_view(&store, code, round, lang)?;
            if let Some(path) = chart {
                std::fs::write(path, &view.chart_svg).map_err(|e| Error::io(path, e))?;
            }
            let rows = &view.rows;
            output(cli.json, &view, |out| {
                writeln!(
                    out,
                    "{:<12} {:>9} {:<14} {:>22} {:>12}  BASIS",
                    "BID", "COUNT", "ACCELERATOR", "€/H200e-h (low–high)", "H200e-h/MWh"
                )?;
                for r in rows {
                    match &r.estimate {
                        Some(e) => writeln!(
                            out,
                            "{:<12} {:>9} {:<14} {:>8.2} ({:.2}–{:.2}) {:>12.0}  {}",
                            r.acronym,
                            r.accelerators,
                            e.accelerator,
                            e.central.eur_per_h200e_hour,
                            e.high.eur_per_h200e_hour,
                            e.low.eur_per_h200e_hour,
                            e.central.h200e_hours_per_mwh,
                            name(&e.basis)
                        )?,
                        None => writeln!(
                            out,
                            "{:<12} {:>9} no estimate: {}",
                            r.acronym,
                            r.accelerators,
                            r.problem.as_deref().unwrap_or("")
                        )?,
                    }
                }
                writeln!(out, "\nFigures {}.", gigafund::compute::LABEL)
            })
        }
        Command::Model(cmd) => cli::model::run(&cli, cmd),
        Command::Eval(cmd) => cli::eval::run(&cli, cmd),
        Command::Rank(args) => cli::eval::rank(&cli, args),
        Command::Report(cmd) => cli::report::run(&cli, cmd),
        Command::Template { call, out } => {
            let store = open(&cli)?;
            let bytes = app::applicant_template(&store, call)?;
            std::fs::write(out, &bytes).map_err(|e| Error::io(out, e))?;
            let doc =
                serde_json::json!({ "file": out.display().to_string(), "bytes": bytes.len() });
            output(cli.json, &doc, |o| {
                writeln!(o, "Wrote {} ({} bytes)", out.display(), bytes.len())
            })
        }
        Command::Audit(args) => cli::audit::run(&cli, args),
        Command::Office(cmd) => cli::office::run(&cli, cmd),
        Command::Programme(cmd) => cli::programme::programme(&cli, cmd),
        Command::Award(cmd) => cli::programme::award(&cli, cmd),
        Command::Milestone(cmd) => cli::programme::milestone(&cli, cmd),
        Command::Tranche(cmd) => cli::programme::tranche(&cli, cmd),
        Command::Deviation(cmd) => cli::programme::deviation(&cli, cmd),
        Command::Monitoring(cmd) => cli::monitoring::run(&cli, cmd),
        Command::Verify {
            office_key,
            checkpoint,
        } => {
            let options = app::VerifyOptions {
                office_key: office_key
                    .as_deref()
                    .map(gigafund::keys::public_key_of)
                    .transpose()?
                    .map(|k| hex::encode(k.to_bytes())),
                checkpoints: checkpoint
                    .iter()
                    .map(|p| {
                        Ok((
                            p.display().to_string(),
                            app::audit::read_checkpoint_file(p)?,
                        ))
                    })
                    .collect::<Result<Vec<_>>>()?,
            };
            let report = app::audit::verify_file(&db_path(&cli)?, &options)?;
            output(cli.json, &report, |out| print_verify(out, &report))?;
            // The report is the output; a failed check exits 1 without a second document.
            Ok(report.ok)
        }
    }
}

fn print_verify(out: &mut dyn Write, r: &app::VerifyReport) -> std::io::Result<()> {
    if let Some(d) = &r.damaged {
        return writeln!(out, "Database file: DAMAGED: {d}");
    }
    writeln!(out, "Schema version {}", r.schema_version)?;
    if r.integrity.is_empty() {
        writeln!(out, "Database file: ok (PRAGMA integrity_check)")?;
    } else {
        for line in &r.integrity {
            writeln!(out, "Database file: {line}")?;
        }
    }
    match &r.chain_break {
        None => writeln!(
            out,
            "Audit log: {} entries, chain intact{}",
            r.audit_entries,
            r.head
                .as_ref()
                .map(|h| format!(" (head: entry {}, {})", h.seq, &h.hash[..16]))
                .unwrap_or_default()
        )?,
        Some(b) => writeln!(out, "Audit log: BROKEN at entry {}: {}", b.seq, b.reason)?,
    }
    if r.protections.is_empty() {
        writeln!(out, "Append-only protections: in place")?;
    } else {
        for p in &r.protections {
            writeln!(out, "Append-only protections: MISSING: {p}")?;
        }
    }
    if r.replay_differences == 0 {
        writeln!(
            out,
            "Tables against the log replayed: scores, submissions, consensus, panel decisions, assignments and checkpoints agree"
        )?;
    } else {
        writeln!(
            out,
            "Tables against the log replayed: {} DIFFERENCES",
            r.replay_differences
        )?;
        for d in &r.replay {
            writeln!(out, "  {d}")?;
        }
    }
    if r.checkpoints.is_empty() {
        writeln!(
            out,
            "Signed checkpoints: none (sign the log with `gigafund office checkpoint`)"
        )?;
    }
    for c in &r.checkpoints {
        match &c.problem {
            None => writeln!(
                out,
                "Checkpoint at entry {} ({}, key {}, {}): holds",
                c.seq,
                c.at.format("%Y-%m-%d %H:%M"),
                c.fingerprint,
                c.source
            )?,
            Some(p) => writeln!(
                out,
                "Checkpoint at entry {} ({}, key {}, {}): FAILS: {p}",
                c.seq,
                c.at.format("%Y-%m-%d %H:%M"),
                c.fingerprint,
                c.source
            )?,
        }
    }
    if !r.checkpoints.is_empty() {
        match &r.office_key {
            Some(fp) => writeln!(out, "Checkpoints checked against the office key {fp}")?,
            None => writeln!(
                out,
                "Checkpoints checked against their own keys: give --office-key to check they are the office's"
            )?,
        }
        writeln!(
            out,
            "Entries after the last checkpoint that holds: {}",
            r.unsigned_entries
        )?;
    }
    Ok(())
}

/// A row of the estimate table: label, value of a column, decimals.
type FigureRow = (
    &'static str,
    fn(&gigafund::compute::estimate::Figures) -> f64,
    usize,
);

fn print_estimate(
    out: &mut dyn Write,
    e: &gigafund::compute::estimate::Estimate,
) -> std::io::Result<()> {
    writeln!(out, "{} — p = {:.3} ({})", e.accelerator, e.p, e.p_source)?;
    if let Some(note) = &e.fallback_note {
        writeln!(out, "FALLBACK: {note}")?;
    }
    writeln!(
        out,
        "IT power {:.3} kW per accelerator ({})",
        e.kw_it_per_acc, e.power_source
    )?;
    writeln!(
        out,
        "{:<24} {:>12} {:>12} {:>12}",
        "", "low", "central", "high"
    )?;
    let rows: [FigureRow; 10] = [
        ("s", |f| f.s, 3),
        ("η (scale efficiency)", |f| f.eta, 3),
        ("work / year (bn H200e-h)", |f| f.work_per_year / 1e9, 3),
        ("energy / year (GWh)", |f| f.energy_mwh_per_year / 1e3, 1),
        ("facility (MW)", |f| f.facility_mw, 1),
        ("TCO PV (€bn)", |f| f.tco_pv / 1e9, 3),
        ("work PV (bn H200e-h)", |f| f.work_pv / 1e9, 3),
        ("H200e-h per €", |f| f.compute_per_euro, 3),
        ("€ per H200e-hour", |f| f.eur_per_h200e_hour, 3),
        ("H200e-h per MWh", |f| f.h200e_hours_per_mwh, 1),
    ];
    for (label, get, digits) in rows {
        writeln!(
            out,
            "{label:<24} {:>12.digits$} {:>12.digits$} {:>12.digits$}",
            get(&e.low),
            get(&e.central),
            get(&e.high)
        )?;
    }
    writeln!(out, "\n{}", e.label)
}

/// Removes a database file and its WAL companions.
fn remove_database(path: &std::path::Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let p = PathBuf::from(p);
        if p.exists() {
            std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
        }
    }
    Ok(())
}

/// Prints `value` as JSON, or as text through `text`.
fn output<T: Serialize>(
    json: bool,
    value: &T,
    text: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<bool> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = if json {
        serde_json::to_writer_pretty(&mut out, value)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out))
    } else {
        text(&mut out)
    };
    match written {
        Ok(()) => Ok(true),
        // A closed pipe (`gigafund bid list | head`) is not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(true),
        Err(e) => Err(Error::io("<stdout>", e)),
    }
}

/// `€1,234.5m`: amounts of calls and bids are read in millions.
fn millions(e: gigafund::model::Eur) -> String {
    let tenths = (e.as_euros_f64() / 1e5).round() as i64;
    let whole = gigafund::model::Eur(tenths / 10 * 100).to_string();
    format!("{}.{}m", whole.trim_end_matches(".00"), (tenths % 10).abs())
}

/// The name of an enum value as in JSON and the call templates (`ai_gigafactory`).
fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn print_summary(
    out: &mut dyn Write,
    s: &ProgrammeSummary,
    path: &std::path::Path,
) -> std::io::Result<()> {
    writeln!(out, "Demo programme loaded into {}", path.display())?;
    writeln!(
        out,
        "{} calls, {} bids, {} organisations from {} countries, {} evaluators ({} declared conflicts)\n",
        s.calls.len(),
        s.bids,
        s.organisations,
        s.countries.len(),
        s.evaluators,
        s.declared_conflicts
    )?;
    cli::call::print_calls(out, s)
}

fn print_bids(out: &mut dyn Write, rows: &[BidRow]) -> std::io::Result<()> {
    writeln!(
        out,
        "{:>4} {:<22} {:<12} {:<10} {:>9} {:>7} {:>12} ELIGIBILITY",
        "ID", "CALL", "ACRONYM", "HARDWARE", "COUNT", "IT MW", "REQ. EU"
    )?;
    for r in rows {
        let eligibility = if r.eligible {
            "eligible".to_string()
        } else {
            format!("ineligible ({})", r.failed_rules.join(", "))
        };
        writeln!(
            out,
            "{:>4} {:<22} {:<12} {:<10} {:>9} {:>7.1} {:>12} {}",
            r.id,
            r.call_code,
            r.acronym,
            r.accelerator,
            r.accelerators,
            r.it_mw,
            millions(r.requested_eu),
            eligibility
        )?;
    }
    Ok(())
}

fn print_bid(out: &mut dyn Write, d: &app::BidDetail) -> std::io::Result<()> {
    let b = &d.bid;
    writeln!(
        out,
        "{} — {} (bid {}, version {}, {})",
        b.acronym,
        b.title,
        b.id,
        b.version,
        name(&b.status)
    )?;
    writeln!(out, "Call {} — {}", b.call_code, d.call_title)?;
    writeln!(out, "\nConsortium {}:", b.consortium.name)?;
    for m in &b.consortium.members {
        writeln!(
            out,
            "  {:<16} {} ({})",
            name(&m.role),
            m.organisation.name,
            m.organisation.country
        )?;
    }
    writeln!(out, "\nSites:")?;
    for s in &b.sites {
        writeln!(
            out,
            "  {} ({}, {}): {:.1} MW IT, PUE {:.2}, WUE {:.2} L/kWh, {:.0} % renewable, grid {}, live {}",
            s.name,
            s.region,
            s.country,
            s.it_mw,
            s.pue,
            s.wue,
            s.renewable_share * 100.0,
            s.grid_connection,
            s.go_live
        )?;
    }
    for h in &b.hardware {
        writeln!(
            out,
            "Hardware generation {}: {} × {}",
            h.generation, h.count, h.accelerator
        )?;
    }
    writeln!(
        out,
        "\nCapex {} · opex (listed years) {} · financing {}",
        d.capex_total, d.opex_total, d.financing_total
    )?;
    let f = &b.financing;
    writeln!(
        out,
        "EU grant {} · Member-State grant {} · senior debt {} · equity {} · guarantee {} {}",
        f.eu_grant,
        f.member_state_grant,
        f.senior_debt,
        f.equity,
        name(&f.guarantee_kind),
        f.guarantee_amount
    )?;
    writeln!(
        out,
        "\nEligibility: {}",
        if d.eligible {
            "eligible"
        } else {
            "NOT eligible"
        }
    )?;
    for r in &d.eligibility {
        writeln!(
            out,
            "  [{}] {:<12} {}",
            if r.passed { "pass" } else { "FAIL" },
            r.code,
            r.detail
        )?;
    }
    Ok(())
}
