//! The `gigafund` command line. Each subcommand is a thin wrapper over `gigafund::app`.
//!
//! Exit codes: 0 success, 1 input refused (validation, eligibility, bad file, newer
//! database), 2 usage error, 3 internal error. With `--json`, stdout holds exactly one
//! JSON document: the result, or `{"error": {code, message, problems}}`.

use chrono::Utc;
use clap::{Args, Parser, Subcommand};
use gigafund::app::{self, BidRow, ProgrammeSummary};
use gigafund::model::{Actor, Call};
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
    /// Build a fresh database with the demo programme and print its summary.
    Demo(DemoArgs),
    /// Calls for proposals.
    #[command(subcommand)]
    Call(CallCommand),
    /// Bids of the calls.
    #[command(subcommand)]
    Bid(BidCommand),
    /// Check the database file (PRAGMA integrity_check) and the audit log's hash chain.
    Verify,
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
enum CallCommand {
    /// Import a call template (TOML, as in templates/calls/).
    Import {
        /// The call template file.
        file: PathBuf,
    },
    /// List the calls with their budgets and bids.
    List,
    /// Show one call: settings, criteria and eligibility rules.
    Show {
        /// The call's code, e.g. INVESTAI-AIGF-2026.
        code: String,
    },
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli) {
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
            if path.exists() {
                if !args.replace {
                    return Err(Error::Conflict(format!(
                        "{} already exists: pass --replace to build the demo there (its contents are lost), or choose another --db",
                        path.display()
                    )));
                }
                remove_database(&path)?;
            }
            let mut store = Store::open(&path)?;
            let summary = app::load_demo(&mut store, &actor(), args.from.as_deref())?;
            output(cli.json, &summary, |out| {
                print_summary(out, &summary, &path)
            })
        }
        Command::Call(CallCommand::Import { file }) => {
            let mut store = open(&cli)?;
            let call = app::import_call(&mut store, &actor(), file)?;
            output(cli.json, &call, |out| {
                writeln!(out, "Imported call {} — {}", call.code, call.title)
            })
        }
        Command::Call(CallCommand::List) => {
            let store = open(&cli)?;
            let summary = app::summary(&store)?;
            output(cli.json, &summary.calls, |out| print_calls(out, &summary))
        }
        Command::Call(CallCommand::Show { code }) => {
            let store = open(&cli)?;
            let call = app::call(&store, code)?;
            output(cli.json, &call, |out| print_call(out, &call))
        }
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
        Command::Verify => {
            let store = open(&cli)?;
            let report = app::verify(&store)?;
            output(cli.json, &report, |out| {
                writeln!(out, "Schema version {}", report.schema_version)?;
                if report.integrity.is_empty() {
                    writeln!(out, "Database file: ok (PRAGMA integrity_check)")?;
                } else {
                    for line in &report.integrity {
                        writeln!(out, "Database file: {line}")?;
                    }
                }
                match &report.chain_break {
                    None => writeln!(
                        out,
                        "Audit log: {} entries, chain intact",
                        report.audit_entries
                    ),
                    Some(b) => writeln!(out, "Audit log: BROKEN at entry {}: {}", b.seq, b.reason),
                }
            })?;
            // The report is the output; a failed check exits 1 without a second document.
            Ok(report.ok)
        }
    }
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
    print_calls(out, s)
}

fn print_calls(out: &mut dyn Write, s: &ProgrammeSummary) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<22} {:<20} {:>12} {:>5} {:>9} {:>14} {:>10}",
        "CALL", "KIND", "BUDGET", "BIDS", "ELIGIBLE", "REQUESTED EU", "vs BUDGET"
    )?;
    for c in &s.calls {
        let ratio = if c.budget.cents() > 0 {
            c.requested_eu.as_euros_f64() / c.budget.as_euros_f64()
        } else {
            0.0
        };
        writeln!(
            out,
            "{:<22} {:<20} {:>12} {:>5} {:>9} {:>14} {:>9.0}%",
            c.code,
            name(&c.kind),
            millions(c.budget),
            c.bids,
            c.eligible_bids,
            millions(c.requested_eu),
            ratio * 100.0
        )?;
    }
    writeln!(
        out,
        "\nTotal budget {}; requested EU contribution {}",
        millions(s.budget_total),
        millions(s.requested_eu_total)
    )
}

fn print_call(out: &mut dyn Write, c: &Call) -> std::io::Result<()> {
    writeln!(out, "{} — {}", c.code, c.title)?;
    writeln!(
        out,
        "{} · {} · budget {} · open {} to {}",
        c.programme,
        name(&c.kind),
        c.budget,
        c.opens,
        c.deadline
    )?;
    let s = &c.settings;
    writeln!(
        out,
        "Scores {}–{} in steps of {}; ≥{} evaluators per bid; overall threshold {}; budget line: {}",
        s.scale_min,
        s.scale_max,
        s.step,
        s.min_evaluators_per_bid,
        s.overall_threshold,
        name(&s.budget_line)
    )?;
    writeln!(out, "\nCriteria:")?;
    for k in &c.criteria {
        writeln!(
            out,
            "  {:<15} weight {:<4} threshold {:<4} {}",
            k.code, k.weight, k.threshold, k.name
        )?;
    }
    writeln!(out, "\nEligibility rules:")?;
    for r in &c.eligibility {
        writeln!(out, "  {:<12} {}", r.code, r.description)?;
    }
    Ok(())
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
