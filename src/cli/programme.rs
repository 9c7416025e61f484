//! `gigafund programme | award | milestone | tranche`: the programme after selection.

use crate::{Cli, actor, open, output};
use clap::{Subcommand, ValueEnum};
use gigafund::app::programme::{
    self as prog, AmendRequest, Change, MilestoneChange, TrancheAction,
};
use gigafund::model::Eur;
use gigafund::programme::AgreementKind;
use gigafund::store::programme::Commitment;
use gigafund::{Error, Result};
use std::io::Write;
use std::path::PathBuf;

fn today() -> chrono::NaiveDate {
    actor().at.date_naive()
}

fn euros(flag: &str, v: f64) -> Result<Eur> {
    Eur::from_euros_f64(v).filter(|e| e.0 >= 0).ok_or_else(|| {
        Error::invalid(
            gigafund::error::Location::default().with_field(flag),
            "an amount of euros, not negative",
            Some(v.to_string()),
        )
    })
}

#[derive(Subcommand)]
pub enum ProgrammeCommand {
    /// Import a programme template (TOML, as in templates/programmes/): its envelope,
    /// rules, milestone chains and tranches, and the awards it records.
    Import { file: PathBuf },
    /// The programme templates shipped with Gigafund.
    Templates,
    /// The programmes with their awards.
    List,
    /// One programme: its rules, commitments, awards and flags.
    Show { code: String },
    /// The envelope statement (announced → committed → contracted → paid), leverage
    /// against the target, the disbursement forecast and the awards by Member State.
    Portfolio {
        code: String,
        /// The day the statement is drawn up (default: today).
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
    },
    /// The disbursement schedule (every tranche of every award) or the milestone table, as
    /// .xlsx or CSV (by the file's extension); text that a spreadsheet would take for a
    /// formula is neutralised.
    Export {
        code: String,
        #[arg(long, value_enum)]
        table: TableArg,
        #[arg(long, value_name = "FILE.xlsx|FILE.csv")]
        out: PathBuf,
        #[arg(long, default_value = "en", value_parser = ["en", "fr"])]
        lang: String,
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
        /// Write over an existing file.
        #[arg(long)]
        replace: bool,
    },
    /// The Programme view's charts as SVG (envelope waterfall, leverage, next milestones,
    /// the map): `--json` gives them by name, otherwise they are written into `--dir`.
    Charts {
        code: String,
        #[arg(long, default_value = "en", value_parser = ["en", "fr"])]
        lang: String,
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Schedule risk: the remaining milestones' durations drawn from the template's
    /// triangular distributions; per award the probability of being operational by its
    /// target date, and the disbursement forecast's P10/P50/P90 by year.
    Risk {
        code: String,
        #[arg(long, default_value_t = 10_000)]
        paths: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
        /// With --json: the run and its chart (SVG) in the language given, as the app
        /// shows them.
        #[arg(long, value_name = "LANG", value_parser = ["en", "fr"])]
        view: Option<String>,
    },
    /// The early-warning list: suspensions that stand, overdue milestones, late tranches,
    /// milestones at risk, the gravest first.
    Warnings {
        code: String,
        #[arg(long, default_value = "en", value_parser = ["en", "fr"])]
        lang: String,
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
    },
    /// Record a Member-State commitment letter.
    Commitment {
        #[arg(long)]
        programme: String,
        /// ISO 3166 code of the committing state.
        #[arg(long)]
        country: String,
        #[arg(long, value_name = "EUR")]
        amount: f64,
        #[arg(long)]
        dated: chrono::NaiveDate,
        /// The call it commits to (a gigafactory call needs it before it opens).
        #[arg(long)]
        call: Option<String>,
        #[arg(long, default_value = "")]
        conditions: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TableArg {
    Schedule,
    Milestones,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AmendKind {
    BudgetRevision,
    Extension,
    CoordinatorChange,
    SiteChange,
    TrancheShares,
    Termination,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AgreementArg {
    Hosting,
    Grant,
    JointProcurement,
    ProcurementContract,
    Loan,
}

// Parsed once per run: the size of the amendment's flags does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum AwardCommand {
    /// Make an award from a main-list bid of a ranked call (a reserve bid only after a
    /// main-list award was withdrawn, in rank order).
    Create {
        #[arg(long)]
        call: String,
        /// The bid (acronym or id).
        #[arg(long)]
        bid: String,
    },
    List {
        #[arg(long)]
        programme: Option<String>,
    },
    Show {
        id: i64,
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// A typed, dated, append-only amendment, with who asked and who approved.
    Amend {
        id: i64,
        #[arg(long, value_enum)]
        kind: AmendKind,
        #[arg(long)]
        dated: chrono::NaiveDate,
        #[arg(long)]
        asked_by: String,
        #[arg(long)]
        approved_by: String,
        #[arg(long)]
        reason: String,
        /// Budget revision: the new amounts in euros.
        #[arg(long, value_name = "EUR")]
        eu: Option<f64>,
        #[arg(long, value_name = "EUR")]
        member_state: Option<f64>,
        #[arg(long, value_name = "EUR")]
        regional: Option<f64>,
        #[arg(long, value_name = "EUR")]
        private: Option<f64>,
        #[arg(long, value_name = "EUR")]
        loan: Option<f64>,
        #[arg(long, value_name = "EUR")]
        acquisition: Option<f64>,
        #[arg(long, value_name = "EUR")]
        operation: Option<f64>,
        /// Extension: days every milestone not yet achieved moves.
        #[arg(long)]
        days: Option<i64>,
        /// Coordinator change: the new coordinator.
        #[arg(long)]
        host: Option<String>,
        /// Site change: the new host country.
        #[arg(long)]
        country: Option<String>,
        /// Tranche shares: CODE=PERCENT, repeated (all shares sum to 100).
        #[arg(long, value_name = "CODE=PERCENT")]
        share: Vec<String>,
    },
    /// Withdraw an award (before any payment); the call's first reserve bid may then be
    /// awarded.
    /// The award's milestone chart (baseline against forecast) as SVG, on standard output.
    Chart {
        id: i64,
        #[arg(long, default_value = "en", value_parser = ["en", "fr"])]
        lang: String,
    },
    Withdraw {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Record an agreement (the next version of its kind).
    Agreement {
        id: i64,
        #[arg(long, value_enum)]
        kind: AgreementArg,
        #[arg(long)]
        signed: chrono::NaiveDate,
        #[arg(long)]
        reference: String,
    },
}

#[derive(Subcommand)]
pub enum MilestoneCommand {
    List {
        #[arg(long)]
        award: i64,
    },
    /// A new forecast, or the actual date with its evidence (a file, hashed).
    Update {
        #[arg(long)]
        award: i64,
        #[arg(long)]
        milestone: String,
        #[arg(long, conflicts_with_all = ["actual", "evidence"])]
        forecast: Option<chrono::NaiveDate>,
        #[arg(long, requires = "evidence")]
        actual: Option<chrono::NaiveDate>,
        #[arg(long)]
        evidence: Option<PathBuf>,
    },
    Verify {
        #[arg(long)]
        award: i64,
        #[arg(long)]
        milestone: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TrancheStep {
    Request,
    Review,
    Approve,
    Pay,
    Suspend,
    Resume,
    Recover,
}

#[derive(Subcommand)]
pub enum TrancheCommand {
    List {
        #[arg(long)]
        award: i64,
    },
    /// Move a tranche: request, review, approve, pay (never before its gate is
    /// verified), suspend, resume, recover.
    #[command(name = "do")]
    Act {
        #[arg(value_enum)]
        step: TrancheStep,
        #[arg(long)]
        award: i64,
        #[arg(long)]
        tranche: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    Request(TrancheArgs),
    Approve(TrancheArgs),
    Pay(TrancheArgs),
}

#[derive(clap::Args)]
pub struct TrancheArgs {
    #[arg(long)]
    award: i64,
    #[arg(long)]
    tranche: String,
    #[arg(long, default_value = "")]
    note: String,
}

pub fn programme(cli: &Cli, cmd: &ProgrammeCommand) -> Result<bool> {
    match cmd {
        ProgrammeCommand::Import { file } => {
            let mut store = open(cli)?;
            let r = prog::import(&mut store, &actor(), file)?;
            output(cli.json, &r, |o| {
                writeln!(
                    o,
                    "Imported programme {} — {} ({} recorded awards)",
                    r.code, r.name, r.recorded_awards
                )
            })
        }
        ProgrammeCommand::Templates => {
            let list: Vec<serde_json::Value> = prog::shipped()
                .into_iter()
                .map(|(f, _)| serde_json::json!({ "file": f }))
                .collect();
            output(cli.json, &list, |o| {
                for f in &list {
                    writeln!(o, "{}", f["file"].as_str().unwrap_or_default())?;
                }
                Ok(())
            })
        }
        ProgrammeCommand::List => {
            let store = open(cli)?;
            let rows = prog::list(&store)?;
            output(cli.json, &rows, |o| {
                for r in &rows {
                    writeln!(
                        o,
                        "{:<14} {:>4} awards  EU {:>18}  {}",
                        r.code,
                        r.awards,
                        r.eu_committed.to_string(),
                        r.name
                    )?;
                }
                Ok(())
            })
        }
        ProgrammeCommand::Show { code } => {
            let store = open(cli)?;
            let d = prog::show(&store, code, today())?;
            output(cli.json, &d, |o| {
                writeln!(o, "{} — {}", d.template.code, d.template.name)?;
                writeln!(o, "Calls: {}", d.template.calls.join(", "))?;
                for f in &d.flags {
                    writeln!(o, "FLAG: {f}")?;
                }
                for a in &d.awards {
                    writeln!(
                        o,
                        "{:>4} {:<14} {:<3} {:<10} EU {:>16} paid {:>16}  {}/{} milestones{}",
                        a.id,
                        a.acronym,
                        a.country,
                        format!("{:?}", a.status).to_lowercase(),
                        a.eu.to_string(),
                        a.paid.to_string(),
                        a.achieved,
                        a.milestones,
                        if a.at_risk > 0 {
                            format!(", {} at risk", a.at_risk)
                        } else {
                            String::new()
                        }
                    )?;
                }
                Ok(())
            })
        }
        ProgrammeCommand::Export {
            code,
            table,
            out,
            lang,
            today: day,
            replace,
        } => {
            let store = open(cli)?;
            let which = match table {
                TableArg::Schedule => prog::ProgrammeTable::Schedule,
                TableArg::Milestones => prog::ProgrammeTable::Milestones,
            };
            let t = prog::programme_table(&store, code, which, lang, day.unwrap_or_else(today))?;
            let bytes = t.write(out, *replace)?;
            let doc = serde_json::json!({
                "file": out.display().to_string(),
                "rows": t.rows.len(),
                "bytes": bytes,
            });
            output(cli.json, &doc, |o| {
                writeln!(
                    o,
                    "Wrote {} ({} rows, {bytes} bytes)",
                    out.display(),
                    t.rows.len()
                )
            })
        }
        ProgrammeCommand::Charts {
            code,
            lang,
            today: day,
            dir,
        } => {
            let store = open(cli)?;
            let c = prog::portfolio_charts(&store, code, lang, day.unwrap_or_else(today))?;
            if let Some(dir) = dir {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                for (name, svg) in [
                    ("envelope", &c.envelope),
                    ("leverage", &c.leverage),
                    ("milestones", &c.milestones),
                    ("map", &c.map),
                ] {
                    let f = dir.join(format!("{code}-{name}-{lang}.svg"));
                    std::fs::write(&f, svg).map_err(|e| Error::io(&f, e))?;
                }
            }
            output(cli.json, &c, |o| {
                writeln!(
                    o,
                    "4 charts of {code}{}",
                    dir.as_ref()
                        .map(|d| format!(" in {}", d.display()))
                        .unwrap_or_default()
                )
            })
        }
        ProgrammeCommand::Risk {
            code,
            paths,
            seed,
            today: day,
            view,
        } => {
            let store = open(cli)?;
            let tty = std::io::IsTerminal::is_terminal(&std::io::stderr()) && !cli.json;
            let progress = |done: usize, total: usize| {
                if tty {
                    eprint!("\r{done}/{total} awards");
                }
            };
            let never = std::sync::atomic::AtomicBool::new(false);
            let r = prog::schedule_risk(
                &store,
                code,
                day.unwrap_or_else(today),
                *paths,
                *seed,
                None,
                &progress,
                &never,
            )?;
            if tty {
                eprintln!();
            }
            if let (Some(lang), true) = (view, cli.json) {
                let v = prog::risk_view(r, lang)?;
                return output(true, &v, |_| Ok(()));
            }
            output(cli.json, &r, |o| {
                writeln!(
                    o,
                    "{code}: {} paths, seed {} (durations × {} / {} / {})",
                    r.paths, r.seed, r.params.optimistic, r.params.likely, r.params.pessimistic
                )?;
                writeln!(
                    o,
                    "{:<14} {:>10} {:>11} {:>11} {:>11} {:>11}",
                    "award", "on time", "target", "P10", "P50", "P90"
                )?;
                for a in &r.awards {
                    writeln!(
                        o,
                        "{:<14} {:>9.1} % {:>11} {:>11} {:>11} {:>11}",
                        a.acronym,
                        a.probability * 100.0,
                        a.target.to_string(),
                        a.p10.to_string(),
                        a.p50.to_string(),
                        a.p90.to_string()
                    )?;
                }
                writeln!(
                    o,
                    "{:<6} {:>20} {:>20} {:>20} {:>20}",
                    "year", "forecast", "P10", "P50", "P90"
                )?;
                for y in &r.years {
                    writeln!(
                        o,
                        "{:<6} {:>20} {:>20} {:>20} {:>20}",
                        y.year,
                        y.forecast.to_string(),
                        y.p10.to_string(),
                        y.p50.to_string(),
                        y.p90.to_string()
                    )?;
                }
                Ok(())
            })
        }
        ProgrammeCommand::Warnings {
            code,
            lang,
            today: day,
        } => {
            let store = open(cli)?;
            let list = prog::early_warnings(&store, code, lang, day.unwrap_or_else(today))?;
            output(cli.json, &list, |o| {
                for w in &list {
                    writeln!(
                        o,
                        "{:<14} {:<20} {} {:>5} days  {}",
                        w.acronym,
                        gigafund::store::enum_text(&w.kind)
                            .unwrap_or_default()
                            .replace('_', " "),
                        w.date,
                        w.days,
                        w.subject
                    )?;
                }
                writeln!(o, "{} warnings", list.len())
            })
        }
        ProgrammeCommand::Portfolio { code, today: day } => {
            let store = open(cli)?;
            let p = prog::portfolio(&store, code, day.unwrap_or_else(today))?;
            output(cli.json, &p, |o| {
                writeln!(o, "{} — envelope statement at {}", p.name, p.today)?;
                writeln!(
                    o,
                    "{:<20} {:>18} {:>18} {:>18} {:>18}",
                    "source", "announced", "committed", "contracted", "paid"
                )?;
                for r in &p.by_source {
                    writeln!(
                        o,
                        "{:<20} {:>18} {:>18} {:>18} {:>18}",
                        gigafund::store::enum_text(&r.source).unwrap_or_default(),
                        r.announced.to_string(),
                        r.committed.to_string(),
                        r.contracted.to_string(),
                        r.paid.to_string()
                    )?;
                }
                writeln!(
                    o,
                    "Leverage {} (target {:.1}×); private ÷ public {}",
                    p.leverage
                        .portfolio
                        .map_or("–".into(), |l| format!("{l:.2}×")),
                    p.leverage.target,
                    p.leverage
                        .private_to_public
                        .map_or("–".into(), |l| format!("{l:.2}"))
                )?;
                writeln!(o, "Disbursement forecast (EU):")?;
                for f in &p.forecast {
                    writeln!(
                        o,
                        "  {} {:<16} planned {:>16} paid {:>16} remaining {:>16} carried {:>16}",
                        f.year,
                        gigafund::store::enum_text(&f.source).unwrap_or_default(),
                        f.planned.to_string(),
                        f.paid.to_string(),
                        f.remaining.to_string(),
                        f.carried_forward.to_string()
                    )?;
                }
                writeln!(
                    o,
                    "{} awards; {} milestones at risk; {} tranches late",
                    p.awards, p.milestones_at_risk, p.tranches_late
                )
            })
        }
        ProgrammeCommand::Commitment {
            programme,
            country,
            amount,
            dated,
            call,
            conditions,
        } => {
            let mut store = open(cli)?;
            let c = prog::add_commitment(
                &mut store,
                &actor(),
                programme,
                &Commitment {
                    id: 0,
                    call_code: call.clone(),
                    country: country.to_uppercase(),
                    amount: euros("--amount", *amount)?,
                    dated: *dated,
                    conditions: conditions.clone(),
                },
            )?;
            output(cli.json, &c, |o| {
                writeln!(
                    o,
                    "Commitment of {} for {} dated {} recorded",
                    c.country, c.amount, c.dated
                )
            })
        }
    }
}

fn print_award(o: &mut dyn Write, d: &prog::AwardDetail) -> std::io::Result<()> {
    let a = &d.award;
    writeln!(
        o,
        "Award {} — {} ({}), {} · {} · {}",
        a.id,
        a.acronym,
        a.title,
        a.country,
        a.call_code,
        format!("{:?}", a.status).to_lowercase()
    )?;
    let f = &a.figures;
    writeln!(
        o,
        "EU {} (acquisition {}, operation {}) · Member State {} · region {} · private {} · loan {}",
        f.eu, f.eu_acquisition, f.eu_operation, f.member_state, f.regional, f.private, f.loan
    )?;
    writeln!(
        o,
        "Total {} · leverage {} · paid {} ({} before the final payment; ceiling {})",
        f.total(),
        d.leverage.map_or("–".into(), |l| format!("{l:.2}×")),
        d.paid,
        d.paid_before_final,
        d.ceiling_before_final
    )?;
    for x in &d.flags {
        writeln!(o, "FLAG: {x}")?;
    }
    for g in &d.agreements {
        writeln!(
            o,
            "Agreement {:?} v{} signed {} ({})",
            g.kind, g.version, g.signed_on, g.reference
        )?;
    }
    print_milestones(o, &d.milestones)?;
    print_tranches(o, &d.tranches)?;
    for m in &d.amendments {
        writeln!(
            o,
            "Amendment {} {:?} {} — asked by {}, approved by {}: {}",
            m.id, m.kind, m.dated, m.asked_by, m.approved_by, m.reason
        )?;
    }
    Ok(())
}

fn print_milestones(o: &mut dyn Write, ms: &[prog::MilestoneView]) -> std::io::Result<()> {
    for m in ms {
        writeln!(
            o,
            "  {:<12} {:<38} baseline {} forecast {} actual {} {}",
            m.milestone.code,
            m.name,
            m.milestone.baseline,
            m.milestone.forecast,
            m.milestone.actual.map_or("–".into(), |d| d.to_string()),
            format!("{:?}", m.state).to_lowercase()
        )?;
    }
    Ok(())
}

fn print_tranches(o: &mut dyn Write, ts: &[prog::TrancheView]) -> std::io::Result<()> {
    for t in ts {
        writeln!(
            o,
            "  {:<8} {:>6.2} % {:>16} {:<14} gate: {}{} due {}{}",
            t.tranche.code,
            f64::from(t.tranche.share_bp) / 100.0,
            t.tranche.amount.to_string(),
            format!("{:?}", t.tranche.state).to_lowercase(),
            t.gate_name,
            if t.gate_open { " (verified)" } else { "" },
            t.due_on,
            if t.late { " LATE" } else { "" }
        )?;
    }
    Ok(())
}

pub fn award(cli: &Cli, cmd: &AwardCommand) -> Result<bool> {
    match cmd {
        AwardCommand::Create { call, bid } => {
            let mut store = open(cli)?;
            let d = prog::create_award(&mut store, &actor(), call, bid)?;
            output(cli.json, &d, |o| print_award(o, &d))
        }
        AwardCommand::List { programme } => {
            let store = open(cli)?;
            let rows = prog::awards(&store, programme.as_deref(), today())?;
            output(cli.json, &rows, |o| {
                for a in &rows {
                    writeln!(
                        o,
                        "{:>4} {:<12} {:<14} {:<3} {:<10} EU {:>16}",
                        a.id,
                        a.programme,
                        a.acronym,
                        a.country,
                        format!("{:?}", a.status).to_lowercase(),
                        a.eu.to_string()
                    )?;
                }
                Ok(())
            })
        }
        AwardCommand::Chart { id, lang } => {
            let store = open(cli)?;
            let svg = prog::award_milestone_chart(&store, *id, lang, today())?;
            output(cli.json, &svg, |o| writeln!(o, "{svg}"))
        }
        AwardCommand::Show { id, lang } => {
            let store = open(cli)?;
            let d = prog::show_award(&store, *id, lang, today())?;
            output(cli.json, &d, |o| print_award(o, &d))
        }
        AwardCommand::Amend {
            id,
            kind,
            dated,
            asked_by,
            approved_by,
            reason,
            eu,
            member_state,
            regional,
            private,
            loan,
            acquisition,
            operation,
            days,
            host,
            country,
            share,
        } => {
            let amount = |flag: &str, v: &Option<f64>| v.map(|v| euros(flag, v)).transpose();
            let change = match kind {
                AmendKind::BudgetRevision => Change::BudgetRevision {
                    eu: amount("--eu", eu)?,
                    member_state: amount("--member-state", member_state)?,
                    regional: amount("--regional", regional)?,
                    private: amount("--private", private)?,
                    loan: amount("--loan", loan)?,
                    acquisition: amount("--acquisition", acquisition)?,
                    operation: amount("--operation", operation)?,
                },
                AmendKind::Extension => Change::Extension {
                    days: days.ok_or_else(|| usage("--days"))?,
                },
                AmendKind::CoordinatorChange => Change::CoordinatorChange {
                    host: host.clone().ok_or_else(|| usage("--host"))?,
                },
                AmendKind::SiteChange => Change::SiteChange {
                    country: country
                        .clone()
                        .ok_or_else(|| usage("--country"))?
                        .to_uppercase(),
                },
                AmendKind::TrancheShares => Change::TrancheShares {
                    shares: share
                        .iter()
                        .map(|s| {
                            let (code, pct) = s
                                .split_once('=')
                                .ok_or_else(|| usage("--share CODE=PERCENT"))?;
                            let pct: f64 = pct
                                .trim()
                                .parse()
                                .map_err(|_| usage("--share CODE=PERCENT"))?;
                            Ok((code.trim().to_string(), (pct * 100.0).round() as u32))
                        })
                        .collect::<Result<Vec<_>>>()?,
                },
                AmendKind::Termination => Change::Termination,
            };
            let mut store = open(cli)?;
            let a = prog::amend(
                &mut store,
                &actor(),
                *id,
                &AmendRequest {
                    change,
                    dated: *dated,
                    asked_by: asked_by.clone(),
                    approved_by: approved_by.clone(),
                    reason: reason.clone(),
                },
            )?;
            output(cli.json, &a, |o| {
                writeln!(
                    o,
                    "Amendment {} ({:?}) recorded: {} → {}",
                    a.id, a.kind, a.old_value, a.new_value
                )
            })
        }
        AwardCommand::Withdraw { id, reason } => {
            let mut store = open(cli)?;
            let a = prog::withdraw(&mut store, &actor(), *id, reason)?;
            output(cli.json, &a, |o| {
                writeln!(o, "Award {} ({}) withdrawn", a.id, a.acronym)
            })
        }
        AwardCommand::Agreement {
            id,
            kind,
            signed,
            reference,
        } => {
            let kind = match kind {
                AgreementArg::Hosting => AgreementKind::Hosting,
                AgreementArg::Grant => AgreementKind::Grant,
                AgreementArg::JointProcurement => AgreementKind::JointProcurement,
                AgreementArg::ProcurementContract => AgreementKind::ProcurementContract,
                AgreementArg::Loan => AgreementKind::Loan,
            };
            let mut store = open(cli)?;
            let g = prog::record_agreement(&mut store, &actor(), *id, kind, *signed, reference)?;
            output(cli.json, &g, |o| {
                writeln!(
                    o,
                    "Agreement {:?} version {} signed {} recorded",
                    g.kind, g.version, g.signed_on
                )
            })
        }
    }
}

fn usage(flag: &str) -> Error {
    Error::invalid(
        gigafund::error::Location::default().with_field(flag),
        format!("this kind of amendment needs {flag}"),
        None,
    )
}

pub fn milestone(cli: &Cli, cmd: &MilestoneCommand) -> Result<bool> {
    match cmd {
        MilestoneCommand::List { award } => {
            let store = open(cli)?;
            let d = prog::show_award(&store, *award, "en", today())?;
            output(cli.json, &d.milestones, |o| {
                print_milestones(o, &d.milestones)
            })
        }
        MilestoneCommand::Update {
            award,
            milestone,
            forecast,
            actual,
            evidence,
        } => {
            let change = match (forecast, actual, evidence) {
                (Some(d), None, None) => MilestoneChange::Forecast { date: *d },
                (None, Some(d), Some(e)) => MilestoneChange::Actual {
                    date: *d,
                    evidence: e.display().to_string(),
                },
                _ => {
                    return Err(usage(
                        "--forecast DATE, or --actual DATE with --evidence FILE",
                    ));
                }
            };
            let mut store = open(cli)?;
            let m = prog::update_milestone(&mut store, &actor(), *award, milestone, &change)?;
            output(cli.json, &m, |o| {
                print_milestones(o, std::slice::from_ref(&m))
            })
        }
        MilestoneCommand::Verify { award, milestone } => {
            let mut store = open(cli)?;
            let m = prog::verify_milestone(&mut store, &actor(), *award, milestone)?;
            output(cli.json, &m, |o| {
                print_milestones(o, std::slice::from_ref(&m))
            })
        }
    }
}

pub fn tranche(cli: &Cli, cmd: &TrancheCommand) -> Result<bool> {
    let (step, args) = match cmd {
        TrancheCommand::List { award } => {
            let store = open(cli)?;
            let d = prog::show_award(&store, *award, "en", today())?;
            return output(cli.json, &d.tranches, |o| print_tranches(o, &d.tranches));
        }
        TrancheCommand::Act {
            step,
            award,
            tranche,
            note,
        } => (*step, (award, tranche, note)),
        TrancheCommand::Request(a) => (TrancheStep::Request, (&a.award, &a.tranche, &a.note)),
        TrancheCommand::Approve(a) => (TrancheStep::Approve, (&a.award, &a.tranche, &a.note)),
        TrancheCommand::Pay(a) => (TrancheStep::Pay, (&a.award, &a.tranche, &a.note)),
    };
    let action = match step {
        TrancheStep::Request => TrancheAction::Request,
        TrancheStep::Review => TrancheAction::Review,
        TrancheStep::Approve => TrancheAction::Approve,
        TrancheStep::Pay => TrancheAction::Pay,
        TrancheStep::Suspend => TrancheAction::Suspend,
        TrancheStep::Resume => TrancheAction::Resume,
        TrancheStep::Recover => TrancheAction::Recover,
    };
    let mut store = open(cli)?;
    let t = prog::tranche_action(&mut store, &actor(), *args.0, args.1, action, args.2)?;
    output(cli.json, &t, |o| {
        print_tranches(o, std::slice::from_ref(&t))
    })
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DeviationKindArg {
    MilestoneAtRisk,
    KpiRed,
    BenchmarkShortfall,
    LateReport,
    Other,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DeviationActionArg {
    PaymentDeadlineSuspension,
    PaymentSuspension,
    Reduction,
    RecoveryOrder,
    Termination,
    None,
}

#[derive(Subcommand)]
pub enum DeviationCommand {
    /// The award's deviations and their actions.
    List {
        #[arg(long)]
        award: i64,
    },
    /// Record a deviation and the action decided, with its reason and who decided.
    Add {
        #[arg(long)]
        award: i64,
        #[arg(long, value_enum)]
        kind: DeviationKindArg,
        /// The milestone, KPI or report concerned.
        #[arg(long, default_value = "")]
        subject: String,
        /// What was found, in figures.
        #[arg(long)]
        found: String,
        #[arg(long, value_enum)]
        action: DeviationActionArg,
        /// The amount of a reduction or a recovery order.
        #[arg(long, value_name = "EUR")]
        amount: Option<f64>,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        decided_by: String,
        #[arg(long)]
        dated: chrono::NaiveDate,
    },
    /// Lift a payment suspension (once).
    Lift {
        #[arg(long)]
        award: i64,
        #[arg(long)]
        deviation: i64,
        #[arg(long)]
        by: String,
        #[arg(long)]
        reason: String,
    },
}

fn print_deviations(
    o: &mut dyn Write,
    list: &[gigafund::programme::Deviation],
) -> std::io::Result<()> {
    for d in list {
        writeln!(
            o,
            "{:>4} {} {:<20} {:<28} {}{} — {} ({}){}",
            d.id,
            d.dated,
            gigafund::store::enum_text(&d.kind)
                .unwrap_or_default()
                .replace('_', " "),
            gigafund::store::enum_text(&d.action)
                .unwrap_or_default()
                .replace('_', " "),
            d.found,
            d.amount.map(|a| format!(" · {a}")).unwrap_or_default(),
            d.reason,
            d.decided_by,
            match d.lifted_on {
                Some(on) => format!(" · lifted on {on}"),
                None if d.blocking() => " · stands".into(),
                None => String::new(),
            }
        )?;
    }
    Ok(())
}

pub fn deviation(cli: &Cli, cmd: &DeviationCommand) -> Result<bool> {
    use gigafund::programme::{DeviationAction as A, DeviationKind as K};
    match cmd {
        DeviationCommand::List { award } => {
            let store = open(cli)?;
            let list = prog::show_award(&store, *award, "en", today())?.deviations;
            output(cli.json, &list, |o| print_deviations(o, &list))
        }
        DeviationCommand::Add {
            award,
            kind,
            subject,
            found,
            action,
            amount,
            reason,
            decided_by,
            dated,
        } => {
            let mut store = open(cli)?;
            let req = prog::DeviationRequest {
                kind: match kind {
                    DeviationKindArg::MilestoneAtRisk => K::MilestoneAtRisk,
                    DeviationKindArg::KpiRed => K::KpiRed,
                    DeviationKindArg::BenchmarkShortfall => K::BenchmarkShortfall,
                    DeviationKindArg::LateReport => K::LateReport,
                    DeviationKindArg::Other => K::Other,
                },
                subject: subject.clone(),
                found: found.clone(),
                action: match action {
                    DeviationActionArg::PaymentDeadlineSuspension => A::PaymentDeadlineSuspension,
                    DeviationActionArg::PaymentSuspension => A::PaymentSuspension,
                    DeviationActionArg::Reduction => A::Reduction,
                    DeviationActionArg::RecoveryOrder => A::RecoveryOrder,
                    DeviationActionArg::Termination => A::Termination,
                    DeviationActionArg::None => A::None,
                },
                amount: amount.map(|a| euros("--amount", a)).transpose()?,
                reason: reason.clone(),
                decided_by: decided_by.clone(),
                dated: *dated,
            };
            let d = prog::record_deviation(&mut store, &actor(), *award, &req)?;
            output(cli.json, &d, |o| {
                print_deviations(o, std::slice::from_ref(&d))
            })
        }
        DeviationCommand::Lift {
            award,
            deviation,
            by,
            reason,
        } => {
            let mut store = open(cli)?;
            let d = prog::lift_deviation(&mut store, &actor(), *award, *deviation, by, reason)?;
            output(cli.json, &d, |o| {
                print_deviations(o, std::slice::from_ref(&d))
            })
        }
    }
}
